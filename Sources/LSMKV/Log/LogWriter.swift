import VFS

/// Appends records to a log file in LevelDB's log format (see ``LogFormat``).
///
/// Each record is encoded into its fragments and handed to the file in one `append`, so a record is never
/// interleaved with another. Nothing is durable until ``sync()``. Not thread-safe: one writer at a time.
///
/// A write-ahead log writer (`marksDurability`) also leaves the proof of its syncs in the log: the first record
/// appended after a sync is preceded, in the same `append`, by a ``LogFormat/durabilityMarker`` at the offset the
/// sync made durable, and ``syncProvingDurability(syncingMarker:)`` (at close and log switch) ends the log with one.
/// That costs 19 bytes per record after a sync and no extra system call on the write path.
// @unchecked: the file handle is Sendable and the offsets are only touched by the owner, which keeps the writer
// behind a Mutex (the Database's writer lock, the VersionSet's manifest lock).
final class LogWriter: @unchecked Sendable {
    let file: any WritableFile
    /// Offset within the current 32 KiB block.
    private var blockOffset: Int
    /// Bytes in the file so far.
    private(set) var size: Int
    /// The encoded fragments of the record being added, kept between records so appending allocates nothing.
    @exclusivity(unchecked) private var encoded: [UInt8] = []
    /// Whether this writer leaves durability markers (write-ahead logs only; a MANIFEST never has them).
    let marksDurability: Bool
    /// The size of the file at its last successful sync; -1 before the first (existing bytes are not known durable).
    private var syncedSize: Int
    /// Whether a record was appended that no marker yet proves durable.
    private var hasUnprovenRecords = false
    /// ``LogFormat/typeChecksums`` and ``CRC32C/usesHardware``, read once here instead of through their lazy
    /// globals on every fragment.
    private let typeChecksums = LogFormat.typeChecksums
    private let hardwareCRC = CRC32C.usesHardware

    /// Starts writing at the end of `file`, which already holds `existingSize` bytes.
    /// - Parameter marksDurability: whether to leave durability markers (for a write-ahead log).
    init(file: any WritableFile, existingSize: Int = 0, marksDurability: Bool = false) {
        self.file = file
        self.size = existingSize
        self.blockOffset = existingSize % LogFormat.blockSize
        self.marksDurability = marksDurability
        self.syncedSize = existingSize == 0 ? 0 : -1
    }

    /// Encodes `payload` as one record (fragmented across blocks when needed) and appends it, preceded by a
    /// durability marker when this is the first record since a sync.
    /// - Throws: ``LSMKVError/io(_:)`` when the append fails; the file may then hold part of the record.
    func addRecord(_ payload: [UInt8]) throws {
        // The marker must sit exactly where the sync left the log: it proves every byte before its own offset.
        try append(marker: marksDurability && hasUnprovenRecords && size == syncedSize, payload: payload)
        hasUnprovenRecords = true
    }

    /// Encodes a durability marker (when `marker`) and then `payload` (when given) and hands them to the file in one
    /// `append`, so the reused buffer allocates nothing.
    ///
    /// The exact encoded size is computed first, so the buffer is sized once and every header and payload fragment
    /// is stored with one bounds-checked copy (no per-byte appends).
    /// - Throws: ``LSMKVError/io(_:)`` when the append fails; the file may then hold part of what was encoded.
    private func append(marker: Bool, payload: [UInt8]?) throws {
        var block = blockOffset
        var total = 0
        if marker { total += LogWriter.encodedSize(LogFormat.durabilityMarker.count, block: &block) }
        if let payload { total += LogWriter.encodedSize(payload.count, block: &block) }
        let end = block
        // Records of one workload tend to have one size: then the buffer is already the right length.
        if encoded.count > total {
            encoded.removeLast(encoded.count - total)
        } else if encoded.count < total {
            encoded.append(contentsOf: repeatElement(0, count: total - encoded.count))
        }
        block = blockOffset
        encoded.withUnsafeMutableBufferPointer { buffer in
            var out = UnsafeByteWriter(buffer)
            if marker {
                LogFormat.durabilityMarker.withUnsafeBufferPointer { encode($0, into: &out, block: &block) }
            }
            if let payload { payload.withUnsafeBufferPointer { encode($0, into: &out, block: &block) } }
            precondition(out.count == total && block == end, "log record size miscomputed")
        }
        try LSMKVError.wrappingIO { try file.append(encoded) }
        size += total
        blockOffset = block
    }

    /// The bytes a record of `count` payload bytes takes when it starts at offset `block` of the current block
    /// (headers and any zero trailer included); advances `block` past it. Mirrors ``encode(_:into:block:)``.
    private static func encodedSize(_ count: Int, block: inout Int) -> Int {
        var size = 0
        var remaining = count
        repeat {
            let leftover = LogFormat.blockSize - block
            if leftover < LogFormat.headerSize {
                size += leftover
                block = 0
            }
            let fragmentLength = min(remaining, LogFormat.blockSize - block - LogFormat.headerSize)
            size += LogFormat.headerSize + fragmentLength
            block += LogFormat.headerSize + fragmentLength
            remaining -= fragmentLength
        } while remaining > 0
        return size
    }

    /// Writes the fragments of one record to `out`, starting at offset `block` of the current block.
    private func encode(_ payload: UnsafeBufferPointer<UInt8>, into out: inout UnsafeByteWriter, block: inout Int) {
        var offset = 0
        var isFirst = true
        repeat {
            let leftover = LogFormat.blockSize - block
            if leftover < LogFormat.headerSize {
                // Too little room for a header: fill the block's trailer with zeros and start a new block.
                out.appendZeros(leftover)
                block = 0
            }
            let available = LogFormat.blockSize - block - LogFormat.headerSize
            let fragmentLength = min(payload.count - offset, available)
            let isLast = offset + fragmentLength == payload.count
            let type: LogFormat.RecordType =
                isFirst && isLast ? .full : isFirst ? .first : isLast ? .last : .middle
            let fragment = UnsafeBufferPointer(rebasing: payload[offset..<offset + fragmentLength])
            let crc = CRC32C.checksum(fragment, extending: typeChecksums[Int(type.rawValue)], hardware: hardwareCRC)
            // Header: masked CRC (fixed32), length (fixed16), type.
            out.appendFixed32(CRC32C.mask(crc))
            out.appendFixed16(UInt16(truncatingIfNeeded: fragmentLength))
            out.append(type.rawValue)
            out.append(fragment)
            offset += fragmentLength
            block += LogFormat.headerSize + fragmentLength
            isFirst = false
        } while offset < payload.count
    }

    /// Makes every record appended so far durable.
    /// - Throws: ``LSMKVError/io(_:)``; after a failure the records' durability is unknown.
    func sync() throws {
        try LSMKVError.wrappingIO { try file.sync() }
        syncedSize = size
    }

    /// Syncs, then (for a write-ahead log with records no marker proves yet) appends a durability marker, so that a
    /// reader can prove every record of the log durable; with `syncingMarker`, syncs the marker too (a clean
    /// close). A log switch leaves the marker unsynced: the old log is read again only after a crash before its
    /// flush, and an intact marker is true whether it was synced or not (a second sync there would also hide a
    /// missing first one from the crash tests).
    /// - Throws: ``LSMKVError/io(_:)`` when an append or sync fails.
    func syncProvingDurability(syncingMarker: Bool) throws {
        try sync()
        guard marksDurability && hasUnprovenRecords else { return }
        try append(marker: true, payload: nil)
        hasUnprovenRecords = false
        if syncingMarker { try sync() }
    }

    /// Closes the file without syncing it.
    func close() throws {
        try LSMKVError.wrappingIO { try file.close() }
    }
}

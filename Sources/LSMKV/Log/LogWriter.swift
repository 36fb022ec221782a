import VFS

/// Appends records to a log file in LevelDB's log format (see ``LogFormat``).
///
/// Each record is encoded into its fragments and handed to the file in one `append`, so a record is never
/// interleaved with another. Nothing is durable until ``sync()``. Not thread-safe: one writer at a time.
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

    /// Starts writing at the end of `file`, which already holds `existingSize` bytes.
    init(file: any WritableFile, existingSize: Int = 0) {
        self.file = file
        self.size = existingSize
        self.blockOffset = existingSize % LogFormat.blockSize
    }

    /// Encodes `payload` as one record (fragmented across blocks when needed) and appends it.
    /// - Throws: ``LSMKVError/io(_:)`` when the append fails; the file may then hold part of the record.
    func addRecord(_ payload: [UInt8]) throws {
        var out = ByteWriter(taking: &encoded)
        out.bytes.removeAll(keepingCapacity: true)
        out.bytes.reserveCapacity(payload.count + LogFormat.headerSize * (2 + payload.count / LogFormat.blockSize))
        defer { swap(&encoded, &out.bytes) }
        var offset = 0
        var isFirst = true
        var block = blockOffset
        repeat {
            let leftover = LogFormat.blockSize - block
            if leftover < LogFormat.headerSize {
                // Too little room for a header: fill the block's trailer with zeros and start a new block.
                out.append([UInt8](repeating: 0, count: leftover))
                block = 0
            }
            let available = LogFormat.blockSize - block - LogFormat.headerSize
            let fragmentLength = min(payload.count - offset, available)
            let isLast = offset + fragmentLength == payload.count
            let type: LogFormat.RecordType =
                isFirst && isLast ? .full : isFirst ? .first : isLast ? .last : .middle
            appendFragment(&out, type: type, payload: payload, range: offset..<offset + fragmentLength)
            offset += fragmentLength
            block += LogFormat.headerSize + fragmentLength
            isFirst = false
        } while offset < payload.count
        try LSMKVError.wrappingIO { try file.append(out.bytes) }
        size += out.bytes.count
        blockOffset = block
    }

    private func appendFragment(
        _ out: inout ByteWriter, type: LogFormat.RecordType, payload: [UInt8], range: Range<Int>
    ) {
        let crc = CRC32C.checksum(payload, range: range, extending: LogFormat.typeChecksums[Int(type.rawValue)])
        out.appendFixed32(CRC32C.mask(crc))
        out.append(UInt8(truncatingIfNeeded: range.count))
        out.append(UInt8(truncatingIfNeeded: range.count >> 8))
        out.append(type.rawValue)
        out.append(payload[range])
    }

    /// Makes every record appended so far durable.
    /// - Throws: ``LSMKVError/io(_:)``; after a failure the records' durability is unknown.
    func sync() throws {
        try LSMKVError.wrappingIO { try file.sync() }
    }

    /// Closes the file without syncing it.
    func close() throws {
        try LSMKVError.wrappingIO { try file.close() }
    }
}

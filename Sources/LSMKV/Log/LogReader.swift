/// Reads the records of a log in LevelDB's format and classifies every way it can end.
///
/// A log ends in one of four ways:
/// - **cleanly**, at the end of a record;
/// - with **damage in synced data**: damage (or a zero-filled region) before the offset of an intact durability
///   marker (``LogFormat/durabilityMarker``), which proves every byte before it was synced. A power loss never
///   changes synced bytes, so this is corruption, whatever follows it;
/// - with a **torn tail**: the last record is incomplete or damaged and nothing readable follows it. This is the
///   normal result of a crash during an append; the reader reports it and stops.
/// - with **damage in the middle**: a damaged record is followed by readable records. Readable records after
///   damage prove the damaged bytes were written before later ones, so this is corruption, not a crash artifact.
///   The exception is damage that contains a whole zero-filled 512-byte sector: a page the file system never
///   wrote, the signature of a power loss with unsynced data, where a later page may survive an earlier one.
///   That is treated like a torn tail (and listed as such in the recovery report).
///
/// Durability markers are never returned as records.
struct LogReader {
    /// Where and how reading stopped.
    enum Ending: Equatable {
        case clean
        /// The tail from `offset` to the end of the file was incomplete or damaged and was not read.
        case tornTail(offset: Int, reason: String)
        /// A damaged record at `offset` with `readableRecordsAfter` intact records behind it.
        case midLogDamage(offset: Int, reason: String, readableRecordsAfter: Int)
        /// Damage at `offset`, before `durableLength`, the offset of an intact durability marker: the damaged bytes
        /// were synced, so this is corruption even with nothing readable after it.
        case syncedDamage(offset: Int, reason: String, durableLength: Int)
    }

    /// One logical record and the offset of its first fragment.
    struct Record {
        var offset: Int
        var payload: [UInt8]
    }

    /// Everything read from a log: the intact records, in order, and how the log ended.
    struct Result {
        var records: [Record]
        var ending: Ending
        /// The end offset of the last intact record: where a writer may safely continue after truncating.
        var validLength: Int
        /// The offset of the last intact durability marker anywhere in the log (0 when there is none): every byte
        /// before it was synced.
        var durableLength = 0
    }

    /// One decoding step: a fragment, bytes to skip, the end, damage, or a cut-off tail.
    enum Step {
        case fragment(type: LogFormat.RecordType, payload: Range<Int>, start: Int, next: Int)
        case skip(next: Int)  // block trailer or zero-filled region
        case end
        case damaged(reason: String, next: Int)
        case truncated(reason: String)
    }

    /// Reads every record of `bytes`, the contents of the log file `file`.
    ///
    /// - Complexity: O(n) in the size of the log; a damaged log is scanned a second time, past the damage, for
    ///   durability markers and readable records.
    static func read(_ bytes: [UInt8], file: String) -> Result {
        var records: [Record] = []
        var position = 0
        var validLength = 0
        var pending: [UInt8] = []
        var pendingStart: Int? = nil
        var durableLength = 0
        // The first zero-filled region (not a block trailer) skipped, and what had been read before it.
        var zeroFilled: (offset: Int, records: Int, validLength: Int)?

        /// The ending when the first zero-filled region lies before `durable`: damage in synced data there.
        func zeroFilledSyncedData(_ durable: Int) -> Result? {
            guard let zero = zeroFilled, zero.offset < durable else { return nil }
            return Result(
                records: Array(records[..<zero.records]),
                ending: .syncedDamage(offset: zero.offset, reason: "zero-filled region", durableLength: durable),
                validLength: zero.validLength, durableLength: durable)
        }
        func damage(_ offset: Int, _ reason: String, scanFrom: Int) -> Result {
            let durable = max(durableLength, salvage(bytes, file: file).durableLength)
            // A zero-filled region is always before the damage found after it.
            if let result = zeroFilledSyncedData(durable) { return result }
            if offset < durable {
                return Result(
                    records: records, ending: .syncedDamage(offset: offset, reason: reason, durableLength: durable),
                    validLength: validLength, durableLength: durable)
            }
            let after = countReadableRecords(bytes, from: scanFrom)
            if after == 0 || containsZeroSector(bytes, from: offset, upTo: firstReadableOffset(bytes, from: scanFrom)) {
                return Result(
                    records: records, ending: .tornTail(offset: offset, reason: reason), validLength: validLength,
                    durableLength: durable)
            }
            return Result(
                records: records, ending: .midLogDamage(offset: offset, reason: reason, readableRecordsAfter: after),
                validLength: validLength, durableLength: durable)
        }
        func complete(_ record: Record) {
            if record.payload == LogFormat.durabilityMarker {
                durableLength = record.offset
            } else {
                records.append(record)
            }
        }

        while true {
            switch step(bytes, at: position) {
            case .end:
                if let start = pendingStart {
                    return damage(start, "record cut off at end of file", scanFrom: bytes.count)
                }
                if let result = zeroFilledSyncedData(durableLength) { return result }
                return Result(records: records, ending: .clean, validLength: validLength, durableLength: durableLength)
            case .truncated(let reason):
                return damage(pendingStart ?? position, reason, scanFrom: bytes.count)
            case .skip(let next):
                if next - position >= LogFormat.headerSize {
                    // Zero fill where a fragment belongs: a page never written, or zeroed since.
                    if let start = pendingStart {
                        return damage(start, "record interrupted by a zero-filled region", scanFrom: next)
                    }
                    if zeroFilled == nil { zeroFilled = (position, records.count, validLength) }
                }
                position = next
            case .damaged(let reason, let next):
                return damage(pendingStart ?? position, reason, scanFrom: next)
            case .fragment(let type, let payload, let start, let next):
                switch type {
                case .full:
                    if let s = pendingStart { return damage(s, "record without its last fragment", scanFrom: start) }
                    complete(Record(offset: start, payload: Array(bytes[payload])))
                    validLength = next
                case .first:
                    if let s = pendingStart { return damage(s, "record without its last fragment", scanFrom: start) }
                    pending = Array(bytes[payload])
                    pendingStart = start
                case .middle, .last:
                    guard let s = pendingStart else {
                        return damage(
                            start, "\(type == .middle ? "middle" : "last") fragment without a first", scanFrom: next)
                    }
                    pending.append(contentsOf: bytes[payload])
                    if type == .last {
                        complete(Record(offset: s, payload: pending))
                        pending = []
                        pendingStart = nil
                        validLength = next
                    }
                case .zero:
                    // ``step(_:at:)`` reports a type-0 fragment as damage; should it ever pass one, it still is.
                    return damage(start, "unknown fragment type 0", scanFrom: next)
                }
                position = next
            }
        }
    }

    /// Decodes the fragment header at `position` without trusting anything in it.
    static func step(_ bytes: [UInt8], at position: Int) -> Step {
        if position >= bytes.count { return .end }
        let blockEnd = (position / LogFormat.blockSize + 1) * LogFormat.blockSize
        if blockEnd - position < LogFormat.headerSize { return .skip(next: blockEnd) }
        if bytes.count - position < LogFormat.headerSize {
            return isZeroFilled(bytes, from: position, upTo: bytes.count)
                ? .end : .truncated(reason: "header cut off at end of file")
        }
        let storedChecksum = decodeFixed32(bytes, at: position)
        let length = Int(bytes[position + 4]) | Int(bytes[position + 5]) << 8
        let rawType = bytes[position + 6]
        let payloadStart = position + LogFormat.headerSize
        if rawType == 0 && ((length == 0 && storedChecksum == 0) || PlantedBug.isActive(.zeroTypeReadAsPadding)) {
            // A zero-filled region: a preallocated or never-written page. Skip the rest of the block.
            return .skip(next: blockEnd)
        }
        if payloadStart + length > blockEnd {
            return .damaged(reason: "fragment length \(length) crosses the block boundary", next: blockEnd)
        }
        if payloadStart + length > bytes.count {
            return .truncated(reason: "fragment of \(length) bytes cut off at end of file")
        }
        guard let type = LogFormat.RecordType(rawValue: rawType), type != .zero else {
            return .damaged(reason: "unknown fragment type \(rawType)", next: payloadStart + length)
        }
        let actual = CRC32C.checksum(
            bytes, range: payloadStart..<payloadStart + length, extending: LogFormat.typeChecksums[Int(rawType)])
        if CRC32C.unmask(storedChecksum) != actual {
            return .damaged(reason: "checksum mismatch", next: payloadStart + length)
        }
        return .fragment(
            type: type, payload: payloadStart..<payloadStart + length, start: position, next: payloadStart + length)
    }

    /// The number of intact fragments from `offset` on, resynchronising at block boundaries after damage.
    private static func countReadableRecords(_ bytes: [UInt8], from offset: Int) -> Int {
        var count = 0
        var position = offset
        while position < bytes.count {
            switch step(bytes, at: position) {
            case .fragment(_, _, _, let next):
                count += 1
                position = next
            case .skip(let next):
                position = next
            case .damaged:
                position = (position / LogFormat.blockSize + 1) * LogFormat.blockSize
            case .end, .truncated:
                return count
            }
        }
        return count
    }

    /// The offset of the first intact fragment at or after `offset` (the end of the file when there is none).
    private static func firstReadableOffset(_ bytes: [UInt8], from offset: Int) -> Int {
        var position = offset
        while position < bytes.count {
            switch step(bytes, at: position) {
            case .fragment(_, _, let start, _):
                return start
            case .skip(let next):
                position = next
            case .damaged:
                position = (position / LogFormat.blockSize + 1) * LogFormat.blockSize
            case .end, .truncated:
                return bytes.count
            }
        }
        return bytes.count
    }

    /// Whether `bytes[start..<end]` contains a 512-byte-aligned sector of zeros.
    private static func containsZeroSector(_ bytes: [UInt8], from start: Int, upTo end: Int) -> Bool {
        let sector = 512
        var s = (start + sector - 1) / sector * sector
        while s + sector <= min(end, bytes.count) {
            if isZeroFilled(bytes, from: s, upTo: s + sector) { return true }
            s += sector
        }
        return false
    }

    private static func isZeroFilled(_ bytes: [UInt8], from start: Int, upTo end: Int) -> Bool {
        guard start < end else { return true }
        for i in start..<min(end, bytes.count) where bytes[i] != 0 { return false }
        return true
    }
}

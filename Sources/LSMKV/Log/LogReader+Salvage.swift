extension LogReader {
    /// A region of a log that ``salvage(_:file:)`` could not read.
    struct SkippedRegion: Equatable {
        /// The offset of the first byte skipped.
        var offset: Int
        /// The number of bytes skipped.
        var length: Int
        /// What was wrong there.
        var reason: String
    }

    /// Everything ``salvage(_:file:)`` could read from a log: the intact records, in order, and what it skipped.
    struct Salvage {
        var records: [Record]
        var skipped: [SkippedRegion]
        /// Whether the only damage is a torn tail: nothing readable follows the first skipped byte.
        var isTornTailOnly: Bool
        /// The offset of the last intact durability marker (0 when there is none): every byte before it was synced.
        var durableLength = 0
    }

    /// Reads every intact record of a damaged log, skipping past damage instead of stopping at it (as LevelDB's
    /// repair does). After a damaged fragment it tries the position its length field points to; when that is not
    /// an intact fragment either, it gives up on the rest of the 32 KiB block. A record missing any fragment is
    /// skipped whole. A zero-filled region (a fragment header of zeros: the rest of its block is skipped) with
    /// intact records after it is listed as skipped too; zeros at the end of the log are not. Durability markers
    /// are not returned as records; the last one's offset is ``Salvage/durableLength``. Never traps and never
    /// throws: whatever cannot be read is listed in ``Salvage/skipped``.
    ///
    /// - Complexity: O(n) in the size of the log.
    static func salvage(_ bytes: [UInt8], file: String) -> Salvage {
        var records: [Record] = []
        var skipped: [SkippedRegion] = []
        var position = 0
        var pending: [UInt8] = []
        var pendingStart: Int?
        var resyncing = false
        var zeroFilled: [SkippedRegion] = []
        var durableLength = 0
        var lastRecordStart = -1
        func complete(_ record: Record) {
            lastRecordStart = record.offset
            if record.payload == LogFormat.durabilityMarker {
                durableLength = record.offset
            } else {
                records.append(record)
            }
        }

        func skip(_ start: Int, _ end: Int, _ reason: String) {
            guard end > start else { return }
            if let last = skipped.last, last.offset + last.length == start {
                skipped[skipped.count - 1].length += end - start
            } else {
                skipped.append(SkippedRegion(offset: start, length: end - start, reason: reason))
            }
        }
        func dropPending(upTo end: Int, _ reason: String) {
            if let start = pendingStart { skip(start, end, reason) }
            pending = []
            pendingStart = nil
        }

        loop: while true {
            let step = step(bytes, at: position)
            if resyncing {
                resyncing = false
                if case .damaged = step {
                    // The damaged fragment's length cannot be trusted either: drop the rest of the block.
                    let blockEnd = min(bytes.count, (position / LogFormat.blockSize + 1) * LogFormat.blockSize)
                    skip(position, blockEnd, "damaged block")
                    position = blockEnd
                    continue
                }
            }
            switch step {
            case .end:
                dropPending(upTo: bytes.count, "record cut off at end of file")
                break loop
            case .truncated(let reason):
                dropPending(upTo: position, "record cut off at end of file")
                skip(position, bytes.count, reason)
                break loop
            case .skip(let next):
                // A block's trailer (under 7 bytes) is normal padding; zero fill inside a record means the
                // record's next fragment was never written.
                if next - position >= LogFormat.headerSize {
                    dropPending(upTo: position, "record interrupted by a zero-filled region")
                    zeroFilled.append(
                        SkippedRegion(
                            offset: position, length: min(next, bytes.count) - position, reason: "zero-filled region"))
                }
                position = next
            case .damaged(let reason, let next):
                dropPending(upTo: position, "record with a damaged fragment")
                skip(position, min(next, bytes.count), reason)
                position = next
                resyncing = true
            case .fragment(let type, let payload, let start, let next):
                switch type {
                case .full, .first:
                    dropPending(upTo: start, "record without its last fragment")
                    if type == .full {
                        complete(Record(offset: start, payload: Array(bytes[payload])))
                    } else {
                        pending = Array(bytes[payload])
                        pendingStart = start
                    }
                case .middle, .last:
                    guard pendingStart != nil else {
                        skip(start, next, "\(type == .middle ? "middle" : "last") fragment without a first")
                        position = next
                        continue
                    }
                    pending.append(contentsOf: bytes[payload])
                    if type == .last, let recordStart = pendingStart {
                        complete(Record(offset: recordStart, payload: pending))
                        pending = []
                        pendingStart = nil
                    }
                case .zero:
                    // ``LogReader/step(_:at:)`` reports a type-0 fragment as damage; should it ever pass one, it is.
                    dropPending(upTo: start, "record with a damaged fragment")
                    skip(start, next, "unknown fragment type 0")
                    position = next
                    continue
                }
                position = next
            }
        }
        let zeroFilledBeforeRecords = zeroFilled.filter { $0.offset < lastRecordStart }
        if !zeroFilledBeforeRecords.isEmpty {
            skipped = (skipped + zeroFilledBeforeRecords).sorted { $0.offset < $1.offset }
        }
        let firstSkipped = skipped.first?.offset ?? bytes.count
        // A marker after the damage proves the damage synced: readable either way.
        let tornTailOnly = lastRecordStart < firstSkipped
        return Salvage(
            records: records, skipped: skipped, isTornTailOnly: tornTailOnly, durableLength: durableLength)
    }
}

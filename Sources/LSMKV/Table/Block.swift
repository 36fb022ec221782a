/// A parsed block: its contents (trailer removed) and the validated location of its restart array.
///
/// Parsing checks only the restart array; entries are checked as an iterator decodes them, so a corrupt entry
/// surfaces as ``LSMKVError/corruption(file:offset:reason:)`` from the call that reached it.
struct Block: Sendable {
    /// The block's bytes without the 5-byte trailer.
    let contents: [UInt8]
    /// The file the block was read from, for error messages.
    let file: String
    /// The offset of `contents[0]` in `file`.
    let fileOffset: Int
    /// The order of the block's keys.
    let comparator: BlockComparator
    /// Where the restart array starts; entries occupy `0..<restartsOffset`.
    let restartsOffset: Int
    /// The number of restart points.
    let restartCount: Int

    /// Validates the restart count and every restart offset against the block's size.
    init(contents: [UInt8], file: String, fileOffset: Int, comparator: BlockComparator) throws {
        self.contents = contents
        self.file = file
        self.fileOffset = fileOffset
        self.comparator = comparator
        let size = contents.count
        guard size >= 4 else {
            throw LSMKVError.corruption(file: file, offset: fileOffset, reason: "block of \(size) bytes is too short")
        }
        let count = Int(decodeFixed32(contents, at: size - 4))
        guard count <= (size - 4) / 4 else {
            throw LSMKVError.corruption(
                file: file, offset: fileOffset + size - 4,
                reason: "restart count \(count) does not fit a block of \(size) bytes")
        }
        restartCount = count
        restartsOffset = size - 4 - count * 4
        guard count > 0 || restartsOffset == 0 else {
            throw LSMKVError.corruption(
                file: file, offset: fileOffset + size - 4, reason: "block has entries but no restart points")
        }
        var previous = -1
        for i in 0..<count {
            let at = restartsOffset + i * 4
            let restart = Int(decodeFixed32(contents, at: at))
            // The first restart is always offset 0; later ones start later entries. An empty block keeps the
            // single restart at 0 == restartsOffset.
            let valid = i == 0 ? restart == 0 : (restart > previous && restart < restartsOffset)
            guard valid else {
                throw LSMKVError.corruption(
                    file: file, offset: fileOffset + at,
                    reason: "restart point \(i) has bad offset \(restart) (entries end at \(restartsOffset))")
            }
            previous = restart
        }
    }

    /// The offset of restart point `index`; the caller keeps `index < restartCount`.
    @inline(__always)
    func restartPoint(_ index: Int) -> Int {
        Int(decodeFixed32(contents, at: restartsOffset + index * 4))
    }

    /// A new iterator over the block, positioned nowhere.
    func makeIterator() -> BlockIterator { BlockIterator(self) }

    /// One decoded entry: the full key, where its value lies in `contents`, and where the next entry starts.
    struct Entry {
        var key: [UInt8]
        var valueRange: Range<Int>
        var next: Int
    }

    /// Decodes the entry at `offset` whose predecessor's key is `previousKey`, checking every length.
    func decodeEntry(at offset: Int, previousKey: [UInt8]) throws -> Entry {
        var reader = ByteReader(contents, file: file, baseOffset: fileOffset, range: offset..<restartsOffset)
        let shared = Int(try reader.readVarint32())
        let nonShared = Int(try reader.readVarint32())
        let valueLength = Int(try reader.readVarint32())
        guard shared <= previousKey.count else {
            throw reader.corruption(
                "entry shares \(shared) bytes with a previous key of \(previousKey.count) bytes", at: offset)
        }
        guard nonShared <= reader.remaining, valueLength <= reader.remaining - nonShared else {
            throw reader.corruption(
                "entry lengths (key \(nonShared), value \(valueLength)) run past the entries' end", at: offset)
        }
        let keyStart = reader.position
        var key = [UInt8]()
        key.reserveCapacity(shared + nonShared)
        key.append(contentsOf: previousKey[0..<shared])
        key.append(contentsOf: contents[keyStart..<keyStart + nonShared])
        let valueStart = keyStart + nonShared
        return Entry(key: key, valueRange: valueStart..<valueStart + valueLength, next: valueStart + valueLength)
    }
}

/// An iterator over one block's entries, in the block's key order.
///
/// `seek` binary-searches the restart points, then scans forward. After any thrown error the iterator is
/// invalid.
final class BlockIterator: InternalIterator {
    /// The block being iterated.
    let block: Block
    // Offset of the current entry; `block.restartsOffset` when invalid.
    private var current: Int
    private var nextOffset: Int
    private(set) var key: [UInt8] = []
    /// Where the current value lies in `block.contents`.
    private(set) var valueRange: Range<Int> = 0..<0

    init(_ block: Block) {
        self.block = block
        current = block.restartsOffset
        nextOffset = block.restartsOffset
    }

    var isValid: Bool { current < block.restartsOffset }

    var value: [UInt8] { Array(block.contents[valueRange]) }

    /// The absolute file offset of the current value, for error messages about it.
    var valueFileOffset: Int { block.fileOffset + valueRange.lowerBound }

    func seekToFirst() throws {
        guard block.restartCount > 0 else { return invalidate() }
        startAtRestart(0)
        try parseNext()
    }

    func seek(_ target: [UInt8]) throws {
        guard block.restartCount > 0 else { return invalidate() }
        // Find the last restart point whose key is < target; the answer is at or after it.
        var left = 0
        var right = block.restartCount - 1
        while left < right {
            let mid = (left + right + 1) / 2
            let offset = block.restartPoint(mid)
            let entry: Block.Entry
            do {
                // An empty previous key makes a nonzero shared count at a restart point a corruption.
                entry = try block.decodeEntry(at: offset, previousKey: [])
            } catch {
                invalidate()
                throw error
            }
            if block.comparator.compare(entry.key, target) < 0 { left = mid } else { right = mid - 1 }
        }
        startAtRestart(left)
        while true {
            try parseNext()
            if !isValid || block.comparator.compare(key, target) >= 0 { return }
        }
    }

    func next() throws {
        guard isValid else { return }
        try parseNext()
    }

    private func startAtRestart(_ index: Int) {
        key = []
        nextOffset = block.restartPoint(index)
        current = nextOffset
    }

    private func invalidate() {
        current = block.restartsOffset
        nextOffset = block.restartsOffset
        key = []
        valueRange = 0..<0
    }

    private func parseNext() throws {
        current = nextOffset
        guard current < block.restartsOffset else { return invalidate() }
        do {
            let entry = try block.decodeEntry(at: current, previousKey: key)
            key = entry.key
            valueRange = entry.valueRange
            nextOffset = entry.next
        } catch {
            invalidate()
            throw error
        }
    }
}

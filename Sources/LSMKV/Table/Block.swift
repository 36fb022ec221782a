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

    /// A block with no entries (a zero restart count), for cursors that have no block yet.
    static let empty = Block(emptyBlockIn: "")

    private init(emptyBlockIn file: String) {
        contents = [0, 0, 0, 0]
        self.file = file
        fileOffset = 0
        comparator = .internalKey
        restartsOffset = 0
        restartCount = 0
    }

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

    /// The block's contents, the block given up: when nothing else held it, the array's storage is unshared.
    consuming func intoContents() -> [UInt8] { contents }

    /// A new iterator over the block, positioned nowhere.
    func makeIterator() -> BlockIterator { BlockIterator(self) }

    /// One decoded entry: the full key, where its value lies in `contents`, and where the next entry starts.
    struct Entry {
        var key: [UInt8]
        var valueRange: Range<Int>
        var next: Int
    }

    /// Decodes the entry at `offset` whose predecessor's key is `previousKey`, checking every length.
    /// - Throws: corruption naming the entry's offset and what is wrong with it.
    func decodeEntry(at offset: Int, previousKey: [UInt8]) throws -> Entry {
        let header = try checkedEntryHeader(at: offset, previousKeyCount: previousKey.count)
        var key = [UInt8]()
        key.reserveCapacity(header.shared + header.nonShared)
        key.append(contentsOf: previousKey[0..<header.shared])
        key.append(contentsOf: contents[header.keyStart..<header.keyStart + header.nonShared])
        let valueRange = header.valueRange
        return Entry(key: key, valueRange: valueRange, next: valueRange.upperBound)
    }

    /// The lengths of the entry at `offset`, decoded with ``ByteReader`` so that a malformed entry throws the
    /// precise corruption error. The slow twin of ``entryHeader(at:previousKeyCount:)``, with the same checks.
    private func checkedEntryHeader(at offset: Int, previousKeyCount: Int) throws -> BlockEntryHeader {
        var reader = ByteReader(contents, file: file, baseOffset: fileOffset, range: offset..<restartsOffset)
        let shared = Int(try reader.readVarint32())
        let nonShared = Int(try reader.readVarint32())
        let valueLength = Int(try reader.readVarint32())
        guard shared <= previousKeyCount else {
            throw reader.corruption(
                "entry shares \(shared) bytes with a previous key of \(previousKeyCount) bytes", at: offset)
        }
        guard nonShared <= reader.remaining, valueLength <= reader.remaining - nonShared else {
            throw reader.corruption(
                "entry lengths (key \(nonShared), value \(valueLength)) run past the entries' end", at: offset)
        }
        return BlockEntryHeader(
            shared: shared, keyStart: reader.position, nonShared: nonShared, valueLength: valueLength)
    }

    /// The corruption error for the entry at `offset`, which ``entryHeader(at:previousKeyCount:)`` rejected: the
    /// one place a rejected entry becomes an error. Re-decodes it with ``ByteReader`` for the precise reason; if
    /// that finds nothing wrong (the two checks disagree, which is a bug but must not stop the process), a generic
    /// "malformed entry" corruption at the entry.
    @inline(never)
    func entryCorruption(at offset: Int, previousKeyCount: Int) -> LSMKVError {
        do {
            _ = try checkedEntryHeader(at: offset, previousKeyCount: previousKeyCount)
        } catch let error as LSMKVError {
            return error
        } catch {
            // checkedEntryHeader throws only LSMKVError; anything else still describes a bad entry.
        }
        return .corruption(
            file: file, offset: fileOffset + offset,
            reason: "malformed entry (previous key of \(previousKeyCount) bytes, entries end at \(restartsOffset))")
    }
}

/// The lengths of one entry, decoded without allocating: what ``BlockCursor`` needs to step.
struct BlockEntryHeader {
    /// Bytes shared with the previous key.
    var shared: Int
    /// Where the key's unshared bytes start in the block.
    var keyStart: Int
    /// How many unshared key bytes follow.
    var nonShared: Int
    /// The value's length; the value follows the key bytes.
    var valueLength: Int

    /// Where the value lies in the block.
    var valueRange: Range<Int> { keyStart + nonShared..<keyStart + nonShared + valueLength }
}

extension Block {
    /// Decodes the lengths of the entry at `offset`, checking them against the block and a previous key of
    /// `previousKeyCount` bytes. Nil when anything is malformed: the caller then throws
    /// ``entryCorruption(at:previousKeyCount:)``, the precise corruption error.
    @inline(__always)
    func entryHeader(at offset: Int, previousKeyCount: Int) -> BlockEntryHeader? {
        contents.withUnsafeBufferPointer { b in entryHeader(in: b, at: offset, previousKeyCount: previousKeyCount) }
    }

    /// ``entryHeader(at:previousKeyCount:)`` on `contents` already borrowed as `b`.
    @inline(__always)
    private func entryHeader(in b: UnsafeBufferPointer<UInt8>, at offset: Int, previousKeyCount: Int)
        -> BlockEntryHeader?
    {
        let limit = restartsOffset
        do {
            var p = offset
            // LevelDB's fast path: all three lengths below 128 take one byte each.
            if limit - p >= 3, b[p] | b[p + 1] | b[p + 2] < 0x80 {
                let header = BlockEntryHeader(
                    shared: Int(b[p]), keyStart: p + 3, nonShared: Int(b[p + 1]), valueLength: Int(b[p + 2]))
                p += 3
                guard header.shared <= previousKeyCount, header.nonShared <= limit - p,
                    header.valueLength <= limit - p - header.nonShared
                else { return nil }
                return header
            }
            guard let shared = Varint.decodeLength(b, &p, limit), let nonShared = Varint.decodeLength(b, &p, limit),
                let valueLength = Varint.decodeLength(b, &p, limit), shared <= previousKeyCount,
                nonShared <= limit - p, valueLength <= limit - p - nonShared
            else { return nil }
            return BlockEntryHeader(shared: shared, keyStart: p, nonShared: nonShared, valueLength: valueLength)
        }
    }

    /// The first restart point whose key is `>= target` (`restartCount` when every restart key is smaller): a binary
    /// search comparing keys in place, with the block and the target borrowed once for the whole search (the index
    /// search of every get and seek). With `candidates`, only the restart points in it are compared: the caller
    /// knows those before it are smaller than `target` and those from its end on are not.
    /// - Throws: corruption when a restart entry it visits is malformed.
    func firstRestart(atOrAfter target: [UInt8], within candidates: Range<Int>? = nil) throws -> Int {
        try contents.withUnsafeBufferPointer { b in
            try target.withUnsafeBufferPointer { t in
                var low = candidates?.lowerBound ?? 0
                var high = candidates?.upperBound ?? restartCount
                while low < high {
                    let mid = (low + high) / 2
                    // In bounds: `init` checked that the restart array fits the block.
                    let offset = Int(
                        UInt32(
                            littleEndian: UnsafeRawBufferPointer(b).loadUnaligned(
                                fromByteOffset: restartsOffset + mid * 4, as: UInt32.self)))
                    let key: UnsafeBufferPointer<UInt8>
                    let limit = restartsOffset
                    // The common restart entry: shares nothing, all lengths below 128, so one byte each.
                    if offset < limit, limit - offset >= 3, b[offset] == 0, b[offset + 1] | b[offset + 2] < 0x80,
                        Int(b[offset + 1]) + Int(b[offset + 2]) <= limit - offset - 3
                    {
                        key = UnsafeBufferPointer(start: b.baseAddress! + offset + 3, count: Int(b[offset + 1]))
                    } else {
                        // An empty previous key makes a nonzero shared count at a restart point a corruption.
                        guard let header = entryHeader(in: b, at: offset, previousKeyCount: 0) else {
                            throw entryCorruption(at: offset, previousKeyCount: 0)
                        }
                        key = UnsafeBufferPointer(rebasing: b[header.keyStart..<header.keyStart + header.nonShared])
                    }
                    if comparator.compare(key, t) < 0 { low = mid + 1 } else { high = mid }
                }
                return low
            }
        }
    }

    /// The lengths of the restart entry at `offset`, which must share nothing with its predecessor.
    /// - Throws: corruption when the entry is malformed.
    @inline(__always)
    func restartEntryHeader(at offset: Int) throws -> BlockEntryHeader {
        // An empty previous key makes a nonzero shared count at a restart point a corruption.
        guard let header = entryHeader(at: offset, previousKeyCount: 0) else {
            throw entryCorruption(at: offset, previousKeyCount: 0)
        }
        return header
    }

    /// Where the value of the first entry whose key is `>= target` lies, or nil when every key is smaller.
    ///
    /// Compares keys in place when the entries around the answer are restart points, as in index blocks (restart
    /// interval 1), so no key is built; otherwise it seeks with a ``BlockCursor``.
    ///
    /// With `fences` (built from this block), the search compares whole keys only among the entries the fences
    /// leave open.
    func valueRangeOfFirstEntry(atOrAfter target: [UInt8], fences: IndexFences? = nil) throws -> Range<Int>? {
        // An empty block has no entries (its single restart point sits at the restart array).
        guard restartCount > 0, restartsOffset > 0 else { return nil }
        if let fences {
            // Fences exist only where every restart point holds one entry: the answer is a restart entry.
            let first = try firstRestart(atOrAfter: target, within: fences.candidates(for: target))
            return first < restartCount ? try restartEntryHeader(at: restartPoint(first)).valueRange : nil
        }
        let low = try firstRestart(atOrAfter: target)
        if low > 0 {
            // The answer is restart `low`'s entry only when restart `low - 1` holds a single entry.
            let previous = try restartEntryHeader(at: restartPoint(low - 1))
            let nextRestart = low < restartCount ? restartPoint(low) : restartsOffset
            guard previous.valueRange.upperBound == nextRestart else {
                var cursor = BlockCursor(self)
                try cursor.seek(target)
                return cursor.isValid ? cursor.valueRange : nil
            }
        }
        guard low < restartCount else { return nil }
        return try restartEntryHeader(at: restartPoint(low)).valueRange
    }
}

/// A cursor over one block's entries, in the block's key order: a value type, so lookups that only need one
/// position allocate no object. The current key is rebuilt in one buffer that is reused from entry to entry.
///
/// `seek` binary-searches the restart points comparing their keys in place, then scans forward. After any thrown
/// error the cursor is invalid.
struct BlockCursor {
    /// The block being iterated.
    private(set) var block: Block
    // Offset of the current entry; `block.restartsOffset` when invalid.
    private var current: Int
    private var nextOffset: Int
    /// The current key (reused between entries; copy it to keep it).
    private(set) var key: [UInt8] = []
    /// Whether the next entry starts at a restart point, so must share nothing with `key`.
    private var atRestart = true
    /// Where the current value lies in `block.contents`.
    private(set) var valueRange: Range<Int> = 0..<0

    init(_ block: Block) {
        self.block = block
        current = block.restartsOffset
        nextOffset = block.restartsOffset
    }

    var isValid: Bool { current < block.restartsOffset }

    /// Moves the cursor to another block, positioned nowhere, keeping its key buffer (no allocation per block).
    mutating func reset(to block: Block) {
        self.block = block
        current = block.restartsOffset
        nextOffset = block.restartsOffset
        valueRange = 0..<0
        atRestart = true
    }

    /// The current value, copied out of the block.
    var value: [UInt8] { Bytes.copy(block.contents, valueRange) }

    /// Calls `body` with the current value, in place in the block.
    func withValue(_ body: (Span<UInt8>) throws -> Void) rethrows {
        try body(block.contents.span.extracting(valueRange))
    }

    /// ``withValue(_:)`` for a cursor stored in a class: `mutating` (it changes nothing) so the call reaches the
    /// cursor in place, where a non-mutating call would copy it (retaining its block and key) first.
    mutating func lendValue(_ body: (Span<UInt8>) throws -> Void) rethrows {
        try body(block.contents.span.extracting(valueRange))
    }

    /// Replaces `target`'s contents with the current key. `mutating` (it changes nothing) for the same reason as
    /// ``lendValue(_:)``.
    mutating func copyKey(into target: inout [UInt8]) { Bytes.assign(&target, from: key) }

    mutating func seekToFirst() throws {
        guard block.restartCount > 0 else { return invalidate() }
        startAtRestart(0)
        try parseNext()
    }

    mutating func seek(_ target: [UInt8]) throws {
        guard let first = try firstRestart(atOrAfter: target) else { return }
        // The last restart point whose key is < target (the first when there is none); the answer is at or after it.
        startAtRestart(max(first - 1, 0))
        while true {
            try parseNext()
            if !isValid || block.comparator.compare(key, target) >= 0 { return }
        }
    }

    /// ``seek(_:)`` for a block whose restart points each hold one entry, as an index block's do: the answer is
    /// the first restart entry `>= target`, decoded alone with no scan and no comparison. Falls back to ``seek(_:)``
    /// where a restart holds more (kept apart from `seek` so data blocks, interval 16, pay nothing for the check).
    ///
    /// With `fences` (built from this cursor's block), whole keys are compared only among the entries they leave
    /// open, and the answer is a restart entry.
    mutating func seekInIndex(_ target: [UInt8], fences: IndexFences? = nil) throws {
        if let fences, block.restartCount == fences.entryCount {
            guard let first = try firstRestart(atOrAfter: target, within: fences.candidates(for: target)) else {
                return
            }
            guard first < block.restartCount else { return invalidate() }
            startAtRestart(first)
            return try parseNext()
        }
        guard let first = try firstRestart(atOrAfter: target) else { return }
        // Restart `first - 1`'s entry is < target and restart `first`'s is not: when the former is alone in its
        // restart run, the latter is the answer. At `first == 0` the first entry is.
        if first == 0
            || (first < block.restartCount
                && block.entryHeader(at: block.restartPoint(first - 1), previousKeyCount: 0)?.valueRange.upperBound
                    == block.restartPoint(first))
        {
            startAtRestart(first)
            return try parseNext()
        }
        try seek(target)
    }

    /// The block's first restart point whose key is `>= target`; nil, the cursor invalid, for an empty block (its
    /// single restart point sits at the restart array). A malformed restart entry invalidates and throws.
    private mutating func firstRestart(atOrAfter target: [UInt8], within candidates: Range<Int>? = nil) throws -> Int? {
        guard block.restartCount > 0, block.restartsOffset > 0 else {
            invalidate()
            return nil
        }
        do {
            return try block.firstRestart(atOrAfter: target, within: candidates)
        } catch {
            invalidate()
            throw error
        }
    }

    mutating func next() throws {
        guard isValid else { return }
        try parseNext()
    }

    mutating func seekToLast() throws {
        guard block.restartCount > 0 else { return invalidate() }
        startAtRestart(block.restartCount - 1)
        try parseNext()
        while isValid && nextOffset < block.restartsOffset { try parseNext() }
    }

    /// Moves to the previous entry: rescans from the last restart point before the current entry.
    mutating func prev() throws {
        guard isValid else { return }
        let original = current
        // The last restart point before the current entry.
        var low = 0
        var high = block.restartCount - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if block.restartPoint(mid) < original { low = mid } else { high = mid - 1 }
        }
        guard block.restartPoint(low) < original else { return invalidate() }
        startAtRestart(low)
        try parseNext()
        while isValid && nextOffset < original { try parseNext() }
    }

    private mutating func startAtRestart(_ index: Int) {
        // The key's bytes stay as a buffer for the restart entry, which shares nothing with them.
        atRestart = true
        nextOffset = block.restartPoint(index)
        current = nextOffset
    }

    private mutating func invalidate() {
        current = block.restartsOffset
        nextOffset = block.restartsOffset
        key.removeAll(keepingCapacity: true)
        valueRange = 0..<0
    }

    private mutating func parseNext() throws {
        current = nextOffset
        guard current < block.restartsOffset else { return invalidate() }
        let previousKeyCount = atRestart ? 0 : key.count
        atRestart = false
        guard let header = block.entryHeader(at: current, previousKeyCount: previousKeyCount) else {
            let error = block.entryCorruption(at: current, previousKeyCount: previousKeyCount)
            invalidate()
            throw error
        }
        // Keys of one length (the common case) are rebuilt in place; otherwise the shared prefix is kept and the
        // unshared bytes appended (a memcpy: filling with zeros first cost 500 instructions per fresh cursor).
        let length = header.shared + header.nonShared
        block.contents.withUnsafeBufferPointer { source in
            let unshared = UnsafeBufferPointer(rebasing: source[header.keyStart..<header.keyStart + header.nonShared])
            if key.count == length {
                guard !unshared.isEmpty else { return }
                key.withUnsafeMutableBufferPointer { target in
                    UnsafeMutableRawPointer(target.baseAddress! + header.shared).copyMemory(
                        from: unshared.baseAddress!, byteCount: unshared.count)
                }
            } else {
                key.removeLast(key.count - header.shared)
                key.append(contentsOf: unshared)
            }
        }
        valueRange = header.valueRange
        nextOffset = valueRange.upperBound
    }
}

/// An iterator over one block's entries, in the block's key order: ``BlockCursor`` behind the
/// ``InternalIterator`` protocol.
final class BlockIterator: InternalIterator {
    // Unchecked: private to this single-threaded cursor and never accessed reentrantly; the dynamic exclusivity
    // check cost more than the step itself.
    @exclusivity(unchecked) private var cursor: BlockCursor

    init(_ block: Block) { cursor = BlockCursor(block) }

    /// The block being iterated.
    var block: Block { cursor.block }
    var isValid: Bool { cursor.isValid }
    var key: [UInt8] { cursor.key }
    var value: [UInt8] { cursor.value }
    func withValue(_ body: (Span<UInt8>) throws -> Void) rethrows { try cursor.withValue(body) }
    /// Where the current value lies in `block.contents`.
    var valueRange: Range<Int> { cursor.valueRange }

    /// The absolute file offset of the current value, for error messages about it.
    var valueFileOffset: Int { cursor.block.fileOffset + cursor.valueRange.lowerBound }

    func seekToFirst() throws { try cursor.seekToFirst() }
    func seek(_ target: [UInt8]) throws { try cursor.seek(target) }
    func next() throws { try cursor.next() }
    func seekToLast() throws { try cursor.seekToLast() }
    func prev() throws { try cursor.prev() }
}

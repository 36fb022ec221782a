/// The filter block's granularity: one filter per 2 KiB (`1 << 11`) of data-block offsets, as LevelDB writes.
let filterBaseLg = 11

/// Builds a table's filter block: one bloom filter per 2 KiB range of data-block offsets, then a fixed32 offset
/// per filter, the fixed32 offset of that array, and the base-lg byte.
///
/// Call ``startBlock(offset:)`` with each data block's offset before adding its keys.
struct FilterBlockBuilder {
    /// The bloom policy.
    let policy: BloomFilter
    /// The filter hashes of the current range's keys.
    private var keyHashes: [UInt32] = []
    private var result: [UInt8] = []
    private var filterOffsets: [UInt32] = []

    init(policy: BloomFilter) { self.policy = policy }

    /// Declares that the next keys belong to the data block starting at `offset`; emits the filters of every
    /// 2 KiB range before it (empty ones where no block starts).
    mutating func startBlock(offset: UInt64) {
        let filterIndex = Int(offset >> UInt64(filterBaseLg))
        precondition(filterIndex >= filterOffsets.count, "data block offsets must increase")
        while filterIndex > filterOffsets.count { generateFilter() }
    }

    /// Adds a user key to the current filter.
    mutating func addKey(_ userKey: [UInt8]) { keyHashes.append(BloomFilter.keyHash(userKey)) }

    /// Adds a user key held in place to the current filter.
    mutating func addKey(_ userKey: UnsafeBufferPointer<UInt8>) { keyHashes.append(BloomFilter.keyHash(userKey)) }

    /// Returns the complete filter block.
    mutating func finish() -> [UInt8] {
        if !keyHashes.isEmpty { generateFilter() }
        var writer = ByteWriter()
        swap(&writer.bytes, &result)
        let arrayOffset = UInt32(writer.bytes.count)
        for offset in filterOffsets { writer.appendFixed32(offset) }
        writer.appendFixed32(arrayOffset)
        writer.append(UInt8(filterBaseLg))
        return writer.bytes
    }

    private mutating func generateFilter() {
        filterOffsets.append(UInt32(result.count))
        // A range with no keys gets an empty filter, which matches nothing.
        guard !keyHashes.isEmpty else { return }
        policy.appendFilter(forHashes: keyHashes, to: &result)
        keyHashes.removeAll(keepingCapacity: true)
    }
}

/// Reads a filter block. Lookups follow LevelDB: anything malformed counts as "may match", so a bad filter never
/// hides data; ``validate()`` reports the malformation instead, for verification tools.
struct FilterBlockReader: Sendable {
    /// The filter block's bytes (trailer removed).
    let contents: [UInt8]
    /// The file, for error messages.
    let file: String
    /// The offset of `contents[0]` in `file`.
    let fileOffset: Int
    // Zero values mean "no usable filters": every lookup may match.
    private let baseLg: Int
    private let arrayOffset: Int
    private let filterCount: Int

    init(contents: [UInt8], file: String, fileOffset: Int) {
        self.contents = contents
        self.file = file
        self.fileOffset = fileOffset
        let n = contents.count
        var baseLg = 0
        var arrayOffset = 0
        var filterCount = 0
        if n >= 5 {
            let lastWord = Int(decodeFixed32(contents, at: n - 5))
            if lastWord <= n - 5 {
                baseLg = Int(contents[n - 1])
                arrayOffset = lastWord
                filterCount = (n - 5 - lastWord) / 4
            }
        }
        self.baseLg = baseLg
        self.arrayOffset = arrayOffset
        self.filterCount = filterCount
    }

    /// Whether the data block at `blockOffset` may hold `userKey`. False means it definitely does not.
    func keyMayMatch(blockOffset: UInt64, userKey: [UInt8]) -> Bool {
        userKey.withUnsafeBufferPointer { keyMayMatch(blockOffset: blockOffset, userKey: $0) }
    }

    /// ``keyMayMatch(blockOffset:userKey:)`` for a key held in place.
    func keyMayMatch(blockOffset: UInt64, userKey: UnsafeBufferPointer<UInt8>) -> Bool {
        // Shifting by 64 or more yields 0 in Swift, so a silly base-lg byte cannot trap.
        let index = blockOffset >> UInt64(baseLg)
        guard index < UInt64(filterCount) else { return true }
        let at = arrayOffset + Int(index) * 4
        // For the last filter, the "next start" is the array-offset word itself, which ends the filter data.
        let start = Int(decodeFixed32(contents, at: at))
        let limit = Int(decodeFixed32(contents, at: at + 4))
        if start <= limit && limit <= arrayOffset {
            return BloomFilter.keyMayMatch(userKey, filter: contents, range: start..<limit)
        }
        return start == limit ? false : true
    }

    /// Throws ``LSMKVError/corruption(file:offset:reason:)`` when the block is malformed in any way a lookup would
    /// silently treat as "may match".
    func validate() throws {
        let n = contents.count
        func corrupt(_ at: Int, _ reason: String) -> LSMKVError {
            .corruption(file: file, offset: fileOffset + at, reason: "filter block: " + reason)
        }
        guard n >= 5 else { throw corrupt(0, "\(n) bytes is too short") }
        let lastWord = Int(decodeFixed32(contents, at: n - 5))
        guard lastWord <= n - 5 else {
            throw corrupt(n - 5, "offset array at \(lastWord) lies past the block's end")
        }
        guard (n - 5 - lastWord) % 4 == 0 else {
            throw corrupt(lastWord, "offset array of \(n - 5 - lastWord) bytes is not a whole number of fixed32s")
        }
        let lg = Int(contents[n - 1])
        guard lg < 64 else { throw corrupt(n - 1, "base lg \(lg) is out of range") }
        var previousLimit = 0
        for index in 0..<filterCount {
            let at = arrayOffset + index * 4
            let start = Int(decodeFixed32(contents, at: at))
            let limit = Int(decodeFixed32(contents, at: at + 4))
            guard start == previousLimit, start <= limit, limit <= arrayOffset else {
                throw corrupt(at, "filter \(index) has bad bounds \(start)..<\(limit)")
            }
            guard limit - start != 1 else { throw corrupt(start, "filter \(index) is 1 byte long") }
            previousLimit = limit
        }
        guard previousLimit == arrayOffset else {
            throw corrupt(arrayOffset, "filters end at \(previousLimit), offset array starts at \(arrayOffset)")
        }
    }
}

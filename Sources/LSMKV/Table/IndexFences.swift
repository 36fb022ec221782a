/// Eight bytes of every index entry's user key, taken after the prefix the entries share, in one contiguous array:
/// the binary search for a key's data block runs over these few cache lines instead of over entries spread across
/// the index block, and compares whole keys only among the entries whose eight bytes tie with the key's
/// (normalized keys, as B-trees keep them).
///
/// Built for an index block whose every restart point holds exactly one entry (restart interval 1, as the index
/// blocks of ``TableBuilder`` and LevelDB are), with internal keys. The last entry (the short successor of the
/// table's last key, which may share nothing with the others) is left out: it is always compared whole.
struct IndexFences: Sendable {
    /// The user-key bytes every entry but the last starts with.
    private let prefix: [UInt8]
    /// For every entry but the last, its user key's 8 bytes after ``prefix`` (zero-padded), big-endian: ordered as
    /// the keys are.
    private let fences: [UInt64]
    /// The index block's entries, the last one included.
    let entryCount: Int

    /// The fences of `index`, or nil when it is not an index block of single-entry restart runs with internal keys
    /// of at least 8 bytes, or has fewer than two entries. Never throws: a malformed entry just means no fences
    /// (the plain search then reports it).
    init?(index: Block) {
        let count = index.restartCount
        guard count >= 2, index.restartsOffset > 0 else { return nil }
        var keys: [Range<Int>] = []
        keys.reserveCapacity(count)
        for i in 0..<count {
            let end = i + 1 < count ? index.restartPoint(i + 1) : index.restartsOffset
            guard let header = index.entryHeader(at: index.restartPoint(i), previousKeyCount: 0),
                header.valueRange.upperBound == end, header.nonShared >= 8
            else { return nil }
            keys.append(header.keyStart..<header.keyStart + header.nonShared - 8)
        }
        let contents = index.contents
        let fenced = keys.dropLast()
        var prefixLength = fenced[0].count
        for key in fenced.dropFirst() {
            var shared = 0
            let limit = min(prefixLength, key.count)
            while shared < limit && contents[key.lowerBound + shared] == contents[fenced[0].lowerBound + shared] {
                shared += 1
            }
            prefixLength = shared
        }
        prefix = Array(contents[fenced[0].lowerBound..<fenced[0].lowerBound + prefixLength])
        fences = fenced.map { key in
            IndexFences.fence(contents, key.lowerBound + prefixLength..<key.upperBound)
        }
        entryCount = count
    }

    /// The big-endian value of `bytes[range]`'s first 8 bytes, zero-padded.
    private static func fence(_ bytes: [UInt8], _ range: Range<Int>) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 {
            value <<= 8
            if range.lowerBound + i < range.upperBound { value |= UInt64(bytes[range.lowerBound + i]) }
        }
        return value
    }

    /// The entries among which the first entry `>= target` (an internal key) lies: every entry before the range is
    /// smaller than `target` and every entry from its end on is larger, so the answer is in the range or is its end
    /// (``entryCount`` when every key is smaller). Compares no whole key.
    func candidates(for target: [UInt8]) -> Range<Int> {
        guard target.count >= 8 else { return 0..<entryCount }
        let userCount = target.count - 8
        let fencedCount = fences.count
        let shared = min(prefix.count, userCount)
        for j in 0..<shared where target[j] != prefix[j] {
            // The target sorts before every fenced key (and the last key, which follows them), or after them all.
            return target[j] < prefix[j] ? 0..<0 : fencedCount..<entryCount
        }
        // A target that is a proper prefix of the shared bytes sorts before every fenced key.
        if userCount < prefix.count { return 0..<0 }
        let value = IndexFences.fence(target, prefix.count..<userCount)
        let low = firstFence(from: 0) { $0 >= value }
        let high = firstFence(from: low) { $0 > value }
        // Past every fenced key: the last entry may still be the answer.
        return low..<(high == fencedCount ? entryCount : high)
    }

    /// The first fence from `start` on that satisfies `isAtOrPast` (a predicate false then true along the fences).
    private func firstFence(from start: Int, where isAtOrPast: (UInt64) -> Bool) -> Int {
        fences.withUnsafeBufferPointer { f in
            var low = start
            var high = f.count
            while low < high {
                let mid = (low + high) / 2
                if isAtOrPast(f[mid]) { high = mid } else { low = mid + 1 }
            }
            return low
        }
    }
}

/// LevelDB's built-in bloom filter policy, `leveldb.BuiltinBloomFilter2`, bit for bit.
///
/// A filter is a bit array (whole bytes) followed by one byte holding the probe count k. Probes use double
/// hashing of LevelDB's 32-bit ``hash(_:seed:)``. The keys are user keys: LevelDB's internal filter policy strips
/// the 8-byte trailer before hashing.
struct BloomFilter: Sendable {
    /// The policy name recorded in the metaindex block (as `filter.` + name).
    static let name = "leveldb.BuiltinBloomFilter2"
    /// The seed LevelDB's bloom filter hashes with.
    static let seed: UInt32 = 0xbc9f_1d34

    /// Bits of filter per key.
    let bitsPerKey: Int
    /// Probes per key: `bitsPerKey * ln 2`, rounded down (LevelDB trades a little accuracy for speed), in 1...30.
    let probes: Int

    init(bitsPerKey: Int) {
        self.bitsPerKey = max(0, bitsPerKey)
        probes = min(30, max(1, Int(Double(self.bitsPerKey) * 0.69)))
    }

    /// LevelDB's `Hash(data, n, seed)`: murmur-like, 4 bytes at a time, tail bytes as unsigned.
    static func hash(_ data: [UInt8], seed: UInt32) -> UInt32 {
        data.withUnsafeBufferPointer { hash($0, seed: seed) }
    }

    /// ``hash(_:seed:)`` of bytes held in place.
    static func hash(_ data: UnsafeBufferPointer<UInt8>, seed: UInt32) -> UInt32 {
        let m: UInt32 = 0xc6a4_a793
        let r: UInt32 = 24
        // LevelDB multiplies the size_t length, then truncates to 32 bits; the low 32 bits are the same.
        var h = seed ^ (UInt32(truncatingIfNeeded: data.count) &* m)
        var i = 0
        while data.count - i >= 4 {
            h &+= UInt32(littleEndian: UnsafeRawBufferPointer(data).loadUnaligned(fromByteOffset: i, as: UInt32.self))
            h &*= m
            h ^= h >> 16
            i += 4
        }
        let tail = data.count - i
        if tail == 3 { h &+= UInt32(data[i + 2]) << 16 }
        if tail >= 2 { h &+= UInt32(data[i + 1]) << 8 }
        if tail >= 1 {
            h &+= UInt32(data[i])
            h &*= m
            h ^= h >> r
        }
        return h
    }

    /// Appends the filter for `keys` (user keys) to `output`.
    func appendFilter(for keys: [[UInt8]], to output: inout [UInt8]) {
        appendFilter(forHashes: keys.map { BloomFilter.keyHash($0) }, to: &output)
    }

    /// The hash a filter stores for `userKey` (``hash(_:seed:)`` with the filter seed).
    static func keyHash(_ userKey: [UInt8]) -> UInt32 { hash(userKey, seed: seed) }

    /// ``keyHash(_:)`` of a user key held in place.
    static func keyHash(_ userKey: UnsafeBufferPointer<UInt8>) -> UInt32 { hash(userKey, seed: seed) }

    /// Appends the filter for the keys whose ``keyHash(_:)`` values are `hashes` to `output` (a table builder
    /// hashes each key as it is added instead of keeping the key).
    func appendFilter(forHashes hashes: [UInt32], to output: inout [UInt8]) {
        // A minimum size keeps the false-positive rate sane for tiny key sets.
        let bytes = (max(64, hashes.count * bitsPerKey) + 7) / 8
        let bits = UInt64(bytes * 8)
        let base = output.count
        output.append(contentsOf: repeatElement(0, count: bytes))
        output.append(UInt8(probes))
        output.withUnsafeMutableBufferPointer { filter in
            for hash in hashes {
                var h = hash
                let delta = (h >> 17) | (h << 15)
                for _ in 0..<probes {
                    let bit = Int(UInt64(h) % bits)
                    filter[base + bit / 8] |= UInt8(1) << UInt8(bit % 8)
                    h &+= delta
                }
            }
        }
    }

    /// The filter for `keys` alone.
    func makeFilter(for keys: [[UInt8]]) -> [UInt8] {
        var output: [UInt8] = []
        appendFilter(for: keys, to: &output)
        return output
    }

    /// Whether `key` may be in the filter stored at `filter[range]`. False means definitely absent.
    ///
    /// Reads the probe count from the filter itself, so filters built with other settings work. A filter shorter
    /// than 2 bytes matches nothing; a probe count above 30 is reserved for other encodings and matches all.
    static func keyMayMatch(_ key: [UInt8], filter: [UInt8], range: Range<Int>) -> Bool {
        key.withUnsafeBufferPointer { keyMayMatch($0, filter: filter, range: range) }
    }

    /// ``keyMayMatch(_:filter:range:)`` for a key held in place.
    static func keyMayMatch(_ key: UnsafeBufferPointer<UInt8>, filter: [UInt8], range: Range<Int>) -> Bool {
        guard range.lowerBound >= 0, range.upperBound <= filter.count, range.count >= 2 else { return false }
        let probes = Int(filter[range.upperBound - 1])
        if probes > 30 { return true }
        let bits = UInt64(range.count - 1) * 8
        var h = hash(key, seed: seed)
        let delta = (h >> 17) | (h << 15)
        for _ in 0..<probes {
            let bit = Int(UInt64(h) % bits)
            if filter[range.lowerBound + bit / 8] & (UInt8(1) << UInt8(bit % 8)) == 0 { return false }
            h &+= delta
        }
        return true
    }

    /// Whether `key` may be in `filter` (a whole filter).
    static func keyMayMatch(_ key: [UInt8], filter: [UInt8]) -> Bool {
        keyMayMatch(key, filter: filter, range: 0..<filter.count)
    }
}

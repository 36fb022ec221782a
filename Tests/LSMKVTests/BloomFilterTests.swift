import Testing

@testable import LSMKV

@Suite("BloomFilter")
struct BloomFilterTests {
    @Test func hashMatchesLevelDBKnownAnswers() {
        // From LevelDB's util/hash_test.cc (SignedUnsignedIssue): tail bytes >= 0x80 must hash as unsigned.
        let seed: UInt32 = 0xbc9f_1d34
        #expect(BloomFilter.hash([], seed: seed) == 0xbc9f_1d34)
        #expect(BloomFilter.hash([0x62], seed: seed) == 0xef13_45c4)
        #expect(BloomFilter.hash([0xc3, 0x97], seed: seed) == 0x5b66_3814)
        #expect(BloomFilter.hash([0xe2, 0x99, 0xa5], seed: seed) == 0x323c_078f)
        #expect(BloomFilter.hash([0xe1, 0x80, 0xb9, 0x32], seed: seed) == 0xed21_633a)
        let data5: [UInt8] = [
            0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
            0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ]
        #expect(BloomFilter.hash(data5, seed: 0x1234_5678) == 0xf333_dabb)
    }

    @Test func probeCountFollowsLevelDB() {
        #expect(BloomFilter(bitsPerKey: 10).probes == 6)
        #expect(BloomFilter(bitsPerKey: 1).probes == 1)
        #expect(BloomFilter(bitsPerKey: 0).probes == 1)
        #expect(BloomFilter(bitsPerKey: 100).probes == 30)
        #expect(BloomFilter.name == "leveldb.BuiltinBloomFilter2")
    }

    @Test func sizesAndProbeByte() {
        let bloom = BloomFilter(bitsPerKey: 10)
        let empty = bloom.makeFilter(for: [])
        #expect(empty.count == 9)  // the 64-bit minimum, plus k
        #expect(empty.last == 6)
        #expect(!BloomFilter.keyMayMatch(Array("hello".utf8), filter: empty))
        let keys = (0..<1000).map { Array("k\($0)".utf8) }
        #expect(bloom.makeFilter(for: keys).count == 1000 * 10 / 8 + 1)
    }

    @Test func smallFilterMatchesItsKeysOnly() {
        // LevelDB's bloom_test "Small".
        let filter = BloomFilter(bitsPerKey: 10).makeFilter(for: [Array("hello".utf8), Array("world".utf8)])
        #expect(BloomFilter.keyMayMatch(Array("hello".utf8), filter: filter))
        #expect(BloomFilter.keyMayMatch(Array("world".utf8), filter: filter))
        #expect(!BloomFilter.keyMayMatch(Array("x".utf8), filter: filter))
        #expect(!BloomFilter.keyMayMatch(Array("foo".utf8), filter: filter))
    }

    @Test func reservedAndShortFilters() {
        #expect(!BloomFilter.keyMayMatch([1], filter: []))
        #expect(!BloomFilter.keyMayMatch([1], filter: [0xff]))
        // k > 30 is reserved for other encodings: a match.
        #expect(BloomFilter.keyMayMatch([1], filter: [0, 0, 0, 0, 31]))
        #expect(BloomFilter.keyMayMatch([1], filter: [0, 0, 0, 0, 0xff]))
        // An out-of-range slice never traps.
        #expect(!BloomFilter.keyMayMatch([1], filter: [0, 0, 6], range: 1..<9))
    }

    static func key(_ i: Int) -> [UInt8] {
        var writer = ByteWriter()
        writer.appendFixed32(UInt32(i))
        return writer.bytes
    }

    @Test func falsePositiveRateNearOnePercentAndNoFalseNegatives() {
        let n = 10_000
        let keys = (0..<n).map(Self.key)
        let filter = BloomFilter(bitsPerKey: 10).makeFilter(for: keys)
        for k in keys { #expect(BloomFilter.keyMayMatch(k, filter: filter)) }
        var positives = 0
        for i in 0..<n where BloomFilter.keyMayMatch(Self.key(i + 1_000_000_000), filter: filter) {
            positives += 1
        }
        let rate = Double(positives) / Double(n)
        #expect(rate > 0.002 && rate < 0.02, "false-positive rate \(rate)")
    }
}

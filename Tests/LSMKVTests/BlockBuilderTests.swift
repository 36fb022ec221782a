import Testing

@testable import LSMKV

@Suite("BlockBuilder")
struct BlockBuilderTests {
    @Test func layoutMatchesLevelDBByteForByte() {
        var builder = BlockBuilder(restartInterval: 16)
        builder.add(key: Array("abc".utf8), value: Array("1".utf8))
        builder.add(key: Array("abd".utf8), value: Array("22".utf8))
        let block = builder.finish()
        let expected: [UInt8] =
            [0, 3, 1] + Array("abc1".utf8)  // shared 0, non-shared 3, value 1
            + [2, 1, 2] + Array("d22".utf8)  // shares "ab"
            + [0, 0, 0, 0] + [1, 0, 0, 0]  // one restart at 0, count 1
        #expect(block == expected)
    }

    @Test func emptyBlockHasOneRestartAtZero() {
        var builder = BlockBuilder(restartInterval: 16)
        #expect(builder.isEmpty)
        #expect(builder.currentSizeEstimate == 8)
        #expect(builder.finish() == [0, 0, 0, 0, 1, 0, 0, 0])
    }

    @Test func restartEveryIntervalEntriesStoresTheWholeKey() throws {
        var builder = BlockBuilder(restartInterval: 4)
        for i in 0..<10 { builder.add(key: Array("key\(i)".utf8), value: []) }
        let estimate = builder.currentSizeEstimate
        let bytes = builder.finish()
        #expect(bytes.count == estimate)
        let block = try Block(contents: bytes, file: "t", fileOffset: 0, comparator: .bytewise)
        #expect(block.restartCount == 3)  // entries 0, 4, 8
        for r in 0..<block.restartCount {
            let entry = try block.decodeEntry(at: block.restartPoint(r), previousKey: [])
            #expect(entry.key == Array("key\(r * 4)".utf8))
        }
    }

    @Test func resetStartsAFreshBlock() {
        var builder = BlockBuilder(restartInterval: 16)
        builder.add(key: [1, 2, 3], value: [4])
        _ = builder.finish()
        builder.reset()
        #expect(builder.isEmpty)
        builder.add(key: [1, 2, 3], value: [4])
        #expect(builder.finish() == [0, 3, 1, 1, 2, 3, 4, 0, 0, 0, 0, 1, 0, 0, 0])
    }
}

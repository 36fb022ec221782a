import Testing

@testable import LSMKV

@Suite("FilterBlock")
struct FilterBlockTests {
    static let policy = BloomFilter(bitsPerKey: 10)

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func emptyBuilderMatchesLevelDB() throws {
        var builder = FilterBlockBuilder(policy: Self.policy)
        let block = builder.finish()
        #expect(block == [0, 0, 0, 0, 11])
        let reader = FilterBlockReader(contents: block, file: "t", fileOffset: 0)
        try reader.validate()
        #expect(reader.keyMayMatch(blockOffset: 0, userKey: Self.bytes("foo")))
        #expect(reader.keyMayMatch(blockOffset: 100_000, userKey: Self.bytes("foo")))
    }

    @Test func oneFilterPerTwoKiBOfBlockOffsets() throws {
        // The layout of LevelDB's filter_block_test "MultiChunk".
        var builder = FilterBlockBuilder(policy: Self.policy)
        builder.startBlock(offset: 0)
        builder.addKey(Self.bytes("foo"))
        builder.startBlock(offset: 2000)
        builder.addKey(Self.bytes("bar"))
        builder.startBlock(offset: 3100)
        builder.addKey(Self.bytes("box"))
        builder.startBlock(offset: 9000)
        builder.addKey(Self.bytes("box"))
        builder.addKey(Self.bytes("hello"))
        let block = builder.finish()
        let reader = FilterBlockReader(contents: block, file: "t", fileOffset: 0)
        try reader.validate()
        #expect(block.last == 11)

        #expect(reader.keyMayMatch(blockOffset: 0, userKey: Self.bytes("foo")))
        #expect(reader.keyMayMatch(blockOffset: 2000, userKey: Self.bytes("bar")))
        #expect(!reader.keyMayMatch(blockOffset: 0, userKey: Self.bytes("box")))
        #expect(!reader.keyMayMatch(blockOffset: 0, userKey: Self.bytes("hello")))

        #expect(reader.keyMayMatch(blockOffset: 3100, userKey: Self.bytes("box")))
        #expect(!reader.keyMayMatch(blockOffset: 3100, userKey: Self.bytes("foo")))

        // 4096..<6144 has no block: an empty filter, which matches nothing.
        #expect(!reader.keyMayMatch(blockOffset: 4100, userKey: Self.bytes("box")))
        #expect(!reader.keyMayMatch(blockOffset: 4100, userKey: Self.bytes("hello")))

        #expect(reader.keyMayMatch(blockOffset: 9000, userKey: Self.bytes("box")))
        #expect(reader.keyMayMatch(blockOffset: 9000, userKey: Self.bytes("hello")))
        #expect(!reader.keyMayMatch(blockOffset: 9000, userKey: Self.bytes("foo")))
        // Past the last filter: no information, so a possible match.
        #expect(reader.keyMayMatch(blockOffset: 100_000, userKey: Self.bytes("foo")))
    }

    @Test func malformedBlocksMayMatchButFailValidation() {
        var builder = FilterBlockBuilder(policy: Self.policy)
        builder.startBlock(offset: 0)
        builder.addKey(Self.bytes("foo"))
        let valid = builder.finish()
        var broken: [[UInt8]] = [[], [0, 0, 11], Array(valid.dropLast(3))]
        var pastEnd = valid
        storeFixed32(UInt32(valid.count), into: &pastEnd, at: valid.count - 5)
        broken.append(pastEnd)
        var badFilterOffset = valid
        // The first filter's start, stored in the offset array just before the array-offset word.
        storeFixed32(1000, into: &badFilterOffset, at: valid.count - 9)
        broken.append(badFilterOffset)
        for (i, bytes) in broken.enumerated() {
            let reader = FilterBlockReader(contents: bytes, file: "f.ldb", fileOffset: 10)
            #expect(reader.keyMayMatch(blockOffset: 0, userKey: Self.bytes("missing")), "case \(i)")
            #expect(throws: LSMKVError.self, "case \(i)") { try reader.validate() }
        }
    }
}

import TestSupport
import Testing

@testable import LSMKV

@Suite("Block")
struct BlockTests {
    /// `count` sorted internal keys with values, some empty.
    static func entries(_ count: Int) -> [(key: [UInt8], value: [UInt8])] {
        (0..<count).map { i in
            let user = "user" + String(repeating: "x", count: i % 7) + String(i * 3, radix: 10)
            return (ikey(user, SequenceNumber(1000 - i % 5)), i % 4 == 0 ? [] : Array("value\(i)".utf8))
        }.sorted { InternalKey.compare($0.key, $1.key) < 0 }
    }

    static func build(_ entries: [(key: [UInt8], value: [UInt8])], restartInterval: Int = 16) -> [UInt8] {
        var builder = BlockBuilder(restartInterval: restartInterval)
        for e in entries { builder.add(key: e.key, value: e.value) }
        return builder.finish()
    }

    /// The parsed block holding `entries`.
    static func block(_ entries: [(key: [UInt8], value: [UInt8])], restartInterval: Int) throws -> Block {
        try Block(
            contents: build(entries, restartInterval: restartInterval), file: "t.ldb", fileOffset: 0,
            comparator: .internalKey)
    }

    @Test(arguments: [1, 2, 16, 1000])
    func roundTripAndSeek(restartInterval: Int) throws {
        let entries = Self.entries(500)
        let block = try Block(
            contents: Self.build(entries, restartInterval: restartInterval), file: "t.ldb", fileOffset: 0,
            comparator: .internalKey)
        let it = block.makeIterator()
        #expect(!it.isValid)
        try it.seekToFirst()
        var i = 0
        while it.isValid {
            #expect(it.key == entries[i].key)
            #expect(it.value == entries[i].value)
            i += 1
            try it.next()
        }
        #expect(i == entries.count)

        for (index, e) in entries.enumerated() {
            try it.seek(e.key)
            #expect(it.isValid && it.key == e.key && it.value == e.value)
            // A newer snapshot of the same user key sorts before it, so seeking there lands on it too.
            let user = InternalKey.userKey(e.key)
            try it.seek(InternalKey.lookupKey(userKey: user, sequence: maxSequenceNumber))
            let first = entries.firstIndex { InternalKey.compareUserKeys($0.key, e.key) == 0 }!
            #expect(it.isValid && it.key == entries[first].key)
            // Just past this entry: the next one, or invalid.
            try it.seek(InternalKey.encode(userKey: user, sequence: 0, type: .deletion))
            let after = entries.lastIndex { InternalKey.compareUserKeys($0.key, e.key) == 0 }! + 1
            if after < entries.count {
                #expect(it.isValid && it.key == entries[after].key, "entry \(index)")
            } else {
                #expect(!it.isValid)
            }
        }
        try it.seek(ikey("zzz"))
        #expect(!it.isValid)
        try it.seek(ikey(""))
        #expect(it.isValid && it.key == entries[0].key)
    }

    @Test func emptyBlockIteratesNothing() throws {
        let block = try Block(contents: Self.build([]), file: "t", fileOffset: 0, comparator: .internalKey)
        let it = block.makeIterator()
        try it.seekToFirst()
        #expect(!it.isValid)
        try it.seek(ikey("a"))
        #expect(!it.isValid)
    }

    @Test func bytewiseComparatorForMetaindexKeys() throws {
        var builder = BlockBuilder(restartInterval: 16)
        for name in ["filter.a", "filter.b", "filter.leveldb.BuiltinBloomFilter2"] {
            builder.add(key: Array(name.utf8), value: [1])
        }
        let block = try Block(contents: builder.finish(), file: "t", fileOffset: 0, comparator: .bytewise)
        let it = block.makeIterator()
        try it.seek(Array("filter.c".utf8))
        #expect(it.isValid && it.key == Array("filter.leveldb.BuiltinBloomFilter2".utf8))
    }

    @Test func badRestartArrayIsCorruptionNamingFileAndOffset() throws {
        var bytes = Self.build(Self.entries(40))
        let count = bytes.count
        storeFixed32(1_000_000, into: &bytes, at: count - 4)
        #expect(throws: LSMKVError.self) {
            try Block(contents: bytes, file: "000007.ldb", fileOffset: 100, comparator: .internalKey)
        }
        var badRestart = Self.build(Self.entries(40))
        // The second restart point moved past the entries.
        storeFixed32(UInt32(count), into: &badRestart, at: count - 4 - 3 * 4 + 4)
        do {
            _ = try Block(contents: badRestart, file: "000007.ldb", fileOffset: 100, comparator: .internalKey)
            Issue.record("expected corruption")
        } catch LSMKVError.corruption(let file, let offset, _) {
            #expect(file == "000007.ldb")
            #expect(offset == 100 + count - 4 - 3 * 4 + 4)
        }
        #expect(throws: LSMKVError.self) {
            try Block(contents: [1, 0, 0], file: "x", fileOffset: 0, comparator: .internalKey)
        }
    }

    @Test func entrySharingMoreThanThePreviousKeyIsCorruption() throws {
        // One entry claiming to share 5 bytes with a nonexistent previous key.
        let bytes: [UInt8] = [5, 1, 0, 0x61, 0, 0, 0, 0, 1, 0, 0, 0]
        let block = try Block(contents: bytes, file: "f.ldb", fileOffset: 4096, comparator: .internalKey)
        let it = block.makeIterator()
        #expect(
            throws: LSMKVError.corruption(
                file: "f.ldb", offset: 4096, reason: "entry shares 5 bytes with a previous key of 0 bytes")
        ) {
            try it.seekToFirst()
        }
        #expect(!it.isValid)
    }

    @Test func randomMutationsAndTruncationsNeverTrap() throws {
        let seed = testSeed()
        var rng = SeededGenerator(seed: seed)
        let valid = Self.build(Self.entries(120), restartInterval: 4)
        var failures = 0
        for _ in 0..<2000 {
            var bytes = valid
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            case 1:
                bytes = Array(bytes[..<Int.random(in: 0..<bytes.count, using: &rng)])
            case 2:
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            default:
                // Smash a restart offset or the count.
                let at = bytes.count - 4 * Int.random(in: 1...5, using: &rng)
                storeFixed32(UInt32.random(in: 0...UInt32.max, using: &rng), into: &bytes, at: at)
            }
            do {
                let block = try Block(contents: bytes, file: "fuzz.ldb", fileOffset: 0, comparator: .internalKey)
                let it = block.makeIterator()
                try it.seekToFirst()
                var steps = 0
                while it.isValid && steps < 10_000 {
                    _ = it.value
                    try it.next()
                    steps += 1
                }
                #expect(steps < 10_000)
                try it.seek(ikey("user" + String(Int.random(in: 0..<400, using: &rng))))
                if it.isValid { _ = it.value }
            } catch is LSMKVError {
                failures += 1
            } catch {
                Issue.record("seed \(seed): unexpected error \(error)")
            }
        }
        #expect(failures > 0, "seed \(seed): some mutations should be detected")
    }

    /// Every key, the newest and oldest possible versions of every user key, and keys before and after them all.
    static func seekTargets(_ entries: [(key: [UInt8], value: [UInt8])]) -> [[UInt8]] {
        var targets = entries.map(\.key)
        for e in entries {
            let user = InternalKey.userKey(e.key)
            targets.append(InternalKey.lookupKey(userKey: user, sequence: maxSequenceNumber))
            targets.append(InternalKey.encode(userKey: user, sequence: 0, type: .deletion))
        }
        return targets + [ikey(""), ikey("zzz")]
    }

    @Test(arguments: [1, 2, 16])
    func inPlaceLowerBoundMatchesCursorSeek(restartInterval: Int) throws {
        let entries = Self.entries(300)
        let block = try Self.block(entries, restartInterval: restartInterval)
        let targets = Self.seekTargets(entries)
        let empty = try Block(contents: Self.build([]), file: "e.ldb", fileOffset: 0, comparator: .internalKey)
        #expect(try empty.valueRangeOfFirstEntry(atOrAfter: ikey("a")) == nil)
        for target in targets {
            var cursor = BlockCursor(block)
            try cursor.seek(target)
            let expected = cursor.isValid ? cursor.valueRange : nil
            #expect(try block.valueRangeOfFirstEntry(atOrAfter: target) == expected)
        }
    }

    @Test(arguments: [1, 2, 16])
    func seekInIndexMatchesSeek(restartInterval: Int) throws {
        let entries = Self.entries(300)
        let block = try Self.block(entries, restartInterval: restartInterval)
        let targets = Self.seekTargets(entries)
        for target in targets {
            var expected = BlockCursor(block)
            try expected.seek(target)
            var cursor = BlockCursor(block)
            try cursor.seekInIndex(target)
            #expect(cursor.isValid == expected.isValid)
            #expect(cursor.key == expected.key)
            #expect(cursor.valueRange == expected.valueRange)
            // The cursor steps on from there as after a seek.
            try expected.next()
            try cursor.next()
            #expect(cursor.key == expected.key)
            #expect(cursor.valueRange == expected.valueRange)
        }
    }

    /// A block of one entry whose `shared` length is the over-long varint32 `80 80 80 80 80 00` (six bytes that
    /// spell 0), then key "a" and value "b", and the restart array `[0]`. Once, the in-place check rejected it and
    /// the precise decoder accepted it, and the disagreement stopped the process.
    static let overlongSharedLength: [UInt8] = [
        0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 1, 1, 0x61, 0x62, 0, 0, 0, 0, 1, 0, 0, 0,
    ]

    @Test(arguments: [BlockComparator.bytewise, .internalKey])
    func overlongVarintInARestartEntryIsCorruptionNotATrap(comparator: BlockComparator) throws {
        let block = try Block(
            contents: Self.overlongSharedLength, file: "bad.ldb", fileOffset: 1000, comparator: comparator)
        let expected = LSMKVError.corruption(file: "bad.ldb", offset: 1000, reason: "varint longer than 5 bytes")
        var cursor = BlockCursor(block)
        #expect(throws: expected) { try cursor.seek(Array("a".utf8)) }
        #expect(!cursor.isValid)
        #expect(throws: expected) { try cursor.seekToFirst() }
        #expect(!cursor.isValid)
        #expect(throws: expected) { try cursor.seekToLast() }
        #expect(throws: expected) { try block.valueRangeOfFirstEntry(atOrAfter: Array("a".utf8)) }
        let iterator = block.makeIterator()
        #expect(throws: expected) { try iterator.seek([]) }
        #expect(throws: expected) { try iterator.seekToFirst() }
        #expect(throws: expected) { try block.decodeEntry(at: 0, previousKey: []) }
    }

    @Test func aRejectedEntryAlwaysBecomesACorruptionError() throws {
        let block = try Block(
            contents: Self.overlongSharedLength, file: "bad.ldb", fileOffset: 1000, comparator: .bytewise)
        #expect(block.entryHeader(at: 0, previousKeyCount: 0) == nil)
        guard case .corruption(let file, let offset, _) = block.entryCorruption(at: 0, previousKeyCount: 0) else {
            Issue.record("not a corruption error")
            return
        }
        #expect(file == "bad.ldb" && offset == 1000)
        // An entry sharing more bytes than its predecessor has, at a restart point.
        let sharing = try Block(
            contents: [3, 1, 0, 0x61, 0, 0, 0, 0, 1, 0, 0, 0], file: "s.ldb", fileOffset: 0, comparator: .bytewise)
        var cursor = BlockCursor(sharing)
        #expect(
            throws: LSMKVError.corruption(
                file: "s.ldb", offset: 0, reason: "entry shares 3 bytes with a previous key of 0 bytes")
        ) { try cursor.seekToFirst() }
    }
}

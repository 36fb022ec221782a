import TestSupport
import Testing
import VFS

@testable import LSMKV

@Suite("Block cache")
struct BlockCacheTests {
    /// A one-entry block of roughly `size` bytes.
    static func block(_ size: Int) throws -> Block {
        var builder = BlockBuilder(restartInterval: 16)
        builder.add(key: ikey("k"), value: [UInt8](repeating: 7, count: max(size - 40, 0)))
        return try Block(contents: builder.finish(), file: "t", fileOffset: 0, comparator: .internalKey)
    }

    @Test func usageStaysWithinCapacityAndEvictsLeastRecentlyUsed() throws {
        let cache = BlockCache(capacity: 16 * 10_000)
        let block = try Self.block(1000)
        let charge = block.contents.count + BlockCache.entryOverhead
        for offset in 0..<2000 {
            cache.insert(BlockCache.Key(file: 7, offset: UInt64(offset) * 4096), block)
            #expect(cache.usage <= cache.capacity)
        }
        #expect(cache.usage <= 16 * 10_000)
        #expect(cache.count <= 16 * (10_000 / charge))
        #expect(cache.count > 0)
        // Recently inserted blocks are there, the first ones were evicted.
        #expect(cache.lookup(BlockCache.Key(file: 7, offset: 1999 * 4096)) != nil)
        #expect(cache.lookup(BlockCache.Key(file: 7, offset: 0)) == nil)
        cache.removeAll()
        #expect(cache.usage == 0 && cache.count == 0)
    }

    @Test func aMissReadsIntoTheStorageOfAnEvictedBlockWithoutTouchingBlocksStillHeld() throws {
        let cache = BlockCache(capacity: 16 * 3000)
        // Distinct contents per block, so a recycled buffer written under a held block would show.
        func distinct(_ n: Int) throws -> Block {
            var builder = BlockBuilder(restartInterval: 16)
            builder.add(key: ikey("k\(n)"), value: [UInt8](repeating: UInt8(n % 251), count: 900))
            return try Block(contents: builder.finish(), file: "t", fileOffset: 0, comparator: .internalKey)
        }
        var held: [(Block, [UInt8])] = []
        var spares = 0
        for n in 0..<500 {
            let key = BlockCache.Key(file: 3, offset: UInt64(n) * 4096)
            var spare: [UInt8] = []
            #expect(cache.lookup(key, orTakeSpare: &spare) == nil)
            if spare.capacity > 0 {
                spares += 1
                #expect(spare.isEmpty)
                // What a miss does with it: fill it with the new block's bytes.
                spare.append(contentsOf: [UInt8](repeating: 0xEE, count: spare.capacity))
            }
            let block = try distinct(n)
            if n % 7 == 0 { held.append((block, block.contents)) }
            cache.insert(key, block)
            #expect(cache.usage <= cache.capacity)
        }
        // Evictions left storage for later misses, and no block a reader kept changed under it.
        #expect(spares > 100)
        for (block, original) in held { #expect(block.contents == original) }
    }

    @Test func lookupRefreshesAnEntrySoItOutlivesOlderOnes() throws {
        // One shard's worth: every key lands in some shard; use a cache whose shards hold exactly two blocks.
        let block = try Self.block(200)
        let charge = block.contents.count + BlockCache.entryOverhead
        var shard = BlockCache.Shard(capacity: 2 * charge)
        let a = BlockCache.Key(file: 1, offset: 0)
        let b = BlockCache.Key(file: 1, offset: 4096)
        let c = BlockCache.Key(file: 2, offset: 0)
        shard.insert(a, block, charge: charge)
        shard.insert(b, block, charge: charge)
        #expect(shard.lookup(a) != nil)
        shard.insert(c, block, charge: charge)
        #expect(shard.lookup(a) != nil)
        #expect(shard.lookup(b) == nil)
        #expect(shard.lookup(c) != nil)
        #expect(shard.usage == 2 * charge)
        // Replacing an entry does not double-charge it; an oversized block is not cached at all.
        shard.insert(c, block, charge: charge)
        #expect(shard.usage == 2 * charge && shard.count == 2)
        shard.insert(BlockCache.Key(file: 3, offset: 0), block, charge: 3 * charge)
        #expect(shard.count == 2)
    }

    @Test func shardMatchesAModelLRUUnderRandomOperations() async {
        await withSeed("BlockCacheTests/shardMatchesAModelLRUUnderRandomOperations") { _, rng in
            let block = try Self.block(100)
            let charge = 50
            var shard = BlockCache.Shard(capacity: 40 * charge)
            // Most recently used last.
            var model: [BlockCache.Key] = []
            for _ in 0..<20_000 {
                let key = BlockCache.Key(
                    file: UInt64.random(in: 1...3, using: &rng), offset: UInt64.random(in: 0..<120, using: &rng) * 4096)
                if Bool.random(using: &rng) {
                    let found = shard.lookup(key) != nil
                    #expect(found == model.contains(key))
                    if let index = model.firstIndex(of: key) { model.append(model.remove(at: index)) }
                } else {
                    shard.insert(key, block, charge: charge)
                    model.removeAll { $0 == key }
                    model.append(key)
                    if model.count > 40 { model.removeFirst(model.count - 40) }
                }
                #expect(shard.count == model.count)
            }
            for key in model { #expect(shard.lookup(key) != nil) }
        }
    }

    @Test func tableReadsEachCachedBlockOnce() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let fs = PosixFileSystem()
        let path = Path.join(dir.path, "000009.ldb")
        let file = try fs.createWritable(path)
        let builder = try TableBuilder(file: file, options: TableOptions())
        let entries = (0..<2000).map { i in (ikey("key" + String(i + 100_000)), Array("value\(i)".utf8)) }
        for e in entries { try builder.add(key: e.0, value: e.1) }
        try builder.finish()
        try file.close()
        let cache = BlockCache(capacity: 8 << 20)
        let table = try TableReader.open(
            file: try fs.openReadable(path), fileSize: try fs.fileSize(path), cache: (cache, 9))
        for _ in 0..<3 {
            for e in entries { #expect(try table.get(e.0)?.value == e.1) }
        }
        let blocks = table.dataBlocksRead.load(ordering: .relaxed)
        #expect(blocks == cache.count)
        #expect(cache.hits.load(ordering: .relaxed) == 3 * entries.count - blocks)
        // An iterator over the same table reads nothing more.
        let iterator = table.makeIterator()
        try iterator.seekToFirst()
        var n = 0
        while iterator.isValid {
            #expect(iterator.key == entries[n].0)
            n += 1
            try iterator.next()
        }
        #expect(n == entries.count)
        #expect(table.dataBlocksRead.load(ordering: .relaxed) == blocks)
    }

    @Test func databaseWithTinyCacheStaysCorrect() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var options = Options()
        options.blockCacheCapacity = 16 * 5000
        options.writeBufferSize = 64 * 1024
        options.syncWrites = false
        let db = try Database(path: dir.path, options: options)
        for i in 0..<5000 { try db.put(Array("key\(i)".utf8), Array("value\(i)".utf8)) }
        try db.flush()
        for round in 0..<2 {
            for i in stride(from: round, to: 5000, by: 3) {
                #expect(try db.get(Array("key\(i)".utf8)) == Array("value\(i)".utf8))
            }
        }
        #expect(try db.scan().count == 5000)
        let cache = try #require(db.tableCache.blockCache)
        #expect(cache.usage <= cache.capacity)
        try db.close()
    }
}

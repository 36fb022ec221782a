import TestSupport
import Testing
import VFS

@testable import LSMKV

@Suite("Reverse iteration")
struct ReverseIterationTests {
    @Test(arguments: [1, 3, 16])
    func blockCursorWalksBackwardsOverEveryEntry(restartInterval: Int) throws {
        let entries = BlockTests.entries(300)
        let block = try BlockTests.block(entries, restartInterval: restartInterval)
        var cursor = BlockCursor(block)
        try cursor.seekToLast()
        var index = entries.count - 1
        while cursor.isValid {
            #expect(cursor.key == entries[index].key)
            #expect(cursor.value == entries[index].value)
            index -= 1
            try cursor.prev()
        }
        #expect(index == -1)
        // Back and forth from the middle.
        try cursor.seek(entries[150].key)
        try cursor.prev()
        #expect(cursor.key == entries[149].key)
        try cursor.next()
        try cursor.next()
        #expect(cursor.key == entries[151].key)
    }

    /// Walks `iterator` from its last entry to its first, expecting exactly `keys` (ascending).
    static func expectBackwardWalk(_ iterator: InternalIterator, _ keys: [[UInt8]]) throws {
        try iterator.seekToLast()
        var index = keys.count - 1
        while iterator.isValid {
            #expect(iterator.key == keys[index])
            index -= 1
            try iterator.prev()
        }
        #expect(index == -1)
    }

    @Test func mergingIteratorChangesDirection() throws {
        // Three children holding interleaved keys.
        let all = (0..<90).map { (ikey("key" + String($0 + 100)), Array("v\($0)".utf8)) }
        let children = (0..<3).map { child in
            ArrayIterator(all.enumerated().filter { $0.offset % 3 == child }.map { $0.element })
        }
        let merged = MergingIterator(children)
        try Self.expectBackwardWalk(merged, all.map(\.0))
        try merged.seek(all[40].0)
        try merged.prev()
        #expect(merged.key == all[39].0)
        try merged.prev()
        try merged.next()
        try merged.next()
        #expect(merged.key == all[40].0)
        try merged.next()
        #expect(merged.key == all[41].0)
        try merged.prev()
        #expect(merged.key == all[40].0)
    }

    @Test func levelIteratorWalksBackwardsAcrossFiles() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let fs = PosixFileSystem()
        let all = (0..<600).map { (ikey("key" + String($0 + 1000)), Array("value\($0)".utf8)) }
        var files: [FileMetadata] = []
        for (n, part) in stride(from: 0, to: all.count, by: 200).enumerated() {
            let number = UInt64(n + 10)
            let file = try fs.createWritable(FileNames.table(dir.path, number))
            let builder = try TableBuilder(file: file, options: TableOptions(blockSize: 256))
            for e in all[part..<part + 200] { try builder.add(key: e.0, value: e.1) }
            try builder.finish()
            try file.close()
            files.append(
                FileMetadata(number: number, size: builder.fileSize, smallest: all[part].0, largest: all[part + 199].0))
        }
        let cache = TableCache(
            directory: dir.path, fileSystem: fs, options: TableReaderOptions(), capacity: 10,
            blockCacheCapacity: 1 << 20)
        let level = LevelIterator(files: files, tableCache: cache)
        try Self.expectBackwardWalk(level, all.map(\.0))
        try level.seek(all[400].0)
        try level.prev()
        #expect(level.key == all[399].0)
    }

    @Test func reverseScanMatchesForwardScanOverMemTablesAndTables() async {
        await withSeed("ReverseIterationTests/reverseScanMatchesForwardScanOverMemTablesAndTables") { _, rng in
            let dir = TemporaryDirectory()
            defer { dir.remove() }
            var options = Options()
            options.syncWrites = false
            options.writeBufferSize = 16 << 10
            options.blockSize = 512
            let db = try Database(path: dir.path, options: options)
            defer { try? db.close() }
            var model: [String: String] = [:]
            var snapshotModel: [String: String] = [:]
            var snapshot: Snapshot?
            for step in 0..<3000 {
                let key = "key" + String(Int.random(in: 0..<600, using: &rng) + 1000)
                if Int.random(in: 0..<5, using: &rng) == 0 {
                    try db.delete(key)
                    model[key] = nil
                } else {
                    let value = "v\(step)"
                    try db.put(key, value)
                    model[key] = value
                }
                if step == 1500 {
                    snapshot = try db.snapshot()
                    snapshotModel = model
                }
            }
            #expect(db.filesPerLevel[0] > 1)
            func check(_ start: String?, _ end: String?, snapshot: Snapshot?, model: [String: String]) throws {
                let startBytes = start.map { Array($0.utf8) }
                let endBytes = end.map { Array($0.utf8) }
                let expected = model.filter { key, _ in
                    (start.map { key >= $0 } ?? true) && (end.map { key < $0 } ?? true)
                }.sorted { $0.key > $1.key }.map { (Array($0.key.utf8), Array($0.value.utf8)) }
                let iterator = try db.makeReverseIterator(from: startBytes, to: endBytes, snapshot: snapshot)
                var got: [([UInt8], [UInt8])] = []
                while let entry = try iterator.next() { got.append(entry) }
                #expect(got.count == expected.count, "range \(start ?? "-")..<\(end ?? "-")")
                for (g, e) in zip(got, expected) { #expect(g.0 == e.0 && g.1 == e.1) }
                let forward = try db.scan(from: startBytes, to: endBytes, snapshot: snapshot)
                #expect(forward.reversed().map(\.key) == got.map(\.0))
            }
            for (start, end) in [(nil, nil), ("key1200", "key1400"), ("key1000", nil), (nil, "key1333"), ("key9", nil)]
            {
                try check(start, end, snapshot: nil, model: model)
                try check(start, end, snapshot: snapshot, model: snapshotModel)
            }
        }
    }
}

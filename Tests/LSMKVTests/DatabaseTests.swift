import Synchronization
import TestSupport
import Testing
import VFS

@testable import LSMKV

@Suite("Database on the real disk")
struct DatabaseTests {
    static func options(writeBuffer: Int = 4 << 20) -> Options {
        var options = Options()
        options.writeBufferSize = writeBuffer
        return options
    }

    @Test func putGetDeleteAndReopen() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        do {
            let db = try Database(path: dir.path)
            try db.put("hello", "world")
            try db.put("gone", "soon")
            try db.delete("gone")
            #expect(try db.get("hello") == Array("world".utf8))
            #expect(try db.get("gone") == nil)
            #expect(try db.get("never") == nil)
            try db.close()
        }
        let db = try Database(path: dir.path)
        defer { try? db.close() }
        #expect(try db.get("hello") == Array("world".utf8))
        #expect(try db.get("gone") == nil)
        #expect(db.recoveryReport.batchesReplayed == 3)
    }

    @Test func secondOpenIsLockedOut() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try Database(path: dir.path)
        #expect(throws: LSMKVError.locked(path: Path.join(dir.path, "LOCK"))) { try Database(path: dir.path) }
        try db.close()
        try Database(path: dir.path).close()
    }

    @Test func flushWritesLevel0TablesAndTombstonesHideOlderValues() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try Database(path: dir.path, options: Self.options(writeBuffer: 64 * 1024))
        for i in 0..<5000 {
            try db.put(Array("key\(i)".utf8), [UInt8](repeating: UInt8(i % 256), count: 100), sync: false)
        }
        try db.flush()
        for i in stride(from: 0, to: 5000, by: 3) { try db.delete(Array("key\(i)".utf8), sync: false) }
        try db.flush()
        #expect(db.filesPerLevel[0] >= 2)
        for i in 0..<5000 {
            let value = try db.get(Array("key\(i)".utf8))
            #expect(value == (i % 3 == 0 ? nil : [UInt8](repeating: UInt8(i % 256), count: 100)))
        }
        #expect(try db.scan().count == 5000 - 1667)
        try db.close()
        let reopened = try Database(path: dir.path)
        defer { try? reopened.close() }
        #expect(try reopened.scan().count == 5000 - 1667)
        #expect(try reopened.get(Array("key1".utf8)) != nil)
    }

    @Test func memoryMappedTablesReadCompactAndReopen() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let fileSystem = MappingCountingFileSystem()
        var options = Self.options(writeBuffer: 64 * 1024)
        options.mapTableFiles = true
        options.fileSystem = fileSystem
        let value = { (i: Int) in [UInt8](repeating: UInt8(i % 251), count: 100) }
        do {
            let db = try Database(path: dir.path, options: options)
            for i in 0..<4000 { try db.put(Array("key\(i)".utf8), value(i), sync: false) }
            try db.flush()
            for i in stride(from: 0, to: 4000, by: 2) { try db.delete(Array("key\(i)".utf8), sync: false) }
            try db.flush()
            for i in 0..<4000 { #expect(try db.get(Array("key\(i)".utf8)) == (i % 2 == 0 ? nil : value(i))) }
            #expect(fileSystem.mappedOpens.load(ordering: .relaxed) >= 2)
            try db.compact()
            #expect(db.filesPerLevel[0] == 0)
            #expect(try db.scan().count == 2000)
            try db.close()
        }
        let db = try Database(path: dir.path, options: options)
        defer { try? db.close() }
        for i in 0..<4000 { #expect(try db.get(Array("key\(i)".utf8)) == (i % 2 == 0 ? nil : value(i))) }
        #expect(try db.scan().count == 2000)
    }

    /// A mapped table truncated underneath the open database (by another process, say): gets and scans that reach
    /// the lost blocks throw an I/O error naming the table instead of the process dying of SIGBUS, and the database
    /// keeps answering from what is still readable.
    @Test func truncatedMappedTableIsAnIOErrorNotACrash() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var options = Self.options()
        options.mapTableFiles = true
        options.blockCacheCapacity = 0
        let db = try Database(path: dir.path, options: options)
        defer { try? db.close() }
        let value = [UInt8](repeating: 7, count: 100)
        let key = { (i: Int) in Array(("key" + String(repeating: "0", count: 5 - String(i).count) + String(i)).utf8) }
        for i in 0..<3000 { try db.put(key(i), value, sync: false) }
        try db.flush()
        #expect(try db.get(Array("key02999".utf8)) == value)
        let tables = try PosixFileSystem().listDirectory(dir.path).filter { $0.hasSuffix(".ldb") }
        #expect(tables.count == 1)
        let table = Path.join(dir.path, tables[0])
        let cut = try PosixFileSystem().openWritable(table)
        try cut.truncate(to: 16384)
        try cut.close()
        // Keys in the first blocks are still there; the ones at the end of the table are in vanished pages.
        #expect(try db.get(Array("key00000".utf8)) == value)
        for _ in 0..<2 {
            let error = #expect(throws: LSMKVError.self) { try db.get(Array("key02999".utf8)) }
            guard case .io(let cause)? = error else {
                Issue.record("expected an I/O error, got \(String(describing: error))")
                continue
            }
            #expect(cause.code == .io)
            #expect(cause.path == table)
        }
        #expect(throws: LSMKVError.self) { try db.scan() }
    }

    @Test func lendingNextSeesWhatCopyingNextSees() async {
        await withSeed("DatabaseTests/lendingNextSeesWhatCopyingNextSees") { _, rng in
            let dir = TemporaryDirectory()
            defer { dir.remove() }
            let db = try Database(path: dir.path, options: Self.options(writeBuffer: 32 * 1024))
            defer { try? db.close() }
            for round in 0..<4 {
                for _ in 0..<1500 {
                    let key = Array("key\(Int.random(in: 0..<2000, using: &rng))".utf8)
                    if Int.random(in: 0..<5, using: &rng) == 0 {
                        try db.delete(key, sync: false)
                    } else {
                        try db.put(key, rng.bytes(Int.random(in: 0..<40, using: &rng)) + [UInt8(round)], sync: false)
                    }
                }
                if round < 3 { try db.flush() }
            }
            let snapshot = try db.snapshot()
            for i in 0..<300 { try db.put(Array("key\(i)".utf8), [9], sync: false) }

            func lent(_ iterator: DatabaseIterator) throws -> [(key: [UInt8], value: [UInt8])] {
                var entries: [(key: [UInt8], value: [UInt8])] = []
                while try iterator.next({ key, value in
                    entries.append((key: (0..<key.count).map { key[$0] }, value: (0..<value.count).map { value[$0] }))
                }) {}
                return entries
            }
            func copied(_ iterator: DatabaseIterator) throws -> [(key: [UInt8], value: [UInt8])] {
                var entries: [(key: [UInt8], value: [UInt8])] = []
                while let entry = try iterator.next() { entries.append(entry) }
                return entries
            }
            let ranges: [([UInt8]?, [UInt8]?)] = [
                (nil, nil), (Array("key1".utf8), Array("key5".utf8)), (Array("key7".utf8), nil),
            ]
            for (start, end) in ranges {
                for snap in [nil, snapshot] {
                    let a = try lent(db.makeIterator(from: start, to: end, snapshot: snap))
                    let b = try copied(db.makeIterator(from: start, to: end, snapshot: snap))
                    #expect(a.count == b.count && a.count > 0)
                    #expect(zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value })
                    let reversed = try lent(db.makeReverseIterator(from: start, to: end, snapshot: snap))
                    #expect(reversed.map(\.key) == a.map(\.key).reversed())
                    #expect(reversed.map(\.value) == a.map(\.value).reversed())
                    let reversedCopies = try copied(db.makeReverseIterator(from: start, to: end, snapshot: snap))
                    #expect(reversedCopies.map(\.key) == reversed.map(\.key))
                    #expect(reversedCopies.map(\.value) == reversed.map(\.value))
                }
            }

            // A body that throws leaves the cursor past the entry it saw.
            struct Stop: Error {}
            let iterator = try db.makeIterator()
            var first: [UInt8] = []
            #expect(throws: Stop.self) {
                _ = try iterator.next { key, _ in
                    first = (0..<key.count).map { key[$0] }
                    throw Stop()
                }
            }
            let second = try iterator.next()
            #expect(second != nil && second!.key != first)
            #expect(try db.makeIterator().next().map(\.key) == first)
        }
    }

    @Test func scanHonoursRangeLimitAndSnapshot() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try Database(path: dir.path)
        defer { try? db.close() }
        for c in "abcdef" { try db.put(String(c), String(c).uppercased(), sync: false) }
        let snapshot = try db.snapshot()
        try db.delete("c", sync: false)
        try db.put("b", "new", sync: false)
        let range = try db.scan(from: Array("b".utf8), to: Array("e".utf8))
        #expect(range.map { String(decoding: $0.key, as: UTF8.self) } == ["b", "d"])
        #expect(range.first?.value == Array("new".utf8))
        let old = try db.scan(from: Array("b".utf8), to: Array("e".utf8), snapshot: snapshot)
        #expect(old.map { String(decoding: $0.value, as: UTF8.self) } == ["B", "C", "D"])
        #expect(try db.get(Array("c".utf8), snapshot: snapshot) == Array("C".utf8))
        #expect(try db.scan(limit: 2).count == 2)
    }

    @Test func batchesAreAtomicAcrossReopen() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        do {
            let db = try Database(path: dir.path)
            var batch = WriteBatch()
            for i in 0..<100 { batch.put("k\(i)", "v\(i)") }
            batch.delete("k5")
            try db.write(batch)
            try db.close()
        }
        let db = try Database(path: dir.path)
        defer { try? db.close() }
        #expect(try db.scan().count == 99)
    }

    @Test func largeAndEmptyValuesAndBinaryKeys() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let big = [UInt8]((0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        do {
            let db = try Database(path: dir.path)
            try db.put([0, 0xff, 0], big)
            try db.put([], [])
            try db.put([0xff], [])
            try db.flush()
            try db.close()
        }
        let db = try Database(path: dir.path)
        defer { try? db.close() }
        #expect(try db.get([0, 0xff, 0]) == big)
        #expect(try db.get([]) == [])
        #expect(try db.get([0xff]) == [])
    }

    /// Random puts, deletes, batches, flushes and reopens checked against a dictionary after every step.
    @Test func randomOperationsMatchADictionaryModel() async {
        await withSeed("DatabaseTests/randomOperationsMatchADictionaryModel") { seed, rng in
            let dir = TemporaryDirectory()
            defer { dir.remove() }
            var model: [[UInt8]: [UInt8]] = [:]
            var db = try Database(path: dir.path, options: Self.options(writeBuffer: 16 * 1024))
            func randomKey() -> [UInt8] { Array("k\(Int.random(in: 0..<400, using: &rng))".utf8) }
            for step in 0..<3000 {
                switch Int.random(in: 0..<100, using: &rng) {
                case 0..<55:
                    let key = randomKey()
                    let value = rng.bytes(Int.random(in: 0..<300, using: &rng))
                    try db.put(key, value, sync: false)
                    model[key] = value
                case 55..<75:
                    let key = randomKey()
                    try db.delete(key, sync: false)
                    model[key] = nil
                case 75..<90:
                    var batch = WriteBatch()
                    for _ in 0..<Int.random(in: 1..<10, using: &rng) {
                        let key = randomKey()
                        if Bool.random(using: &rng) {
                            let value = rng.bytes(8)
                            batch.put(key, value)
                            model[key] = value
                        } else {
                            batch.delete(key)
                            model[key] = nil
                        }
                    }
                    try db.write(batch, sync: false)
                case 90..<95:
                    try db.flush()
                default:
                    try db.close()
                    db = try Database(path: dir.path, options: Self.options(writeBuffer: 16 * 1024))
                }
                if step % 100 == 0 || step == 2999 {
                    let scanned = try db.scan()
                    let expected = model.sorted { Bytes.compare($0.key, $1.key) < 0 }
                    #expect(scanned.map(\.key) == expected.map(\.key), "seed \(seed) step \(step)")
                    #expect(scanned.map(\.value) == expected.map(\.value), "seed \(seed) step \(step)")
                    for _ in 0..<20 {
                        let key = randomKey()
                        #expect(
                            try db.get(key) == model[key], "seed \(seed) step \(step): replay with LSMKV_SEED=\(seed)")
                    }
                }
            }
            try db.close()
        }
    }
}

/// The real file system, counting the files opened through ``VFS/FileSystem/openMapped(_:)``.
private final class MappingCountingFileSystem: ForwardingFileSystem {
    let inner: any FileSystem = PosixFileSystem()
    let mappedOpens = Atomic<Int>(0)

    func openMapped(_ path: String) throws -> any ReadableFile {
        mappedOpens.add(1, ordering: .relaxed)
        return try inner.openMapped(path)
    }
}

import Synchronization
import TestSupport
import Testing
import VFS

@testable import LSMKV

@Suite("Table")
struct TableTests {
    let fs = PosixFileSystem()

    /// 10,000 sorted entries: some empty values, one value over 64 KiB, several versions of some user keys.
    static func entries() -> [(key: [UInt8], value: [UInt8])] {
        var rng = SeededGenerator(seed: 42)
        var result: [(key: [UInt8], value: [UInt8])] = []
        var i = 0
        while result.count < 10_000 {
            let user = "key" + String(i * 7, radix: 10).leftPadded(to: 8)
            let versions = i % 50 == 0 ? 3 : 1
            for v in 0..<versions {
                let value: [UInt8]
                if i == 5000 {
                    value = rng.bytes(70_000)
                } else if i % 10 == 0 {
                    value = []
                } else {
                    value = rng.bytes(Int.random(in: 1...100, using: &rng))
                }
                let type: ValueType = v == 1 ? .deletion : .value
                result.append((ikey(user, SequenceNumber(100 - v), type), value))
            }
            i += 1
        }
        return result
    }

    static let allEntries = entries()

    /// Builds a table at `dir/name` and returns its path.
    func buildTable(
        in dir: TemporaryDirectory, name: String = "000005.ldb",
        entries: [(key: [UInt8], value: [UInt8])] = TableTests.allEntries, options: TableOptions = TableOptions()
    ) throws -> String {
        let path = Path.join(dir.path, name)
        let file = try fs.createWritable(path)
        let builder = try TableBuilder(file: file, options: options)
        for e in entries { try builder.add(key: e.key, value: e.value) }
        try builder.finish()
        #expect(builder.entryCount == entries.count)
        #expect(builder.smallestKey == entries.first?.key)
        #expect(builder.largestKey == entries.last?.key)
        #expect(try file.size() == builder.fileSize)
        try file.sync()
        try file.close()
        return path
    }

    func open(_ path: String, options: TableReaderOptions = TableReaderOptions()) throws -> TableReader {
        try TableReader.open(file: try fs.openReadable(path), fileSize: try fs.fileSize(path), options: options)
    }

    /// Rewrites the file at `path` with `change` applied to its bytes.
    func rewrite(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
        let size = try fs.fileSize(path)
        let reader = try fs.openReadable(path)
        var bytes = try reader.read(at: 0, count: size)
        reader.close()
        change(&bytes)
        let writer = try fs.createWritable(path)
        try writer.append(bytes)
        try writer.close()
    }

    @Test func iteratorReturnsEveryEntryInOrder() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let table = try open(try buildTable(in: dir))
        let entries = Self.allEntries
        let it = table.makeIterator()
        try it.seekToFirst()
        var i = 0
        while it.isValid {
            #expect(it.key == entries[i].key)
            #expect(it.value == entries[i].value)
            i += 1
            try it.next()
        }
        #expect(i == entries.count)
        #expect(entries.contains { $0.value.count > 65536 })

        // Seeks land on the first entry >= target, across block boundaries.
        for index in stride(from: 0, to: entries.count, by: 37) {
            try it.seek(entries[index].key)
            #expect(it.isValid && it.key == entries[index].key)
        }
        try it.seek(ikey("zzz"))
        #expect(!it.isValid)
        #expect(try table.approximateOffset(of: entries[0].key) == 0)
        #expect(try table.approximateOffset(of: ikey("zzz")) > 70_000)
    }

    @Test func getFindsEveryKeyReadingOneDataBlock() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let table = try open(try buildTable(in: dir))
        for e in Self.allEntries {
            let before = table.dataBlocksRead.load(ordering: .relaxed)
            let found = try table.get(e.key)
            #expect(table.dataBlocksRead.load(ordering: .relaxed) - before == 1)
            #expect(found?.key == e.key)
            #expect(found?.value == e.value)
        }
        // A lookup at the newest snapshot finds the newest version of a user key.
        let multi = Self.allEntries.filter { InternalKey.parse($0.key)!.userKey == Array("key00000000".utf8) }
        #expect(multi.count == 3)
        let newest = try table.get(InternalKey.lookupKey(userKey: Array("key00000000".utf8), sequence: 1000))
        #expect(newest?.key == multi[0].key)
    }

    @Test func missingKeysAndBloomNegativesReadNoDataBlock() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let table = try open(try buildTable(in: dir))
        #expect(table.filter != nil)
        try table.validateFilter()
        var bloomNegatives = 0
        for i in 0..<2000 {
            // Between existing keys (multiples of 7), so absent.
            let user = Array(("key" + String(i * 7 + 3, radix: 10).leftPadded(to: 8)).utf8)
            let before = table.dataBlocksRead.load(ordering: .relaxed)
            let found = try table.get(InternalKey.lookupKey(userKey: user, sequence: maxSequenceNumber))
            let reads = table.dataBlocksRead.load(ordering: .relaxed) - before
            #expect(reads <= 1)
            if reads == 0 { bloomNegatives += 1 }
            if let found { #expect(InternalKey.parse(found.key)!.userKey != user) }
        }
        // About 1% false positives at 10 bits per key.
        #expect(bloomNegatives > 1900)
        // Past the last key: the index says no, so nothing is read.
        let before = table.dataBlocksRead.load(ordering: .relaxed)
        #expect(try table.get(ikey("zzz")) == nil)
        #expect(table.dataBlocksRead.load(ordering: .relaxed) == before)
    }

    @Test func tableWithoutFilterAndEmptyTable() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let entries = Array(Self.allEntries.prefix(300))
        let path = try buildTable(
            in: dir, entries: entries, options: TableOptions(blockSize: 256, restartInterval: 4, bloomBitsPerKey: 0))
        let table = try open(path)
        #expect(table.filter == nil)
        for e in entries { #expect(try table.get(e.key)?.value == e.value) }

        let empty = try open(try buildTable(in: dir, name: "empty.ldb", entries: []))
        let it = empty.makeIterator()
        try it.seekToFirst()
        #expect(!it.isValid)
        #expect(try empty.get(ikey("a")) == nil)
    }

    @Test func builderRejectsOutOfOrderKeysAndBadOptions() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = try fs.createWritable(Path.join(dir.path, "x.ldb"))
        defer { try? file.close() }
        #expect(throws: LSMKVError.self) { try TableBuilder(file: file, options: TableOptions(blockSize: 0)) }
        let builder = try TableBuilder(file: file, options: TableOptions())
        try builder.add(key: ikey("b"), value: [])
        #expect(throws: LSMKVError.self) { try builder.add(key: ikey("a"), value: []) }
        #expect(throws: LSMKVError.self) { try builder.add(key: ikey("b"), value: []) }
        #expect(throws: LSMKVError.self) { try builder.add(key: [1, 2], value: []) }
        try builder.finish()
        #expect(throws: LSMKVError.self) { try builder.add(key: ikey("c"), value: []) }
    }

    @Test func writeFailuresPropagateAsIOErrors() throws {
        let builder = try TableBuilder(file: FailingFile(), options: TableOptions(blockSize: 64))
        let error = FileSystemError(.noSpace, operation: .append, path: "full.ldb")
        #expect(throws: LSMKVError.io(error)) {
            for i in 0..<100 { try builder.add(key: ikey("k\(i + 100)"), value: [1, 2, 3]) }
        }
        // The builder stays failed.
        #expect(throws: LSMKVError.io(error)) { try builder.finish() }
    }

    @Test func separatorsAreShortAndOrdered() {
        let a = ikey("the quick brown fox", 5)
        let b = ikey("the who", 9)
        let separator = TableBuilder.shortestSeparator(a, b)
        #expect(InternalKey.userKey(separator) == Array("the r".utf8))
        #expect(InternalKey.compare(a, separator) <= 0 && InternalKey.compare(separator, b) < 0)
        // A prefix, or adjacent bytes: nothing shorter exists.
        #expect(TableBuilder.shortestSeparator(ikey("abc"), ikey("abcd")) == ikey("abc"))
        #expect(TableBuilder.shortestSeparator(ikey("abc"), ikey("abd")) == ikey("abc"))
        #expect(InternalKey.userKey(TableBuilder.shortSuccessor(ikey("abc"))) == Array("b".utf8))
        let allFF = InternalKey.encode(userKey: [0xff, 0xff], sequence: 3, type: .value)
        #expect(TableBuilder.shortSuccessor(allFF) == allFF)
    }

    @Test func corruptDataBlockIsAChecksumErrorNamingTheFile() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try buildTable(in: dir)
        try rewrite(path) { $0[100] ^= 0x40 }
        let table = try open(path)
        do {
            _ = try table.get(Self.allEntries[0].key)
            Issue.record("expected a corruption error")
        } catch LSMKVError.corruption(let file, let offset, let reason) {
            #expect(file == path)
            #expect(offset == 0)
            #expect(reason.contains("checksum"))
        }
        let it = table.makeIterator()
        #expect(throws: LSMKVError.self) { try it.seekToFirst() }
        #expect(!it.isValid)
        // Without checksum verification the block parses; it must still not trap.
        let unchecked = try open(path, options: TableReaderOptions(verifyChecksums: false))
        _ = try? unchecked.get(Self.allEntries[0].key)
    }

    @Test func truncatedFileAndBadMagicAreCorruption() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try buildTable(in: dir)
        let size = try fs.fileSize(path)
        for cut in [0, 10, 47, 48, size - 1, size / 2] {
            let truncatedPath = Path.join(dir.path, "cut\(cut).ldb")
            let whole = try fs.openReadable(path)
            let bytes = try whole.read(at: 0, count: cut)
            whole.close()
            let out = try fs.createWritable(truncatedPath)
            try out.append(bytes)
            try out.close()
            do {
                _ = try open(truncatedPath)
                Issue.record("truncated to \(cut): expected corruption")
            } catch LSMKVError.corruption(let file, _, _) {
                #expect(file == truncatedPath)
            }
        }
        try rewrite(path) { $0[$0.count - 1] ^= 0xff }
        do {
            _ = try open(path)
            Issue.record("expected bad magic")
        } catch LSMKVError.corruption(let file, let offset, let reason) {
            #expect(file == path)
            #expect(offset == size - 8)
            #expect(reason.contains("magic"))
        }
    }

    @Test func snappyBlockIsNotSupported() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try buildTable(in: dir)
        let table = try open(path)
        let index = table.indexBlock.makeIterator()
        try index.seekToFirst()
        let handle = try table.dataHandle(at: index)
        // Mark the first data block Snappy-compressed, with a CRC that matches, as LevelDB would write it.
        try rewrite(path) { bytes in
            let n = Int(handle.offset + handle.size)
            bytes[n] = 1
            let crc = CRC32C.checksum(bytes, range: Int(handle.offset)..<(n + 1))
            storeFixed32(CRC32C.mask(crc), into: &bytes, at: n + 1)
        }
        let reopened = try open(path)
        #expect(throws: LSMKVError.notSupported(file: path, reason: "Snappy-compressed data block at offset 0")) {
            _ = try reopened.get(Self.allEntries[0].key)
        }
    }

    @Test func randomCorruptionNeverTraps() async {
        await withSeed("TableTests/randomCorruptionNeverTraps") { seed, rng in
            let dir = TemporaryDirectory()
            defer { dir.remove() }
            let entries = Array(Self.allEntries.prefix(400))
            let path = try buildTable(in: dir, entries: entries, options: TableOptions(blockSize: 512))
            let original = try fs.openReadable(path)
            let valid = try original.read(at: 0, count: try fs.fileSize(path))
            original.close()
            for round in 0..<300 {
                var bytes = valid
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                let mutated = Path.join(dir.path, "m.ldb")
                let out = try fs.createWritable(mutated)
                try out.append(bytes)
                try out.close()
                // Unchecked reads exercise the decoders on corrupt bytes.
                for verify in [true, false] {
                    do {
                        let table = try open(mutated, options: TableReaderOptions(verifyChecksums: verify))
                        let it = table.makeIterator()
                        try it.seekToFirst()
                        var steps = 0
                        while it.isValid && steps < 100_000 {
                            _ = it.value
                            try it.next()
                            steps += 1
                        }
                        _ = try table.get(entries[Int.random(in: 0..<entries.count, using: &rng)].key)
                    } catch is LSMKVError {
                    } catch {
                        Issue.record("seed \(seed) round \(round): unexpected error \(error)")
                    }
                }
            }
        }
    }
}

/// A writable file whose appends fail, as on a full disk.
final class FailingFile: WritableFile {
    let path = "full.ldb"
    func append(_ bytes: [UInt8]) throws {
        throw FileSystemError(.noSpace, operation: .append, path: path)
    }
    func sync() throws {}
    func truncate(to size: Int) throws {}
    func size() throws -> Int { 0 }
    func close() throws {}
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

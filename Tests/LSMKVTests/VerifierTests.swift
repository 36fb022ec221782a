import Foundation
import Synchronization
import TestSupport
import Testing
import VFS

@testable import LSMKV

@Suite("Verifier")
struct VerifierTests {
    /// A database with level-0 tables, compacted level-1 tables and a live log holding the last writes (synced
    /// puts).
    static func makeDatabase(_ dir: TemporaryDirectory) throws {
        var options = Options()
        options.writeBufferSize = 16 * 1024
        options.targetFileSize = 8 * 1024
        options.runsBackgroundWorkInline = true
        let db = try Database(path: dir.path, options: options)
        for i in 0..<200 {
            try db.put(Array("key\(10_000 + i)".utf8), [UInt8](repeating: UInt8(i % 200), count: 300))
        }
        try db.close()
    }

    static func names(_ dir: TemporaryDirectory, suffix: String) throws -> [String] {
        try PosixFileSystem().listDirectory(dir.path).filter { $0.hasSuffix(suffix) }.sorted()
    }

    static func path(_ dir: TemporaryDirectory, _ name: String) -> String { Path.join(dir.path, name) }

    static func mutate(_ path: String, _ body: (inout [UInt8]) -> Void) throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        body(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// The name of the MANIFEST CURRENT points at.
    static func manifestName(_ dir: TemporaryDirectory) throws -> String {
        String(try String(contentsOfFile: path(dir, "CURRENT"), encoding: .utf8).dropLast())
    }

    /// A fresh healthy database in its own directory.
    static func fresh() throws -> TemporaryDirectory {
        let dir = TemporaryDirectory("lsmkv-verify")
        try makeDatabase(dir)
        return dir
    }

    @Test func healthyDatabaseVerifies() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        #expect(try Self.names(dir, suffix: ".ldb").count >= 3)
        #expect(try Self.names(dir, suffix: ".log").count == 1)
        let report = Verifier.verify(path: dir.path)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.isHealthy)
        #expect(report.tablesChecked >= 3)
        #expect(report.blocksChecked >= report.tablesChecked)
        #expect(report.entriesChecked > 0)
        #expect(report.logRecordsChecked > 0)
    }

    @Test func flippedByteInDataBlockIsCorruptionNamingTableAndBlock() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        let table = try Self.names(dir, suffix: ".ldb")[0]
        try Self.mutate(Self.path(dir, table)) { $0[100] ^= 0x40 }
        let report = Verifier.verify(path: dir.path)
        #expect(!report.isHealthy)
        let problem = report.problems(.corruption).first { $0.file == table }
        #expect(problem != nil, "\(report.problems)")
        #expect(problem.flatMap(\.offset).map { $0 <= 100 } == true)
        #expect(problem?.message.contains("checksum") == true)
    }

    @Test func truncatedTableIsCorruption() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        let table = try Self.names(dir, suffix: ".ldb")[0]
        try Self.mutate(Self.path(dir, table)) { $0.removeLast(30) }
        let report = Verifier.verify(path: dir.path)
        #expect(!report.isHealthy)
        #expect(report.problems(.corruption).contains { $0.file == table }, "\(report.problems)")
    }

    @Test func missingTableIsCorruption() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        let table = try Self.names(dir, suffix: ".ldb")[1]
        try FileManager.default.removeItem(atPath: Self.path(dir, table))
        let report = Verifier.verify(path: dir.path)
        #expect(!report.isHealthy)
        #expect(
            report.problems(.corruption).contains { $0.file == table && $0.message.contains("missing") },
            "\(report.problems)")
    }

    @Test func manifestCutMidRecordIsATornTailNote() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        // End the MANIFEST with a flush's edit. (Cutting a compaction's edit off would leave the MANIFEST naming
        // inputs that were deleted, which the engine never does: it deletes them only once the edit is durable.)
        var options = Options()
        options.level0CompactionTrigger = 100
        let db = try Database(path: dir.path, options: options)
        try db.put("one more", "table")
        try db.flush()
        try db.close()
        let manifest = try Self.manifestName(dir)
        try Self.mutate(Self.path(dir, manifest)) { $0.removeLast(5) }
        let report = Verifier.verify(path: dir.path)
        #expect(report.isHealthy, "\(report.problems)")
        #expect(report.problems(.note).contains { $0.file == manifest && $0.offset != nil })
    }

    @Test func tornLogTailIsAWarningCountingWhatRecoveryDrops() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        let log = try Self.names(dir, suffix: ".log")[0]
        try Self.mutate(Self.path(dir, log)) { $0.removeLast(100) }
        let report = Verifier.verify(path: dir.path)
        #expect(report.isHealthy, "\(report.problems)")
        let warning = report.problems(.warning).first { $0.file == log }
        #expect(warning?.offset != nil, "\(report.problems)")
        #expect(warning?.message.contains("bytes and 0 readable records") == true, "\(report.problems)")
    }

    @Test func damageInTheMiddleOfALogIsCorruptionNamingOffset() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        let log = try Self.names(dir, suffix: ".log")[0]
        // Header, batch header, tag, key length, key, value length, value; each synced record after the first is
        // preceded by a durability marker (header and empty batch).
        let recordSize = 7 + 12 + 1 + 1 + 8 + 2 + 300
        let second = recordSize + 7 + 12
        var size = 0
        try Self.mutate(Self.path(dir, log)) {
            size = $0.count
            $0[second + 40] ^= 0x10
        }
        // The damaged second record has whole records after it (how many depends on where the MemTable switched).
        #expect(size >= 3 * recordSize)
        let report = Verifier.verify(path: dir.path)
        #expect(!report.isHealthy)
        let problem = report.problems(.corruption).first { $0.file == log }
        #expect(problem?.offset == second, "\(report.problems)")
    }

    @Test func currentWithoutNewlineIsCorruption() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        let manifest = try Self.manifestName(dir)
        try Data(manifest.utf8).write(to: URL(fileURLWithPath: Self.path(dir, "CURRENT")))
        let report = Verifier.verify(path: dir.path)
        #expect(!report.isHealthy)
        #expect(report.problems(.corruption).contains { $0.file == "CURRENT" && $0.message.contains("newline") })
    }

    @Test func currentNamingAMissingManifestIsCorruption() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        try Data("MANIFEST-999999\n".utf8).write(to: URL(fileURLWithPath: Self.path(dir, "CURRENT")))
        let report = Verifier.verify(path: dir.path)
        #expect(!report.isHealthy)
        #expect(
            report.problems(.corruption).contains { $0.file == "CURRENT" && $0.message.contains("MANIFEST-999999") })
    }

    @Test func orphanTableIsAWarning() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        let table = try Self.names(dir, suffix: ".ldb")[0]
        try FileManager.default.copyItem(atPath: Self.path(dir, table), toPath: Self.path(dir, "000999.ldb"))
        let report = Verifier.verify(path: dir.path)
        #expect(report.isHealthy)
        #expect(report.problems == [report.problems(.warning).first { $0.file == "000999.ldb" }].compactMap { $0 })
    }

    /// Every name, size and content hash in the directory.
    static func snapshot(_ dir: TemporaryDirectory) throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for name in try PosixFileSystem().listDirectory(dir.path) {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path(dir, name))))
            result[name] = bytes  // the whole contents: stronger than a size plus hash
        }
        return result
    }

    @Test func verifyIsReadOnly() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        try? FileManager.default.removeItem(atPath: Self.path(dir, "LOCK"))
        // Damage too, so every checking path runs.
        let log = try Self.names(dir, suffix: ".log")[0]
        try Self.mutate(Self.path(dir, log)) { $0.removeLast(100) }
        try FileManager.default.copyItem(
            atPath: Self.path(dir, try Self.names(dir, suffix: ".ldb")[0]), toPath: Self.path(dir, "000999.ldb"))
        let before = try Self.snapshot(dir)
        let report = Verifier.verify(path: dir.path)
        #expect(!report.problems.isEmpty)
        #expect(try Self.snapshot(dir) == before)
        #expect(!FileManager.default.fileExists(atPath: Self.path(dir, "LOCK")))
    }
}

extension VerifierTests {
    /// Clears every filter's bits (keeping the probe counts) and rewrites the block's checksum, so only the
    /// Bloom-filter check can notice.
    @Test func filterMissingKeysIsCorruption() throws {
        let dir = try VerifierTests.fresh()
        defer { dir.remove() }
        let table = try VerifierTests.names(dir, suffix: ".ldb")[0]
        let path = VerifierTests.path(dir, table)
        let fileSystem = PosixFileSystem()
        let file = try fileSystem.openReadable(path)
        let reader = try TableReader.open(file: file, fileSize: try file.size())
        let filter = try #require(reader.filter)
        file.close()
        try VerifierTests.mutate(path) { bytes in
            var contents = filter.contents
            let n = contents.count
            let arrayOffset = Int(decodeFixed32(contents, at: n - 5))
            var at = arrayOffset
            while at + 8 <= n - 1 {
                let start = Int(decodeFixed32(contents, at: at))
                let limit = Int(decodeFixed32(contents, at: at + 4))
                if limit - start >= 2 { for i in start..<(limit - 1) { contents[i] = 0 } }
                at += 4
            }
            bytes.replaceSubrange(filter.fileOffset..<(filter.fileOffset + n), with: contents)
            let crc = CRC32C.checksum(bytes, range: filter.fileOffset..<(filter.fileOffset + n + 1))
            storeFixed32(CRC32C.mask(crc), into: &bytes, at: filter.fileOffset + n + 1)
        }
        let report = Verifier.verify(path: dir.path)
        #expect(!report.isHealthy)
        #expect(
            report.problems(.corruption).contains { $0.file == table && $0.message.contains("Bloom filter") },
            "\(report.problems)")
    }
}

extension VerifierTests {
    /// Appends `records` to the file at `path` in log format (as a MANIFEST or write-ahead log).
    static func appendRecords(_ path: String, _ records: [[UInt8]]) throws {
        let fileSystem = PosixFileSystem()
        let size = try fileSystem.fileSize(path)
        let writer = LogWriter(file: try fileSystem.openWritable(path), existingSize: size)
        for record in records { try writer.addRecord(record) }
        try writer.sync()
        try writer.close()
    }

    /// Two level-0 tables whose key ranges overlap ([a, z] and [b, y]).
    static func makeOverlappingTables(_ dir: TemporaryDirectory) throws {
        let db = try Database(path: dir.path)
        try db.put(Array("a".utf8), Array("1".utf8))
        try db.put(Array("z".utf8), Array("1".utf8))
        try db.flush()
        try db.put(Array("b".utf8), Array("2".utf8))
        try db.put(Array("y".utf8), Array("2".utf8))
        try db.flush()
        try db.close()
    }

    @Test func overlappingTablesInLevelOneAreCorruption() throws {
        let dir = TemporaryDirectory("lsmkv-verify")
        defer { dir.remove() }
        try Self.makeOverlappingTables(dir)
        #expect(Verifier.verify(path: dir.path).problems.isEmpty)
        let manifest = try Self.manifestName(dir)
        let files = Verifier.verify(path: dir.path).tablesChecked
        #expect(files == 2)
        // Move both level-0 tables to level 1, as a broken compaction might.
        var edit = VersionEdit()
        let fileSystem = PosixFileSystem()
        for name in try Self.names(dir, suffix: ".ldb") {
            guard case .table(let number)? = FileNames.parse(name) else { continue }
            let file = try fileSystem.openReadable(Self.path(dir, name))
            let size = try file.size()
            let iterator = try TableReader.open(file: file, fileSize: size).makeIterator()
            try iterator.seekToFirst()
            let smallest = iterator.key
            var largest = smallest
            while iterator.isValid {
                largest = iterator.key
                try iterator.next()
            }
            file.close()
            edit.deleteFile(level: 0, number: number)
            edit.addFile(level: 1, FileMetadata(number: number, size: size, smallest: smallest, largest: largest))
        }
        try Self.appendRecords(Self.path(dir, manifest), [edit.encode()])
        let report = Verifier.verify(path: dir.path)
        #expect(!report.isHealthy)
        #expect(
            report.problems(.corruption).contains { $0.file == manifest && $0.message.contains("overlap") },
            "\(report.problems)")
    }

    @Test func entrySequenceAboveLastSequenceIsCorruption() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        var edit = VersionEdit()
        edit.lastSequence = 5
        try Self.appendRecords(Self.path(dir, try Self.manifestName(dir)), [edit.encode()])
        let report = Verifier.verify(path: dir.path)
        #expect(!report.isHealthy)
        #expect(report.problems(.corruption).contains { $0.message.contains("above the MANIFEST's last sequence") })
    }

    @Test func logRecordThatIsNoWriteBatchIsCorruption() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        let log = try Self.names(dir, suffix: ".log")[0]
        let before = try PosixFileSystem().fileSize(Self.path(dir, log))
        try Self.appendRecords(Self.path(dir, log), [[1, 2, 3]])
        let report = Verifier.verify(path: dir.path)
        #expect(!report.isHealthy)
        let problem = report.problems(.corruption).first { $0.file == log }
        #expect(problem?.offset == before, "\(report.problems)")
    }

    @Test func damageInTheMiddleOfTheManifestIsCorruption() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        let manifest = try Self.manifestName(dir)
        try Self.mutate(Self.path(dir, manifest)) { $0[20] ^= 0x01 }
        let report = Verifier.verify(path: dir.path)
        #expect(!report.isHealthy)
        #expect(report.problems(.corruption).contains { $0.file == manifest && $0.offset == 0 }, "\(report.problems)")
    }
}

extension VerifierTests {
    @Test func dumpDecodesEveryKindOfFile() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        let log = try FileDump.dump(path: Self.path(dir, try Self.names(dir, suffix: ".log")[0]))
        #expect(log.contains("record @0:") && log.contains("put key1") && log.contains("end: clean"))
        let table = try FileDump.dump(path: Self.path(dir, try Self.names(dir, suffix: ".ldb")[0]))
        #expect(table.contains("footer: metaindex @") && table.contains("data block @0 size"))
        #expect(table.contains("key10000 seq=1 type=put value 300 bytes"))
        let manifest = try FileDump.dump(path: Self.path(dir, try Self.manifestName(dir)), forceHex: true)
        #expect(manifest.contains("comparator leveldb.BytewiseComparator") && manifest.contains("add file level 0"))
        #expect(manifest.contains("0x6b6579"))  // "key" in hex
    }

    @Test func dumpOfADamagedTableFailsWithThePartialOutput() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        let table = Self.path(dir, try Self.names(dir, suffix: ".ldb")[0])
        try Self.mutate(table) { $0[100] ^= 0x40 }
        let failure = try #require(throws: FileDump.Failure.self) { try FileDump.dump(path: table) }
        #expect(failure.partialOutput.contains("footer: metaindex @"))
        #expect(failure.description.contains("checksum mismatch"))
    }
}

/// A file system that reads through ``PosixFileSystem`` and records (and refuses) every call that could change
/// the disk.
final class WriteRefusingFileSystem: ForwardingFileSystem {
    struct Refused: Error {}

    let inner: any FileSystem = PosixFileSystem()
    let refused = Mutex<[String]>([])

    private func refuse(_ what: String) -> Refused {
        refused.withLock { $0.append(what) }
        return Refused()
    }

    func createWritable(_ path: String) throws -> any WritableFile { throw refuse("create \(path)") }
    func openWritable(_ path: String) throws -> any WritableFile { throw refuse("open-writable \(path)") }
    func remove(_ path: String) throws { throw refuse("remove \(path)") }
    func rename(_ source: String, to destination: String) throws { throw refuse("rename \(source)") }
    func createDirectory(_ path: String) throws { throw refuse("mkdir \(path)") }
    func syncDirectory(_ path: String) throws { throw refuse("syncdir \(path)") }
    func lockFile(_ path: String) throws -> any FileLock { throw refuse("lock \(path)") }
}

extension VerifierTests {
    @Test func verifyMakesNoMutatingFileSystemCall() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        let table = try Self.names(dir, suffix: ".ldb")[0]
        try Self.mutate(Self.path(dir, table)) { $0[100] ^= 0x40 }
        let fileSystem = WriteRefusingFileSystem()
        let report = Verifier.verify(path: dir.path, fileSystem: fileSystem)
        #expect(!report.isHealthy)
        #expect(report.tablesChecked >= 3)
        #expect(fileSystem.refused.withLock { $0 } == [])
    }
}

extension VerifierTests {
    @Test func jsonReportRoundTripsAndSaysWhetherHealthy() throws {
        let dir = try Self.fresh()
        defer { dir.remove() }
        try FileManager.default.removeItem(atPath: Self.path(dir, try Self.names(dir, suffix: ".ldb")[0]))
        let report = Verifier.verify(path: dir.path)
        let json = try JSONEncoder().encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["isHealthy"] as? Bool == false)
        #expect(try JSONDecoder().decode(VerificationReport.self, from: json) == report)
    }
}

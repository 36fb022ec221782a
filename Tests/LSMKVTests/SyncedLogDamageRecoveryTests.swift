import Foundation
import TestSupport
import Testing
import VFS

@testable import LSMKV

/// Damage in log records the log proves were synced is corruption, never a torn tail (issue 15): a clean
/// `lsmkv load`-style database, closed, with 4,096 bytes zeroed in the middle of its newest log.
@Suite("Recovery from damage in synced log records")
struct SyncedLogDamageRecoveryTests {
    static let batches = 5
    static let operationsPerBatch = 700

    static func key(_ batch: Int, _ i: Int) -> [UInt8] { Array("key-\(batch)-\(1000 + i)".utf8) }

    /// Five batches of about 64 KiB written with `sync: true` (as `lsmkv load` writes them), then a clean close.
    /// Returns the path of the log that holds them.
    static func makeDatabase(_ dir: TemporaryDirectory) throws -> String {
        var options = Options()
        options.writeBufferSize = 64 << 20
        let db = try Database(path: dir.path, options: options)
        for b in 0..<batches {
            var batch = WriteBatch()
            for i in 0..<operationsPerBatch {
                batch.put(key(b, i), [UInt8](repeating: UInt8(truncatingIfNeeded: b * 31 + i), count: 70))
            }
            try db.write(batch)
        }
        try db.close()
        let log = try PosixFileSystem().listDirectory(dir.path).filter { $0.hasSuffix(".log") }.max()!
        return Path.join(dir.path, log)
    }

    static func zero(_ path: String, at offset: Int, count: Int) throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        for i in offset..<offset + count { bytes[i] = 0 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// The offsets of the five batch records (durability markers are not records).
    static func recordOffsets(_ path: String) throws -> [Int] {
        LogReader.read(try PosixFileSystem().readWholeFile(path), file: path).records.map(\.offset)
    }

    @Test func zeroedRangeInSyncedRecordsFailsOpenAndVerify() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let log = try Self.makeDatabase(dir)
        let offsets = try Self.recordOffsets(log)
        #expect(offsets.count == Self.batches)
        let damaged = try #require(offsets.lastIndex { $0 <= 50_084 })
        try Self.zero(log, at: 50_084, count: 4_096)

        let error = #expect(throws: LSMKVError.self) { try Database(path: dir.path) }
        guard case .corruption(let file, let offset, let reason)? = error else {
            Issue.record("expected corruption, got \(String(describing: error))")
            return
        }
        #expect(file == log)
        #expect(offset == offsets[damaged])
        #expect(reason.contains("synced"), "\(reason)")

        let report = Verifier.verify(path: dir.path)
        #expect(!report.isHealthy)
        let problem = report.problems(.corruption).first { $0.file == Verifier.displayName(log) }
        #expect(problem?.offset == offsets[damaged], "\(report.problems)")
        #expect(problem?.message.contains("\(Self.batches - damaged - 1) readable records") == true)
    }

    @Test func salvagePrefixKeepsTheRecordsBeforeTheDamageAndCountsTheRest() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let log = try Self.makeDatabase(dir)
        let offsets = try Self.recordOffsets(log)
        let damaged = try #require(offsets.lastIndex { $0 <= 50_084 })
        try Self.zero(log, at: 50_084, count: 4_096)
        let logSize = try PosixFileSystem().fileSize(log)
        var options = Options()
        options.logRecovery = .salvagePrefix
        let db = try Database(path: dir.path, options: options)
        defer { try? db.close() }
        #expect(try db.scan().count == damaged * Self.operationsPerBatch)
        let region = try #require(db.recoveryReport.droppedRegions.first)
        #expect(db.recoveryReport.droppedRegions.count == 1)
        #expect(region.file == log && region.offset == offsets[damaged] && !region.isTornTail)
        #expect(region.readableRecordsDropped == Self.batches - damaged - 1)
        #expect(region.length == logSize - offsets[damaged])
    }

    @Test func salvageAllKeepsEveryReadableRecordBeforeAndAfterTheDamage() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let log = try Self.makeDatabase(dir)
        let offsets = try Self.recordOffsets(log)
        let damaged = try #require(offsets.lastIndex { $0 <= 50_084 })
        try Self.zero(log, at: 50_084, count: 4_096)
        var options = Options()
        options.logRecovery = .salvageAll
        let db = try Database(path: dir.path, options: options)
        defer { try? db.close() }
        #expect(try db.scan().count == (Self.batches - 1) * Self.operationsPerBatch)
        // The last write of the last batch is there (LevelDB's reader finds it too).
        #expect(try db.get(Self.key(Self.batches - 1, Self.operationsPerBatch - 1)) != nil)
        #expect(try db.get(Self.key(damaged, 0)) == nil)
        let regions = db.recoveryReport.droppedRegions
        #expect(!regions.isEmpty && regions.allSatisfy { $0.file == log && !$0.isTornTail && $0.length > 0 })
        #expect(regions.first?.offset == offsets[damaged])
        #expect(regions.allSatisfy { $0.offset < offsets[damaged + 1] })
    }

    @Test func aTruncatedTailAfterTheLastMarkerIsStillATornTail() throws {
        // The last record's own marker is cut off: nothing proves the record synced, so it is a torn tail.
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let log = try Self.makeDatabase(dir)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: log)))
        bytes.removeLast(100)
        try Data(bytes).write(to: URL(fileURLWithPath: log))
        let db = try Database(path: dir.path)
        defer { try? db.close() }
        #expect(try db.scan().count == (Self.batches - 1) * Self.operationsPerBatch)
        #expect(db.recoveryReport.droppedRegions.map(\.isTornTail) == [true])
    }
}

import Dispatch
import Foundation
import Synchronization
import TestSupport
import Testing
import VFS

@testable import LSMKV

@Suite("Recovery from damaged logs")
struct RecoveryTests {
    /// Writes `count` synced puts and returns the path of the live log (no flush happens: big MemTable).
    static func makeDatabase(_ dir: TemporaryDirectory, count: Int) throws -> String {
        let db = try Database(path: dir.path)
        for i in 0..<count { try db.put(Array("k\(1000 + i)".utf8), [UInt8](repeating: UInt8(i % 200), count: 300)) }
        try db.close()
        let log = try PosixFileSystem().listDirectory(dir.path).filter { $0.hasSuffix(".log") }.max()!
        return Path.join(dir.path, log)
    }

    static func mutate(_ path: String, _ body: (inout [UInt8]) -> Void) throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        body(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func tornTailIsDroppedAndReported() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let log = try Self.makeDatabase(dir, count: 50)
        try Self.mutate(log) { $0.removeLast(100) }
        let db = try Database(path: dir.path)
        defer { try? db.close() }
        #expect(try db.scan().count == 49)
        #expect(db.recoveryReport.droppedRegions.count == 1)
        #expect(db.recoveryReport.droppedRegions.first?.isTornTail == true)
        #expect(db.recoveryReport.droppedRegions.first?.file == log)
    }

    @Test func damageInTheMiddleFailsOpenNamingFileAndOffset() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let log = try Self.makeDatabase(dir, count: 50)
        // Log header, batch header, tag, key length, key, value length, value; and the durability marker (header and
        // empty batch) in front of each synced record after the first.
        let recordSize = 7 + 12 + 1 + 1 + 5 + 2 + 300 + 7 + 12
        try Self.mutate(log) { $0[10 * recordSize + 40] ^= 0x10 }
        let error = #expect(throws: LSMKVError.self) { try Database(path: dir.path) }
        guard case .corruption(let file, let offset, let reason)? = error else {
            Issue.record("expected corruption, got \(String(describing: error))")
            return
        }
        #expect(file == log)
        #expect(offset == 10 * recordSize)
        #expect(reason.contains("checksum mismatch"))
        // Nothing was changed by the failed open: salvaging keeps the ten records before the damage.
        var options = Options()
        options.logRecovery = .salvagePrefix
        let db = try Database(path: dir.path, options: options)
        defer { try? db.close() }
        #expect(try db.scan().count == 10)
        #expect(db.recoveryReport.droppedRegions.first?.isTornTail == false)
    }

    @Test func damageInTheMiddleOfUnsyncedRecordsFailsOpen() throws {
        // Unsynced writes leave no durability marker: what a copy taken while the database is open holds (a process
        // crash). A damaged record with readable ones after it is mid-log damage there, not a torn tail.
        let live = TemporaryDirectory()
        let dir = TemporaryDirectory()
        defer {
            live.remove()
            dir.remove()
        }
        var options = Options()
        options.syncWrites = false
        let db = try Database(path: live.path, options: options)
        for i in 0..<50 { try db.put(Array("k\(1000 + i)".utf8), [UInt8](repeating: UInt8(i), count: 300)) }
        let fileManager = FileManager.default
        for name in try fileManager.contentsOfDirectory(atPath: live.path) where name != "LOCK" {
            try fileManager.copyItem(atPath: Path.join(live.path, name), toPath: Path.join(dir.path, name))
        }
        try db.close()
        let log = Path.join(
            dir.path, try fileManager.contentsOfDirectory(atPath: dir.path).first { $0.hasSuffix(".log") }!)
        let recordSize = 7 + 12 + 1 + 1 + 5 + 2 + 300
        try Self.mutate(log) { $0[10 * recordSize + 40] ^= 0x10 }
        let error = #expect(throws: LSMKVError.self) { try Database(path: dir.path) }
        guard case .corruption(let file, let offset, let reason)? = error else {
            Issue.record("expected corruption, got \(String(describing: error))")
            return
        }
        #expect(file == log && offset == 10 * recordSize)
        #expect(reason.contains("damage in the middle"), "\(reason)")
    }

    @Test func currentWithoutNewlineOrNamingAMissingManifestIsCorruption() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        _ = try Self.makeDatabase(dir, count: 1)
        let current = Path.join(dir.path, "CURRENT")
        try Self.mutate(current) { $0.removeLast() }
        #expect(throws: LSMKVError.corruption(file: current, offset: 15, reason: "CURRENT does not end with a newline"))
        {
            try Database(path: dir.path)
        }
        try Data("MANIFEST-999999\n".utf8).write(to: URL(fileURLWithPath: current))
        let error = #expect(throws: LSMKVError.self) { try Database(path: dir.path) }
        #expect("\(error!)".contains("MANIFEST-999999, which does not exist"))
    }

    @Test func missingTableIsCorruptionNamingIt() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        do {
            let db = try Database(path: dir.path)
            try db.put("a", "1")
            try db.flush()
            try db.close()
        }
        let table = try PosixFileSystem().listDirectory(dir.path).first { $0.hasSuffix(".ldb") }!
        try PosixFileSystem().remove(Path.join(dir.path, table))
        #expect(
            throws: LSMKVError.corruption(
                file: Path.join(dir.path, table), offset: 0, reason: "table referenced by the MANIFEST is missing")
        ) { try Database(path: dir.path) }
    }
}

@Suite("Concurrency")
struct ConcurrencyTests {
    @Test func readersSeeConsistentDataWhileWritesAndFlushesRun() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var options = Options()
        options.writeBufferSize = 32 * 1024
        options.syncWrites = false
        let db = try Database(path: dir.path, options: options)
        for i in 0..<500 { try db.put(Array("stable\(i)".utf8), Array("v\(i)".utf8)) }
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            do {
                if worker == 0 {
                    for i in 0..<5000 { try db.put(Array("churn\(i % 700)".utf8), [UInt8](repeating: 1, count: 64)) }
                } else {
                    for round in 0..<300 {
                        let i = (round * 7 + worker) % 500
                        guard try db.get(Array("stable\(i)".utf8)) == Array("v\(i)".utf8) else {
                            failures.withLock { $0.append("stable\(i) wrong in round \(round)") }
                            return
                        }
                        if round % 50 == 0 {
                            let stable = try db.scan(from: Array("stable".utf8), to: Array("stablf".utf8))
                            if stable.count != 500 { failures.withLock { $0.append("scan saw \(stable.count)") } }
                        }
                    }
                }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(db.filesPerLevel[0] > 0)
        try db.close()
    }
}

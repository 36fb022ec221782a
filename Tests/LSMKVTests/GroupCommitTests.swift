import Dispatch
import Foundation
import Synchronization
import TestSupport
import Testing
import VFS

@testable import LSMKV

/// A file system that counts write-ahead-log syncs and appends, can slow syncs down (so concurrent writers queue
/// up, as they do behind a real disk) and can fail them from some sync on.
final class CountingFileSystem: ForwardingFileSystem {
    struct Counts {
        var logSyncs = 0
        var logAppends = 0
        /// From this log sync on (1-based), every log sync fails.
        var failLogSyncsFrom = Int.max
    }

    let inner: any FileSystem
    let counts = Mutex(Counts())
    /// Microseconds each log sync sleeps before syncing.
    let syncDelay: UInt32

    init(wrapping inner: any FileSystem, syncDelay: UInt32 = 0) {
        self.inner = inner
        self.syncDelay = syncDelay
    }

    final class File: WritableFile {
        let inner: any WritableFile
        let owner: CountingFileSystem
        var isLog: Bool { inner.path.hasSuffix(".log") }

        init(_ inner: any WritableFile, owner: CountingFileSystem) {
            self.inner = inner
            self.owner = owner
        }

        var path: String { inner.path }

        func append(_ bytes: [UInt8]) throws {
            if isLog { owner.counts.withLock { $0.logAppends += 1 } }
            try inner.append(bytes)
        }

        func sync() throws {
            if isLog {
                if owner.syncDelay > 0 { usleep(owner.syncDelay) }
                let fail = owner.counts.withLock { counts in
                    counts.logSyncs += 1
                    return counts.logSyncs >= counts.failLogSyncsFrom
                }
                if fail {
                    throw FileSystemError(.io, operation: .sync, path: path, detail: "injected log sync failure")
                }
            }
            try inner.sync()
        }

        func truncate(to size: Int) throws { try inner.truncate(to: size) }
        func size() throws -> Int { try inner.size() }
        func close() throws { try inner.close() }
    }

    func createWritable(_ path: String) throws -> any WritableFile { File(try inner.createWritable(path), owner: self) }
    func openWritable(_ path: String) throws -> any WritableFile { File(try inner.openWritable(path), owner: self) }
}

@Suite("Group commit")
struct GroupCommitTests {
    /// Runs `body(t)` on `count` threads of its own (concurrentPerform may use fewer threads than asked on a
    /// small machine) and waits for all of them.
    static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let done = DispatchGroup()
        for t in 0..<count {
            done.enter()
            Thread {
                body(t)
                done.leave()
            }.start()
        }
        done.wait()
    }

    /// Runs `threads` writers doing `perThread` puts each; returns the keys each acknowledged before its first
    /// failure.
    static func writeConcurrently(_ db: Database, threads: Int, perThread: Int, sync: Bool) -> [[String]] {
        let acknowledged = Mutex([[String]](repeating: [], count: threads))
        onThreads(threads) { t in
            for i in 0..<perThread {
                let key = "t\(t)-k\(i)"
                guard (try? db.put(key, "value-\(key)", sync: sync)) != nil else { return }
                acknowledged.withLock { $0[t].append(key) }
            }
        }
        return acknowledged.withLock { $0 }
    }

    /// Options whose log syncs are counted and take at least 2 ms, so concurrent writers queue behind them.
    static func slowSyncs() -> (CountingFileSystem, Options) {
        let fileSystem = CountingFileSystem(wrapping: PosixFileSystem(), syncDelay: 2000)
        var options = Options()
        options.fileSystem = fileSystem
        return (fileSystem, options)
    }

    @Test func concurrentSyncedWritesShareSyncsAndAllSurvive() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (fileSystem, options) = Self.slowSyncs()
        let db = try Database(path: dir.path, options: options)
        let before = fileSystem.counts.withLock { $0 }
        let threads = 8
        let perThread = 40
        let acknowledged = Self.writeConcurrently(db, threads: threads, perThread: perThread, sync: true)
        let after = fileSystem.counts.withLock { $0 }
        let writes = threads * perThread
        let syncs = after.logSyncs - before.logSyncs
        let records = after.logAppends - before.logAppends
        print("group commit: \(writes) synced writes, \(records) log records, \(syncs) log syncs")
        #expect(acknowledged.allSatisfy { $0.count == perThread })
        #expect(syncs < writes)
        #expect(records < writes)
        #expect(syncs <= records)
        for key in acknowledged.flatMap({ $0 }) {
            #expect(try db.get(key) == Array("value-\(key)".utf8))
        }
        try db.close()
        // Every acknowledged write was synced before it was acknowledged: it is there after reopening.
        let reopened = try Database(path: dir.path, options: options)
        defer { try? reopened.close() }
        for key in acknowledged.flatMap({ $0 }) {
            #expect(try reopened.get(key) == Array("value-\(key)".utf8))
        }
    }

    @Test func aFailedGroupSyncFailsEveryWriteOfTheGroupAndTurnsReadOnly() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (fileSystem, options) = Self.slowSyncs()
        let db = try Database(path: dir.path, options: options)
        try db.put("before", "ok", sync: true)
        fileSystem.counts.withLock { $0.failLogSyncsFrom = $0.logSyncs + 5 }
        let threads = 6
        let acknowledged = Mutex([String]())
        let failed = Mutex([String]())
        Self.onThreads(threads) { t in
            for i in 0..<30 {
                let key = "t\(t)-k\(i)"
                do {
                    try db.put(key, "v", sync: true)
                    acknowledged.withLock { $0.append(key) }
                } catch {
                    failed.withLock { $0.append(key) }
                }
            }
        }
        // Writes failed once the sync failed; none of them (the failed group's followers included) was applied, and
        // nothing acknowledged was lost from reads.
        let failedKeys = failed.withLock { $0 }
        #expect(failedKeys.count > 0)
        #expect(failedKeys.count + acknowledged.withLock { $0.count } == threads * 30)
        for key in failedKeys { #expect(try db.get(key) == nil) }
        #expect(throws: LSMKVError.self) { try db.put("after", "no", sync: true) }
        for key in acknowledged.withLock({ $0 }) { #expect(try db.get(key) == Array("v".utf8)) }
        #expect(try db.get("before") == Array("ok".utf8))
        try? db.close()
        // Reopened (without failures), every acknowledged write is there.
        fileSystem.counts.withLock { $0.failLogSyncsFrom = .max }
        let reopened = try Database(path: dir.path, options: options)
        defer { try? reopened.close() }
        for key in acknowledged.withLock({ $0 }) { #expect(try reopened.get(key) == Array("v".utf8)) }
    }

    @Test func nonSyncedWritesFromManyThreadsAreAllApplied() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var options = Options()
        options.syncWrites = false
        options.writeBufferSize = 64 << 10
        let db = try Database(path: dir.path, options: options)
        let acknowledged = Self.writeConcurrently(db, threads: 4, perThread: 500, sync: false)
        #expect(acknowledged.allSatisfy { $0.count == 500 })
        for key in acknowledged.flatMap({ $0 }) { #expect(try db.get(key) == Array("value-\(key)".utf8)) }
        #expect(db.lastSequence == 2000)
        try db.close()
    }

    @Test func writesArrivingTogetherFormGroupsByTheQueueRules() throws {
        let fileSystem = CountingFileSystem(wrapping: SimulatedFileSystem())
        try fileSystem.createDirectory("/db")
        var options = Options()
        options.fileSystem = fileSystem
        options.syncWrites = false
        let db = try Database(path: "/db", options: options)
        defer { try? db.close() }
        let before = fileSystem.counts.withLock { ($0.logAppends, $0.logSyncs) }
        func batch(_ key: String) -> WriteBatch {
            var batch = WriteBatch()
            batch.put(Array(key.utf8), Array("v".utf8))
            return batch
        }
        // An unsynced leader stops before the synced writer; that one leads the rest, synced: two records, one sync.
        let outcomes = db.writeArrivingTogether([
            (batch("a"), false), (batch("b"), true), (batch("c"), false), (WriteBatch(), true), (batch("d"), false),
        ])
        #expect(outcomes.count == 5)
        #expect(outcomes.allSatisfy { (try? $0.get()) != nil })
        let after = fileSystem.counts.withLock { ($0.logAppends, $0.logSyncs) }
        #expect(after.0 - before.0 == 2)
        #expect(after.1 - before.1 == 1)
        for key in ["a", "b", "c", "d"] { #expect(try db.get(key) == Array("v".utf8)) }
        #expect(db.lastSequence == 4)
    }
}

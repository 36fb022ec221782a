import Synchronization
import VFS

/// The file system of a power-loss worker process: every call goes to a ``SimulatedFileSystem`` (unsynced data
/// and unsynced directory operations live only in its memory), and every change it makes is appended to an
/// ``OperationJournal`` on the real disk before the caller learns that the call succeeded.
///
/// When the worker is killed the runner replays the journal onto the database as the worker found it and draws
/// the power-loss image from that simulated file system (``PowerLossImage``), with the same per-sector and
/// per-directory-operation fates as an in-process ``SimulatedFileSystem/crash(seed:model:)``.
///
/// Mutating calls hold one lock across the simulated call and its journal record, so the journal's order is the
/// order in which the calls took effect, whatever the threads. Journal write errors end the process: a journal
/// that misses a change makes every later verdict meaningless.
final class JournalingFileSystem: FileSystem {
    /// The simulated file system the database runs on.
    let simulated: SimulatedFileSystem
    private let journal: Mutex<State>

    private struct State {
        let file: any WritableFile
        var nextHandle = 1

        mutating func record(_ record: OperationJournal.Record) {
            do {
                try file.append(record.framed)
            } catch {
                fatalError("crashtest: cannot append to the operation journal \(file.path): \(error)")
            }
        }
    }

    /// Journals the changes made to `simulated` into a new file at `journalPath` on the real disk.
    /// - Throws: ``FileSystemError`` when the journal cannot be created.
    init(simulated: SimulatedFileSystem, journalPath: String) throws {
        self.simulated = simulated
        journal = Mutex(State(file: try PosixFileSystem().createWritable(journalPath)))
    }

    /// Runs `body` (a simulated call) and, when it succeeds, appends the record `make` builds, under the lock.
    func journaled<T>(
        _ body: () throws -> T, _ make: (_ handle: Int, _ result: T) -> OperationJournal.Record?
    ) throws -> T {
        try journal.withLock { state throws -> T in
            let result = try body()
            if let record = make(state.nextHandle, result) {
                state.record(record)
                state.nextHandle += 1
            }
            return result
        }
    }

    /// Appends the record of a call on an open handle after `body` succeeded.
    func journaled(
        _ kind: OperationJournal.Kind, handle: Int, _ body: () throws -> Void,
        fill: (inout OperationJournal.Record) -> Void = { _ in }
    ) throws {
        try journal.withLock { state throws in
            try body()
            var record = OperationJournal.Record(kind)
            record.number(handle)
            fill(&record)
            state.record(record)
        }
    }

    private func pathRecord(_ kind: OperationJournal.Kind, _ paths: String...) -> OperationJournal.Record {
        var record = OperationJournal.Record(kind)
        for path in paths { record.path(path) }
        return record
    }

    func openReadable(_ path: String) throws -> any ReadableFile { try simulated.openReadable(path) }

    func createWritable(_ path: String) throws -> any WritableFile {
        try openWritable(path, kind: .createWritable) { try simulated.createWritable(path) }
    }

    func openWritable(_ path: String) throws -> any WritableFile {
        try openWritable(path, kind: .openWritable) { try simulated.openWritable(path) }
    }

    private func openWritable(
        _ path: String, kind: OperationJournal.Kind, _ open: () throws -> any WritableFile
    ) throws -> any WritableFile {
        var assigned = 0
        let file = try journaled(open) { handle, _ in
            assigned = handle
            var record = OperationJournal.Record(kind)
            record.number(handle)
            record.path(path)
            return record
        }
        return JournalingWritableFile(file, handle: assigned, fileSystem: self)
    }

    func fileSize(_ path: String) throws -> Int { try simulated.fileSize(path) }

    func fileExists(_ path: String) -> Bool { simulated.fileExists(path) }

    func remove(_ path: String) throws {
        try journaled({ try simulated.remove(path) }) { _, _ in pathRecord(.remove, path) }
    }

    func rename(_ source: String, to destination: String) throws {
        try journaled({ try simulated.rename(source, to: destination) }) { _, _ in
            pathRecord(.rename, source, destination)
        }
    }

    func listDirectory(_ path: String) throws -> [String] { try simulated.listDirectory(path) }

    func createDirectory(_ path: String) throws {
        try journaled({ try simulated.createDirectory(path) }) { _, _ in pathRecord(.createDirectory, path) }
    }

    func syncDirectory(_ path: String) throws {
        try journaled({ try simulated.syncDirectory(path) }) { _, _ in pathRecord(.syncDirectory, path) }
    }

    func lockFile(_ path: String) throws -> any FileLock {
        var assigned = 0
        let lock = try journaled({ try simulated.lockFile(path) }) { handle, _ in
            assigned = handle
            var record = OperationJournal.Record(.lock)
            record.number(handle)
            record.path(path)
            return record
        }
        return JournalingFileLock(lock, handle: assigned, fileSystem: self)
    }
}

/// A writable file of a ``JournalingFileSystem``: appends, syncs, truncates, closes and failed syncs are journaled.
final class JournalingWritableFile: SyncFailureModeling {
    private let inner: any WritableFile
    private let handle: Int
    private let fileSystem: JournalingFileSystem

    init(_ inner: any WritableFile, handle: Int, fileSystem: JournalingFileSystem) {
        self.inner = inner
        self.handle = handle
        self.fileSystem = fileSystem
    }

    var path: String { inner.path }

    func append(_ bytes: [UInt8]) throws {
        try fileSystem.journaled(.append, handle: handle, { try inner.append(bytes) }) { $0.data(bytes) }
    }

    func sync() throws { try fileSystem.journaled(.sync, handle: handle) { try inner.sync() } }

    func truncate(to size: Int) throws {
        try fileSystem.journaled(.truncate, handle: handle, { try inner.truncate(to: size) }) { $0.number(size) }
    }

    func size() throws -> Int { try inner.size() }

    func close() throws { try fileSystem.journaled(.close, handle: handle) { try inner.close() } }

    func syncFailed(_ semantics: SyncFailureSemantics) {
        guard let modeling = inner as? any SyncFailureModeling else { return }
        try? fileSystem.journaled(.syncFailed, handle: handle, { modeling.syncFailed(semantics) }) {
            $0.path(semantics.rawValue)
        }
    }
}

/// A lock of a ``JournalingFileSystem``: the unlock is journaled.
final class JournalingFileLock: FileLock {
    private let inner: any FileLock
    private let handle: Int
    private let fileSystem: JournalingFileSystem

    init(_ inner: any FileLock, handle: Int, fileSystem: JournalingFileSystem) {
        self.inner = inner
        self.handle = handle
        self.fileSystem = fileSystem
    }

    var path: String { inner.path }

    func unlock() { try? fileSystem.journaled(.unlock, handle: handle) { inner.unlock() } }
}

/// Handle bookkeeping and the per-handle operations of ``SimulatedFileSystem``.
extension SimulatedState {
    /// Registers an open handle on `inode` and returns its id.
    mutating func open(_ inode: Int, position: Int) -> Int {
        defer { nextHandle += 1 }
        handles[nextHandle] = OpenHandle(inode: inode, position: position)
        return nextHandle
    }

    /// Forgets a handle (idempotent) and drops its inode if nothing else refers to it.
    mutating func release(_ handle: Int) {
        guard let released = handles.removeValue(forKey: handle) else { return }
        // Only the released handle's inode can have become garbage, and a named one has not.
        collectGarbage([released.inode])
    }

    /// Whether a current, durable or pending directory entry names `inode`.
    func isNamed(_ inode: Int) -> Bool {
        for directory in directories.values {
            if directory.current.values.contains(inode) || directory.durable.values.contains(inode) { return true }
        }
        return pendingEntries.contains { $0.inode == inode }
    }
}

/// A file of a ``SimulatedFileSystem`` opened for reads; it reads the current (written) bytes of its inode,
/// wherever its name has moved. Using it after ``close()`` is a programmer error (precondition failure).
final class SimulatedReadableFile: ReadableFile {
    let path: String
    private let fileSystem: SimulatedFileSystem
    private let handle: Int

    init(fileSystem: SimulatedFileSystem, handle: Int, path: String) {
        self.fileSystem = fileSystem
        self.handle = handle
        self.path = path
    }

    func read(at offset: Int, count: Int) throws -> [UInt8] {
        precondition(offset >= 0 && count >= 0, "negative offset or count")
        return try fileSystem.perform(.read, path, offset: offset, length: count) { state in
            let data = state.inodes[state.handle(handle).inode]!.visible
            guard offset < data.count else { return [] }
            return Array(data[offset..<min(data.count, offset + count)])
        }
    }

    func size() throws -> Int {
        try fileSystem.perform(.size, path) { state in state.inodes[state.handle(handle).inode]!.visible.count }
    }

    func close() {
        _ = try? fileSystem.perform(.close, path) { state in state.release(handle) }
    }

    /// Releases the handle without counting an operation, so a late deinit does not shift crash points.
    deinit { fileSystem.state.withLock { $0.release(handle) } }
}

/// A file of a ``SimulatedFileSystem`` opened for writing: appends go to the written view and are recorded as
/// unsynced until ``sync()``. Using it after ``close()`` is a programmer error (precondition failure).
///
/// Told of a failed sync (``syncFailed(_:)``, by a ``FaultInjectingFileSystem``), it applies the failure's
/// ``SyncFailureSemantics``: with `pagesLost` the bytes written since the last good sync never become durable
/// (later syncs do not write them), though reads return them until a crash.
final class SimulatedWritableFile: SyncFailureModeling {
    let path: String
    private let fileSystem: SimulatedFileSystem
    private let handle: Int

    init(fileSystem: SimulatedFileSystem, handle: Int, path: String) {
        self.fileSystem = fileSystem
        self.handle = handle
        self.path = path
    }

    func append(_ bytes: [UInt8]) throws {
        let offset = fileSystem.state.withLock { $0.handles[handle]?.position }
        try fileSystem.perform(.append, path, offset: offset, length: bytes.count) { state in
            let open = state.handle(handle)
            state.write(open.inode, at: open.position, bytes)
            state.handles[handle]!.position += bytes.count
        }
    }

    func sync() throws {
        try fileSystem.perform(.sync, path) { state in state.sync(state.handle(handle).inode) }
    }

    /// A failed sync: one `.sync` operation that fails with `.io`; under `pagesLost` it first marks the file's
    /// unsynced pages clean (never written back). Under `retryable` nothing happens and no operation is counted.
    func syncFailed(_ semantics: SyncFailureSemantics) {
        guard semantics == .pagesLost else { return }
        _ = try? fileSystem.perform(.sync, path) { state throws(FileSystemError) in
            state.loseUnsyncedPages(state.handle(handle).inode)
            throw state.error(.io, .sync, path, "sync failed: the unsynced pages are lost (pages-lost)")
        }
    }

    func truncate(to size: Int) throws {
        precondition(size >= 0, "negative size")
        try fileSystem.perform(.truncate, path, offset: size) { state in
            state.truncate(state.handle(handle).inode, to: size)
            state.handles[handle]!.position = size
        }
    }

    func size() throws -> Int {
        try fileSystem.perform(.size, path) { state in state.handle(handle).position }
    }

    func close() throws {
        try fileSystem.perform(.close, path) { state in state.release(handle) }
    }

    /// Releases the handle without counting an operation, so a late deinit does not shift crash points.
    deinit { fileSystem.state.withLock { $0.release(handle) } }
}

/// A lock taken with ``SimulatedFileSystem/lockFile(_:)``.
final class SimulatedFileLock: FileLock {
    let path: String
    private let fileSystem: SimulatedFileSystem
    private let handle: Int

    init(fileSystem: SimulatedFileSystem, handle: Int, path: String) {
        self.fileSystem = fileSystem
        self.handle = handle
        self.path = path
    }

    func unlock() {
        _ = try? fileSystem.perform(.unlock, path) { state in unlock(&state) }
    }

    private func unlock(_ state: inout SimulatedState) {
        guard state.handles[handle] != nil else { return }
        state.locks.remove(path)
        state.release(handle)
    }

    /// Releases the lock without counting an operation.
    deinit { fileSystem.state.withLock { unlock(&$0) } }
}

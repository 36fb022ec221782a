import Synchronization

/// An in-memory, deterministic ``FileSystem`` that knows exactly what is durable, so a test can crash it at any
/// instant and look at what a real disk could hold afterwards.
///
/// ## Model
/// Every file is an inode (renames move the name, never the data) with two views: the *written* bytes, which
/// every read sees, and the *durable* bytes, plus the list of writes and truncates made since its last sync.
/// Every directory has a *current* entry map (name → inode), which lookups see, and a *durable* one, plus the
/// list of creates, renames and removes made since its last sync. Exactly two calls make anything durable:
/// - ``WritableFile/sync()`` copies that file's written bytes to its durable bytes (not its name: a synced file
///   whose directory was never synced is lost by a strict crash);
/// - ``syncDirectory(_:)`` copies that directory's current entries to its durable entries.
///
/// ``createDirectory(_:)`` is the one exception: directories are durable as soon as they are created (they are
/// never removed or renamed by this file system), which keeps tests focused on files.
///
/// A sync that failed (a ``FaultInjectingFileSystem`` fault, reported through ``SyncFailureModeling``) under
/// ``SyncFailureSemantics/pagesLost`` marks the file's unsynced writes clean, as Linux does: reads still see
/// them, but no later sync makes them durable (and a crash does not keep them).
///
/// ## Paths
/// Paths are normalized with ``Path/normalized(_:)``: `"/db/x"`, `"db/x"` and `"/db//x/"` name the same file.
/// A file can only be created in an existing directory (else `.notFound`); `"/"` always exists.
///
/// ## Crashing
/// ``crash(seed:model:)`` returns a new file system holding a state that could be found after a crash at this
/// instant under a ``CrashModel``; this one is left as it is, so many crash states can be drawn from one instant.
/// To stop a program at its N-th file-system call, ``armCrash(afterOperations:applyingInFlightOperation:)``:
/// from then on every call throws ``FileSystemError/simulatedCrash(operation:path:)``.
///
/// ## Observing
/// Every call on the file system and on the files and locks it handed out counts as one operation: it gets
/// the next ``operationCount`` as its index, is appended to ``trace`` (unless ``isTracing`` is off) with its
/// outcome, and is passed to ``onOperation``. ``snapshotFiles()`` and ``durableFiles()`` are for inspection and
/// do not count.
///
/// Thread-safe: the state sits in one `Mutex`; each call is atomic with respect to the others.
public final class SimulatedFileSystem: FileSystem {
    let state: Mutex<SimulatedState>

    /// Creates an empty file system holding only the root directory `/`.
    public init() { state = Mutex(SimulatedState()) }

    init(state: SimulatedState) { self.state = Mutex(state) }

    // MARK: Crashing

    /// A new file system holding what could be found on the disk after a crash at this instant.
    ///
    /// See ``CrashModel`` for what each model keeps. Everything in the result is durable, nothing is open and
    /// nothing is locked; its trace and operation count start from zero. This file system is not changed.
    /// The result is a pure function of this state, `seed` and `model`.
    /// - Complexity: O(total size of the files plus the unsynced operations).
    public func crash(seed: UInt64, model: CrashModel) -> SimulatedFileSystem {
        SimulatedFileSystem(state: state.withLock { $0.crashed(seed: seed, model: model) })
    }

    /// Makes the file system die after `count` more operations: those run normally, and every later one throws
    /// the simulated-crash error (``FileSystemError/isSimulatedCrash``) without effect, except the first:
    ///
    /// The operation at the crash point (index ``operationCount`` + `count`) is *in flight*. When
    /// `applyingInFlightOperation` is true (the default) its effect reaches the page cache — a write's bytes are
    /// in the written view, unsynced, a rename or create is in the current entries, unsynced — but its caller
    /// still gets the simulated-crash error, as if the process died before the call returned. A following
    /// ``crash(seed:model:)`` then keeps it (`.processCrash`), drops it (`.strict`), or keeps it whole, torn at
    /// sector granularity or not at all (`.powerLoss`). When false, the in-flight operation has no effect.
    ///
    /// Replaces any earlier arming; `count` must not be negative.
    public func armCrash(afterOperations count: Int, applyingInFlightOperation: Bool = true) {
        precondition(count >= 0, "negative operation count")
        state.withLock {
            $0.crashIndex = $0.operationCount + count
            $0.applyInFlightOperation = applyingInFlightOperation
        }
    }

    /// Cancels an armed crash that has not happened yet. A crash that happened stays.
    public func disarmCrash() { state.withLock { $0.crashIndex = nil } }

    /// Whether an armed crash has happened: every operation now throws the simulated-crash error.
    public var hasCrashed: Bool { state.withLock { $0.crashed } }

    // MARK: Observing

    /// The number of operations made so far (including failed ones and those refused after a crash).
    public var operationCount: Int { state.withLock { $0.operationCount } }

    /// The operations recorded since the last ``clearTrace()``, oldest first.
    public var trace: [FileSystemOperation] { state.withLock { $0.trace } }

    /// Empties ``trace``. The operation count keeps counting.
    public func clearTrace() { state.withLock { $0.trace.removeAll() } }

    /// Whether operations are appended to ``trace`` (on by default; turn it off for long workloads).
    public var isTracing: Bool {
        get { state.withLock { $0.isTracing } }
        set { state.withLock { $0.isTracing = newValue } }
    }

    /// Called after every operation with its record, outside the file system's lock (so it may call back in,
    /// which counts as further operations), on the thread that made the call.
    public var onOperation: (@Sendable (FileSystemOperation) -> Void)? {
        get { state.withLock { $0.onOperation } }
        set { state.withLock { $0.onOperation = newValue } }
    }

    /// Every file by path with the bytes a reader sees now.
    public func snapshotFiles() -> [String: [UInt8]] { state.withLock { $0.files(durable: false) } }

    /// Every file whose name is durable, by its durable path, with its durable bytes: exactly what a `.strict`
    /// crash would keep.
    public func durableFiles() -> [String: [UInt8]] { state.withLock { $0.files(durable: true) } }

    /// Every directory's path, `/` included (directories are always durable).
    public func directories() -> Set<String> { state.withLock { Set($0.directories.keys) } }

    // MARK: Operations

    /// Runs one operation: counts it, refuses it after a crash, fires an armed crash, records it, calls the hook.
    func perform<T: Sendable>(
        _ kind: FileSystemOperation.Kind, _ path: String, destination: String? = nil, offset: Int? = nil,
        length: Int? = nil, _ body: (inout SimulatedState) throws(FileSystemError) -> T
    ) throws(FileSystemError) -> T {
        let (result, record, hook) = state.withLock {
            state -> (Result<T, FileSystemError>, FileSystemOperation, (@Sendable (FileSystemOperation) -> Void)?) in
            let index = state.operationCount
            state.operationCount += 1
            let result: Result<T, FileSystemError>
            if state.crashed {
                result = .failure(.simulatedCrash(operation: kind, path: path))
            } else if let crashIndex = state.crashIndex, index >= crashIndex {
                state.crashed = true
                state.crashIndex = nil
                if state.applyInFlightOperation { _ = try? body(&state) }
                result = .failure(.simulatedCrash(operation: kind, path: path))
            } else {
                do throws(FileSystemError) {
                    result = .success(try body(&state))
                } catch {
                    result = .failure(error)
                }
            }
            var record = FileSystemOperation(
                index: index, kind: kind, path: path, destination: destination, offset: offset, length: length)
            if case .failure(let error) = result { record.error = error }
            if state.isTracing { state.trace.append(record) }
            return (result, record, state.onOperation)
        }
        hook?(record)
        return try result.get()
    }

    /// Opens an existing file for reads of its current (written) bytes.
    /// - Throws: `.notFound` when the file or its directory is missing, `.isDirectory` for a directory.
    public func openReadable(_ path: String) throws -> any ReadableFile {
        let path = Path.normalized(path)
        let id = try perform(.openReadable, path) { state throws(FileSystemError) in
            let inode = try state.resolveFile(path, .openReadable)
            return state.open(inode, position: 0)
        }
        return SimulatedReadableFile(fileSystem: self, handle: id, path: path)
    }

    /// Creates (or truncates) a file. The new entry is not durable until ``syncDirectory(_:)`` of its directory;
    /// the truncation of an existing file is not durable until the file is synced.
    /// - Throws: `.notFound` when the directory is missing, `.isDirectory` for a directory.
    public func createWritable(_ path: String) throws -> any WritableFile {
        let path = Path.normalized(path)
        let id = try perform(.createWritable, path) { state throws(FileSystemError) in
            state.open(try state.createFile(path, .createWritable), position: 0)
        }
        return SimulatedWritableFile(fileSystem: self, handle: id, path: path)
    }

    /// Opens an existing file for appends at its current end.
    /// - Throws: `.notFound` when the file or its directory is missing, `.isDirectory` for a directory.
    public func openWritable(_ path: String) throws -> any WritableFile {
        let path = Path.normalized(path)
        let id = try perform(.openWritable, path) { state throws(FileSystemError) in
            let inode = try state.resolveFile(path, .openWritable)
            return state.open(inode, position: state.inodes[inode]!.visible.count)
        }
        return SimulatedWritableFile(fileSystem: self, handle: id, path: path)
    }

    /// The size of the file's current (written) bytes.
    /// - Throws: `.notFound` when the file is missing, `.isDirectory` for a directory.
    public func fileSize(_ path: String) throws -> Int {
        let path = Path.normalized(path)
        return try perform(.fileSize, path) { state throws(FileSystemError) in
            state.inodes[try state.resolveFile(path, .fileSize)]!.visible.count
        }
    }

    /// Whether a file or directory is currently at `path`. False after a simulated crash.
    public func fileExists(_ path: String) -> Bool {
        let path = Path.normalized(path)
        let exists = try? perform(.fileExists, path) { state throws(FileSystemError) in
            if state.directories[path] != nil { return true }
            return state.directories[Path.parent(of: path)]?.current[Path.name(of: path)] != nil
        }
        return exists ?? false
    }

    /// Removes a file's name. Durable only after ``syncDirectory(_:)``; open handles keep working on the data.
    /// - Throws: `.notFound` when missing, `.isDirectory` for a directory (directories cannot be removed).
    public func remove(_ path: String) throws {
        let path = Path.normalized(path)
        try perform(.remove, path) { state throws(FileSystemError) in
            let inode = try state.resolveFile(path, .remove)
            state.setEntry(Path.parent(of: path), Path.name(of: path), nil, operation: state.nextOperationOrder())
            state.collectGarbage([inode])
        }
    }

    /// Moves a file's name to `destination`, replacing any file there, atomically: after a power loss the
    /// destination names either its old file or the moved one. Durable only after ``syncDirectory(_:)`` of both
    /// directories (each directory's half survives with its own sync; unsynced halves survive together or not).
    /// - Throws: `.notFound` when the source or the destination's directory is missing; `.isDirectory` when
    ///   either is a directory (directories cannot be renamed).
    public func rename(_ source: String, to destination: String) throws {
        let source = Path.normalized(source)
        let destination = Path.normalized(destination)
        try perform(.rename, source, destination: destination) { state throws(FileSystemError) in
            let inode = try state.resolveFile(source, .rename)
            try state.checkParent(destination, .rename)
            guard source != destination else { return }
            let operation = state.nextOperationOrder()
            let replaced = state.directories[Path.parent(of: destination)]!.current[Path.name(of: destination)]
            state.setEntry(Path.parent(of: source), Path.name(of: source), nil, operation: operation)
            state.setEntry(Path.parent(of: destination), Path.name(of: destination), inode, operation: operation)
            state.collectGarbage(replaced.map { [$0] } ?? [])
        }
    }

    /// The names of the files and subdirectories currently in a directory, sorted.
    /// - Throws: `.notFound` when missing, `.notDirectory` for a file.
    public func listDirectory(_ path: String) throws -> [String] {
        let path = Path.normalized(path)
        return try perform(.listDirectory, path) { state throws(FileSystemError) in
            guard let directory = state.directories[path] else {
                let isFile = (try? state.resolveFile(path, .listDirectory)) != nil
                throw state.error(isFile ? .notDirectory : .notFound, .listDirectory, path)
            }
            var names = Array(directory.current.keys)
            for other in state.directories.keys where other != path && Path.parent(of: other) == path {
                names.append(Path.name(of: other))
            }
            return names.sorted()
        }
    }

    /// Creates a directory, durable at once (a simplification: see the type's documentation). Succeeds when it
    /// already exists.
    /// - Throws: `.notFound` when its parent is missing (no `mkdir -p`), `.alreadyExists` when a file has the name.
    public func createDirectory(_ path: String) throws {
        let path = Path.normalized(path)
        try perform(.createDirectory, path) { state throws(FileSystemError) in
            guard state.directories[path] == nil else { return }
            try state.checkParent(path, .createDirectory)
            if state.directories[Path.parent(of: path)]!.current[Path.name(of: path)] != nil {
                throw state.error(.alreadyExists, .createDirectory, path, "a file has this name")
            }
            state.directories[path] = SimulatedState.Directory()
        }
    }

    /// Makes the directory's current entries (creates, renames, removes in it) durable.
    /// - Throws: `.notFound` when missing, `.notDirectory` for a file.
    public func syncDirectory(_ path: String) throws {
        let path = Path.normalized(path)
        try perform(.syncDirectory, path) { state throws(FileSystemError) in
            guard state.directories[path] != nil else {
                let isFile = (try? state.resolveFile(path, .syncDirectory)) != nil
                throw state.error(isFile ? .notDirectory : .notFound, .syncDirectory, path)
            }
            state.syncDirectory(path)
        }
    }

    /// Takes an in-memory exclusive lock on `path`, creating the file (an unsynced create) when it is missing.
    /// Locks do not survive ``crash(seed:model:)``.
    /// - Throws: `.locked` when the path is already locked, `.notFound` when its directory is missing.
    public func lockFile(_ path: String) throws -> any FileLock {
        let path = Path.normalized(path)
        let id = try perform(.lockFile, path) { state throws(FileSystemError) in
            guard !state.locks.contains(path) else {
                throw state.error(.locked, .lockFile, path, "already locked in this simulated file system")
            }
            let inode: Int
            if let existing = try? state.resolveFile(path, .lockFile) {
                inode = existing
            } else {
                inode = try state.createFile(path, .lockFile)
            }
            state.locks.insert(path)
            return state.open(inode, position: 0)
        }
        return SimulatedFileLock(fileSystem: self, handle: id, path: path)
    }
}

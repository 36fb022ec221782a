import Dispatch
import Synchronization
import VFS

/// An LSM-tree key-value store in one directory, in LevelDB's on-disk format.
///
/// Concurrency rules:
/// 1. A `Database` is `Sendable`: share one instance between threads.
/// 2. Writes (`put`, `delete`, `write`) are serialized; each is atomic, and a `WriteBatch` is all-or-nothing.
///    Concurrent writes are committed in groups sharing one log record and one sync.
/// 3. Reads run concurrently with each other and with writes, and see every write acknowledged before they began.
/// 4. A full MemTable is flushed to a level-0 table in the background while a new MemTable takes writes.
/// 5. Tables are merged by a background compaction (see ``Options/compactionStrategy``). When it falls behind,
///    writes are delayed and then stopped until it catches up, so level 0 and disk usage stay bounded.
///
/// Durability, after a write call returned:
/// - **`sync: true`** (the default): the write was appended to the write-ahead log and `fdatasync`ed before it was
///   applied and acknowledged. It survives a process crash and a power loss.
/// - **`sync: false`**: the write is in the operating system's page cache. It survives a process crash (SIGKILL) but
///   may be lost in a power loss. After a power loss the database recovers a prefix of the writes: every synced
///   write and everything before it, then possibly some later writes, with no holes and no batch split.
/// - Any write that *threw* may or may not be recovered after a crash (it was never acknowledged).
///
/// Failures: an error while writing or syncing the log, or while flushing, puts the database in a read-only
/// state (every later write throws ``LSMKVError/readOnly(cause:)``); reads keep working. Reopen to recover.
public final class Database: Sendable {
    /// What the database's parts share under one lock. The installed version and the last sequence are not here:
    /// ``VersionSet`` owns them, and the read view only refers to the version.
    struct State: Sendable {
        /// What reads consult; replaced, never changed in place. `published` holds the only copy, where reads load it
        /// without this lock; replacing it here publishes the new one.
        var view: ReadView {
            get { published.latest }
            set { published.publish(newValue) }
        }
        let published: PublishedReadView
        var backgroundError: LSMKVError?
        var closed = false { didSet { if closed { published.close() } } }

        init(view: ReadView) { published = PublishedReadView(view) }
        /// Whether a background compaction is queued or running.
        var compactionScheduled = false
        /// What writes must do about compaction debt, for the installed version.
        var pressure = CompactionPressure.none
    }

    /// The write-ahead log being appended to; guarded by `writer`, which serializes writes.
    struct WriterState {
        var log: LogWriter?
    }

    /// The database directory.
    public let path: String
    let options: Options
    let fileSystem: any FileSystem
    let versions: VersionSet
    let tableCache: TableCache
    /// Tables that point reads pass through without an answer (seek compaction).
    let seeks = SeekCompactionTracker()
    let obsoleteFiles: ObsoleteFiles
    let snapshots = SnapshotRegistry()
    let state: Mutex<State>
    /// `state.view`, loaded by reads without the lock.
    let publishedView: PublishedReadView
    let writer: Mutex<WriterState>
    /// Writers waiting to commit; the one at the front leads a group (see ``write(_:sync:)``).
    let writeQueue = WriteQueue()
    let lock: any FileLock
    /// Entered when a flush is scheduled, left when it finishes: writers wait on it when both MemTables are full.
    let flushes = DispatchGroup()
    let backgroundQueue: BackgroundWorker
    /// Entered when a compaction is scheduled, left when it finishes; one compaction runs at a time.
    let compactions = DispatchGroup()
    let compactionQueue: BackgroundWorker
    /// Set by `close()`: a running compaction abandons its work.
    let compactionCancelled = Atomic<Bool>(false)
    let counters = StatisticsCounters()
    /// What recovery found when this database was opened.
    public let recoveryReport: RecoveryReport

    init(
        path: String, options: Options, versions: VersionSet, tableCache: TableCache, mem: MemTable, log: LogWriter,
        lock: any FileLock, report: RecoveryReport
    ) {
        self.path = path
        self.options = options
        self.fileSystem = options.fileSystem
        self.versions = versions
        self.tableCache = tableCache
        self.obsoleteFiles = ObsoleteFiles(
            directory: path, fileSystem: options.fileSystem, versions: versions, tableCache: tableCache,
            hook: options.crashPointHook)
        let state = State(view: ReadView(mem: mem, imm: nil, version: versions.current))
        self.publishedView = state.published
        self.state = Mutex(state)
        self.writer = Mutex(WriterState(log: log))
        self.lock = lock
        self.recoveryReport = report
        // A flush frees the MemTable the writer waits for, so it keeps the writer's priority.
        backgroundQueue = BackgroundWorker(name: "lsmkv.flush", niceness: 0)
        compactionQueue = BackgroundWorker(name: "lsmkv.compact", niceness: options.compactionNiceness)
    }

    // MARK: - Reads

    /// The value of `key`, or nil when it is absent or deleted, as of `snapshot` (default: now).
    /// - Throws: ``LSMKVError/corruption(file:offset:reason:)`` or ``LSMKVError/io(_:)`` when a table cannot be read.
    public func get(_ key: [UInt8], snapshot: Snapshot? = nil) throws -> [UInt8]? {
        counters.gets.count()
        // The sequence before the view: every write up to it is in the view's MemTables or tables.
        let sequence = snapshot?.sequence ?? versions.lastSequence
        return try get(key, sequence: sequence, view: try readView())
    }

    private func get(_ key: [UInt8], sequence: SequenceNumber, view: ReadView) throws -> [UInt8]? {
        switch view.mem.get(key, sequence: sequence) {
        case .found(let value): return value
        case .deleted: return nil
        case .absent: break
        }
        if let imm = view.imm {
            switch imm.get(key, sequence: sequence) {
            case .found(let value): return value
            case .deleted: return nil
            case .absent: break
            }
        }
        let lookup = InternalKey.lookupKey(userKey: key, sequence: sequence)
        var result: [UInt8]? = nil
        var probes = 0
        var firstProbe = (number: UInt64(0), size: 0, level: 0)
        defer { counters.tablesProbed.count(probes) }
        try view.version.version.forEachFile(possiblyContaining: key) { file, level in
            probes += 1
            if probes == 1 {
                firstProbe = (file.number, file.size, level)
            } else if probes == 2,
                seeks.charge(number: firstProbe.number, size: firstProbe.size, level: firstProbe.level)
            {
                maybeScheduleCompaction()
            }
            guard let (foundKey, value) = try tableCache.reader(for: file).get(lookup) else {
                return true
            }
            // The trailer and the user key are read in place: no copy of the found key.
            guard let (_, type) = InternalKey.parseTrailer(foundKey) else {
                throw LSMKVError.corruption(
                    file: FileNames.table(path, file.number), offset: 0, reason: "malformed internal key")
            }
            guard InternalKey.compareUserKey(of: foundKey, with: key) == 0 else { return true }
            if type == .value { result = value }
            return false
        }
        return result
    }

    /// The value of a UTF-8 string key.
    public func get(_ key: String, snapshot: Snapshot? = nil) throws -> [UInt8]? {
        try get(Array(key.utf8), snapshot: snapshot)
    }

    /// A cursor over live keys `>= start` and `< end` (either bound optional), as of `snapshot` (default: now).
    public func makeIterator(from start: [UInt8]? = nil, to end: [UInt8]? = nil, snapshot: Snapshot? = nil) throws
        -> DatabaseIterator
    {
        // The sequence before the view, as for `get`. The cursor holds the view, which keeps its MemTables and
        // tables (on disk too) whatever compaction does meanwhile, so it registers no snapshot of its own: one
        // lock, one dictionary update and one object less per cursor (LevelDB's NewIterator registers none either).
        let sequence = snapshot?.sequence ?? versions.lastSequence
        let view = try readView()
        let version = view.version.version
        var children: [InternalIterator] = []
        // One allocation: appending to a one-element literal would reallocate at once.
        children.reserveCapacity(2 + version.levels[0].count + Version.levelCount)
        children.append(view.mem.makeIterator())
        if let imm = view.imm { children.append(imm.makeIterator()) }
        for file in version.levels[0] { children.append(try tableCache.reader(for: file).makeIterator()) }
        for level in 1..<Version.levelCount where !version.levels[level].isEmpty {
            children.append(LevelIterator(files: version.levels[level], tableCache: tableCache))
        }
        // Entries added to the MemTable later carry higher sequences than the snapshot and stay hidden.
        return DatabaseIterator(
            merged: MergingIterator(children), sequence: sequence, start: start, end: end, snapshot: snapshot,
            view: view)
    }

    /// Every live entry `>= start` and `< end`, up to `limit` entries, in key order.
    public func scan(from start: [UInt8]? = nil, to end: [UInt8]? = nil, limit: Int = .max, snapshot: Snapshot? = nil)
        throws -> [(key: [UInt8], value: [UInt8])]
    {
        let iterator = try makeIterator(from: start, to: end, snapshot: snapshot)
        var result: [(key: [UInt8], value: [UInt8])] = []
        while result.count < limit, let entry = try iterator.next() { result.append(entry) }
        return result
    }

    /// A snapshot of the database as of now.
    /// - Throws: ``LSMKVError/closed``.
    public func snapshot() throws -> Snapshot {
        if publishedView.isClosed { throw LSMKVError.closed }
        // The registry reads the sequence under its own lock, so a compaction choosing what to drop sees this
        // snapshot or a later sequence.
        return snapshots.acquire { versions.lastSequence }
    }

    /// The current read view, loaded without a lock (see ``PublishedReadView``).
    /// - Throws: ``LSMKVError/closed``.
    func readView() throws -> ReadView { try publishedView.load() }

    // MARK: - Closing

    /// Waits for a running flush, stops a running compaction (its partial outputs are removed), syncs the log, and
    /// releases the directory lock. Idempotent.
    ///
    /// When it returns without error, every write acknowledged before it is durable.
    /// - Throws: ``LSMKVError/io(_:)`` when the final log sync fails, or ``LSMKVError/readOnly(cause:)`` when an
    ///   earlier failure means writes acknowledged without `sync` may not be durable. The database is closed either
    ///   way; reopening recovers what is on disk.
    public func close() throws {
        let wasClosed = state.withLock { s in
            defer { s.closed = true }
            return s.closed
        }
        if wasClosed { return }
        compactionCancelled.store(true, ordering: .relaxed)
        writer.withLock { _ in runDeferredFlush() }
        flushes.wait()
        compactions.wait()
        defer {
            versions.close()
            lock.unlock()
        }
        try writer.withLock { writer in
            defer {
                try? writer.log?.close()
                writer.log = nil
            }
            if let error = state.withLock({ $0.backgroundError }) { throw LSMKVError.readOnly(after: error) }
            try writer.log?.syncProvingDurability(syncingMarker: true)
        }
    }

    deinit {
        if !state.withLock({ $0.closed }) { try? close() }
    }

    /// The number of table files in each level, from level 0.
    public var filesPerLevel: [Int] { versions.current.version.fileCounts }

    /// The shape of the tree: files and bytes in each level, from level 0.
    public var levels: [LevelSummary] {
        let version = versions.current.version
        return (0..<Version.levelCount).map {
            LevelSummary(level: $0, files: version.levels[$0].count, bytes: version.bytes(level: $0))
        }
    }

    /// What this database did since it was opened (bytes written, compactions, tables per read).
    public var statistics: DatabaseStatistics { counters.snapshot }

    /// The sequence number of the last acknowledged write.
    public var lastSequence: SequenceNumber { versions.lastSequence }
}

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
    struct State: Sendable {
        var mem: MemTable
        var imm: MemTable?
        var version: Version
        var lastSequence: SequenceNumber
        var backgroundError: LSMKVError?
        var closed = false
        /// Table numbers being written and not yet in a version: never deleted as obsolete.
        var pendingOutputs: Set<UInt64> = []
        /// Changes whenever `version` does.
        var versionID: UInt64 = 0
        /// Versions that open iterators read, by `versionID`: their tables are not deleted while pinned.
        var pinnedVersions: [UInt64: (version: Version, count: Int)] = [:]
        /// Whether a background compaction is queued or running.
        var compactionScheduled = false
        /// What writes must do about compaction debt, for the current version.
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
    let snapshots = SnapshotRegistry()
    let state: Mutex<State>
    let writer: Mutex<WriterState>
    /// Writers waiting to commit; the one at the front leads a group (see ``write(_:sync:)``).
    let writeQueue = WriteQueue()
    let lock: any FileLock
    /// Entered when a flush is scheduled, left when it finishes: writers wait on it when both MemTables are full.
    let flushes = DispatchGroup()
    let backgroundQueue = DispatchQueue(label: "lsmkv.background")
    /// Entered when a compaction is scheduled, left when it finishes; one compaction runs at a time.
    let compactions = DispatchGroup()
    let compactionQueue = DispatchQueue(label: "lsmkv.compaction")
    /// Set by `close()`: a running compaction abandons its work.
    let compactionCancelled = Atomic<Bool>(false)
    let counters = StatisticsCounters()
    /// What recovery found when this database was opened.
    public let recoveryReport: RecoveryReport

    init(
        path: String, options: Options, versions: VersionSet, tableCache: TableCache, state: State, log: LogWriter,
        lock: any FileLock, report: RecoveryReport
    ) {
        self.path = path
        self.options = options
        self.fileSystem = options.fileSystem
        self.versions = versions
        self.tableCache = tableCache
        self.state = Mutex(state)
        self.writer = Mutex(WriterState(log: log))
        self.lock = lock
        self.recoveryReport = report
    }

    // MARK: - Reads

    /// The value of `key`, or nil when it is absent or deleted, as of `snapshot` (default: now).
    /// - Throws: ``LSMKVError/corruption(file:offset:reason:)`` or ``LSMKVError/io(_:)`` when a table cannot be read.
    public func get(_ key: [UInt8], snapshot: Snapshot? = nil) throws -> [UInt8]? {
        counters.gets.count()
        while true {
            let view = try readView()
            do {
                return try get(key, sequence: snapshot?.sequence ?? view.lastSequence, view: view)
            } catch {
                // A compaction may have deleted a table of this (older) view; the new view reads its outputs.
                if state.withLock({ $0.versionID }) != view.versionID { continue }
                throw error
            }
        }
    }

    private func get(_ key: [UInt8], sequence: SequenceNumber, view: State) throws -> [UInt8]? {
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
        try view.version.forEachFile(possiblyContaining: key) { file in
            counters.tablesProbed.count()
            guard let (foundKey, value) = try tableCache.reader(for: file).get(lookup) else {
                return true
            }
            guard let parsed = InternalKey.parse(foundKey) else {
                throw LSMKVError.corruption(
                    file: FileNames.table(path, file.number), offset: 0, reason: "malformed internal key")
            }
            guard parsed.userKey == key else { return true }
            if parsed.type == .value { result = value }
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
        let (view, pin, pinnedSnapshot) = try pinnedView()
        var children: [InternalIterator] = [view.mem.makeIterator()]
        if let imm = view.imm { children.append(imm.makeIterator()) }
        for file in view.version.levels[0] { children.append(try tableCache.reader(for: file).makeIterator()) }
        for level in 1..<Version.levelCount where !view.version.levels[level].isEmpty {
            children.append(LevelIterator(files: view.version.levels[level], tableCache: tableCache))
        }
        // Entries added to the MemTable later carry higher sequences than the snapshot and stay hidden.
        let pinned = snapshot ?? pinnedSnapshot
        return DatabaseIterator(
            merged: MergingIterator(children), sequence: pinned.sequence, start: start, end: end, snapshot: pinned,
            pin: pin)
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
    public func snapshot() throws -> Snapshot {
        // Registered under the state lock, so a compaction choosing what to drop sees it or a later sequence.
        try state.withLock { s in
            if s.closed { throw LSMKVError.closed }
            return Snapshot(sequence: s.lastSequence, registry: snapshots)
        }
    }

    /// The current state with its version pinned and a snapshot of it registered, all at one instant.
    private func pinnedView() throws -> (State, VersionPin, Snapshot) {
        let (view, snapshot) = try state.withLock { s in
            if s.closed { throw LSMKVError.closed }
            s.pinnedVersions[s.versionID, default: (s.version, 0)].count += 1
            return (s, Snapshot(sequence: s.lastSequence, registry: snapshots))
        }
        let id = view.versionID
        let pin = VersionPin { [weak self] in
            self?.state.withLock { s in
                guard let entry = s.pinnedVersions[id] else { return }
                s.pinnedVersions[id] = entry.count > 1 ? (entry.version, entry.count - 1) : nil
            }
        }
        return (view, pin, snapshot)
    }

    private func readView() throws -> State {
        let view = state.withLock { $0 }
        if view.closed { throw LSMKVError.closed }
        return view
    }

    // MARK: - Writes

    /// Sets `key` to `value`.
    /// - Parameter sync: whether to sync the log before returning; nil uses ``Options/syncWrites``.
    /// - Throws: ``LSMKVError/io(_:)`` when the log write or sync fails (the database then turns read-only),
    ///   ``LSMKVError/readOnly(cause:)`` after an earlier failure, ``LSMKVError/closed``.
    public func put(_ key: [UInt8], _ value: [UInt8], sync: Bool? = nil) throws {
        var batch = WriteBatch()
        batch.put(key, value)
        try write(consume batch, sync: sync)
    }

    /// Sets a UTF-8 string key to a UTF-8 string value.
    public func put(_ key: String, _ value: String, sync: Bool? = nil) throws {
        try put(Array(key.utf8), Array(value.utf8), sync: sync)
    }

    /// Deletes `key` (writes a tombstone). Deleting an absent key is not an error.
    public func delete(_ key: [UInt8], sync: Bool? = nil) throws {
        var batch = WriteBatch()
        batch.delete(key)
        try write(consume batch, sync: sync)
    }

    /// Deletes a UTF-8 string key.
    public func delete(_ key: String, sync: Bool? = nil) throws { try delete(Array(key.utf8), sync: sync) }

    /// Applies `batch` atomically: after a crash all of it is recovered or none.
    ///
    /// Concurrent writers commit in groups: the first queued writer appends its batch and those queued behind it as
    /// one log record and syncs once for all of them (when any needs it), then applies them and wakes the others.
    /// A write is acknowledged only after the record holding it was synced, when `sync` is set; a log write or sync
    /// failure fails every write of the group and turns the database read-only.
    /// - Parameter sync: whether to sync the log before returning; nil uses ``Options/syncWrites``.
    /// - Throws: as ``put(_:_:sync:)-([UInt8],_,_)``.
    public func write(_ batch: consuming WriteBatch, sync: Bool? = nil) throws {
        if batch.isEmpty { return }
        let pending = PendingWrite(batch: consume batch, sync: sync ?? options.syncWrites)
        if !writeQueue.enqueue(pending), let outcome = pending.waitForTurn() { return try outcome.get() }
        // This writer is at the front of the queue: it leads a group.
        var followers: [PendingWrite] = []
        let result: Result<Void, LSMKVError>
        do {
            try writer.withLock { writer in
                runDeferredWork()
                try makeRoomForWrite(&writer)
                followers = writeQueue.takeFollowers(of: pending)
                try commit(leader: pending, followers: followers, &writer)
            }
            result = .success(())
        } catch {
            result = .failure(LSMKVError(wrapping: error))
        }
        writeQueue.finish(leader: pending, followers: followers, with: result)
        try result.get()
    }

    /// Appends the group of `leader` and `followers` as one log record, syncs it when the leader asks, and applies
    /// it. Called with the writer lock held, after ``makeRoomForWrite(_:)``.
    private func commit(leader: PendingWrite, followers: [PendingWrite], _ writer: inout WriterState) throws {
        var batch = leader.takeBatch()
        for follower in followers { batch.append(contentsOf: follower.takeBatch()) }
        let (mem, sequence) = state.withLock { ($0.mem, $0.lastSequence + 1) }
        batch.sequence = sequence
        // Validate before logging, so a malformed batch never reaches the log (nothing is copied out).
        var userBytes = 0
        try batch.forEachOperation { _, key, value in userBytes += key.count + value.count }
        let logBytes: Int
        do {
            guard let log = writer.log else { throw LSMKVError.closed }
            options.crashPointHook?(.walAppend)
            let logSize = log.size
            try log.addRecord(batch.representation)
            logBytes = log.size - logSize
            if leader.sync && !PlantedBug.isActive(.walNotSyncedBeforeAck) {
                options.crashPointHook?(.walSync)
                try log.sync()
            }
        } catch {
            // The record may be partly in the log: never append after it, never trust its durability.
            setBackgroundError(error)
            throw error
        }
        try mem.apply(batch, sequence: sequence)
        state.withLock { $0.lastSequence = sequence + SequenceNumber(batch.count) - 1 }
        counters.update { s in
            s.userBytesWritten += userBytes
            s.logBytesWritten += logBytes
        }
    }

    /// Freezes the MemTable (when it holds anything), writes it to a level-0 table and waits until that is done.
    /// - Throws: the flush's error, or ``LSMKVError/readOnly(cause:)``.
    public func flush() throws {
        try writer.withLock { writer in
            try switchMemTable(&writer, force: true)
            runDeferredWork()
        }
        flushes.wait()
        if let error = state.withLock({ $0.backgroundError }) { throw error }
    }

    /// Makes sure the MemTable has room for a write: freezes a full MemTable (waiting when the previous one is
    /// still being flushed). Called with the writer lock held.
    ///
    /// Like LevelDB, it also keeps compaction ahead of writes: past the slowdown limits (level-0 tables, pending
    /// compaction bytes) each write is delayed once by up to a millisecond; past the stop limits a full MemTable
    /// is not switched until compaction has caught up.
    private func makeRoomForWrite(_ writer: inout WriterState) throws {
        var delayed = false
        while true {
            let (closed, error, usage, flushing, pressure) = state.withLock {
                ($0.closed, $0.backgroundError, $0.mem.approximateMemoryUsage, $0.imm != nil, $0.pressure)
            }
            if closed { throw LSMKVError.closed }
            if let error { throw LSMKVError.readOnly(after: error) }
            if pressure == .slowdown && !delayed {
                delayed = true
                counters.update { $0.writesSlowed += 1 }
                waitForCompaction(upTo: .milliseconds(1))
                continue
            }
            if usage < options.writeBufferSize { return }
            if flushing {
                waitForFlush()
                continue
            }
            if pressure == .stop {
                counters.update { $0.writeStops += 1 }
                waitForCompaction(upTo: .milliseconds(10))
                continue
            }
            try switchMemTable(&writer, force: false)
            return
        }
    }

    /// Starts a new log and MemTable and schedules the old MemTable's flush.
    ///
    /// The old log is synced first, so no older log is ever less durable than a newer one; the new log's directory
    /// entry is made durable before any write is acknowledged from it.
    func switchMemTable(_ writer: inout WriterState, force: Bool) throws {
        if state.withLock({ $0.imm != nil }) { waitForFlush() }
        let (mem, error, flushing) = state.withLock { ($0.mem, $0.backgroundError, $0.imm != nil) }
        if let error { throw LSMKVError.readOnly(after: error) }
        precondition(!flushing, "a finished flush left its MemTable behind without an error")
        if force && mem.count == 0 { return }
        let number = versions.newFileNumber()
        do {
            if !PlantedBug.isActive(.oldLogNotSyncedAtSwitch) { try writer.log?.sync() }
            let file = try LSMKVError.wrappingIO { try fileSystem.createWritable(FileNames.log(path, number)) }
            try versions.syncDirectory()
            try writer.log?.close()
            writer.log = LogWriter(file: file)
        } catch {
            setBackgroundError(error)
            throw error
        }
        state.withLock { s in
            s.imm = s.mem
            s.mem = MemTable(logNumber: number)
        }
        if !options.runsBackgroundWorkInline {
            flushes.enter()
            backgroundQueue.async { self.flushImmutableMemTable() }
        }
    }

    /// Waits until the scheduled flush is done (running it here when background work is inline).
    private func waitForFlush() {
        if options.runsBackgroundWorkInline { runDeferredFlush() } else { flushes.wait() }
    }

    /// With inline background work, runs the flush a previous MemTable switch scheduled, then the compactions
    /// the tree needs.
    private func runDeferredWork() {
        runDeferredFlush()
        runInlineCompactions()
    }

    /// With inline background work, runs the flush a previous MemTable switch scheduled.
    private func runDeferredFlush() {
        // After a failure the frozen MemTable stays unflushed; its log is kept and replayed at the next open.
        if options.runsBackgroundWorkInline && state.withLock({ $0.imm != nil && $0.backgroundError == nil }) {
            flushes.enter()
            flushImmutableMemTable()
        }
    }

    /// Records the first background failure; from then on writes throw ``LSMKVError/readOnly(cause:)``.
    func setBackgroundError(_ error: any Error) {
        let wrapped = LSMKVError(wrapping: error)
        state.withLock { s in
            if s.backgroundError == nil { s.backgroundError = wrapped }
        }
    }

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
            try writer.log?.sync()
        }
    }

    deinit {
        if !state.withLock({ $0.closed }) { try? close() }
    }

    /// The number of table files in each level, from level 0.
    public var filesPerLevel: [Int] { state.withLock { $0.version.fileCounts } }

    /// The shape of the tree: files and bytes in each level, from level 0.
    public var levels: [LevelSummary] {
        let version = state.withLock { $0.version }
        return (0..<Version.levelCount).map {
            LevelSummary(level: $0, files: version.levels[$0].count, bytes: version.bytes(level: $0))
        }
    }

    /// What this database did since it was opened (bytes written, compactions, tables per read).
    public var statistics: DatabaseStatistics { counters.snapshot }

    /// The sequence number of the last acknowledged write.
    public var lastSequence: SequenceNumber { state.withLock { $0.lastSequence } }
}

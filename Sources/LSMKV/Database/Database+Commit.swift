import Dispatch
import Synchronization
import VFS

/// The commit pipeline (Pebble's `commit.go`): writers queue, the one at the front commits a group as one log
/// record and one sync, applies it to the MemTable and advances the last sequence; a full MemTable is frozen and a
/// new log started.
extension Database {
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
        let sync = sync ?? options.syncWrites
        // Uncontended: lead at once with the batch itself, no PendingWrite to allocate and free.
        if writeQueue.tryLead() { return try lead(consume batch, sync: sync).get() }
        let pending = PendingWrite(batch: consume batch, sync: sync)
        if !writeQueue.enqueue(pending), let outcome = pending.waitForTurn() { return try outcome.get() }
        try lead(pending.takeBatch(), sync: pending.sync).get()
    }

    /// Commits `writes` as writers on as many threads would if they all reached the write queue at once, in this
    /// order: the group-commit leader forms its groups by the queue's rules (a non-sync leader takes no writer that
    /// needs a sync; the byte limits), so deterministic crash tests can crash under real groups on one thread.
    /// Returns each write's outcome; an empty batch succeeds without being queued.
    package func writeArrivingTogether(_ writes: [(batch: WriteBatch, sync: Bool)]) -> [Result<Void, LSMKVError>] {
        let queued = writes.filter { !$0.batch.isEmpty }.map { PendingWrite(batch: $0.batch, sync: $0.sync) }
        let leadsFirst = writeQueue.enqueue(contentsOf: queued)
        var outcomes: [Result<Void, LSMKVError>] = []
        for (index, pending) in queued.enumerated() {
            // A follower was finished by its group's leader, and the next leader was handed the front: both
            // semaphores were signalled before this wait, so it never blocks on a write of this call.
            if index == 0 && leadsFirst {
                outcomes.append(lead(pending.takeBatch(), sync: pending.sync))
            } else if let outcome = pending.waitForTurn() {
                outcomes.append(outcome)
            } else {
                outcomes.append(lead(pending.takeBatch(), sync: pending.sync))
            }
        }
        var next = outcomes.makeIterator()
        return writes.map { $0.batch.isEmpty ? .success(()) : next.next()! }
    }

    /// Leads a group (the caller holds the write queue's lead): takes the followers `batch` may carry, commits them
    /// with it, hands every follower the outcome and the lead to the next writer. Returns the group's outcome.
    /// - Parameter sync: whether the leader's write is synced (then the whole group is).
    private func lead(_ batch: consuming WriteBatch, sync: Bool) -> Result<Void, LSMKVError> {
        // Owned here alone, so numbering it and appending followers change it in place.
        var batch = consume batch
        var followers: [PendingWrite] = []
        let result: Result<Void, LSMKVError>
        do {
            try writer.withLock { writer in
                runDeferredWork()
                try makeRoomForWrite(&writer)
                followers = writeQueue.takeFollowers(leaderSize: batch.byteSize, leaderSyncs: sync)
                try commit(&batch, sync: sync, followers: followers, &writer)
            }
            result = .success(())
        } catch {
            result = .failure(LSMKVError(wrapping: error))
        }
        writeQueue.finish(followers: followers, with: result)
        return result
    }

    /// Appends the group (the leader's `batch`, into which the `followers`' operations are appended) as one log
    /// record, syncs it when the leader asks (`sync`), and applies it. Called with the writer lock held, after
    /// ``makeRoomForWrite(_:)``.
    private func commit(
        _ batch: inout WriteBatch, sync: Bool, followers: [PendingWrite], _ writer: inout WriterState
    ) throws {
        for follower in followers { batch.append(contentsOf: follower.takeBatch()) }
        // Only the leader holding the writer lock advances the last sequence, and only it replaces the MemTable.
        let (mem, sequence) = (state.withLock { $0.view.mem }, versions.lastSequence + 1)
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
            if sync {
                options.crashPointHook?(.walSync)
                try log.sync()
            }
        } catch {
            // The record may be partly in the log: never append after it, never trust its durability.
            setBackgroundError(error)
            throw error
        }
        try mem.apply(batch, sequence: sequence)
        versions.advanceLastSequence(to: sequence + SequenceNumber(batch.count) - 1)
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
                ($0.closed, $0.backgroundError, $0.view.mem.approximateMemoryUsage, $0.view.imm != nil, $0.pressure)
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
        if state.withLock({ $0.view.imm != nil }) { waitForFlush() }
        let (mem, error, flushing) = state.withLock { ($0.view.mem, $0.backgroundError, $0.view.imm != nil) }
        if let error { throw LSMKVError.readOnly(after: error) }
        precondition(!flushing, "a finished flush left its MemTable behind without an error")
        if force && mem.count == 0 { return }
        let number = versions.newFileNumber()
        do {
            options.crashPointHook?(.logSwitch)
            try writer.log?.syncProvingDurability(syncingMarker: false)
            let file = try options.createLog(FileNames.log(path, number))
            try versions.syncDirectory()
            try writer.log?.close()
            writer.log = LogWriter(file: file, marksDurability: true)
        } catch {
            setBackgroundError(error)
            throw error
        }
        state.withLock { s in s.view = s.view.replacing(mem: MemTable(logNumber: number), imm: s.view.mem) }
        if !options.runsBackgroundWorkInline {
            flushes.enter()
            backgroundQueue.async { self.flushImmutableMemTable() }
        }
    }
}

import Dispatch
import Synchronization
import VFS

/// Background work (Pebble's `compaction_scheduler.go`): scheduling the flush of a frozen MemTable and the
/// compactions the tree needs, on background queues or inline (``Options/runsBackgroundWorkInline``), the
/// background error that turns the database read-only, and publishing a read view of each installed version.
extension Database {
    // MARK: - Flushes

    /// Waits until the scheduled flush is done (running it here when background work is inline).
    func waitForFlush() {
        if options.runsBackgroundWorkInline { runDeferredFlush() } else { flushes.wait() }
    }

    /// With inline background work, runs the flush a previous MemTable switch scheduled, then the compactions
    /// the tree needs.
    func runDeferredWork() {
        runDeferredFlush()
        runInlineCompactions()
    }

    /// With inline background work, runs the flush a previous MemTable switch scheduled.
    func runDeferredFlush() {
        // After a failure the frozen MemTable stays unflushed; its log is kept and replayed at the next open.
        if options.runsBackgroundWorkInline && state.withLock({ $0.view.imm != nil && $0.backgroundError == nil }) {
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

    // MARK: - Choosing

    /// The next compaction the tree needs, or nil.
    func pickCompaction(_ version: Version) -> Compaction? {
        switch options.compactionStrategy {
        case .leveled:
            LeveledCompactionPicker(options: options).pick(
                version, compactPointers: versions.snapshot.compactPointers, seekCandidate: seeks.candidate(in: version)
            )
        case .tiered:
            TieredCompactionPicker(options: options).pick(version)
        }
    }

    /// What writes must do with the tree in shape `version`.
    func compactionPressure(_ version: Version) -> CompactionPressure {
        let level0 = version.levels[0].count
        let pending =
            switch options.compactionStrategy {
            case .leveled: LeveledCompactionPicker(options: options).pendingBytes(version)
            case .tiered: TieredCompactionPicker(options: options).pendingBytes(version)
            }
        let pressure: CompactionPressure =
            if level0 >= options.level0StopTrigger || pending >= options.hardPendingCompactionBytesLimit {
                .stop
            } else if level0 >= options.level0SlowdownTrigger || pending >= options.softPendingCompactionBytesLimit {
                .slowdown
            } else {
                .none
            }
        // Never hold writes back for a compaction that would not run.
        return pressure == .none || pickCompaction(version) == nil ? .none : pressure
    }

    /// Publishes a read view of the version ``VersionSet`` just installed (without the frozen MemTable when
    /// `flushed`), and what it means for writes.
    func publishInstalledVersion(flushed: Bool) {
        let version = versions.current
        let pressure = compactionPressure(version.version)
        state.withLock { s in
            s.view = s.view.replacing(version: version, imm: flushed ? nil : s.view.imm)
            s.pressure = pressure
        }
    }

    // MARK: - Scheduling

    /// Queues a background compaction when the tree needs one and none is queued. Does nothing with inline
    /// background work (see ``runInlineCompactions()``), after a failure, or once closing.
    func maybeScheduleCompaction() {
        if options.runsBackgroundWorkInline { return }
        let schedule = state.withLock { s -> Bool in
            if s.compactionScheduled || s.closed || s.backgroundError != nil { return false }
            if pickCompaction(versions.current.version) == nil { return false }
            s.compactionScheduled = true
            return true
        }
        guard schedule else { return }
        compactions.enter()
        compactionQueue.async { self.backgroundCompaction() }
    }

    private func backgroundCompaction() {
        defer { compactions.leave() }
        let stopped = state.withLock { s in s.closed || s.backgroundError != nil }
        if !stopped, let compaction = pickCompaction(versions.current.version) {
            try? runCompaction(compaction)
        }
        state.withLock { $0.compactionScheduled = false }
        maybeScheduleCompaction()
    }

    /// With inline background work, runs every compaction the tree needs, here and now.
    func runInlineCompactions() {
        guard options.runsBackgroundWorkInline else { return }
        for _ in 0..<100 {
            if state.withLock({ s in s.closed || s.backgroundError != nil }) { return }
            guard let compaction = pickCompaction(versions.current.version) else { return }
            do { try runCompaction(compaction) } catch { return }
        }
    }

    /// Lets compaction make progress: waits until the queued compactions finish or `timeout` passes (runs them
    /// here with inline background work).
    func waitForCompaction(upTo timeout: DispatchTimeInterval) {
        if options.runsBackgroundWorkInline {
            runInlineCompactions()
        } else {
            maybeScheduleCompaction()
            _ = compactions.wait(timeout: .now() + timeout)
        }
    }
}

import Dispatch
import Synchronization
import VFS

/// A range of user keys for ``Database/compact(range:)``: both bounds inclusive, nil meaning unbounded.
public struct KeyRange: Sendable, Equatable {
    /// The smallest key in the range, or nil for no lower bound.
    public var start: [UInt8]?
    /// The largest key in the range, or nil for no upper bound.
    public var end: [UInt8]?

    /// The keys from `start` through `end` (both inclusive; nil is unbounded).
    public init(from start: [UInt8]? = nil, through end: [UInt8]? = nil) {
        self.start = start
        self.end = end
    }

    /// Every key.
    public static let all = KeyRange()
}

/// The files and bytes in one level of the tree.
public struct LevelSummary: Sendable, Equatable {
    /// The level, 0 to 6.
    public var level: Int
    /// The number of tables in it.
    public var files: Int
    /// Their total size in bytes.
    public var bytes: Int
}

/// Keeps the tables of one version on disk while an iterator reads them; released when it is deinitialized.
final class VersionPin: Sendable {
    private let release: @Sendable () -> Void

    init(release: @escaping @Sendable () -> Void) { self.release = release }

    deinit { release() }
}

/// How far compaction is behind, and so what writes must do.
enum CompactionPressure: Sendable {
    case none
    /// Delay each write a little.
    case slowdown
    /// Do not start a new MemTable until compaction catches up.
    case stop
}

extension Database {
    // MARK: - Choosing

    /// The next compaction the tree needs, or nil.
    func pickCompaction(_ version: Version) -> Compaction? {
        switch options.compactionStrategy {
        case .leveled:
            LeveledCompactionPicker(options: options).pick(version, compactPointers: versions.snapshot.compactPointers)
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

    /// Makes the VersionSet's current version the one reads use; call with the state lock held.
    func installCurrentVersion(_ s: inout State) {
        s.version = versions.current
        s.versionID += 1
        s.pressure = compactionPressure(s.version)
    }

    // MARK: - Scheduling

    /// Queues a background compaction when the tree needs one and none is queued. Does nothing with inline
    /// background work (see ``runInlineCompactions()``), after a failure, or once closing.
    func maybeScheduleCompaction() {
        if options.runsBackgroundWorkInline { return }
        let schedule = state.withLock { s -> Bool in
            if s.compactionScheduled || s.closed || s.backgroundError != nil { return false }
            if pickCompaction(s.version) == nil { return false }
            s.compactionScheduled = true
            return true
        }
        guard schedule else { return }
        compactions.enter()
        compactionQueue.async { self.backgroundCompaction() }
    }

    private func backgroundCompaction() {
        defer { compactions.leave() }
        let version = state.withLock { s in s.closed || s.backgroundError != nil ? nil : s.version }
        if let version, let compaction = pickCompaction(version) {
            try? runCompaction(compaction)
        }
        state.withLock { $0.compactionScheduled = false }
        maybeScheduleCompaction()
    }

    /// With inline background work, runs every compaction the tree needs, here and now.
    func runInlineCompactions() {
        guard options.runsBackgroundWorkInline else { return }
        for _ in 0..<100 {
            let version = state.withLock { s in s.closed || s.backgroundError != nil ? nil : s.version }
            guard let version, let compaction = pickCompaction(version) else { return }
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

    // MARK: - Manual compaction

    /// Compacts every table holding keys in `range` (default: all keys), after flushing the MemTable, and waits for
    /// it to finish.
    ///
    /// With ``CompactionStrategy/leveled`` the files overlapping `range` are pushed down one level at a time to the
    /// deepest level that holds data, like LevelDB's `CompactRange`; with ``CompactionStrategy/tiered`` every run is
    /// merged into one in the last level, whatever the range. Deleted keys and overwritten versions that no
    /// snapshot needs are dropped, so this also reclaims space.
    /// - Throws: the compaction's I/O or corruption error (the database then turns read-only, as for background
    ///   failures), ``LSMKVError/readOnly(cause:)`` after an earlier failure, ``LSMKVError/closed``.
    public func compact(range: KeyRange = .all) throws {
        try flush()
        let work = { [self] () throws in
            if let error = state.withLock({ $0.backgroundError }) { throw LSMKVError.readOnly(after: error) }
            switch options.compactionStrategy {
            case .leveled:
                let picker = LeveledCompactionPicker(options: options)
                let start = state.withLock { $0.version }
                let deepest = start.levels.lastIndex { !$0.isEmpty } ?? 0
                for level in 0..<max(deepest, 1) {
                    if let compaction = picker.manual(level: level, range: range, state.withLock({ $0.version })) {
                        try runCompaction(compaction)
                    }
                }
                // Then the deepest level itself, which only a rewrite in place cleans.
                if deepest > 0,
                    let compaction = picker.manualInPlace(level: deepest, range: range, state.withLock({ $0.version }))
                {
                    try runCompaction(compaction)
                }
            case .tiered:
                if let compaction = TieredCompactionPicker(options: options).manual(state.withLock({ $0.version })) {
                    try runCompaction(compaction)
                }
            }
        }
        do {
            if options.runsBackgroundWorkInline {
                try writer.withLock { _ in try work() }
            } else {
                try compactionQueue.sync { try work() }
            }
        } catch is CompactionJob.Cancelled {
            throw LSMKVError.closed
        }
        maybeScheduleCompaction()  // the new shape may itself need work (a level past its target)
    }

    // MARK: - Running

    /// Runs `compaction`, installs its result, and deletes the inputs.
    ///
    /// The outputs are synced and their directory entries made durable before the edit that installs them is
    /// written; the inputs are deleted only after that edit is durable. On failure the partial outputs are removed
    /// and the error is recorded as the background error (the database turns read-only); a cancellation (the
    /// database is closing) removes them and records nothing.
    func runCompaction(_ compaction: Compaction) throws {
        let (version, smallestSnapshot, lastSequence) = state.withLock { s in
            (s.version, min(snapshots.oldest ?? s.lastSequence, s.lastSequence), s.lastSequence)
        }
        let allocated = OutputNumbers()
        defer { state.withLock { s in s.pendingOutputs.subtract(allocated.numbers) } }
        let job = CompactionJob(
            compaction: compaction, version: version, smallestSnapshot: smallestSnapshot, directory: path,
            options: options, tableCache: tableCache, versions: versions,
            newOutputNumber: { [self] in
                let number = versions.newFileNumber()
                state.withLock { _ = $0.pendingOutputs.insert(number) }
                allocated.numbers.append(number)
                return number
            },
            isCancelled: { [self] in compactionCancelled.load(ordering: .relaxed) })
        let result: CompactionJob.Result
        do {
            result = try job.run()
            if PlantedBug.isActive(.compactionInputsDeletedBeforeInstall) {
                for file in compaction.inputFiles { try? fileSystem.remove(FileNames.table(path, file.number)) }
            }
            options.crashPointHook?(.compactionInstall)
            try versions.logAndApply(result.edit, lastSequence: lastSequence)
        } catch let cancelled as CompactionJob.Cancelled {
            throw cancelled
        } catch {
            setBackgroundError(error)
            throw error
        }
        state.withLock { installCurrentVersion(&$0) }
        options.crashPointHook?(.compactionInstalled)
        counters.update { s in
            if compaction.isTrivialMove {
                s.trivialMoves += 1
            } else {
                s.compactions += 1
                s.compactionBytesRead += result.bytesRead
                s.compactionBytesWritten += result.bytesWritten
                s.entriesDropped += result.entriesDropped
            }
        }
        deleteObsoleteFiles()
    }
}

/// The output file numbers one compaction allocated, so they can be released from `pendingOutputs` however it ends.
private final class OutputNumbers {
    var numbers: [UInt64] = []
}

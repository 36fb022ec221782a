import Dispatch
import Synchronization
import VFS

extension Database {
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
                let start = versions.current.version
                let deepest = start.levels.lastIndex { !$0.isEmpty } ?? 0
                for level in 0..<max(deepest, 1) {
                    if let compaction = picker.manual(level: level, range: range, versions.current.version) {
                        try runCompaction(compaction)
                    }
                }
                // Then the deepest level itself, which only a rewrite in place cleans.
                if deepest > 0,
                    let compaction = picker.manualInPlace(level: deepest, range: range, versions.current.version)
                {
                    try runCompaction(compaction)
                }
            case .tiered:
                if let compaction = TieredCompactionPicker(options: options).manual(versions.current.version) {
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
        try runAndInstall(compaction)
        // Only now: the version the job read (and held on disk) is no longer referenced.
        deleteObsoleteFiles()
    }

    /// Runs `compaction` against the installed version and installs its result.
    private func runAndInstall(_ compaction: Compaction) throws {
        // The version holds the inputs on disk for as long as the job reads them.
        let version = versions.current
        let smallestSnapshot = snapshots.oldest(orLatest: versions.lastSequence)
        let allocated = OutputNumbers()
        defer { obsoleteFiles.release(allocated.numbers) }
        let job = CompactionJob(
            compaction: compaction, version: version.version, smallestSnapshot: smallestSnapshot, directory: path,
            options: options, tableCache: tableCache, versions: versions,
            newOutputNumber: { [self] in
                let number = obsoleteFiles.newOutputNumber()
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
            try versions.logAndApply(result.edit)
        } catch let cancelled as CompactionJob.Cancelled {
            throw cancelled
        } catch {
            setBackgroundError(error)
            throw error
        }
        publishInstalledVersion(flushed: false)
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
    }
}

/// The output file numbers one compaction allocated, so they can be released from `pendingOutputs` however it ends.
private final class OutputNumbers {
    var numbers: [UInt64] = []
}

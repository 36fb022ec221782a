import LSMKV
import VFS

/// One in-process crash test cycle on a ``SimulatedFileSystem``: run a workload, crash at a chosen file-system
/// operation under a crash model, optionally crash again during recovery, reopen, and judge the recovered database
/// with the ``CrashOracle``.
///
/// Everything is a function of the seed: the workload, the crash point, what the crash keeps. Background work runs
/// inline so the file system sees the same operations in the same order on every run.
public struct CrashSimulation: Sendable {
    /// What to run.
    public struct Configuration: Sendable, Equatable, Codable {
        public var model: CrashModel
        public var workloadLength = 40
        public var mix = Workload.Mix()
        /// A tiny MemTable, so flushes (and their durability protocol) happen often.
        public var writeBufferSize = 1024
        /// Percentage of cycles that crash a second time, during recovery.
        public var recoveryCrashPercent = 30
        /// The compaction strategy under test.
        public var compaction = CompactionStrategy.leveled
        /// Level-0 tables that start a compaction: low, so short workloads crash inside compactions too.
        public var level0CompactionTrigger = 2

        public init(model: CrashModel) { self.model = model }
    }

    /// What one cycle found.
    public struct Outcome: Sendable, CustomStringConvertible {
        public var seed: UInt64
        public var model: CrashModel
        /// The file-system operation after which the machine died, and the total the workload makes uncrashed.
        public var crashAfterOperations: Int
        public var totalOperations: Int
        public var crashedDuringRecovery: Bool
        /// Acknowledged writes the oracle checked.
        public var acknowledgedWrites: Int
        /// nil when the recovered database was correct; otherwise what was wrong.
        public var violation: String?

        public var description: String {
            let where_ =
                "crash after operation \(crashAfterOperations) of \(totalOperations)"
                + (crashedDuringRecovery ? ", then again during recovery" : "")
            return "seed \(seed) model \(model): \(where_): " + (violation ?? "ok")
        }

        /// A command that replays exactly this cycle.
        public var replayCommand: String {
            "LSMKV_CRASH_SEED=\(seed) LSMKV_CRASH_MODEL=\(model.rawValue) swift test --filter CrashPropertyTests/replay"
        }
    }

    public let configuration: Configuration
    static let directory = "/db"

    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// Runs the cycle drawn from `seed`.
    public func run(seed: UInt64) -> Outcome {
        let workload = Workload.random(seed: seed, count: configuration.workloadLength, mix: configuration.mix)
        var rng = SplitMix64(seed: seed ^ 0x5eed_c0de)
        let total = Self.countOperations(workload, configuration)
        let crashAfter = Int.random(in: 0..<max(total, 1), using: &rng)
        let crashRecovery = Int.random(in: 0..<100, using: &rng) < configuration.recoveryCrashPercent
        return run(
            workload: workload, seed: seed, crashAfter: crashAfter, total: total, crashRecovery: crashRecovery,
            crashSeed: rng.next())
    }

    /// The number of file-system operations `workload` makes when nothing crashes.
    static func countOperations(_ workload: Workload, _ configuration: Configuration) -> Int {
        let fs = SimulatedFileSystem()
        var history = History()
        _ = Self.execute(workload, on: fs, configuration: configuration, history: &history)
        return fs.operationCount
    }

    func run(
        workload: Workload, seed: UInt64, crashAfter: Int, total: Int, crashRecovery: Bool, crashSeed: UInt64
    ) -> Outcome {
        var outcome = Outcome(
            seed: seed, model: configuration.model, crashAfterOperations: crashAfter, totalOperations: total,
            crashedDuringRecovery: false, acknowledgedWrites: 0, violation: nil)
        let fs = SimulatedFileSystem()
        fs.armCrash(afterOperations: crashAfter)
        var history = History()
        if let failure = Self.execute(workload, on: fs, configuration: configuration, history: &history) {
            outcome.violation = "the engine failed without an injected fault: \(failure)"
            return outcome
        }
        outcome.acknowledgedWrites = history.entries.filter(\.acknowledged).count
        let image = PreCrashImage(fs)
        var crashed = fs.crash(seed: crashSeed, model: configuration.model)
        if crashRecovery {
            // Crash again part-way through recovery: recovery must itself be crash-safe.
            crashed.armCrash(afterOperations: Int(crashSeed % 40))
            if let db = try? Database(path: Self.directory, options: options(crashed)) { try? db.close() }
            if crashed.hasCrashed {
                outcome.crashedDuringRecovery = true
                crashed = crashed.crash(seed: crashSeed &+ 1, model: configuration.model)
            } else {
                crashed.disarmCrash()
            }
        }
        outcome.violation = verify(crashed, history: history, image: image)
        return outcome
    }

    /// Reopens the crashed file system and checks the database against the history.
    func verify(_ fs: SimulatedFileSystem, history: History, image: PreCrashImage) -> String? {
        let requirement: CrashOracle.Requirement = configuration.model == .processCrash ? .acknowledged : .synced
        return verifyRecovery(fs, history: history, requirement: requirement, image: image)
    }

    /// Reopens `fs` and checks the database against `history` under `requirement`.
    func verifyRecovery(
        _ fs: SimulatedFileSystem, history: History, requirement: CrashOracle.Requirement,
        image: PreCrashImage
    ) -> String? {
        let db: Database
        do {
            db = try Database(path: Self.directory, options: options(fs))
        } catch LSMKVError.corruption(let file, let offset, _)
            where configuration.model == .powerLoss
            && image.allowsRefusal(file: file, offset: offset, crashed: fs.snapshotFiles()[file] ?? [])
        {
            // Garbage in never-synced data followed by a later write that survived: the engine may refuse to
            // guess which writes were acknowledged, and report the damage instead.
            return nil
        } catch {
            return "open after the crash failed: \(error)"
        }
        defer { try? db.close() }
        let recovered: [[UInt8]: [UInt8]]
        do {
            recovered = Dictionary(uniqueKeysWithValues: try db.scan().map { ($0.key, $0.value) })
        } catch {
            return "reading the recovered database failed: \(error)"
        }
        if let problem = RecoveryCheck.integrityProblem(path: Self.directory, fileSystem: fs) { return problem }
        let verdict = CrashOracle().check(history, recovered: recovered, requirement: requirement)
        guard verdict.isConsistent else { return verdict.description }
        // The recovered database must take new writes that survive the next reopen (a torn tail was truncated or
        // set aside, not appended after).
        do {
            try db.put(Array("after-recovery".utf8), Array("marker".utf8), sync: true)
            try db.close()
            let again = try Database(path: Self.directory, options: options(fs))
            defer { try? again.close() }
            guard try again.get(Array("after-recovery".utf8)) == Array("marker".utf8) else {
                return "a write made after recovery was lost at the next reopen"
            }
            var expected = recovered
            expected[Array("after-recovery".utf8)] = Array("marker".utf8)
            let reread = Dictionary(uniqueKeysWithValues: try again.scan().map { ($0.key, $0.value) })
            if reread != expected { return "the database changed between two clean reopens after recovery" }
        } catch {
            return "writing after recovery failed: \(error)"
        }
        return nil
    }

    func options(_ fs: any FileSystem) -> Options {
        var options = Options()
        options.fileSystem = fs
        options.writeBufferSize = configuration.writeBufferSize
        options.runsBackgroundWorkInline = true
        options.compactionStrategy = configuration.compaction
        options.level0CompactionTrigger = configuration.level0CompactionTrigger
        // Small tables and levels, so compactions write several outputs and reach levels 2 and 3.
        options.targetFileSize = 2 * configuration.writeBufferSize
        options.maxBytesForLevelBase = 8 * configuration.writeBufferSize
        return options
    }

    /// Runs `workload` until it ends or the file system crashes, recording the history.
    /// - Returns: a description of an error that was not a simulated crash (an engine bug), or nil.
    static func execute(
        _ workload: Workload, on fs: SimulatedFileSystem, configuration: Configuration, history: inout History
    ) -> String? {
        let simulation = CrashSimulation(configuration)
        do {
            try fs.createDirectory(directory)
        } catch {
            return fs.hasCrashed ? nil : "\(error)"
        }
        let runner = WorkloadRunner { try Database(path: directory, options: simulation.options(fs)) }
        let result = runner.run(workload, history: &history) { _ in false }
        try? result.database?.close()
        guard let error = result.firstError, !fs.hasCrashed else { return nil }
        return "\(error)"
    }

    /// Removes steps from a failing workload while some crash point still makes it fail (delta debugging).
    /// - Returns: the smallest failing workload found and an outcome that fails on it.
    public func shrink(_ failing: Outcome, budget: Int = 2000) -> (Workload, Outcome) {
        var workload = Workload.random(seed: failing.seed, count: configuration.workloadLength, mix: configuration.mix)
        var best = failing
        var attempts = 0
        func failingOutcome(_ candidate: Workload) -> Outcome? {
            let total = Self.countOperations(candidate, configuration)
            for crashAfter in 0..<max(total, 1) {
                attempts += 1
                if attempts > budget { return nil }
                for crashRecovery in [false, true] {
                    let outcome = run(
                        workload: candidate, seed: failing.seed, crashAfter: crashAfter, total: total,
                        crashRecovery: crashRecovery, crashSeed: failing.seed ^ UInt64(crashAfter))
                    if outcome.violation != nil { return outcome }
                }
            }
            return nil
        }
        var chunk = max(workload.steps.count / 2, 1)
        while chunk >= 1 && attempts < budget {
            var start = 0
            var removedAny = false
            while start < workload.steps.count && attempts < budget {
                var candidate = workload
                candidate.steps.removeSubrange(start..<min(start + chunk, candidate.steps.count))
                if let outcome = failingOutcome(candidate) {
                    workload = candidate
                    best = outcome
                    removedAny = true
                } else {
                    start += chunk
                }
            }
            if !removedAny { chunk /= 2 }
        }
        return (workload, best)
    }
}

extension History.Operation {
    /// The `WriteBatch` that performs this operation.
    public var writeBatch: WriteBatch {
        var batch = WriteBatch()
        for (key, value) in writes {
            if let value { batch.put(key, value) } else { batch.delete(key) }
        }
        return batch
    }
}

extension History {
    /// Records that everything acknowledged so far is durable (after `flush()` or `close()` returned).
    public mutating func markEverythingAcknowledgedDurable() {
        if let last = entries.lastIndex(where: \.acknowledged) { entries[last].sync = true }
    }
}

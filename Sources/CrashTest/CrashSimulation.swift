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

        /// The engine settings of this configuration; they make the options of every open.
        public var engine: EngineSettings {
            EngineSettings(
                writeBufferSize: writeBufferSize, compaction: compaction,
                level0CompactionTrigger: level0CompactionTrigger)
        }
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
            let options = configuration.engine.options(fileSystem: crashed)
            if let db = try? Database(path: Self.directory, options: options) { try? db.close() }
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
        Self.verify(fs, model: configuration.model, engine: configuration.engine, history: history, image: image)
    }

    /// Judges the database in `fs`, crashed under `model`, against `history` with the ``RecoveryCheck``.
    static func verify(
        _ fs: SimulatedFileSystem, model: CrashModel, engine: EngineSettings, history: History, image: PreCrashImage
    ) -> String? {
        let check = RecoveryCheck(
            crashed: fs, directory: directory, options: engine.options(fileSystem: fs), model: model, image: image)
        return check.verify(history, requirement: CrashOracle.Requirement(after: model)).problem
    }

    /// Runs `workload` until it ends or the file system crashes, recording the history.
    /// - Returns: a description of an error that was not a simulated crash (an engine bug), or nil.
    static func execute(
        _ workload: Workload, on fs: SimulatedFileSystem, configuration: Configuration, history: inout History
    ) -> String? {
        do {
            try fs.createDirectory(directory)
        } catch {
            return fs.hasCrashed ? nil : "\(error)"
        }
        let options = configuration.engine.options(fileSystem: fs)
        let runner = WorkloadRunner { try Database(path: directory, options: options) }
        let result = runner.run(workload, recording: &history) { _ in .stop }
        try? result.database?.close()
        guard let error = result.firstError, !fs.hasCrashed else { return nil }
        return "\(error)"
    }

    /// Removes steps from a failing workload while some crash point still makes it fail (delta debugging).
    /// - Returns: the smallest failing workload found and an outcome that fails on it.
    public func shrink(_ failing: Outcome, budget: Int = 2000) -> (Workload, Outcome) {
        let workload = Workload.random(seed: failing.seed, count: configuration.workloadLength, mix: configuration.mix)
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
        let (shrunk, outcome) = workload.shrunk(
            failingWith: failing, while: { attempts < budget }, failure: failingOutcome)
        return (shrunk, outcome)
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

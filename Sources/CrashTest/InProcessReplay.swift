import LSMKV
import VFS

/// A failure kept by `crashtest run` (``ReplayFile`` and its `before/` directory), rerun in process on a
/// ``SimulatedFileSystem``: the database the failing cycle started from, the cycle's seeded workload with the
/// scenario's seeded faults, and its crash at the same hit of the same engine crash point, where the simulated
/// disk dies instead of the process. The crashed disk is then turned into the crash image the kept crash seed
/// draws under the scenario's model (``SimulatedFileSystem/crash(seed:model:)``, as the real-process runner draws
/// it from the worker's journal) and judged with the ``RecoveryCheck``. Background work runs inline and
/// concurrent writers one at a time in the workload's seeded order, so every run is the same.
///
/// What cannot be replayed in process is refused (``Unsupported``): a SIGKILL after a timed delay (where it lands
/// depends on the timing of the original run), and log damage applied after the crash.
public struct InProcessReplay: Sendable {
    /// A kept failure this replay cannot rerun in process.
    public enum Unsupported: Error, CustomStringConvertible {
        /// The cycle was killed after a delay: no crash point says where.
        case timedKill(milliseconds: Int)
        /// The cycle damaged the log after the crash (the scenario's `log-damage:`).
        case logDamage
        /// The kept `before/` directory could not be loaded.
        case unreadable(String)

        public var description: String {
            switch self {
            case .timedKill(let ms):
                return "the cycle was killed by SIGKILL after \(ms) ms, which lands wherever the worker's timing put "
                    + "it: it cannot be replayed in process (`crashtest replay FILE` reruns it with a real worker)"
            case .logDamage:
                return "the cycle damaged the log after the crash (log-damage:), which the in-process replay does not "
                    + "rebuild (`crashtest replay FILE` rebuilds it from the kept journal)"
            case .unreadable(let problem): return "the kept database cannot be loaded: \(problem)"
            }
        }
    }

    /// What one in-process run found.
    public struct Outcome: Sendable {
        /// Whether the crash point was reached (else the workload ran to its end and the crash came after it).
        public var crashed: Bool
        /// The history the run recorded.
        public var history: History
        /// Which crash image showed the violation, and what was wrong; nil when no image did.
        public var violation: (image: String, problem: String)?
    }

    /// The kept failure.
    public let replay: ReplayFile
    /// Its scenario.
    public let scenario: Scenario
    /// The database the failing cycle started from, all durable.
    let before: SimulatedFileSystem
    /// Its contents, as the runner had verified them.
    let initial: [[UInt8]: [UInt8]]

    /// A replay of `replay` (of `scenario`) from the database in `beforeDirectory` (the kept `before/`).
    /// - Throws: ``Unsupported`` when the failure cannot be replayed in process.
    public init(_ replay: ReplayFile, scenario: Scenario, beforeDirectory: String) throws(Unsupported) {
        if replay.crash.kind == .kill { throw .timedKill(milliseconds: replay.crash.killAfterMilliseconds ?? 0) }
        if Int((replay.crashSeed ?? 0) % 100) < scenario.logDamagePercent { throw .logDamage }
        guard let initial = replay.decodedInitial() else { throw .unreadable("the initial state is not valid hex") }
        do {
            before = try PowerLossImage.load(realDirectory: beforeDirectory)
        } catch {
            throw .unreadable("\(beforeDirectory): \(error)")
        }
        self.replay = replay
        self.scenario = scenario
        self.initial = initial
    }

    /// The cycle's workload.
    public var workload: Workload {
        Workload.random(seed: replay.workloadSeed, count: scenario.steps, mix: scenario.mix)
    }

    /// Runs `workload` (the cycle's, or a part of it while shrinking) the way the kept cycle ran, crashes and
    /// judges the crash image drawn from the kept seed; after a power loss also the durable-only image (one of
    /// the states a power loss may leave), which shows a lost synced write whatever the torn sectors were.
    ///
    /// With `backgroundThreads`, flushes and compactions run on the engine's own threads as in the worker
    /// (``Options/runsBackgroundWorkInline`` off): a failure that needed writes to go on during a flush can then
    /// reproduce, but not on every run, since where the crash point falls depends on the threads' timing.
    public func run(_ workload: Workload, backgroundThreads: Bool = false) -> Outcome {
        let fs = before.crash(seed: 0, model: .processCrash)
        var fileSystem: any FileSystem = fs
        if !scenario.faults.isEmpty {
            fileSystem = FaultInjectingFileSystem(
                wrapping: fs, rules: scenario.faults, seed: replay.workloadSeed, syncFailure: scenario.syncFailure)
        }
        // The worker killed itself at the hit; here the disk dies there: every later operation fails unapplied.
        let trigger = CrashTrigger(point: replay.crash.point, hit: replay.crash.hit ?? 1) {
            fs.armCrash(afterOperations: 0, applyingInFlightOperation: false)
        }
        let options = scenario.engine.options(
            fileSystem: fileSystem, inlineBackgroundWork: !backgroundThreads, crashPointHook: { trigger.reached($0) })
        var runner = WorkloadRunner { [options] in
            try Database(path: PowerLossImage.simulatedDirectory, options: options)
        }
        runner.openAttempts = 3
        var history = History(initial: initial)
        trigger.armed.store(replay.crash.kind == .openPoint, ordering: .releasing)
        if let db = try? runner.open(recording: &history) {
            trigger.armed.store(replay.crash.kind == .point, ordering: .releasing)
            let result = runner.run(workload, on: db, recording: &history) { error in
                fs.hasCrashed ? .stop : error is LSMKVError ? .reopen : .stop
            }
            if !fs.hasCrashed, let last = result.database, (try? last.close()) != nil, !fs.hasCrashed {
                history.markDurable()
            }
        }
        let model = scenario.model
        let image = PreCrashImage(fs)
        var images = [
            ("the \(model) image drawn from the kept crash seed", fs.crash(seed: replay.crashSeed ?? 0, model: model))
        ]
        if model == .powerLoss {
            images.append(
                ("the durable-only image (a state a power loss may leave)", fs.crash(seed: 0, model: .strict)))
        }
        var outcome = Outcome(crashed: trigger.fired.load(ordering: .acquiring), history: history, violation: nil)
        for (name, crashed) in images {
            let check = RecoveryCheck(
                crashed: crashed, directory: PowerLossImage.simulatedDirectory,
                options: scenario.engine.options(fileSystem: crashed), model: model, image: image)
            if let problem = check.verify(history, requirement: scenario.requirement).problem {
                outcome.violation = (name, problem)
                break
            }
        }
        return outcome
    }

    /// Runs the cycle's workload in process until it fails: once with background work inline (the same every
    /// time), then, when that passes, up to `attempts` times with background threads.
    /// - Returns: the failing outcome and whether it needed background threads, or the inline outcome when no
    ///   run failed.
    public func reproduce(attempts: Int) -> (outcome: Outcome, backgroundThreads: Bool) {
        let inline = run(workload)
        if inline.violation != nil { return (inline, false) }
        for _ in 0..<attempts {
            let threaded = run(workload, backgroundThreads: true)
            if threaded.violation != nil { return (threaded, true) }
        }
        return (inline, false)
    }

    /// The fewest steps of the cycle's workload found (delta debugging, until `deadline`) that still fail when
    /// replayed (with `backgroundThreads`, in any of `attempts` runs); nil when the whole workload does not fail.
    public func shrink(
        deadline: ContinuousClock.Instant, backgroundThreads: Bool = false, attempts: Int = 1
    ) -> (workload: Workload, outcome: Outcome)? {
        workload.shrunk(deadline: deadline) { candidate -> Outcome? in
            for _ in 0..<max(attempts, 1) {
                let outcome = run(candidate, backgroundThreads: backgroundThreads)
                if outcome.violation != nil { return outcome }
            }
            return nil
        }.map { ($0.workload, $0.failure) }
    }
}

import LSMKV
import VFS

extension Explorer {
    /// One exploration of one workload: the recovered-contents cache, the seeded choices and the report.
    struct Session {
        let explorer: Explorer
        let seed: UInt64
        var report: Report
        var random: SplitMix64
        /// Recovered contents of the images checked so far, found again for images recovery cannot tell apart:
        /// those only need the oracle against their own history.
        var cache = RecoveryCache()
        /// The oracle's verdicts on recovered contents against the history of the current crash point (or
        /// durability point), kept while consecutive points share their history: equal contents against an equal
        /// history get one verdict.
        let verdicts = VerdictCache()
        /// Integrity-check results by the recovered directory's bytes.
        let integrity = DirectoryResultCache<String?>()
        /// What a clean reopen after the check's marker write read, by the closed directory's bytes.
        let reopened = DirectoryResultCache<[[UInt8]: [UInt8]]>()

        init(explorer: Explorer, seed: UInt64) {
            self.explorer = explorer
            self.seed = seed
            report = Report(model: explorer.configuration.model)
            random = SplitMix64(seed: seed, stream: 0x6578_706c_6f72_65)
        }

        var configuration: Configuration { explorer.configuration }
        var model: CrashModel { configuration.model }
        var done: Bool { configuration.stopAtFirstViolation && !report.violations.isEmpty }

        mutating func run(_ workload: Workload, deadline: ContinuousClock.Instant?) {
            let run = explorer.record(workload)
            report.workloads = 1
            report.operations = run.recording.operationCount
            if let failure = run.failure {
                report.violations.append(
                    Violation(
                        check: .workload, seed: seed, model: model, operationIndex: run.recording.operationCount,
                        nextOperation: nil, nested: false, detail: "the engine failed without a crash: \(failure)"))
                return
            }
            if configuration.ledger { checkLedger(run) }
            guard configuration.exploresCrashStates else { return }
            let clock = ContinuousClock()
            for point in crashPoints(run.recording) {
                if done { return }
                if let deadline, clock.now >= deadline { return }
                explore(point, run)
            }
        }

        /// The crash points of `recording`, as operation counts.
        func crashPoints(_ recording: SimulatedRecording) -> [Int] {
            let total = recording.operationCount
            switch configuration.crashPoints {
            case .everyOperation:
                // The last instant of each disk state: the history is then at its strongest.
                let mutations = recording.mutations
                return (0...total).filter { $0 == total || mutations[$0] }
            case .syncs:
                let operations = recording.operations
                return (0...total).filter {
                    $0 == total || operations[$0].kind == .sync || operations[$0].kind == .syncDirectory
                }
            }
        }

        /// Checks every crash state the model allows at `point`.
        mutating func explore(_ point: Int, _ run: Run) {
            let snapshot = run.recording.snapshot(afterOperations: point)
            let history = run.history.history(atOperation: point)
            let image = PreCrashImage(snapshot)
            let next = point < run.recording.operationCount ? run.recording.operations[point] : nil
            let states: [SimulatedFileSystem]
            report.crashPoints += 1
            switch model {
            case .processCrash, .strict:
                states = [snapshot.crashed(seed: 0, model: model)]
                report.exhaustiveCrashPoints += 1
            case .powerLoss:
                if let all = snapshot.powerLossStates(limit: configuration.exhaustiveLimit) {
                    states = all
                    report.exhaustiveCrashPoints += 1
                } else {
                    states = (0..<configuration.samplesPerCrashPoint).map { _ in
                        snapshot.crashed(seed: random.next(), model: .powerLoss)
                    }
                    report.sampledCrashPoints += 1
                    report.sampledAt.append("\(seed)@\(point)")
                }
            }
            for state in states {
                if let problem = judge(state, history: history, image: image, model: model, nesting: true) {
                    report.violations.append(
                        Violation(
                            check: problem.check, seed: seed, model: model, operationIndex: point,
                            nextOperation: next.map(Self.describe), nested: problem.nested, detail: problem.detail))
                    if done { return }
                }
            }
        }

        /// Recovers `crashed` (or reuses the recovery of identical bytes) and judges it against `history`; with
        /// `nesting`, may also crash its recovery and judge that.
        mutating func judge(
            _ crashed: SimulatedFileSystem, history: History, image: PreCrashImage, model: CrashModel, nesting: Bool
        ) -> (check: Violation.Check, detail: String, nested: Bool)? {
            let requirement = CrashOracle.Requirement(after: model)
            report.statesVerified += 1
            verdicts.use(history, requirement: requirement)
            let files = crashed.snapshotFiles()
            if let (id, contents) = cache.lookup(files) {
                let problem = verdicts.verdict(contents, result: id) {
                    let verdict = CrashOracle().check(history, recovered: contents, requirement: requirement)
                    return verdict.isConsistent ? nil : verdict.description
                }
                report.count(Outcome.classify(contents: contents, problem: problem))
                return problem.map { (.oracle, $0, false) }
            }
            // Drawn before recovery changes `crashed`: only a state whose recovery is crashed needs a copy.
            let copy =
                nesting && random.below(100) < configuration.recoveryCrashPercent
                ? crashed.crash(seed: 0, model: .processCrash) : nil
            report.recoveries += 1
            let (contents, problem) = explorer.check(
                crashed, history: history, model: model, image: image,
                caches: Caches(verdicts: verdicts, integrity: integrity, reopened: reopened))
            report.count(Outcome.classify(contents: contents, problem: problem))
            if let problem {
                return (problem.hasPrefix("VIOLATION") ? .oracle : .recovery, problem, false)
            }
            guard let contents else { return nil }
            cache.insert(files, trace: crashed.trace, contents: contents)
            guard let copy else { return nil }
            // Crash recovery itself part-way, then crash again: recovery must be crash-safe too.
            copy.armCrash(afterOperations: random.below(max(crashed.operationCount, 1)))
            explorer.openAndClose(copy)
            guard copy.hasCrashed else { return nil }
            report.nestedCrashes += 1
            let again = copy.crash(seed: random.next(), model: model)
            let nested = judge(again, history: history, image: image, model: model, nesting: false)
            return nested.map { ($0.check, $0.detail, true) }
        }

        /// `sync /db/000003.log`, `rename /db/CURRENT.tmp -> /db/CURRENT`.
        static func describe(_ operation: FileSystemOperation) -> String {
            "\(operation.kind.rawValue) \(operation.path)" + (operation.destination.map { " -> \($0)" } ?? "")
        }
    }
}

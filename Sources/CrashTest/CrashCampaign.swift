import Foundation
import LSMKV
import VFS

/// The runner core: crash cycles of one scenario on one database directory, each with a real worker process.
///
/// A cycle: copy the directory aside (`before`), spawn the worker (it recovers the crashed database and runs a
/// seeded workload, recording its history), let it die (SIGKILL from the runner after a random delay, or from
/// itself at a named crash point), load the crashed directory into a simulated file system, reopen that copy and
/// judge it with the
/// ``CrashOracle`` against the history that starts from the state the previous cycle verified. The original
/// crashed directory is left untouched so the next worker recovers the real crash state (that is how crashes
/// during recovery are tested).
///
/// A violation keeps `before/`, `crashed/`, the expected-state file and `replay.json` under the failures
/// directory.
public final class CrashCampaign: Sendable {
    /// The `crashtest` executable to spawn as the worker.
    public let executable: String
    /// The scratch directory of this campaign (one subdirectory per scenario).
    public let workRoot: String
    /// Where violations are kept.
    public let failuresDirectory: String
    /// At most this many violations of one scenario are kept on disk.
    public let keptFailuresPerScenario = 3

    public init(executable: String, workRoot: String, failuresDirectory: String) {
        self.executable = executable
        self.workRoot = workRoot
        self.failuresDirectory = failuresDirectory
    }

    /// Runs cycles of `scenario` until `cycles` are done or `deadline` (monotonic nanoseconds) passes; always at
    /// least one cycle. A scenario that expects a violation stops at the first one.
    /// - Parameter progress: called after each cycle with the result so far.
    public func run(
        _ scenario: Scenario, seed: UInt64, cycles: Int, deadline: UInt64?,
        progress: (ScenarioResult) -> Void = { _ in }
    ) -> ScenarioResult {
        let started = ProcessControl.monotonicNanoseconds
        var result = ScenarioResult(scenario: scenario.name, expectation: scenario.expectation, seed: seed)
        let work = workRoot + "/" + scenario.name
        let database = work + "/db"
        try? FileManager.default.removeItem(atPath: work)
        try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        var initial: [[UInt8]: [UInt8]] = [:]
        for cycle in 0..<cycles {
            if cycle > 0, let deadline, ProcessControl.monotonicNanoseconds >= deadline { break }
            var rng = SplitMix64(seed: seed ^ (UInt64(cycle) &* 0x9E37_79B9_7F4A_7C15))
            let spec = CrashSpec.draw(from: scenario.crashes, using: &rng)
            let workloadSeed = rng.next()
            let crashSeed = rng.next()
            // Drawn after the seeds above, so a scenario's other draws are the same with or without `fresh`.
            if cycle > 0, scenario.freshPercent > 0, rng.next() % 100 < UInt64(scenario.freshPercent) {
                try? FileManager.default.removeItem(atPath: database)
                initial = [:]
            }
            copyDirectory(database, to: work + "/before")
            let outcome = runCycle(
                scenario, directory: database, scratch: work, initial: initial, crash: spec, seed: workloadSeed,
                crashSeed: crashSeed, inline: false)
            result.cycles += 1
            if outcome.termination.isKill {
                result.crashes += 1
                if outcome.history.entries.isEmpty { result.crashesDuringRecovery += 1 }
            }
            if outcome.verified {
                result.recoveriesVerified += 1
                result.acknowledgedWritesChecked += outcome.history.entries.filter(\.acknowledged).count
            }
            if let message = outcome.violation {
                var violation = ScenarioResult.Violation(cycle: cycle, crash: spec, message: message)
                if result.violations.count < keptFailuresPerScenario {
                    violation.keptAt = keep(
                        scenario, seed: seed, cycle: cycle, crash: spec, workloadSeed: workloadSeed,
                        crashSeed: crashSeed, initial: initial, work: work, message: message)
                }
                result.violations.append(violation)
            }
            if let recovered = outcome.recovered {
                initial = recovered
            } else {
                // The database did not open: start again from an empty one so later cycles still test something.
                try? FileManager.default.removeItem(atPath: database)
                initial = [:]
            }
            result.seconds = Double(ProcessControl.monotonicNanoseconds - started) / 1e9
            progress(result)
            if scenario.expectation == .violation && !result.violations.isEmpty { break }
        }
        result.seconds = Double(ProcessControl.monotonicNanoseconds - started) / 1e9
        return result
    }

    /// What one cycle found.
    public struct CycleOutcome: Sendable {
        /// How the worker ended.
        public var termination: ProcessTermination
        /// The history the worker recorded (starting from the initial state).
        public var history: History
        /// Whether the oracle judged a reopened database.
        public var verified: Bool
        /// The recovered contents (without the runner's marker), when the database opened.
        public var recovered: [[UInt8]: [UInt8]]?
        /// What was wrong, or nil.
        public var violation: String?
    }

    /// Runs one cycle on `directory`: spawn, crash, (under the power-loss and strict models) turn the directory
    /// into the crash image drawn from `crashSeed` and the worker's journal, copy it, reopen the copy, judge.
    public func runCycle(
        _ scenario: Scenario, directory: String, scratch: String, initial: [[UInt8]: [UInt8]], crash: CrashSpec,
        seed: UInt64, crashSeed: UInt64, inline: Bool
    ) -> CycleOutcome {
        let expectedState = scratch + "/expected-state.txt"
        let jobPath = scratch + "/job.json"
        let journal = scratch + "/" + Self.journalName
        var outcome = CycleOutcome(
            termination: .exited(-1), history: History(initial: initial), verified: false, recovered: nil,
            violation: nil)
        let job = WorkerJob(
            directory: directory, expectedStatePath: expectedState, scenarioSource: scenario.source, seed: seed,
            crash: crash, inlineBackgroundWork: inline, journalPath: scenario.model == .processCrash ? nil : journal)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: expectedState)
            try? FileManager.default.removeItem(atPath: journal)
            try JSONEncoder().encode(job).write(to: URL(fileURLWithPath: jobPath))
        } catch {
            outcome.violation = "tester: cannot prepare the worker's job in \(scratch): \(error)"
            return outcome
        }
        var environment = ProcessControl.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        let pid: Int32
        do {
            pid = try ProcessControl.spawn(
                executable: executable, arguments: ["__worker", jobPath], environment: environment)
        } catch {
            outcome.violation = "tester: \(error)"
            return outcome
        }
        outcome.termination = waitForDeath(pid, crash: crash)
        return judge(
            scenario, directory: directory, scratch: scratch, initial: initial, crashSeed: crashSeed,
            termination: outcome.termination)
    }

    /// The name of the worker's operation journal in the scratch directory (and in a kept failure).
    public static let journalName = "journal.bin"

    /// The second half of a cycle, after the worker died: builds the crash image from the journal (power loss,
    /// strict), reads the expected state, loads the directory into a simulated file system and judges it there. `crashtest
    /// replay` calls it on a kept failure's `before/`, journal and expected state to rebuild the same image.
    public func judge(
        _ scenario: Scenario, directory: String, scratch: String, initial: [[UInt8]: [UInt8]], crashSeed: UInt64,
        termination: ProcessTermination
    ) -> CycleOutcome {
        let expectedState = scratch + "/expected-state.txt"
        let journal = scratch + "/" + Self.journalName
        var outcome = CycleOutcome(
            termination: termination, history: History(initial: initial), verified: false, recovered: nil,
            violation: nil)
        var allowsRefusal: (@Sendable (String, Int) -> Bool)?
        let damagingLog = Int(crashSeed % 100) < scenario.logDamagePercent
        if scenario.model == .processCrash, damagingLog {
            do {
                let damaged = try PowerLossImage.damageLog(inRealDirectory: directory, seed: crashSeed)
                allowsRefusal = { file, _ in damaged.map { Path.name(of: $0) == Path.name(of: file) } ?? false }
            } catch {
                outcome.violation = "tester: damaging the log in \(directory): \(error)"
                return outcome
            }
        } else if scenario.model != .processCrash,
            let bytes = try? [UInt8](Data(contentsOf: URL(fileURLWithPath: journal)))
        {
            do {
                allowsRefusal = try PowerLossImage.apply(
                    journal: bytes, to: directory, seed: crashSeed, model: scenario.model, damagingLog: damagingLog)
            } catch {
                outcome.violation = "tester: building the \(scenario.model) image: \(error)"
                return outcome
            }
        }
        let expected: ExpectedState
        do {
            let bytes = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: expectedState)))) ?? []
            expected = try ExpectedState.parse(bytes, initial: initial)
        } catch {
            outcome.violation = "tester: \(error)"
            return outcome
        }
        outcome.history = expected.history
        switch outcome.termination {
        case .signaled(let signal) where signal != 9:
            outcome.violation =
                "the worker died of signal \(signal) (a trap or crash in the engine, not a planned kill); its errors: "
                + expected.errors.suffix(3).joined(separator: " | ")
        case .exited(let status) where status != CrashWorker.finished && status != CrashWorker.openFailed:
            outcome.violation =
                "the worker failed with status \(status): " + expected.errors.suffix(3).joined(separator: " | ")
        default: break
        }
        // The check runs on a simulated copy of the crashed directory: the same bytes and the same recovery code,
        // without a real fsync for every sync recovery and the check make (a few milliseconds each on this disk).
        let copy: SimulatedFileSystem
        do {
            copy = try PowerLossImage.load(realDirectory: directory)
        } catch {
            outcome.violation = "tester: cannot copy the crashed directory \(directory): \(error)"
            return outcome
        }
        var check = RecoveryCheck(
            directory: PowerLossImage.simulatedDirectory, options: scenario.engine.options(fileSystem: copy))
        check.allowsRefusal = allowsRefusal
        let verdict = check.verify(expected.history, requirement: scenario.requirement)
        outcome.verified = verdict.recovered != nil
        outcome.recovered = verdict.recovered
        if outcome.violation == nil { outcome.violation = verdict.problem }
        if let problem = outcome.violation, !expected.errors.isEmpty, verdict.problem != nil {
            outcome.violation = problem + " [worker errors: " + expected.errors.suffix(3).joined(separator: " | ") + "]"
        }
        return outcome
    }

    /// Kills the worker when its delay runs out (or, for a crash point, after a generous timeout) and reaps it.
    private func waitForDeath(_ pid: Int32, crash: CrashSpec) -> ProcessTermination {
        let start = ProcessControl.monotonicNanoseconds
        let limit = crash.killAfterMilliseconds.map { UInt64($0) * 1_000_000 } ?? 120_000_000_000
        while true {
            if let termination = ProcessControl.poll(pid) { return termination }
            let elapsed = ProcessControl.monotonicNanoseconds - start
            if elapsed >= limit {
                ProcessControl.kill(pid)
                return ProcessControl.wait(pid)
            }
            ProcessControl.sleep(microseconds: min(1000, Int((limit - elapsed) / 1000)))
        }
    }

    /// Keeps the evidence of a violation; returns the directory, or nil when it could not be written.
    private func keep(
        _ scenario: Scenario, seed: UInt64, cycle: Int, crash: CrashSpec, workloadSeed: UInt64, crashSeed: UInt64,
        initial: [[UInt8]: [UInt8]], work: String, message: String
    ) -> String? {
        let target = failuresDirectory + "/\(scenario.name)-seed\(seed)-cycle\(cycle)"
        let manager = FileManager.default
        do {
            try? manager.removeItem(atPath: target)
            try manager.createDirectory(atPath: target, withIntermediateDirectories: true)
            copyDirectory(work + "/before", to: target + "/before")
            copyDirectory(work + "/db", to: target + "/crashed")
            try? manager.copyItem(atPath: work + "/expected-state.txt", toPath: target + "/expected-state.txt")
            try? manager.copyItem(atPath: work + "/" + Self.journalName, toPath: target + "/" + Self.journalName)
            var replay = ReplayFile(
                scenario: scenario.name, scenarioSource: scenario.source, seed: seed, cycle: cycle, crash: crash,
                workloadSeed: workloadSeed, initial: ReplayFile.encode(initial), violation: message)
            replay.crashSeed = crashSeed
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(replay).write(to: URL(fileURLWithPath: target + "/replay.json"))
            return target
        } catch {
            return nil
        }
    }

    /// Replaces `destination` with a copy of `source` (an empty directory when `source` is missing).
    func copyDirectory(_ source: String, to destination: String) {
        let manager = FileManager.default
        try? manager.removeItem(atPath: destination)
        if manager.fileExists(atPath: source) {
            try? manager.copyItem(atPath: source, toPath: destination)
        } else {
            try? manager.createDirectory(atPath: destination, withIntermediateDirectories: true)
        }
    }
}

import CrashTest
import Foundation

/// The `run`, `list` and `replay` commands.
enum CrashTestRunner {
    static var executable: String { ProcessControl.currentExecutable ?? CommandLine.arguments[0] }

    /// Loads the named scenarios (names or paths), or all of them.
    static func scenarios(_ names: [String]) -> [Scenario]? {
        var catalog: ScenarioCatalog?
        func loadCatalog() -> ScenarioCatalog? {
            if let catalog { return catalog }
            guard let directory = ScenarioCatalog.locate(executable: executable) else {
                printError(
                    "error: \(ScenarioCatalog.LoadError.notFound(searched: ["./FaultScenarios", "the package root above \(executable)"]))"
                )
                return nil
            }
            do {
                catalog = try ScenarioCatalog.load(directory: directory)
            } catch {
                printError("error: \(error)")
                return nil
            }
            return catalog
        }
        if names.isEmpty { return loadCatalog()?.scenarios }
        var result: [Scenario] = []
        for name in names {
            if name.hasSuffix(".scenario") || name.contains("/") {
                do {
                    result.append(try ScenarioCatalog.loadFile(name))
                } catch {
                    printError("error: \(error)")
                    return nil
                }
                continue
            }
            guard let all = loadCatalog() else { return nil }
            guard let scenario = all.scenarios.first(where: { $0.name == name }) else {
                printError("error: no scenario named \"\(name)\"; `crashtest list` shows them")
                return nil
            }
            result.append(scenario)
        }
        return result
    }

    static func list() -> Int32 {
        guard let all = scenarios([]) else { return 64 }
        let width = all.map(\.name.count).max() ?? 0
        for scenario in all {
            let pad = String(repeating: " ", count: width - scenario.name.count)
            print("\(scenario.name)\(pad)  \(scenario.model)  \(scenario.attacks)")
        }
        return 0
    }

    static func run(_ options: CrashTestCommand.RunOptions) -> Int32 {
        guard let selected = scenarios(options.scenarios) else { return 64 }
        guard !selected.isEmpty else {
            printError("error: no scenarios to run")
            return 64
        }
        let seed = options.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        let work = FileManager.default.temporaryDirectory.path + "/crashtest-\(seed)-\(ProcessControl.processID)"
        let failures = URL(fileURLWithPath: options.keepFailures).standardizedFileURL.path
        let campaign = CrashCampaign(executable: executable, workRoot: work, failuresDirectory: failures)
        let terminal = ProcessControl.standardOutputIsTerminal
        let budget = options.duration.map { UInt64($0 * 1e9) }
        print(
            "crashtest: \(selected.count) scenarios, seed \(seed)"
                + (options.duration.map { ", about \(Int($0)) s" } ?? ""))
        let started = ProcessControl.monotonicNanoseconds
        var results: [ScenarioResult] = []
        for (position, scenario) in selected.enumerated() {
            var deadline: UInt64?
            if let budget {
                let used = ProcessControl.monotonicNanoseconds - started
                let left = budget > used ? budget - used : 0
                deadline = ProcessControl.monotonicNanoseconds + left / UInt64(selected.count - position)
            }
            let cycles = options.cycles ?? scenario.cycles
            var lastPrinted = 0
            let result = campaign.run(scenario, seed: seed, cycles: cycles, deadline: deadline) { progress in
                if terminal {
                    let line = CampaignReport.progressLine(progress)
                    print("\r\u{1B}[K" + line, terminator: "")
                    ProcessControl.flushStandardOutput()
                } else if progress.cycles - lastPrinted >= 10 {
                    lastPrinted = progress.cycles
                    print(CampaignReport.progressLine(progress))
                }
            }
            if terminal { print("\r\u{1B}[K", terminator: "") }
            print(CampaignReport.progressLine(result) + (result.passed ? "" : "  FAIL"))
            results.append(result)
        }
        try? FileManager.default.removeItem(atPath: work)
        print("")
        print(CampaignReport.table(results))
        let violations = CampaignReport.violations(results)
        if !violations.isEmpty { print("\n" + violations) }
        if let json = options.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            do {
                try encoder.encode(results).write(to: URL(fileURLWithPath: json))
            } catch {
                printError("error: cannot write \(json): \(error.localizedDescription)")
                return 1
            }
        }
        let minutes = Double(ProcessControl.monotonicNanoseconds - started) / 60e9
        let total = results.map(\.cycles).reduce(0, +)
        print(
            "\n\(total) kill-and-verify cycles in \(String(format: "%.1f", minutes * 60)) s "
                + "(\(Int(Double(total) / max(minutes, 1e-9))) per minute); seed \(seed)")
        return results.allSatisfy(\.passed) ? 0 : 1
    }

    /// The kept failure at `path` and its scenario, or nil (after printing why).
    static func loadReplay(_ path: String) -> (ReplayFile, Scenario)? {
        let replay: ReplayFile
        do {
            replay = try JSONDecoder().decode(ReplayFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            printError("error: cannot read the replay file \(path): \(error.localizedDescription)")
            return nil
        }
        do {
            return (replay, try Scenario.parse(replay.scenarioSource, file: path))
        } catch {
            printError("error: the replay file's scenario does not parse: \(error)")
            return nil
        }
    }

    /// `crashtest replay --in-process FILE`: reruns the kept cycle on a simulated file system, then shrinks its
    /// workload. Exit 1 when it reproduces, 0 when it does not, 64 when it cannot be replayed in process.
    static func replayInProcess(_ path: String) -> Int32 {
        guard let (replay, scenario) = loadReplay(path) else { return 64 }
        let kept = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let inProcess: InProcessReplay
        do {
            inProcess = try InProcessReplay(replay, scenario: scenario, beforeDirectory: kept + "/before")
        } catch {
            printError("error: \(error)")
            return 64
        }
        print(
            "replaying \(replay.scenario) seed \(replay.seed) cycle \(replay.cycle) in process: \(replay.crash), "
                + "\(scenario.model), \(scenario.faults.count) fault rules, crash seed \(replay.crashSeed ?? 0)")
        print("originally: \(replay.violation)")
        // Inline first (the same every run), then with the engine's background threads, as the worker ran.
        let attempts = 20
        let (outcome, threaded) = inProcess.reproduce(attempts: attempts)
        print(
            (outcome.crashed
                ? "crashed at the kept hit" : "the crash point was not reached: crashed after the workload")
                + "; \(outcome.history.entries.count) operations issued, "
                + "\(outcome.history.entries.filter(\.acknowledged).count) acknowledged")
        guard let violation = outcome.violation else {
            print(
                "no violation in process: not with background work inline, nor in \(attempts) runs with background "
                    + "threads (the original run's thread timing decided it; `crashtest replay FILE` reruns it)")
            return 0
        }
        print(
            "reproduced" + (threaded ? " with background threads (timing-dependent: not on every run)" : "")
                + " on \(violation.image): \(violation.problem)")
        print("\nshrinking the workload (\(inProcess.workload.steps.count) steps, up to 30 s)...")
        if let (workload, shrunk) = inProcess.shrink(
            deadline: ContinuousClock.now + .seconds(30), backgroundThreads: threaded, attempts: threaded ? 5 : 1)
        {
            let found = shrunk.violation.map { "\($0.image): \($0.problem)" } ?? ""
            print(
                "shrunk to \(workload.steps.count) steps" + (shrunk.crashed ? "" : ", crash point not reached")
                    + ": \(found)")
            for step in workload.steps { print("  \(step)") }
        }
        return 1
    }

    static func replay(_ path: String) -> Int32 {
        guard let (replay, scenario) = loadReplay(path) else { return 64 }
        guard let initial = replay.decodedInitial() else {
            printError("error: \(path): the initial state is not valid hex")
            return 64
        }
        let kept = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let work = FileManager.default.temporaryDirectory.path + "/crashtest-replay-\(ProcessControl.processID)"
        try? FileManager.default.removeItem(atPath: work)
        try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        do {
            try FileManager.default.copyItem(atPath: kept + "/before", toPath: work + "/db")
        } catch {
            printError(
                "error: cannot copy \(kept)/before (the database the cycle started from): \(error.localizedDescription)"
            )
            return 64
        }
        let campaign = CrashCampaign(executable: executable, workRoot: work, failuresDirectory: work + "/failures")
        let outcome: CrashCampaign.CycleOutcome
        let journal = kept + "/" + CrashCampaign.journalName
        if scenario.model != .processCrash, let crashSeed = replay.crashSeed,
            FileManager.default.fileExists(atPath: journal)
        {
            // The kept journal and seed rebuild exactly the image the failing cycle judged.
            print(
                "rebuilding the \(scenario.model) image of \(replay.scenario) seed \(replay.seed) cycle \(replay.cycle)"
            )
            print("originally: \(replay.violation)")
            try? FileManager.default.copyItem(atPath: journal, toPath: work + "/" + CrashCampaign.journalName)
            try? FileManager.default.copyItem(
                atPath: kept + "/expected-state.txt", toPath: work + "/expected-state.txt")
            outcome = campaign.judge(
                scenario, directory: work + "/db", scratch: work, initial: initial, crashSeed: crashSeed,
                termination: .signaled(9))
        } else {
            print(
                "replaying \(replay.scenario) seed \(replay.seed) cycle \(replay.cycle): \(replay.crash), background work inline"
            )
            print("originally: \(replay.violation)")
            outcome = campaign.runCycle(
                scenario, directory: work + "/db", scratch: work, initial: initial, crash: replay.crash,
                seed: replay.workloadSeed, crashSeed: replay.crashSeed ?? 0, inline: true)
        }
        print(
            "worker \(outcome.termination); \(outcome.history.entries.count) operations issued, "
                + "\(outcome.history.entries.filter(\.acknowledged).count) acknowledged")
        if let violation = outcome.violation {
            print("reproduced: \(violation)\n(work directory kept: \(work))")
            return 1
        }
        try? FileManager.default.removeItem(atPath: work)
        print("no violation this time (a kill after a delay is timing-dependent; crash points replay exactly)")
        return 0
    }
}

import Foundation
import TestSupport
import Testing

@testable import CrashTest

/// `crashtest replay --in-process`: a failure kept by a real-process campaign, rerun on a simulated file system.
@Suite struct InProcessReplayTests {
    /// Runs the built `crashtest` with `arguments` to its end: its exit status and everything it printed.
    static func crashtest(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(CrashRunnerEndToEndTests.executable))
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// Writes `file` as JSON to a scratch directory and runs `crashtest` with `arguments` and its path last; nil
    /// when the executable is not built.
    static func crashtest(_ arguments: [String], on file: some Encodable) throws -> (status: Int32, output: String)? {
        guard CrashRunnerEndToEndTests.executable != nil else { return nil }
        let scratch = TemporaryDirectory("crashtest-file")
        defer { scratch.remove() }
        let path = scratch.path + "/file.json"
        try JSONEncoder().encode(file).write(to: URL(fileURLWithPath: path))
        return try crashtest(arguments + [path])
    }

    /// Runs `dropped-fsync-before-ack` (a disk that drops log syncs: the runner must catch lost synced writes) with
    /// real workers until it keeps a failure at a crash point.
    @Test(
        .enabled(
            if: CrashRunnerEndToEndTests.executable != nil,
            "the crashtest executable is not built next to the tests; run `swift build` first"))
    func aFailureKeptAtACrashPointReproducesInProcessAndShrinks() throws {
        let executable = try #require(CrashRunnerEndToEndTests.executable)
        let scratch = TemporaryDirectory("crashtest-inprocess")
        defer { scratch.remove() }
        let catalog = try ScenarioCatalog.load(directory: ScenarioTests.packageRoot.path + "/FaultScenarios")
        let lying = try #require(catalog.scenarios.first { $0.name == "dropped-fsync-before-ack" })
        let campaign = CrashCampaign(
            executable: executable, workRoot: scratch.path, failuresDirectory: scratch.path + "/failures")
        var kept: (ReplayFile, String)?
        for seed in UInt64(7)..<15 where kept == nil {
            let result = campaign.run(lying, seed: seed, cycles: 8, deadline: nil)
            for violation in result.violations where violation.crash.kind == .point && kept == nil {
                let directory = try #require(violation.keptAt)
                let replay = try JSONDecoder().decode(
                    ReplayFile.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/replay.json")))
                kept = (replay, directory)
            }
        }
        let (replay, directory) = try #require(kept, "no failure at a crash point kept")
        let scenario = try Scenario.parse(replay.scenarioSource, file: "replay.json")
        let inProcess = try InProcessReplay(replay, scenario: scenario, beforeDirectory: directory + "/before")
        let outcome = inProcess.run(inProcess.workload)
        #expect(outcome.crashed)
        let violation = try #require(outcome.violation)
        #expect(violation.problem.contains("an acknowledged write was lost"), "\(violation)")
        let (shrunk, failing) = try #require(inProcess.shrink(deadline: .now + .seconds(60)))
        #expect(shrunk.steps.count < inProcess.workload.steps.count)
        #expect(failing.violation != nil)

        // The command line says the same and exits 1.
        let command = try Self.crashtest(["replay", "--in-process", directory + "/replay.json"])
        #expect(command.status == 1, "\(command.output)")
        #expect(command.output.contains("reproduced on"), "\(command.output)")
        #expect(command.output.contains("shrunk to"), "\(command.output)")
    }

    @Test func aTimedKillIsRefusedHonestly() throws {
        let source = """
            name: timed
            attacks: a test
            workload: keys=10 values=1..10 steps=10
            model: process-crash
            crash: kill 10ms..20ms
            cycles: 1
            expect: consistent
            """
        let scenario = try Scenario.parse(source, file: "timed.scenario")
        let replay = ReplayFile(
            scenario: "timed", scenarioSource: source, seed: 1, cycle: 0,
            crash: CrashSpec(kind: .kill, killAfterMilliseconds: 15), workloadSeed: 2, initial: [:], violation: "x")
        #expect(throws: InProcessReplay.Unsupported.self) {
            try InProcessReplay(replay, scenario: scenario, beforeDirectory: "/nonexistent")
        }
        guard let command = try Self.crashtest(["replay", "--in-process"], on: replay) else { return }
        #expect(command.status == 64, "\(command.output)")
        #expect(command.output.contains("cannot be replayed in process"), "\(command.output)")
    }
}

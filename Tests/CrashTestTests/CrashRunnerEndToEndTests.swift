import Foundation
import TestSupport
import Testing

@testable import CrashTest

/// Runs the built `crashtest` executable as a user would: a short campaign with real worker processes.
@Suite struct CrashRunnerEndToEndTests {
    /// The `crashtest` binary beside the test bundle (`.build/<config>/crashtest`), or nil.
    static var executable: String? {
        var directory = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("crashtest").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    @Test(
        .enabled(
            if: executable != nil, "the crashtest executable is not built next to the tests; run `swift build` first"))
    func shortCampaignWithRealWorkers() throws {
        let executable = try #require(Self.executable)
        let scratch = TemporaryDirectory("crashtest-e2e")
        defer { scratch.remove() }
        let work = scratch.path
        let catalog = try ScenarioCatalog.load(directory: ScenarioTests.packageRoot.path + "/FaultScenarios")
        let campaign = CrashCampaign(executable: executable, workRoot: work, failuresDirectory: work + "/failures")

        let process = try #require(catalog.scenarios.first { $0.name == "torn-wal-tail" })
        let kills = campaign.run(process, seed: 7, cycles: 3, deadline: nil)
        #expect(kills.cycles == 3)
        #expect(kills.recoveriesVerified == 3)
        #expect(kills.violations.isEmpty, "\(kills.violations.map(\.message))")

        // The lying disk must be caught: the tester is tested.
        let lying = try #require(catalog.scenarios.first { $0.name == "dropped-fsync-before-ack" })
        let caught = campaign.run(lying, seed: 7, cycles: 6, deadline: nil)
        #expect(!caught.violations.isEmpty)
        #expect(caught.passed)
        let kept = try #require(caught.violations.first?.keptAt)
        #expect(FileManager.default.fileExists(atPath: kept + "/replay.json"))
        #expect(FileManager.default.fileExists(atPath: kept + "/expected-state.txt"))
    }
}

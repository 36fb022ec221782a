import Foundation
import LSMKV
import Testing
import VFS

@testable import CrashTest

/// A violation `crashtest explore` keeps: its replay file reruns exactly that state, and its shrunk workload.
@Suite("Explorer.Failure")
struct ExplorerFailureTests {
    /// The log sync before acknowledgement removed: the workload of seed 4 fails.
    private func failing(ledger: Bool) throws -> (Explorer, Workload, Explorer.Violation) {
        var configuration = Explorer.Configuration(model: .powerLoss)
        configuration.removedSyncs = [SyncSite(after: .walSync, kind: .file)]
        configuration.ledger = ledger
        configuration.workloadLength = 20
        let explorer = Explorer(configuration)
        let workload = explorer.workload(seed: 4)
        return (explorer, workload, try #require(explorer.explore(workload, seed: 4).violations.first))
    }

    @Test func aKeptViolationRoundTripsThroughJSONAndReproducesWithItsShrunkWorkload() throws {
        let (explorer, workload, violation) = try failing(ledger: false)
        #expect(violation.check == .oracle, "\(violation)")
        var failure = Explorer.Failure(violation, workload: workload, explorer: explorer)
        let (shrunk, shrunkViolation) = try #require(
            explorer.shrink(workload, seed: 4, check: violation.check, deadline: .now + .seconds(60)))
        failure.shrunk = shrunk
        failure.shrunkViolation = shrunkViolation
        #expect(shrunk.steps.count < workload.steps.count)

        let kept = try JSONDecoder().decode(Explorer.Failure.self, from: JSONEncoder().encode(failure))
        #expect(kept.workload == workload)
        #expect(kept.configuration.removedSyncs == explorer.configuration.removedSyncs)
        let again = try #require(kept.rerun())
        #expect(again.operationIndex == violation.operationIndex)
        #expect(again.detail == violation.detail)
        let shrunkAgain = try #require(kept.rerunShrunk())
        #expect(shrunkAgain.check == shrunkViolation.check)
        #expect(shrunkAgain.operationIndex == shrunkViolation.operationIndex)

        // `crashtest explore --replay FILE` reruns it from the file and exits 1.
        guard let command = try InProcessReplayTests.crashtest(["explore", "--replay"], on: failure) else { return }
        #expect(command.status == 1, "\(command.output)")
        #expect(command.output.contains("reproduced: [oracle]"), "\(command.output)")
        #expect(
            command.output.contains("shrunk workload (\(shrunk.steps.count) steps): reproduced"), "\(command.output)")
    }

    @Test func theSameWorkloadWithTheSyncInPlaceDoesNotReproduce() throws {
        let (explorer, workload, violation) = try failing(ledger: true)
        #expect(violation.check == .ledger, "\(violation)")
        var failure = Explorer.Failure(violation, workload: workload, explorer: explorer)
        failure.removedSyncs = []
        #expect(failure.rerun() == nil)
    }
}

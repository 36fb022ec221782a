import LSMKV
import Testing
import VFS

@testable import CrashTest

/// Record once, crash everywhere: the explorer passes on the engine under every model, and catches syncs removed
/// from outside the engine (``SyncAblation``), the durability ledger naming what is not durable.
@Suite("Explorer")
struct ExplorerTests {
    private func explore(
        _ model: CrashModel, seed: UInt64 = 7, removing removed: Set<SyncSite> = [], ledger: Bool = true,
        length: Int = 40
    ) -> Explorer.Report {
        var configuration = Explorer.Configuration(model: model)
        configuration.removedSyncs = removed
        configuration.ledger = ledger
        configuration.workloadLength = length
        let report = Explorer(configuration).explore(seed: seed)
        print(
            "explore [\(model)] seed \(seed): \(report.statesVerified) states (\(report.recoveries) recovered) at "
                + "\(report.crashPoints) crash points (\(report.exhaustiveCrashPoints) exhaustive), "
                + "\(report.nestedCrashes) nested, \(report.ledgerChecks) ledger checks in "
                + "\(report.seconds) s; \(report.violations.count) violations")
        return report
    }

    @Test(arguments: CrashModel.allCases)
    func theEnginePassesEveryCrashState(model: CrashModel) {
        let report = explore(model)
        #expect(report.violations.isEmpty, "\(report.violations.first.map { "\($0)" } ?? "")")
        #expect(report.crashPoints > 50)
        #expect(report.ledgerChecks > 5)
        #expect(report.statesVerified >= report.crashPoints)
        #expect(report.sampledAt.count == report.sampledCrashPoints)
        if model == .powerLoss {
            #expect(report.exhaustiveCrashPoints > 0)
            #expect(report.statesVerified > 2 * report.crashPoints)
        } else {
            #expect(report.exhaustiveCrashPoints == report.crashPoints)
        }
    }

    @Test func aNestedCrashDuringRecoveryIsExplored() {
        var configuration = Explorer.Configuration(model: .powerLoss)
        configuration.recoveryCrashPercent = 100
        configuration.workloadLength = 15
        let report = Explorer(configuration).explore(seed: 3)
        #expect(report.violations.isEmpty, "\(report.violations.first.map { "\($0)" } ?? "")")
        #expect(report.nestedCrashes > 0)
    }

    @Test func aRemovedLogSyncIsCaughtAndTheLedgerNamesTheLog() throws {
        let report = explore(.powerLoss, removing: [SyncSite(after: .walSync, kind: .file)])
        let violation = try #require(report.violations.first)
        #expect(violation.check == .ledger, "\(violation)")
        #expect(
            violation.detail.contains("unsynced bytes of /db/") && violation.detail.contains(".log"), "\(violation)")
        #expect(violation.detail.contains("The first write that depends on it: #"), "\(violation)")
    }

    @Test func aRemovedTableDirectorySyncIsCaughtAndTheLedgerNamesTheTable() throws {
        let report = explore(.powerLoss, removing: [SyncSite(after: .tableSync, kind: .directory)])
        let violation = try #require(report.violations.first)
        #expect(violation.check == .ledger, "\(violation)")
        #expect(violation.detail.contains("creation of /db/") && violation.detail.contains(".ldb"), "\(violation)")
    }

    /// Every directory sync of the engine removed at once: the ledger still names a directory entry.
    @Test func everyDirectorySyncRemovedIsCaughtByTheLedger() throws {
        let directories = Set(Explorer(.init(model: .powerLoss)).syncSites(seed: 7).filter { $0.kind == .directory })
        #expect(directories.count >= 3)
        let report = explore(.powerLoss, removing: directories)
        let violation = try #require(report.violations.first)
        #expect(violation.check == .ledger, "\(violation)")
        #expect(violation.detail.contains("in directory /db (the directory was not synced since)"), "\(violation)")
    }

    @Test func withoutTheLedgerTheCrashStatesStillCatchARemovedLogSync() throws {
        let report = explore(.powerLoss, removing: [SyncSite(after: .walSync, kind: .file)], ledger: false)
        let violation = try #require(report.violations.first)
        #expect(violation.check == .oracle, "\(violation)")
    }

    @Test func aFailingWorkloadShrinksToAFewSteps() throws {
        var configuration = Explorer.Configuration(model: .strict)
        configuration.removedSyncs = [SyncSite(after: .walSync, kind: .file)]
        configuration.workloadLength = 20
        let explorer = Explorer(configuration)
        let workload = explorer.workload(seed: 4)
        let (shrunk, violation) = try #require(
            explorer.shrink(workload, seed: 4, check: .ledger, deadline: .now + .seconds(60)))
        #expect(violation.check == .ledger)
        #expect(shrunk.steps.count < workload.steps.count)
        #expect(shrunk.steps.count <= 3, "\(shrunk.steps)")
    }

    /// Workloads explored on two threads give exactly the counts of exploring them one by one.
    @Test func explorationIsAFunctionOfTheSeedOnAnyNumberOfThreads() {
        var configuration = Explorer.Configuration(model: .strict)
        configuration.workloadLength = 20
        let explorer = Explorer(configuration)
        let together = explorer.explore(from: 11, workloads: 3, deadline: nil, threads: 2)
        let apart = (11..<14).map { explorer.explore(seed: UInt64($0)) }
        #expect(together.workloads == 3)
        #expect(together.statesVerified == apart.map(\.statesVerified).reduce(0, +))
        #expect(together.crashPoints == apart.map(\.crashPoints).reduce(0, +))
        #expect(together.violations.isEmpty)
    }

    /// The history at an instant holds what had been issued, acknowledged and made durable by then.
    @Test func theHistoryAtAnInstantIsWhatHadHappenedByThen() {
        let explorer = Explorer(.init(model: .strict))
        let run = explorer.record(Workload(steps: [.write(.put(key: [1], value: [1]), sync: true), .flush]))
        #expect(run.failure == nil)
        #expect(run.history.history(atOperation: 0).entries.isEmpty)
        let final = run.history.history(atOperation: run.recording.operationCount)
        #expect(final.entries.count == 1 && final.entries[0].acknowledged && final.entries[0].sync)
        let acknowledgedAt = run.history.durabilityPoints[0].at
        #expect(!run.history.history(atOperation: acknowledgedAt - 1).entries[0].acknowledged)
        #expect(run.history.history(atOperation: acknowledgedAt).entries[0].acknowledged)
    }
}

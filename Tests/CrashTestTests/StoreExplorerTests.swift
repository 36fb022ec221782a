import CrashTest
import Testing
import VFS

/// Any Swift store through ``CrashTestableStore``: a small replace-by-rename store passes every crash state, and
/// its variant that forgets the directory sync after the rename is caught, the ledger naming the rename.
@Suite("Exploring another store")
struct StoreExplorerTests {
    private func explore(_ model: CrashModel, syncsDirectory: Bool, ledger: Bool = true) -> Explorer.Report {
        var configuration = Explorer.Configuration(model: model)
        configuration.workloadLength = 25
        configuration.ledger = ledger
        return Explorer(configuration, store: ReplaceFileStore.opener(syncsDirectory: syncsDirectory))
            .explore(seed: 2)
    }

    @Test func encodingRoundTripsAndCorruptionThrows() throws {
        let map: [[UInt8]: [UInt8]] = [[1]: [2, 3], [4, 5]: []]
        let bytes = ReplaceFileStore.encode(map)
        #expect(try ReplaceFileStore.decode(bytes) == map)
        #expect(throws: ReplaceFileStore.Corrupt.self) { try ReplaceFileStore.decode(Array(bytes.dropLast())) }
        #expect(throws: ReplaceFileStore.Corrupt.self) { try ReplaceFileStore.decode([255, 255, 255, 127]) }
    }

    @Test(arguments: CrashModel.allCases)
    func theCorrectStorePassesEveryCrashState(model: CrashModel) {
        let report = explore(model, syncsDirectory: true)
        #expect(report.violations.isEmpty, "\(report.violations.first.map { "\($0)" } ?? "")")
        #expect(report.crashPoints > 50)
        #expect(report.ledgerChecks > 5)
    }

    @Test func theStoreThatForgetsTheDirectorySyncIsCaughtAndTheRenameNamed() throws {
        let violation = try #require(explore(.powerLoss, syncsDirectory: false).violations.first)
        #expect(violation.check == .ledger, "\(violation)")
        #expect(violation.detail.contains("Not durable: the rename of /db/data.tmp to /db/data"), "\(violation)")
    }

    @Test func withoutTheLedgerTheCrashStatesCatchItToo() throws {
        let violation = try #require(explore(.strict, syncsDirectory: false, ledger: false).violations.first)
        #expect(violation.check == .oracle, "\(violation)")
    }

    /// Ablation works through the protocol too: the store's one directory sync is an unannounced site.
    @Test func removingTheStoresDirectorySyncIsCaught() throws {
        var configuration = Explorer.Configuration(model: .powerLoss)
        configuration.workloadLength = 10
        let explorer = Explorer(configuration, store: ReplaceFileStore.opener())
        let sites = explorer.syncSites(seed: 1)
        #expect(sites == [SyncSite(after: nil, kind: .file), SyncSite(after: nil, kind: .directory)])
        configuration.removedSyncs = [SyncSite(after: nil, kind: .directory)]
        let report = Explorer(configuration, store: ReplaceFileStore.opener()).explore(seed: 1)
        #expect(report.violations.first?.check == .ledger)
    }
}

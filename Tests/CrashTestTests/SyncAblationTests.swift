import CrashTest
import LSMKV
import Testing
import VFS

/// Syncs removed from outside the engine, through the file system: the sites are told apart by the crash points the
/// engine announces, a removed sync really makes nothing durable, and every other sync still does.
@Suite("Sync ablation")
struct SyncAblationTests {
    /// Opens a database on `fs` wrapped in an ablation of `removed`, writes `count` synced keys with a tiny
    /// MemTable (so tables, MANIFEST edits and log switches happen), then cuts the power with the database still
    /// open (a close would sync the log); returns the wrapper and what a strict power loss left.
    private func run(_ fs: SimulatedFileSystem, removing removed: Set<SyncSite>, count: Int = 40) throws
        -> (SyncAblatingFileSystem, crashed: SimulatedFileSystem)
    {
        let ablating = SyncAblatingFileSystem(wrapping: fs, ablation: SyncAblation(removing: removed))
        var options = Options()
        options.writeBufferSize = 512
        options.runsBackgroundWorkInline = true
        ablating.install(into: &options)
        try fs.createDirectory("/db")
        let db = try Database(path: "/db", options: options)
        for i in 0..<count { try db.put(Array("key\(i)".utf8), Array(repeating: UInt8(i), count: 40), sync: true) }
        let crashed = fs.crash(seed: 1, model: .strict)
        withExtendedLifetime(db) {}
        return (ablating, crashed)
    }

    private func recoveredKeys(_ crashed: SimulatedFileSystem) throws -> Int {
        var options = Options()
        options.fileSystem = crashed
        let db = try Database(path: "/db", options: options)
        defer { try? db.close() }
        return try db.scan().count
    }

    @Test func everySyncSiteOfAFlushingWorkloadIsSeenAndNothingIsSkippedByDefault() throws {
        let (ablating, crashed) = try run(SimulatedFileSystem(), removing: [])
        #expect(ablating.skippedSyncs == 0)
        let expected: Set<SyncSite> = [
            SyncSite(after: .walSync, kind: .file), SyncSite(after: .logSwitch, kind: .file),
            SyncSite(after: .logSwitch, kind: .directory), SyncSite(after: .tableSync, kind: .file),
            SyncSite(after: .tableSync, kind: .directory), SyncSite(after: .manifestSync, kind: .file),
        ]
        #expect(expected.isSubset(of: ablating.sitesSeen), "\(ablating.sitesSeen)")
        #expect(try recoveredKeys(crashed) == 40)
    }

    @Test func aRemovedLogSyncLosesAcknowledgedWritesAtPowerLoss() throws {
        let (ablating, crashed) = try run(
            SimulatedFileSystem(), removing: [SyncSite(after: .walSync, kind: .file)], count: 3)
        #expect(ablating.skippedSyncs == 3)
        // Nothing was ever synced in the log: a strict power loss keeps none of the three acknowledged writes.
        #expect(try recoveredKeys(crashed) == 0)
    }

    @Test func aRemovedTableDirectorySyncLeavesTheMANIFESTNamingAMissingTable() throws {
        let (ablating, crashed) = try run(
            SimulatedFileSystem(), removing: [SyncSite(after: .tableSync, kind: .directory)])
        #expect(ablating.skippedSyncs > 0)
        #expect(throws: LSMKVError.self) { _ = try recoveredKeys(crashed) }
    }

    /// A planted missing sync that never matches a sync would plant nothing, and every check would pass for the
    /// wrong reason (a crash point added between a site's announcement and its sync once did exactly that).
    @Test func everyPlantedMissingSyncSkipsSyncsOfAFlushingAndCompactingWorkload() throws {
        for (name, site) in SyncAblation.planted.sorted(by: { $0.key < $1.key }) {
            let (ablating, _) = try run(SimulatedFileSystem(), removing: [site], count: 120)
            #expect(ablating.skippedSyncs > 0, "\(name) (\(site)) skipped no sync; sites seen: \(ablating.sitesSeen)")
        }
    }

    @Test func everyPlantedMissingSyncNamesASite() {
        #expect(SyncAblation.planted.count == 7)
        for site in SyncAblation.planted.values {
            #expect(site.after.map { SyncSite.announcingPoints.contains($0) } == true)
        }
    }
}

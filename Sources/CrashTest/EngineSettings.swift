import LSMKV
import VFS

/// The engine settings a crash test varies, taken from a ``CrashSimulation/Configuration`` or a ``Scenario``, and
/// the one place they become ``Options``: for the workload, for recovery and for verification alike. Made by
/// ``Scenario/engine`` and ``CrashSimulation/Configuration/engine``.
public struct EngineSettings: Sendable, Equatable {
    /// The MemTable size: small, so flushes (and their durability protocol) happen often.
    public var writeBufferSize: Int
    /// The compaction strategy under test.
    public var compaction: CompactionStrategy
    /// Level-0 tables (runs, when tiered) that start a compaction.
    public var level0CompactionTrigger: Int

    /// Options on `fileSystem` with these settings, tables and levels scaled to the MemTable so compactions write
    /// several outputs and reach levels 2 and 3.
    ///
    /// In a planted-bug build (`-Xswiftc -DLSMKV_PLANTED_BUGS`) whose `LSMKV_PLANTED_BUG` names a missing sync, the
    /// file system is wrapped in a ``SyncAblatingFileSystem`` that skips that sync: the crash tests then run
    /// against the planted bug with no switch in the engine.
    /// - Parameters:
    ///   - inlineBackgroundWork: run flushes and compactions on the writing thread, so the file system sees the
    ///     same operations in the same order on every run (see ``Options/runsBackgroundWorkInline``).
    ///   - crashPointHook: the engine's ``Options/crashPointHook``.
    public func options(
        fileSystem: any FileSystem, inlineBackgroundWork: Bool = true,
        crashPointHook: (@Sendable (CrashPoint) -> Void)? = nil
    ) -> Options {
        var options = Options()
        options.fileSystem = fileSystem
        options.writeBufferSize = writeBufferSize
        options.runsBackgroundWorkInline = inlineBackgroundWork
        options.compactionStrategy = compaction
        options.level0CompactionTrigger = level0CompactionTrigger
        options.targetFileSize = 2 * writeBufferSize
        options.maxBytesForLevelBase = 8 * writeBufferSize
        options.crashPointHook = crashPointHook
        if let planted = SyncAblation.plantedFromEnvironment {
            SyncAblatingFileSystem(wrapping: fileSystem, ablation: planted).install(into: &options)
        }
        return options
    }
}

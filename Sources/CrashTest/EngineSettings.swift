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
    /// - Parameter inlineBackgroundWork: run flushes and compactions on the writing thread, so the file system
    ///   sees the same operations in the same order on every run (see ``Options/runsBackgroundWorkInline``).
    public func options(fileSystem: any FileSystem, inlineBackgroundWork: Bool = true) -> Options {
        var options = Options()
        options.fileSystem = fileSystem
        options.writeBufferSize = writeBufferSize
        options.runsBackgroundWorkInline = inlineBackgroundWork
        options.compactionStrategy = compaction
        options.level0CompactionTrigger = level0CompactionTrigger
        options.targetFileSize = 2 * writeBufferSize
        options.maxBytesForLevelBase = 8 * writeBufferSize
        return options
    }
}

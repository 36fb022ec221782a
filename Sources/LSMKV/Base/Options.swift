import VFS

/// How to open a database. A value type: copy and change what you need.
public struct Options: Sendable {
    /// Every byte the database reads or writes goes through this file system. Default: the real disk.
    public var fileSystem: any FileSystem = PosixFileSystem()
    /// Create the directory and an empty database when none exists. Default `true`.
    public var createIfMissing = true
    /// Fail when a database already exists. Default `false`.
    public var errorIfExists = false
    /// The MemTable size, in bytes, at which it is frozen and flushed to a level-0 table. Default 4 MiB.
    public var writeBufferSize = 4 * 1024 * 1024
    /// Whether writes are synced to disk before they are acknowledged, unless a write says otherwise.
    /// Default `true`. See ``Database`` for what each mode guarantees.
    public var syncWrites = true
    /// Bloom filter bits per key in new tables (LevelDB's built-in filter); 0 writes no filter. Default 10.
    public var bloomBitsPerKey = 10
    /// Approximate size of a table's data blocks. Default 4 KiB.
    public var blockSize = 4096
    /// Keys between restart points in a block. Default 16.
    public var blockRestartInterval = 16
    /// Check the CRC of every block read from a table. Default `true`.
    public var verifyChecksums = true
    /// The bytes of table data blocks kept in memory, parsed and checksum-verified, shared by every table: reads of
    /// a cached block touch neither the file nor the checksum. Blocks an iterator still uses after eviction are
    /// not counted. 0 turns the cache off. Default 8 MiB, like LevelDB.
    public var blockCacheCapacity = 8 * 1024 * 1024
    /// Whether to read tables through read-only memory maps (``VFS/FileSystem/openMapped(_:)``) instead of
    /// `pread`. A block that misses the cache then costs a copy instead of a system call, as in LevelDB (which maps
    /// tables by default on 64-bit). Checksums are verified either way, once, when a block is copied out. Default
    /// true: the copy is guarded, so a table truncated by another process or a disk that fails to deliver a page is
    /// an ``LSMKVError/io(_:)`` error, not a SIGBUS that kills the process (where the guard cannot be installed the
    /// tables are read with `pread`). The mapped pages of open tables count towards the resident set, as the page
    /// cache they are. Only the real file system maps; the others read as usual.
    public var mapTableFiles = true
    /// Whether write-ahead logs are written through shared memory maps of space allocated ahead of the appends
    /// (``VFS/FileSystem/createMappedLog(_:)``) instead of one `write` system call per append. A write is then in
    /// the page cache when it is acknowledged either way, so every guarantee of ``Database``'s sync modes is
    /// unchanged; what changes is the cost of an unsynced write (a memory copy) and of a synced one (the sync no
    /// longer grows the file). A log read after a crash ends in zeros, which its format reserves for exactly that
    /// (LevelDB's reader skips them too); a log closed cleanly is cut back to its records. A store the kernel
    /// refuses is an ``LSMKVError/io(_:)`` error, not a SIGBUS (where the guard cannot be installed logs are
    /// written with `write`). Only the real file system maps; the others write as usual. Default true.
    public var mapLogFiles = true
    /// How many tables to keep open. Default 1000.
    public var maxOpenFiles = 1000
    /// What to do when a write-ahead log is damaged in the middle (not merely torn at the tail).
    public var logRecovery = LogRecoveryMode.failOnDamage
    /// Run flushes and compactions on the writing thread instead of background threads, deterministically: a flush
    /// scheduled by one write runs at the start of the next write (or `flush()`/`close()`), as if a background thread
    /// had run it just after, followed by every compaction the tree then needs. The same operations then reach the file system in the same order on every run, which crash
    /// tests need to replay a seed exactly, and the window between a MemTable switch and its flush stays open
    /// for them to crash into. Default `false`.
    public var runsBackgroundWorkInline = false
    /// How many nice levels below the thread that schedules a compaction (a writer or the flush) the compaction
    /// thread runs (Linux; ignored elsewhere). When the CPU is short, reads, writes and flushes then run first and
    /// compaction takes what is left: at 10, about a tenth of a core against each busy thread, and all of an idle
    /// core. When compaction falls behind, the level-0 triggers still slow and stop writes, as at any priority.
    /// 0 runs it at that thread's priority. Default 10.
    public var compactionNiceness = 10
    /// How tables are merged in the background. Default ``CompactionStrategy/leveled``.
    public var compactionStrategy = CompactionStrategy.leveled
    /// Level-0 tables (sorted runs, with ``CompactionStrategy/tiered``) at which a compaction starts. Default 4.
    public var level0CompactionTrigger = 4
    /// Level-0 tables at which each write is delayed by up to a millisecond so compaction can catch up. Default 8.
    public var level0SlowdownTrigger = 8
    /// Level-0 tables at which writes wait for compaction. Default 12.
    public var level0StopTrigger = 12
    /// The size of compaction output tables, in bytes. Default 2 MiB.
    public var targetFileSize = 2 * 1024 * 1024
    /// With ``CompactionStrategy/leveled``: the bytes level 1 may hold before it is compacted into level 2; each
    /// deeper level may hold ``levelSizeMultiplier`` times more. Default 10 MiB.
    public var maxBytesForLevelBase = 10 * 1024 * 1024
    /// With ``CompactionStrategy/leveled``: the size ratio between adjacent levels. Default 10.
    public var levelSizeMultiplier = 10
    /// With ``CompactionStrategy/tiered``: a run joins a merge when it is at most this many percent larger than the
    /// runs already chosen. Default 1.
    public var tieredSizeRatioPercent = 1
    /// With ``CompactionStrategy/tiered``: when all runs but the oldest hold more than this many percent of the
    /// oldest run's bytes, every run is merged into one. Default 200.
    public var tieredMaxSpaceAmplificationPercent = 200
    /// Bytes waiting to be compacted (beyond each level's target) at which writes are delayed. Default 64 GiB.
    public var softPendingCompactionBytesLimit = 64 << 30
    /// Bytes waiting to be compacted at which writes wait for compaction. Default 256 GiB.
    public var hardPendingCompactionBytesLimit = 256 << 30
    /// Called just before each step of the durability protocol; crash tests kill the process here. Default nil.
    public var crashPointHook: (@Sendable (CrashPoint) -> Void)?

    /// Options with every default.
    public init() {}
}

extension Options {
    /// Creates the write-ahead log at `path`, through a mapping when ``mapLogFiles``.
    /// - Throws: ``LSMKVError/io(_:)`` when the file cannot be created.
    func createLog(_ path: String) throws -> any WritableFile {
        try LSMKVError.wrappingIO {
            try mapLogFiles ? fileSystem.createMappedLog(path) : fileSystem.createWritable(path)
        }
    }
}

/// How the background compaction merges tables. Both keep the directory readable by LevelDB.
public enum CompactionStrategy: String, Sendable, CaseIterable, Codable {
    /// LevelDB's: level 0 is merged into level 1 when it holds ``Options/level0CompactionTrigger`` tables; level N
    /// into N+1 when it outgrows its target (``Options/maxBytesForLevelBase`` times
    /// ``Options/levelSizeMultiplier`` to the N-1). Low space and read amplification, higher write amplification.
    case leveled
    /// Size-tiered (RocksDB's "universal"): the tree is a list of sorted runs, newest first — each level-0 table,
    /// then one run per level 1–6, newer in lower levels. Runs of similar size that are adjacent in age are merged
    /// into one. Low write amplification; more space and more tables per read.
    case tiered
}

/// What recovery does with a write-ahead log that is damaged where a crash cannot have damaged it: in data the log
/// proves was synced (before a durability marker), or in the middle (a damaged record followed by readable ones).
/// (A torn tail — a damaged or incomplete end of unsynced data — is the normal result of a crash and is always
/// dropped; it is listed in ``Database/recoveryReport``.)
public enum LogRecoveryMode: String, Sendable, CaseIterable {
    /// Refuse to open, with a corruption error naming the log and offset. Nothing acknowledged is dropped silently.
    case failOnDamage = "fail"
    /// Keep every record before the damage, drop the rest of that log, and list the loss in the recovery report.
    /// Use it to salvage a damaged database; acknowledged writes after the damage are lost.
    case salvagePrefix = "salvage"
    /// Keep every readable record of the log, before and after the damage (as LevelDB's reader and `lsmkv repair`
    /// do), and list each unreadable region in the recovery report. The writes inside the damage are lost, so the
    /// recovered history may have a hole there.
    case salvageAll = "salvage-all"
}

/// What recovery found when the database was opened.
public struct RecoveryReport: Sendable, Equatable {
    /// A region of a log that recovery did not replay.
    public struct DroppedRegion: Sendable, Equatable, CustomStringConvertible {
        /// The log file.
        public var file: String
        /// The offset of the first byte not replayed.
        public var offset: Int
        /// Why (for example "checksum mismatch").
        public var reason: String
        /// `true` for a torn tail (normal after a crash), `false` for damage salvaged past.
        public var isTornTail: Bool
        /// The number of bytes not replayed from ``offset`` on.
        public var length: Int = 0
        /// The intact records in those bytes that were not replayed either (recovery stopped before them).
        public var readableRecordsDropped: Int = 0

        public var description: String {
            "\(file) from offset \(offset), \(length) bytes (\(readableRecordsDropped) readable records): \(reason)"
                + (isTornTail ? " (torn tail)" : " (damage, salvaged)")
        }
    }

    /// The logs replayed, in order.
    public var logsReplayed: [String] = []
    /// The number of write batches replayed from them.
    public var batchesReplayed = 0
    /// Log regions that were not replayed.
    public var droppedRegions: [DroppedRegion] = []
}

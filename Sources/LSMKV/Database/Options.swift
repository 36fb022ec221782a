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
    /// How many tables to keep open. Default 1000.
    public var maxOpenFiles = 1000
    /// What to do when a write-ahead log is damaged in the middle (not merely torn at the tail).
    public var logRecovery = LogRecoveryMode.failOnDamage
    /// Run flushes on the writing thread instead of the background thread, deterministically: a flush scheduled by
    /// one write runs at the start of the next write (or `flush()`/`close()`), as if a background thread had run it
    /// just after. The same operations then reach the file system in the same order on every run, which crash
    /// tests need to replay a seed exactly, and the window between a MemTable switch and its flush stays open
    /// for them to crash into. Default `false`.
    public var runsBackgroundWorkInline = false
    /// Called just before each step of the durability protocol; crash tests kill the process here. Default nil.
    public var crashPointHook: (@Sendable (CrashPoint) -> Void)?

    /// Options with every default.
    public init() {}
}

/// What recovery does with a write-ahead log that is damaged in the middle: a damaged record followed by readable
/// ones. (A torn tail — a damaged or incomplete last record — is the normal result of a crash and is always
/// dropped; it is listed in ``Database/recoveryReport``.)
public enum LogRecoveryMode: String, Sendable, CaseIterable {
    /// Refuse to open, with a corruption error naming the log and offset. Nothing acknowledged is dropped silently.
    case failOnDamage = "fail"
    /// Keep every record before the damage, drop the rest of that log, and list the loss in the recovery report.
    /// Use it to salvage a damaged database; acknowledged writes after the damage are lost.
    case salvagePrefix = "salvage"
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

        public var description: String {
            "\(file) from offset \(offset): \(reason)\(isTornTail ? " (torn tail)" : " (damage, salvaged)")"
        }
    }

    /// The logs replayed, in order.
    public var logsReplayed: [String] = []
    /// The number of write batches replayed from them.
    public var batchesReplayed = 0
    /// Log regions that were not replayed.
    public var droppedRegions: [DroppedRegion] = []
}

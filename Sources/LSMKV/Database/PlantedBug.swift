#if LSMKV_PLANTED_BUGS
    #if canImport(Glibc)
        import Glibc
    #endif
#endif

/// Deliberately planted crash-consistency bugs, each one a real bug class an engine has shipped
/// (see BUG-CLASSES.md). They exist to prove the crash tests catch them.
///
/// Compiled in only with `-Xswiftc -DLSMKV_PLANTED_BUGS`; in every normal build ``isActive(_:)`` is the constant
/// `false` and the optimizer removes the checks. In a planted build, the bug named by the environment variable
/// `LSMKV_PLANTED_BUG` is active.
public enum PlantedBug: String, CaseIterable, Sendable {
    /// Class 1: CURRENT renamed into place but the directory never synced.
    case noDirectorySyncAfterCurrentRename = "no-dir-sync-after-current-rename"
    /// Class 2: a new table's directory entry not made durable before the MANIFEST references it.
    case noDirectorySyncForNewTable = "no-dir-sync-for-new-table"
    /// Class 5: table data not synced before the MANIFEST edit that references it.
    case tableNotSynced = "table-not-synced"
    /// The write-ahead log not synced before a `sync: true` write is acknowledged.
    case walNotSyncedBeforeAck = "wal-not-synced-before-ack"
    /// Class 9: a torn log tail treated as fatal corruption.
    case tornTailIsFatal = "torn-tail-is-fatal"
    /// Class 17: the flushed MemTable's log deleted before the edit that replaces it is durable.
    case logDeletedBeforeEdit = "log-deleted-before-edit"
    /// Deletions skipped when a log is replayed: the tombstone is lost and the old value comes back.
    case tombstoneIgnoredOnRecovery = "tombstone-ignored-on-recovery"
    /// Class 7: the old log not synced when a new one starts.
    case oldLogNotSyncedAtSwitch = "old-log-not-synced-at-switch"
    /// Class 4/13: the MANIFEST not synced after an edit is appended.
    case manifestNotSynced = "manifest-not-synced"
    /// Class 9: damage in the middle of a log silently treated as the end of the log.
    case midLogDamageTruncatedSilently = "mid-log-damage-truncated-silently"
    /// Class 16: compaction drops a tombstone while a deeper level still holds an older value of the key, which
    /// then comes back.
    case tombstoneDroppedAboveBaseLevel = "tombstone-dropped-above-base-level"
    /// Class 5 for compaction: output tables not synced before the edit that installs them.
    case compactionOutputNotSynced = "compaction-output-not-synced"
    /// Class 17 for compaction: the inputs deleted before the edit that replaces them is durable.
    case compactionInputsDeletedBeforeInstall = "compaction-inputs-deleted-before-install"

    /// Whether this bug is planted in the running process.
    @inline(__always)
    public static func isActive(_ bug: PlantedBug) -> Bool {
        #if LSMKV_PLANTED_BUGS
            return active == bug
        #else
            return false
        #endif
    }

    /// Whether this build can plant bugs at all.
    public static var isAvailable: Bool {
        #if LSMKV_PLANTED_BUGS
            return true
        #else
            return false
        #endif
    }

    #if LSMKV_PLANTED_BUGS
        private static let active: PlantedBug? = {
            guard let value = getenv("LSMKV_PLANTED_BUG") else { return nil }
            return PlantedBug(rawValue: String(cString: value))
        }()
    #endif
}

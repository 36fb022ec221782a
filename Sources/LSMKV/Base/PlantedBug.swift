#if LSMKV_PLANTED_BUGS
    #if canImport(Glibc)
        import Glibc
    #endif
#endif

/// Deliberately planted crash-consistency bugs that only the engine itself can commit (wrong recovery and compaction
/// decisions), each one a real bug class an engine has shipped (see BUG-CLASSES.md). They exist to prove the crash
/// tests catch them. The planted *missing syncs* are not here: the crash-test library removes sync calls from
/// outside, through the file system (`CrashTest.SyncAblation`), so the engine's durability lines carry no switch.
///
/// Compiled in only with `-Xswiftc -DLSMKV_PLANTED_BUGS`; in every normal build ``isActive(_:)`` is the constant
/// `false` and the optimizer removes the checks. In a planted build, the bug named by the environment variable
/// `LSMKV_PLANTED_BUG` is active.
package enum PlantedBug: String, CaseIterable, Sendable {
    /// Class 9: a torn log tail treated as fatal corruption.
    case tornTailIsFatal = "torn-tail-is-fatal"
    /// Class 17: the flushed MemTable's log deleted before the edit that replaces it is durable.
    case logDeletedBeforeEdit = "log-deleted-before-edit"
    /// Deletions skipped when a log is replayed: the tombstone is lost and the old value comes back.
    case tombstoneIgnoredOnRecovery = "tombstone-ignored-on-recovery"
    /// Class 9: damage in the middle of a log silently treated as the end of the log.
    case midLogDamageTruncatedSilently = "mid-log-damage-truncated-silently"
    /// Damage in data the log proves synced (before a durability marker) treated as a torn tail: synced records
    /// are dropped silently.
    case syncedDamageTreatedAsTornTail = "synced-damage-treated-as-torn-tail"
    /// Class 10: a log fragment whose type byte reads 0 taken for padding whatever its length and checksum say, so
    /// the rest of its block is skipped without a report.
    case zeroTypeReadAsPadding = "zero-type-read-as-padding"
    /// Class 16: compaction drops a tombstone while a deeper level still holds an older value of the key, which
    /// then comes back.
    case tombstoneDroppedAboveBaseLevel = "tombstone-dropped-above-base-level"
    /// Group commit: a leader that does not sync takes a writer that asked for a sync into its group, which is then
    /// acknowledged as synced from a log record that was never synced.
    case syncWriteInUnsyncedGroup = "sync-write-in-unsynced-group"
    /// Class 17 for compaction: the inputs deleted before the edit that replaces them is durable.
    case compactionInputsDeletedBeforeInstall = "compaction-inputs-deleted-before-install"

    /// Whether this bug is planted in the running process.
    @inline(__always)
    package static func isActive(_ bug: PlantedBug) -> Bool {
        #if LSMKV_PLANTED_BUGS
            return active == bug
        #else
            return false
        #endif
    }

    /// Whether this build can plant bugs at all.
    package static var isAvailable: Bool {
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

/// Named places in the engine's durability protocol where a crash test may stop the process.
///
/// The engine calls ``Options/crashPointHook`` just before each of these steps. A crash tester counts the calls
/// and kills the process at the k-th hit of a chosen point; normal programs leave the hook `nil`.
public enum CrashPoint: String, Sendable, CaseIterable, Codable {
    /// Before a record is appended to the write-ahead log.
    case walAppend = "wal-append"
    /// Before the write-ahead log is synced for a write.
    case walSync = "wal-sync"
    /// Before the full MemTable's log is synced and a new log is created (its directory entry synced next).
    case logSwitch = "log-switch"
    /// Before a table's contents are written.
    case tableWrite = "table-write"
    /// Before a table is synced.
    case tableSync = "table-sync"
    /// Before a version edit is appended to the MANIFEST.
    case manifestWrite = "manifest-write"
    /// Before the MANIFEST is synced.
    case manifestSync = "manifest-sync"
    /// Before the temporary file is renamed to CURRENT.
    case currentRename = "current-rename"
    /// After CURRENT was renamed into place, before the directory is synced: the rename may or may not survive
    /// a power loss here, so the MANIFEST it names must already be durable on its own.
    case currentRenamed = "current-renamed"
    /// Before the database directory is synced.
    case directorySync = "directory-sync"
    /// Before an obsolete log, table or manifest is deleted.
    case fileDeletion = "file-deletion"
    /// Before a compaction starts writing an output table.
    case compactionOutput = "compaction-output"
    /// Before a compaction output table is synced.
    case compactionOutputSync = "compaction-output-sync"
    /// Before a compaction's edit is written to the MANIFEST (its outputs are durable).
    case compactionInstall = "compaction-install"
    /// After a compaction's edit is durable, before its inputs are deleted.
    case compactionInstalled = "compaction-installed"
}

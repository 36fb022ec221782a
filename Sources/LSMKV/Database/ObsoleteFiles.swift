import Synchronization
import VFS

/// Deletes the files of a database directory that nothing needs any more, and owns the set of table numbers being
/// written (Pebble's `obsolete_files.go`).
///
/// A file is kept when it is a log the MANIFEST still needs (its number is at least the recorded log number, or is
/// the previous log number), the live MANIFEST or a newer one, a table any ``LiveVersion`` references, or a table
/// or temporary file being written. Everything else with a database file name goes.
final class ObsoleteFiles: Sendable {
    private let directory: String
    private let fileSystem: any FileSystem
    private let versions: VersionSet
    private let tableCache: TableCache
    private let hook: (@Sendable (CrashPoint) -> Void)?
    /// Table numbers being written and not yet in a version: never deleted.
    private let pendingOutputs = Mutex<Set<UInt64>>([])

    init(
        directory: String, fileSystem: any FileSystem, versions: VersionSet, tableCache: TableCache,
        hook: (@Sendable (CrashPoint) -> Void)?
    ) {
        self.directory = directory
        self.fileSystem = fileSystem
        self.versions = versions
        self.tableCache = tableCache
        self.hook = hook
    }

    /// Allocates a file number for a new table and protects it until ``release(_:)``.
    func newOutputNumber() -> UInt64 {
        let number = versions.newFileNumber()
        pendingOutputs.withLock { _ = $0.insert(number) }
        return number
    }

    /// Stops protecting tables that are now in the installed version, or that were abandoned.
    func release<Numbers: Sequence<UInt64>>(_ numbers: Numbers) {
        pendingOutputs.withLock { $0.subtract(numbers) }
    }

    /// Deletes every obsolete file. Call only after the edit that obsoleted them is durable, and never after a
    /// background failure: whether the failed edit reached the disk is unknown, so every file it names may be live
    /// (LevelDB's rule).
    func deleteObsoleteFiles() {
        // List first: a file listed here was created after its number entered `pendingOutputs`, and leaves that set
        // only once a live version holds it.
        guard let names = try? fileSystem.listDirectory(directory) else { return }
        let pending = pendingOutputs.withLock { $0 }
        let recorded = versions.snapshot
        let live = versions.liveTables.numbers.union(pending)
        for name in names {
            let keep: Bool
            switch FileNames.parse(name) {
            case .log(let n)?: keep = n >= recorded.logNumber || n == recorded.previousLogNumber
            case .manifest(let n)?: keep = n >= recorded.manifestNumber
            case .table(let n)?: keep = live.contains(n)
            case .temp(let n)?: keep = pending.contains(n)
            default: keep = true
            }
            if keep { continue }
            hook?(.fileDeletion)
            try? fileSystem.remove(Path.join(directory, name))
            if case .table(let n)? = FileNames.parse(name) { tableCache.evict(n) }
        }
    }
}

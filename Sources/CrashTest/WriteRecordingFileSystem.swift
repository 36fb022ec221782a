import Synchronization
import VFS

/// A file system that passes every operation through and records each one that could change the directory: a
/// file created or opened for writing, a remove, a rename, a directory created or synced, a lock that creates its
/// file. The recovery check runs read-only operations (the integrity check) on it: any recorded write is bug
/// class 18, a read-only operation that writes.
final class WriteRecordingFileSystem: ForwardingFileSystem {
    let inner: any FileSystem
    private let recorded = Mutex<[String]>([])

    /// Wraps `inner`.
    init(wrapping inner: any FileSystem) { self.inner = inner }

    /// The operations that could change the directory, in order, as `"rename /db/a to /db/b"`.
    var writes: [String] { recorded.withLock { $0 } }

    private func record(_ operation: String) { recorded.withLock { $0.append(operation) } }

    func createWritable(_ path: String) throws -> any WritableFile {
        record("create \(path)")
        return try inner.createWritable(path)
    }

    func openWritable(_ path: String) throws -> any WritableFile {
        record("open \(path) for writing")
        return try inner.openWritable(path)
    }

    func remove(_ path: String) throws {
        record("remove \(path)")
        try inner.remove(path)
    }

    func rename(_ source: String, to destination: String) throws {
        record("rename \(source) to \(destination)")
        try inner.rename(source, to: destination)
    }

    func createDirectory(_ path: String) throws {
        record("create directory \(path)")
        try inner.createDirectory(path)
    }

    func syncDirectory(_ path: String) throws {
        record("sync directory \(path)")
        try inner.syncDirectory(path)
    }

    func lockFile(_ path: String) throws -> any FileLock {
        if !inner.fileExists(path) { record("create lock file \(path)") }
        return try inner.lockFile(path)
    }
}

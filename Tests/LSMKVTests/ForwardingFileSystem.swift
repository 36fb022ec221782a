import VFS

/// A test file system that wraps another: every operation goes to `inner` unless the conforming type implements it
/// itself, so a test double states only what it changes.
protocol ForwardingFileSystem: FileSystem {
    var inner: any FileSystem { get }
}

extension ForwardingFileSystem {
    func openReadable(_ path: String) throws -> any ReadableFile { try inner.openReadable(path) }
    func openMapped(_ path: String) throws -> any ReadableFile { try inner.openMapped(path) }
    func createWritable(_ path: String) throws -> any WritableFile { try inner.createWritable(path) }
    func openWritable(_ path: String) throws -> any WritableFile { try inner.openWritable(path) }
    func fileSize(_ path: String) throws -> Int { try inner.fileSize(path) }
    func fileExists(_ path: String) -> Bool { inner.fileExists(path) }
    func remove(_ path: String) throws { try inner.remove(path) }
    func rename(_ source: String, to destination: String) throws { try inner.rename(source, to: destination) }
    func listDirectory(_ path: String) throws -> [String] { try inner.listDirectory(path) }
    func createDirectory(_ path: String) throws { try inner.createDirectory(path) }
    func syncDirectory(_ path: String) throws { try inner.syncDirectory(path) }
    func lockFile(_ path: String) throws -> any FileLock { try inner.lockFile(path) }
}

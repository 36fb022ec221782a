import VFS

/// A test file system that wraps another: every operation goes to `inner` unless the conforming type implements it
/// itself, so a test double states only what it changes.
public protocol ForwardingFileSystem: FileSystem {
    /// The file system every operation the conforming type does not implement goes to.
    var inner: any FileSystem { get }
}

extension ForwardingFileSystem {
    public func openReadable(_ path: String) throws -> any ReadableFile { try inner.openReadable(path) }
    public func openMapped(_ path: String) throws -> any ReadableFile { try inner.openMapped(path) }
    public func createWritable(_ path: String) throws -> any WritableFile { try inner.createWritable(path) }
    public func openWritable(_ path: String) throws -> any WritableFile { try inner.openWritable(path) }
    public func fileSize(_ path: String) throws -> Int { try inner.fileSize(path) }
    public func fileExists(_ path: String) -> Bool { inner.fileExists(path) }
    public func remove(_ path: String) throws { try inner.remove(path) }
    public func rename(_ source: String, to destination: String) throws { try inner.rename(source, to: destination) }
    public func listDirectory(_ path: String) throws -> [String] { try inner.listDirectory(path) }
    public func createDirectory(_ path: String) throws { try inner.createDirectory(path) }
    public func syncDirectory(_ path: String) throws { try inner.syncDirectory(path) }
    public func lockFile(_ path: String) throws -> any FileLock { try inner.lockFile(path) }
}

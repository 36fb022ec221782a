import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The real disk, through POSIX calls. `sync` is `fdatasync`; `syncDirectory` is `fsync` of the directory.
///
/// Every file is opened without blocking and must be a regular file: a FIFO, socket, device or directory where a
/// file is expected fails at once with ``FileSystemError/Code/notRegularFile`` (``FileSystemError/Code/isDirectory``
/// for a directory) naming the path, so hostile directories never hang a caller.
public struct PosixFileSystem: FileSystem {
    /// Paths locked by this process: `fcntl` locks do not exclude a second open from the same process.
    private static let lockedPaths = Mutex<Set<String>>([])

    /// Creates the file system. It has no state of its own.
    public init() {}

    public func openReadable(_ path: String) throws -> any ReadableFile {
        PosixReadableFile(fd: try Syscalls.openRegularFile(path, O_RDONLY, for: .openReadable), path: path)
    }

    public func openMapped(_ path: String) throws -> any ReadableFile {
        // Without the SIGBUS guard a truncated file would kill the process: read it with pread instead.
        guard Syscalls.guardedCopiesAvailable else { return try openReadable(path) }
        let fd = try Syscalls.openRegularFile(path, O_RDONLY, for: .openReadable)
        // The mapping outlives the descriptor, which is closed whatever happens.
        defer { Syscalls.close(fd) }
        let size = try Syscalls.fileSize(fd, path, for: .openReadable)
        // An empty file has nothing to map (mmap refuses a zero length).
        guard size > 0 else { return PosixMappedFile(path: path, mapping: nil) }
        return PosixMappedFile(path: path, mapping: try Syscalls.mapReadOnly(fd, path, size: size))
    }

    public func createWritable(_ path: String) throws -> any WritableFile {
        let fd = try Syscalls.openRegularFile(path, O_WRONLY | O_CREAT | O_TRUNC, for: .createWritable)
        return PosixWritableFile(fd: fd, path: path, size: 0)
    }

    public func createMappedLog(_ path: String) throws -> any WritableFile {
        // Without the SIGBUS guard a store the kernel refuses would kill the process: write as usual instead.
        guard Syscalls.guardedCopiesAvailable else { return try createWritable(path) }
        // Read and write: a shared writable mapping needs both.
        let fd = try Syscalls.openRegularFile(path, O_RDWR | O_CREAT | O_TRUNC, for: .createWritable)
        return PosixMappedLogFile(fd: fd, path: path)
    }

    public func openWritable(_ path: String) throws -> any WritableFile {
        let fd = try Syscalls.openRegularFile(path, O_WRONLY, for: .openWritable)
        do {
            let end = try Syscalls.seekToEnd(fd, path)
            return PosixWritableFile(fd: fd, path: path, size: end)
        } catch {
            Syscalls.close(fd)
            throw error
        }
    }

    public func fileSize(_ path: String) throws -> Int { try Syscalls.fileSize(path) }

    public func fileExists(_ path: String) -> Bool { Syscalls.exists(path) }

    public func remove(_ path: String) throws { try Syscalls.unlink(path) }

    public func rename(_ source: String, to destination: String) throws { try Syscalls.rename(source, destination) }

    public func listDirectory(_ path: String) throws -> [String] { try Syscalls.listDirectory(path) }

    public func createDirectory(_ path: String) throws { try Syscalls.mkdir(path) }

    public func syncDirectory(_ path: String) throws {
        let fd = try Syscalls.open(path, O_RDONLY | O_DIRECTORY, for: .syncDirectory)
        defer { Syscalls.close(fd) }
        try Syscalls.fsyncDirectory(fd, path)
    }

    public func lockFile(_ path: String) throws -> any FileLock {
        let inserted = Self.lockedPaths.withLock { $0.insert(path).inserted }
        guard inserted else {
            throw FileSystemError(.locked, operation: .lockFile, path: path, detail: "already locked by this process")
        }
        do {
            let fd = try Syscalls.openRegularFile(path, O_RDWR | O_CREAT, for: .lockFile)
            do {
                try Syscalls.lockWhole(fd, path)
            } catch {
                Syscalls.close(fd)
                throw error
            }
            return PosixFileLock(fd: fd, path: path) { _ = Self.lockedPaths.withLock { $0.remove(path) } }
        } catch {
            _ = Self.lockedPaths.withLock { $0.remove(path) }
            throw error
        }
    }
}

/// A descriptor that is closed exactly once, by `close()` or at deinit.
final class Descriptor: Sendable {
    let fd: Int32
    private let closed = Atomic<Bool>(false)

    init(_ fd: Int32) { self.fd = fd }

    func close() {
        if !closed.exchange(true, ordering: .acquiringAndReleasing) { Syscalls.close(fd) }
    }

    var isClosed: Bool { closed.load(ordering: .acquiring) }

    deinit { close() }
}

final class PosixReadableFile: ReadableFile {
    let path: String
    private let descriptor: Descriptor

    init(fd: Int32, path: String) {
        self.descriptor = Descriptor(fd)
        self.path = path
    }

    func read(at offset: Int, count: Int) throws -> [UInt8] {
        precondition(!descriptor.isClosed, "read from closed file \(path)")
        var buffer: [UInt8] = []
        try read(at: offset, count: count, into: &buffer)
        return buffer
    }

    func read(at offset: Int, count: Int, into buffer: inout [UInt8]) throws {
        precondition(!descriptor.isClosed, "read from closed file \(path)")
        try Syscalls.pread(descriptor.fd, path, offset: offset, count: count, into: &buffer)
    }

    func size() throws -> Int { try Syscalls.fileSize(descriptor.fd, path, for: .size) }

    func close() { descriptor.close() }
}

/// A read-only mapping of a file, unmapped when the last reference goes (so a read racing a `close` never touches
/// unmapped memory).
final class PosixMappedFile: ReadableFile {
    let path: String
    // nonisolated(unsafe): the mapping is read-only and unchanged for the object's whole life.
    private nonisolated(unsafe) let mapping: UnsafeRawBufferPointer?
    private let closed = Atomic<Bool>(false)

    init(path: String, mapping: UnsafeRawBufferPointer?) {
        self.path = path
        self.mapping = mapping
    }

    func read(at offset: Int, count: Int) throws -> [UInt8] {
        precondition(!closed.load(ordering: .relaxed), "read from closed file \(path)")
        var buffer: [UInt8] = []
        try read(at: offset, count: count, into: &buffer)
        return buffer
    }

    func read(at offset: Int, count: Int, into buffer: inout [UInt8]) throws {
        precondition(!closed.load(ordering: .relaxed), "read from closed file \(path)")
        guard let mapping else { return buffer.removeAll(keepingCapacity: true) }
        try Syscalls.copy(from: mapping, offset: offset, count: count, path: path, into: &buffer)
    }

    func size() throws -> Int { mapping?.count ?? 0 }

    func close() { closed.store(true, ordering: .relaxed) }

    deinit { if let mapping { Syscalls.unmap(mapping) } }
}

final class PosixWritableFile: WritableFile {
    let path: String
    private let descriptor: Descriptor
    /// Bytes in the file as this handle sees them; the handle is used by one thread at a time.
    private let written: Atomic<Int>
    /// Where the next background writeback starts (see ``append(_:)``).
    private let writebackStart: Atomic<Int>

    /// Appended bytes after which writeback of them is started, so that a later ``sync()`` waits for at most this
    /// much (RocksDB's `bytes_per_sync`): a MemTable switch syncs a 4 MiB log on the writer's thread.
    static let writebackInterval = 1 << 20

    init(fd: Int32, path: String, size: Int) {
        self.descriptor = Descriptor(fd)
        self.path = path
        self.written = Atomic(size)
        self.writebackStart = Atomic(size)
    }

    func append(_ bytes: [UInt8]) throws {
        precondition(!descriptor.isClosed, "append to closed file \(path)")
        let offset = written.load(ordering: .relaxed)
        try Syscalls.write(descriptor.fd, path, bytes, offset: offset)
        let end = offset + bytes.count
        written.store(end, ordering: .relaxed)
        let start = writebackStart.load(ordering: .relaxed)
        if end - start >= Self.writebackInterval {
            Syscalls.startWriteback(descriptor.fd, offset: start, count: end - start)
            writebackStart.store(end, ordering: .relaxed)
        }
    }

    func sync() throws { try Syscalls.fdatasync(descriptor.fd, path) }

    func truncate(to size: Int) throws {
        try Syscalls.ftruncate(descriptor.fd, path, size)
        try Syscalls.seek(descriptor.fd, path, to: size)
        written.store(size, ordering: .relaxed)
        writebackStart.store(min(writebackStart.load(ordering: .relaxed), size), ordering: .relaxed)
    }

    func size() throws -> Int { written.load(ordering: .relaxed) }

    func close() throws { descriptor.close() }
}

final class PosixFileLock: FileLock {
    let path: String
    private let descriptor: Descriptor
    private let release: @Sendable () -> Void

    init(fd: Int32, path: String, release: @escaping @Sendable () -> Void) {
        self.descriptor = Descriptor(fd)
        self.path = path
        self.release = release
    }

    func unlock() {
        guard !descriptor.isClosed else { return }
        descriptor.close()  // closing the descriptor drops the fcntl lock
        release()
    }

    deinit { unlock() }
}

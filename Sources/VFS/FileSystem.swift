/// The only door to the disk: everything a storage engine needs from a file system, and nothing more.
///
/// Implementations: ``PosixFileSystem`` (the real disk). Fault-injecting and simulated implementations live
/// beside it and must honour the same contract, which is the crash model of a POSIX file system:
///
/// - Bytes written to a file are durable only after ``WritableFile/sync()`` returned without error.
/// - A create, rename or remove is durable only after ``syncDirectory(_:)`` of its parent directory returned.
/// - ``rename(_:to:)`` over an existing name is atomic: after a crash one of the two contents is found.
/// - A `sync` that threw leaves the data in an unknown state; retrying it does not make it durable.
///
/// All methods are synchronous and may be called from any thread. Every error thrown is a ``FileSystemError``.
public protocol FileSystem: Sendable {
    /// Opens an existing file for positional reads.
    /// - Throws: ``FileSystemError`` with code `.notFound` when the file does not exist.
    func openReadable(_ path: String) throws -> any ReadableFile

    /// Opens an existing file that will not change while open (a table) for positional reads, memory-mapped when
    /// the implementation can: a read then copies from the mapping without a system call. The default is
    /// ``openReadable(_:)``.
    ///
    /// Reads copy out of the mapping under a SIGBUS guard: if the file shrinks while mapped (someone else truncates
    /// it) or the disk fails to deliver a page, the read throws an `.io` error instead of the process dying (where
    /// the guard cannot be installed, the file is read with `pread` instead). Reads past the size at open are
    /// answered like reads past the end of any file, so a short file found at open is never a crash.
    /// - Throws: ``FileSystemError`` as ``openReadable(_:)``.
    func openMapped(_ path: String) throws -> any ReadableFile

    /// Creates a file for writing, truncating it when it exists. Writes start at offset 0.
    ///
    /// The new directory entry is not durable until the parent directory is synced.
    func createWritable(_ path: String) throws -> any WritableFile

    /// Creates a log file for many small appends, like ``createWritable(_:)``, where the implementation may write
    /// through a shared memory map of space it allocates ahead of the appends (a copy per append instead of a
    /// system call). Only for files whose readers take zeros after the last record for the end, as LevelDB's log
    /// format does: until ``WritableFile/close()`` the file reads as zeros past what was appended, and after a
    /// crash it keeps them. Every guarantee of ``createWritable(_:)`` holds: an append that returned is in the page
    /// cache (it survives the process being killed), and only ``WritableFile/sync()`` makes it durable. The default
    /// is ``createWritable(_:)``, so simulated, fault-injecting and forwarding file systems see every append as a
    /// write.
    func createMappedLog(_ path: String) throws -> any WritableFile

    /// Opens an existing file for writing, positioned at its end (used to continue a log after a torn tail
    /// was truncated away).
    func openWritable(_ path: String) throws -> any WritableFile

    /// The size of the file at `path` in bytes.
    func fileSize(_ path: String) throws -> Int

    /// Whether a file or directory exists at `path`. Never throws: an unreadable path counts as absent.
    func fileExists(_ path: String) -> Bool

    /// Removes a file. The removal is durable only after the parent directory is synced.
    func remove(_ path: String) throws

    /// Atomically renames `source` to `destination`, replacing any file there.
    /// The rename is durable only after the parent directory is synced.
    func rename(_ source: String, to destination: String) throws

    /// The names (not paths) of the entries of a directory, without `.` and `..`, in no particular order.
    func listDirectory(_ path: String) throws -> [String]

    /// Creates a directory. Succeeds when it already exists.
    func createDirectory(_ path: String) throws

    /// Makes the directory's entries (creates, renames, removes) durable: `fsync` of the directory itself.
    func syncDirectory(_ path: String) throws

    /// Takes an exclusive lock on `path` (creating the file when needed) that keeps other processes, and other
    /// opens in this process, out until ``FileLock/unlock()``.
    /// - Throws: ``FileSystemError`` with code `.locked` when someone else holds it.
    func lockFile(_ path: String) throws -> any FileLock
}

extension FileSystem {
    /// Reads through ``openReadable(_:)``: simulated and fault-injecting file systems see every read.
    public func openMapped(_ path: String) throws -> any ReadableFile { try openReadable(path) }

    /// Writes through ``createWritable(_:)``: what simulated, fault-injecting and forwarding file systems do.
    public func createMappedLog(_ path: String) throws -> any WritableFile { try createWritable(path) }
}

/// A file opened for positional reads. Reads may run concurrently from many threads.
public protocol ReadableFile: AnyObject, Sendable {
    /// The path this file was opened with.
    var path: String { get }

    /// Reads up to `count` bytes starting at `offset`. Returns fewer bytes only at the end of the file.
    func read(at offset: Int, count: Int) throws -> [UInt8]

    /// Reads like ``read(at:count:)`` into `buffer`, replacing its contents. Implementations reuse `buffer`'s storage
    /// when it is uniquely referenced and large enough, so a caller recycling buffers allocates nothing per read.
    func read(at offset: Int, count: Int, into buffer: inout [UInt8]) throws

    /// The current size of the file in bytes.
    func size() throws -> Int

    /// Releases the file. Further use is a programmer error. Idempotent.
    func close()
}

extension ReadableFile {
    /// Reads through ``read(at:count:)`` (a new array each time): what simulated and fault-injecting files do.
    public func read(at offset: Int, count: Int, into buffer: inout [UInt8]) throws {
        buffer = try read(at: offset, count: count)
    }
}

/// A file opened for writing. One writer at a time; the engine never shares a writable file between threads.
public protocol WritableFile: AnyObject, Sendable {
    /// The path this file was opened with.
    var path: String { get }

    /// Appends `bytes` at the end of what this handle has written so far. Not durable until ``sync()``.
    func append(_ bytes: [UInt8]) throws

    /// Makes everything written so far durable (`fdatasync`). After a throw, the state of the data is unknown.
    func sync() throws

    /// Cuts the file to `size` bytes; later appends continue from there.
    func truncate(to size: Int) throws

    /// The number of bytes in the file as this handle sees it.
    func size() throws -> Int

    /// Closes the file without syncing it. Idempotent.
    func close() throws
}

/// An exclusive lock taken with ``FileSystem/lockFile(_:)``.
public protocol FileLock: AnyObject, Sendable {
    /// The locked path.
    var path: String { get }

    /// Releases the lock. Idempotent.
    func unlock()
}

import CGuardedCopy
import CSyscalls

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Every libc call the POSIX file system makes, in one place: `EINTR` is retried here, short writes are
/// looped here, and `-1` never escapes — each failure becomes a ``FileSystemError``.
enum Syscalls {
    /// The error for a failed `systemCall` made by the file-system call `operation`, from `errno`.
    static func error(
        _ operation: FileSystemOperation.Kind, _ systemCall: String, _ path: String, offset: Int? = nil,
        errno err: Int32 = errno, function: String = #function, line: Int = #line
    ) -> FileSystemError {
        let cause = FileSystemError.SystemCallError(systemCall: systemCall, errno: err)
        return FileSystemError(
            cause.code, operation: operation, path: path, offset: offset, cause: cause, function: function, line: line)
    }

    /// Runs `body` until it does not fail with `EINTR`.
    private static func retrying<T: BinaryInteger>(_ body: () -> T) -> T {
        while true {
            let result = body()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }

    /// Opens `path` for the file-system call `operation` (which names the error).
    static func open(
        _ path: String, _ flags: Int32, _ mode: mode_t = 0o644, for operation: FileSystemOperation.Kind
    ) throws -> Int32 {
        let fd = retrying { Glibc.open(path, flags | O_CLOEXEC, mode) }
        if fd < 0 { throw error(operation, "open", path) }
        return fd
    }

    /// Opens the regular file `path` for the file-system call `operation` without ever blocking.
    ///
    /// The open is non-blocking, so a FIFO in place of a file cannot stall it (a read-only open of a FIFO would wait
    /// for a writer, a write-only one for a reader); anything but a regular file (a FIFO, socket, device or
    /// directory) is then refused, and the descriptor is made blocking again for ordinary I/O.
    /// - Throws: ``FileSystemError`` with code ``FileSystemError/Code/notRegularFile`` (or
    ///   ``FileSystemError/Code/isDirectory``) naming `path`, or the failure of `open`.
    static func openRegularFile(
        _ path: String, _ flags: Int32, _ mode: mode_t = 0o644, for operation: FileSystemOperation.Kind
    ) throws -> Int32 {
        let fd = retrying { Glibc.open(path, flags | O_CLOEXEC | O_NONBLOCK, mode) }
        if fd < 0 {
            let failure = error(operation, "open", path)
            // A FIFO opened write-only without a reader fails with ENXIO, a socket always does: say what it is.
            if let kind = specialFileKind(path) { throw notRegularFile(operation, path, kind) }
            throw failure
        }
        var info = stat()
        if fstat(fd, &info) != 0 {
            let failure = error(operation, "fstat", path)
            close(fd)
            throw failure
        }
        if let kind = specialFileKind(mode: info.st_mode) {
            close(fd)
            throw notRegularFile(operation, path, kind)
        }
        let status = fcntl(fd, F_GETFL)
        if status < 0 || fcntl(fd, F_SETFL, status & ~O_NONBLOCK) != 0 {
            let failure = error(operation, "fcntl", path)
            close(fd)
            throw failure
        }
        return fd
    }

    /// What `path` is when it exists and is not a regular file (`nil` otherwise).
    private static func specialFileKind(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return specialFileKind(mode: info.st_mode)
    }

    /// What a file of mode `mode` is when it is not a regular file (`nil` for a regular file).
    private static func specialFileKind(mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    private static func notRegularFile(
        _ operation: FileSystemOperation.Kind, _ path: String, _ kind: String, function: String = #function,
        line: Int = #line
    ) -> FileSystemError {
        FileSystemError(
            kind == "a directory" ? .isDirectory : .notRegularFile, operation: operation, path: path,
            detail: "it is \(kind)", function: function, line: line)
    }

    static func close(_ fd: Int32) {
        // close() must not be retried on EINTR on Linux: the descriptor is already released.
        _ = Glibc.close(fd)
    }

    /// Reads up to `count` bytes at `offset` into `buffer` (replacing its contents, reusing its storage), looping
    /// over short reads until `count` bytes or end of file.
    static func pread(_ fd: Int32, _ path: String, offset: Int, count: Int, into buffer: inout [UInt8]) throws {
        precondition(offset >= 0 && count >= 0, "negative offset or count")
        buffer.removeAll(keepingCapacity: true)
        if count == 0 { return }
        var failure: FileSystemError?
        buffer.append(addingCapacity: count) { span in
            span.withUnsafeMutableBufferPointer { storage, initialized in
                var done = 0
                while done < count {
                    let n = retrying {
                        Glibc.pread(fd, storage.baseAddress! + done, count - done, off_t(offset + done))
                    }
                    if n < 0 {
                        failure = error(.read, "pread", path, offset: offset + done)
                        break
                    }
                    if n == 0 { break }
                    done += n
                }
                initialized = done
            }
        }
        if let failure { throw failure }
    }

    /// Maps the first `size` bytes of `fd` read-only and shared. `size` must be positive.
    static func mapReadOnly(_ fd: Int32, _ path: String, size: Int) throws -> UnsafeRawBufferPointer {
        precondition(size > 0, "cannot map an empty file")
        guard let address = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), address != MAP_FAILED else {
            throw error(.openReadable, "mmap", path)
        }
        return UnsafeRawBufferPointer(start: address, count: size)
    }

    static func unmap(_ mapping: UnsafeRawBufferPointer) {
        _ = munmap(UnsafeMutableRawPointer(mutating: mapping.baseAddress), mapping.count)
    }

    /// Whether copies out of mappings are guarded (``copy(from:offset:count:path:into:)``): installs the SIGBUS handler
    /// on first use. False when it could not be installed; then files must not be mapped.
    static let guardedCopiesAvailable: Bool = lsmkv_guarded_copy_install() == 0

    /// `count` bytes of `mapping` from `offset`, fewer past its end (as `pread` at the end of a file), into
    /// `buffer` (replacing its contents, reusing its storage).
    ///
    /// The copy is guarded: when the kernel cannot deliver a page (the file was truncated underneath the mapping,
    /// or the disk failed), it throws an ``FileSystemError/Code/io`` error instead of the process dying of SIGBUS.
    /// Requires ``guardedCopiesAvailable``.
    static func copy(
        from mapping: UnsafeRawBufferPointer, offset: Int, count: Int, path: String, into buffer: inout [UInt8]
    ) throws {
        precondition(offset >= 0 && count >= 0, "negative offset or count")
        buffer.removeAll(keepingCapacity: true)
        guard offset < mapping.count, count > 0 else { return }
        let available = min(count, mapping.count - offset)
        var faulted = false
        buffer.append(addingCapacity: available) { span in
            span.withUnsafeMutableBufferPointer { storage, initialized in
                faulted = lsmkv_guarded_copy(storage.baseAddress!, mapping.baseAddress! + offset, available) != 0
                // UInt8 has no invalid bit patterns: a partial copy is still initialized memory, dropped below.
                initialized = available
            }
        }
        if faulted {
            buffer.removeAll(keepingCapacity: true)
            throw FileSystemError(
                .io, operation: .read, path: path, offset: offset,
                detail: "the mapped file could not deliver \(available) bytes (SIGBUS: truncated or failing file)")
        }
    }

    /// The size of a memory page: mappings start at multiples of it.
    static let pageSize: Int = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Maps `size` bytes of `fd` from `offset` (a multiple of ``pageSize``) readable, writable and shared: stores
    /// land in the file's page cache, as `write` would put them.
    static func mapReadWrite(_ fd: Int32, _ path: String, offset: Int, size: Int) throws
        -> UnsafeMutableRawBufferPointer
    {
        precondition(size > 0 && offset % pageSize == 0, "bad mapping window")
        guard let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off_t(offset)),
            address != MAP_FAILED
        else { throw error(.append, "mmap", path, offset: offset) }
        return UnsafeMutableRawBufferPointer(start: address, count: size)
    }

    static func unmap(_ mapping: UnsafeMutableRawBufferPointer) { _ = munmap(mapping.baseAddress, mapping.count) }

    /// Zeros to write from: 64 KiB, written as often as needed.
    private static let zeros = [UInt8](repeating: 0, count: 1 << 16)

    /// Writes `count` zero bytes at `offset` (`pwrite`), growing the file to cover them: the file system reserves
    /// their space now (a full disk fails here, not in a later store into a mapping of them) and the page cache
    /// holds their pages, so the first store into a mapping of one costs a minor fault instead of a block
    /// allocation (``PosixMappedLogFile``; about 50 ns per 130-byte append against 230 ns after `posix_fallocate`).
    static func writeZeros(_ fd: Int32, _ path: String, offset: Int, count: Int) throws {
        try zeros.withUnsafeBytes { raw in
            var done = 0
            while done < count {
                let n = retrying {
                    Glibc.pwrite(fd, raw.baseAddress!, min(raw.count, count - done), off_t(offset + done))
                }
                if n < 0 { throw error(.append, "pwrite", path, offset: offset + done) }
                done += n
            }
        }
    }

    /// Copies `bytes` into `mapping` at `offset` under the SIGBUS guard (``copy(from:offset:count:path:into:)``):
    /// when the kernel cannot provide the page (the file was truncated underneath the mapping, or the disk failed),
    /// it throws an ``FileSystemError/Code/io`` error instead of the process dying. `fileOffset` labels the error.
    /// Requires ``guardedCopiesAvailable``.
    static func copy(
        _ bytes: UnsafeRawBufferPointer, into mapping: UnsafeMutableRawBufferPointer, at offset: Int, fileOffset: Int,
        path: String
    ) throws {
        precondition(offset >= 0 && offset + bytes.count <= mapping.count, "copy outside the mapping")
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        if lsmkv_guarded_copy(mapping.baseAddress! + offset, source, bytes.count) != 0 {
            throw FileSystemError(
                .io, operation: .append, path: path, offset: fileOffset,
                detail: "the mapped log could not take \(bytes.count) bytes (SIGBUS: truncated or failing file)")
        }
    }

    /// Writes all of `bytes` at the descriptor's position (`offset` only labels errors), looping over short writes.
    static func write(_ fd: Int32, _ path: String, _ bytes: [UInt8], offset: Int) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = retrying { Glibc.write(fd, raw.baseAddress! + done, raw.count - done) }
                if n < 0 { throw error(.append, "write", path, offset: offset + done) }
                done += n
            }
        }
    }

    /// Starts writeback of `count` bytes at `offset` without waiting (`sync_file_range(SYNC_FILE_RANGE_WRITE)`).
    /// Advisory: it makes nothing durable, so a failure is ignored and left for the next `fdatasync` to report.
    static func startWriteback(_ fd: Int32, offset: Int, count: Int) {
        _ = lsmkv_start_writeback(fd, Int64(offset), Int64(count))
    }

    static func fdatasync(_ fd: Int32, _ path: String) throws {
        #if os(Linux)
            if retrying({ Glibc.fdatasync(fd) }) != 0 { throw error(.sync, "fdatasync", path) }
        #else
            if retrying({ fsync(fd) }) != 0 { throw error(.sync, "fsync", path) }
        #endif
    }

    /// `fsync` of a directory descriptor (``FileSystem/syncDirectory(_:)``).
    static func fsyncDirectory(_ fd: Int32, _ path: String) throws {
        if retrying({ Glibc.fsync(fd) }) != 0 { throw error(.syncDirectory, "fsync", path) }
    }

    static func ftruncate(_ fd: Int32, _ path: String, _ size: Int) throws {
        if retrying({ Glibc.ftruncate(fd, off_t(size)) }) != 0 {
            throw error(.truncate, "ftruncate", path, offset: size)
        }
    }

    /// Moves to the end of a file opened by ``FileSystem/openWritable(_:)`` and returns its size.
    static func seekToEnd(_ fd: Int32, _ path: String) throws -> Int {
        let end = lseek(fd, 0, SEEK_END)
        if end < 0 { throw error(.openWritable, "lseek", path) }
        return Int(end)
    }

    /// Moves to `offset` after a ``WritableFile/truncate(to:)``.
    static func seek(_ fd: Int32, _ path: String, to offset: Int) throws {
        if lseek(fd, off_t(offset), SEEK_SET) < 0 { throw error(.truncate, "lseek", path, offset: offset) }
    }

    /// The size of an open file, for the file-system call `operation`.
    static func fileSize(_ fd: Int32, _ path: String, for operation: FileSystemOperation.Kind) throws -> Int {
        var info = stat()
        if fstat(fd, &info) != 0 { throw error(operation, "fstat", path) }
        return Int(info.st_size)
    }

    static func fileSize(_ path: String) throws -> Int {
        var info = stat()
        if stat(path, &info) != 0 { throw error(.fileSize, "stat", path) }
        return Int(info.st_size)
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func unlink(_ path: String) throws {
        if Glibc.unlink(path) != 0 { throw error(.remove, "unlink", path) }
    }

    static func rename(_ source: String, _ destination: String) throws {
        if Glibc.rename(source, destination) != 0 {
            var failure = error(.rename, "rename", source)
            failure.detail = "to \(destination)"
            throw failure
        }
    }

    static func mkdir(_ path: String) throws {
        if Glibc.mkdir(path, 0o755) != 0 && errno != EEXIST { throw error(.createDirectory, "mkdir", path) }
    }

    static func listDirectory(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw error(.listDirectory, "opendir", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Takes a non-blocking exclusive `fcntl` write lock on the whole file.
    static func lockWhole(_ fd: Int32, _ path: String) throws {
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 0
        lock.l_len = 0
        if fcntl(fd, F_SETLK, &lock) != 0 {
            var failure = error(.lockFile, "fcntl", path)
            if failure.errno == EACCES || failure.errno == EAGAIN { failure.code = .locked }
            throw failure
        }
    }
}

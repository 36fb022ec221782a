import Synchronization

/// A log written through a shared memory map of space prepared ahead of the appends
/// (``FileSystem/createMappedLog(_:)``): an append is a copy into the file's page cache instead of a `write` system
/// call.
///
/// What a reader of the file sees, and when:
/// - An append is in the page cache when it returns, exactly as a `write` would have put it there, so it survives
///   the process being killed. Only ``sync()`` (`fdatasync`, which writes back the mapped pages too) makes it
///   survive a power loss.
/// - The file grows in windows of ``windowSize`` bytes of zeros written ahead of the appends, so past the last
///   append it reads as zeros (LevelDB's log format reserves a zero header for such preallocated space, and its
///   reader, as ours, skips it). ``close()`` cuts the file back to the bytes appended; after a crash the zeros stay.
/// - Writing the zeros reserves their disk space (a full disk fails that write, an `.io` error with code
///   `.noSpace`), so a store into the mapping never meets a full disk; a store the kernel still cannot take
///   (the file was truncated underneath, a failing disk) is caught by the SIGBUS guard and thrown as an `.io`
///   error. As after a failed `write`, part of that append may be in the file; ``size()`` does not count it.
final class PosixMappedLogFile: WritableFile {
    let path: String
    private let descriptor: Descriptor
    private let state = Mutex(State())

    /// Bytes zero-filled and mapped at a time, a multiple of every page size in use.
    static let windowSize = 1 << 20

    private struct State: ~Copyable {
        /// Bytes in the file as this handle sees them.
        var written = 0
        /// The mapped window and the file offset it starts at.
        var window: UnsafeMutableRawBufferPointer?
        var windowStart = 0
        /// Where the next background writeback starts (``PosixWritableFile/writebackInterval``).
        var writebackStart = 0

        mutating func unmapWindow() {
            if let window { Syscalls.unmap(window) }
            window = nil
        }

        deinit { if let window { Syscalls.unmap(window) } }
    }

    init(fd: Int32, path: String) {
        self.descriptor = Descriptor(fd)
        self.path = path
    }

    func append(_ bytes: [UInt8]) throws {
        precondition(!descriptor.isClosed, "append to closed file \(path)")
        try state.withLock { state in
            try bytes.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let position = state.written + done
                    let window =
                        if let window = state.window, position < state.windowStart + Self.windowSize {
                            window
                        } else {
                            try mapWindow(at: position, &state)
                        }
                    let offset = position - state.windowStart
                    let count = min(raw.count - done, window.count - offset)
                    try Syscalls.copy(
                        UnsafeRawBufferPointer(rebasing: raw[done..<done + count]), into: window, at: offset,
                        fileOffset: position, path: path)
                    done += count
                }
            }
            state.written += bytes.count
            if state.written - state.writebackStart >= PosixWritableFile.writebackInterval {
                Syscalls.startWriteback(
                    descriptor.fd, offset: state.writebackStart, count: state.written - state.writebackStart)
                state.writebackStart = state.written
            }
        }
    }

    /// Replaces the window with the one holding file offset `position`, the end of the appended bytes, writing
    /// zeros from there to the window's end first.
    private func mapWindow(at position: Int, _ state: inout State) throws -> UnsafeMutableRawBufferPointer {
        state.unmapWindow()
        let start = position - position % Self.windowSize
        // From `position` on only: the window's first bytes may hold appends (after a truncate).
        try Syscalls.writeZeros(descriptor.fd, path, offset: position, count: start + Self.windowSize - position)
        let window = try Syscalls.mapReadWrite(descriptor.fd, path, offset: start, size: Self.windowSize)
        state.window = window
        state.windowStart = start
        return window
    }

    func sync() throws { try Syscalls.fdatasync(descriptor.fd, path) }

    func truncate(to size: Int) throws {
        try state.withLock { state in
            state.unmapWindow()
            try Syscalls.ftruncate(descriptor.fd, path, size)
            state.written = size
            state.writebackStart = min(state.writebackStart, size)
        }
    }

    func size() throws -> Int { state.withLock { $0.written } }

    /// Unmaps the window and cuts the zeros past the last append off the file, then closes it.
    /// - Throws: ``FileSystemError`` when the cut fails (the file is closed anyway; the zeros it keeps read as the
    ///   end of the log).
    func close() throws {
        guard !descriptor.isClosed else { return }
        defer { descriptor.close() }
        try state.withLock { state in
            state.unmapWindow()
            try Syscalls.ftruncate(descriptor.fd, path, state.written)
        }
    }
}

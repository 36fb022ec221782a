import Synchronization

/// A readable file of a ``FaultInjectingFileSystem``: `read`, `metadata` (size) and `any` rules apply.
final class FaultInjectingReadableFile: ReadableFile {
    private let inner: any ReadableFile
    private let fileSystem: FaultInjectingFileSystem

    init(_ inner: any ReadableFile, fileSystem: FaultInjectingFileSystem) {
        self.inner = inner
        self.fileSystem = fileSystem
    }

    var path: String { inner.path }

    func read(at offset: Int, count: Int) throws -> [UInt8] {
        let fault = try fileSystem.decide(.read, path, offset: offset, length: count)
        try fileSystem.throwIfError(fault)
        var data = try inner.read(at: offset, count: count)
        if let fault, fault.action == .bitflip, !data.isEmpty {
            let bit = Int(fault.random % UInt64(data.count * 8))
            data[bit / 8] ^= 1 << UInt8(bit % 8)
        }
        return data
    }

    func size() throws -> Int {
        try fileSystem.throwIfError(try fileSystem.decide(.size, path))
        return try inner.size()
    }

    func close() {
        _ = try? fileSystem.decide(.close, path)
        inner.close()
    }
}

/// A writable file of a ``FaultInjectingFileSystem``: `write`, `sync`, `truncate`, `metadata` (size) and `any`
/// rules apply. A failed sync is reported to the wrapped file with the file system's ``SyncFailureSemantics``.
final class FaultInjectingWritableFile: WritableFile {
    private let inner: any WritableFile
    private let fileSystem: FaultInjectingFileSystem
    /// Where the next append goes, for the fault log; -1 while unknown (a file opened at its end: asking the
    /// wrapped file would be an extra operation on it, shifting a simulated file system's crash points).
    private let position: Atomic<Int>

    init(_ inner: any WritableFile, fileSystem: FaultInjectingFileSystem, position: Int?) {
        self.inner = inner
        self.fileSystem = fileSystem
        self.position = Atomic(position ?? -1)
    }

    private func advance(by count: Int) {
        let old = position.load(ordering: .relaxed)
        if old >= 0 { position.store(old + count, ordering: .relaxed) }
    }

    var path: String { inner.path }

    func append(_ bytes: [UInt8]) throws {
        let known = position.load(ordering: .relaxed)
        let offset = known >= 0 ? known : nil
        let fault = try fileSystem.decide(.append, path, offset: offset, length: bytes.count)
        switch fault?.action {
        case .enospc:
            if let fitting = fault!.fitting, fitting > 0 {
                try inner.append(Array(bytes.prefix(fitting)))
                advance(by: fitting)
            }
            throw fault!.error(.noSpace)
        case .torn:
            if !bytes.isEmpty {
                let length = Int(fault!.random % UInt64(bytes.count))
                if length > 0 {
                    try inner.append(Array(bytes.prefix(length)))
                    advance(by: length)
                }
            }
            throw fault!.error(.io)
        default:
            try fileSystem.throwIfError(fault)
            try inner.append(bytes)
            advance(by: bytes.count)
        }
    }

    func sync() throws {
        let fault = try fileSystem.decide(.sync, path)
        if fault?.action == .eio || fault?.action == .enospc, let modeling = inner as? any SyncFailureModeling {
            modeling.syncFailed(fileSystem.syncFailure)
        }
        try fileSystem.throwIfError(fault)
        if fault?.action == .drop { return }
        try inner.sync()
    }

    func truncate(to size: Int) throws {
        try fileSystem.throwIfError(try fileSystem.decide(.truncate, path, offset: size))
        try inner.truncate(to: size)
        position.store(size, ordering: .relaxed)
    }

    func size() throws -> Int {
        try fileSystem.throwIfError(try fileSystem.decide(.size, path))
        return try inner.size()
    }

    func close() throws {
        try fileSystem.throwIfError(try fileSystem.decide(.close, path))
        try inner.close()
    }
}

/// A lock of a ``FaultInjectingFileSystem``; unlocking always reaches the wrapped lock.
final class FaultInjectingFileLock: FileLock {
    private let inner: any FileLock
    private let fileSystem: FaultInjectingFileSystem

    init(_ inner: any FileLock, fileSystem: FaultInjectingFileSystem) {
        self.inner = inner
        self.fileSystem = fileSystem
    }

    var path: String { inner.path }

    func unlock() {
        _ = try? fileSystem.decide(.unlock, path)
        inner.unlock()
    }
}

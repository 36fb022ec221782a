import VFS

/// The one error type of the engine. Every case says what a person can do about it.
public enum LSMKVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Bytes on disk that do not decode: the file, the byte offset in it, and what was wrong.
    case corruption(file: String, offset: Int, reason: String)
    /// The file system failed; the underlying error carries the operation, path and errno.
    case io(FileSystemError)
    /// The caller passed something the engine cannot accept (an option out of range, a key too large).
    case invalidArgument(String)
    /// Another process or another `Database` in this process has the directory open.
    case locked(path: String)
    /// The database was closed; no further calls are accepted.
    case closed
    /// An earlier write, flush or sync failed, so the engine stopped accepting writes to protect the data.
    /// Reopen the database to recover. `cause` is that first failure, typed (never itself `readOnly`): a full disk
    /// under the log matches `LSMKVError.readOnly(cause: .io(let error)) where error.code == .noSpace`.
    indirect case readOnly(cause: LSMKVError)
    /// The file uses a feature this engine does not implement (for example Snappy-compressed blocks).
    case notSupported(file: String, reason: String)

    public var description: String {
        switch self {
        case .corruption(let file, let offset, let reason):
            return "corruption in \(file) at offset \(offset): \(reason)"
        case .io(let error):
            return "I/O error: \(error)"
        case .invalidArgument(let text):
            return "invalid argument: \(text)"
        case .locked(let path):
            return "database is locked: \(path) is held by another process or another open Database"
        case .closed:
            return "database is closed"
        case .readOnly(let cause):
            return "database is read-only after an earlier failure (reopen it to recover): \(cause)"
        case .notSupported(let file, let reason):
            return "\(file): not supported: \(reason)"
        }
    }

    /// `error` as an engine error: an ``LSMKVError`` as it is, a ``FileSystemError`` in ``io(_:)``; any other error
    /// (the engine's own code throws none) as ``invalidArgument(_:)`` with its description.
    init(wrapping error: any Error) {
        switch error {
        case let error as LSMKVError: self = error
        case let error as FileSystemError: self = .io(error)
        default: self = .invalidArgument("unexpected error: \(error)")
        }
    }

    /// What writes throw once `cause` turned the database read-only: ``readOnly(cause:)``, with a `cause` that
    /// already is `readOnly` kept as it is (so the cause is always the first real failure).
    static func readOnly(after cause: LSMKVError) -> LSMKVError {
        if case .readOnly = cause { return cause }
        return .readOnly(cause: cause)
    }

    /// Runs `body`, wrapping a ``FileSystemError`` it throws in ``io(_:)``.
    static func wrappingIO<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FileSystemError {
            throw LSMKVError.io(error)
        }
    }
}

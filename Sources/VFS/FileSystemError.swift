/// The error every ``FileSystem`` throws: what was attempted, on which path, why, and where it was thrown.
///
/// Shaped like swift-nio's `FileSystemError`: a ``code`` to react to, a human ``detail``, a typed ``cause`` (the
/// system call and its errno, for errors from the real disk) and the ``location`` that threw it. Every file system
/// names the operation the same way: it is the ``FileSystem`` call that failed (``FileSystemOperation/Kind``), not
/// the system call beneath it, so `catch let error as FileSystemError where error.operation == .sync` means the
/// same on the real disk, the simulated one and a fault-injecting wrapper.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kind of failure, for callers that react to it (`.noSpace` and `.io` are the ones a database must survive).
    public enum Code: String, Sendable, Equatable {
        case notFound = "not found"
        case alreadyExists = "already exists"
        case permissionDenied = "permission denied"
        case noSpace = "no space left on device"
        case io = "input/output error"
        case locked = "locked by another user"
        case isDirectory = "is a directory"
        case notDirectory = "not a directory"
        /// The path names a FIFO, socket, device or other special file where a regular file was expected.
        case notRegularFile = "not a regular file"
        case invalidArgument = "invalid argument"
        case other = "error"
    }

    /// Where an error was created: for a person debugging, never part of equality.
    public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
        /// The function that created the error.
        public var function: String
        /// The `#fileID` of that function.
        public var file: String
        /// The line in `file`.
        public var line: Int

        /// Creates a location.
        public init(function: String, file: String, line: Int) {
            self.function = function
            self.file = file
            self.line = line
        }

        /// For example `PosixFileSystem.swift:110 (fdatasync(_:_:))`.
        public var description: String { "\(file):\(line) (\(function))" }
    }

    /// The kind of failure.
    public var code: Code
    /// The file-system call that failed, e.g. `.openReadable`, `.sync`, `.rename`.
    public var operation: FileSystemOperation.Kind
    /// The path the operation was applied to.
    public var path: String
    /// The offset in the file, where the operation had one.
    public var offset: Int?
    /// Extra detail for a person, e.g. the destination of a rename or why a fault was injected.
    public var detail: String?
    /// The system call that failed and the errno it set, when the error came from the real disk.
    public var cause: SystemCallError?
    /// Where the error was created.
    public var location: SourceLocation

    /// The `errno` reported by the system, when the error came from a system call (``cause``).
    public var errno: Int32? { cause?.errno }

    /// Creates an error; the location defaults to the caller's.
    public init(
        _ code: Code, operation: FileSystemOperation.Kind, path: String, offset: Int? = nil, detail: String? = nil,
        cause: SystemCallError? = nil, function: String = #function, file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.operation = operation
        self.path = path
        self.offset = offset
        self.detail = detail
        self.cause = cause
        self.location = SourceLocation(function: function, file: file, line: line)
    }

    /// Equal when everything but the ``location`` is: the same failure, wherever it was noticed.
    public static func == (a: FileSystemError, b: FileSystemError) -> Bool {
        a.code == b.code && a.operation == b.operation && a.path == b.path && a.offset == b.offset
            && a.detail == b.detail && a.cause == b.cause
    }

    /// For example `sync of /db/000005.log failed: input/output error (fdatasync: EIO, errno 5)`.
    public var description: String {
        var text = "\(operation.rawValue) of \(path)"
        if let offset { text += " at offset \(offset)" }
        text += " failed: \(code.rawValue)"
        if let cause { text += " (\(cause))" }
        if let detail { text += ": \(detail)" }
        return text
    }

    /// ``description`` and the ``location``.
    public var debugDescription: String { "\(description) [at \(location)]" }
}

/// The error every ``FileSystem`` throws: what was attempted, on which path, and why.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
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
        case invalidArgument = "invalid argument"
        case other = "error"
    }

    /// The kind of failure.
    public var code: Code
    /// The operation that failed, e.g. `"open"`, `"sync"`, `"rename"`.
    public var operation: String
    /// The path the operation was applied to.
    public var path: String
    /// The offset in the file, where the operation had one.
    public var offset: Int?
    /// The `errno` reported by the system, when the error came from a system call.
    public var errno: Int32?
    /// Extra detail for a person, e.g. why a fault was injected.
    public var detail: String?

    /// Creates an error.
    public init(
        _ code: Code, operation: String, path: String, offset: Int? = nil, errno: Int32? = nil, detail: String? = nil
    ) {
        self.code = code
        self.operation = operation
        self.path = path
        self.offset = offset
        self.errno = errno
        self.detail = detail
    }

    /// For example `sync of /db/000005.log failed: input/output error (errno 5)`.
    public var description: String {
        var text = "\(operation) of \(path)"
        if let offset { text += " at offset \(offset)" }
        text += " failed: \(code.rawValue)"
        if let errno { text += " (errno \(errno))" }
        if let detail { text += ": \(detail)" }
        return text
    }
}

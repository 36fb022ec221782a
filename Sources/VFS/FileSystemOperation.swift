/// One call made on a file system or on a file it opened, as recorded in ``SimulatedFileSystem/trace``.
public struct FileSystemOperation: Sendable, Equatable, CustomStringConvertible {
    /// Which call was made. The raw value is the short name used in traces and fault rules' logs.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// ``FileSystem/openReadable(_:)``.
        case openReadable = "open"
        /// ``FileSystem/createWritable(_:)``.
        case createWritable = "create"
        /// ``FileSystem/openWritable(_:)``.
        case openWritable = "open-writable"
        /// ``FileSystem/fileSize(_:)``.
        case fileSize = "file-size"
        /// ``FileSystem/fileExists(_:)``.
        case fileExists = "exists"
        /// ``FileSystem/remove(_:)``.
        case remove
        /// ``FileSystem/rename(_:to:)``.
        case rename
        /// ``FileSystem/listDirectory(_:)``.
        case listDirectory = "list"
        /// ``FileSystem/createDirectory(_:)``.
        case createDirectory = "mkdir"
        /// ``FileSystem/syncDirectory(_:)``.
        case syncDirectory = "syncdir"
        /// ``FileSystem/lockFile(_:)``.
        case lockFile = "lock"
        /// ``FileLock/unlock()``.
        case unlock
        /// ``ReadableFile/read(at:count:)``.
        case read
        /// ``WritableFile/append(_:)``.
        case append = "write"
        /// ``WritableFile/sync()``.
        case sync
        /// ``WritableFile/truncate(to:)``.
        case truncate
        /// ``ReadableFile/size()`` or ``WritableFile/size()``.
        case size
        /// ``ReadableFile/close()`` or ``WritableFile/close()``.
        case close

        /// Whether the call can change what is on the disk (now or after a crash).
        public var isMutation: Bool {
            switch self {
            case .createWritable, .remove, .rename, .createDirectory, .syncDirectory, .lockFile, .append, .sync,
                .truncate:
                return true
            case .openReadable, .openWritable, .fileSize, .fileExists, .listDirectory, .unlock, .read, .size, .close:
                return false
            }
        }
    }

    /// The position of the call among all calls made on the file system (and its files), from 0.
    public var index: Int
    /// Which call.
    public var kind: Kind
    /// The path the call named (normalized by ``SimulatedFileSystem``), or the path its file was opened with.
    public var path: String
    /// The destination of a rename.
    public var destination: String?
    /// The file offset of a read or write, the size of a truncate.
    public var offset: Int?
    /// The number of bytes asked to be read or given to be written.
    public var length: Int?
    /// The error the call threw, `nil` when it succeeded.
    public var error: FileSystemError?

    /// Creates a record.
    public init(
        index: Int, kind: Kind, path: String, destination: String? = nil, offset: Int? = nil, length: Int? = nil,
        error: FileSystemError? = nil
    ) {
        self.index = index
        self.kind = kind
        self.path = path
        self.destination = destination
        self.offset = offset
        self.length = length
        self.error = error
    }

    /// Whether the call returned without throwing.
    public var succeeded: Bool { error == nil }

    /// For example `#12 write /db/000001.log @4096 +100 ok` or `#13 sync /db/000001.log failed: ...`.
    public var description: String {
        var text = "#\(index) \(kind.rawValue) \(path)"
        if let destination { text += " -> \(destination)" }
        if let offset { text += " @\(offset)" }
        if let length { text += " +\(length)" }
        if let error { text += " failed: \(error)" } else { text += " ok" }
        return text
    }
}

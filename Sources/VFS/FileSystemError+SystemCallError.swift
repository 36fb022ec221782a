#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension FileSystemError {
    /// A system call that failed and the `errno` it set: the typed ``FileSystemError/cause`` of an error from the real
    /// disk, so a caller can match `ENOSPC` or `EIO` without reading text.
    public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The call, e.g. `"fdatasync"`, `"open"`, `"rename"`.
        public var systemCall: String
        /// The `errno` it set.
        public var errno: Int32

        /// Creates a cause.
        public init(systemCall: String, errno: Int32) {
            self.systemCall = systemCall
            self.errno = errno
        }

        /// The symbolic name of ``errno`` (`"ENOSPC"`), or `nil` for one this table does not name.
        public var errnoName: String? {
            switch errno {
            case ENOENT: return "ENOENT"
            case EEXIST: return "EEXIST"
            case EACCES: return "EACCES"
            case EPERM: return "EPERM"
            case ENOSPC: return "ENOSPC"
            case EDQUOT: return "EDQUOT"
            case EIO: return "EIO"
            case EAGAIN: return "EAGAIN"
            case EISDIR: return "EISDIR"
            case ENOTDIR: return "ENOTDIR"
            case EINVAL: return "EINVAL"
            case EBADF: return "EBADF"
            case EROFS: return "EROFS"
            case EMFILE: return "EMFILE"
            case ENFILE: return "ENFILE"
            case ENOMEM: return "ENOMEM"
            case ENOTEMPTY: return "ENOTEMPTY"
            case EXDEV: return "EXDEV"
            case ENAMETOOLONG: return "ENAMETOOLONG"
            case EFBIG: return "EFBIG"
            default: return nil
            }
        }

        /// The ``FileSystemError/Code`` a caller reacts to for this errno.
        public var code: Code {
            switch errno {
            case ENOENT: return .notFound
            case EEXIST: return .alreadyExists
            case EACCES, EPERM: return .permissionDenied
            case ENOSPC, EDQUOT: return .noSpace
            case EIO: return .io
            case EAGAIN, EWOULDBLOCK: return .locked
            case EISDIR: return .isDirectory
            case ENOTDIR: return .notDirectory
            case EINVAL, EBADF: return .invalidArgument
            default: return .other
            }
        }

        /// For example `fdatasync: ENOSPC, errno 28`.
        public var description: String {
            "\(systemCall): " + (errnoName.map { "\($0), " } ?? "") + "errno \(errno)"
        }
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A file that is not a regular file, to put where a database file belongs (hostile-directory tests).
public enum SpecialFile: String, CaseIterable, Sendable, CustomStringConvertible {
    /// A named pipe (`mkfifo`): opening it for reading blocks until a writer comes, unless opened non-blocking.
    case fifo
    /// A bound Unix-domain socket: `open` fails on it with `ENXIO`.
    case socket
    /// An empty directory.
    case directory

    public var description: String { rawValue }

    /// Replaces whatever is at `path` with a special file of this kind.
    /// - Throws: an `NSError` naming the call that failed.
    public func make(at path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        switch self {
        case .fifo:
            guard mkfifo(path, 0o644) == 0 else { throw Self.failure("mkfifo", path) }
        case .directory:
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        case .socket:
            let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Self.failure("socket", path) }
            defer { close(fd) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw Self.failure("bind", path) }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, byte) in bytes.enumerated() { raw[i] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard bound == 0 else { throw Self.failure("bind", path) }
        }
    }

    private static func failure(_ call: String, _ path: String) -> NSError {
        NSError(domain: "SpecialFile", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "\(call) \(path)"])
    }
}

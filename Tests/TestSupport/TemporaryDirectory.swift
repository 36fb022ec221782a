import Foundation
import VFS

/// A fresh directory under the system temporary directory, removed by `remove()`: the one temporary-directory
/// helper of the test targets.
public struct TemporaryDirectory: Sendable {
    /// The directory's absolute path.
    public let path: String

    /// Creates a new empty directory whose name starts with `prefix`.
    public init(_ prefix: String = "lsmkv-test") {
        let base = NSTemporaryDirectory()
        let name = "\(prefix)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        path = VFS.Path.join(base, name)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The absolute path of `name` inside the directory.
    public func appending(_ name: String) -> String { VFS.Path.join(path, name) }

    /// Removes the directory and everything in it.
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

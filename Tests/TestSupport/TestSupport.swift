import Foundation
import VFS

/// The seeded generator every randomized test uses (VFS's SplitMix64), so a printed seed replays the test.
public typealias SeededGenerator = SplitMix64

/// A fresh directory under the system temporary directory, removed by `remove()`.
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

    /// Removes the directory and everything in it.
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The seed for a randomized test: `LSMKV_SEED` from the environment when set (to replay a failure), else random.
public func testSeed() -> UInt64 {
    if let text = ProcessInfo.processInfo.environment["LSMKV_SEED"], let seed = UInt64(text) { return seed }
    return UInt64.random(in: 0...UInt64.max)
}

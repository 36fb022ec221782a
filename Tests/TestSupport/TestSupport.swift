import Foundation
import VFS

/// A small, fast, seedable generator (SplitMix64) so every randomized test can print and replay its seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

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

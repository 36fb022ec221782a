import VFS

/// A random workload for crash tests: puts, deletes, batches and overwrites over a small key space (so keys are
/// overwritten and deleted often), with flushes and reopens, each write synced or not.
public struct Workload: Sendable, Equatable, Codable {
    /// One step a worker performs.
    public enum Step: Sendable, Equatable, Codable {
        case write(History.Operation, sync: Bool)
        /// `Database.flush()`: a durability point.
        case flush
        /// Close and reopen the database: `close()` syncs the log, so it is a durability point too.
        case reopen
    }

    /// How a workload is drawn.
    public struct Mix: Sendable, Equatable, Codable {
        /// Distinct keys (small: more overwrites and deletes of live keys).
        public var keySpace = 64
        /// Value sizes, in bytes.
        public var valueSizes = 0...200
        /// Percentages of puts, deletes and batches; the rest are flushes and reopens.
        public var putPercent = 55
        public var deletePercent = 20
        public var batchPercent = 17
        public var flushPercent = 5
        /// Fraction of writes that ask for sync, in percent.
        public var syncPercent = 50

        public init() {}
    }

    public var steps: [Step]

    public init(steps: [Step]) { self.steps = steps }

    /// Draws `count` steps from `mix`, deterministically from `seed`.
    public static func random(seed: UInt64, count: Int, mix: Mix = Mix()) -> Workload {
        var rng = SplitMix64(seed: seed)
        func key() -> [UInt8] { Array("key\(Int.random(in: 0..<mix.keySpace, using: &rng))".utf8) }
        func value() -> [UInt8] {
            let size = Int.random(in: mix.valueSizes, using: &rng)
            let tag = UInt8.random(in: 0...255, using: &rng)
            return (0..<size).map { UInt8(truncatingIfNeeded: Int(tag) &+ $0) }
        }
        var steps: [Step] = []
        for _ in 0..<count {
            let sync = Int.random(in: 0..<100, using: &rng) < mix.syncPercent
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll < mix.putPercent {
                steps.append(.write(.put(key: key(), value: value()), sync: sync))
            } else if roll < mix.putPercent + mix.deletePercent {
                steps.append(.write(.delete(key: key()), sync: sync))
            } else if roll < mix.putPercent + mix.deletePercent + mix.batchPercent {
                let operations = (0..<Int.random(in: 2...8, using: &rng)).map { _ -> History.Operation in
                    Bool.random(using: &rng) ? .put(key: key(), value: value()) : .delete(key: key())
                }
                steps.append(.write(.batch(operations), sync: sync))
            } else if roll < mix.putPercent + mix.deletePercent + mix.batchPercent + mix.flushPercent {
                steps.append(.flush)
            } else {
                steps.append(.reopen)
            }
        }
        return Workload(steps: steps)
    }
}

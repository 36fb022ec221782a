import VFS

/// A random workload for crash tests: puts, deletes, batches and overwrites over a small key space (so keys are
/// overwritten and deleted often), with flushes and reopens, each write synced or not.
///
/// With several writers (``Mix/writers``), the writes come in rounds of ``Step/concurrent(lanes:order:)``: one
/// lane of writes per writer, each writer on its own keys (`w<N>.key<M>`), all issued at once by as many threads,
/// so the engine's group commit decides which of them share a log record and a sync. Flushes and reopens come
/// between rounds.
public struct Workload: Sendable, Equatable, Codable {
    /// One step a worker performs.
    public enum Step: Sendable, Equatable, Codable {
        case write(History.Operation, sync: Bool)
        /// `Database.flush()`: a durability point.
        case flush
        /// Close and reopen the database: `close()` syncs the log, so it is a durability point too.
        case reopen
        /// A round of concurrent writes: `lanes[w]` are writer w's writes (`.write` steps only), in its order.
        /// Real threads run the lanes at once; an in-process simulation runs them one write at a time in `order`
        /// (lane numbers, each lane's as often as it has writes), a seeded interleaving that replays exactly.
        case concurrent(lanes: [[Step]], order: [Int])
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
        /// Concurrent writer threads (1: one write at a time).
        public var writers = 1

        public init() {}
    }

    public var steps: [Step]

    public init(steps: [Step]) { self.steps = steps }

    /// Draws `count` steps from `mix`, deterministically from `seed`.
    public static func random(seed: UInt64, count: Int, mix: Mix = Mix()) -> Workload {
        var rng = SplitMix64(seed: seed)
        if mix.writers > 1 { return concurrent(count: count, mix: mix, using: &rng) }
        let steps = (0..<count).map { _ in step(prefix: "", keySpace: mix.keySpace, mix: mix, using: &rng) }
        return Workload(steps: steps)
    }

    /// Draws one step: a write on the keys `prefix` + `key<N>` (N below `keySpace`), or a flush or reopen.
    private static func step(prefix: String, keySpace: Int, mix: Mix, using rng: inout SplitMix64) -> Step {
        func key() -> [UInt8] { Array("\(prefix)key\(Int.random(in: 0..<keySpace, using: &rng))".utf8) }
        func value() -> [UInt8] {
            let size = Int.random(in: mix.valueSizes, using: &rng)
            let tag = UInt8.random(in: 0...255, using: &rng)
            return (0..<size).map { UInt8(truncatingIfNeeded: Int(tag) &+ $0) }
        }
        let sync = Int.random(in: 0..<100, using: &rng) < mix.syncPercent
        let roll = Int.random(in: 0..<100, using: &rng)
        if roll < mix.putPercent { return .write(.put(key: key(), value: value()), sync: sync) }
        if roll < mix.putPercent + mix.deletePercent { return .write(.delete(key: key()), sync: sync) }
        if roll < mix.putPercent + mix.deletePercent + mix.batchPercent {
            let operations = (0..<Int.random(in: 2...8, using: &rng)).map { _ -> History.Operation in
                Bool.random(using: &rng) ? .put(key: key(), value: value()) : .delete(key: key())
            }
            return .write(.batch(operations), sync: sync)
        }
        return roll < mix.putPercent + mix.deletePercent + mix.batchPercent + mix.flushPercent ? .flush : .reopen
    }

    /// `count` steps for ``Mix/writers`` writers: rounds of concurrent writes (each writer on its own keys, up to
    /// eight writes per writer a round) separated by the flushes and reopens drawn.
    private static func concurrent(count: Int, mix: Mix, using rng: inout SplitMix64) -> Workload {
        let keySpace = max(4, mix.keySpace / mix.writers)
        var steps: [Step] = []
        var lanes = [[Step]](repeating: [], count: mix.writers)
        var order: [Int] = []
        func endRound() {
            if !order.isEmpty { steps.append(.concurrent(lanes: lanes, order: order)) }
            lanes = [[Step]](repeating: [], count: mix.writers)
            order = []
        }
        for _ in 0..<count {
            let writer = Int.random(in: 0..<mix.writers, using: &rng)
            let drawn = step(prefix: "w\(writer).", keySpace: keySpace, mix: mix, using: &rng)
            guard case .write = drawn else {
                endRound()
                steps.append(drawn)
                continue
            }
            lanes[writer].append(drawn)
            order.append(writer)
            if order.count >= 8 * mix.writers { endRound() }
        }
        endRound()
        return Workload(steps: steps)
    }
}

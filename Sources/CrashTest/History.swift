/// What a workload did to a database, in order: every operation issued, and which were acknowledged and synced.
///
/// The oracle judges a recovered database against it. An operation is recorded *before* it is issued (so one in
/// flight at the crash is known) and marked when it returns. With several concurrent writers, each entry names
/// its writer, and the history's event clock (one tick per issue and per acknowledgement, in the order they were
/// recorded) says which operations returned before which others were issued: the only order the writers owe.
public struct History: Sendable, Equatable, Codable {
    /// One write as the workload issued it.
    public enum Operation: Sendable, Equatable, Codable {
        case put(key: [UInt8], value: [UInt8])
        case delete(key: [UInt8])
        /// A `WriteBatch`: all or nothing.
        case batch([Operation])
    }

    /// An issued operation and what became of it.
    public struct Entry: Sendable, Equatable, Codable {
        public var operation: Operation
        /// Whether the write asked to be synced before acknowledgement.
        public var sync: Bool
        /// Whether the call returned successfully.
        public var acknowledged: Bool
        /// The writer (thread) that issued it; 0 in a single-writer workload.
        public var writer: Int
        /// The event clock when it was issued, and when it was acknowledged (nil while it is not).
        public var issuedAt: Int
        public var acknowledgedAt: Int?

        public init(
            operation: Operation, sync: Bool, acknowledged: Bool = false, writer: Int = 0, issuedAt: Int = 0,
            acknowledgedAt: Int? = nil
        ) {
            self.operation = operation
            self.sync = sync
            self.acknowledged = acknowledged
            self.writer = writer
            self.issuedAt = issuedAt
            self.acknowledgedAt = acknowledgedAt
        }
    }

    /// The database contents before the first entry.
    public var initial: [[UInt8]: [UInt8]]
    /// Every issued operation, in issue order.
    public var entries: [Entry] = []
    /// The next event clock value.
    public var clock = 0

    /// A history starting from `initial` contents.
    public init(initial: [[UInt8]: [UInt8]] = [:]) { self.initial = initial }

    /// Records an operation about to be issued by `writer`; returns its index for ``acknowledge(_:)``.
    public mutating func issue(_ operation: Operation, sync: Bool, writer: Int = 0) -> Int {
        entries.append(Entry(operation: operation, sync: sync, writer: writer, issuedAt: clock))
        clock += 1
        return entries.count - 1
    }

    /// Marks entry `index` as returned successfully.
    public mutating func acknowledge(_ index: Int) {
        entries[index].acknowledged = true
        entries[index].acknowledgedAt = clock
        clock += 1
    }

    /// The writers that issued entries, in increasing order (`[0]` for a single writer or no entries).
    public var writers: [Int] {
        let set = Set(entries.map(\.writer))
        return set.isEmpty ? [0] : set.sorted()
    }

    /// Records a durability point reached with no write in flight (``Database/flush()`` or ``Database/close()``
    /// returned): every writer's acknowledged operations so far are durable.
    public mutating func markDurable() {
        var marked: Set<Int> = []
        for index in entries.indices.reversed() where entries[index].acknowledged {
            if marked.insert(entries[index].writer).inserted { entries[index].sync = true }
        }
    }

    /// The contents after applying the first `count` entries to `initial`.
    public func state(afterPrefix count: Int) -> [[UInt8]: [UInt8]] {
        var state = initial
        for entry in entries.prefix(count) { entry.operation.apply(to: &state) }
        return state
    }

    /// The contents if everything issued had been applied (the model a live database must match).
    public var finalState: [[UInt8]: [UInt8]] { state(afterPrefix: entries.count) }
}

extension History.Operation {
    /// Applies the operation to a dictionary model of the database.
    public func apply(to state: inout [[UInt8]: [UInt8]]) {
        switch self {
        case .put(let key, let value): state[key] = value
        case .delete(let key): state[key] = nil
        case .batch(let operations): for operation in operations { operation.apply(to: &state) }
        }
    }

    /// Every (key, value-or-nil) this operation writes, in order.
    var writes: [(key: [UInt8], value: [UInt8]?)] {
        switch self {
        case .put(let key, let value): return [(key, value)]
        case .delete(let key): return [(key, nil)]
        case .batch(let operations): return operations.flatMap(\.writes)
        }
    }
}

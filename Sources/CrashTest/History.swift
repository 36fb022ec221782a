/// What a workload did to a database, in order: every operation issued, and which were acknowledged and synced.
///
/// The oracle judges a recovered database against it. An operation is recorded *before* it is issued (so one in
/// flight at the crash is known) and marked when it returns.
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

        public init(operation: Operation, sync: Bool, acknowledged: Bool = false) {
            self.operation = operation
            self.sync = sync
            self.acknowledged = acknowledged
        }
    }

    /// The database contents before the first entry.
    public var initial: [[UInt8]: [UInt8]]
    /// Every issued operation, in issue order.
    public var entries: [Entry] = []

    /// A history starting from `initial` contents.
    public init(initial: [[UInt8]: [UInt8]] = [:]) { self.initial = initial }

    /// Records an operation about to be issued; returns its index for ``acknowledge(_:)``.
    public mutating func issue(_ operation: Operation, sync: Bool) -> Int {
        entries.append(Entry(operation: operation, sync: sync))
        return entries.count - 1
    }

    /// Marks entry `index` as returned successfully.
    public mutating func acknowledge(_ index: Int) { entries[index].acknowledged = true }

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

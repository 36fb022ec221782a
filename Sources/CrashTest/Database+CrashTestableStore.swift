import LSMKV

/// The adapter that lets the crash tester drive the engine through ``CrashTestableStore``.
extension Database: CrashTestableStore {
    /// Writes the operation's `WriteBatch`.
    public func apply(_ operation: History.Operation, sync: Bool) throws {
        try write(operation.writeBatch, sync: sync)
    }

    /// The engine's own group commit: the writes reach its write queue together, so its leaders form real groups
    /// (``Database/writeArrivingTogether(_:)``), deterministically on the calling thread.
    public func apply(arrivingTogether operations: [(operation: History.Operation, sync: Bool)]) -> [Result<
        Void, any Error
    >] {
        writeArrivingTogether(operations.map { ($0.operation.writeBatch, $0.sync) }).map { $0.mapError { $0 } }
    }

    /// `flush()`: the MemTable becomes a synced table.
    public func makeDurable() throws { try flush() }

    /// Every key and value, by a full scan.
    public func contents() throws -> [[UInt8]: [UInt8]] {
        Dictionary(uniqueKeysWithValues: try scan().map { ($0.key, $0.value) })
    }
}

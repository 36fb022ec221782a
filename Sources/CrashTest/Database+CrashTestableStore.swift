import LSMKV

/// The adapter that lets the crash tester drive the engine through ``CrashTestableStore``.
extension Database: CrashTestableStore {
    /// Writes the operation's `WriteBatch`.
    public func apply(_ operation: History.Operation, sync: Bool) throws {
        try write(operation.writeBatch, sync: sync)
    }

    /// `flush()`: the MemTable becomes a synced table.
    public func makeDurable() throws { try flush() }

    /// Every key and value, by a full scan.
    public func contents() throws -> [[UInt8]: [UInt8]] {
        Dictionary(uniqueKeysWithValues: try scan().map { ($0.key, $0.value) })
    }
}

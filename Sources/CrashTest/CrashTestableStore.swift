import VFS

/// A key-value store the crash tester can drive: `crashtest explore`, `crashtest ablate`, the ``RecoveryCheck`` and
/// the ``CrashOracle`` work through this protocol, so any Swift store that keeps its state in a ``VFS/FileSystem``
/// can be crash-tested. `LSMKV.Database` adopts it in `Database+CrashTestableStore.swift`.
///
/// The contract the oracle holds the store to: after a crash, reopening gives the state after some prefix of the
/// applied operations that contains every operation acknowledged with `sync: true` (after a power loss) or every
/// acknowledged one (after a process crash); each operation is all or nothing.
public protocol CrashTestableStore: AnyObject {
    /// Applies one operation (a put, a delete or a batch of them, all or nothing); returning is the
    /// acknowledgement, and with `sync` the operation must survive a power loss once it returns.
    /// - Throws: the store's error; the operation then counts as not acknowledged.
    func apply(_ operation: History.Operation, sync: Bool) throws

    /// Applies operations that writers on as many threads issued at the same instant, in this order, and returns
    /// each one's outcome: a store that commits concurrent writers in groups (group commit) may share a log record
    /// or a sync among them, under the same contract per operation as ``apply(_:sync:)``. The default applies them
    /// one at a time.
    func apply(arrivingTogether operations: [(operation: History.Operation, sync: Bool)]) -> [Result<Void, any Error>]

    /// Makes everything acknowledged so far durable (`Database.flush()`).
    func makeDurable() throws

    /// Every key and value.
    func contents() throws -> [[UInt8]: [UInt8]]

    /// Closes the store: everything acknowledged is durable once it returns.
    func close() throws
}

extension CrashTestableStore {
    /// Applies the operations one at a time, in order.
    public func apply(arrivingTogether operations: [(operation: History.Operation, sync: Bool)]) -> [Result<
        Void, any Error
    >] {
        operations.map { entry in Result { try apply(entry.operation, sync: entry.sync) } }
    }
}

/// How to open a ``CrashTestableStore``: create it when `directory` is empty, recover it after a crash.
public struct StoreOpener: Sendable {
    /// Opens the store in `directory` (which exists) on `fileSystem`.
    public var open: @Sendable (_ fileSystem: any FileSystem, _ directory: String) throws -> any CrashTestableStore

    /// An opener calling `open`.
    public init(
        open: @escaping @Sendable (_ fileSystem: any FileSystem, _ directory: String) throws -> any CrashTestableStore
    ) {
        self.open = open
    }
}

/// A ``CrashTestableStore`` of any type, for the generic step function and check (an existential does not
/// conform to its protocol).
final class AnyCrashTestableStore: CrashTestableStore {
    let base: any CrashTestableStore

    init(_ base: any CrashTestableStore) { self.base = base }

    func apply(_ operation: History.Operation, sync: Bool) throws { try base.apply(operation, sync: sync) }
    func apply(arrivingTogether operations: [(operation: History.Operation, sync: Bool)]) -> [Result<Void, any Error>] {
        base.apply(arrivingTogether: operations)
    }
    func makeDurable() throws { try base.makeDurable() }
    func contents() throws -> [[UInt8]: [UInt8]] { try base.contents() }
    func close() throws { try base.close() }
}

/// Where a running workload records what it did: the in-process ``History`` and the worker process's
/// ``ExpectedStateWriter`` are the two sinks, so both run the same ``WorkloadRunner`` loop.
///
/// The order of calls is the contract the ``CrashOracle`` relies on: an operation is issued *before* the database
/// call that performs it, acknowledged after that call returned, and a durability point is marked after `flush()`
/// or `close()` returned.
///
/// With concurrent writers the calls of all writers go to one sink under one lock, in the order they happen.
public protocol HistorySink: Sendable {
    /// Records that `writer` is about to issue `operation`; returns its index for ``acknowledge(_:)``.
    /// - Throws: when the record cannot be kept (the worker's expected-state file cannot be written).
    mutating func issue(_ operation: History.Operation, sync: Bool, writer: Int) throws -> Int

    /// Records that the operation at `index` returned successfully.
    /// - Throws: when the record cannot be kept.
    mutating func acknowledge(_ index: Int) throws

    /// Records a durability point, reached with no write in flight: everything acknowledged so far survives any
    /// crash.
    /// - Throws: when the record cannot be kept.
    mutating func markDurable() throws

    /// Records an error the workload saw, for the report; never fails.
    mutating func error(_ text: String)
}

extension History: HistorySink {

    /// The in-process history keeps no error text: its callers hold the errors themselves.
    public mutating func error(_ text: String) {}
}

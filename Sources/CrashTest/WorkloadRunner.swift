import LSMKV

/// Drives a ``Workload`` against a database and records what happened in a ``History``: each write is recorded
/// before it is issued and acknowledged when it returns; a successful `flush()` or `close()` marks everything
/// acknowledged so far as durable.
struct WorkloadRunner {
    /// Opens the database (first open and every reopen).
    let open: () throws -> Database

    /// The database left open at the end (nil when the last open failed), and the first error met.
    struct Result {
        var database: Database?
        var firstError: (any Error)?
    }

    /// Runs every step. After an error, `continueAfter` decides whether to go on with the next step.
    func run(_ workload: Workload, history: inout History, continueAfter: (any Error) -> Bool) -> Result {
        var result = Result()
        do {
            result.database = try open()
        } catch {
            result.firstError = error
            return result
        }
        for step in workload.steps {
            guard let db = result.database else { break }
            do {
                switch step {
                case .write(let operation, let sync):
                    let index = history.issue(operation, sync: sync)
                    try db.write(operation.writeBatch, sync: sync)
                    history.acknowledge(index)
                case .flush:
                    try db.flush()
                    history.markEverythingAcknowledgedDurable()
                case .reopen:
                    result.database = nil
                    try db.close()
                    history.markEverythingAcknowledgedDurable()
                    result.database = try open()
                }
            } catch {
                if result.firstError == nil { result.firstError = error }
                if !continueAfter(error) { break }
            }
        }
        return result
    }
}

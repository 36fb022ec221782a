import Foundation
import LSMKV
import Synchronization

/// Drives a ``Workload`` against a database and records what happened in a ``HistorySink``: each write is recorded
/// before it is issued and acknowledged when it returns; a successful `flush()` or `close()` marks everything
/// acknowledged so far as durable.
///
/// The one loop of every crash test: in process into a ``History`` (``CrashSimulation``, ``FaultSimulation``) and
/// in the worker process into the expected-state file (``CrashWorker``). Only the error policy differs.
struct WorkloadRunner {
    /// What the loop does after a step throws.
    enum ErrorAction {
        /// Go on with the next step on the same database (the loop ends when no database is open).
        case continueWithNextStep
        /// End the loop.
        case stop
        /// Close the database (ignoring errors) and open it again, then go on with the next step.
        case reopen
    }

    /// How the lanes of a ``Workload/Step/concurrent(lanes:order:)`` round run.
    enum Concurrency {
        /// One write at a time on the calling thread, in the round's seeded `order`: replays exactly (in process).
        case serialized
        /// One thread per lane, all at once: the engine's group commit sees real concurrent writers (the worker).
        case threads
    }

    /// Opens the database (first open and every reopen).
    let open: () throws -> Database
    /// Attempts per open before it counts as failed; each failed attempt is recorded in the sink.
    var openAttempts = 1
    /// How concurrent rounds run.
    var concurrency = Concurrency.serialized

    /// The database left open at the end (nil when none is), and the first error met.
    struct Result {
        var database: Database?
        var firstError: (any Error)?
        /// Whether the loop ended because the database could not be opened.
        var openFailed = false
    }

    /// Opens the database, trying up to ``openAttempts`` times and recording each failure in `sink`.
    /// - Throws: the last attempt's error.
    func open<Sink: HistorySink>(recording sink: inout Sink) throws -> Database {
        var attempt = 1
        while true {
            do {
                return try open()
            } catch {
                sink.error("open (attempt \(attempt)): \(error)")
                if attempt >= openAttempts { throw error }
                attempt += 1
            }
        }
    }

    /// Opens the database, then runs every step (see ``run(_:on:recording:afterError:)``).
    func run<Sink: HistorySink>(
        _ workload: Workload, recording sink: inout Sink, afterError: (any Error) -> ErrorAction
    ) -> Result {
        let database: Database
        do {
            database = try open(recording: &sink)
        } catch {
            return Result(database: nil, firstError: error, openFailed: true)
        }
        return run(workload, on: database, recording: &sink, afterError: afterError)
    }

    /// Runs every step on `database` (already open). After a step throws, the error is recorded in `sink` and
    /// `afterError` decides what happens next; a failed open always ends the loop.
    func run<Sink: HistorySink>(
        _ workload: Workload, on database: Database, recording sink: inout Sink,
        afterError: (any Error) -> ErrorAction
    ) -> Result {
        var current: Database? = database
        // The database opened last: a failed `close()` leaves it here, to be closed again before a reopen.
        var opened = database
        var firstError: (any Error)?
        var openFailed = false
        func reopen(_ sink: inout Sink) throws -> Database {
            do {
                opened = try open(recording: &sink)
                return opened
            } catch {
                openFailed = true
                throw error
            }
        }
        steps: for step in workload.steps {
            guard let db = current else { break }
            do {
                try Self.perform(
                    step, on: db, current: &current, recording: &sink, open: reopen, concurrency: concurrency)
            } catch {
                if firstError == nil { firstError = error }
                let action = afterError(error)
                if openFailed { break }
                sink.error("\(step.name): \(error)")
                switch action {
                case .continueWithNextStep:
                    continue steps
                case .stop:
                    break steps
                case .reopen:
                    // A database that may have turned read-only is not written to again: start from a fresh open.
                    try? opened.close()
                    current = nil
                    guard let reopened = try? reopen(&sink) else { break steps }
                    current = reopened
                }
            }
        }
        return Result(database: current, firstError: firstError, openFailed: openFailed)
    }

    /// The one step function: performs `step` on `db` and records it in `sink`. A `.reopen` closes `db` (setting
    /// `current` to nil first, so a failed close or open leaves no database open) and opens the next with `open`.
    /// - Throws: the database's error (the step stays unacknowledged), or the sink's.
    /// Works on any ``CrashTestableStore`` (the engine adopts it): `apply` is `write(batch)`, `makeDurable` `flush()`.
    /// A concurrent round runs on real threads (`concurrency: .threads`) only on the engine, which is safe to share;
    /// any other store, and every in-process run, takes its lanes one write at a time in the round's seeded order.
    static func perform<Sink: HistorySink, Store: CrashTestableStore>(
        _ step: Workload.Step, on db: Store, current: inout Store?, recording sink: inout Sink,
        open: (inout Sink) throws -> Store, concurrency: Concurrency = .serialized
    ) throws {
        switch step {
        case .write(let operation, let sync):
            try write(operation, sync: sync, writer: 0, on: db, recording: &sink)
        case .concurrent(let lanes, let order):
            if case .threads = concurrency, let database = db as? Database {
                try runThreads(lanes, on: database, recording: &sink)
            } else {
                try runSerialized(lanes, order: order, on: db, recording: &sink)
            }
        case .flush:
            try db.makeDurable()
            try sink.markDurable()
        case .reopen:
            current = nil
            try db.close()
            try sink.markDurable()
            current = try open(&sink)
        }
    }
}

extension WorkloadRunner {
    /// One write by `writer`: recorded as issued, performed, recorded as acknowledged.
    static func write<Sink: HistorySink, Store: CrashTestableStore>(
        _ operation: History.Operation, sync: Bool, writer: Int, on db: Store, recording sink: inout Sink
    ) throws {
        let index = try sink.issue(operation, sync: sync, writer: writer)
        try db.apply(operation, sync: sync)
        try sink.acknowledge(index)
    }

    /// Runs a round in its seeded `order` as bursts of writes that reach the store together (on the engine, its
    /// write queue forms real group-commit groups of them). A burst is a run of the order that steps up from lane
    /// to lane (so no writer has two writes in flight), and the seed yields bursts of every size up to the number of
    /// lanes; the run replays exactly. Every write of a burst is recorded as issued before
    /// the store takes any of them, so the oracle treats them as concurrent. A lane whose write fails stops; the
    /// others go on; the first error is thrown at the end.
    static func runSerialized<Sink: HistorySink, Store: CrashTestableStore>(
        _ lanes: [[Workload.Step]], order: [Int], on db: Store, recording sink: inout Sink
    ) throws {
        var next = [Int](repeating: 0, count: lanes.count)
        var failed = [Bool](repeating: false, count: lanes.count)
        var firstError: (any Error)?
        var burst: [(lane: Int, operation: History.Operation, sync: Bool)] = []
        func submit(_ sink: inout Sink) throws {
            defer { burst.removeAll() }
            if burst.isEmpty { return }
            var issued: [Int] = []
            for write in burst { issued.append(try sink.issue(write.operation, sync: write.sync, writer: write.lane)) }
            let outcomes = db.apply(arrivingTogether: burst.map { ($0.operation, $0.sync) })
            for (write, (index, outcome)) in zip(burst, zip(issued, outcomes)) {
                switch outcome {
                case .success: try sink.acknowledge(index)
                case .failure(let error):
                    failed[write.lane] = true
                    if firstError == nil { firstError = error }
                }
            }
        }
        for lane in order where lane < lanes.count && !failed[lane] && next[lane] < lanes[lane].count {
            defer { next[lane] += 1 }
            guard case .write(let operation, let sync) = lanes[lane][next[lane]] else { continue }
            if let last = burst.last, lane <= last.lane {
                try submit(&sink)
                // The burst may have failed this lane.
                if failed[lane] { continue }
            }
            burst.append((lane, operation, sync))
        }
        try submit(&sink)
        if let firstError { throw firstError }
    }

    /// Runs a round with one thread per lane, started together; all of them share `sink` under one lock. A lane
    /// whose write fails stops; the first error is thrown once every lane ended.
    static func runThreads<Sink: HistorySink>(
        _ lanes: [[Workload.Step]], on db: Database, recording sink: inout Sink
    ) throws {
        let shared = SharedSink(sink)
        let firstError = Mutex<(any Error)?>(nil)
        let done = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        for (writer, lane) in lanes.enumerated() where !lane.isEmpty {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                start.wait()
                for case .write(let operation, let sync) in lane {
                    do {
                        let index = try shared.lock.withLock { try $0.issue(operation, sync: sync, writer: writer) }
                        try db.write(operation.writeBatch, sync: sync)
                        try shared.lock.withLock { try $0.acknowledge(index) }
                    } catch {
                        firstError.withLock { if $0 == nil { $0 = error } }
                        return
                    }
                }
            }
            thread.start()
        }
        for _ in lanes { start.signal() }
        done.wait()
        sink = shared.lock.withLock { $0 }
        if let error = firstError.withLock({ $0 }) { throw error }
    }
}

/// A sink shared by the threads of a concurrent round.
private final class SharedSink<Sink: HistorySink>: Sendable {
    let lock: Mutex<Sink>
    init(_ sink: Sink) { lock = Mutex(sink) }
}

extension Workload.Step {
    /// A word for error messages.
    var name: String {
        switch self {
        case .write: return "write"
        case .flush: return "flush"
        case .reopen: return "reopen"
        case .concurrent: return "concurrent writes"
        }
    }
}

import CSyscalls
import Foundation
import Synchronization

/// A serial queue of background jobs (flushes, compactions) run on a thread of its own at a lower CPU priority.
///
/// Why not a `DispatchQueue`: its threads are shared with the rest of the process, and an unprivileged thread that
/// lowers its priority can never raise it again. This worker starts a thread when a job arrives and none is
/// running, lowers that thread's priority once, and lets the thread end when the queue is empty, so an idle or
/// abandoned database holds no thread.
///
/// Guarantees: jobs run one at a time, in the order they were queued; ``sync(_:)`` runs its body on the caller's
/// thread while no job runs.
final class BackgroundWorker: Sendable {
    private struct Queue {
        var jobs: [@Sendable () -> Void] = []
        var threadRunning = false

        /// The next job, or nil after marking the thread as ended (the queue holds one or two jobs at a time).
        mutating func take() -> (@Sendable () -> Void)? {
            guard !jobs.isEmpty else {
                threadRunning = false
                return nil
            }
            return jobs.removeFirst()
        }
    }

    /// The thread's name, as `top -H` and profilers show it (Linux keeps 15 bytes).
    let name: String
    /// How many nice levels below the thread that started it the worker's thread runs (0: the same priority).
    let niceness: Int
    private let queue = Mutex(Queue())
    /// Held while a job or a ``sync(_:)`` body runs.
    private let running = Mutex(())

    /// A worker whose thread is called `name` and runs `niceness` nice levels below the thread that queues the
    /// first job (Linux; elsewhere the priority is left alone).
    init(name: String, niceness: Int) {
        self.name = name
        self.niceness = max(0, niceness)
    }

    /// Queues `job`; starts the worker's thread when none is running.
    func async(_ job: @escaping @Sendable () -> Void) {
        let startThread = queue.withLock { queue -> Bool in
            queue.jobs.append(job)
            guard !queue.threadRunning else { return false }
            queue.threadRunning = true
            return true
        }
        if startThread {
            let thread = Thread { [self] in runJobs() }
            thread.name = name
            thread.start()
        }
    }

    /// Runs `body` on the calling thread while no job runs. Must not be called from a job of this worker.
    func sync<T>(_ body: () throws -> T) rethrows -> T {
        try running.withLock { _ in try body() }
    }

    private func runJobs() {
        // The thread is the worker's alone until it ends, so the priority it gives up is never wanted back.
        if niceness > 0 { _ = lsmkv_lower_thread_priority(Int32(clamping: niceness)) }
        while let job = queue.withLock({ $0.take() }) {
            running.withLock { _ in job() }
        }
    }
}

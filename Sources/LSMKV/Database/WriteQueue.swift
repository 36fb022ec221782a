import Dispatch
import Synchronization

/// One write waiting in the ``WriteQueue``: its batch, whether it must be synced, and, once a leader committed it,
/// the outcome.
final class PendingWrite: Sendable {
    /// The batch, until the leader that commits it takes it (so it can number the batch without copying it).
    private let batch: Mutex<WriteBatch>
    /// The batch's encoded size.
    let byteSize: Int
    let sync: Bool
    /// Created only when the write has to wait (most writes lead at once and never need one).
    private let wakeUp = Mutex<DispatchSemaphore?>(nil)
    /// Nil until a leader committed (or failed) this write.
    private let outcome = Mutex<Result<Void, LSMKVError>?>(nil)

    init(batch: consuming WriteBatch, sync: Bool) {
        byteSize = batch.byteSize
        self.batch = Mutex(batch)
        self.sync = sync
    }

    /// Takes the batch out (leaving an empty one): called once, by the leader committing this write.
    func takeBatch() -> WriteBatch {
        batch.withLock { batch in
            var taken = WriteBatch()
            swap(&taken, &batch)
            return taken
        }
    }

    /// Blocks until a leader either finished this write (returns its outcome) or handed leadership to it
    /// (returns nil: the caller is now at the front of the queue and commits a group itself).
    /// Only for a write that ``WriteQueue/enqueue(_:)`` did not put at the front.
    func waitForTurn() -> Result<Void, LSMKVError>? {
        wakeUp.withLock { $0 }!.wait()
        return outcome.withLock { $0 }
    }

    /// Called under the queue's lock when the write joins the queue behind others, so before anyone signals it.
    fileprivate func prepareToWait() { wakeUp.withLock { $0 = DispatchSemaphore(value: 0) } }

    fileprivate func finish(_ result: Result<Void, LSMKVError>) {
        outcome.withLock { $0 = result }
        wakeUp.withLock { $0 }!.signal()
    }

    fileprivate func lead() { wakeUp.withLock { $0 }!.signal() }
}

/// The group-commit queue of ``Database/write(_:sync:)``, LevelDB style.
///
/// Writers queue in arrival order. One writer at a time is the leader: it takes the writers queued right behind it
/// as a group (``takeFollowers(leaderSize:leaderSyncs:)``), appends the group as one log record, syncs once when the
/// group needs it, applies it, then hands every follower its outcome and the lead to the next queued writer
/// (``finish(followers:with:)``). Everything else waits on its own semaphore, so while one group syncs the next one
/// gathers.
///
/// The leader itself is not queued: a writer that finds no leader (``tryLead()``) leads at once with its own batch,
/// so an uncontended write allocates no ``PendingWrite``; only a writer that has to wait is queued as one.
final class WriteQueue: Sendable {
    /// A group grows up to this many encoded bytes...
    static let maxGroupBytes = 1 << 20
    /// ...or, when the leader's batch is small, to its size plus this, so a small write is not slowed by many
    /// large ones.
    static let smallBatchAllowance = 128 << 10

    private struct State {
        /// Whether a writer is leading (between taking the lead and ``finish(followers:with:)``).
        var hasLeader = false
        /// The writers behind the leader, in arrival order.
        var waiting: [PendingWrite] = []
    }

    private let state = Mutex(State())

    /// Takes the lead when nobody leads (then nobody waits either); returns whether the caller now leads.
    func tryLead() -> Bool {
        state.withLock { state in
            if state.hasLeader { return false }
            state.hasLeader = true
            return true
        }
    }

    /// Queues `write`; returns true when nobody was leading, so the caller leads right away (`write` is then not
    /// queued), false when it must wait for its turn (``PendingWrite/waitForTurn()``).
    func enqueue(_ write: PendingWrite) -> Bool {
        state.withLock { state in
            if !state.hasLeader {
                state.hasLeader = true
                return true
            }
            write.prepareToWait()
            state.waiting.append(write)
            return false
        }
    }

    /// Queues `writes` in order with no other writer between them; returns true when the first leads right away
    /// (it is then not queued, the others are).
    func enqueue(contentsOf writes: [PendingWrite]) -> Bool {
        state.withLock { state in
            let leadsFirst = !state.hasLeader && !writes.isEmpty
            if leadsFirst { state.hasLeader = true }
            for write in writes.dropFirst(leadsFirst ? 1 : 0) {
                write.prepareToWait()
                state.waiting.append(write)
            }
            return leadsFirst
        }
    }

    /// The writers queued right behind the leader that can share its log record and sync (its followers): a sync
    /// leader takes any writer, a non-sync leader stops before the first writer that needs a sync. Bounded by
    /// ``maxGroupBytes``. Only the leader calls it. Most writes have no follower, and then nothing is allocated.
    /// - Parameters:
    ///   - leaderSize: the encoded size of the leader's batch.
    ///   - leaderSyncs: whether the leader's write is synced.
    func takeFollowers(leaderSize: Int, leaderSyncs: Bool) -> [PendingWrite] {
        state.withLock { state in
            precondition(state.hasLeader, "only the leader takes followers")
            if state.waiting.isEmpty { return [] }
            let limit =
                leaderSize <= WriteQueue.smallBatchAllowance
                ? min(WriteQueue.maxGroupBytes, leaderSize + WriteQueue.smallBatchAllowance)
                : WriteQueue.maxGroupBytes
            var size = leaderSize
            var end = 0
            while end < state.waiting.count {
                let candidate = state.waiting[end]
                if candidate.sync && !leaderSyncs && !PlantedBug.isActive(.syncWriteInUnsyncedGroup) { break }
                size += candidate.byteSize - WriteBatch.headerSize
                if size > limit { break }
                end += 1
            }
            return Array(state.waiting[..<end])
        }
    }

    /// Ends the leader's group: removes `followers` (the front of the queue), gives each `result`, and hands the
    /// lead to the next queued writer (or leaves nobody leading).
    func finish(followers: [PendingWrite], with result: Result<Void, LSMKVError>) {
        let next = state.withLock { state -> PendingWrite? in
            precondition(
                state.hasLeader && state.waiting.count >= followers.count
                    && zip(state.waiting, followers).allSatisfy { $0 === $1 })
            if state.waiting.count == followers.count {
                if !followers.isEmpty { state.waiting.removeAll(keepingCapacity: true) }
                state.hasLeader = false
                return nil
            }
            // The next writer leads; it leaves the queue as it takes the lead.
            let next = state.waiting[followers.count]
            state.waiting.removeFirst(followers.count + 1)
            return next
        }
        for follower in followers { follower.finish(result) }
        next?.lead()
    }
}

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
/// Writers queue in arrival order. The writer at the front is the leader: it takes a prefix of the queue as a
/// group (``takeGroup(leader:)``), appends the group as one log record, syncs once when the group needs it, applies
/// it, then hands every follower its outcome and wakes the next leader (``finish(leader:followers:with:)``). Everything else waits
/// on its own semaphore, so while one group syncs the next one gathers.
final class WriteQueue: Sendable {
    /// A group grows up to this many encoded bytes...
    static let maxGroupBytes = 1 << 20
    /// ...or, when the leader's batch is small, to its size plus this, so a small write is not slowed by many
    /// large ones.
    static let smallBatchAllowance = 128 << 10

    private let writers = Mutex<[PendingWrite]>([])

    /// Queues `write`; returns true when it is at the front, so the caller leads right away.
    func enqueue(_ write: PendingWrite) -> Bool {
        writers.withLock { writers in
            writers.append(write)
            if writers.count == 1 { return true }
            write.prepareToWait()
            return false
        }
    }

    /// Queues `writes` in order with no other writer between them; returns true when the first is at the front.
    func enqueue(contentsOf writes: [PendingWrite]) -> Bool {
        writers.withLock { writers in
            let leadsFirst = writers.isEmpty
            for (index, write) in writes.enumerated() where index > 0 || !leadsFirst { write.prepareToWait() }
            writers.append(contentsOf: writes)
            return leadsFirst && !writes.isEmpty
        }
    }

    /// The writers queued right behind `leader` that can share its log record and sync (its followers): a sync
    /// leader takes any writer, a non-sync leader stops before the first writer that needs a sync. Bounded by
    /// ``maxGroupBytes``. The leader must be at the front of the queue. Most writes have no follower, and then
    /// nothing is allocated.
    func takeFollowers(of leader: PendingWrite) -> [PendingWrite] {
        writers.withLock { writers in
            precondition(writers.first === leader, "only the front of the write queue leads a group")
            if writers.count == 1 { return [] }
            let first = leader.byteSize
            let limit =
                first <= WriteQueue.smallBatchAllowance
                ? min(WriteQueue.maxGroupBytes, first + WriteQueue.smallBatchAllowance) : WriteQueue.maxGroupBytes
            var size = first
            var end = 1
            while end < writers.count {
                let candidate = writers[end]
                if candidate.sync && !leader.sync && !PlantedBug.isActive(.syncWriteInUnsyncedGroup) { break }
                size += candidate.byteSize - WriteBatch.headerSize
                if size > limit { break }
                end += 1
            }
            return Array(writers[1..<end])
        }
    }

    /// Removes `leader` and `followers` (the front of the queue), gives each follower `result`, and wakes the next
    /// leader.
    func finish(leader: PendingWrite, followers: [PendingWrite], with result: Result<Void, LSMKVError>) {
        let next = writers.withLock { writers -> PendingWrite? in
            let groupSize = 1 + followers.count
            precondition(
                writers.count >= groupSize && writers[0] === leader
                    && zip(writers.dropFirst(), followers).allSatisfy { $0 === $1 })
            if writers.count == groupSize {
                writers.removeAll(keepingCapacity: true)
                return nil
            }
            writers.removeFirst(groupSize)
            return writers.first
        }
        for follower in followers { follower.finish(result) }
        next?.lead()
    }
}

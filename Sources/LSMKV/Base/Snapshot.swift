import Synchronization

/// A consistent, read-only view of the database as of one moment: reads through it ignore later writes.
///
/// Holding a snapshot keeps the versions it sees from being discarded by compaction; let it go (or call
/// ``release()``) when done.
public final class Snapshot: Sendable {
    /// The sequence number of the last write the snapshot sees.
    public let sequence: SequenceNumber
    private let registry: SnapshotRegistry
    private let released = Atomic<Bool>(false)

    /// Made by ``SnapshotRegistry/acquire(_:)``, which has counted it already.
    init(sequence: SequenceNumber, registry: SnapshotRegistry) {
        self.sequence = sequence
        self.registry = registry
    }

    /// Stops holding the snapshot's versions. Idempotent; also done when the snapshot is deinitialized.
    public func release() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { registry.unregister(sequence) }
    }

    deinit { release() }
}

/// The sequence numbers of live snapshots, for compaction to know which old versions must be kept.
final class SnapshotRegistry: Sendable {
    private let counts = Mutex<[SequenceNumber: Int]>([:])

    /// A new snapshot at the sequence `latest` returns, read under the registry's lock: a compaction asking
    /// ``oldest(orLatest:)`` at the same time sees the snapshot or a later sequence, never neither.
    func acquire(_ latest: () -> SequenceNumber) -> Snapshot {
        counts.withLock { counts in
            let sequence = latest()
            counts[sequence, default: 0] += 1
            return Snapshot(sequence: sequence, registry: self)
        }
    }

    func unregister(_ sequence: SequenceNumber) {
        counts.withLock { counts in
            if let n = counts[sequence], n > 1 { counts[sequence] = n - 1 } else { counts[sequence] = nil }
        }
    }

    /// The oldest sequence a reader may still ask for: the oldest live snapshot's, or `latest` when there is none
    /// (or when every snapshot is newer).
    func oldest(orLatest latest: @autoclosure () -> SequenceNumber) -> SequenceNumber {
        counts.withLock { counts in
            let latest = latest()
            return min(counts.keys.min() ?? latest, latest)
        }
    }
}

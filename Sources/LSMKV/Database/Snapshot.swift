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

    init(sequence: SequenceNumber, registry: SnapshotRegistry) {
        self.sequence = sequence
        self.registry = registry
        registry.register(sequence)
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

    func register(_ sequence: SequenceNumber) { counts.withLock { $0[sequence, default: 0] += 1 } }

    func unregister(_ sequence: SequenceNumber) {
        counts.withLock { counts in
            if let n = counts[sequence], n > 1 { counts[sequence] = n - 1 } else { counts[sequence] = nil }
        }
    }

    /// The oldest live snapshot, or nil when there is none.
    var oldest: SequenceNumber? { counts.withLock { $0.keys.min() } }
}

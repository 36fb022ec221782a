import Synchronization

/// The in-memory, sorted write buffer: every write lands here after the write-ahead log, and a full MemTable is
/// frozen and flushed to a level-0 table.
///
/// Entries are keyed by internal key, so all versions of a key are kept, newest first. Thread-safe: one writer
/// and any number of readers, through an internal lock held only for the duration of a call.
final class MemTable: Sendable {
    private let list = Mutex(SkipList())

    /// The number of the write-ahead log holding this MemTable's writes.
    let logNumber: UInt64

    init(logNumber: UInt64) { self.logNumber = logNumber }

    /// Adds an entry (a put or a tombstone) at `sequence`.
    func add(sequence: SequenceNumber, type: ValueType, key: [UInt8], value: [UInt8]) {
        let internalKey = InternalKey.encode(userKey: key, sequence: sequence, type: type)
        list.withLock { $0.insert(key: internalKey, value: value) }
    }

    /// Applies every operation of a decoded batch, numbering them from `sequence`.
    func apply(_ operations: [WriteBatch.Operation], sequence: SequenceNumber) {
        list.withLock { list in
            var s = sequence
            for operation in operations {
                switch operation {
                case .put(let key, let value):
                    list.insert(key: InternalKey.encode(userKey: key, sequence: s, type: .value), value: value)
                case .delete(let key):
                    list.insert(key: InternalKey.encode(userKey: key, sequence: s, type: .deletion), value: [])
                }
                s += 1
            }
        }
    }

    /// Applies every operation of `batch` (already validated), numbering them from `sequence`, copying keys and
    /// values straight from the batch's encoding into the skip list.
    /// - Throws: corruption when the batch is malformed (nothing after the bad operation is applied).
    func apply(_ batch: WriteBatch, sequence: SequenceNumber) throws {
        try list.withLock { list in
            var s = sequence
            try batch.forEachOperation { type, key, value in
                list.insert(userKey: key, trailer: InternalKey.packTrailer(s, type), value: value)
                s += 1
            }
        }
    }

    /// The result of a point lookup in one source.
    enum LookupResult: Equatable {
        /// The source holds no version of the key visible at the snapshot.
        case absent
        /// The newest visible version is a value.
        case found([UInt8])
        /// The newest visible version is a tombstone: the key is deleted, stop searching older sources.
        case deleted
    }

    /// The newest version of `key` with sequence `<= sequence`.
    func get(_ key: [UInt8], sequence: SequenceNumber) -> LookupResult {
        key.withUnsafeBufferPointer { userKey in
            list.withLock { list in
                let node = list.seek(userKey: userKey, trailer: InternalKey.packTrailer(sequence, .forSeek))
                guard node != SkipList.end else { return .absent }
                let (order, trailer) = list.userKeyAndTrailer(node, comparedWith: userKey)
                guard order == 0 else { return .absent }
                return trailer & 0xff == UInt64(ValueType.value.rawValue) ? .found(list.value(node)) : .deleted
            }
        }
    }

    /// Bytes used, compared with the write buffer size to decide when to flush.
    var approximateMemoryUsage: Int { list.withLock { $0.approximateMemoryUsage } }

    /// The number of entries.
    var count: Int { list.withLock { $0.count } }

    /// A cursor over the entries in internal-key order. It sees entries added after its creation.
    func makeIterator() -> InternalIterator { MemTableIterator(self) }

    fileprivate func withList<T>(_ body: (borrowing SkipList) -> T) -> T { list.withLock { body($0) } }
}

private final class MemTableIterator: InternalIterator {
    private let table: MemTable
    private var node = SkipList.end
    // Unchecked exclusivity: private to one single-threaded cursor, rebuilt in place on every step.
    @exclusivity(unchecked) private(set) var key: [UInt8] = []
    @exclusivity(unchecked) private(set) var value: [UInt8] = []

    init(_ table: MemTable) { self.table = table }

    var isValid: Bool { node != SkipList.end }

    func seekToFirst() { load { $0.first } }

    func seek(_ target: [UInt8]) { load { $0.seek(target) } }

    func next() {
        let current = node
        load { $0.successor(current) }
    }

    func seekToLast() { load { $0.last } }

    func prev() {
        guard node != SkipList.end else { return }
        let current = key
        load { $0.predecessor(of: current) }
    }

    private func load(_ position: (borrowing SkipList) -> Int32) {
        // The entry is copied into the iterator's own buffers: no allocation per step while callers copy what they
        // keep (the table builder does).
        table.withList { list in
            node = position(list)
            if node == SkipList.end {
                key.removeAll(keepingCapacity: true)
                value.removeAll(keepingCapacity: true)
            } else {
                list.copyEntry(node, key: &key, value: &value)
            }
        }
    }
}

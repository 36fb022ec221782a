import Synchronization

/// The in-memory, sorted write buffer: every write lands here after the write-ahead log, and a full MemTable is
/// frozen and flushed to a level-0 table.
///
/// Entries are keyed by internal key, so all versions of a key are kept, newest first. Thread-safe: writers are
/// serialized by the skip list's insert lock; readers take no lock and run beside the writer (``SkipList``).
final class MemTable: Sendable {
    private let list = SkipList()

    /// The number of the write-ahead log holding this MemTable's writes.
    let logNumber: UInt64

    init(logNumber: UInt64) { self.logNumber = logNumber }

    /// Adds an entry (a put or a tombstone) at `sequence`.
    func add(sequence: SequenceNumber, type: ValueType, key: [UInt8], value: [UInt8]) {
        let internalKey = InternalKey.encode(userKey: key, sequence: sequence, type: type)
        list.insert(key: internalKey, value: value)
    }

    /// Applies every operation of a decoded batch, numbering them from `sequence`.
    func apply(_ operations: [WriteBatch.Operation], sequence: SequenceNumber) {
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

    /// Applies every operation of `batch` (already validated), numbering them from `sequence`, copying keys and
    /// values straight from the batch's encoding into the skip list.
    /// - Throws: corruption when the batch is malformed (nothing after the bad operation is applied).
    func apply(_ batch: WriteBatch, sequence: SequenceNumber) throws {
        try list.withWriter { insert in
            var s = sequence
            try batch.forEachOperation { type, key, value in
                insert(key, InternalKey.packTrailer(s, type), value)
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
            guard let node = list.seek(userKey: userKey, trailer: InternalKey.packTrailer(sequence, .forSeek)) else {
                return .absent
            }
            let (order, trailer) = node.userKeyAndTrailer(comparedWith: userKey)
            guard order == 0 else { return .absent }
            return trailer & 0xff == UInt64(ValueType.value.rawValue) ? .found(node.value) : .deleted
        }
    }

    /// Bytes used, compared with the write buffer size to decide when to flush.
    var approximateMemoryUsage: Int { list.approximateMemoryUsage }

    /// The number of entries.
    var count: Int { list.count }

    /// A cursor over the entries in internal-key order. It sees entries added after its creation.
    func makeIterator() -> InternalIterator { MemTableIterator(self) }

    /// Calls `body` with every entry (internal key, value) in internal-key order, in place: the bytes are valid only
    /// during each call. A flush streams a frozen MemTable into a table this way, copying nothing on the way.
    func forEachEntry(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        // `self` holds the arena the nodes live in for the whole call.
        var node = list.first
        while let current = node {
            try current.withEntry(body)
            node = current.next(0)
        }
    }

    fileprivate var skipList: SkipList { list }
}

private final class MemTableIterator: InternalIterator {
    /// Holds the MemTable, and so the arena its nodes live in.
    private let table: MemTable
    private let list: SkipList
    private var node: SkipListNode?
    // Unchecked exclusivity: private to one single-threaded cursor, rebuilt in place on every step.
    @exclusivity(unchecked) private(set) var key: [UInt8] = []
    @exclusivity(unchecked) private(set) var value: [UInt8] = []

    init(_ table: MemTable) {
        self.table = table
        self.list = table.skipList
    }

    var isValid: Bool { node != nil }

    func seekToFirst() { load { $0.first } }

    func seek(_ target: [UInt8]) { load { $0.seek(target) } }

    func next() {
        let current = node
        load { _ in current?.next(0) }
    }

    func seekToLast() { load { $0.last } }

    func prev() {
        guard node != nil else { return }
        let current = key
        load { $0.predecessor(of: current) }
    }

    private func load(_ position: (SkipList) -> SkipListNode?) {
        // The entry is copied into the iterator's own buffers: no allocation per step while callers copy what they
        // keep (the table builder does).
        node = position(list)
        if let node {
            node.copyEntry(key: &key, value: &value)
        } else {
            key.removeAll(keepingCapacity: true)
            value.removeAll(keepingCapacity: true)
        }
    }
}

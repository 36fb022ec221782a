import Synchronization

/// A skip list of internal keys and values whose readers take no lock: LevelDB's discipline.
///
/// One writer at a time inserts (``insert(userKey:trailer:value:)`` serializes writers with a lock that readers
/// never take); any number of readers search and walk beside it. Nodes live in a ``SkipListArena`` and never move
/// once linked; a new node is fully written before a releasing store links it in, and readers follow links with
/// acquiring loads, so a reader sees either the list before an insert or after it, never a half-written node.
/// Entries are never removed or changed. Keys order by ``InternalKey/compare(_:_:)``.
final class SkipList: Sendable {
    static let maxHeight = 12

    private let arena = SkipListArena(maxHeight: SkipList.maxHeight)
    /// The height of the tallest node. Relaxed: a reader that sees a new height before the head's new link
    /// finds that link empty and moves down a level.
    private let height = Atomic<Int>(1)
    private let entries = Atomic<Int>(0)
    private let writer = Mutex(WriterState())

    /// What only the writer touches.
    private struct WriterState {
        var random: UInt64 = 0x2545_F491_4F6C_DD1D
        /// The last inserted node and, when that insert was sequential, its search path: `lastPath[level]` is the
        /// node whose link at `level` led to it (the node itself below its height). A key that sorts right after
        /// it, with nothing in between, has the same path: sequential inserts skip the search, as in RocksDB.
        var lastInserted: SkipListNode?
        var lastPath: [SkipListNode?] = Array(repeating: nil, count: SkipList.maxHeight)
        /// Whether the last insert landed right after the one before it. Only then is the shortcut tried, so
        /// random inserts do not pay its comparisons.
        var lastInsertWasSequential = false

        mutating func randomHeight() -> Int {
            var h = 1
            while h < SkipList.maxHeight {
                random ^= random << 13
                random ^= random >> 7
                random ^= random << 17
                if random & 3 != 0 { break }  // branching factor 4, as LevelDB
                h += 1
            }
            return h
        }
    }

    /// The number of entries.
    var count: Int { entries.load(ordering: .relaxed) }
    /// Bytes held: keys, values and per-node overhead.
    var approximateMemoryUsage: Int { arena.bytesUsed }

    /// Inserts an entry. The key must not already be present (sequence numbers make every internal key unique).
    func insert(key: [UInt8], value: [UInt8]) {
        precondition(key.count >= 8, "an internal key has an 8-byte trailer")
        key.withUnsafeBufferPointer { k in
            value.withUnsafeBufferPointer { v in
                insert(
                    userKey: UnsafeBufferPointer(rebasing: k[..<(k.count - 8)]), trailer: InternalKey.trailer(k),
                    value: v)
            }
        }
    }

    /// A function inserting the entry `userKey ++ fixed64(trailer)` -> `value`; the key must not be present.
    typealias Insert = (_ userKey: UnsafeBufferPointer<UInt8>, _ trailer: UInt64, _ value: UnsafeBufferPointer<UInt8>)
        -> Void

    /// Runs `body` holding the writer lock, with the function that inserts: one lock for a whole batch.
    func withWriter<T>(_ body: (Insert) throws -> T) rethrows -> T {
        try writer.withLock { state in
            try body { userKey, trailer, value in insert(userKey: userKey, trailer: trailer, value: value, &state) }
        }
    }

    /// Inserts the entry `userKey ++ fixed64(trailer)` -> `value`, copying the bytes straight into the arena.
    /// The key must not already be present.
    func insert(userKey: UnsafeBufferPointer<UInt8>, trailer: UInt64, value: UnsafeBufferPointer<UInt8>) {
        withWriter { $0(userKey, trailer, value) }
    }

    private func insert(
        userKey: UnsafeBufferPointer<UInt8>, trailer: UInt64, value: UnsafeBufferPointer<UInt8>,
        _ state: inout WriterState
    ) {
        withUnsafeTemporaryAllocation(of: SkipListNode?.self, capacity: SkipList.maxHeight) { previous in
            let head = arena.head
            var height = self.height.load(ordering: .relaxed)
            if state.lastInsertWasSequential && follows(state.lastInserted, userKey, trailer) {
                for level in 0..<height { previous[level] = state.lastPath[level] }
            } else {
                _ = descend(to: userKey, trailer, recording: previous)
            }
            state.lastInsertWasSequential = previous[0] == state.lastInserted
            let nodeHeight = state.randomHeight()
            if nodeHeight > height {
                for level in height..<nodeHeight { previous[level] = nil }
                height = nodeHeight
                self.height.store(nodeHeight, ordering: .relaxed)
            }
            let node = arena.makeNode(userKey: userKey, trailer: trailer, value: value, height: nodeHeight)
            for level in 0..<nodeHeight {
                let before = previous[level] ?? head
                node.initializeNext(level, before.next(level))
                before.setNext(level, node)
            }
            entries.add(1, ordering: .relaxed)
            state.lastInserted = node
            // The path is only read after a sequential insert. Levels at or above the height keep the head.
            guard state.lastInsertWasSequential else { return }
            state.lastPath.withUnsafeMutableBufferPointer { path in
                for level in 0..<height { path[level] = level < nodeHeight ? node : previous[level] }
            }
        }
    }

    /// Whether `userKey ++ fixed64(trailer)` sorts after `last` and before its successor. Then the last insert's
    /// path is this key's path too: at every level, the link that led to the last node leads past this key (a
    /// higher level's successor never precedes the level-0 successor).
    @inline(__always)
    private func follows(_ last: SkipListNode?, _ userKey: UnsafeBufferPointer<UInt8>, _ trailer: UInt64) -> Bool {
        guard let last, last.compare(userKey, trailer) < 0 else { return false }
        guard let successor = last.next(0) else { return true }
        return successor.compare(userKey, trailer) > 0
    }

    /// The first node whose key is `>= userKey ++ fixed64(trailer)`, or nil.
    func seek(userKey: UnsafeBufferPointer<UInt8>, trailer: UInt64) -> SkipListNode? {
        descend(to: userKey, trailer, recording: nil).successor
    }

    /// Walks down from the head to the last node whose key is `< userKey ++ fixed64(trailer)` (`predecessor`, nil
    /// for the head) and the level-0 link it holds (`successor`, the first node `>=` the key, or nil), recording
    /// the last such node of every level in `previous` when given.
    ///
    /// The successor is the link the walk compared, not a second load: a writer may link a smaller node after the
    /// predecessor in between (LevelDB's `FindGreaterOrEqual` returns the same).
    @inline(__always)
    private func descend(
        to userKey: UnsafeBufferPointer<UInt8>, _ trailer: UInt64,
        recording previous: UnsafeMutableBufferPointer<SkipListNode?>?
    ) -> (predecessor: SkipListNode?, successor: SkipListNode?) {
        var node = arena.head
        var isHead = true
        var successor: SkipListNode? = nil
        for level in (0..<height.load(ordering: .relaxed)).reversed() {
            while true {
                successor = node.next(level)
                guard let candidate = successor, candidate.compare(userKey, trailer) < 0 else { break }
                node = candidate
                isHead = false
            }
            previous?[level] = isHead ? nil : node
        }
        return (isHead ? nil : node, successor)
    }

    /// The first node whose key is `>= target`, or nil.
    func seek(_ target: [UInt8]) -> SkipListNode? {
        target.withUnsafeBufferPointer { t in
            seek(userKey: UnsafeBufferPointer(rebasing: t[..<(t.count - 8)]), trailer: InternalKey.trailer(t))
        }
    }

    /// The last node whose key is `< key` (an internal key), or nil when there is none.
    func predecessor(of key: [UInt8]) -> SkipListNode? {
        key.withUnsafeBufferPointer { k in
            descend(to: UnsafeBufferPointer(rebasing: k[..<(k.count - 8)]), InternalKey.trailer(k), recording: nil)
                .predecessor
        }
    }

    /// The last node, or nil when empty.
    var last: SkipListNode? {
        var node = arena.head
        var isHead = true
        for level in (0..<height.load(ordering: .relaxed)).reversed() {
            while let next = node.next(level) {
                node = next
                isHead = false
            }
        }
        return isHead ? nil : node
    }

    /// The first node, or nil when empty.
    var first: SkipListNode? { arena.head.next(0) }
}

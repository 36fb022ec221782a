/// A skip list of internal keys and values in one growing byte arena, with nodes in flat arrays.
///
/// Entries are never removed or changed, so nodes are plain indexes and adding an entry allocates no object.
/// Keys order by ``InternalKey/compare(_:_:)``. Not thread-safe: ``MemTable`` guards it with a lock.
struct SkipList {
    static let maxHeight = 12
    /// Node 0 is the head; it has no key and is never returned.
    private static let head: Int32 = 0
    static let end: Int32 = -1

    private var arena: [UInt8] = []
    private var keyStart: [Int] = [0]
    private var keyLength: [Int32] = [0]
    private var valueLength: [Int32] = [0]
    /// `next[firstLink[n] + level]` is node `n`'s successor at `level`.
    private var firstLink: [Int32] = [0]
    private var next: [Int32] = [Int32](repeating: SkipList.end, count: SkipList.maxHeight)
    private var height = 1
    private var random: UInt64 = 0x2545_F491_4F6C_DD1D
    /// The last inserted node and, when that insert was sequential, its search path: `lastPath[level]` is the
    /// node whose link at `level` led to it (the node itself below its height). A key that sorts right after it,
    /// with nothing in between, has the same path: sequential inserts skip the search, as in RocksDB's skip list.
    private var lastInserted = SkipList.head
    private var lastPath = [Int32](repeating: SkipList.head, count: SkipList.maxHeight)
    /// Whether the last insert landed right after the one before it. Only then is the shortcut tried, so random
    /// inserts do not pay its comparisons.
    private var lastInsertWasSequential = false

    /// The number of entries.
    private(set) var count = 0
    /// Bytes held: keys, values and per-node overhead.
    var approximateMemoryUsage: Int { arena.count + keyStart.count * 28 + next.count * 4 }

    /// Inserts an entry. The key must not already be present (sequence numbers make every internal key unique).
    mutating func insert(key: [UInt8], value: [UInt8]) {
        precondition(key.count >= 8, "an internal key has an 8-byte trailer")
        key.withUnsafeBufferPointer { k in
            value.withUnsafeBufferPointer { v in
                insert(
                    userKey: UnsafeBufferPointer(rebasing: k[..<(k.count - 8)]), trailer: InternalKey.trailer(k),
                    value: v)
            }
        }
    }

    /// Inserts the entry `userKey ++ fixed64(trailer)` -> `value`, copying the bytes straight into the arena.
    /// The key must not already be present.
    mutating func insert(userKey: UnsafeBufferPointer<UInt8>, trailer: UInt64, value: UnsafeBufferPointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: SkipList.maxHeight) { previous in
            if lastInsertWasSequential && followsLastInserted(userKey, trailer) {
                for level in 0..<height { previous[level] = lastPath[level] }
            } else {
                _ = descend(to: userKey, trailer, recording: previous)
            }
            lastInsertWasSequential = previous[0] == lastInserted
            let nodeHeight = randomHeight()
            if nodeHeight > height {
                for level in height..<nodeHeight { previous[level] = SkipList.head }
                height = nodeHeight
            }
            let newNode = Int32(keyStart.count)
            keyStart.append(arena.count)
            keyLength.append(Int32(userKey.count + 8))
            valueLength.append(Int32(value.count))
            arena.append(contentsOf: userKey)
            withUnsafeBytes(of: trailer.littleEndian) { arena.append(contentsOf: $0) }
            arena.append(contentsOf: value)
            firstLink.append(Int32(next.count))
            for level in 0..<nodeHeight {
                next.append(link(previous[level], level))
                setLink(previous[level], level, newNode)
            }
            count += 1
            lastInserted = newNode
            // The path is only read after a sequential insert. Levels at or above the list's height keep the head.
            guard lastInsertWasSequential else { return }
            let height = self.height
            lastPath.withUnsafeMutableBufferPointer { path in
                for level in 0..<height { path[level] = level < nodeHeight ? newNode : previous[level] }
            }
        }
    }

    /// Whether `userKey ++ fixed64(trailer)` sorts after the last inserted node and before its successor. Then
    /// the last insert's path is this key's path too: at every level, the link that led to the last node leads
    /// past this key (a higher level's successor never precedes the level-0 successor).
    @inline(__always)
    private func followsLastInserted(_ userKey: UnsafeBufferPointer<UInt8>, _ trailer: UInt64) -> Bool {
        guard lastInserted != SkipList.head, compare(lastInserted, userKey, trailer) < 0 else { return false }
        let successor = link(lastInserted, 0)
        return successor == SkipList.end || compare(successor, userKey, trailer) > 0
    }

    /// The first node whose key is `>= userKey ++ fixed64(trailer)`, or ``end``.
    func seek(userKey: UnsafeBufferPointer<UInt8>, trailer: UInt64) -> Int32 {
        link(descend(to: userKey, trailer, recording: nil), 0)
    }

    /// Walks down from the head to the last node whose key is `< userKey ++ fixed64(trailer)`, recording the last
    /// such node of every level in `previous` when given.
    @inline(__always)
    private func descend(
        to userKey: UnsafeBufferPointer<UInt8>, _ trailer: UInt64,
        recording previous: UnsafeMutableBufferPointer<Int32>?
    ) -> Int32 {
        var node = SkipList.head
        for level in (0..<height).reversed() {
            while true {
                let candidate = link(node, level)
                if candidate != SkipList.end && compare(candidate, userKey, trailer) < 0 {
                    node = candidate
                } else {
                    break
                }
            }
            previous?[level] = node
        }
        return node
    }

    /// Node `node`'s user key compared with `userKey`, and its trailer, without copying.
    func userKeyAndTrailer(_ node: Int32, comparedWith userKey: UnsafeBufferPointer<UInt8>) -> (
        order: Int, trailer: UInt64
    ) {
        let start = keyStart[Int(node)]
        let length = Int(keyLength[Int(node)])
        return arena.withUnsafeBufferPointer { a in
            (
                Bytes.compare(UnsafeBufferPointer(rebasing: a[start..<start + length - 8]), userKey),
                decodeFixed64(arena, at: start + length - 8)
            )
        }
    }

    /// The first node whose key is `>= target`, or ``end``.
    func seek(_ target: [UInt8]) -> Int32 {
        target.withUnsafeBufferPointer { t in
            seek(userKey: UnsafeBufferPointer(rebasing: t[..<(t.count - 8)]), trailer: InternalKey.trailer(t))
        }
    }

    /// The last node whose key is `< key` (an internal key), or ``end`` when there is none.
    func predecessor(of key: [UInt8]) -> Int32 {
        let node = key.withUnsafeBufferPointer { k in
            descend(to: UnsafeBufferPointer(rebasing: k[..<(k.count - 8)]), InternalKey.trailer(k), recording: nil)
        }
        return node == SkipList.head ? SkipList.end : node
    }

    /// The last node, or ``end`` when empty.
    var last: Int32 {
        var node = SkipList.head
        for level in (0..<height).reversed() {
            while link(node, level) != SkipList.end { node = link(node, level) }
        }
        return node == SkipList.head ? SkipList.end : node
    }

    /// The first node, or ``end`` when empty.
    var first: Int32 { link(SkipList.head, 0) }

    /// The node after `node`, or ``end``.
    func successor(_ node: Int32) -> Int32 { link(node, 0) }

    func key(_ node: Int32) -> [UInt8] {
        let start = keyStart[Int(node)]
        return Bytes.copy(arena, start..<start + Int(keyLength[Int(node)]))
    }

    /// Replaces `key` and `value` with node `node`'s, reusing their buffers.
    func copyEntry(_ node: Int32, key: inout [UInt8], value: inout [UInt8]) {
        let start = keyStart[Int(node)]
        let keyEnd = start + Int(keyLength[Int(node)])
        let valueEnd = keyEnd + Int(valueLength[Int(node)])
        arena.withUnsafeBufferPointer { a in
            key.removeAll(keepingCapacity: true)
            key.append(contentsOf: UnsafeBufferPointer(rebasing: a[start..<keyEnd]))
            value.removeAll(keepingCapacity: true)
            value.append(contentsOf: UnsafeBufferPointer(rebasing: a[keyEnd..<valueEnd]))
        }
    }

    func value(_ node: Int32) -> [UInt8] {
        let start = keyStart[Int(node)] + Int(keyLength[Int(node)])
        return Bytes.copy(arena, start..<start + Int(valueLength[Int(node)]))
    }

    @inline(__always)
    private func link(_ node: Int32, _ level: Int) -> Int32 {
        node == SkipList.head ? next[level] : next[Int(firstLink[Int(node)]) + level]
    }

    @inline(__always)
    private mutating func setLink(_ node: Int32, _ level: Int, _ target: Int32) {
        if node == SkipList.head { next[level] = target } else { next[Int(firstLink[Int(node)]) + level] = target }
    }

    /// Internal-key comparison of node `node`'s key with `userKey ++ fixed64(trailer)`, in place.
    @inline(__always)
    private func compare(_ node: Int32, _ userKey: UnsafeBufferPointer<UInt8>, _ trailer: UInt64) -> Int {
        let start = keyStart[Int(node)]
        let length = Int(keyLength[Int(node)])
        return arena.withUnsafeBufferPointer { a in
            let byUser = Bytes.compare(UnsafeBufferPointer(rebasing: a[start..<start + length - 8]), userKey)
            if byUser != 0 { return byUser }
            let stored = InternalKey.trailer(UnsafeBufferPointer(rebasing: a[start..<start + length]))
            return stored > trailer ? -1 : (stored < trailer ? 1 : 0)
        }
    }

    private mutating func randomHeight() -> Int {
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

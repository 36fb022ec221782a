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

    /// The number of entries.
    private(set) var count = 0
    /// Bytes held: keys, values and per-node overhead.
    var approximateMemoryUsage: Int { arena.count + keyStart.count * 28 + next.count * 4 }

    /// Inserts an entry. The key must not already be present (sequence numbers make every internal key unique).
    mutating func insert(key: [UInt8], value: [UInt8]) {
        var previous = [Int32](repeating: SkipList.head, count: SkipList.maxHeight)
        var node = SkipList.head
        for level in stride(from: height - 1, through: 0, by: -1) {
            while true {
                let candidate = link(node, level)
                if candidate != SkipList.end && compare(candidate, key) < 0 { node = candidate } else { break }
            }
            previous[level] = node
        }
        let nodeHeight = randomHeight()
        if nodeHeight > height { height = nodeHeight }
        let newNode = Int32(keyStart.count)
        keyStart.append(arena.count)
        keyLength.append(Int32(key.count))
        valueLength.append(Int32(value.count))
        arena.append(contentsOf: key)
        arena.append(contentsOf: value)
        firstLink.append(Int32(next.count))
        for level in 0..<nodeHeight {
            next.append(link(previous[level], level))
            setLink(previous[level], level, newNode)
        }
        count += 1
    }

    /// The first node whose key is `>= target`, or ``end``.
    func seek(_ target: [UInt8]) -> Int32 {
        var node = SkipList.head
        for level in stride(from: height - 1, through: 0, by: -1) {
            while true {
                let candidate = link(node, level)
                if candidate != SkipList.end && compare(candidate, target) < 0 { node = candidate } else { break }
            }
        }
        return link(node, 0)
    }

    /// The first node, or ``end`` when empty.
    var first: Int32 { link(SkipList.head, 0) }

    /// The node after `node`, or ``end``.
    func successor(_ node: Int32) -> Int32 { link(node, 0) }

    func key(_ node: Int32) -> [UInt8] {
        let start = keyStart[Int(node)]
        return Array(arena[start..<start + Int(keyLength[Int(node)])])
    }

    func value(_ node: Int32) -> [UInt8] {
        let start = keyStart[Int(node)] + Int(keyLength[Int(node)])
        return Array(arena[start..<start + Int(valueLength[Int(node)])])
    }

    @inline(__always)
    private func link(_ node: Int32, _ level: Int) -> Int32 {
        node == SkipList.head ? next[level] : next[Int(firstLink[Int(node)]) + level]
    }

    @inline(__always)
    private mutating func setLink(_ node: Int32, _ level: Int, _ target: Int32) {
        if node == SkipList.head { next[level] = target } else { next[Int(firstLink[Int(node)]) + level] = target }
    }

    /// Internal-key comparison of node `node`'s key with `target`, without copying the node's key.
    @inline(__always)
    private func compare(_ node: Int32, _ target: [UInt8]) -> Int {
        let start = keyStart[Int(node)]
        let length = Int(keyLength[Int(node)])
        let byUser = Bytes.compare(arena, start..<start + length - 8, target, 0..<target.count - 8)
        if byUser != 0 { return byUser }
        let a = decodeFixed64(arena, at: start + length - 8)
        let b = decodeFixed64(target, at: target.count - 8)
        return a > b ? -1 : (a < b ? 1 : 0)
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

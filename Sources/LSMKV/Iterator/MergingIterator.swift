/// Merges sorted children into one sorted stream by internal key. Entries with equal keys cannot occur
/// (sequence numbers are unique), so no tie-breaking is needed.
///
/// - Complexity: each step is O(children); the engine merges a handful of sources (MemTables, level-0 tables,
///   one iterator per deeper level).
final class MergingIterator: InternalIterator {
    private let children: [InternalIterator]
    private var currentIndex: Int?

    init(_ children: [InternalIterator]) { self.children = children }

    var isValid: Bool { currentIndex != nil }
    var key: [UInt8] { children[currentIndex!].key }
    var value: [UInt8] { children[currentIndex!].value }

    func seekToFirst() throws {
        for child in children { try child.seekToFirst() }
        findSmallest()
    }

    func seek(_ target: [UInt8]) throws {
        for child in children { try child.seek(target) }
        findSmallest()
    }

    func next() throws {
        try children[currentIndex!].next()
        findSmallest()
    }

    private func findSmallest() {
        var smallest: Int?
        for (index, child) in children.enumerated() where child.isValid {
            if let s = smallest, InternalKey.compare(child.key, children[s].key) >= 0 { continue }
            smallest = index
        }
        currentIndex = smallest
    }
}

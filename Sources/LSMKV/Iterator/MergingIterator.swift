/// Merges sorted children into one sorted stream by internal key, in either direction. Entries with equal keys
/// cannot occur (sequence numbers are unique), so no tie-breaking is needed.
///
/// Changing direction repositions every other child around the current key, as LevelDB's merging iterator does.
///
/// - Complexity: each step is O(children); the engine merges a handful of sources (MemTables, level-0 tables,
///   one iterator per deeper level).
final class MergingIterator: InternalIterator {
    private enum Direction {
        case forward
        case reverse
    }

    private let children: [InternalIterator]
    private var currentIndex: Int?
    private var direction = Direction.forward

    init(_ children: [InternalIterator]) { self.children = children }

    var isValid: Bool { currentIndex != nil }
    var key: [UInt8] { children[currentIndex!].key }
    var value: [UInt8] { children[currentIndex!].value }

    func seekToFirst() throws {
        for child in children { try child.seekToFirst() }
        direction = .forward
        findSmallest()
    }

    func seek(_ target: [UInt8]) throws {
        for child in children { try child.seek(target) }
        direction = .forward
        findSmallest()
    }

    func next() throws {
        guard let current = currentIndex else { return }
        if direction == .reverse {
            // Every other child sits before the current key: move each to the first entry after it.
            let key = children[current].key
            for (index, child) in children.enumerated() where index != current {
                try child.seek(key)
                if child.isValid && InternalKey.compare(child.key, key) == 0 { try child.next() }
            }
            direction = .forward
        }
        try children[current].next()
        findSmallest()
    }

    func seekToLast() throws {
        for child in children { try child.seekToLast() }
        direction = .reverse
        findLargest()
    }

    func prev() throws {
        guard let current = currentIndex else { return }
        if direction == .forward {
            // Every other child sits after the current key: move each to the last entry before it.
            let key = children[current].key
            for (index, child) in children.enumerated() where index != current {
                try child.seek(key)
                if child.isValid { try child.prev() } else { try child.seekToLast() }
            }
            direction = .reverse
        }
        try children[current].prev()
        findLargest()
    }

    private func findSmallest() { currentIndex = findExtreme(preferring: -1) }

    private func findLargest() { currentIndex = findExtreme(preferring: 1) }

    /// The valid child whose key compares with the others' as `sign` (-1: smallest, 1: largest).
    private func findExtreme(preferring sign: Int) -> Int? {
        var best: Int?
        var bestKey: [UInt8] = []
        for index in children.indices {
            let child = children[index]
            guard child.isValid else { continue }
            let key = child.key
            if best != nil && InternalKey.compare(key, bestKey).signum() != sign { continue }
            best = index
            bestKey = key
        }
        return best
    }
}

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
    /// How each step calls each child: table and level cursors directly and unretained (``Child``).
    private let handles: [Child]
    /// Each valid child's current key, copied into a buffer of the merge's own whenever the child moves: choosing
    /// the next entry then compares these in place instead of asking every child for its key on every step.
    @exclusivity(unchecked) private var childKeys: [[UInt8]]
    /// Whether each child is valid, as of its last move (plain flags: reading them retains nothing).
    @exclusivity(unchecked) private var childValid: [Bool]
    private var currentIndex: Int?
    private var direction = Direction.forward

    init(_ children: [InternalIterator]) {
        self.children = children
        self.handles = children.indices.map { Child(children[$0], index: $0) }
        self.childKeys = Array(repeating: [], count: children.count)
        self.childValid = Array(repeating: false, count: children.count)
    }

    var isValid: Bool { currentIndex != nil }
    var key: [UInt8] { childKeys[currentIndex!] }
    var value: [UInt8] { children[currentIndex!].value }
    func withValue(_ body: (Span<UInt8>) throws -> Void) rethrows {
        switch handles[currentIndex!] {
        case .table(let table): try table._withUnsafeGuaranteedRef { try $0.withValue(body) }
        case .level(let level): try level._withUnsafeGuaranteedRef { try $0.withValue(body) }
        case .other(let index): try children[index].withValue(body)
        }
    }
    func copyValue(into target: inout [UInt8]) {
        switch handles[currentIndex!] {
        case .table(let table): table._withUnsafeGuaranteedRef { $0.copyValue(into: &target) }
        case .level(let level): level._withUnsafeGuaranteedRef { $0.copyValue(into: &target) }
        case .other(let index): children[index].copyValue(into: &target)
        }
    }
    func copyKey(into target: inout [UInt8]) { Bytes.assign(&target, from: childKeys[currentIndex!]) }

    func seekToFirst() throws {
        try invalidatingOnError {
            for child in children { try child.seekToFirst() }
            refreshAllKeys()
            direction = .forward
            findSmallest()
        }
    }

    func seek(_ target: [UInt8]) throws {
        try invalidatingOnError {
            for child in children { try child.seek(target) }
            refreshAllKeys()
            direction = .forward
            findSmallest()
        }
    }

    func next() throws {
        guard let current = currentIndex else { return }
        try invalidatingOnError { try step(forwardFrom: current) }
    }

    private func step(forwardFrom current: Int) throws {
        if direction == .reverse {
            // Every other child sits before the current key: move each to the first entry after it.
            let key = children[current].key
            for (index, child) in children.enumerated() where index != current {
                try child.seek(key)
                if child.isValid && InternalKey.compare(child.key, key) == 0 { try child.next() }
            }
            refreshAllKeys()
            direction = .forward
        }
        try handles[current].next(children)
        refreshKey(current)
        findSmallest()
    }

    func seekToLast() throws {
        try invalidatingOnError {
            for child in children { try child.seekToLast() }
            refreshAllKeys()
            direction = .reverse
            findLargest()
        }
    }

    func prev() throws {
        guard let current = currentIndex else { return }
        try invalidatingOnError { try step(backwardFrom: current) }
    }

    private func step(backwardFrom current: Int) throws {
        if direction == .forward {
            // Every other child sits after the current key: move each to the last entry before it.
            let key = children[current].key
            for (index, child) in children.enumerated() where index != current {
                try child.seek(key)
                if child.isValid { try child.prev() } else { try child.seekToLast() }
            }
            refreshAllKeys()
            direction = .reverse
        }
        try handles[current].prev(children)
        refreshKey(current)
        findLargest()
    }

    /// Runs a move; when it throws, the merge is left invalid, as its children may have stopped anywhere.
    private func invalidatingOnError(_ move: () throws -> Void) throws {
        do {
            try move()
        } catch {
            currentIndex = nil
            throw error
        }
    }

    private func findSmallest() { currentIndex = findExtreme(preferring: -1) }

    private func findLargest() { currentIndex = findExtreme(preferring: 1) }

    /// The valid child whose key compares with the others' as `sign` (-1: smallest, 1: largest).
    private func findExtreme(preferring sign: Int) -> Int? {
        var best: Int?
        for index in childValid.indices where childValid[index] {
            if let best, InternalKey.compare(childKeys[index], childKeys[best]).signum() != sign { continue }
            best = index
        }
        return best
    }

    /// Copies child `index`'s key into its buffer (left as it is when the child is invalid: never read then).
    private func refreshKey(_ index: Int) {
        switch handles[index] {
        case .table(let table):
            table._withUnsafeGuaranteedRef { child in
                childValid[index] = child.isValid
                if childValid[index] { child.copyKey(into: &childKeys[index]) }
            }
        case .level(let level):
            level._withUnsafeGuaranteedRef { child in
                childValid[index] = child.isValid
                if childValid[index] { child.copyKey(into: &childKeys[index]) }
            }
        case .other:
            let child = children[index]
            childValid[index] = child.isValid
            if childValid[index] { child.copyKey(into: &childKeys[index]) }
        }
    }

    /// A child as each step calls it. Table and level cursors, the children of nearly every merge, are called
    /// through their concrete type (no existential call) and unretained (no retain and release per entry):
    /// `children` owns them for the merge's lifetime. Other kinds go through `children[index]`.
    private enum Child {
        case table(Unmanaged<TableIterator>)
        case level(Unmanaged<LevelIterator>)
        case other(index: Int)

        init(_ child: InternalIterator, index: Int) {
            if let table = child as? TableIterator {
                self = .table(Unmanaged.passUnretained(table))
            } else if let level = child as? LevelIterator {
                self = .level(Unmanaged.passUnretained(level))
            } else {
                self = .other(index: index)
            }
        }

        @inline(__always)
        func next(_ children: [InternalIterator]) throws {
            switch self {
            case .table(let table): try table._withUnsafeGuaranteedRef { try $0.next() }
            case .level(let level): try level._withUnsafeGuaranteedRef { try $0.next() }
            case .other(let index): try children[index].next()
            }
        }

        @inline(__always)
        func prev(_ children: [InternalIterator]) throws {
            switch self {
            case .table(let table): try table._withUnsafeGuaranteedRef { try $0.prev() }
            case .level(let level): try level._withUnsafeGuaranteedRef { try $0.prev() }
            case .other(let index): try children[index].prev()
            }
        }
    }

    private func refreshAllKeys() {
        for index in children.indices { refreshKey(index) }
    }
}

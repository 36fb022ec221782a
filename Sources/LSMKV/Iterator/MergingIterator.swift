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

    /// Each child with what a step needs of it, in one array: one allocation per merge where separate arrays of
    /// children, handles, keys and flags cost four (and a generic metadata lookup each).
    @exclusivity(unchecked) private var slots: [Slot]
    private var currentIndex: Int?
    private var direction = Direction.forward

    /// One child of the merge.
    private struct Slot {
        /// The child, owned by the merge.
        let child: InternalIterator
        /// How each step calls `child`: table and level cursors directly and unretained (``Child``).
        let handle: Child
        /// The child's current key, copied into a buffer of the merge's own whenever the child moves: choosing the
        /// next entry then compares these in place instead of asking every child for its key on every step.
        var key: [UInt8] = []
        /// Whether the child is valid, as of its last move (a plain flag: reading it retains nothing).
        var valid = false
    }

    init(_ children: [InternalIterator]) {
        self.slots = children.map { Slot(child: $0, handle: Child($0)) }
    }

    var isValid: Bool { currentIndex != nil }
    var key: [UInt8] { slots[currentIndex!].key }
    var value: [UInt8] { slots[currentIndex!].child.value }
    func withValue(_ body: (Span<UInt8>) throws -> Void) rethrows {
        let index = currentIndex!
        switch slots[index].handle {
        case .table(let table): try table._withUnsafeGuaranteedRef { try $0.withValue(body) }
        case .level(let level): try level._withUnsafeGuaranteedRef { try $0.withValue(body) }
        case .other: try slots[index].child.withValue(body)
        }
    }
    func copyValue(into target: inout [UInt8]) {
        let index = currentIndex!
        switch slots[index].handle {
        case .table(let table): table._withUnsafeGuaranteedRef { $0.copyValue(into: &target) }
        case .level(let level): level._withUnsafeGuaranteedRef { $0.copyValue(into: &target) }
        case .other: slots[index].child.copyValue(into: &target)
        }
    }
    func copyKey(into target: inout [UInt8]) { Bytes.assign(&target, from: slots[currentIndex!].key) }

    func seekToFirst() throws {
        try invalidatingOnError {
            for index in slots.indices { try slots[index].child.seekToFirst() }
            refreshAllKeys()
            direction = .forward
            findSmallest()
        }
    }

    func seek(_ target: [UInt8]) throws {
        try invalidatingOnError {
            for index in slots.indices { try slots[index].child.seek(target) }
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
            let key = slots[current].key
            for index in slots.indices where index != current {
                let child = slots[index].child
                try child.seek(key)
                if child.isValid && InternalKey.compare(child.key, key) == 0 { try child.next() }
            }
            refreshAllKeys()
            direction = .forward
        }
        try nextChild(current)
        refreshKey(current)
        findSmallest()
    }

    func seekToLast() throws {
        try invalidatingOnError {
            for index in slots.indices { try slots[index].child.seekToLast() }
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
            let key = slots[current].key
            for index in slots.indices where index != current {
                let child = slots[index].child
                try child.seek(key)
                if child.isValid { try child.prev() } else { try child.seekToLast() }
            }
            refreshAllKeys()
            direction = .reverse
        }
        try prevChild(current)
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
        for index in slots.indices where slots[index].valid {
            if let best, InternalKey.compare(slots[index].key, slots[best].key).signum() != sign { continue }
            best = index
        }
        return best
    }

    /// Copies child `index`'s key into its buffer (left as it is when the child is invalid: never read then).
    private func refreshKey(_ index: Int) {
        switch slots[index].handle {
        case .table(let table):
            table._withUnsafeGuaranteedRef { child in
                slots[index].valid = child.isValid
                if slots[index].valid { child.copyKey(into: &slots[index].key) }
            }
        case .level(let level):
            level._withUnsafeGuaranteedRef { child in
                slots[index].valid = child.isValid
                if slots[index].valid { child.copyKey(into: &slots[index].key) }
            }
        case .other:
            let child = slots[index].child
            slots[index].valid = child.isValid
            if slots[index].valid { child.copyKey(into: &slots[index].key) }
        }
    }

    /// A child as each step calls it. Table and level cursors, the children of nearly every merge, are called
    /// through their concrete type (no existential call) and unretained (no retain and release per entry): the
    /// slot's `child` owns them for the merge's lifetime. Other kinds go through `child`.
    private enum Child {
        case table(Unmanaged<TableIterator>)
        case level(Unmanaged<LevelIterator>)
        case other

        init(_ child: InternalIterator) {
            if let table = child as? TableIterator {
                self = .table(Unmanaged.passUnretained(table))
            } else if let level = child as? LevelIterator {
                self = .level(Unmanaged.passUnretained(level))
            } else {
                self = .other
            }
        }
    }

    /// Steps child `index` forward, as ``Child`` says to call it.
    @inline(__always)
    private func nextChild(_ index: Int) throws {
        switch slots[index].handle {
        case .table(let table): try table._withUnsafeGuaranteedRef { try $0.next() }
        case .level(let level): try level._withUnsafeGuaranteedRef { try $0.next() }
        case .other: try slots[index].child.next()
        }
    }

    /// Steps child `index` backward, as ``Child`` says to call it.
    @inline(__always)
    private func prevChild(_ index: Int) throws {
        switch slots[index].handle {
        case .table(let table): try table._withUnsafeGuaranteedRef { try $0.prev() }
        case .level(let level): try level._withUnsafeGuaranteedRef { try $0.prev() }
        case .other: try slots[index].child.prev()
        }
    }

    private func refreshAllKeys() {
        for index in slots.indices { refreshKey(index) }
    }
}

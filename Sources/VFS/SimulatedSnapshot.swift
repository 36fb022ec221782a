/// The crash-relevant state of a ``SimulatedFileSystem`` at one instant: every file's written and durable bytes
/// and unsynced changes, every directory's current and durable entries and its unsynced entry changes.
///
/// A snapshot is a value that shares storage with the file system it came from (Swift's copy-on-write arrays and
/// dictionaries): taking one costs a few reference-count increments, and a later operation of the file system
/// copies only the dictionary and the file it touches. So a whole run can keep a snapshot per operation
/// (``SimulatedRecording``) and build the crash states of any instant afterwards.
public struct SimulatedSnapshot: Sendable {
    var inodes: [Int: SimulatedState.Inode]
    var directories: [String: SimulatedState.Directory]
    var pendingEntries: [SimulatedState.EntryChange]

    init(_ state: SimulatedState) {
        inodes = state.inodes
        directories = state.directories
        pendingEntries = state.pendingEntries
    }

    /// The snapshot as a full state (no handles, nothing armed), from which the crash functions draw.
    var state: SimulatedState {
        var state = SimulatedState()
        state.inodes = inodes
        state.directories = directories
        state.pendingEntries = pendingEntries
        state.nextInode = (inodes.keys.max() ?? 0) + 1
        return state
    }

    /// Every file by path with the bytes a reader saw at this instant.
    public func currentFiles() -> [String: [UInt8]] { state.files(durable: false) }

    /// Every file whose name was durable, by its durable path, with its durable bytes.
    public func durableFiles() -> [String: [UInt8]] { state.files(durable: true) }

    /// Whether nothing is unsynced: every crash model keeps exactly this state.
    public var isDurable: Bool { pendingEntries.isEmpty && inodes.values.allSatisfy(\.pending.isEmpty) }

    /// A file system holding what a crash at this instant could leave under `model`, exactly as
    /// ``SimulatedFileSystem/crash(seed:model:)`` would draw it from the live file system.
    public func crashed(seed: UInt64, model: CrashModel) -> SimulatedFileSystem {
        SimulatedFileSystem(state: state.crashed(seed: seed, model: model))
    }

    // MARK: Enumerating power losses

    /// Every state a power loss at this instant can leave, when there are at most `limit` of them; nil when there
    /// are more (draw a sample with ``crashed(seed:model:)`` instead).
    ///
    /// The states are the combinations of: each unsynced directory operation kept or dropped (a rename as a
    /// whole), and, for each file reachable from the kept entries, each of the contents the power-loss model
    /// allows (survived whole, exactly durable, or torn: each size the model allows times each fate of each
    /// touched sector). Garbage sectors get one fixed pseudo-random pattern per combination. Combinations that
    /// give identical bytes for one file are counted once.
    /// - Complexity: O(`limit` × the size of the files), plus the enumeration of each file's contents up to `limit`.
    public func powerLossStates(limit: Int) -> [SimulatedFileSystem]? {
        var operations: [Int] = []
        for change in pendingEntries where operations.last != change.operation && !operations.contains(change.operation)
        {
            operations.append(change.operation)
        }
        guard operations.count < Int.bitWidth - 2, (1 << operations.count) <= limit else { return nil }
        var contentOptions: [Int: [[UInt8]]] = [:]
        var plans: [(entries: [String: [String: Int]], inodes: [Int])] = []
        var total = 0
        for mask in 0..<(1 << operations.count) {
            var kept = Set<Int>()
            for (bit, operation) in operations.enumerated() where mask & (1 << bit) != 0 { kept.insert(operation) }
            var entries = directories.mapValues(\.durable)
            for change in pendingEntries where kept.contains(change.operation) {
                entries[change.directory]![change.name] = change.inode
            }
            let reachable = Set(entries.values.flatMap(\.values)).sorted().filter { inodes[$0] != nil }
            var product = 1
            for id in reachable {
                if contentOptions[id] == nil {
                    guard let options = Self.powerLossContents(of: inodes[id]!, limit: limit) else { return nil }
                    contentOptions[id] = options
                }
                product *= contentOptions[id]!.count
                if product > limit { return nil }
            }
            total += product
            if total > limit { return nil }
            plans.append((entries, reachable))
        }
        var result: [SimulatedFileSystem] = []
        result.reserveCapacity(total)
        for plan in plans {
            var choice = [Int](repeating: 0, count: plan.inodes.count)
            while true {
                var contents: [Int: [UInt8]] = [:]
                for (position, id) in plan.inodes.enumerated() { contents[id] = contentOptions[id]![choice[position]] }
                result.append(SimulatedFileSystem(state: SimulatedState(directories: plan.entries, contents: contents)))
                // Next combination, the last file's contents varying fastest.
                var position = plan.inodes.count - 1
                while position >= 0 {
                    choice[position] += 1
                    if choice[position] < contentOptions[plan.inodes[position]]!.count { break }
                    choice[position] = 0
                    position -= 1
                }
                if position < 0 { break }
            }
        }
        return result
    }

    /// Every distinct content the power-loss model allows for `inode`, or nil when there are more than `limit`.
    static func powerLossContents(of inode: SimulatedState.Inode, limit: Int) -> [[UInt8]]? {
        guard !inode.pending.isEmpty else { return [inode.durable] }
        var tape = ChoiceTape()
        // Indices into `result` by a hash of the bytes (hashing raw bytes is much cheaper than a Set of arrays).
        var seen: [Int: [Int]] = [:]
        var result: [[UInt8]] = []
        repeat {
            let content = SimulatedState.powerLossContent(of: inode, random: &tape)
            var hasher = Hasher()
            content.withUnsafeBytes { hasher.combine(bytes: $0) }
            let hash = hasher.finalize()
            if seen[hash]?.contains(where: { result[$0] == content }) != true {
                seen[hash, default: []].append(result.count)
                result.append(content)
                if result.count > limit { return nil }
            }
        } while tape.advance()
        return result
    }

    // MARK: What is not durable

    /// One thing a crash under the strict model would lose at this instant.
    public struct NonDurableChange: Hashable, Sendable, CustomStringConvertible {
        /// What kind of change.
        public enum Kind: Hashable, Sendable {
            /// Written bytes of a file not yet synced (`bytes` of them, counting every unsynced write).
            case fileData(bytes: Int)
            /// A create, rename or remove in a directory not yet made durable by a directory sync.
            case directoryEntry(operation: String)
        }

        /// File data or a directory entry.
        public var kind: Kind
        /// The file (its current name, or its durable one when it has no current name), or the directory.
        public var path: String
        let inode: Int?
        let entryOperation: Int?

        public var description: String {
            switch kind {
            case .fileData(let bytes): return "\(bytes) unsynced bytes of \(path) (written since its last sync)"
            case .directoryEntry(let operation):
                return "the \(operation) in directory \(Path.parent(of: path)) (the directory was not synced since)"
            }
        }
    }

    /// Every unsynced file and every unsynced directory operation, files first, in a stable order.
    public var nonDurableChanges: [NonDurableChange] {
        var names: [Int: String] = [:]
        for (path, directory) in directories.sorted(by: { $0.key < $1.key }) {
            for (name, inode) in directory.durable where names[inode] == nil { names[inode] = Path.join(path, name) }
            for (name, inode) in directory.current { names[inode] = Path.join(path, name) }
        }
        var result: [NonDurableChange] = []
        for (id, inode) in inodes.sorted(by: { $0.key < $1.key }) where !inode.pending.isEmpty {
            guard let path = names[id] else { continue }
            let bytes = inode.pending.reduce(0) { sum, change in
                if case .write(_, let bytes, _) = change { return sum + bytes.count }
                return sum
            }
            result.append(NonDurableChange(kind: .fileData(bytes: bytes), path: path, inode: id, entryOperation: nil))
        }
        var grouped: [Int: [SimulatedState.EntryChange]] = [:]
        var order: [Int] = []
        for change in pendingEntries {
            if grouped[change.operation] == nil { order.append(change.operation) }
            grouped[change.operation, default: []].append(change)
        }
        for operation in order {
            let changes = grouped[operation]!
            let text: String
            let path: String
            if changes.count == 2, let from = changes.first(where: { $0.inode == nil }),
                let to = changes.first(where: { $0.inode != nil })
            {
                path = Path.join(to.directory, to.name)
                text = "rename of \(Path.join(from.directory, from.name)) to \(path)"
            } else if let change = changes.first, change.inode == nil {
                path = Path.join(change.directory, change.name)
                text = "removal of \(path)"
            } else {
                path = changes.first.map { Path.join($0.directory, $0.name) } ?? "/"
                text = "creation of \(path)"
            }
            result.append(
                NonDurableChange(
                    kind: .directoryEntry(operation: text), path: path, inode: nil, entryOperation: operation))
        }
        return result
    }

    /// A file system holding what a strict crash would leave had exactly `changes` (of ``nonDurableChanges``) been
    /// made durable: those files synced, those directory operations synced; every other change is lost.
    public func durable(only changes: Set<NonDurableChange>) -> SimulatedFileSystem {
        var state = self.state
        let files = Set(changes.compactMap(\.inode))
        let operations = Set(changes.compactMap(\.entryOperation))
        for id in files where state.inodes[id] != nil {
            state.inodes[id]!.durable = state.inodes[id]!.written
            state.inodes[id]!.pending = []
        }
        var entries = directories.mapValues(\.durable)
        for entry in pendingEntries where operations.contains(entry.operation) {
            entries[entry.directory]![entry.name] = entry.inode
        }
        for (path, durable) in entries { state.directories[path]!.durable = durable }
        return SimulatedFileSystem(state: state.crashed(seed: 0, model: .strict))
    }
}

/// A source of the crash model's choices: ``SplitMix64`` draws them at random; ``ChoiceTape`` walks all of them.
protocol CrashChoices {
    /// A choice among `bound` outcomes, in `0..<bound`.
    mutating func below(_ bound: Int) -> Int
    /// Noise that is not a choice of the model (the bytes of a garbage sector).
    mutating func next() -> UInt64
}

extension SplitMix64: CrashChoices {}

/// Enumerates every path through a deterministic function's choices, depth first: replay the recorded choices,
/// take 0 at each new one, and advance the last choice that has outcomes left.
struct ChoiceTape: CrashChoices {
    private var choices: [Int] = []
    private var bounds: [Int] = []
    private var position = 0
    private var noise = SplitMix64(seed: 0x6761_7262_6167_65)

    mutating func below(_ bound: Int) -> Int {
        defer { position += 1 }
        if position < choices.count { return choices[position] }
        choices.append(0)
        bounds.append(bound)
        return 0
    }

    mutating func next() -> UInt64 { noise.next() }

    /// Moves to the next path; false when every path was taken.
    mutating func advance() -> Bool {
        choices.removeSubrange(min(position, choices.count)...)
        bounds.removeSubrange(min(position, bounds.count)...)
        while let last = choices.last, let bound = bounds.last {
            if last + 1 < bound {
                choices[choices.count - 1] = last + 1
                position = 0
                return true
            }
            choices.removeLast()
            bounds.removeLast()
        }
        return false
    }
}

import VFS

/// Decides whether a database recovered after a crash is one the durability contract allows.
///
/// The recovered contents must equal the state after some **prefix** of the history (no holes, no reordering,
/// batches all-or-nothing) that contains every operation the crash model says must survive:
/// - after a **process crash**, every acknowledged operation (the page cache survives);
/// - after a **power loss** (or the strict model), every operation acknowledged with `sync`, and so everything
///   issued before it.
///
/// An operation that was issued but not acknowledged (it was in flight at the crash, or it failed with an error) may
/// or may not be in that prefix: each one is optional.
///
/// The check is exact and linear in the size of the history for each choice of the optional operations present
/// (two choices per unacknowledged operation, up to the last ``maximumOptional``): it tracks the set of keys where
/// the prefix state and the recovered state differ while extending the prefix one operation at a time.
public struct CrashOracle: Sendable {
    /// Which operations must survive.
    public enum Requirement: String, Sendable, Codable {
        /// Every acknowledged operation (process crash: written data survives).
        case acknowledged
        /// Every operation acknowledged with `sync: true` (power loss: only synced data survives).
        case synced

        /// What must survive a crash under `model`: everything acknowledged after a process crash (the page
        /// cache survives), only what was synced after a power loss or under the strict model.
        public init(after model: CrashModel) {
            self = model == .processCrash ? .acknowledged : .synced
        }
    }

    /// The oracle's finding.
    public enum Verdict: Sendable, Equatable, CustomStringConvertible {
        /// The recovered state equals the state after `prefix` operations.
        case consistent(prefix: Int)
        /// No allowed prefix matches; `problems` explains the closest candidates in words.
        case violation(problems: [String])

        public var isConsistent: Bool {
            if case .consistent = self { return true }
            return false
        }

        public var description: String {
            switch self {
            case .consistent(let prefix): return "consistent with the first \(prefix) operations"
            case .violation(let problems): return "VIOLATION: " + problems.joined(separator: "; ")
            }
        }
    }

    public init() {}

    /// The smallest prefix every recovery must contain under `requirement`.
    public static func requiredPrefix(_ history: History, _ requirement: Requirement) -> Int {
        var required = 0
        for (index, entry) in history.entries.enumerated() where entry.acknowledged {
            if requirement == .acknowledged || entry.sync { required = index + 1 }
        }
        return required
    }

    /// Unacknowledged operations considered optional; older ones are taken as absent.
    public static let maximumOptional = 10

    /// Checks `recovered` against `history`.
    ///
    /// A history of several concurrent writers is judged by ``checkWriters(_:recovered:requirement:)``: any order
    /// the writers could have been serialized in is allowed.
    public func check(_ history: History, recovered: [[UInt8]: [UInt8]], requirement: Requirement) -> Verdict {
        if history.writers.count > 1 { return checkWriters(history, recovered: recovered, requirement: requirement) }
        let required = Self.requiredPrefix(history, requirement)
        let unacknowledged = history.entries.indices.filter { !history.entries[$0].acknowledged }
        let optional = Array(unacknowledged.suffix(Self.maximumOptional))
        let alwaysAbsent = Set(unacknowledged.dropLast(optional.count))
        for mask in 0..<(1 << optional.count) {
            var skipped = alwaysAbsent
            for (bit, index) in optional.enumerated() where mask & (1 << bit) == 0 { skipped.insert(index) }
            if let prefix = matchingPrefix(history, recovered: recovered, required: required, skipping: skipped) {
                return .consistent(prefix: prefix)
            }
        }
        return .violation(problems: explain(history, recovered: recovered, required: required))
    }

    /// Every prefix length of at least `required` whose state is `recovered` for some choice of the optional
    /// (unacknowledged) operations, in increasing order.
    func matchingCounts(_ history: History, recovered: [[UInt8]: [UInt8]], required: Int) -> [Int] {
        let unacknowledged = history.entries.indices.filter { !history.entries[$0].acknowledged }
        let optional = Array(unacknowledged.suffix(Self.maximumOptional))
        let alwaysAbsent = Set(unacknowledged.dropLast(optional.count))
        var counts: Set<Int> = []
        for mask in 0..<(1 << optional.count) {
            var skipped = alwaysAbsent
            for (bit, index) in optional.enumerated() where mask & (1 << bit) == 0 { skipped.insert(index) }
            matchingPrefix(history, recovered: recovered, required: required, skipping: skipped) {
                counts.insert($0)
                return false
            }
        }
        return counts.sorted()
    }

    /// The shortest prefix of at least `required` entries, without the `skipping` ones, whose state is `recovered`.
    private func matchingPrefix(
        _ history: History, recovered: [[UInt8]: [UInt8]], required: Int, skipping: Set<Int>
    ) -> Int? {
        var shortest: Int?
        matchingPrefix(history, recovered: recovered, required: required, skipping: skipping) { count in
            shortest = count
            return true
        }
        return shortest
    }

    /// Calls `found` with every prefix length of at least `required` entries, without the `skipping` ones, whose
    /// state is `recovered`, in increasing order, until it returns true.
    private func matchingPrefix(
        _ history: History, recovered: [[UInt8]: [UInt8]], required: Int, skipping: Set<Int>,
        found: (Int) -> Bool
    ) {
        var state = history.initial
        var mismatched = Set<[UInt8]>()
        for key in Set(state.keys).union(recovered.keys) where state[key] != recovered[key] { mismatched.insert(key) }
        for count in 0...history.entries.count {
            if count >= required && mismatched.isEmpty && found(count) { return }
            guard count < history.entries.count else { break }
            if skipping.contains(count) { continue }
            for (key, value) in history.entries[count].operation.writes {
                state[key] = value
                if state[key] == recovered[key] { mismatched.remove(key) } else { mismatched.insert(key) }
            }
        }
    }

    /// Describes, key by key, how `recovered` differs from the required prefix: lost writes, resurrected deletes,
    /// values never written.
    func explain(_ history: History, recovered: [[UInt8]: [UInt8]], required: Int) -> [String] {
        var problems: [String] = []
        let expected = history.state(afterPrefix: required)
        var everWritten: [[UInt8]: Set<[UInt8]>] = [:]
        for (key, value) in history.initial { everWritten[key, default: []].insert(value) }
        for entry in history.entries {
            for (key, value) in entry.operation.writes { if let value { everWritten[key, default: []].insert(value) } }
        }
        for key in Set(expected.keys).union(recovered.keys).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let want = expected[key]
            let got = recovered[key]
            if want == got { continue }
            let name = Self.show(key)
            if let got, !(everWritten[key]?.contains(got) ?? false) {
                problems.append("key \(name) holds a value never written to it (\(Self.show(got)))")
            } else if want == nil, got != nil {
                problems.append(
                    "key \(name) is present but was deleted before the last required operation (resurrected or reordered)"
                )
            } else if got == nil {
                problems.append("key \(name) is missing: an acknowledged write was lost")
            } else {
                problems.append("key \(name) holds an older or newer value than any allowed prefix")
            }
            if problems.count >= 10 {
                problems.append("…")
                break
            }
        }
        if problems.isEmpty {
            problems.append(
                "the state matches no prefix of the history (a hole: a later write survived an earlier one)")
        }
        return ["required the first \(required) of \(history.entries.count) operations"] + problems
    }

    /// Printable form of a key or value: text when it is printable ASCII, else hex.
    static func show(_ bytes: [UInt8]) -> String {
        if bytes.count <= 40, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
            return "\"" + String(decoding: bytes, as: UTF8.self) + "\""
        }
        let hex = bytes.prefix(24).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return "0x" + hex + (bytes.count > 24 ? "…(\(bytes.count) bytes)" : "")
    }
}

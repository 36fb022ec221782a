/// The oracle for concurrent writers (a history with several ``History/Entry/writer``s, each on its own keys).
///
/// Writers owe each other only real-time order: an operation acknowledged before another was issued was
/// serialized before it; operations in flight together may have been serialized either way (that is what group
/// commit decides). The recovered state is allowed when it equals the state after a set of operations that
/// 1. is, for every writer, a prefix of that writer's operations (unacknowledged ones optional, as in the
///    single-writer check) holding every operation the requirement protects (acknowledged, or acknowledged with
///    `sync`), and
/// 2. is closed under real-time order: it holds every operation acknowledged before any operation in it was issued
///    (so a serialization of the writers exists of which it is a prefix).
/// Since each writer has its own keys, condition 1 is checked writer by writer on that writer's keys; condition 2
/// is a least fixpoint over the writers' prefix lengths (raising one can only raise the others).
extension CrashOracle {
    /// Checks a history of several writers; see the extension's documentation.
    func checkWriters(
        _ history: History, recovered: [[UInt8]: [UInt8]], requirement: Requirement
    ) -> Verdict {
        let writers = history.writers
        var owner: [[UInt8]: Int] = [:]
        for entry in history.entries {
            for (key, _) in entry.operation.writes {
                if let other = owner[key], other != entry.writer {
                    return .violation(problems: ["tester: writers \(other) and \(entry.writer) share a key"])
                }
                owner[key] = entry.writer
            }
        }
        // Keys no operation wrote must be exactly as they were.
        for key in Set(history.initial.keys).union(recovered.keys) where owner[key] == nil {
            if history.initial[key] != recovered[key] {
                return .violation(problems: ["key \(Self.show(key)) changed, but no operation wrote it"])
            }
        }
        var lanes: [Int: [History.Entry]] = [:]
        for entry in history.entries { lanes[entry.writer, default: []].append(entry) }
        // Each writer's allowed prefix lengths on its own keys.
        var allowed: [Int: [Int]] = [:]
        for writer in writers {
            let lane = lanes[writer] ?? []
            var sub = History(initial: history.initial.filter { owner[$0.key] == writer })
            sub.entries = lane
            let mine = recovered.filter { owner[$0.key] == writer }
            let counts = matchingCounts(sub, recovered: mine, required: Self.requiredPrefix(sub, requirement))
            if counts.isEmpty {
                let required = Self.requiredPrefix(sub, requirement)
                return .violation(
                    problems: ["writer \(writer): no prefix of its operations matches its keys"]
                        + explain(sub, recovered: mine, required: required))
            }
            allowed[writer] = counts
        }
        // The least prefix lengths closed under real-time order.
        var length = allowed.mapValues { $0[0] }
        var changed = true
        while changed {
            changed = false
            for writer in writers {
                let lane = lanes[writer] ?? []
                var need = length[writer] ?? 0
                for other in writers where other != writer {
                    let count = length[other] ?? 0
                    guard count > 0, let latest = lanes[other]?[count - 1].issuedAt else { continue }
                    if let last = lane.lastIndex(where: { ($0.acknowledgedAt ?? Int.max) < latest }) {
                        need = max(need, last + 1)
                    }
                }
                guard need > length[writer] ?? 0 else { continue }
                guard let raised = allowed[writer]?.first(where: { $0 >= need }) else {
                    return .violation(problems: [
                        "writer \(writer) must hold its first \(need) operations (acknowledged before operations "
                            + "of other writers that survived were issued), but its keys match only "
                            + "\((allowed[writer] ?? []).map(String.init).joined(separator: ", ")) of them: "
                            + "a later write survived an earlier acknowledged one"
                    ])
                }
                length[writer] = raised
                changed = true
            }
        }
        return .consistent(prefix: length.values.reduce(0, +))
    }
}

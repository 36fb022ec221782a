import LSMKV
import VFS

/// The durability ledger: at each acknowledgement of durability, the durable bytes alone must already recover what
/// was promised; when they do not, the unsynced changes the promise depends on are named.
extension Explorer.Session {
    /// Checks the strict (durable-only) image at every durability point of `run`.
    mutating func checkLedger(_ run: Explorer.Run) {
        var checked = Set<Int>()
        for point in run.history.durabilityPoints {
            if done { return }
            guard checked.insert(point.at).inserted else { continue }
            let snapshot = run.recording.snapshot(afterOperations: point.at)
            let history = run.history.history(atOperation: point.at)
            let image = PreCrashImage(snapshot)
            report.ledgerChecks += 1
            let durable = snapshot.crashed(seed: 0, model: .strict)
            guard let problem = judge(durable, history: history, image: image, model: .strict, nesting: false) else {
                continue
            }
            let detail = diagnose(snapshot, history: history, entry: point.entry, image: image, problem: problem.detail)
            let next = point.at < run.recording.operationCount ? run.recording.operations[point.at] : nil
            report.violations.append(
                Explorer.Violation(
                    check: .ledger, seed: seed, model: model, operationIndex: point.at,
                    nextOperation: next.map(Self.describe), nested: false, detail: detail))
        }
    }

    /// Names what a failed ledger check depends on: a minimal set of unsynced changes whose durability keeps the
    /// promise (each needed given the others), and the first acknowledged write the durable bytes lost.
    func diagnose(
        _ snapshot: SimulatedSnapshot, history: History, entry: Int?, image: PreCrashImage, problem: String
    ) -> String {
        func check(_ fs: SimulatedFileSystem) -> (recovered: [[UInt8]: [UInt8]]?, problem: String?) {
            explorer.check(fs, history: history, model: .strict, image: image)
        }
        let promise =
            entry.map { "the return of synced write #\($0) (\(Self.describe(history.entries[$0].operation)))" }
            ?? "a flush() or close()"
        var text = "at \(promise), the durable bytes alone do not recover what was acknowledged as durable: \(problem)"
        let changes = snapshot.nonDurableChanges
        if check(snapshot.durable(only: Set(changes))).problem != nil {
            return text + ". It fails even with every change durable, so no missing sync explains it"
        }
        // A minimal set of changes whose durability keeps the promise: drop each in turn while it still holds.
        var needed = Set(changes)
        for change in changes {
            needed.remove(change)
            if check(snapshot.durable(only: needed)).problem != nil { needed.insert(change) }
        }
        text += ". Not durable: " + changes.filter(needed.contains).map(\.description).joined(separator: "; ")
        let recovered = check(snapshot.crashed(seed: 0, model: .strict)).recovered
        if let lost = firstLostWrite(recovered, history) {
            text += ". The first write that depends on it: #\(lost) (\(Self.describe(history.entries[lost].operation)))"
        } else if recovered == nil, let first = history.entries.firstIndex(where: { $0.acknowledged && $0.sync }) {
            text +=
                ". Every durable write depends on it, the first being #\(first) "
                + "(\(Self.describe(history.entries[first].operation))): the database does not open without it"
        }
        return text
    }

    /// The first acknowledged durable write whose promise `recovered` breaks (nil when the database did not open
    /// or every promise up to the last holds alone).
    func firstLostWrite(_ recovered: [[UInt8]: [UInt8]]?, _ history: History) -> Int? {
        guard let recovered else { return nil }
        for (index, entry) in history.entries.enumerated() where entry.acknowledged && entry.sync {
            var promised = history
            for later in promised.entries.indices where later > index { promised.entries[later].sync = false }
            if !CrashOracle().check(promised, recovered: recovered, requirement: .synced).isConsistent { return index }
        }
        return nil
    }

    /// `put "key3"`, `delete "key9"`, `batch of 4`.
    static func describe(_ operation: History.Operation) -> String {
        switch operation {
        case .put(let key, _): return "put \(CrashOracle.show(key))"
        case .delete(let key): return "delete \(CrashOracle.show(key))"
        case .batch(let operations): return "batch of \(operations.count)"
        }
    }
}

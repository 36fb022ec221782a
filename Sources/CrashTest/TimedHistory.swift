import VFS

/// A ``HistorySink`` that stamps every event with the file-system operation count at which it happened, so the
/// history as it stood at any instant of a recorded run can be rebuilt (``history(atOperation:)``): what had been
/// issued, acknowledged and made durable before the operation with that index.
///
/// It also notes the *durability points*: each return of a `sync: true` write, `flush()` or `close()`. At each,
/// everything acknowledged as durable so far must already be recoverable from the durable bytes alone (the
/// ``Explorer``'s durability ledger checks it).
struct TimedHistory: HistorySink {
    /// The whole history, as at the end of the run.
    private(set) var history = History()
    /// The operation count at which each entry was issued and (when it was) acknowledged.
    private var issuedAt: [Int] = []
    private var acknowledgedAt: [Int?] = []
    /// Whether each entry asked for `sync: true` (``History/markDurable()`` sets the flag later too).
    private var requestedSync: [Bool] = []
    /// Durability points from `flush()`/`close()`: the operation count and the entry they mark synced.
    private var durableMarks: [(at: Int, entry: Int)] = []
    /// The operation counts of every durability point, with the entry whose acknowledgement it was (for a synced
    /// write) or nil (for `flush()`/`close()`).
    private(set) var durabilityPoints: [(at: Int, entry: Int?)] = []
    /// Where the counts come from.
    let fileSystem: SimulatedFileSystem
    /// The file system's count when the recording started.
    let base: Int

    init(fileSystem: SimulatedFileSystem, base: Int) {
        self.fileSystem = fileSystem
        self.base = base
    }

    private var now: Int { fileSystem.operationCount - base }

    mutating func issue(_ operation: History.Operation, sync: Bool, writer: Int) -> Int {
        issuedAt.append(now)
        acknowledgedAt.append(nil)
        requestedSync.append(sync)
        return history.issue(operation, sync: sync, writer: writer)
    }

    mutating func acknowledge(_ index: Int) {
        acknowledgedAt[index] = now
        history.acknowledge(index)
        if history.entries[index].sync { durabilityPoints.append((now, index)) }
    }

    mutating func markDurable() {
        if let last = history.entries.lastIndex(where: \.acknowledged) { durableMarks.append((now, last)) }
        history.markDurable()
        durabilityPoints.append((now, nil))
    }

    mutating func error(_ text: String) {}

    /// The history as it stood when `count` recorded operations had been made: entries issued by then, marked
    /// acknowledged when they had returned by then, and synced when they asked for it or a durability point by
    /// then covered them.
    func history(atOperation count: Int) -> History {
        var result = History(initial: history.initial)
        for (index, entry) in history.entries.enumerated() where issuedAt[index] <= count {
            var entry = entry
            entry.acknowledged = acknowledgedAt[index].map { $0 <= count } ?? false
            entry.sync = requestedSync[index] || durableMarks.contains { $0.at <= count && $0.entry == index }
            result.entries.append(entry)
        }
        return result
    }
}

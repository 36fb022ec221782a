import Synchronization

/// Finds tables that point reads keep passing through without an answer, so that compaction can merge them into
/// the level below (LevelDB's seek compaction): when a get consults a table, misses, and has to read a deeper one,
/// the first table is charged one seek. A table's budget is one seek per 16 KiB of its size, at least 100 (one
/// seek costs about as much as compacting 16 KiB, the figure LevelDB's design uses). The first table to run out
/// becomes the candidate; the leveled picker compacts it when no level is over its size limit.
///
/// Budgets are kept by table number across versions, as a table's metadata is shared by every version holding it;
/// the candidate is forgotten as soon as its table leaves its level.
final class SeekCompactionTracker: Sendable {
    private struct State {
        /// By table number, found with one multiply: a get with a second probe charges one here.
        var remaining = SlotMap<UInt64, Int>()
        var candidate: (level: Int, number: UInt64)?
    }

    private let state = Mutex(State())

    /// Charges table `number` of `size` bytes in `level` one seek. Returns true when that made it the candidate
    /// (a compaction is worth scheduling).
    func charge(number: UInt64, size: Int, level: Int) -> Bool {
        let budget = max(100, size / 16384)
        return state.withLock { s in
            let left = (s.remaining[number] ?? budget) - 1
            s.remaining[number] = left
            guard left <= 0, s.candidate == nil else { return false }
            s.candidate = (level, number)
            return true
        }
    }

    /// The candidate, if its table is still in its level of `version` and that level is not the last. Also forgets
    /// the budgets of tables `version` no longer holds once they outnumber its tables, so they stay bounded.
    func candidate(in version: Version) -> (level: Int, file: FileMetadata)? {
        state.withLock { s in
            let tables = version.levels.reduce(0) { $0 + $1.count }
            if s.remaining.count > 2 * tables + 64 {
                let live = Set(version.levels.joined().map(\.number))
                s.remaining.removeAll { !live.contains($0) }
            }
            guard let (level, number) = s.candidate else { return nil }
            guard level + 1 < Version.levelCount, let file = version.levels[level].first(where: { $0.number == number })
            else {
                s.remaining[number] = nil
                s.candidate = nil
                return nil
            }
            return (level, file)
        }
    }
}

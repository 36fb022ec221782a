import Synchronization

/// Counters of what a `Database` did since it was opened, for measuring amplification.
///
/// Write amplification is ``bytesWrittenToDisk`` / ``userBytesWritten``: the log, flushed tables, compaction
/// outputs and MANIFEST records all count. Read amplification for point reads is ``tablesProbed`` / ``gets``.
public struct DatabaseStatistics: Sendable, Equatable {
    /// Bytes of keys and values passed to writes (puts and deletes).
    public var userBytesWritten = 0
    /// Bytes appended to write-ahead logs, record headers included.
    public var logBytesWritten = 0
    /// Bytes of level-0 tables written by flushes.
    public var flushBytesWritten = 0
    /// Bytes of tables read by compactions.
    public var compactionBytesRead = 0
    /// Bytes of tables written by compactions.
    public var compactionBytesWritten = 0
    /// Compactions that rewrote tables.
    public var compactions = 0
    /// Compactions that moved one table down a level without rewriting it.
    public var trivialMoves = 0
    /// Entries compactions dropped (shadowed versions and tombstones).
    public var entriesDropped = 0
    /// Point reads (`get`) served.
    public var gets = 0
    /// Tables consulted by point reads (a table whose Bloom filter rules the key out counts too).
    public var tablesProbed = 0
    /// Writes delayed because compaction was behind.
    public var writesSlowed = 0
    /// Times a write waited for compaction to finish.
    public var writeStops = 0

    /// Everything written to disk: logs, flushed tables, compaction outputs.
    public var bytesWrittenToDisk: Int { logBytesWritten + flushBytesWritten + compactionBytesWritten }

    /// ``bytesWrittenToDisk`` / ``userBytesWritten`` (0 before any write).
    public var writeAmplification: Double {
        userBytesWritten == 0 ? 0 : Double(bytesWrittenToDisk) / Double(userBytesWritten)
    }

    /// The average number of tables a point read consulted.
    public var tablesPerGet: Double { gets == 0 ? 0 : Double(tablesProbed) / Double(gets) }
}

/// The live counters behind ``DatabaseStatistics``. The two the read path bumps on every `get` are relaxed atomics;
/// the rest change once per write, flush or compaction and live under one lock.
final class StatisticsCounters: Sendable {
    let gets = Atomic<Int>(0)
    let tablesProbed = Atomic<Int>(0)
    /// Keeps the readers' counters off the cache line of the lock that every commit takes, so a get and a write
    /// on two cores do not pass that line back and forth.
    private let separation: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    private let totals = Mutex(DatabaseStatistics())

    /// Changes the lock-protected counters.
    func update(_ body: (inout DatabaseStatistics) -> Void) { totals.withLock { body(&$0) } }

    var snapshot: DatabaseStatistics {
        var statistics = totals.withLock { $0 }
        statistics.gets = gets.load(ordering: .relaxed)
        statistics.tablesProbed = tablesProbed.load(ordering: .relaxed)
        return statistics
    }
}

extension Atomic<Int> {
    /// Adds `amount` with relaxed ordering: a statistics counter, not a synchronization point.
    @inline(__always)
    func count(_ amount: Int = 1) { wrappingAdd(amount, ordering: .relaxed) }
}

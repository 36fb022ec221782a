import TestSupport
import Testing
import VFS

@testable import LSMKV

/// Compaction in a running database: bounded files and bytes under overwrites and deletes, tombstones that keep
/// hiding older values until it is safe to drop them, snapshots and iterators that outlive the tables they read.
@Suite("Compaction")
struct CompactionTests {
    static func options(_ strategy: CompactionStrategy, inline: Bool = false) -> Options {
        var options = Options()
        options.compactionStrategy = strategy
        options.writeBufferSize = 32 * 1024
        options.targetFileSize = 32 * 1024
        options.maxBytesForLevelBase = 128 * 1024
        options.syncWrites = false
        options.runsBackgroundWorkInline = inline
        return options
    }

    /// `options` with automatic compaction (and the write stalls it drives) out of reach, so a test decides when
    /// tables are merged.
    static func withoutAutomaticCompaction(_ options: Options) -> Options {
        var options = options
        options.level0CompactionTrigger = 100
        options.level0SlowdownTrigger = 200
        options.level0StopTrigger = 300
        return options
    }

    static func key(_ i: Int) -> [UInt8] { Array("key\(String(i + 100_000))".utf8) }
    static func value(_ i: Int, round: Int) -> [UInt8] {
        [UInt8](repeating: UInt8(truncatingIfNeeded: i &* 31 &+ round), count: 100)
    }

    static func tableBytes(_ path: String) throws -> (files: Int, bytes: Int) {
        let fs = PosixFileSystem()
        let tables = try fs.listDirectory(path).filter { $0.hasSuffix(".ldb") }
        return (tables.count, try tables.reduce(0) { $0 + (try fs.fileSize(Path.join(path, $1))) })
    }

    @Test(arguments: CompactionStrategy.allCases)
    func overwritesKeepFilesAndBytesBounded(strategy: CompactionStrategy) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try Database(path: dir.path, options: Self.options(strategy))
        let keys = 2000
        var maxFiles = 0
        for round in 0..<25 {
            for i in 0..<keys { try db.put(Self.key(i), Self.value(i, round: round)) }
            maxFiles = max(maxFiles, db.filesPerLevel.reduce(0, +))
        }
        try db.compact()
        for i in 0..<keys { #expect(try db.get(Self.key(i)) == Self.value(i, round: 24)) }
        let logical = keys * (Self.key(0).count + 100)
        let (files, bytes) = try Self.tableBytes(dir.path)
        let stats = db.statistics
        try db.close()
        // 25 rounds wrote 25x the live data; without compaction the tables would hold all of it.
        #expect(stats.compactions > 0)
        #expect(maxFiles <= 40, "\(maxFiles) tables at the peak")
        #expect(bytes < 2 * logical, "\(bytes) bytes of tables for \(logical) bytes of live data")
        #expect(files <= 8)
    }

    /// Ascending runs (disjoint level-0 tables, moved down one at a time) mixed with overwrites and deletes of
    /// ranges that span them (overlapping tables merged together): after every round each key reads its newest
    /// value, and after a reopen too.
    /// A level-0 table whose range covers keys that live only deeper costs every get of them an extra probe; after
    /// its budget of such misses (100 for a small table) it is compacted down, with no level over its size limit.
    @Test func tablesThatPointReadsKeepMissingAreCompactedDown() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let options = Self.withoutAutomaticCompaction(Self.options(.leveled, inline: true))
        let db = try Database(path: dir.path, options: options)
        for i in 0..<2000 { try db.put(Self.key(i), Self.value(i, round: 0)) }
        try db.compact()
        try db.put(Self.key(0), Self.value(0, round: 1))
        try db.put(Self.key(1999), Self.value(1999, round: 1))
        try db.flush()
        #expect(db.filesPerLevel[0] == 1)
        let before = db.statistics.compactions
        for i in 1..<120 { #expect(try db.get(Self.key(i * 16)) == Self.value(i * 16, round: 0)) }
        // Inline background work runs at the next write.
        try db.put(Self.key(5), Self.value(5, round: 2))
        #expect(db.filesPerLevel[0] == 0)
        #expect(db.statistics.compactions > before)
        for i in 0..<2000 {
            let round = i == 5 ? 2 : (i == 0 || i == 1999 ? 1 : 0)
            #expect(try db.get(Self.key(i)) == Self.value(i, round: round), "key \(i)")
        }
        try db.close()
    }

    @Test func level0TablesLeftBehindNeverShadowNewerData() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var options = Self.options(.leveled, inline: true)
        options.level0CompactionTrigger = 2
        var db = try Database(path: dir.path, options: options)
        var expected: [Int: [UInt8]?] = [:]
        var random = SplitMix64(seed: 17)
        for round in 0..<12 {
            let base = round * 700
            for i in base..<base + 700 {
                try db.put(Self.key(i), Self.value(i, round: round))
                expected[i] = Self.value(i, round: round)
            }
            for _ in 0..<300 {
                let i = Int(random.next() % UInt64(base + 700))
                if random.next() % 4 == 0 {
                    try db.delete(Self.key(i))
                    expected[i] = .some(nil)
                } else {
                    try db.put(Self.key(i), Self.value(i, round: round + 50))
                    expected[i] = Self.value(i, round: round + 50)
                }
            }
            for (i, value) in expected { #expect(try db.get(Self.key(i)) == value, "key \(i) after round \(round)") }
        }
        #expect(db.statistics.trivialMoves > 0)
        try db.close()
        db = try Database(path: dir.path, options: options)
        for (i, value) in expected { #expect(try db.get(Self.key(i)) == value, "key \(i) after reopening") }
        try db.close()
    }

    @Test(arguments: CompactionStrategy.allCases)
    func deletedKeysNeverComeBackAndTheirSpaceIsReclaimed(strategy: CompactionStrategy) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try Database(path: dir.path, options: Self.options(strategy))
        for i in 0..<3000 { try db.put(Self.key(i), Self.value(i, round: 0)) }
        try db.compact()
        for i in 0..<3000 where i % 10 != 0 { try db.delete(Self.key(i)) }
        try db.flush()
        for i in 0..<3000 { #expect(try db.get(Self.key(i)) == (i % 10 == 0 ? Self.value(i, round: 0) : nil)) }
        try db.compact()
        #expect(try db.scan().count == 300)
        let (_, bytes) = try Self.tableBytes(dir.path)
        try db.close()
        #expect(bytes < 300 * 130 * 2, "tombstones and deleted values were not dropped: \(bytes) bytes")
        let reopened = try Database(path: dir.path)
        defer { try? reopened.close() }
        for i in 0..<3000 { #expect(try reopened.get(Self.key(i)) == (i % 10 == 0 ? Self.value(i, round: 0) : nil)) }
    }

    /// The value sits in level 2; the tombstone comes down to level 1 first and must survive there, because
    /// level 2 still holds the value it hides.
    @Test func aTombstoneIsKeptWhileADeeperLevelHoldsTheKey() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var options = Self.options(.leveled, inline: true)
        options.maxBytesForLevelBase = 8 * 1024
        options.targetFileSize = 4 * 1024
        let db = try Database(path: dir.path, options: options)
        for i in 0..<500 { try db.put(Self.key(i), Self.value(i, round: 0)) }
        try db.compact()
        try db.put("nudge", "x")  // inline compactions run at the next write: level 1 overflows into level 2
        #expect(db.filesPerLevel[2] > 0, "\(db.filesPerLevel)")
        for i in stride(from: 0, to: 500, by: 7) { try db.delete(Self.key(i)) }
        try db.flush()
        try db.compact(range: KeyRange(from: Self.key(0), through: Self.key(0)))
        for i in 0..<500 { #expect(try db.get(Self.key(i)) == (i % 7 == 0 ? nil : Self.value(i, round: 0))) }
        try db.close()
    }

    @Test(arguments: CompactionStrategy.allCases)
    func snapshotsKeepTheVersionsTheyRead(strategy: CompactionStrategy) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try Database(path: dir.path, options: Self.options(strategy))
        for i in 0..<1000 { try db.put(Self.key(i), Self.value(i, round: 0)) }
        let snapshot = try db.snapshot()
        for i in 0..<1000 {
            if i % 2 == 0 { try db.put(Self.key(i), Self.value(i, round: 1)) } else { try db.delete(Self.key(i)) }
        }
        try db.compact()
        for i in 0..<1000 {
            #expect(try db.get(Self.key(i), snapshot: snapshot) == Self.value(i, round: 0))
            #expect(try db.get(Self.key(i)) == (i % 2 == 0 ? Self.value(i, round: 1) : nil))
        }
        #expect(try db.scan(snapshot: snapshot).count == 1000)
        let droppedWhileHeld = db.statistics.entriesDropped
        snapshot.release()
        try db.compact()
        #expect(db.statistics.entriesDropped >= droppedWhileHeld + 1000, "old versions were not dropped")
        #expect(try db.scan().count == 500)
        try db.close()
    }

    @Test(arguments: CompactionStrategy.allCases)
    func anIteratorKeepsReadingTablesThatCompactionReplaced(strategy: CompactionStrategy) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try Database(path: dir.path, options: Self.options(strategy))
        for round in 0..<3 {
            for i in 0..<2000 { try db.put(Self.key(i), Self.value(i, round: round)) }
            try db.flush()
        }
        var iterator: DatabaseIterator? = try db.makeIterator()
        for _ in 0..<1000 { _ = try iterator!.next() }
        for i in 0..<2000 { try db.put(Self.key(i), Self.value(i, round: 9)) }
        try db.compact()
        var seen = 1000
        while let (key, value) = try iterator!.next() {
            let i = Int(String(decoding: key.dropFirst(3), as: UTF8.self))! - 100_000
            #expect(value == Self.value(i, round: 2))
            seen += 1
        }
        #expect(seen == 2000)
        let pinnedTables = try Self.tableBytes(dir.path).files
        iterator = nil
        try db.put("after", "release")
        try db.compact()
        #expect(try Self.tableBytes(dir.path).files < pinnedTables, "tables stayed after the iterator let go")
        try db.close()
    }

    /// Closing while a big compaction runs: it is cancelled or finishes, nothing half-written stays behind.
    @Test(arguments: CompactionStrategy.allCases)
    func closeDuringACompactionLeavesNoPartialOutputs(strategy: CompactionStrategy) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var options = Self.withoutAutomaticCompaction(Self.options(strategy))
        do {
            let db = try Database(path: dir.path, options: options)
            for round in 0..<6 {
                for i in 0..<3000 { try db.put(Self.key(i), Self.value(i, round: round)) }
                try db.flush()
            }
            try db.close()
        }
        options.level0CompactionTrigger = 2
        let db = try Database(path: dir.path, options: options)  // schedules a compaction of six tables
        try db.close()
        let report = Verifier.verify(path: dir.path)
        #expect(report.isHealthy, "\(report.problems)")
        #expect(report.problems.isEmpty, "orphans or other leftovers: \(report.problems)")
        let reopened = try Database(path: dir.path, options: options)
        defer { try? reopened.close() }
        for i in 0..<3000 { #expect(try reopened.get(Self.key(i)) == Self.value(i, round: 5)) }
    }

    /// The cancellation path itself, made deterministic: a cancelled compaction removes its outputs and installs
    /// nothing.
    @Test func aCancelledCompactionRemovesItsOutputs() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let options = Self.withoutAutomaticCompaction(Self.options(.leveled, inline: true))
        let db = try Database(path: dir.path, options: options)
        for round in 0..<3 {
            for i in 0..<3000 { try db.put(Self.key(i), Self.value(i, round: round)) }
            try db.flush()
        }
        let before = Set(try PosixFileSystem().listDirectory(dir.path))
        let shape = db.filesPerLevel
        db.compactionCancelled.store(true, ordering: .relaxed)
        #expect(throws: LSMKVError.closed) { try db.compact() }
        #expect(Set(try PosixFileSystem().listDirectory(dir.path)) == before)
        #expect(db.filesPerLevel == shape)
        for i in 0..<3000 { #expect(try db.get(Self.key(i)) == Self.value(i, round: 2)) }
        try db.close()
    }

    @Test func level0StaysBelowTheStopTriggerUnderSustainedWrites() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var options = Self.options(.leveled)
        options.writeBufferSize = 8 * 1024
        options.level0CompactionTrigger = 2
        options.level0SlowdownTrigger = 2
        options.level0StopTrigger = 4
        let db = try Database(path: dir.path, options: options)
        var peak = 0
        for i in 0..<20_000 {
            try db.put(Self.key(i % 5000), Self.value(i, round: 0))
            peak = max(peak, db.filesPerLevel[0])
        }
        let stats = db.statistics
        try db.close()
        #expect(peak <= 4, "level 0 reached \(peak) tables")
        #expect(stats.compactions + stats.trivialMoves > 0)
        #expect(stats.writesSlowed > 0, "no write was ever delayed: \(stats)")
    }

    @Test(arguments: CompactionStrategy.allCases)
    func aFailedCompactionRemovesItsOutputsAndTurnsTheDatabaseReadOnly(strategy: CompactionStrategy) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let faulty = FaultInjectingFileSystem(wrapping: PosixFileSystem())
        var options = Self.withoutAutomaticCompaction(Self.options(strategy, inline: true))
        options.fileSystem = faulty
        let db = try Database(path: dir.path, options: options)
        for round in 0..<4 {
            for i in 0..<1000 { try db.put(Self.key(i), Self.value(i, round: round)) }
            try db.flush()
        }
        let before = Set(try PosixFileSystem().listDirectory(dir.path))
        faulty.rules = try FaultRule.parse("write path=*.ldb nth=3 -> eio")
        #expect(throws: LSMKVError.self) { try db.compact() }
        #expect(faulty.injectedFaults.count == 1)
        let after = Set(try PosixFileSystem().listDirectory(dir.path))
        #expect(after == before, "partial outputs left behind: \(after.subtracting(before))")
        #expect(throws: LSMKVError.self) { try db.put("more", "data") }
        for i in 0..<1000 { #expect(try db.get(Self.key(i)) == Self.value(i, round: 3)) }
        try? db.close()
        faulty.rules = []
        let reopened = try Database(path: dir.path, options: options)
        defer { try? reopened.close() }
        for i in 0..<1000 { #expect(try reopened.get(Self.key(i)) == Self.value(i, round: 3)) }
    }

    /// Random puts, deletes, batches, snapshots, manual compactions and reopens against a dictionary, with
    /// compactions running inline so a seed replays exactly (`LSMKV_SEED`).
    @Test(arguments: CompactionStrategy.allCases)
    func randomizedModelWithCompactionsAndSnapshots(strategy: CompactionStrategy) async {
        await withSeed("CompactionTests/randomizedModelWithCompactionsAndSnapshots") { seed, random in
            let dir = TemporaryDirectory()
            defer { dir.remove() }
            var options = Self.options(strategy, inline: true)
            options.writeBufferSize = 4 * 1024
            options.targetFileSize = 4 * 1024
            options.maxBytesForLevelBase = 16 * 1024
            var db = try Database(path: dir.path, options: options)
            var model: [[UInt8]: [UInt8]] = [:]
            var snapshots: [(Snapshot, [[UInt8]: [UInt8]])] = []
            var compactions = 0
            for step in 0..<6000 {
                let key = Self.key(Int.random(in: 0..<400, using: &random))
                switch Int.random(in: 0..<100, using: &random) {
                case 0..<55:
                    let value = [UInt8](repeating: UInt8(step % 251), count: Int.random(in: 0..<120, using: &random))
                    try db.put(key, value)
                    model[key] = value
                case 55..<85:
                    try db.delete(key)
                    model[key] = nil
                case 85..<92:
                    var batch = WriteBatch()
                    for _ in 0..<5 {
                        let k = Self.key(Int.random(in: 0..<400, using: &random))
                        if Bool.random(using: &random) {
                            batch.put(k, [UInt8(step % 256)])
                            model[k] = [UInt8(step % 256)]
                        } else {
                            batch.delete(k)
                            model[k] = nil
                        }
                    }
                    try db.write(batch)
                case 92..<95:
                    if snapshots.count < 3 {
                        snapshots.append((try db.snapshot(), model))
                    } else {
                        snapshots.removeFirst()
                    }
                case 95..<97:
                    try db.compact(range: Bool.random(using: &random) ? .all : KeyRange(from: key, through: key))
                case 97..<98:
                    snapshots.removeAll()
                    compactions += db.statistics.compactions + db.statistics.trivialMoves
                    try db.close()
                    db = try Database(path: dir.path, options: options)
                default:
                    #expect(try db.get(key) == model[key], "seed \(seed) step \(step)")
                }
            }
            for (snapshot, seen) in snapshots {
                let scanned = try db.scan(snapshot: snapshot)
                #expect(scanned.count == seen.count, "seed \(seed)")
                for (key, value) in scanned { #expect(seen[key] == value, "seed \(seed)") }
            }
            let all = try db.scan()
            #expect(all.count == model.count, "seed \(seed)")
            for (key, value) in all { #expect(model[key] == value, "seed \(seed)") }
            compactions += db.statistics.compactions + db.statistics.trivialMoves
            #expect(compactions > 0)
            try db.close()
            #expect(Verifier.verify(path: dir.path).isHealthy)
        }
    }
}

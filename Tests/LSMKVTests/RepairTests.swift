import Foundation
import TestSupport
import Testing
import VFS

@testable import LSMKV

/// `Database.repair` after each kind of damage: the repaired database must hold exactly the newest surviving
/// version of every key (computed from a model of every write and the sequence numbers the damage destroyed),
/// damaged files must be in `lost/`, and the result must open and verify.
@Suite("Repair")
struct RepairTests {
    /// Every write in order; write `i` got sequence number `i + 1` (single writes on a fresh database).
    struct Model {
        var writes: [(key: [UInt8], value: [UInt8]?)] = []

        /// The state after every write whose sequence number is not in `lost`.
        func state(losing lost: Set<UInt64> = []) -> [[UInt8]: [UInt8]] {
            var result: [[UInt8]: [UInt8]] = [:]
            for (index, write) in writes.enumerated() where !lost.contains(UInt64(index + 1)) {
                result[write.key] = write.value
            }
            return result
        }
    }

    /// A database with several level-0 tables of several blocks, overwrites and deletes across tables, and a live
    /// log holding the last writes.
    static func makeDatabase(_ dir: TemporaryDirectory) throws -> Model {
        try makeDatabase(path: dir.path, fileSystem: PosixFileSystem())
    }

    ///
    /// Without `compacting`, automatic compaction is out of reach, so every version ever written stays in some
    /// table and losing a block loses exactly that block's sequence numbers (what ``Model/state(losing:)`` assumes).
    static func makeDatabase(path: String, fileSystem: any FileSystem, compacting: Bool = false) throws -> Model {
        var options = Options()
        options.fileSystem = fileSystem
        options.writeBufferSize = 16 * 1024
        options.runsBackgroundWorkInline = true
        if !compacting {
            options.level0CompactionTrigger = 100
            options.level0SlowdownTrigger = 200
            options.level0StopTrigger = 300
        }
        let db = try Database(path: path, options: options)
        var model = Model()
        var random = SeededGenerator(seed: 42)
        for i in 0..<500 {
            let key = Array("key\(1000 + Int.random(in: 0..<150, using: &random))".utf8)
            if i % 11 == 5 {
                try db.delete(key)
                model.writes.append((key, nil))
            } else {
                let value = [UInt8](repeating: UInt8(i % 251), count: Int.random(in: 50...250, using: &random))
                try db.put(key, value)
                model.writes.append((key, value))
            }
        }
        try db.close()
        return model
    }

    static func fresh() throws -> (TemporaryDirectory, Model) {
        let dir = TemporaryDirectory("lsmkv-repair")
        return (dir, try makeDatabase(dir))
    }

    /// Every key and value of the database, read through a fresh open.
    static func contents(_ dir: TemporaryDirectory) throws -> [[UInt8]: [UInt8]] {
        try contents(path: dir.path, fileSystem: PosixFileSystem())
    }

    static func contents(path: String, fileSystem: any FileSystem) throws -> [[UInt8]: [UInt8]] {
        var options = Options()
        options.fileSystem = fileSystem
        let db = try Database(path: path, options: options)
        defer { try? db.close() }
        var result: [[UInt8]: [UInt8]] = [:]
        for (key, value) in try db.scan(from: [], to: [0xff]) { result[key] = value }
        // Point reads take level 0's newest-first path, which the scan's merge does not depend on.
        for key in result.keys { #expect(try db.get(key) == result[key]) }
        return result
    }

    /// Repairs, then checks the result verifies, opens and holds exactly `expected`; returns the report.
    @discardableResult
    static func repairAndCheck(_ dir: TemporaryDirectory, expected: [[UInt8]: [UInt8]]) throws -> RepairReport {
        let report = try Database.repair(path: dir.path)
        let verification = Verifier.verify(path: dir.path)
        #expect(verification.isHealthy, "\(verification.problems)")
        #expect(verification.problems(.warning).isEmpty, "\(verification.problems)")
        let contents = try contents(dir)
        #expect(contents.count == expected.count)
        #expect(contents == expected, "repaired contents differ from the model")
        return report
    }

    /// The sequence numbers of the entries of `table`'s data blocks for which `lose` is true (given the block's
    /// offset and size with trailer), read before the damage.
    static func sequences(in dir: TemporaryDirectory, _ table: String, blocks lose: (Int, Int) -> Bool) throws
        -> Set<UInt64>
    {
        let file = try PosixFileSystem().openReadable(VerifierTests.path(dir, table))
        defer { file.close() }
        let reader = try TableReader.open(file: file, fileSize: try file.size())
        let index = reader.indexBlock.makeIterator()
        var result: Set<UInt64> = []
        try index.seekToFirst()
        while index.isValid {
            let handle = try reader.dataHandle(at: index)
            if lose(Int(handle.offset), Int(handle.size) + blockTrailerSize) {
                let data = try reader.readDataBlock(handle).makeIterator()
                try data.seekToFirst()
                while data.isValid {
                    result.insert(InternalKey.trailer(data.key) >> 8)
                    try data.next()
                }
            }
            try index.next()
        }
        return result
    }

    static func lostNames(_ dir: TemporaryDirectory) -> [String] {
        (try? PosixFileSystem().listDirectory(Path.join(dir.path, "lost")))?.sorted() ?? []
    }

    @Test func healthyDatabaseRepairsLosslesslyKeepingEveryTable() throws {
        let (dir, model) = try Self.fresh()
        defer { dir.remove() }
        let tables = try VerifierTests.names(dir, suffix: ".ldb")
        let report = try Self.repairAndCheck(dir, expected: model.state())
        #expect(report.isLossless, "\(report.losses)")
        #expect(report.tables.filter { $0.origin == .kept }.map(\.file) == tables)
        #expect(report.tables.contains { $0.origin == .log })
        #expect(report.lastSequence == UInt64(model.writes.count))
        #expect(report.renamed.isEmpty)
        // Logs and the old MANIFEST are kept in lost/, never deleted.
        #expect(Self.lostNames(dir).contains { $0.hasSuffix(".log") })
        #expect(Self.lostNames(dir).contains { $0.hasPrefix("MANIFEST-") })
        // A second repair of the repaired database loses nothing either.
        #expect(try Self.repairAndCheck(dir, expected: model.state()).isLossless)
    }

    /// A compacted database (tables in levels 1 and 2, versions dropped) comes back whole: repair puts every table in
    /// level 0 in the order of its data's age.
    @Test func compactedDatabaseRepairsLosslessly() throws {
        let dir = TemporaryDirectory("lsmkv-repair")
        defer { dir.remove() }
        let model = try Self.makeDatabase(path: dir.path, fileSystem: PosixFileSystem(), compacting: true)
        let report = try Self.repairAndCheck(dir, expected: model.state())
        #expect(report.isLossless, "\(report.losses)")
    }

    @Test func flippedByteInATableBlockLosesOnlyThatBlock() throws {
        let (dir, model) = try Self.fresh()
        defer { dir.remove() }
        let table = try VerifierTests.names(dir, suffix: ".ldb")[0]
        var damagedBlock = 0..<0
        let lost = try Self.sequences(in: dir, table) { offset, size in
            // The second data block.
            guard offset > 0, damagedBlock.isEmpty else { return false }
            damagedBlock = offset..<offset + size
            return true
        }
        #expect(!lost.isEmpty)
        let original = try Data(contentsOf: URL(fileURLWithPath: VerifierTests.path(dir, table)))
        try VerifierTests.mutate(VerifierTests.path(dir, table)) { $0[damagedBlock.lowerBound + 10] ^= 0x40 }
        let report = try Self.repairAndCheck(dir, expected: model.state(losing: lost))
        let loss = report.losses.first { $0.file == table }
        #expect(loss?.offset == damagedBlock.lowerBound, "\(report.losses)")
        #expect(loss?.bytes == damagedBlock.count)
        #expect(report.tables.contains { $0.origin == .salvaged && $0.sources == [table] })
        // The damaged table is in lost/, byte for byte as it was after the damage.
        let moved = try Data(contentsOf: URL(fileURLWithPath: Path.join(Path.join(dir.path, "lost"), table)))
        #expect(moved.count == original.count && moved != original)
        #expect(!FileManager.default.fileExists(atPath: VerifierTests.path(dir, table)))
    }

    @Test func truncatedTableKeepsEveryWholeBlockBeforeTheCut() throws {
        let (dir, model) = try Self.fresh()
        defer { dir.remove() }
        let table = try VerifierTests.names(dir, suffix: ".ldb")[1]
        let size = try PosixFileSystem().fileSize(VerifierTests.path(dir, table))
        let cut = size * 6 / 10
        let lost = try Self.sequences(in: dir, table) { offset, blockSize in offset + blockSize > cut }
        #expect(!lost.isEmpty)
        try VerifierTests.mutate(VerifierTests.path(dir, table)) { $0.removeLast(size - cut) }
        let report = try Self.repairAndCheck(dir, expected: model.state(losing: lost))
        #expect(report.losses.contains { $0.file == table && $0.reason.contains("footer") }, "\(report.losses)")
        #expect(report.tables.contains { $0.origin == .salvaged && $0.sources == [table] })
        #expect(Self.lostNames(dir).contains(table))
    }

    @Test func missingCurrentLosesNothing() throws {
        let (dir, model) = try Self.fresh()
        defer { dir.remove() }
        try FileManager.default.removeItem(atPath: VerifierTests.path(dir, "CURRENT"))
        let report = try Self.repairAndCheck(dir, expected: model.state())
        #expect(report.isLossless, "\(report.losses)")
        #expect(!report.moved.contains { $0.file == "CURRENT" })
    }

    @Test func manifestCorruptedMidRecordLosesNothing() throws {
        let (dir, model) = try Self.fresh()
        defer { dir.remove() }
        let manifest = try VerifierTests.manifestName(dir)
        try VerifierTests.mutate(VerifierTests.path(dir, manifest)) { $0[$0.count / 2] ^= 0xff }
        #expect(throws: LSMKVError.self) { try Database(path: dir.path).close() }
        let report = try Self.repairAndCheck(dir, expected: model.state())
        #expect(report.isLossless, "\(report.losses)")
        #expect(Self.lostNames(dir).contains(manifest))
        // The bad CURRENT's bytes are kept too.
        #expect(report.moved.contains { $0.file == "CURRENT" && $0.movedTo == "lost/CURRENT" })
    }

    @Test func missingManifestLosesNothing() throws {
        let (dir, model) = try Self.fresh()
        defer { dir.remove() }
        try FileManager.default.removeItem(atPath: VerifierTests.path(dir, try VerifierTests.manifestName(dir)))
        #expect(throws: LSMKVError.self) { try Database(path: dir.path).close() }
        #expect(try Self.repairAndCheck(dir, expected: model.state()).isLossless)
    }

    @Test func damageInTheMiddleOfALogLosesOnlyTheDamagedRecord() throws {
        let (dir, model) = try Self.fresh()
        defer { dir.remove() }
        let log = try VerifierTests.names(dir, suffix: ".log")[0]
        let logPath = VerifierTests.path(dir, log)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: logPath)))
        let records = LogReader.read(bytes, file: log).records
        #expect(records.count > 10)
        let victim = records[records.count / 2]
        let (batch, _) = try WriteBatch.decode(victim.payload, file: log, offset: victim.offset)
        // Flip a payload byte (the fragment's length stays intact): exactly this record is lost.
        try VerifierTests.mutate(logPath) { $0[victim.offset + LogFormat.headerSize + 3] ^= 0x01 }
        #expect(throws: LSMKVError.self) { try Database(path: dir.path).close() }
        let report = try Self.repairAndCheck(dir, expected: model.state(losing: [batch.sequence]))
        let losses = report.losses.filter { $0.file == log }
        #expect(losses.count == 1 && losses.first?.offset == victim.offset, "\(report.losses)")
        #expect(report.logRecordsReplayed == records.count - 1)
        #expect(report.moved.contains { $0.file == log && $0.reason.contains("damaged") })
        #expect(Self.lostNames(dir).contains(log))
    }

    @Test func tablesWhoseNumbersContradictTheirAgeAreRenumbered() throws {
        let (dir, model) = try Self.fresh()
        defer { dir.remove() }
        // Swap the two oldest tables' numbers: the newer data now has the lower number, and the keys overlap.
        let tables = try VerifierTests.names(dir, suffix: ".ldb")
        let fs = PosixFileSystem()
        try fs.rename(VerifierTests.path(dir, tables[0]), to: VerifierTests.path(dir, "swap.tmp"))
        try fs.rename(VerifierTests.path(dir, tables[1]), to: VerifierTests.path(dir, tables[0]))
        try fs.rename(VerifierTests.path(dir, "swap.tmp"), to: VerifierTests.path(dir, tables[1]))
        let report = try Self.repairAndCheck(dir, expected: model.state())
        #expect(report.isLossless, "\(report.losses)")
        #expect(!report.renamed.isEmpty)
        // Table numbers increase with the age of their data.
        let uppers = report.tables.map(\.sequences.upperBound)
        #expect(uppers == uppers.sorted())
    }

    @Test func twoTablesWithOneNumberAreRenumbered() throws {
        let (dir, model) = try Self.fresh()
        defer { dir.remove() }
        let tables = try VerifierTests.names(dir, suffix: ".ldb")
        // 000007.ldb becomes 000005.sst beside 000005.ldb: LevelDB reads both spellings.
        let sameNumber = String(tables[0].dropLast(4)) + ".sst"
        try PosixFileSystem().rename(VerifierTests.path(dir, tables[1]), to: VerifierTests.path(dir, sameNumber))
        let report = try Self.repairAndCheck(dir, expected: model.state())
        #expect(report.isLossless, "\(report.losses)")
        #expect(Set(report.renamed.map(\.from)).isSuperset(of: [tables[0], sameNumber]))
    }

    @Test func aTableWithoutEntriesIsMovedToLostNotLeftForOpenToDelete() throws {
        let (dir, model) = try Self.fresh()
        defer { dir.remove() }
        let file = try PosixFileSystem().createWritable(VerifierTests.path(dir, "000800.ldb"))
        try TableBuilder(file: file).finish()
        try file.close()
        let report = try Self.repairAndCheck(dir, expected: model.state())
        #expect(report.moved.contains { $0.file == "000800.ldb" && $0.movedTo == "lost/000800.ldb" })
    }

    @Test func aDuplicateTableIsMergedAndTheCopyMovedToLost() throws {
        let (dir, model) = try Self.fresh()
        defer { dir.remove() }
        let tables = try VerifierTests.names(dir, suffix: ".ldb")
        // A leftover copy with a higher number (as a crash between a compaction's output and input removal
        // leaves): same entries, same sequence numbers.
        try FileManager.default.copyItem(
            atPath: VerifierTests.path(dir, tables[0]), toPath: VerifierTests.path(dir, "000900.ldb"))
        let report = try Self.repairAndCheck(dir, expected: model.state())
        #expect(report.isLossless, "\(report.losses)")
        #expect(report.tables.contains { $0.origin == .merged && Set($0.sources) == [tables[0], "000900.ldb"] })
        #expect(Set(Self.lostNames(dir)).isSuperset(of: [tables[0], "000900.ldb"]))
        #expect(report.nextFileNumber > 900)
    }

    @Test func repairRefusesAnOpenDatabase() throws {
        let (dir, _) = try Self.fresh()
        defer { dir.remove() }
        let db = try Database(path: dir.path)
        defer { try? db.close() }
        #expect(throws: LSMKVError.locked(path: FileNames.lock(dir.path))) { try Database.repair(path: dir.path) }
    }

    @Test(arguments: [CrashModel.processCrash, .powerLoss])
    func aCrashAnywhereInRepairIsRepairedByRunningItAgain(model: CrashModel) async {
        await withSeed("RepairTests/aCrashAnywhereInRepairIsRepairedByRunningItAgain") { seed, _ in
            let damaged = SimulatedFileSystem()
            let writes = try Self.makeDatabase(path: "/db", fileSystem: damaged)
            // No CURRENT, and the newer of two overlapping tables has the lower number: repair must renumber.
            let tables = try damaged.listDirectory("/db").filter { $0.hasSuffix(".ldb") }.sorted()
            try damaged.remove("/db/CURRENT")
            try damaged.rename("/db/" + tables[0], to: "/db/swap")
            try damaged.rename("/db/" + tables[1], to: "/db/" + tables[0])
            try damaged.rename("/db/swap", to: "/db/" + tables[1])
            let start = damaged.crash(seed: 0, model: .processCrash)
            var options = Options()
            options.fileSystem = start
            let before = start.operationCount
            _ = try Database.repair(path: "/db", options: options)
            let operations = start.operationCount - before
            #expect(operations > 20)
            for crashAt in stride(from: 0, to: operations, by: max(1, operations / 40)) {
                let fs = damaged.crash(seed: 0, model: .processCrash)
                fs.armCrash(afterOperations: crashAt)
                options.fileSystem = fs
                // The last operations (closing files, unlocking) may fail without repair noticing.
                _ = try? Database.repair(path: "/db", options: options)
                #expect(fs.hasCrashed)
                let after = fs.crash(seed: seed &+ UInt64(crashAt), model: model)
                options.fileSystem = after
                _ = try Database.repair(path: "/db", options: options)
                #expect(Verifier.verify(path: "/db", fileSystem: after).isHealthy, "seed \(seed), crash at \(crashAt)")
                let contents = try Self.contents(path: "/db", fileSystem: after)
                #expect(contents == writes.state(), "seed \(seed), crash at operation \(crashAt) of \(operations)")
            }
        }
    }

    @Test func salvageReadsPastALengthDamagedFragmentFromTheNextBlock() throws {
        // Records of 1000 bytes: about 32 per 32 KiB block.
        let fs = SimulatedFileSystem()
        let writer = LogWriter(file: try fs.createWritable("/log"))
        for i in 0..<100 { try writer.addRecord([UInt8](repeating: UInt8(i), count: 1000)) }
        let original = fs.snapshotFiles()["/log"]!
        var bytes = original
        let clean = LogReader.read(bytes, file: "/log").records
        // Damage record 5's length field: nothing can be trusted until the next block.
        bytes[clean[5].offset + 4] ^= 0x20
        let salvage = LogReader.salvage(bytes, file: "/log")
        let firstInNextBlock = clean.firstIndex { $0.offset >= LogFormat.blockSize }!
        #expect(
            salvage.records.map(\.payload) == clean[..<5].map(\.payload) + clean[firstInNextBlock...].map(\.payload))
        #expect(salvage.skipped.first?.offset == clean[5].offset)
        #expect(!salvage.isTornTailOnly)
        // A torn tail alone.
        let torn = LogReader.salvage(Array(original[..<(clean[99].offset + 10)]), file: "/log")
        #expect(torn.isTornTailOnly && torn.skipped.last?.offset == clean[99].offset)
    }
}

import TestSupport
import Testing
import VFS

@testable import LSMKV

/// A WritableFile that collects bytes in memory, for format tests that need no file system.
final class MemoryFile: WritableFile, @unchecked Sendable {
    let path = "mem.log"
    var bytes: [UInt8] = []
    func append(_ data: [UInt8]) throws { bytes += data }
    func sync() throws {}
    func truncate(to size: Int) throws { bytes = Array(bytes.prefix(size)) }
    func size() throws -> Int { bytes.count }
    func close() throws {}
}

@Suite("Write-ahead log format")
struct LogTests {
    static func write(_ records: [[UInt8]]) throws -> [UInt8] {
        let file = MemoryFile()
        let writer = LogWriter(file: file)
        for record in records { try writer.addRecord(record) }
        return file.bytes
    }

    @Test func recordsOfEverySizeRoundTrip() throws {
        let sizes = [0, 1, 100, LogFormat.blockSize - 7, LogFormat.blockSize - 6, LogFormat.blockSize, 100_000, 3]
        let records = sizes.enumerated().map { i, n in [UInt8](repeating: UInt8(i + 1), count: n) }
        let bytes = try Self.write(records)
        let result = LogReader.read(bytes, file: "x.log")
        #expect(result.ending == .clean)
        #expect(result.records.map(\.payload) == records)
        #expect(result.validLength == bytes.count)
    }

    @Test func fragmentHeaderMatchesLevelDBLayout() throws {
        let bytes = try Self.write([Array("foo".utf8)])
        #expect(bytes.count == 10)
        #expect(bytes[4] == 3 && bytes[5] == 0)  // length, little-endian
        #expect(bytes[6] == LogFormat.RecordType.full.rawValue)
        let crc = CRC32C.checksum([1] + Array("foo".utf8))
        #expect(CRC32C.unmask(decodeFixed32(bytes, at: 0)) == crc)
    }

    @Test func everyTruncationIsATornTailKeepingEarlierRecords() throws {
        var rng = SeededGenerator(seed: 7)
        let records = (0..<20).map { i in rng.bytes(i * 977 % 5000) }
        let bytes = try Self.write(records)
        var boundaries: [Int] = [0]
        for i in 1...records.count { boundaries.append(try Self.write(Array(records[..<i])).count) }
        for cut in stride(from: 0, through: bytes.count, by: 37) {
            let result = LogReader.read(Array(bytes[..<cut]), file: "x.log")
            let complete = boundaries.lastIndex { $0 <= cut }!
            #expect(result.records.map(\.payload) == Array(records[..<complete]), "cut at \(cut)")
            if case .midLogDamage = result.ending { Issue.record("cut at \(cut) reported as mid-log damage") }
        }
    }

    /// Ten records of 200 bytes with `damage` done to the bytes: the fourth must be reported as mid-log damage
    /// for `reason`, with the first three read and six readable records after it.
    func expectFourthOfTenRecordsIsMidLogDamage(reason expected: String, _ damage: (inout [UInt8]) -> Void) throws {
        let records = (0..<10).map { [UInt8](repeating: UInt8($0), count: 200) }
        var bytes = try Self.write(records)
        damage(&bytes)
        let result = LogReader.read(bytes, file: "x.log")
        #expect(result.records.count == 3)
        guard case .midLogDamage(let offset, let reason, let after) = result.ending else {
            Issue.record("expected mid-log damage, got \(result.ending)")
            return
        }
        #expect(offset == 3 * 207)
        #expect(reason == expected)
        #expect(after == 6)
    }

    @Test func damageFollowedByRecordsIsMidLogCorruption() throws {
        // A bit inside the fourth record's payload.
        try expectFourthOfTenRecordsIsMidLogDamage(reason: "checksum mismatch") { $0[3 * 207 + 50] ^= 0x40 }
    }

    /// Only an all-zero header is padding (LevelDB's preallocated space). A record whose type byte alone reads 0,
    /// with its length and checksum intact, is damage, and the records behind it make it mid-log corruption.
    @Test func typeZeroWithALengthIsDamageNotPadding() throws {
        try expectFourthOfTenRecordsIsMidLogDamage(reason: "unknown fragment type 0") { $0[3 * 207 + 6] = 0 }
    }

    @Test func damagedLastRecordIsATornTail() throws {
        let records = (0..<5).map { [UInt8](repeating: UInt8($0), count: 300) }
        var bytes = try Self.write(records)
        bytes[bytes.count - 10] ^= 1
        let result = LogReader.read(bytes, file: "x.log")
        #expect(result.records.count == 4)
        #expect(result.ending == .tornTail(offset: 4 * 307, reason: "checksum mismatch"))
    }

    @Test func zeroFilledRegionBeforeLaterRecordsIsATornTail() throws {
        // A power loss can keep a later page while an earlier unsynced one reads back as zeros.
        let records = (0..<200).map { [UInt8](repeating: UInt8($0 % 250 + 1), count: 1000) }
        var bytes = try Self.write(records)
        for i in 50_000..<54_096 { bytes[i] = 0 }
        let result = LogReader.read(bytes, file: "x.log")
        if case .tornTail = result.ending {} else { Issue.record("got \(result.ending)") }
        #expect(result.records.allSatisfy { $0.offset + $0.payload.count < 50_000 })
    }

    /// A log written through a mapping and read before its close (as after a crash) ends in allocated zeros: that
    /// is a clean end with every record; a record torn inside them is a torn tail, never mid-log damage.
    @Test func mappedLogReadBeforeCloseEndsCleanlyInItsZeros() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let fs = PosixFileSystem()
        let path = Path.join(dir.path, "000021.log")
        let file = try fs.createMappedLog(path)
        let writer = LogWriter(file: file, marksDurability: true)
        let records = (0..<500).map { [UInt8](repeating: UInt8($0 % 250 + 1), count: 50 + $0 * 13 % 700) }
        for (index, record) in records.enumerated() {
            try writer.addRecord(record)
            if index % 100 == 99 { try writer.sync() }
        }
        var bytes = try fs.readWholeFile(path)
        #expect(bytes.count > writer.size)
        let result = LogReader.read(bytes, file: path)
        #expect(result.ending == .clean)
        #expect(result.records.map(\.payload) == records)
        #expect(result.validLength == writer.size)

        // The last record cut short where the zeros begin: what a process killed inside the copy leaves.
        let lastStart = result.records.last!.offset
        for i in (lastStart + 20)..<writer.size { bytes[i] = 0 }
        let torn = LogReader.read(bytes, file: path)
        #expect(torn.records.map(\.payload) == Array(records.dropLast()))
        guard case .tornTail(let offset, _) = torn.ending else {
            Issue.record("expected a torn tail, got \(torn.ending)")
            return
        }
        #expect(offset == lastStart)
        try writer.close()
        #expect(try fs.fileSize(path) == writer.size)
    }

    /// Random bytes never trap, never read as records, and never cost the intact records in front of them.
    @Test func randomGarbageNeverTraps() async {
        await withSeed("LogTests/randomGarbageNeverTraps") { _, rng in
            let intact = (0..<3).map { i in [UInt8](repeating: UInt8(i + 1), count: 100 * i) }
            let prefix = try Self.write(intact)
            for round in 0..<300 {
                let garbage = rng.bytes(Int.random(in: 0..<70_000, using: &rng))
                let alone = LogReader.read(garbage, file: "garbage.log")
                #expect(alone.records.isEmpty && alone.validLength == 0, "round \(round): garbage read as records")
                #expect(
                    alone.ending != .clean || garbage.allSatisfy { $0 == 0 },
                    "round \(round): \(garbage.count) garbage bytes read as a clean log")
                let behind = LogReader.read(prefix + garbage, file: "garbage.log")
                #expect(behind.records.map(\.payload) == intact, "round \(round): intact records lost")
                #expect(behind.validLength == prefix.count, "round \(round)")
            }
        }
    }
}

@Suite("WriteBatch")
struct WriteBatchTests {
    @Test func encodingIsLevelDBs() throws {
        var batch = WriteBatch()
        batch.put(Array("k".utf8), Array("v".utf8))
        batch.delete(Array("d".utf8))
        batch.sequence = 0x0102
        #expect(
            batch.representation == [0x02, 0x01, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 1, 0x6b, 1, 0x76, 0, 1, 0x64])
        #expect(
            try batch.operations() == [
                .put(key: Array("k".utf8), value: Array("v".utf8)), .delete(key: Array("d".utf8)),
            ])
    }

    @Test func singleOperationBatchesAreEncodedInFull() throws {
        let key = [UInt8](repeating: 7, count: 300)  // a two-byte varint length
        let value = [UInt8](repeating: 9, count: 20_000)  // a three-byte varint length
        let header: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]
        var put = WriteBatch()
        put.put(key, value)
        #expect(put.representation == header + [1, 0xac, 0x02] + key + [0xa0, 0x9c, 0x01] + value)
        var deletion = WriteBatch()
        deletion.delete(key)
        #expect(deletion.representation == header + [0, 0xac, 0x02] + key)
        var empty = WriteBatch()
        empty.put([], [])
        #expect(try empty.operations() == [.put(key: [], value: [])])
    }

    @Test func wrongCountAndBadTagsAreCorruption() {
        var batch = WriteBatch()
        batch.put([1], [2])
        var bytes = batch.representation
        bytes[8] = 5
        #expect(throws: LSMKVError.self) { try WriteBatch.decode(bytes, file: "x.log", offset: 0) }
        bytes[8] = 1
        bytes[12] = 9
        #expect(throws: LSMKVError.corruption(file: "x.log", offset: 112, reason: "unknown write batch tag 9")) {
            try WriteBatch.decode(bytes, file: "x.log", offset: 100)
        }
    }

    /// A mutated or cut batch either decodes consistently (its count matches its operations, and the in-place
    /// decoder recovery uses agrees) or is reported as corruption within its bytes; it never traps.
    @Test func mutatedBatchesNeverTrap() async {
        await withSeed("WriteBatchTests/mutatedBatchesNeverTrap") { _, rng in
            var batch = WriteBatch()
            for i in 0..<20 { batch.put(rng.bytes(i), rng.bytes(i * 3)) }
            let original = batch.representation
            let originalOperations = try batch.operations()
            var decodedSome = 0
            var refusedSome = 0
            for round in 0..<2000 {
                var bytes = original
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                if Bool.random(using: &rng) {
                    bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
                }
                let slow: [WriteBatch.Operation]?
                do {
                    let (decoded, operations) = try WriteBatch.decode(bytes, file: "x", offset: 0)
                    #expect(operations.count == decoded.count, "round \(round)")
                    slow = operations
                    decodedSome += 1
                } catch LSMKVError.corruption(let file, let offset, _) {
                    #expect(file == "x" && (0...bytes.count).contains(offset), "round \(round): offset \(offset)")
                    slow = nil
                    refusedSome += 1
                } catch {
                    Issue.record("round \(round): not a corruption error: \(error)")
                    continue
                }
                var fast: [WriteBatch.Operation] = []
                let fastDecoded =
                    (try? WriteBatch(validatedRepresentation: bytes).forEachOperation { type, key, value in
                        fast.append(
                            type == .value ? .put(key: Array(key), value: Array(value)) : .delete(key: Array(key)))
                    }) != nil
                #expect(fastDecoded == (slow != nil), "round \(round): the two decoders disagree")
                if let slow, fastDecoded { #expect(fast == slow, "round \(round)") }
                if bytes == original { #expect(slow == originalOperations, "round \(round)") }
            }
            #expect(decodedSome > 0 && refusedSome > 0, "decoded \(decodedSome), refused \(refusedSome)")
        }
    }
}

@Suite("MemTable")
struct MemTableTests {
    @Test func newestVisibleVersionWinsAndTombstonesHide() {
        let mem = MemTable(logNumber: 1)
        mem.add(sequence: 1, type: .value, key: [1], value: [10])
        mem.add(sequence: 2, type: .value, key: [1], value: [11])
        mem.add(sequence: 3, type: .deletion, key: [1], value: [])
        mem.add(sequence: 4, type: .value, key: [2], value: [20])
        #expect(mem.get([1], sequence: 1) == .found([10]))
        #expect(mem.get([1], sequence: 2) == .found([11]))
        #expect(mem.get([1], sequence: 3) == .deleted)
        #expect(mem.get([2], sequence: 3) == .absent)
        #expect(mem.get([2], sequence: 9) == .found([20]))
        #expect(mem.get([0], sequence: 9) == .absent)
        #expect(mem.get([3], sequence: 9) == .absent)
    }

    @Test func iteratesInInternalKeyOrder() async {
        await withSeed("MemTableTests/iteratesInInternalKeyOrder") { _, rng in
            let mem = MemTable(logNumber: 1)
            var expected: [[UInt8]] = []
            for sequence in 1...3000 {
                let key = rng.bytes(Int.random(in: 0..<6, using: &rng))
                mem.add(sequence: SequenceNumber(sequence), type: .value, key: key, value: [])
                expected.append(InternalKey.encode(userKey: key, sequence: SequenceNumber(sequence), type: .value))
            }
            expected.sort { InternalKey.compare($0, $1) < 0 }
            let iterator = mem.makeIterator()
            try iterator.seekToFirst()
            var seen: [[UInt8]] = []
            while iterator.isValid {
                seen.append(iterator.key)
                try iterator.next()
            }
            #expect(seen == expected)
            try iterator.seek(expected[1234])
            #expect(iterator.key == expected[1234])
        }
    }
}

@Suite("VersionEdit")
struct VersionEditTests {
    @Test func roundTripsEveryField() throws {
        var edit = VersionEdit()
        edit.comparatorName = "leveldb.BytewiseComparator"
        edit.logNumber = 7
        edit.previousLogNumber = 0
        edit.nextFileNumber = 12
        edit.lastSequence = 1 << 40
        edit.compactPointers = [(1, InternalKey.encode(userKey: [1], sequence: 3, type: .value))]
        edit.deleteFile(level: 2, number: 5)
        edit.addFile(
            level: 0,
            FileMetadata(
                number: 9, size: 4096, smallest: InternalKey.encode(userKey: [0], sequence: 1, type: .value),
                largest: InternalKey.encode(userKey: [9], sequence: 2, type: .deletion)))
        let decoded = try VersionEdit.decode(edit.encode(), file: "MANIFEST-000001", offset: 0)
        #expect(decoded == edit)
        #expect(decoded.newFiles.first?.file.size == 4096)
    }

    @Test func corruptEditsThrowNamingTheOffset() {
        #expect(throws: LSMKVError.corruption(file: "M", offset: 10, reason: "unknown version edit tag 8")) {
            try VersionEdit.decode([8], file: "M", offset: 10)
        }
        #expect(throws: LSMKVError.corruption(file: "M", offset: 1, reason: "level 9 out of range")) {
            try VersionEdit.decode([6, 9, 1], file: "M", offset: 0)
        }
    }

    @Test func fileNamesParse() {
        #expect(FileNames.parse("000123.log") == .log(123))
        #expect(FileNames.parse("000005.ldb") == .table(5))
        #expect(FileNames.parse("000005.sst") == .table(5))
        #expect(FileNames.parse("MANIFEST-000002") == .manifest(2))
        #expect(FileNames.parse("CURRENT") == .current)
        #expect(FileNames.parse("foo.log") == nil)
        #expect(FileNames.numbered(1_234_567) == "1234567")
    }
}

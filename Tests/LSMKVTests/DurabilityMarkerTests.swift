import TestSupport
import Testing
import VFS

@testable import LSMKV

/// Durability markers: where the write-ahead log writer leaves them, that readers hide them, that no power-loss tear
/// of unsynced bytes is ever called damage in synced data, and that damage to a synced record always is.
@Suite("Log durability markers")
struct DurabilityMarkerTests {
    /// The size of a marker in the log: a fragment header and the empty batch.
    static let markerSize = LogFormat.headerSize + LogFormat.durabilityMarker.count

    @Test func aMarkerFollowsEachSyncAndReadersHideIt() throws {
        let file = MemoryFile()
        let writer = LogWriter(file: file, marksDurability: true)
        try writer.addRecord([1, 2, 3])
        try writer.addRecord([4])
        #expect(file.bytes.count == 2 * 7 + 4, "no marker before the first sync")
        try writer.sync()
        let synced = file.bytes.count
        try writer.addRecord([5, 6])
        #expect(file.bytes.count == synced + Self.markerSize + 7 + 2)
        try writer.addRecord([7])
        #expect(file.bytes.count == synced + Self.markerSize + 7 + 2 + 7 + 1, "one marker per sync")
        try writer.syncProvingDurability(syncingMarker: true)
        let closed = file.bytes.count
        try writer.syncProvingDurability(syncingMarker: true)
        #expect(file.bytes.count == closed, "nothing unproven, no second marker")

        let result = LogReader.read(file.bytes, file: "x.log")
        #expect(result.ending == .clean)
        #expect(result.records.map(\.payload) == [[1, 2, 3], [4], [5, 6], [7]])
        #expect(result.durableLength == closed - Self.markerSize)
        #expect(LogReader.salvage(file.bytes, file: "x.log").records.count == 4)
        // A MANIFEST writer never leaves markers.
        let manifest = MemoryFile()
        let plain = LogWriter(file: manifest)
        try plain.addRecord([1])
        try plain.sync()
        try plain.addRecord([2])
        try plain.syncProvingDurability(syncingMarker: true)
        #expect(manifest.bytes.count == 2 * 8)
    }

    /// A log written by random appends and syncs, with the size at its last sync and the end of every record.
    static func randomLog(_ rng: inout SeededGenerator) throws -> (bytes: [UInt8], synced: Int, ends: [Int]) {
        let file = MemoryFile()
        let writer = LogWriter(file: file, marksDurability: true)
        var synced = 0
        var ends: [Int] = []
        for _ in 0..<Int.random(in: 1..<60, using: &rng) {
            let size =
                Int.random(in: 0..<3, using: &rng) == 0
                ? Int.random(in: 0..<40_000, using: &rng) : Int.random(in: 0..<600, using: &rng)
            try writer.addRecord(rng.bytes(size))
            ends.append(file.bytes.count)
            if Int.random(in: 0..<3, using: &rng) == 0 {
                try writer.sync()
                synced = file.bytes.count
            }
        }
        return (file.bytes, synced, ends)
    }

    /// Every tear the power-loss model allows (each 512-byte sector holding unsynced bytes kept, zeroed, garbage or
    /// never written, the file cut at any sector boundary past the synced size) keeps every synced record and is
    /// never reported as damage in synced data.
    @Test func noPowerLossTearOfUnsyncedBytesIsSyncedDamage() async {
        await withSeed("DurabilityMarkerTests/noPowerLossTearOfUnsyncedBytesIsSyncedDamage") { _, rng in
            for round in 0..<300 {
                let (original, synced, ends) = try Self.randomLog(&rng)
                var bytes = original
                let sector = 512
                var start = synced / sector * sector
                while start < bytes.count {
                    let range = max(start, synced)..<min(start + sector, bytes.count)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: break
                    case 1: for i in range { bytes[i] = 0 }
                    case 2: for i in range { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
                    default: for i in range { bytes[i] = 0 }  // never written: zeros past the durable end
                    }
                    start += sector
                }
                if Bool.random(using: &rng), bytes.count > synced {
                    let boundaries = Array(stride(from: (synced / sector + 1) * sector, to: bytes.count, by: sector))
                    if let cut = boundaries.randomElement(using: &rng) { bytes.removeLast(bytes.count - cut) }
                }
                let result = LogReader.read(bytes, file: "x.log")
                if case .syncedDamage = result.ending {
                    Issue.record("round \(round): a tear past the synced size \(synced) read as \(result.ending)")
                }
                let syncedRecords = ends.count { $0 <= synced }
                #expect(result.records.count >= syncedRecords, "round \(round): synced records lost")
            }
        }
    }

    /// Flipping a byte of any record that ended before the last sync (with a record appended after that sync, so
    /// its marker is in the log) is damage in synced data at that record, in the reader and in recovery's view.
    @Test func damageToAnySyncedRecordIsSyncedDamage() async {
        await withSeed("DurabilityMarkerTests/damageToAnySyncedRecordIsSyncedDamage") { _, rng in
            var checked = 0
            for round in 0..<300 {
                let (original, synced, ends) = try Self.randomLog(&rng)
                let clean = LogReader.read(original, file: "x.log")
                #expect(clean.ending == .clean)
                // Records whose end is proven: they end at or before the last marker.
                let proven = clean.records.indices.filter { ends[$0] <= clean.durableLength }
                guard let victim = proven.randomElement(using: &rng) else { continue }
                #expect(ends[victim] <= synced)
                let record = clean.records[victim]
                var bytes = original
                // A byte of the first fragment's payload (past the header, inside the first block).
                let blockEnd = (record.offset / LogFormat.blockSize + 1) * LogFormat.blockSize
                let firstPayload = record.offset + LogFormat.headerSize
                guard firstPayload < min(blockEnd, ends[victim]) else { continue }
                bytes[Int.random(in: firstPayload..<min(blockEnd, ends[victim]), using: &rng)] ^= 0x20
                let result = LogReader.read(bytes, file: "x.log")
                guard case .syncedDamage(let offset, _, let durable) = result.ending else {
                    Issue.record("round \(round): damage to synced record \(victim) read as \(result.ending)")
                    continue
                }
                #expect(offset == record.offset && durable == clean.durableLength, "round \(round)")
                #expect(result.records.count == victim, "round \(round): records before the damage")
                checked += 1
            }
            #expect(checked > 50, "too few rounds damaged a proven record")
        }
    }
}

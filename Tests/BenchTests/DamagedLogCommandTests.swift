import Foundation
import LSMKV
import TestSupport
import Testing

/// Issue 15 as a user meets it: a cleanly closed database whose newest log has 4,096 bytes zeroed in the middle.
/// `lsmkv verify` exits 1 with a CORRUPTION line naming the log and offset, and `lsmkv scan` refuses to open it
/// rather than silently showing fewer keys.
@Suite struct DamagedLogCommandTests {
    @Test(.enabled(if: HostileFileTests.executable != nil, "the lsmkv executable is not built next to the tests"))
    func zeroedSyncedLogIsCorruptionForVerifyAndScan() throws {
        let scratch = TemporaryDirectory("lsmkv-damaged-log")
        defer { scratch.remove() }
        let directory = scratch.appending("db")
        var options = Options()
        options.writeBufferSize = 64 << 20
        let db = try Database(path: directory, options: options)
        for b in 0..<5 {
            var batch = WriteBatch()
            for i in 0..<700 { batch.put(Array("key-\(b)-\(i)".utf8), [UInt8](repeating: 0x61, count: 70)) }
            try db.write(batch)
        }
        try db.close()
        let log = try #require(
            try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".log") }.max())
        let url = URL(fileURLWithPath: scratch.appending("db/" + log))
        var bytes = try [UInt8](Data(contentsOf: url))
        for i in 50_084..<54_180 { bytes[i] = 0 }
        try Data(bytes).write(to: url)

        let verify = try HostileFileTests.run(["--db", directory, "verify"])
        #expect(verify.status == 1, "\(verify.output)")
        let line = verify.output.split(separator: "\n").first { $0.hasPrefix("CORRUPTION \(log)@") }
        #expect(line?.contains("synced") == true, "\(verify.output)")
        let scan = try HostileFileTests.run(["--db", directory, "scan"])
        #expect(scan.status == 1)
        #expect(scan.output.contains(log) && scan.output.contains("offset"), "\(scan.output)")
        // Salvaging every readable record finds the last batch's last key, as LevelDB does, and says what was lost.
        let get = try HostileFileTests.run(["--db", directory, "--log-recovery", "salvage-all", "get", "key-4-699"])
        #expect(get.status == 0, "\(get.output)")
        #expect(get.output.contains("salvaged past damage: \(directory)/\(log) from offset 0"), "\(get.output)")
    }
}

import Foundation
import LSMKV
import TestSupport
import Testing
import VFS

@testable import CrashTest

/// The real-process power loss rebuilds, from the worker's start directory and its operation journal, exactly the
/// simulated file system the worker ran on, so its crash images are the in-process ones.
@Suite struct PowerLossImageTests {
    /// Runs a workload on a journaled simulated file system loaded from `directory`; returns it (as the worker
    /// left it) and the journal's bytes.
    private func runJournaled(
        directory: String, journal: String, seed: UInt64
    ) throws -> SimulatedFileSystem {
        let simulated = try PowerLossImage.load(realDirectory: directory)
        let fs = try JournalingFileSystem(simulated: simulated, journalPath: journal)
        let engine = EngineSettings(writeBufferSize: 2048, compaction: .leveled, level0CompactionTrigger: 2)
        let options = engine.options(fileSystem: fs)
        let runner = WorkloadRunner { try Database(path: PowerLossImage.simulatedDirectory, options: options) }
        var history = History()
        var mix = Workload.Mix()
        mix.syncPercent = 30
        let result = runner.run(Workload.random(seed: seed, count: 120, mix: mix), recording: &history) { _ in .stop }
        // Leave the database open: its unsynced tail and unsynced directory entries are what the image draws from.
        _ = result.database
        return simulated
    }

    @Test func journalReplayRebuildsTheSameCrashImages() async {
        await withSeed("PowerLossImageTests/journalReplayRebuildsTheSameCrashImages") { seed, rng in
            let scratch = TemporaryDirectory("power-loss-image")
            defer { scratch.remove() }
            let directory = scratch.appending("db")
            let journal = scratch.appending("journal.bin")
            for round in 0..<3 {
                let original = try runJournaled(directory: directory, journal: journal, seed: seed &+ UInt64(round))
                let bytes = try PosixFileSystem().readWholeFile(journal)
                let rebuilt = try PowerLossImage.load(realDirectory: directory)
                try OperationJournal.replay(bytes, into: rebuilt)
                #expect(rebuilt.snapshotFiles() == original.snapshotFiles())
                #expect(rebuilt.durableFiles() == original.durableFiles())
                for model in [CrashModel.powerLoss, .strict] {
                    let crashSeed = rng.next()
                    #expect(
                        rebuilt.crash(seed: crashSeed, model: model).durableFiles()
                            == original.crash(seed: crashSeed, model: model).durableFiles(), "\(model)")
                }
                // The next round starts from this round's power-loss image, as the next worker would.
                let crashSeed = rng.next()
                try PowerLossImage.apply(journal: bytes, to: directory, seed: crashSeed, model: .powerLoss)
                let image = original.crash(seed: crashSeed, model: .powerLoss).durableFiles()
                let names = Set(image.keys.map { Path.name(of: $0) })
                #expect(Set(try PosixFileSystem().listDirectory(directory)) == names)
                for (path, content) in image {
                    #expect(try PosixFileSystem().readWholeFile(directory + "/" + Path.name(of: path)) == content)
                }
            }
        }
    }

    @Test func aRecordCutByTheKillIsIgnored() throws {
        let sim = SimulatedFileSystem()
        var create = OperationJournal.Record(.createDirectory)
        create.path("/db")
        var other = OperationJournal.Record(.createDirectory)
        other.path("/other")
        let bytes = create.framed + other.framed.dropLast(2)
        try OperationJournal.replay(bytes, into: sim)
        #expect(sim.directories() == ["/", "/db"])
    }

    /// Every damage `damageLog` makes (a flipped payload bit, or a type byte that reads 0) is one the engine must
    /// report after a process crash: the correct engine refuses to open, naming the log, for every seed.
    @Test func everyLogDamageIsReportedNotTruncated() throws {
        let scratch = TemporaryDirectory("log-damage")
        defer { scratch.remove() }
        let simulated = SimulatedFileSystem()
        var options = Options()
        options.fileSystem = simulated
        let database = try Database(path: "/db", options: options)
        for i in 0..<40 { try database.put(Array("key\(i)".utf8), Array(repeating: UInt8(i), count: 50)) }
        // Not closed: the log holds every write, as after a process crash.
        let crashed = simulated.crash(seed: 1, model: .processCrash).durableFiles()
        let logName = try #require(crashed.keys.map { Path.name(of: $0) }.filter { $0.hasSuffix(".log") }.max())
        var typeZero = 0
        for seed in UInt64(0)..<24 {
            let directory = scratch.appending("db\(seed)")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (path, bytes) in crashed {
                try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + Path.name(of: path)))
            }
            let before = try PosixFileSystem().readWholeFile(directory + "/" + logName)
            let damaged = try #require(try PowerLossImage.damageLog(inRealDirectory: directory, seed: seed))
            let after = try PosixFileSystem().readWholeFile(damaged)
            if LogRecordLayout.damageableRecords(in: before).contains(where: { after[$0.offset + 6] == 0 }) {
                typeZero += 1
            }
            do {
                _ = try Database(path: directory, options: Options())
                Issue.record("seed \(seed): a damaged log opened")
            } catch LSMKVError.corruption(let file, _, _) {
                #expect(Path.name(of: file) == Path.name(of: damaged), "seed \(seed)")
            }
        }
        #expect(typeZero > 0, "no seed zeroed a type byte")
    }
}

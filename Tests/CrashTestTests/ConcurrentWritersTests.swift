import LSMKV
import TestSupport
import Testing
import VFS

@testable import CrashTest

private func k(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Concurrent writers: the oracle accepts any serialization the writers allow, and still protects every write
/// acknowledged as synced; crash cycles with several writers (seeded interleavings, in process) recover correctly.
@Suite struct ConcurrentWritersTests {
    /// Writer 0 issues a (no sync) and writer 1 issues b (sync) at once; b is acknowledged, then a; then writer 0
    /// issues c (sync, acknowledged after both).
    static func history() -> History {
        var h = History()
        let a = h.issue(.put(key: k("w0.a"), value: k("1")), sync: false, writer: 0)
        let b = h.issue(.put(key: k("w1.b"), value: k("2")), sync: true, writer: 1)
        h.acknowledge(b)
        h.acknowledge(a)
        h.acknowledge(h.issue(.put(key: k("w0.c"), value: k("3")), sync: false, writer: 0))
        return h
    }

    @Test func acceptsEitherOrderOfConcurrentWrites() {
        let oracle = CrashOracle()
        let h = Self.history()
        // b synced; a concurrent with it: absent or present.
        #expect(oracle.check(h, recovered: [k("w1.b"): k("2")], requirement: .synced).isConsistent)
        #expect(oracle.check(h, recovered: [k("w0.a"): k("1"), k("w1.b"): k("2")], requirement: .synced).isConsistent)
        let all = [k("w0.a"): k("1"), k("w1.b"): k("2"), k("w0.c"): k("3")]
        #expect(oracle.check(h, recovered: all, requirement: .acknowledged).isConsistent)
    }

    @Test func rejectsALostSyncedWriteOfAnyWriter() {
        let verdict = CrashOracle().check(Self.history(), recovered: [k("w0.a"): k("1")], requirement: .synced)
        #expect(!verdict.isConsistent)
    }

    @Test func rejectsAHoleInRealTimeOrder() {
        // c was issued after b was acknowledged: c surviving without b is a hole (b was synced, too).
        var h = History()
        let b = h.issue(.put(key: k("w1.b"), value: k("2")), sync: false, writer: 1)
        h.acknowledge(b)
        h.acknowledge(h.issue(.put(key: k("w0.c"), value: k("3")), sync: false, writer: 0))
        #expect(!CrashOracle().check(h, recovered: [k("w0.c"): k("3")], requirement: .synced).isConsistent)
        #expect(CrashOracle().check(h, recovered: [k("w1.b"): k("2")], requirement: .synced).isConsistent)
    }

    @Test func workloadsGiveEachWriterItsOwnKeys() {
        var mix = Workload.Mix()
        mix.writers = 3
        let workload = Workload.random(seed: 9, count: 200, mix: mix)
        var rounds = 0
        for case .concurrent(let lanes, let order) in workload.steps {
            rounds += 1
            #expect(lanes.count == 3)
            for (writer, lane) in lanes.enumerated() {
                #expect(order.filter { $0 == writer }.count == lane.count)
                for case .write(let operation, _) in lane {
                    #expect(operation.writes.allSatisfy { $0.key.starts(with: k("w\(writer).")) })
                }
            }
        }
        #expect(rounds > 5)
        #expect(Workload.random(seed: 9, count: 200, mix: mix) == workload, "seeded")
    }

    @Test(arguments: [CrashModel.powerLoss, .processCrash])
    func crashCyclesWithConcurrentWriters(model: CrashModel) async {
        var configuration = CrashSimulation.Configuration(model: model)
        configuration.mix.writers = 3
        configuration.mix.syncPercent = 40
        configuration.workloadLength = 60
        await CrashPropertyTests.runCycles(
            CrashSimulation(configuration), test: "ConcurrentWritersTests/crashCyclesWithConcurrentWriters")
    }

    @Test func realThreadsRecordEveryWrite() throws {
        let fs = SimulatedFileSystem()
        fs.isTracing = false
        try fs.createDirectory("/db")
        let engine = EngineSettings(writeBufferSize: 4096, compaction: .leveled, level0CompactionTrigger: 4)
        let options = engine.options(fileSystem: fs)
        var runner = WorkloadRunner { try Database(path: "/db", options: options) }
        runner.concurrency = .threads
        var mix = Workload.Mix()
        mix.writers = 4
        let workload = Workload.random(seed: 3, count: 300, mix: mix)
        var history = History()
        let result = runner.run(workload, recording: &history) { _ in .stop }
        #expect(result.firstError == nil)
        let db = try #require(result.database)
        defer { try? db.close() }
        #expect(history.entries.filter { !$0.acknowledged }.isEmpty)
        let contents = Dictionary(uniqueKeysWithValues: try db.scan().map { ($0.key, $0.value) })
        #expect(contents == history.finalState)
        #expect(CrashOracle().check(history, recovered: contents, requirement: .acknowledged).isConsistent)
    }
}

import CrashTest
import TestSupport
import Testing
import VFS

/// The engine under disk failures: EIO and ENOSPC on every kind of file and operation, torn writes, failed
/// directory syncs and renames. Each rule runs over many workloads and both a process crash and a strict power
/// loss afterwards; every run must surface the failure as an error and recover every write the model protects.
@Suite("Engine under injected faults")
struct EngineFaultTests {
    static let rules = [
        "write path=*.log nth=5 -> eio",
        "write path=*.log after=9 -> eio",
        "sync path=*.log nth=3 -> eio",
        "write path=*.ldb nth=2 -> enospc",
        "write bytes>6000 -> enospc",
        "sync path=*.ldb nth=2 -> eio",
        "write path=MANIFEST-* nth=3 -> eio",
        "write path=MANIFEST-* nth=3 -> torn",
        "sync path=MANIFEST-* nth=2 -> eio",
        "syncdir nth=4 -> eio",
        "rename nth=2 -> eio",
        "open path=*.log nth=3 -> eio",
        "open path=*.ldb nth=2 -> enospc",
        "remove nth=1 -> eio",
        "read path=*.ldb p=0.2 -> eio",
        "read path=*.log nth=1 -> eio",
        "list nth=2 -> eio",
        // Later table operations: most land in compactions (inputs read, outputs written and synced).
        "write path=*.ldb after=6 -> enospc",
        "sync path=*.ldb after=3 -> eio",
        "read path=*.ldb after=25 -> eio",
    ]

    @Test(arguments: rules)
    func failuresSurfaceAsErrorsAndLoseNothingProtected(rule: String) async throws {
        let parsed = try FaultRule.parse(rule)
        await withSeed("EngineFaultTests/failuresSurfaceAsErrorsAndLoseNothingProtected") { base, _ in
            var fired = 0
            for model in [CrashModel.processCrash, .strict, .powerLoss] {
                for i in 0..<40 {
                    let outcome = FaultSimulation(rules: parsed, model: model).run(seed: base &+ UInt64(i))
                    if outcome.injectedFaults > 0 { fired += 1 }
                    #expect(outcome.violation == nil, "\(outcome)")
                    if outcome.violation != nil { return }
                }
            }
            #expect(fired > 0, "the rule never fired: the test exercised nothing")
        }
    }

    @Test func bitFlipsOnTableReadsAreReportedNeverReturnedAsData() async throws {
        let rules = try FaultRule.parse("read path=*.ldb p=0.5 -> bitflip")
        await withSeed("EngineFaultTests/bitFlipsOnTableReadsAreReportedNeverReturnedAsData") { seed, _ in
            let outcome = FaultSimulation(rules: rules, model: .processCrash).run(seed: seed)
            #expect(outcome.violation == nil, "\(outcome)")
        }
    }

    /// The tester must catch a disk that lies: a sync that reports success but persists nothing loses
    /// acknowledged synced writes at the next power loss, and the oracle has to say so.
    @Test func aLyingFsyncIsCaughtByTheOracle() throws {
        let rules = try FaultRule.parse("sync -> drop\nsyncdir -> drop")
        var caught = 0
        for seed in 0..<20 {
            let outcome = FaultSimulation(rules: rules, model: .strict).run(seed: UInt64(seed))
            if outcome.violation != nil { caught += 1 }
        }
        #expect(caught >= 15, "only \(caught) of 20 runs with dropped fsyncs were flagged")
    }
}

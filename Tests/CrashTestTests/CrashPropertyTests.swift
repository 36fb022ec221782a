import Foundation
import LSMKV
import TestSupport
import Testing
import VFS

@testable import CrashTest

/// Randomized crash property tests: thousands of workloads crashed at a random file-system operation under each
/// crash model, recovered, and judged by the oracle. Bounded for CI; `Scripts/crash-soak.sh` runs longer.
@Suite("Crash properties")
struct CrashPropertyTests {
    /// Cycles per model in `swift test`; `LSMKV_CRASH_CYCLES` raises it for a soak.
    static var cycles: Int {
        Int(ProcessInfo.processInfo.environment["LSMKV_CRASH_CYCLES"] ?? "") ?? 300
    }

    @Test(arguments: CrashModel.allCases)
    func recoveredStateIsAnAllowedPrefix(model: CrashModel) {
        Self.runCycles(CrashSimulation(.init(model: model)))
    }

    /// The same with size-tiered compaction, whose merges move runs between levels.
    @Test(arguments: CrashModel.allCases)
    func recoveredStateIsAnAllowedPrefixWithTieredCompaction(model: CrashModel) {
        var configuration = CrashSimulation.Configuration(model: model)
        configuration.compaction = .tiered
        Self.runCycles(CrashSimulation(configuration))
    }

    /// A crash test that never crashes inside a compaction proves nothing about compaction: most workloads must
    /// compact (only a compaction deletes a table it did not create in the same run).
    @Test(arguments: CompactionStrategy.allCases)
    func workloadsCompact(strategy: CompactionStrategy) throws {
        var configuration = CrashSimulation.Configuration(model: .processCrash)
        configuration.compaction = strategy
        var compacting = 0
        for seed in 0..<50 {
            let fs = SimulatedFileSystem()
            var history = History()
            let workload = Workload.random(
                seed: UInt64(seed), count: configuration.workloadLength, mix: configuration.mix)
            #expect(CrashSimulation.execute(workload, on: fs, configuration: configuration, history: &history) == nil)
            if fs.trace.contains(where: { $0.kind == .remove && $0.path.hasSuffix(".ldb") }) { compacting += 1 }
        }
        print("\(compacting) of 50 workloads compacted (\(strategy))")
        #expect(compacting >= 25, "only \(compacting) of 50 workloads compacted")
    }

    static func runCycles(_ simulation: CrashSimulation) {
        let model = simulation.configuration.model
        let base = testSeed()
        var crashesInRecovery = 0
        let clock = ContinuousClock()
        let start = clock.now
        defer {
            let seconds =
                Double((clock.now - start).components.attoseconds) / 1e18
                + Double((clock.now - start).components.seconds)
            print(
                "crash cycles [\(model)]: \(Self.cycles) in \(String(format: "%.2f", seconds)) s = "
                    + "\(Int(Double(Self.cycles) / max(seconds, 1e-9))) cycles/s (seed \(base))")
        }
        for cycle in 0..<Self.cycles {
            let outcome = simulation.run(seed: base &+ UInt64(cycle))
            if outcome.crashedDuringRecovery { crashesInRecovery += 1 }
            if outcome.violation != nil {
                let (workload, minimal) = simulation.shrink(outcome)
                Issue.record(
                    """
                    \(outcome)
                    replay: \(outcome.replayCommand)
                    shrunk to \(workload.steps.count) steps: \(minimal)
                    \(workload.steps.map { "  \($0)" }.joined(separator: "\n"))
                    """)
                return
            }
        }
        #expect(crashesInRecovery > 0, "no cycle crashed during recovery: the recovery path went untested")
    }

    /// Replays one cycle exactly: `LSMKV_CRASH_SEED=… LSMKV_CRASH_MODEL=… swift test --filter CrashPropertyTests/replay`.
    @Test func replay() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let text = environment["LSMKV_CRASH_SEED"], let seed = UInt64(text) else { return }
        let model = CrashModel(rawValue: environment["LSMKV_CRASH_MODEL"] ?? "") ?? .powerLoss
        let outcome = CrashSimulation(.init(model: model)).run(seed: seed)
        print(outcome)
        #expect(outcome.violation == nil, "\(outcome)")
    }
}

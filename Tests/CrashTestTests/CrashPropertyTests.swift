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
    func recoveredStateIsAnAllowedPrefix(model: CrashModel) async {
        await Self.runCycles(CrashSimulation(.init(model: model)), test: "recoveredStateIsAnAllowedPrefix")
    }

    /// The same with size-tiered compaction, whose merges move runs between levels.
    @Test(arguments: CrashModel.allCases)
    func recoveredStateIsAnAllowedPrefixWithTieredCompaction(model: CrashModel) async {
        var configuration = CrashSimulation.Configuration(model: model)
        configuration.compaction = .tiered
        await Self.runCycles(
            CrashSimulation(configuration), test: "recoveredStateIsAnAllowedPrefixWithTieredCompaction")
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

    /// Runs ``cycles`` cycles of `simulation` from one seed; a failing cycle is shrunk and reported with its replay
    /// command (and, by ``withSeed(_:sourceLocation:_:)``, the command that reruns the whole test).
    static func runCycles(_ simulation: CrashSimulation, test: String) async {
        await withSeed("CrashPropertyTests/\(test)") { base, _ in runCycles(simulation, base: base) }
    }

    static func runCycles(_ simulation: CrashSimulation, base: UInt64) {
        let model = simulation.configuration.model
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
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["LSMKV_CRASH_SEED"].flatMap(UInt64.init) != nil,
            "set LSMKV_CRASH_SEED (and LSMKV_CRASH_MODEL) to the cycle to replay"))
    func replay() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = try #require(environment["LSMKV_CRASH_SEED"].flatMap(UInt64.init))
        let model = CrashModel(rawValue: environment["LSMKV_CRASH_MODEL"] ?? "") ?? .powerLoss
        let outcome = CrashSimulation(.init(model: model)).run(seed: seed)
        print(outcome)
        #expect(outcome.violation == nil, "\(outcome)")
    }
}

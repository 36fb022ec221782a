import CrashTest
import Foundation
import TestSupport
import Testing
import VFS

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
        let base = testSeed()
        let simulation = CrashSimulation(.init(model: model))
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

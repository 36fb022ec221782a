import CrashTest
import Foundation
import VFS

/// `crashtest cycles`: the randomized in-process crash cycles, per model, with a shrunk report of a failure.
enum CyclesRunner {
    static func run(_ options: CrashTestCommand.CyclesOptions) -> Int32 {
        let seed = options.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        print("crashtest cycles: \(options.steps) steps per workload, seed \(seed)")
        let started = ContinuousClock.now
        var failed = false
        for (position, model) in options.models.enumerated() {
            var configuration = CrashSimulation.Configuration(model: model)
            configuration.workloadLength = options.steps
            let simulation = CrashSimulation(configuration)
            let deadline = options.duration.map { total -> ContinuousClock.Instant in
                let used = Explorer.Report.seconds(ContinuousClock.now - started)
                let share = max(total - used, 0) / Double(options.models.count - position)
                return ContinuousClock.now + .nanoseconds(Int64(share * 1e9))
            }
            let modelStarted = ContinuousClock.now
            var cycles = 0
            var crashesInRecovery = 0
            var failure: CrashSimulation.Outcome?
            while failure == nil {
                if let deadline, cycles > 0, ContinuousClock.now >= deadline { break }
                if deadline == nil, cycles >= options.cycles ?? 300 { break }
                let outcome = simulation.run(seed: seed &+ UInt64(cycles))
                cycles += 1
                if outcome.crashedDuringRecovery { crashesInRecovery += 1 }
                if outcome.violation != nil { failure = outcome }
            }
            let seconds = Explorer.Report.seconds(ContinuousClock.now - modelStarted)
            print(
                "\(model): \(cycles) cycles (\(crashesInRecovery) crashed again during recovery) in "
                    + String(format: "%.1f", seconds) + " s = \(Int(Double(cycles) / max(seconds, 1e-9))) cycles/s"
                    + (failure == nil ? "" : "  FAIL"))
            guard let failure else { continue }
            failed = true
            print("\nVIOLATION \(failure)")
            print(
                "replay: crashtest cycles --model \(model) --steps \(options.steps) --seed \(failure.seed) --cycles 1")
            let (workload, minimal) = simulation.shrink(failure)
            print("shrunk to \(workload.steps.count) steps: \(minimal)")
            for step in workload.steps { print("  \(step)") }
        }
        return failed ? 1 : 0
    }
}

import CrashTest
import VFS

extension CrashTestCommand {
    /// Options of `crashtest cycles`: the randomized in-process crash cycles of `CrashPropertyTests`.
    struct CyclesOptions {
        var models = CrashModel.allCases
        var cycles: Int?
        var duration: Double?
        var seed: UInt64?
        var steps = 40
    }

    static let cyclesUsage = """
        OVERVIEW: Random in-process crash cycles (as `swift test --filter CrashPropertyTests` runs them): each cycle
                  runs a random workload on the simulated file system, crashes it at a random operation (and a
                  third of the time again during recovery), recovers and judges it with the oracle.

        USAGE: crashtest cycles [--model MODEL] [--cycles N | --duration SECONDS] [--seed N] [--steps N]

        OPTIONS:
          --model MODEL           process-crash, power-loss, strict or all (default: all, one after the other)
          --cycles N              cycles per model (default 300)
          --duration SECONDS      the time budget, split over the models
          --seed N                the first cycle's seed (default: random, printed); cycles use seed, seed+1, ...
          --steps N               steps per workload (default 40)
          -h, --help              show this help

        EXIT STATUS: 0 no violation, 1 a violation (printed with its replay command and shrunk workload), 64 usage.
        """

    static func parseCycles(_ arguments: [String]) throws(UsageError) -> CyclesOptions {
        var options = CyclesOptions()
        var reader = ArgumentReader(arguments)
        while let argument = reader.next() {
            switch argument {
            case "--model": options.models = try reader.models(argument)
            case "--cycles": options.cycles = try reader.positive(argument)
            case "--duration": options.duration = try reader.seconds(argument)
            case "--seed": options.seed = try reader.seed(argument)
            case "--steps": options.steps = try reader.positive(argument)
            default: throw UsageError(description: "unknown option \"\(argument)\"")
            }
        }
        if options.duration != nil && options.cycles != nil {
            throw UsageError(description: "give --duration or --cycles, not both")
        }
        return options
    }
}

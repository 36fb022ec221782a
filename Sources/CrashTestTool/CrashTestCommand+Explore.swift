import CrashTest
import VFS

extension CrashTestCommand {
    /// Options of `crashtest explore` and `crashtest ablate`.
    struct ExploreOptions {
        var model = CrashModel.powerLoss
        var steps = 40
        var seed: UInt64?
        var duration: Double?
        var workloads: Int?
        var exhaustive = false
        var crashPoints = Explorer.CrashPoints.everyOperation
        var ledger = true
        var json: String?
        var threads = 2
    }

    static let exploreUsage = """
        OVERVIEW: Record each workload once on the simulated file system, then recover and verify every crash state
                  the crash model allows at every crash point (explore), or remove each sync site of the engine in
                  turn and report which removals exploring catches (ablate).

        USAGE: crashtest explore [--model MODEL] [--steps N] [--seed N] [--duration SECONDS | --workloads N]
                                 [--exhaustive] [--crash-points every-operation|syncs] [--no-ledger] [--threads N]
                                 [--json FILE]
               crashtest ablate  [same options]

        OPTIONS:
          --model MODEL           process-crash, power-loss (default) or strict
          --steps N               steps per workload (default 40: puts, deletes, batches, flushes, reopens)
          --seed N                the first workload's seed (default: random, printed); workloads use seed, seed+1, ...
          --duration SECONDS      explore workloads until the time is up (ablate: split over the sites)
          --workloads N           explore N workloads (default 1 without --duration; ablate: 3 per site)
          --exhaustive            enumerate up to 2^16 power-loss states per crash point (default 2^10), sampling
                                  only above that
          --crash-points WHERE    every-operation (default): after every operation that changed the disk;
                                  syncs: just before every file and directory sync
          --threads N             workloads explored at once (default 2)
          --no-ledger             skip the durability ledger (the durable image at every acknowledgement)
          --json FILE             also write the report as JSON to FILE
          -h, --help              show this help

        EXIT STATUS: 0 no violation (ablate: always 0 unless it cannot run), 1 a violation, 64 usage error.
        """

    static func parseExplore(_ arguments: [String]) throws(UsageError) -> ExploreOptions {
        var options = ExploreOptions()
        var index = 0
        func value(_ option: String) throws(UsageError) -> String {
            index += 1
            guard index < arguments.count else { throw UsageError(description: "\(option) needs a value") }
            return arguments[index]
        }
        func positive(_ option: String) throws(UsageError) -> Int {
            let text = try value(option)
            guard let number = Int(text), number > 0 else {
                throw UsageError(description: "\(option) needs a positive whole number, got \"\(text)\"")
            }
            return number
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--model":
                let text = try value(argument)
                guard let model = CrashModel(rawValue: text) else {
                    throw UsageError(description: "--model needs process-crash, power-loss or strict, got \"\(text)\"")
                }
                options.model = model
            case "--steps": options.steps = try positive(argument)
            case "--workloads": options.workloads = try positive(argument)
            case "--seed":
                let text = try value(argument)
                guard let seed = UInt64(text) else {
                    throw UsageError(description: "--seed needs a whole number >= 0, got \"\(text)\"")
                }
                options.seed = seed
            case "--duration":
                let text = try value(argument)
                guard let seconds = Double(text), seconds > 0 else {
                    throw UsageError(description: "--duration needs a positive number of seconds, got \"\(text)\"")
                }
                options.duration = seconds
            case "--exhaustive": options.exhaustive = true
            case "--crash-points":
                let text = try value(argument)
                guard let points = Explorer.CrashPoints(rawValue: text) else {
                    throw UsageError(description: "--crash-points needs every-operation or syncs, got \"\(text)\"")
                }
                options.crashPoints = points
            case "--no-ledger": options.ledger = false
            case "--threads": options.threads = try positive(argument)
            case "--json": options.json = try value(argument)
            default:
                throw UsageError(description: "unknown option \"\(argument)\"")
            }
            index += 1
        }
        if options.duration != nil && options.workloads != nil {
            throw UsageError(description: "give --duration or --workloads, not both")
        }
        return options
    }
}

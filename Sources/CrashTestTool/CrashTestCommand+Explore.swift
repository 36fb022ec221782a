import CrashTest
import VFS

extension CrashTestCommand {
    /// Options of `crashtest explore` and `crashtest ablate`.
    struct ExploreOptions {
        /// The models to explore, one after the other (`--model all`: every one).
        var models = [CrashModel.powerLoss]
        /// The first model (ablate uses one).
        var model: CrashModel { models[0] }
        var steps = 40
        var seed: UInt64?
        var duration: Double?
        var workloads: Int?
        var exhaustive = false
        var crashPoints = Explorer.CrashPoints.everyOperation
        var ledger = true
        var json: String?
        var threads = 2
        /// Where a violation's replay file is kept.
        var keepFailures = "./crashtest-failures"
        /// `--replay FILE`: rerun a kept violation instead of exploring.
        var replay: String?
    }

    static let exploreUsage = """
        OVERVIEW: Record each workload once on the simulated file system, then recover and verify every crash state
                  the crash model allows at every crash point (explore), or remove each sync site of the engine in
                  turn and report which removals exploring catches (ablate).

        USAGE: crashtest explore [--model MODEL] [--steps N] [--seed N] [--duration SECONDS | --workloads N]
                                 [--exhaustive] [--crash-points every-operation|syncs] [--no-ledger] [--threads N]
                                 [--json FILE] [--keep-failures DIR]
               crashtest explore --replay FILE
               crashtest ablate  [same options]

        OPTIONS:
          --model MODEL           process-crash, power-loss (default), strict, or all (one after the other,
                                  sharing --duration; ablate uses the first)
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
          --keep-failures DIR     where the first violation is kept as a replay file with its shrunk workload
                                  (default: ./crashtest-failures)
          --replay FILE           rerun exactly the state a kept replay file names, and its shrunk workload
          -h, --help              show this help

        EXIT STATUS: 0 no violation (ablate: always 0 unless it cannot run; --replay: it did not reproduce),
                     1 a violation (--replay: reproduced), 64 usage error.
        """

    static func parseExplore(_ arguments: [String]) throws(UsageError) -> ExploreOptions {
        var options = ExploreOptions()
        var reader = ArgumentReader(arguments)
        while let argument = reader.next() {
            switch argument {
            case "--model": options.models = try reader.models(argument)
            case "--steps": options.steps = try reader.positive(argument)
            case "--workloads": options.workloads = try reader.positive(argument)
            case "--threads": options.threads = try reader.positive(argument)
            case "--seed": options.seed = try reader.seed(argument)
            case "--duration": options.duration = try reader.seconds(argument)
            case "--exhaustive": options.exhaustive = true
            case "--crash-points":
                let text = try reader.value(argument)
                guard let points = Explorer.CrashPoints(rawValue: text) else {
                    throw UsageError(description: "--crash-points needs every-operation or syncs, got \"\(text)\"")
                }
                options.crashPoints = points
            case "--no-ledger": options.ledger = false
            case "--json": options.json = try reader.value(argument)
            case "--keep-failures": options.keepFailures = try reader.value(argument)
            case "--replay": options.replay = try reader.value(argument)
            default: throw UsageError(description: "unknown option \"\(argument)\"")
            }
        }
        if options.duration != nil && options.workloads != nil {
            throw UsageError(description: "give --duration or --workloads, not both")
        }
        return options
    }
}

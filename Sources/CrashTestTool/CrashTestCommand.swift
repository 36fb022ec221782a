import CrashTest
import Foundation

/// The parsed command line of `crashtest`.
enum CrashTestCommand {
    case runAll
    case run(RunOptions)
    case list
    case replay(String)
    case replayInProcess(String)
    case worker(String)
    case explore(ExploreOptions)
    case ablate(ExploreOptions)
    case cycles(CyclesOptions)
    case cyclesHelp
    case exploreHelp
    case help

    /// Options of `crashtest run` (and of the bare `crashtest`).
    struct RunOptions {
        var scenarios: [String] = []
        var seed: UInt64?
        var duration: Double?
        var cycles: Int?
        var json: String?
        var keepFailures = "./crashtest-failures"
    }

    /// A usage error: what is wrong, printed above the usage text; exit status 64.
    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    static let usage = """
        OVERVIEW: Crash-test LSMKV with real processes: kill a worker mid-workload, reopen, verify.

        USAGE: crashtest                      run every scenario in FaultScenarios/ for about 60 s in all
               crashtest run [SCENARIO ...] [--seed N] [--duration SECONDS | --cycles N]
                             [--json FILE] [--keep-failures DIR]
               crashtest list                 list the scenarios and what they attack
               crashtest replay FILE          rerun a kept failing cycle from its replay.json
               crashtest replay --in-process FILE
                                              rerun it in process (crash point or seeded fault), then shrink
                                              its workload
               crashtest explore [OPTIONS]    record workloads once in process, check every crash state
               crashtest ablate [OPTIONS]     remove each sync site in turn: which removals does explore catch?
                                              (`crashtest explore --help` lists their options)
               crashtest cycles [OPTIONS]     random in-process crash cycles, as CrashPropertyTests runs them

        ARGUMENTS:
          SCENARIO                a scenario name from FaultScenarios/ or a path to a .scenario file
                                  (default: every scenario)

        OPTIONS:
          --seed N                the campaign seed (default: random, printed)
          --duration SECONDS      the time budget, split over the scenarios (each scenario's cycles: line is
                                  an upper bound)
          --cycles N              exactly N cycles per scenario (instead of each scenario's cycles: line)
          --json FILE             also write the results as JSON to FILE
          --keep-failures DIR     where violating cycles are kept (default: ./crashtest-failures)
          -h, --help              show this help

        EXIT STATUS: 0 every scenario met its expectation, 1 a violation (or a missing expected one),
                     64 usage error.
        """

    /// Parses the arguments after the program name.
    static func parse(_ arguments: [String]) throws(UsageError) -> CrashTestCommand {
        guard let first = arguments.first else { return .runAll }
        let rest = Array(arguments.dropFirst())
        if first == "explore" || first == "ablate" {
            if rest.contains("-h") || rest.contains("--help") { return .exploreHelp }
            let options = try parseExplore(rest)
            return first == "explore" ? .explore(options) : .ablate(options)
        }
        if first == "cycles" {
            if rest.contains("-h") || rest.contains("--help") { return .cyclesHelp }
            return .cycles(try parseCycles(rest))
        }
        if arguments.contains("-h") || arguments.contains("--help") || first == "help" { return .help }
        switch first {
        case "__worker":
            guard rest.count == 1 else { throw UsageError(description: "__worker takes one job file") }
            return .worker(rest[0])
        case "list":
            guard rest.isEmpty else { throw UsageError(description: "list takes no arguments") }
            return .list
        case "replay":
            if rest.count == 2, rest[0] == "--in-process" { return .replayInProcess(rest[1]) }
            guard rest.count == 1, !rest[0].hasPrefix("--") else {
                throw UsageError(description: "replay takes [--in-process] and one replay.json file")
            }
            return .replay(rest[0])
        case "run":
            return .run(try parseRun(rest))
        default:
            throw UsageError(
                description: "unknown command \"\(first)\" (expected run, list, replay, explore, ablate or cycles)")
        }
    }

    private static func parseRun(_ arguments: [String]) throws(UsageError) -> RunOptions {
        var options = RunOptions()
        var reader = ArgumentReader(arguments)
        while let argument = reader.next() {
            switch argument {
            case "--seed": options.seed = try reader.seed(argument)
            case "--duration": options.duration = try reader.seconds(argument)
            case "--cycles": options.cycles = try reader.positive(argument)
            case "--json": options.json = try reader.value(argument)
            case "--keep-failures": options.keepFailures = try reader.value(argument)
            default:
                if argument.hasPrefix("-") { throw UsageError(description: "unknown option \"\(argument)\"") }
                options.scenarios.append(argument)
            }
        }
        if options.duration != nil && options.cycles != nil {
            throw UsageError(description: "give --duration or --cycles, not both")
        }
        return options
    }
}

import CrashTest
import Foundation

/// Prints to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

let command: CrashTestCommand
do {
    command = try CrashTestCommand.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    let subcommand = CommandLine.arguments.dropFirst().first ?? ""
    let usage =
        ["explore", "ablate"].contains(subcommand)
        ? CrashTestCommand.exploreUsage : subcommand == "cycles" ? CrashTestCommand.cyclesUsage : CrashTestCommand.usage
    printError("error: \(error)\n\n\(usage)")
    exit(64)
}

switch command {
case .help:
    print(CrashTestCommand.usage)
case .exploreHelp:
    print(CrashTestCommand.exploreUsage)
case .cyclesHelp:
    print(CrashTestCommand.cyclesUsage)
case .cycles(let options):
    exit(CyclesRunner.run(options))
case .explore(let options):
    exit(ExploreRunner.explore(options))
case .ablate(let options):
    exit(ExploreRunner.ablate(options))
case .worker(let jobPath):
    guard let data = FileManager.default.contents(atPath: jobPath),
        let job = try? JSONDecoder().decode(WorkerJob.self, from: data)
    else {
        printError("crashtest worker: cannot read the job \(jobPath)")
        exit(CrashWorker.badJob)
    }
    exit(CrashWorker.run(job))
case .list:
    exit(CrashTestRunner.list())
case .replay(let path):
    exit(CrashTestRunner.replay(path))
case .replayInProcess(let path):
    exit(CrashTestRunner.replayInProcess(path))
case .runAll:
    exit(CrashTestRunner.run(CrashTestCommand.RunOptions(duration: 60)))
case .run(let options):
    exit(CrashTestRunner.run(options))
}

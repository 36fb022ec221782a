import Foundation
import LSMKV

/// `lsmkv verify [--db DIR] [--json]`: checks a database read-only. Exit 0 healthy, 1 damaged, 64 usage.
enum VerifyCommand {
    static func run(_ invocation: LSMKVCommand.Invocation) throws -> Int32 {
        let json = try invocation.hasOnlyFlag("--json", usage: "verify takes only --db DIR and --json")
        guard FileManager.default.fileExists(atPath: invocation.directory) else {
            FileHandle.standardError.write(Data("lsmkv: no database directory \(invocation.directory)\n".utf8))
            return 1
        }
        let report = Verifier.verify(path: invocation.directory)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            for problem in report.problems { print(problem) }
            print(report.summary)
        }
        return report.isHealthy ? 0 : 1
    }
}

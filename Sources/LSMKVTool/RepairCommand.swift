import Foundation
import LSMKV

/// `lsmkv repair`: rebuilds a damaged database, prints what was recovered and lost, then proves the result opens
/// and verifies. Exit 0 when it does, 1 when repair failed or the result does not open cleanly.
enum RepairCommand {
    static func run(_ invocation: LSMKVCommand.Invocation) throws -> Int32 {
        guard invocation.arguments.isEmpty else {
            throw LSMKVCommand.UsageError(message: "repair takes only --db DIR")
        }
        guard FileManager.default.fileExists(atPath: invocation.directory) else {
            FileHandle.standardError.write(Data("lsmkv: no database directory \(invocation.directory)\n".utf8))
            return 1
        }
        let report = try Database.repair(path: invocation.directory)
        print(report)
        // The result must verify (read-only) and open.
        let verification = Verifier.verify(path: invocation.directory)
        for problem in verification.problems where problem.severity != .note { print("verify: \(problem)") }
        print("verify: \(verification.summary)")
        do {
            try LSMKVCommand.openDatabase(invocation).close()
            print("the repaired database opens")
        } catch {
            FileHandle.standardError.write(Data("lsmkv: the repaired database does not open: \(error)\n".utf8))
            return 1
        }
        return verification.isHealthy ? 0 : 1
    }
}

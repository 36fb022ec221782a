import Foundation
import TestSupport
import Testing

@testable import LSMKVTool

/// `lsmkv compact`, `lsmkv stats` and the `--compaction` option, run in-process on a scratch directory.
@Suite struct CompactAndStatsCommandTests {
    static func run(_ arguments: [String]) throws -> Int32 {
        let invocation = try LSMKVCommand.parse(arguments)
        return try LSMKVCommand.run(invocation.command!, invocation)
    }

    @Test func parsesTheCompactionStrategy() throws {
        #expect(try LSMKVCommand.parse(["--compaction", "tiered", "stats"]).compaction == .tiered)
        #expect(try LSMKVCommand.parse(["stats", "--compaction=leveled"]).compaction == .leveled)
        #expect(throws: LSMKVCommand.UsageError.self) { try LSMKVCommand.parse(["--compaction", "lazy", "stats"]) }
    }

    @Test(arguments: ["leveled", "tiered"])
    func compactMergesEveryTableAndTheDataStaysReadable(strategy: String) throws {
        let scratch = TemporaryDirectory("lsmkv-tool")
        defer { scratch.remove() }
        let directory = scratch.appending("db")
        // Every `put` is one process-like open, write, close: each open flushes the last put to a level-0 table.
        for i in 0..<6 {
            #expect(try Self.run(["--db", directory, "--compaction", strategy, "put", "key\(i)", "value\(i)"]) == 0)
        }
        #expect(try Self.run(["--db", directory, "--compaction", strategy, "delete", "key3"]) == 0)
        #expect(try Self.run(["--db", directory, "--compaction", strategy, "compact"]) == 0)
        #expect(try Self.run(["--db", directory, "stats", "--space"]) == 0)
        #expect(try Self.run(["--db", directory, "verify"]) == 0)
        let tables = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".ldb") }
        #expect(tables.count == 1, "\(tables)")
        #expect(try Self.run(["--db", directory, "get", "key5"]) == 0)
        #expect(try Self.run(["--db", directory, "get", "key3"]) == 1)
        #expect(throws: LSMKVCommand.UsageError.self) {
            try Self.run(["--db", directory, "compact", "--sideways", "x"])
        }
    }
}

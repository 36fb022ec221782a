import Foundation
import Testing

@testable import CrashTest

/// ``Scenario/Key`` is the one list of scenario keys: the parser takes exactly these, and the table in
/// `FaultScenarios/README.md` documents exactly these, with the same required and repeatable columns.
@Suite struct ScenarioKeyTests {
    @Test func theReadmeTableListsExactlyTheKeys() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../FaultScenarios/README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        // Rows of the format table: | `key` | required | value |
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { row in
            row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        #expect(rows.map { $0[0] } == Scenario.Key.allCases.map { "`\($0.rawValue)`" })
        for (row, key) in zip(rows, Scenario.Key.allCases) {
            #expect(row[1].hasPrefix("yes") == key.isRequired, "\(key): \(row[1])")
            #expect(row[1].contains("repeatable") == key.isRepeatable, "\(key): \(row[1])")
        }
    }

    @Test func unknownKeysNameEveryKnownOne() {
        let failure = #expect(throws: ScenarioParseError.self) { try Scenario.parse("colour: blue", file: "x") }
        for key in Scenario.Key.allCases { #expect(failure?.problem.contains(key.rawValue) == true, "\(key)") }
    }

    @Test func repeatableKeysMayRepeatAndOthersMayNot() throws {
        let base = "name: n\nattacks: a\ncrash: kill 1ms..2ms\n"
        let twice = try Scenario.parse(base + "crash: kill 3ms\nfaults: sync -> eio\nfaults: read -> eio\n", file: "x")
        #expect(twice.crashes.count == 2 && twice.faults.count == 2)
        #expect(throws: ScenarioParseError.self) { try Scenario.parse(base + "cycles: 3\ncycles: 4\n", file: "x") }
    }
}

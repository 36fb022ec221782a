import Foundation
import TestSupport
import Testing

@testable import CrashTest

@Suite struct ScenarioTests {
    static let valid = """
        # a comment
        name: torn-tail
        attacks: BUG-CLASSES 9
        workload: keys=20 values=0..100 put=60 delete=20 batch=10 flush=5 sync=50 steps=300
        write-buffer: 4096
        model: power-loss
        crash: kill 2ms..40ms
        crash: point wal-append k=1..50
        crash: open-point directory-sync k=2
        faults: sync path=*.log p=0.01 -> eio
        fresh: 25
        cycles: 7
        expect: violation — the disk lies
        """

    @Test func parsesEveryKey() throws {
        let scenario = try Scenario.parse(Self.valid, file: "t.scenario")
        #expect(scenario.name == "torn-tail")
        #expect(scenario.mix.keySpace == 20)
        #expect(scenario.mix.valueSizes == 0...100)
        #expect(scenario.steps == 300)
        #expect(scenario.writeBufferSize == 4096)
        #expect(scenario.model == .powerLoss)
        #expect(scenario.requirement == .synced)
        #expect(
            scenario.crashes == [
                .kill(milliseconds: 2...40), .point(.walAppend, hits: 1...50), .openPoint(.directorySync, hits: 2...2),
            ])
        #expect(scenario.faults.map(\.description) == ["sync path=*.log p=0.01 -> eio"])
        #expect(scenario.freshPercent == 25)
        #expect(scenario.cycles == 7)
        #expect(scenario.expectation == .violation)
    }

    /// Replaces line `line` (from 1) of the valid scenario and returns the parse error.
    func error(replacingLine line: Int, with text: String) -> ScenarioParseError? {
        var lines = Self.valid.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[line - 1] = text
        do {
            _ = try Scenario.parse(lines.joined(separator: "\n"), file: "bad.scenario")
            return nil
        } catch {
            return error
        }
    }

    @Test func errorsNameFileLineAndProblem() {
        let cases: [(Int, String, String)] = [
            (7, "crash: point wal-apend k=1..5", "unknown crash point \"wal-apend\""),
            (7, "crash: kill 40ms..2ms", "is empty"),
            (7, "crash: explode", "unknown crash kind"),
            (8, "crash: point wal-append k=0..5", ">= 1"),
            (10, "faults: write -> eoi", "bad fault rule"),
            (4, "workload: keys=20 put=90 delete=20", "more than 100%"),
            (4, "workload: colour=blue", "unknown workload setting"),
            (6, "model: torn", "unknown model"),
            (11, "fresh: 101", "fresh needs a percentage"),
            (12, "cycles: -1", "positive whole number"),
            (13, "expect: maybe", "expect must start with"),
            (2, "name: torn tail!", "a name is"),
            (5, "write buffer 4096", "expected \"key: value\""),
            (5, "colour: blue", "unknown key \"colour\""),
            (12, "name: again", "given twice"),
        ]
        for (line, text, problem) in cases {
            let failure = error(replacingLine: line, with: text)
            #expect(failure?.file == "bad.scenario", "\(text)")
            #expect(failure?.line == line, "\(text): \(String(describing: failure))")
            #expect(failure?.problem.contains(problem) == true, "\(text): \(String(describing: failure))")
            #expect(failure?.description.hasPrefix("bad.scenario:\(line): ") == true)
        }
    }

    @Test func missingLinesAreReported() {
        #expect(throws: ScenarioParseError(file: "x", line: 0, problem: "missing \"crash:\" line")) {
            try Scenario.parse("name: x\nattacks: y\n", file: "x")
        }
        #expect(throws: ScenarioParseError(file: "x", line: 0, problem: "missing \"name:\" line")) {
            try Scenario.parse("attacks: y\ncrash: kill 1ms\n", file: "x")
        }
    }

    /// The package root, found from this source file.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    @Test func everyShippedScenarioParses() throws {
        let catalog = try ScenarioCatalog.load(directory: Self.packageRoot.path + "/FaultScenarios")
        #expect(catalog.scenarios.count >= 12)
        #expect(catalog.scenarios.contains { $0.expectation == .violation })
        #expect(catalog.scenarios.contains { $0.model == .powerLoss })
        #expect(catalog.scenarios.contains { $0.crashes.contains { if case .openPoint = $0 { true } else { false } } })
    }

    @Test func expectedStateFileRoundTrips() throws {
        let scratch = TemporaryDirectory("crashtest-expected")
        defer { scratch.remove() }
        let path = scratch.appending("expected-state.txt")
        var writer = try ExpectedStateWriter(path: path)
        let batch = History.Operation.batch([.put(key: [1, 2], value: [3]), .delete(key: [4])])
        let first = try writer.issue(.put(key: Array("k".utf8), value: []), sync: true)
        try writer.acknowledge(first)
        try writer.markDurable()
        #expect(try writer.issue(batch, sync: false) == 1)
        #expect(first == 0)
        writer.error("boom\nagain")
        writer.close()
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes += Array("I 2 1 70".utf8)  // a line torn by the kill: ignored
        let state = try ExpectedState.parse(bytes, initial: [[9]: [9]])
        #expect(state.history.initial == [[9]: [9]])
        #expect(state.history.entries.map(\.operation) == [.put(key: Array("k".utf8), value: []), batch])
        #expect(state.history.entries.map(\.acknowledged) == [true, false])
        #expect(state.history.entries.map(\.sync) == [true, false])
        #expect(state.errors == ["boom again"])
    }
}

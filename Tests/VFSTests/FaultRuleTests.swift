import Testing
import VFS

@Suite("FaultRule")
struct FaultRuleTests {
    static let examples = """
        # Examples from the documentation.
        sync path=*.log nth=3 -> drop
        write path=*.ldb p=0.01 -> eio

        write bytes>1048576 -> enospc   # the disk fills up
        sync path=MANIFEST-* nth=1 -> eio
        syncdir nth=2 -> eio
        rename path=CURRENT nth=1 -> crash
        read path=*.ldb p=0.001 -> bitflip
        any after=100 -> crash
        truncate path=/db/*.log -> eio
        """

    @Test func parsesTheDocumentedForms() throws {
        let rules = try FaultRule.parse(Self.examples)
        #expect(rules.count == 9)
        #expect(rules[0] == FaultRule(.sync, path: "*.log", trigger: .nth(3), action: .drop))
        #expect(rules[1] == FaultRule(.write, path: "*.ldb", trigger: .probability(0.01), action: .eio))
        #expect(rules[2] == FaultRule(.write, bytesAbove: 1_048_576, action: .enospc))
        #expect(rules[3].path.pattern == "MANIFEST-*")
        #expect(rules[4] == FaultRule(.syncdir, trigger: .nth(2), action: .eio))
        #expect(rules[5] == FaultRule(.rename, path: "CURRENT", trigger: .nth(1), action: .crash))
        #expect(rules[6] == FaultRule(.read, path: "*.ldb", trigger: .probability(0.001), action: .bitflip))
        #expect(rules[7] == FaultRule(.any, trigger: .after(100), action: .crash))
        #expect(rules[8].path.pattern == "/db/*.log")
    }

    @Test func descriptionRoundTrips() throws {
        let rules = try FaultRule.parse(Self.examples)
        for rule in rules { #expect(try FaultRule.parse(rule.description) == [rule]) }
        #expect(rules[0].description == "sync path=*.log nth=3 -> drop")
        #expect(rules[2].description == "write bytes>1048576 -> enospc")
        let text = rules.map(\.description).joined(separator: "\n")
        #expect(try FaultRule.parse(text) == rules)
    }

    @Test(arguments: [
        ("write -> eoi", "unknown action \"eoi\""),
        ("frob -> eio", "unknown operation \"frob\""),
        ("write path=*.log", "missing \"-> action\""),
        ("write ->", "missing action"),
        ("-> eio", "missing operation"),
        ("read -> drop", "drop applies to sync and syncdir rules only"),
        ("sync -> torn", "torn applies to write rules only"),
        ("write -> bitflip", "bitflip applies to read rules only"),
        ("write nth=0 -> eio", "nth and after count from 1"),
        ("sync p=2 -> eio", "p must be between 0 and 1"),
        ("sync p=often -> eio", "p= needs a number"),
        ("sync nth=1 p=0.5 -> eio", "more than one of p=, nth=, after="),
        ("sync bytes>5 -> eio", "bytes>N applies to write rules only"),
        ("write bytes>lots -> enospc", "bytes> needs a whole number"),
        ("write size=3 -> eio", "unknown condition \"size=\""),
        ("write path= -> eio", "path= needs a pattern"),
        ("write -> eio -> crash", "more than one \"->\""),
    ])
    func rejectsBadLinesNamingTheLineAndTheProblem(line: String, problem: String) throws {
        let text = "# header\nsync -> eio\n\(line)\nwrite -> eio\n"
        let error = #expect(throws: FaultRuleParseError.self) { try FaultRule.parse(text) }
        #expect(error?.line == 3)
        #expect(error?.problem.contains(problem) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("fault rules, line 3: ") == true)
    }

    @Test func globsMatchNamesOrWholePaths() {
        #expect(PathGlob("*.log").matches("/db/000001.log"))
        #expect(!PathGlob("*.log").matches("/db/000001.ldb"))
        #expect(PathGlob("MANIFEST-*").matches("/db/MANIFEST-000002"))
        #expect(PathGlob("CURRENT").matches("/db/CURRENT"))
        #expect(!PathGlob("CURRENT").matches("/db/CURRENT.tmp"))
        #expect(PathGlob("0000?.log").matches("/x/00001.log"))
        #expect(!PathGlob("0000?.log").matches("/x/000001.log"))
        #expect(PathGlob("*").matches("/anything/at/all"))
        #expect(PathGlob("/db/*.ldb").matches("/db/000005.ldb"))
        #expect(!PathGlob("/db/*.ldb").matches("/other/000005.ldb"))
        #expect(PathGlob("*a*b*").matches("xaxxbx"))
        #expect(!PathGlob("*a*b").matches("xaxxbx"))
    }
}

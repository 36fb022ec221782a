import Foundation
import Testing
import VFS

/// The seeded generator every randomized test uses (VFS's SplitMix64), so a printed seed replays the test.
public typealias SeededGenerator = SplitMix64

/// The seed for a randomized test: `LSMKV_SEED` from the environment when set (to replay a failure), else random.
public func testSeed() -> UInt64 {
    if let text = ProcessInfo.processInfo.environment["LSMKV_SEED"], let seed = UInt64(text) { return seed }
    return UInt64.random(in: 0...UInt64.max)
}

/// The line a failing randomized test reports: how to rerun it with the same seed.
public func rerunCommand(seed: UInt64, filter name: String) -> String {
    "rerun with LSMKV_SEED=\(seed) swift test --filter \(name)"
}

/// Runs the body of a randomized test with its seed (``testSeed()``) and a generator seeded with it. Every issue
/// the body records (a failed `#expect` or `#require`, an `Issue.record`) carries the line that reruns the test
/// with the same seed, `rerun with LSMKV_SEED=<seed> swift test --filter <name>`; an error the body throws is
/// recorded as an issue with that line too.
/// - Parameters:
///   - name: the `--filter` that selects the test, such as `LogTests/randomRecordsRoundTrip`.
///   - sourceLocation: where a thrown error is reported.
public func withSeed(
    _ name: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: @Sendable (_ seed: UInt64, _ rng: inout SeededGenerator) async throws -> Void
) async {
    let seed = testSeed()
    let rerun = Comment(rawValue: rerunCommand(seed: seed, filter: name))
    let annotate = IssueHandlingTrait.compactMapIssues { issue in
        var issue = issue
        issue.comments.append(rerun)
        return issue
    }
    @Sendable func run() async {
        var rng = SeededGenerator(seed: seed)
        do {
            try await body(seed, &rng)
        } catch {
            Issue.record(error, Test.current == nil ? rerun : nil, sourceLocation: sourceLocation)
        }
    }
    guard let test = Test.current else {
        // Not inside a running test (called from a helper process): nothing to annotate.
        await run()
        return
    }
    do {
        try await annotate.provideScope(for: test, testCase: Test.Case.current, performing: run)
    } catch {
        Issue.record(error, rerun, sourceLocation: sourceLocation)
    }
}

/// What running one scenario found: the numbers of the summary table, and each violation.
public struct ScenarioResult: Sendable, Codable {
    /// One cycle whose recovered database broke the contract (or whose worker died in a way no crash explains).
    public struct Violation: Sendable, Codable {
        public var cycle: Int
        public var crash: CrashSpec
        public var message: String
        /// Where the crashed directory, the expected-state file and the replay file were kept, if they were.
        public var keptAt: String?
    }

    public var scenario: String
    public var expectation: Scenario.Expectation
    public var seed: UInt64
    /// Cycles run.
    public var cycles = 0
    /// Cycles whose worker died by SIGKILL (from the runner or from itself at a crash point).
    public var crashes = 0
    /// Crashes before the worker's first write: while it started up or opened (recovered) the crashed database.
    public var crashesDuringRecovery = 0
    /// Reopens that the oracle judged.
    public var recoveriesVerified = 0
    /// Acknowledged writes the oracle checked, summed over cycles.
    public var acknowledgedWritesChecked = 0
    public var violations: [Violation] = []
    public var seconds = 0.0

    public init(scenario: String, expectation: Scenario.Expectation, seed: UInt64) {
        self.scenario = scenario
        self.expectation = expectation
        self.seed = seed
    }

    /// Whether the scenario met its expectation: no violation, or (for `expect: violation`) at least one.
    public var passed: Bool { expectation == .consistent ? violations.isEmpty : !violations.isEmpty }
}

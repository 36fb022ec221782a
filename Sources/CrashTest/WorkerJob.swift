/// Everything a worker process needs to run one cycle; the runner writes it as JSON and passes the file's path.
public struct WorkerJob: Sendable, Codable {
    /// The database directory (real, on disk).
    public var directory: String
    /// The expected-state file the worker appends its history to.
    public var expectedStatePath: String
    /// The scenario text (the worker parses it for the workload, faults and model).
    public var scenarioSource: String
    /// The seed of the workload and of the fault rules.
    public var seed: UInt64
    /// How this cycle crashes (the worker acts on `.point` and `.openPoint` itself).
    public var crash: CrashSpec
    /// Run flushes on the writing thread (deterministic; used by replay), instead of the background thread.
    public var inlineBackgroundWork: Bool
    /// Under the power-loss and strict models: where the worker journals what it does to its simulated file
    /// system (``OperationJournal``), from which the runner draws the crash image.
    public var journalPath: String?

    public init(
        directory: String, expectedStatePath: String, scenarioSource: String, seed: UInt64, crash: CrashSpec,
        inlineBackgroundWork: Bool, journalPath: String? = nil
    ) {
        self.directory = directory
        self.expectedStatePath = expectedStatePath
        self.scenarioSource = scenarioSource
        self.seed = seed
        self.crash = crash
        self.inlineBackgroundWork = inlineBackgroundWork
        self.journalPath = journalPath
    }
}

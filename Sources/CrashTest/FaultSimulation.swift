import LSMKV
import VFS

/// Runs a workload on a ``FaultInjectingFileSystem`` over a ``SimulatedFileSystem``, then crashes and recovers,
/// checking what a storage engine owes its users when the disk fails:
///
/// 1. an injected failure surfaces as a thrown ``LSMKVError`` (never a trap, never a silent success);
/// 2. after a failed write or sync the database either keeps working or refuses further writes with
///    ``LSMKVError/readOnly(cause:)``; reads of acknowledged data keep working;
/// 3. after a crash (under `model`) the database reopens, without faults, with every write the model says must
///    survive (the ``CrashOracle``).
public struct FaultSimulation: Sendable {
    /// What one run found.
    public struct Outcome: Sendable, CustomStringConvertible {
        public var rules: String
        public var seed: UInt64
        public var model: CrashModel
        /// The first error the workload saw, if any fault fired.
        public var firstError: String?
        public var injectedFaults: Int
        public var acknowledgedWrites: Int
        public var violation: String?

        public var description: String {
            "rules [\(rules)] seed \(seed) model \(model): \(injectedFaults) faults injected, first error: "
                + "\(firstError ?? "none"); " + (violation.map { "VIOLATION: \($0)" } ?? "ok")
        }
    }

    public var rules: [FaultRule]
    public var model: CrashModel
    public var configuration: CrashSimulation.Configuration
    /// What an injected sync failure does to unsynced data (the Linux `pages-lost` unless set).
    public var syncFailure = SyncFailureSemantics.pagesLost

    public init(rules: [FaultRule], model: CrashModel, configuration: CrashSimulation.Configuration? = nil) {
        self.rules = rules
        self.model = model
        self.configuration = configuration ?? CrashSimulation.Configuration(model: model)
    }

    /// Runs the workload drawn from `seed` with the fault rules active.
    public func run(seed: UInt64) -> Outcome {
        let workload = Workload.random(seed: seed, count: configuration.workloadLength, mix: configuration.mix)
        let sim = SimulatedFileSystem()
        let faulty = FaultInjectingFileSystem(wrapping: sim, rules: rules, seed: seed, syncFailure: syncFailure)
        var outcome = Outcome(
            rules: rules.map(\.description).joined(separator: "; "), seed: seed, model: model, firstError: nil,
            injectedFaults: 0, acknowledgedWrites: 0, violation: nil)
        var history = History()
        do {
            try sim.createDirectory(CrashSimulation.directory)
        } catch {
            outcome.violation = "setup failed: \(error)"
            return outcome
        }
        let options = configuration.engine.options(fileSystem: faulty)
        let runner = WorkloadRunner { try Database(path: CrashSimulation.directory, options: options) }
        var foreignError: (any Error)?
        let result = runner.run(workload, recording: &history) { error in
            switch error {
            case LSMKVError.readOnly, LSMKVError.closed: return .stop  // the database refuses writes
            case is LSMKVError: return .continueWithNextStep  // it may keep working after a failed operation
            default:
                foreignError = error
                return .stop
            }
        }
        let db = result.database
        defer { try? db?.close() }
        outcome.firstError = result.firstError.map { "\($0)" }
        if let foreignError {
            outcome.violation = "a failure surfaced as \(type(of: foreignError)), not LSMKVError: \(foreignError)"
            return outcome
        }
        outcome.acknowledgedWrites = history.entries.filter(\.acknowledged).count
        // Reads of acknowledged data keep working while the database is (possibly) read-only.
        if let open = db {
            // In key order: a dictionary's own order changes from process to process, and so would the reads
            // the fault rules see, and a seed would not replay.
            let live = history.finalStateOfAcknowledged.sorted { $0.key.lexicographicallyPrecedes($1.key) }
            for (key, value) in live.prefix(20) {
                do {
                    let got = try open.get(key)
                    if got != value && !history.hasUnacknowledgedWrite(to: key) {
                        outcome.violation = "after the fault, get(\(CrashOracle.show(key))) returned a wrong value"
                        outcome.injectedFaults = faulty.injectedFaults.count
                        return outcome
                    }
                } catch LSMKVError.io, LSMKVError.corruption {
                    continue  // an injected read fault may surface here; it must be an error, never wrong data
                } catch {
                    outcome.violation = "after the fault, get failed: \(error)"
                    outcome.injectedFaults = faulty.injectedFaults.count
                    return outcome
                }
            }
        }
        let image = PreCrashImage(sim)
        let crashed = sim.crash(seed: seed &+ 17, model: model)
        outcome.violation = CrashSimulation.verify(
            crashed, model: model, engine: configuration.engine, history: history, image: image)
        outcome.injectedFaults = faulty.injectedFaults.count
        return outcome
    }
}

extension History {
    /// The contents implied by the acknowledged operations only.
    var finalStateOfAcknowledged: [[UInt8]: [UInt8]] {
        var state = initial
        for entry in entries where entry.acknowledged { entry.operation.apply(to: &state) }
        return state
    }

    /// Whether an operation that was issued but not acknowledged wrote `key`.
    func hasUnacknowledgedWrite(to key: [UInt8]) -> Bool {
        entries.contains { !$0.acknowledged && $0.operation.writes.contains { $0.key == key } }
    }
}

import VFS

extension Explorer {
    /// A violation `crashtest explore` found, kept as JSON with everything needed to rerun exactly that state
    /// (`crashtest explore --replay FILE`): the configuration, the workload's steps (not only its seed, so a change to
    /// the workload generator does not change the replay), the seed that draws the samples and nested crashes, and
    /// the workload shrunk to the fewest steps that still fail the same check.
    public struct Failure: Sendable, Codable {
        /// The crash model explored.
        public var model: CrashModel
        /// Where crashes were placed.
        public var crashPoints: Explorer.CrashPoints
        /// Power-loss states per crash point up to which all were checked.
        public var exhaustiveLimit: Int
        /// Whether the durability ledger ran.
        public var ledger: Bool
        /// The sync sites removed (``SyncAblation``); empty for the engine as built.
        public var removedSyncs: [SyncSite]
        /// The workload's seed.
        public var seed: UInt64
        /// The violation, as found.
        public var violation: Explorer.Violation
        /// The workload that found it.
        public var workload: Workload
        /// The fewest steps found that still fail the same check, and that failure.
        public var shrunk: Workload?
        public var shrunkViolation: Explorer.Violation?

        /// Keeps `violation`, found by `explorer` on `workload`.
        public init(_ violation: Explorer.Violation, workload: Workload, explorer: Explorer) {
            let configuration = explorer.configuration
            model = configuration.model
            crashPoints = configuration.crashPoints
            exhaustiveLimit = configuration.exhaustiveLimit
            ledger = configuration.ledger
            removedSyncs = configuration.removedSyncs.sorted { $0.description < $1.description }
            seed = violation.seed
            self.violation = violation
            self.workload = workload
        }

        /// The explorer configuration the violation was found with (on the engine).
        public var configuration: Explorer.Configuration {
            var configuration = Explorer.Configuration(model: model)
            configuration.workloadLength = workload.steps.count
            configuration.crashPoints = crashPoints
            configuration.exhaustiveLimit = exhaustiveLimit
            configuration.ledger = ledger
            configuration.removedSyncs = Set(removedSyncs)
            return configuration
        }

        /// Explores the kept workload again (exploration is a function of the workload and the seed) and returns the
        /// violation found at the same state, same check, same operation, same nesting, or nil when it is gone.
        public func rerun() -> Explorer.Violation? {
            Self.same(as: violation, in: Explorer(configuration).explore(workload, seed: seed))
        }

        /// Explores the shrunk workload again; nil when there is none or it no longer fails the same check.
        public func rerunShrunk() -> Explorer.Violation? {
            guard let shrunk, let shrunkViolation else { return nil }
            return Self.same(as: shrunkViolation, in: Explorer(configuration).explore(shrunk, seed: seed))
        }

        static func same(as kept: Explorer.Violation, in report: Explorer.Report) -> Explorer.Violation? {
            report.violations.first {
                $0.check == kept.check && $0.operationIndex == kept.operationIndex && $0.nested == kept.nested
            }
        }
    }
}

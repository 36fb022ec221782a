extension Scenario {
    /// The keys of a `.scenario` file's `key: value` lines: the one list the parser accepts, its error messages
    /// name, and `FaultScenarios/README.md`'s table documents (a test holds the two together).
    public enum Key: String, Sendable, CaseIterable, CustomStringConvertible {
        /// The scenario's name, also its file name without `.scenario`.
        case name
        /// Which bug classes it attacks, in words.
        case attacks
        /// The random workload's mix and length (`keys=N values=A..B put=P ...`).
        case workload
        /// The MemTable size in bytes.
        case writeBuffer = "write-buffer"
        /// `leveled` or `tiered`, optionally `trigger=N`.
        case compaction
        /// `process-crash`, `power-loss` or `strict`.
        case model
        /// One way to crash the worker; repeatable.
        case crash
        /// One VFS fault rule; repeatable.
        case faults
        /// What a failed sync does to unsynced data: `pages-lost` (default) or `retryable`.
        case syncFailure = "sync-failure"
        /// Percentage of cycles whose crash image gets damage in the middle of a durable log.
        case logDamage = "log-damage"
        /// Percentage of cycles after the first that start from an empty directory, so creation is crashed again.
        case fresh
        /// The most cycles a run makes.
        case cycles
        /// `consistent` or `violation`.
        case expect

        /// Whether a scenario without this key is refused.
        public var isRequired: Bool {
            switch self {
            case .name, .attacks, .crash: return true
            case .workload, .writeBuffer, .compaction, .model, .faults, .syncFailure, .logDamage, .fresh, .cycles,
                .expect:
                return false
            }
        }

        /// Whether the key may be given on several lines (each adds one more); any other key at most once.
        public var isRepeatable: Bool { self == .crash || self == .faults }

        /// The key as written in a file.
        public var description: String { rawValue }

        /// Every key, for error messages: `name, attacks, ... or expect`.
        static var allNames: String {
            let names = allCases.map(\.rawValue)
            return names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
        }
    }
}

import LSMKV

/// Everything needed to run a failing cycle again, kept as `replay.json` beside the failure's directories.
/// `crashtest replay FILE` copies `before/` (the database as the failing cycle found it) and reruns the cycle.
public struct ReplayFile: Sendable, Codable {
    public var scenario: String
    /// The scenario file's text, so the replay does not depend on the scenario file still being the same.
    public var scenarioSource: String
    /// The campaign seed and the cycle number.
    public var seed: UInt64
    public var cycle: Int
    /// How the cycle crashed.
    public var crash: CrashSpec
    /// The workload's seed.
    public var workloadSeed: UInt64
    /// The seed the power-loss image was drawn from (power-loss and strict scenarios); with the kept
    /// `journal.bin` it rebuilds the same image.
    public var crashSeed: UInt64?
    /// The database contents the cycle started from, as hex key → hex value.
    public var initial: [String: String]
    /// What the runner found.
    public var violation: String

    /// Hex-encodes a state for ``initial``.
    public static func encode(_ state: [[UInt8]: [UInt8]]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: state.map { (Hex.encode($0.key), Hex.encode($0.value)) })
    }

    /// Decodes ``initial``; nil when it is not valid hex.
    public func decodedInitial() -> [[UInt8]: [UInt8]]? {
        var state: [[UInt8]: [UInt8]] = [:]
        for (key, value) in initial {
            guard let k = Hex.decode(key), let v = Hex.decode(value) else { return nil }
            state[k] = v
        }
        return state
    }
}

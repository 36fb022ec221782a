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
    /// The database contents the cycle started from, as hex key → hex value.
    public var initial: [String: String]
    /// What the runner found.
    public var violation: String

    /// Hex-encodes a state for ``initial``.
    public static func encode(_ state: [[UInt8]: [UInt8]]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: state.map { (hex($0.key), hex($0.value)) })
    }

    /// Decodes ``initial``; nil when it is not valid hex.
    public func decodedInitial() -> [[UInt8]: [UInt8]]? {
        var state: [[UInt8]: [UInt8]] = [:]
        for (key, value) in initial {
            guard let k = Self.unhex(key), let v = Self.unhex(value) else { return nil }
            state[k] = v
        }
        return state
    }

    static func hex(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        ExpectedStateCoding.appendHex(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < chars.count {
            guard let byte = UInt8(String(decoding: chars[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            out.append(byte)
            index += 2
        }
        return out
    }
}

import LSMKV
import VFS

/// The crash one cycle makes, drawn from one of its scenario's ``Scenario/CrashPlan``s.
public struct CrashSpec: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Who kills the worker and when.
    public enum Kind: String, Sendable, Codable {
        /// The runner sends SIGKILL after ``killAfterMilliseconds``.
        case kill
        /// The worker kills itself at the ``hit``-th hit of ``point`` during its workload.
        case point
        /// The worker kills itself at the ``hit``-th hit of ``point`` while opening the database.
        case openPoint = "open-point"
    }

    public var kind: Kind
    /// For `.kill`: the delay after spawning; for `.openPoint`: the fallback kill when open does not reach the hit.
    public var killAfterMilliseconds: Int?
    /// For `.point` and `.openPoint`.
    public var point: CrashPoint?
    /// For `.point` and `.openPoint`: which hit (from 1) kills.
    public var hit: Int?

    /// A spec for the cycle: draws a plan, then its delay or hit number.
    public static func draw(from plans: [Scenario.CrashPlan], using rng: inout SplitMix64) -> CrashSpec {
        switch plans[Int.random(in: 0..<plans.count, using: &rng)] {
        case .kill(let ms):
            return CrashSpec(kind: .kill, killAfterMilliseconds: Int.random(in: ms, using: &rng))
        case .point(let point, let hits):
            return CrashSpec(kind: .point, point: point, hit: Int.random(in: hits, using: &rng))
        case .openPoint(let point, let hits):
            // When open does not reach the hit, the runner kills the worker soon after instead.
            return CrashSpec(
                kind: .openPoint, killAfterMilliseconds: Int.random(in: 20...100, using: &rng), point: point,
                hit: Int.random(in: hits, using: &rng))
        }
    }

    public var description: String {
        switch kind {
        case .kill: return "SIGKILL after \(killAfterMilliseconds ?? 0) ms"
        case .point: return "self-kill at hit \(hit ?? 0) of \(point?.rawValue ?? "?")"
        case .openPoint: return "self-kill at hit \(hit ?? 0) of \(point?.rawValue ?? "?") during open"
        }
    }
}

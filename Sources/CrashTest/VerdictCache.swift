/// The ``CrashOracle``'s verdicts on recovered contents against one history, kept while the history stays the same.
///
/// The oracle is a pure function of the history, the recovered contents and the requirement, so every crash state
/// that recovers to contents equal to ones already judged against an equal history gets that same verdict: each
/// state is still judged against its own history, the work is done once. Consecutive crash points often share a
/// history (no write was issued or returned between them), and many states of one point recover to equal
/// contents. Contents are found by an order-independent hash and confirmed equal before a verdict is reused.
///
/// A class so that the recovery check's closures can add to it; used by one thread (one ``Explorer`` session).
final class VerdictCache {
    /// The history (and requirement) the kept verdicts were reached against.
    private var history: History?
    private var requirement: CrashOracle.Requirement?
    /// Verdicts (nil: consistent, else the oracle's description) by contents hash, with the contents.
    private var verdicts: [Int: [(contents: [[UInt8]: [UInt8]], problem: String?)]] = [:]
    /// Verdicts by the ``RecoveryCache`` result they were reached on (its contents never change).
    private var byResult: [Int: String?] = [:]
    /// Verdicts reused.
    private(set) var hits = 0

    /// Forgets the kept verdicts unless they were reached against `history` and `requirement`.
    func use(_ history: History, requirement: CrashOracle.Requirement) {
        guard history != self.history || requirement != self.requirement else { return }
        self.history = history
        self.requirement = requirement
        verdicts.removeAll(keepingCapacity: true)
        byResult.removeAll(keepingCapacity: true)
    }

    /// The verdict on `contents` against the current history: the kept one, or `judge`'s (then kept). `result`
    /// names the ``RecoveryCache`` result the contents are, when they are one.
    func verdict(_ contents: [[UInt8]: [UInt8]], result: Int? = nil, judge: () -> String?) -> String? {
        if let result, let known = byResult[result] {
            hits += 1
            return known
        }
        let key = Self.hash(contents)
        let problem: String?
        if let known = verdicts[key]?.first(where: { $0.contents == contents }) {
            hits += 1
            problem = known.problem
        } else {
            problem = judge()
            verdicts[key, default: []].append((contents, problem))
        }
        if let result { byResult[result] = problem }
        return problem
    }

    /// An order-independent hash of `contents` (the sum of one hash per key and value).
    static func hash(_ contents: [[UInt8]: [UInt8]]) -> Int {
        var sum = contents.count
        for (key, value) in contents {
            var hasher = Hasher()
            key.withUnsafeBytes { hasher.combine(bytes: $0) }
            hasher.combine(key.count)
            value.withUnsafeBytes { hasher.combine(bytes: $0) }
            sum &+= hasher.finalize()
        }
        return sum
    }
}

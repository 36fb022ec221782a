extension Workload {
    /// Removes steps from this workload while `failure` still finds a failure in what is left (delta debugging:
    /// chunks of half the steps, then smaller, down to single steps), until `deadline`.
    /// - Returns: the smallest failing workload found and its failure; nil when this workload does not fail.
    public func shrunk<Failure>(
        deadline: ContinuousClock.Instant, failure: (Workload) -> Failure?
    ) -> (workload: Workload, failure: Failure)? {
        guard let first = failure(self) else { return nil }
        return shrunk(failingWith: first, while: { ContinuousClock.now < deadline }, failure: failure)
    }

    /// The same delta debugging from a workload already known to fail with `known`, for as long as `keepGoing`
    /// holds (a deadline, a budget of runs).
    /// - Returns: the smallest failing workload found and its failure (this workload and `known` when no step
    ///   could be removed).
    public func shrunk<Failure>(
        failingWith known: Failure, while keepGoing: () -> Bool, failure: (Workload) -> Failure?
    ) -> (workload: Workload, failure: Failure) {
        var best = (workload: self, failure: known)
        var chunk = max(steps.count / 2, 1)
        while chunk >= 1 && keepGoing() {
            var start = 0
            var removedAny = false
            while start < best.workload.steps.count && keepGoing() {
                var candidate = best.workload
                candidate.steps.removeSubrange(start..<min(start + chunk, candidate.steps.count))
                if let found = failure(candidate) {
                    best = (candidate, found)
                    removedAny = true
                } else {
                    start += chunk
                }
            }
            if !removedAny { chunk /= 2 }
        }
        return best
    }
}

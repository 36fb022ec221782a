extension Explorer {
    /// What a checked crash state turned out to be: the outcome report by fault class.
    public enum Outcome: String, Sendable, Codable, CaseIterable {
        /// Recovered to an allowed prefix of the history, and passed every later check.
        case correct = "recovered correctly"
        /// Refused to open with a corruption report the pre-crash image justifies (damage before intact data).
        case honestRefusal = "refused to open, justified"
        /// An acknowledged (durable) write is missing.
        case lostWrite = "lost an acknowledged write"
        /// A key deleted before the last required operation is back.
        case resurrected = "resurrected a deleted key"
        /// A key holds a value never written to it, or one no allowed prefix gives.
        case wrongValue = "held a wrong value"
        /// Later writes survived earlier ones: a hole in the history.
        case hole = "kept a later write but lost an earlier one"
        /// Opened, but the integrity check found corruption, or the open reported corruption unjustified.
        case corruption = "reported corruption"
        /// Did not open, for a reason other than a corruption report.
        case refused = "refused to open"
        /// Opened and read, but failed the write-and-reopen part of the check.
        case failedAfterRecovery = "failed after recovery"

        /// The class of a check's result (`problem` nil: passed; `contents` nil too: an honest refusal).
        static func classify(contents: [[UInt8]: [UInt8]]?, problem: String?) -> Outcome {
            guard let problem else { return contents == nil ? .honestRefusal : .correct }
            if problem.hasPrefix("VIOLATION") {
                if problem.contains("an acknowledged write was lost") { return .lostWrite }
                if problem.contains("resurrected") { return .resurrected }
                if problem.contains("never written") || problem.contains("older or newer") { return .wrongValue }
                return .hole
            }
            if problem.contains("integrity check") { return .corruption }
            if problem.contains("did not open") { return problem.contains("corruption") ? .corruption : .refused }
            return .failedAfterRecovery
        }
    }
}

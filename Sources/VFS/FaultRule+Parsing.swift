/// Why a fault-rule text was refused: the line (from 1), its text, and the problem.
public struct FaultRuleParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The line number, from 1.
    public var line: Int
    /// The offending line as written.
    public var text: String
    /// What is wrong with it.
    public var problem: String

    /// For example `fault rules, line 3: unknown action "eoi" in "write -> eoi"`.
    public var description: String { "fault rules, line \(line): \(problem) in \"\(text)\"" }
}

extension FaultRule {
    /// Parses rules in the textual form described on ``FaultRule``, one per line, in order.
    /// - Throws: ``FaultRuleParseError`` naming the first bad line and what is wrong with it.
    public static func parse(_ text: String) throws(FaultRuleParseError) -> [FaultRule] {
        var rules: [FaultRule] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard line.contains(where: { !$0.isWhitespace }) else { continue }
            do throws(RuleProblem) {
                rules.append(try parseRule(line))
            } catch {
                throw FaultRuleParseError(
                    line: number + 1, text: String(rawLine).trimmingWhitespace(), problem: error.message)
            }
        }
        return rules
    }

    private struct RuleProblem: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    private static func parseRule(_ line: Substring) throws(RuleProblem) -> FaultRule {
        let halves = line.split(separator: "->", omittingEmptySubsequences: false)
        guard halves.count == 2 else {
            throw RuleProblem(halves.count < 2 ? "missing \"-> action\"" : "more than one \"->\"")
        }
        let words = halves[0].split(whereSeparator: \.isWhitespace)
        let actionWords = halves[1].split(whereSeparator: \.isWhitespace)
        guard let first = words.first else { throw RuleProblem("missing operation before \"->\"") }
        guard let operation = Operation(rawValue: String(first)) else {
            let known = Operation.allCases.map(\.rawValue).joined(separator: ", ")
            throw RuleProblem("unknown operation \"\(first)\" (expected one of \(known))")
        }
        guard actionWords.count == 1, let action = Action(rawValue: String(actionWords[0])) else {
            let known = Action.allCases.map(\.rawValue).joined(separator: ", ")
            if actionWords.isEmpty { throw RuleProblem("missing action after \"->\" (one of \(known))") }
            throw RuleProblem("unknown action \"\(actionWords.joined(separator: " "))\" (expected one of \(known))")
        }
        var path: String?
        var bytesAbove: Int?
        var trigger: Trigger?
        for word in words.dropFirst() {
            if word.hasPrefix("bytes>") {
                guard bytesAbove == nil else { throw RuleProblem("bytes> given twice") }
                guard let n = Int(word.dropFirst("bytes>".count)) else {
                    throw RuleProblem("bytes> needs a whole number, got \"\(word)\"")
                }
                bytesAbove = n
                continue
            }
            guard let equals = word.firstIndex(of: "=") else {
                throw RuleProblem("unknown condition \"\(word)\" (expected path=, p=, nth=, after= or bytes>)")
            }
            let key = word[..<equals]
            let value = String(word[word.index(after: equals)...])
            switch key {
            case "path":
                guard path == nil else { throw RuleProblem("path= given twice") }
                guard !value.isEmpty else { throw RuleProblem("path= needs a pattern") }
                path = value
            case "p", "nth", "after":
                guard trigger == nil else { throw RuleProblem("more than one of p=, nth=, after=") }
                if key == "p" {
                    guard let p = Double(value) else { throw RuleProblem("p= needs a number, got \"\(value)\"") }
                    trigger = .probability(p)
                } else {
                    guard let k = Int(value) else {
                        throw RuleProblem("\(key)= needs a whole number, got \"\(value)\"")
                    }
                    trigger = key == "nth" ? .nth(k) : .after(k)
                }
            default:
                throw RuleProblem("unknown condition \"\(key)=\" (expected path=, p=, nth=, after= or bytes>)")
            }
        }
        let resolved = trigger ?? .always
        if let problem = problem(operation: operation, bytesAbove: bytesAbove, trigger: resolved, action: action) {
            throw RuleProblem(problem)
        }
        return FaultRule(operation, path: path ?? "*", bytesAbove: bytesAbove, trigger: resolved, action: action)
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

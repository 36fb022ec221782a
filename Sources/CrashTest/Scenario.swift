import LSMKV
import VFS

/// A crash-test scenario: a workload, how the worker process is crashed, which faults its disk injects, and
/// what the runner must find. Read from a `.scenario` file with ``parse(_:file:)``; the format is documented in
/// `FaultScenarios/README.md`.
public struct Scenario: Sendable {
    /// What verification must find for the scenario to pass.
    public enum Expectation: String, Sendable, Codable {
        /// Every recovered database is an allowed prefix of its history.
        case consistent
        /// Some cycle finds a violation: the scenario plants a lying disk and proves the tester notices.
        case violation
    }

    /// One way to crash the worker; each cycle draws one of the scenario's plans.
    public enum CrashPlan: Sendable, Equatable, CustomStringConvertible {
        /// The runner sends SIGKILL after a delay drawn from this range, in milliseconds.
        case kill(milliseconds: ClosedRange<Int>)
        /// The worker kills itself at the k-th hit of a crash point during its workload, k drawn from `hits`.
        case point(CrashPoint, hits: ClosedRange<Int>)
        /// The worker kills itself at the k-th hit of a crash point while opening (recovering) the database.
        case openPoint(CrashPoint, hits: ClosedRange<Int>)

        public var description: String {
            func range(_ r: ClosedRange<Int>) -> String {
                r.count == 1 ? "\(r.lowerBound)" : "\(r.lowerBound)..\(r.upperBound)"
            }
            switch self {
            case .kill(let ms): return "kill \(range(ms))ms"
            case .point(let point, let hits): return "point \(point.rawValue) k=\(range(hits))"
            case .openPoint(let point, let hits): return "open-point \(point.rawValue) k=\(range(hits))"
            }
        }
    }

    /// The scenario's name (also its file name without `.scenario`).
    public var name: String
    /// Which bug classes it attacks, in words.
    public var attacks: String
    /// The random workload's mix.
    public var mix: Workload.Mix
    /// Steps per worker run (the worker usually dies before the end).
    public var steps: Int
    /// The engine's MemTable size: small, so flushes happen often.
    public var writeBufferSize: Int
    /// The engine's compaction strategy (`compaction: tiered trigger=2`).
    public var compaction = CompactionStrategy.leveled
    /// Level-0 tables (runs, when tiered) that start a compaction.
    public var level0CompactionTrigger = 4
    /// `.processCrash` (the page cache survives the kill), `.powerLoss` (synced data survives; unsynced sectors and
    /// directory operations each survive or not) or `.strict` (exactly the synced data and entries survive).
    public var model: CrashModel
    /// The ways a cycle may crash; at least one.
    public var crashes: [CrashPlan]
    /// Fault rules applied to the worker's file system (never to verification).
    public var faults: [FaultRule]
    /// What an injected sync failure does to the file's unsynced data (``SyncFailureSemantics``; the Linux
    /// `pages-lost` by default). It matters under the power-loss and strict models, where the worker's file system
    /// is simulated; a real disk under `process-crash` decides for itself.
    public var syncFailure = SyncFailureSemantics.pagesLost
    /// Percentage of cycles whose crashed database gets one flipped bit in a log record with readable records after
    /// it: damage in the middle of the log, which recovery must report, never silently truncate. Under power loss
    /// and strict, in the first record of the newest log when it and the next are durable; under a process crash,
    /// in a seeded record of the newest log (``PowerLossImage/damageLog(inRealDirectory:seed:)``).
    public var logDamagePercent = 0
    /// Percentage of cycles after the first that start from an empty directory instead of the database the cycle
    /// before recovered: a new database's creation and first writes are crashed again, not only in cycle 0.
    public var freshPercent = 0
    /// The most cycles a run makes.
    public var cycles: Int
    /// What the run must find.
    public var expectation: Expectation
    /// The text the scenario was parsed from (kept in replay files).
    public var source: String

    /// The requirement the oracle checks after a crash of this scenario's model.
    public var requirement: CrashOracle.Requirement { CrashOracle.Requirement(after: model) }

    /// The engine settings this scenario describes (MemTable size and compaction); they make the options.
    public var engine: EngineSettings {
        EngineSettings(
            writeBufferSize: writeBufferSize, compaction: compaction, level0CompactionTrigger: level0CompactionTrigger)
    }
}

/// Why a scenario file was refused: the file, the line (from 1) and the problem.
public struct ScenarioParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name as given to the parser.
    public var file: String
    /// The line number, from 1 (0 when the problem is the file as a whole, such as a missing line).
    public var line: Int
    /// What is wrong.
    public var problem: String

    /// For example `torn.scenario:4: unknown crash point "wal-apend" (expected one of ...)`.
    public var description: String { "\(file):\(line): \(problem)" }
}

extension Scenario {
    /// Parses a scenario in the `.scenario` line format: `key: value` lines, `#` comments, blank lines ignored.
    /// - Parameter file: the name used in error messages.
    /// - Throws: ``ScenarioParseError`` naming the file, the first bad line and what is wrong with it.
    public static func parse(_ text: String, file: String) throws(ScenarioParseError) -> Scenario {
        var scenario = Scenario(
            name: "", attacks: "", mix: Workload.Mix(), steps: 2000, writeBufferSize: 16384, model: .processCrash,
            crashes: [], faults: [], cycles: 20, expectation: .consistent, source: text)
        var seen: Set<Key> = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = number + 1
            func fail(_ problem: String) -> ScenarioParseError {
                ScenarioParseError(file: file, line: lineNumber, problem: problem)
            }
            let trimmed = rawLine.trimmed
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let colon = trimmed.firstIndex(of: ":") else {
                throw fail("expected \"key: value\", got \"\(trimmed)\"")
            }
            let keyText = String(trimmed[..<colon]).trimmed
            let value = String(trimmed[trimmed.index(after: colon)...]).trimmed
            guard let key = Key(rawValue: keyText) else {
                throw fail("unknown key \"\(keyText)\" (expected \(Key.allNames))")
            }
            if !key.isRepeatable {
                if seen.contains(key) { throw fail("\"\(key):\" given twice") }
                seen.insert(key)
            }
            do throws(Problem) {
                switch key {
                case .name:
                    guard !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
                    else { throw Problem("a name is letters, digits, - and _, got \"\(value)\"") }
                    scenario.name = value
                case .attacks: scenario.attacks = value
                case .workload: try parseWorkload(value, into: &scenario)
                case .writeBuffer: scenario.writeBufferSize = try positive(value, "write-buffer")
                case .compaction: try parseCompaction(value, into: &scenario)
                case .cycles: scenario.cycles = try positive(value, "cycles")
                case .model:
                    guard let model = CrashModel(rawValue: value) else {
                        throw Problem("unknown model \"\(value)\" (expected process-crash, power-loss or strict)")
                    }
                    scenario.model = model
                case .crash: scenario.crashes.append(try parseCrash(value))
                case .faults:
                    do {
                        scenario.faults += try FaultRule.parse(value)
                    } catch {
                        throw Problem("bad fault rule: \(error.problem) in \"\(value)\"")
                    }
                case .logDamage:
                    guard let percent = Int(value), (0...100).contains(percent) else {
                        throw Problem("log-damage needs a percentage 0...100, got \"\(value)\"")
                    }
                    scenario.logDamagePercent = percent
                case .fresh:
                    guard let percent = Int(value), (0...100).contains(percent) else {
                        throw Problem("fresh needs a percentage 0...100, got \"\(value)\"")
                    }
                    scenario.freshPercent = percent
                case .syncFailure:
                    guard let semantics = SyncFailureSemantics(rawValue: value) else {
                        throw Problem("sync-failure must be pages-lost or retryable, got \"\(value)\"")
                    }
                    scenario.syncFailure = semantics
                case .expect:
                    let word = value.split(separator: " ").first.map(String.init) ?? ""
                    guard let expectation = Expectation(rawValue: word) else {
                        throw Problem("expect must start with \"consistent\" or \"violation\", got \"\(value)\"")
                    }
                    scenario.expectation = expectation
                }
            } catch {
                throw fail(error.message)
            }
        }
        for key in Key.allCases where key.isRequired {
            let given: Bool
            switch key {
            case .name: given = !scenario.name.isEmpty
            case .attacks: given = !scenario.attacks.isEmpty
            case .crash: given = !scenario.crashes.isEmpty
            default: given = seen.contains(key)
            }
            if !given { throw ScenarioParseError(file: file, line: 0, problem: "missing \"\(key):\" line") }
        }
        return scenario
    }

    struct Problem: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    private static func positive(_ text: String, _ what: String) throws(Problem) -> Int {
        guard let value = Int(text), value > 0 else {
            throw Problem("\(what) needs a positive whole number, got \"\(text)\"")
        }
        return value
    }

    /// `A..B` or `A`, both whole numbers, A <= B, A >= minimum, with an optional unit suffix on each bound.
    static func range(_ text: Substring, unit: String = "", minimum: Int = 0, _ what: String) throws(Problem)
        -> ClosedRange<Int>
    {
        let parts = text.split(separator: "..", omittingEmptySubsequences: false).map(String.init)
        func number(_ part: String) throws(Problem) -> Int {
            var digits = part
            if !unit.isEmpty, digits.hasSuffix(unit) { digits.removeLast(unit.count) }
            guard let value = Int(digits), value >= minimum else {
                throw Problem(
                    "\(what) needs whole numbers >= \(minimum)\(unit.isEmpty ? "" : " (in \(unit))"), got \"\(text)\"")
            }
            return value
        }
        guard parts.count <= 2 else { throw Problem("\(what): \"\(text)\" is not a range like 1..50") }
        let low = try number(parts[0])
        let high = parts.count == 2 ? try number(parts[1]) : low
        guard low <= high else { throw Problem("\(what): range \"\(text)\" is empty (the first bound is larger)") }
        return low...high
    }

    /// `leveled` or `tiered`, then optionally `trigger=N` (level-0 tables that start a compaction).
    private static func parseCompaction(_ value: String, into scenario: inout Scenario) throws(Problem) {
        let words = value.split(separator: " ")
        guard let first = words.first, let strategy = CompactionStrategy(rawValue: String(first)) else {
            throw Problem("compaction must start with leveled or tiered, got \"\(value)\"")
        }
        scenario.compaction = strategy
        for word in words.dropFirst() {
            guard word.hasPrefix("trigger=") else {
                throw Problem("unknown compaction setting \"\(word)\" (expected trigger=N)")
            }
            scenario.level0CompactionTrigger = try positive(String(word.dropFirst("trigger=".count)), "trigger=")
        }
    }

    private static func parseWorkload(_ value: String, into scenario: inout Scenario) throws(Problem) {
        var mix = Workload.Mix()
        for word in value.split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else {
                throw Problem("workload settings are key=value, got \"\(word)\"")
            }
            let key = String(word[..<equals])
            let text = word[word.index(after: equals)...]
            func percent() throws(Problem) -> Int {
                guard let p = Int(text), (0...100).contains(p) else {
                    throw Problem("workload \(key)= needs a percentage 0...100, got \"\(text)\"")
                }
                return p
            }
            switch key {
            case "keys": mix.keySpace = try positive(String(text), "workload keys=")
            case "values": mix.valueSizes = try range(text, "workload values=")
            case "steps": scenario.steps = try positive(String(text), "workload steps=")
            case "put": mix.putPercent = try percent()
            case "delete": mix.deletePercent = try percent()
            case "batch": mix.batchPercent = try percent()
            case "flush": mix.flushPercent = try percent()
            case "sync": mix.syncPercent = try percent()
            case "writers":
                mix.writers = try positive(String(text), "workload writers=")
                guard mix.writers <= 16 else { throw Problem("workload writers= is at most 16, got \(text)") }
            default:
                throw Problem(
                    "unknown workload setting \"\(key)\" (expected keys, values, steps, put, delete, batch, flush, sync, writers)"
                )
            }
        }
        let total = mix.putPercent + mix.deletePercent + mix.batchPercent + mix.flushPercent
        guard total <= 100 else {
            throw Problem("workload put+delete+batch+flush is \(total)%, more than 100% (the rest are reopens)")
        }
        scenario.mix = mix
    }

    private static func parseCrash(_ value: String) throws(Problem) -> CrashPlan {
        let words = value.split(separator: " ")
        guard let kind = words.first else { throw Problem("crash needs a kind: kill, point or open-point") }
        switch kind {
        case "kill":
            guard words.count == 2 else { throw Problem("expected \"crash: kill 2ms..40ms\", got \"\(value)\"") }
            return .kill(milliseconds: try range(words[1], unit: "ms", "crash: kill"))
        case "point", "open-point":
            guard words.count == 3, words[2].hasPrefix("k=") else {
                throw Problem("expected \"crash: \(kind) NAME k=1..50\", got \"\(value)\"")
            }
            guard let point = CrashPoint(rawValue: String(words[1])) else {
                let known = CrashPoint.allCases.map(\.rawValue).joined(separator: ", ")
                throw Problem("unknown crash point \"\(words[1])\" (expected one of \(known))")
            }
            let hits = try range(words[2].dropFirst(2), minimum: 1, "crash: \(kind) k=")
            return kind == "point" ? .point(point, hits: hits) : .openPoint(point, hits: hits)
        default:
            throw Problem("unknown crash kind \"\(kind)\" (expected kill, point or open-point)")
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace.
    var trimmed: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

import CrashTest
import Foundation
import VFS

/// The `explore` and `ablate` commands.
enum ExploreRunner {
    static func configuration(_ options: CrashTestCommand.ExploreOptions) -> Explorer.Configuration {
        var configuration = Explorer.Configuration(model: options.model)
        configuration.workloadLength = options.steps
        configuration.crashPoints = options.crashPoints
        configuration.ledger = options.ledger
        if options.exhaustive { configuration.exhaustiveLimit = 1 << 16 }
        return configuration
    }

    static func deadline(_ seconds: Double?) -> ContinuousClock.Instant? {
        seconds.map { ContinuousClock.now + .nanoseconds(Int64($0 * 1e9)) }
    }

    /// The JSON of `crashtest explore`: the totals over the models, then each model's report.
    struct ExploreSummary: Encodable {
        var seed: UInt64
        var statesVerified: Int
        var statesPerSecond: Double
        var crashPoints: Int
        var exhaustiveCrashPoints: Int
        var sampledCrashPoints: Int
        var violations: [Explorer.Violation]
        var models: [Explorer.Report]
    }

    /// `crashtest explore`.
    static func explore(_ options: CrashTestCommand.ExploreOptions) -> Int32 {
        if let path = options.replay { return replay(path) }
        let seed = options.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        print(
            "crashtest explore: model \(options.models.map(\.rawValue).joined(separator: ", ")), "
                + "\(options.steps) steps per workload, seed \(seed)"
                + (options.duration.map { ", about \(Int($0)) s" } ?? ""))
        let terminal = ProcessControl.standardOutputIsTerminal
        let started = ContinuousClock.now
        var reports: [Explorer.Report] = []
        for (position, model) in options.models.enumerated() {
            var configuration = configuration(options)
            configuration.model = model
            let share = options.duration.map { total -> Double in
                let used = Explorer.Report.seconds(ContinuousClock.now - started)
                return max(total - used, 0) / Double(options.models.count - position)
            }
            let report = Explorer(configuration).explore(
                from: seed, workloads: options.duration == nil ? options.workloads ?? 1 : nil,
                deadline: deadline(share), threads: options.threads
            ) { progress in
                guard terminal else { return }
                print("\r\u{1B}[K\(model): " + progressLine(progress), terminator: "")
                ProcessControl.flushStandardOutput()
            }
            if terminal { print("\r\u{1B}[K", terminator: "") }
            reports.append(report)
        }
        print(table(reports))
        print("\n" + outcomeTable(reports))
        let violations = reports.flatMap(\.violations)
        for violation in violations.prefix(5) { print("\nVIOLATION \(violation)") }
        if let first = violations.first, first.check != .workload {
            var configuration = configuration(options)
            configuration.model = first.model
            let explorer = Explorer(configuration)
            var failure = Explorer.Failure(first, workload: explorer.workload(seed: first.seed), explorer: explorer)
            print("\nshrinking the workload of seed \(first.seed) (up to 30 s)...")
            if let (workload, violation) = explorer.shrink(
                failure.workload, seed: first.seed, check: first.check, deadline: ContinuousClock.now + .seconds(30))
            {
                failure.shrunk = workload
                failure.shrunkViolation = violation
                print("shrunk to \(workload.steps.count) steps: \(violation)")
                for step in workload.steps { print("  \(step)") }
            }
            keep(failure, in: options.keepFailures)
        }
        if let json = options.json {
            let seconds = Explorer.Report.seconds(ContinuousClock.now - started)
            let states = reports.map(\.statesVerified).reduce(0, +)
            let summary = ExploreSummary(
                seed: seed, statesVerified: states, statesPerSecond: Double(states) / max(seconds, 1e-9),
                crashPoints: reports.map(\.crashPoints).reduce(0, +),
                exhaustiveCrashPoints: reports.map(\.exhaustiveCrashPoints).reduce(0, +),
                sampledCrashPoints: reports.map(\.sampledCrashPoints).reduce(0, +), violations: violations,
                models: reports)
            if !write(summary, to: json) { return 1 }
        }
        return violations.isEmpty ? 0 : 1
    }

    /// Writes `failure` under `directory` and prints the replay command.
    static func keep(_ failure: Explorer.Failure, in directory: String) {
        let path =
            URL(fileURLWithPath: directory).standardizedFileURL.path
            + "/explore-\(failure.model.rawValue)-seed\(failure.seed)-op\(failure.violation.operationIndex).json"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard write(failure, to: path) else { return }
        // A planted bug comes from the environment: the replay needs it too.
        let planted = ProcessInfo.processInfo.environment["LSMKV_PLANTED_BUG"].map { "LSMKV_PLANTED_BUG=\($0) " } ?? ""
        print("\nkept in \(path)\nreplay: \(planted)crashtest explore --replay \(path)")
    }

    /// `crashtest explore --replay FILE`: reruns the kept state and the shrunk workload.
    static func replay(_ path: String) -> Int32 {
        let failure: Explorer.Failure
        do {
            failure = try JSONDecoder().decode(
                Explorer.Failure.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            printError("error: cannot read the explore replay file \(path): \(error.localizedDescription)")
            return 64
        }
        print("replaying seed \(failure.seed), \(failure.workload.steps.count) steps, \(failure.model)")
        print("originally: \(failure.violation)")
        guard let again = failure.rerun() else {
            print("no violation at that state this time")
            return 0
        }
        print("reproduced: \(again)")
        if let shrunk = failure.shrunk {
            print(
                "shrunk workload (\(shrunk.steps.count) steps): "
                    + (failure.rerunShrunk().map { "reproduced: \($0)" } ?? "no longer fails"))
        }
        return 1
    }

    /// Checked states per outcome class (rows) and model (columns).
    static func outcomeTable(_ reports: [Explorer.Report]) -> String {
        var rows = [["outcome"] + reports.map(\.model.rawValue)]
        for outcome in Explorer.Outcome.allCases {
            rows.append([outcome.rawValue] + reports.map { "\($0.outcomes[outcome.rawValue] ?? 0)" })
        }
        return format(rows)
    }

    /// One line of running totals.
    static func progressLine(_ report: Explorer.Report) -> String {
        "\(report.workloads) workloads, \(report.crashPoints) crash points, \(report.statesVerified) states, "
            + "\(Int(report.statesPerSecond)) states/s, \(report.violations.count) violations"
    }

    /// The summary table of `reports`, one row each.
    static func table(_ reports: [Explorer.Report]) -> String {
        let header = [
            "model", "workloads", "operations", "crash points", "exhaustive", "sampled", "states", "recovered",
            "nested", "ledger", "violations", "states/s",
        ]
        var rows = [header]
        for report in reports {
            rows.append(
                [
                    report.model.rawValue, "\(report.workloads)", "\(report.operations)", "\(report.crashPoints)",
                    "\(report.exhaustiveCrashPoints)", "\(report.sampledCrashPoints)", "\(report.statesVerified)",
                    "\(report.recoveries)", "\(report.nestedCrashes)", "\(report.ledgerChecks)",
                    "\(report.violations.count)", "\(Int(report.statesPerSecond))",
                ])
        }
        return format(rows)
    }

    /// Left-aligned columns separated by two spaces.
    static func format(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    static func write<T: Encodable>(_ value: T, to path: String) -> Bool {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(value).write(to: URL(fileURLWithPath: path))
            return true
        } catch {
            printError("error: cannot write \(path): \(error.localizedDescription)")
            return false
        }
    }

    /// What removing one sync site did.
    struct Removal: Encodable {
        var site: String
        /// The first violation the durability ledger found, if any.
        var ledger: Explorer.Violation?
        /// The first violation the crash states (recovery or oracle) found, if any.
        var crashStates: Explorer.Violation?
        var caught: Bool { ledger != nil || crashStates != nil }
        var caughtBy: [String] {
            [ledger.map { _ in "ledger" }, crashStates.map(\.check.rawValue)].compactMap { $0 }
        }

        enum CodingKeys: String, CodingKey { case site, ledger, crashStates, caughtBy }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(site, forKey: .site)
            try container.encodeIfPresent(ledger, forKey: .ledger)
            try container.encodeIfPresent(crashStates, forKey: .crashStates)
            try container.encode(caughtBy, forKey: .caughtBy)
        }
    }

    /// `crashtest ablate`: each sync site the workloads sync at is removed in turn, then the ledger alone and the
    /// crash states alone look for the consequences.
    static func ablate(_ options: CrashTestCommand.ExploreOptions) -> Int32 {
        let seed = options.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        let base = configuration(options)
        let workloads = options.duration == nil ? options.workloads ?? 3 : nil
        var sites = Set<SyncSite>()
        for offset in 0..<UInt64(workloads ?? 3) { sites.formUnion(Explorer(base).syncSites(seed: seed &+ offset)) }
        let ordered = sites.sorted { $0.description < $1.description }
        print(
            "crashtest ablate: model \(options.model), \(ordered.count) sync sites, seed \(seed), "
                + (workloads.map { "\($0) workloads per site and check" } ?? "about \(Int(options.duration!)) s"))
        var removals: [Removal] = []
        let started = ContinuousClock.now
        for (position, site) in ordered.enumerated() {
            var removal = Removal(site: site.description)
            // Two budgets per site: the ledger alone, then the crash states alone.
            let share = options.duration.map { total -> Double in
                let used = Explorer.Report.seconds(ContinuousClock.now - started)
                return max(total - used, 0) / Double(2 * (ordered.count - position))
            }
            func firstViolation(ledger: Bool) -> Explorer.Violation? {
                var configuration = base
                configuration.removedSyncs = [site]
                configuration.ledger = ledger
                configuration.exploresCrashStates = !ledger
                return Explorer(configuration).explore(
                    from: seed, workloads: workloads, deadline: deadline(share), threads: options.threads
                ).violations.first
            }
            removal.ledger = firstViolation(ledger: true)
            removal.crashStates = firstViolation(ledger: false)
            print(
                "  \(site): "
                    + (removal.caught ? "caught by " + removal.caughtBy.joined(separator: ", ") : "NOT caught"))
            removals.append(removal)
        }
        var rows = [["removed sync", "ledger", "crash states", "first finding"]]
        for removal in removals {
            let first = removal.ledger ?? removal.crashStates
            rows.append(
                [
                    removal.site, removal.ledger == nil ? "-" : "caught",
                    removal.crashStates.map { "caught (\($0.check.rawValue))" } ?? "-",
                    first.map { "seed \($0.seed) op \($0.operationIndex): " + String($0.detail.prefix(90)) }
                        ?? "never caught",
                ])
        }
        print("\n" + format(rows))
        let caught = removals.filter(\.caught).count
        print("\nscore: \(caught) / \(removals.count) removed syncs caught; seed \(seed)")
        if let json = options.json, !write(removals, to: json) { return 1 }
        return 0
    }
}

extension Explorer.Report {
    /// Seconds in a `Duration`.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

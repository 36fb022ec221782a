/// The runner's output: the progress line, the summary table and the exit status.
public enum CampaignReport {
    /// One line of progress for `result`.
    public static func progressLine(_ result: ScenarioResult) -> String {
        "\(result.scenario): cycle \(result.cycles), \(result.crashes) crashes, \(result.recoveriesVerified) verified, "
            + "\(result.violations.count) violations, \(String(format1(result.seconds)))s"
    }

    /// The summary table: one row per scenario, then a total.
    public static func table(_ results: [ScenarioResult]) -> String {
        let header = [
            "scenario", "cycles", "crashes", "in recovery", "verified", "acked writes", "violations", "time", "result",
        ]
        var rows: [[String]] = results.map { r in
            [
                r.scenario, "\(r.cycles)", "\(r.crashes)", "\(r.crashesDuringRecovery)", "\(r.recoveriesVerified)",
                "\(r.acknowledgedWritesChecked)",
                "\(r.violations.count)" + (r.expectation == .violation ? " (expected)" : ""),
                format1(r.seconds) + "s", r.passed ? "ok" : "FAIL",
            ]
        }
        let total = [
            "total", "\(results.map(\.cycles).reduce(0, +))", "\(results.map(\.crashes).reduce(0, +))",
            "\(results.map(\.crashesDuringRecovery).reduce(0, +))", "\(results.map(\.recoveriesVerified).reduce(0, +))",
            "\(results.map(\.acknowledgedWritesChecked).reduce(0, +))",
            "\(results.map(\.violations.count).reduce(0, +))", format1(results.map(\.seconds).reduce(0, +)) + "s",
            results.allSatisfy(\.passed) ? "ok" : "FAIL",
        ]
        rows.append(total)
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func render(_ row: [String]) -> String {
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([render(header), rule] + rows.dropLast().map(render) + [rule, render(total)]).joined(separator: "\n")
    }

    /// The violations, each with the place its evidence was kept.
    public static func violations(_ results: [ScenarioResult]) -> String {
        var lines: [String] = []
        for result in results {
            for violation in result.violations {
                let expected = result.expectation == .violation ? " (expected by the scenario)" : ""
                lines.append(
                    "\(result.scenario) cycle \(violation.cycle) [\(violation.crash)]\(expected): \(violation.message)")
                if let kept = violation.keptAt {
                    lines.append("    kept in \(kept); replay: crashtest replay \(kept)/replay.json")
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    static func format1(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

/// The workloads `lsmkv bench` runs: db_bench's names, one case each. The bench's flag parser, its runner,
/// `lsmkv --help`, `lsmkv bench --help` and `lsmkv bench --list` (which `Scripts/compare-peers.sh` reads) all come
/// from this one list; `Scripts/peers/peer_bench.c` implements the same names for the peer engines.
///
/// Cases are declared in the order compare-peers runs them: the fills first, then the reads and deletes, which use
/// the database the fills left, then the disk probe.
enum BenchWorkload: String, CaseIterable, Sendable {
    case fillsync
    case fillrandom
    case fillbatch
    case fillseq
    case overwrite
    case readrandom
    case readmissing
    case readseq
    case readreverse
    case seekrandom
    case readwhilewriting
    case deleterandom
    case fsync

    /// What `--benchmarks` runs when it is not given, in db_bench's default order.
    static let defaults: [BenchWorkload] = [
        .fillseq, .fillrandom, .overwrite, .readrandom, .readmissing, .readseq, .seekrandom, .deleterandom,
        .fillsync, .fillbatch,
    ]

    /// One line for a person: what the workload does, with N standing for `--num`.
    var summary: String {
        switch self {
        case .fillseq: return "N writes in key order into a fresh database"
        case .fillrandom: return "N writes in random key order into a fresh database"
        case .overwrite: return "N writes in random key order into the existing database"
        case .fillsync: return "N/100 random writes, each synced, into a fresh database"
        case .fillbatch: return "N sequential writes in batches of 1000 into a fresh database"
        case .readrandom: return "N gets of random keys in [0, N) (existing after fillseq)"
        case .readmissing: return "N gets of keys that are never present"
        case .readseq: return "one iterator, N next(_:) calls (entries read in place)"
        case .readreverse: return "one reverse iterator (makeReverseIterator), N next(_:) calls"
        case .seekrandom: return "N times: makeIterator(from: random key), one next(_:)"
        case .deleterandom: return "N deletes of random keys"
        case .readwhilewriting:
            return "--threads readers each get N random keys in [0, N) while one more thread overwrites random "
                + "keys until they finish; only the reads count (db_bench's semantics)"
        case .fsync:
            return "max(N/100, 100) times: append 4 KiB to a file and fdatasync it (the disk's synced-append "
                + "rate, the ceiling for fillsync)"
        }
    }

    /// Whether the workload writes user data (its bytes count towards the write amplification).
    var writesUserData: Bool {
        switch self {
        case .fillseq, .fillrandom, .overwrite, .fillsync, .fillbatch, .deleterandom: return true
        case .readrandom, .readmissing, .readseq, .readreverse, .seekrandom, .readwhilewriting, .fsync: return false
        }
    }

    /// Every workload's name with its summary, one per entry, wrapped to `width` columns after `indent` spaces.
    static func table(indent: Int, width: Int = 118) -> String {
        let nameWidth = allCases.map(\.rawValue.count).max() ?? 0
        return allCases.map { workload in
            let lead =
                String(repeating: " ", count: indent)
                + workload.rawValue.padding(toLength: nameWidth + 1, withPad: " ", startingAt: 0)
            return wrap(workload.summary, first: lead, continuation: indent + nameWidth + 1, width: width)
        }.joined(separator: "\n")
    }

    /// `text` word-wrapped to `width` columns: the first line after `first`, the others after `continuation` spaces.
    static func wrap(_ text: String, first: String, continuation: Int, width: Int = 118) -> String {
        var lines: [String] = []
        var line = first
        var lineHasWords = false
        for word in text.split(separator: " ") {
            if lineHasWords && line.count + 1 + word.count > width {
                lines.append(line)
                line = String(repeating: " ", count: continuation)
                lineHasWords = false
            }
            line += (lineHasWords ? " " : "") + word
            lineHasWords = true
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    /// `lsmkv bench --list`: one name per line, or with `json` one JSON array of `{"name", "summary", "default"}`
    /// objects (`default`: whether a bench without `--benchmarks` runs it).
    static func list(json: Bool) -> String {
        guard json else { return allCases.map(\.rawValue).joined(separator: "\n") }
        let objects = allCases.map { workload in
            "{\"name\":\"\(workload.rawValue)\",\"summary\":\"\(workload.summary)\","
                + "\"default\":\(defaults.contains(workload))}"
        }
        return "[" + objects.joined(separator: ",\n ") + "]"
    }
}

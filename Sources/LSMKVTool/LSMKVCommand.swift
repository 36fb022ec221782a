import Foundation
import LSMKV

/// `lsmkv`: the database command-line tool. Exit codes: 0 ok, 1 not found or failure, 64 usage error.
enum LSMKVCommand {
    static let usage = """
        OVERVIEW: Read and write an LSMKV database (LevelDB's on-disk format).

        USAGE: lsmkv [--db DIR] [--hex] COMMAND [ARGUMENTS]

        COMMANDS:
          put KEY VALUE          Set KEY to VALUE (synced before it returns).
          get KEY                Print the value of KEY; exit 1 when it is absent.
          delete KEY             Delete KEY (not an error when absent).
          scan [--from K] [--to K] [--limit N]
                                 Print KEY<TAB>VALUE lines in key order, from K (inclusive) to K (exclusive).
          load                   Read KEY<TAB>VALUE lines from stdin and write them in batches;
                                 a line "-KEY" deletes KEY.
          flush                  Write the MemTable to a level-0 table.
          compact [--from K] [--to K]
                                 Compact the tables holding keys K through K (inclusive; default all) and
                                 print the tree before and after.
          stats [--space]        Print files and bytes per level and bytes on disk; --space also scans the
                                 live data and prints the space amplification.
          verify [--json]        Check every file of the database read-only; exit 1 when damaged.
          dump FILE              Decode a .log, .ldb/.sst or MANIFEST-* file (--hex forces hex).
          repair                 Rebuild a damaged database from its tables and logs (LevelDB's RepairDB): keep
                                 every readable entry, write a new MANIFEST and CURRENT, move damaged and
                                 replaced files into DIR/lost/ (nothing is deleted); print what was recovered
                                 and lost, then verify and open the result. Exit 0 when it opens and verifies.
          bench [--benchmarks=LIST] [--num=N] [--value_size=BYTES] [--sync] [--json]
        \(BenchWorkload.wrap(
            "db_bench's workloads (" + BenchWorkload.allCases.map(\.rawValue).joined(separator: ", ")
                + "); release builds only. `lsmkv bench --help` describes them, `lsmkv bench --list` prints "
                + "their names. Without --db it uses a scratch directory; it only ever deletes a directory that an "
                + "earlier bench created.",
            first: String(repeating: " ", count: 33), continuation: 33))

        OPTIONS:
          --db DIR               The database directory (default ./.lsm_data). May come before or after COMMAND.
          --hex                  Keys and values are given and printed as hexadecimal.
          --no-sync              Do not sync writes (faster; a power loss may lose the last writes).
          --compaction STRATEGY  leveled (default) or tiered. Either can open a database the other wrote.
          --log-recovery MODE    What opening does with a log damaged where no crash can damage it (in synced
                                 records, or in the middle): fail (default: exit 1 naming the log and offset),
                                 salvage (keep the records before the damage) or salvage-all (keep every
                                 readable record); what was lost is printed to stderr.
          -h, --help             Show help (also after a command).

        ENVIRONMENT:
          LSMKV_WRITE_BUFFER_SIZE  MemTable size in bytes (default 4194304).
          LSMKV_TARGET_FILE_SIZE   Size of compaction output tables in bytes (default 2097152).
          LSMKV_LEVEL0_COMPACTION_TRIGGER
                                   Level-0 tables that start a compaction (default 4; writes slow down at
                                   twice and stop at three times as many).
          LSMKV_COMPACTION         Compaction strategy when --compaction is not given.
        """

    struct UsageError: Error { var message: String }

    struct Invocation {
        var directory = "./.lsm_data"
        /// Whether `--db` was given (bench uses a scratch directory of its own otherwise).
        var directoryGiven = false
        var hex = false
        var sync = true
        var compaction: CompactionStrategy?
        var logRecovery = LogRecoveryMode.failOnDamage
        var command: String?
        var arguments: [String] = []
        var help = false

        /// Whether the command's own arguments hold `flag`, the only one the command takes.
        /// - Throws: ``UsageError`` with `usage` when any other argument is there.
        func hasOnlyFlag(_ flag: String, usage: String) throws -> Bool {
            var found = false
            for argument in arguments {
                guard argument == flag else { throw UsageError(message: usage) }
                found = true
            }
            return found
        }
    }

    static func parse(_ arguments: [String]) throws -> Invocation {
        var invocation = Invocation()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--db":
                guard index + 1 < arguments.count else { throw UsageError(message: "--db needs a directory") }
                invocation.directory = arguments[index + 1]
                invocation.directoryGiven = true
                index += 1
            case "--compaction":
                guard index + 1 < arguments.count else { throw UsageError(message: "--compaction needs a strategy") }
                invocation.compaction = try strategy(arguments[index + 1])
                index += 1
            case "--log-recovery":
                guard index + 1 < arguments.count else { throw UsageError(message: "--log-recovery needs a mode") }
                invocation.logRecovery = try logRecoveryMode(arguments[index + 1])
                index += 1
            case "--hex": invocation.hex = true
            case "--no-sync": invocation.sync = false
            case "-h", "--help": invocation.help = true
            default:
                if argument.hasPrefix("--log-recovery=") {
                    invocation.logRecovery = try logRecoveryMode(String(argument.dropFirst("--log-recovery=".count)))
                } else if argument.hasPrefix("--compaction=") {
                    invocation.compaction = try strategy(String(argument.dropFirst("--compaction=".count)))
                } else if argument.hasPrefix("--db=") {
                    invocation.directory = String(argument.dropFirst(5))
                    invocation.directoryGiven = true
                } else if invocation.command == nil && !argument.hasPrefix("-") {
                    invocation.command = argument
                } else {
                    invocation.arguments.append(argument)
                }
            }
            index += 1
        }
        return invocation
    }

    static func main(_ arguments: [String]) -> Int32 {
        let invocation: Invocation
        do {
            invocation = try parse(arguments)
        } catch let error as UsageError {
            return usageError(error.message)
        } catch {
            return usageError("\(error)")
        }
        if invocation.help {
            print(invocation.command == "bench" ? BenchCommand.usage : usage)
            return 0
        }
        guard let command = invocation.command else { return usageError("missing command") }
        do {
            return try run(command, invocation)
        } catch let error as UsageError {
            return usageError(error.message)
        } catch {
            FileHandle.standardError.write(Data("lsmkv: \(error)\n".utf8))
            return 1
        }
    }

    static func usageError(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("lsmkv: \(message)\n\n\(usage)\n".utf8))
        return 64
    }

    /// The positive integer in environment variable `name`, or nil when it is not set.
    static func positiveEnvironment(_ name: String) throws -> Int? {
        guard let text = ProcessInfo.processInfo.environment[name] else { return nil }
        guard let value = Int(text), value > 0 else {
            throw UsageError(message: "\(name) must be a positive number")
        }
        return value
    }

    static func strategy(_ name: String) throws -> CompactionStrategy {
        guard let strategy = CompactionStrategy(rawValue: name) else {
            throw UsageError(message: "unknown compaction strategy '\(name)' (leveled or tiered)")
        }
        return strategy
    }

    static func logRecoveryMode(_ name: String) throws -> LogRecoveryMode {
        guard let mode = LogRecoveryMode(rawValue: name) else {
            throw UsageError(message: "unknown log recovery mode '\(name)' (fail, salvage or salvage-all)")
        }
        return mode
    }

    /// The strategy from `--compaction`, else `LSMKV_COMPACTION`, else the default.
    static func compactionStrategy(_ invocation: Invocation) throws -> CompactionStrategy {
        if let strategy = invocation.compaction { return strategy }
        if let name = ProcessInfo.processInfo.environment["LSMKV_COMPACTION"] { return try strategy(name) }
        return Options().compactionStrategy
    }

    static func openDatabase(_ invocation: Invocation) throws -> Database {
        var options = Options()
        options.syncWrites = invocation.sync
        options.compactionStrategy = try compactionStrategy(invocation)
        if let size = try positiveEnvironment("LSMKV_WRITE_BUFFER_SIZE") { options.writeBufferSize = size }
        if let size = try positiveEnvironment("LSMKV_TARGET_FILE_SIZE") { options.targetFileSize = size }
        if let trigger = try positiveEnvironment("LSMKV_LEVEL0_COMPACTION_TRIGGER") {
            options.level0CompactionTrigger = trigger
            // Writes slow down and stop at the same multiples of the trigger as by default (8 and 12 for 4).
            options.level0SlowdownTrigger = 2 * trigger
            options.level0StopTrigger = 3 * trigger
        }
        options.logRecovery = invocation.logRecovery
        let db = try Database(path: invocation.directory, options: options)
        for region in db.recoveryReport.droppedRegions where !region.isTornTail {
            FileHandle.standardError.write(Data("lsmkv: recovery salvaged past damage: \(region)\n".utf8))
        }
        return db
    }

    static func run(_ command: String, _ invocation: Invocation) throws -> Int32 {
        let codec = ByteCodec(hex: invocation.hex)
        let args = invocation.arguments
        switch command {
        case "put":
            guard args.count == 2 else { throw UsageError(message: "put takes KEY VALUE") }
            let db = try openDatabase(invocation)
            try db.put(try codec.decode(args[0]), try codec.decode(args[1]))
            try db.close()
        case "get":
            guard args.count == 1 else { throw UsageError(message: "get takes KEY") }
            let db = try openDatabase(invocation)
            defer { try? db.close() }
            guard let value = try db.get(try codec.decode(args[0])) else {
                FileHandle.standardError.write(Data("lsmkv: not found\n".utf8))
                return 1
            }
            print(codec.encode(value))
        case "delete":
            guard args.count == 1 else { throw UsageError(message: "delete takes KEY") }
            let db = try openDatabase(invocation)
            try db.delete(try codec.decode(args[0]))
            try db.close()
        case "scan":
            return try scan(invocation, codec)
        case "load":
            guard args.isEmpty else { throw UsageError(message: "load reads its input from stdin") }
            return try load(invocation, codec)
        case "bench": return try BenchCommand.run(invocation)
        case "flush":
            let db = try openDatabase(invocation)
            try db.flush()
            try db.close()
        case "verify": return try VerifyCommand.run(invocation)
        case "stats": return try StatsCommand.run(invocation)
        case "compact": return try CompactCommand.run(invocation, codec)
        case "dump": return try DumpCommand.run(invocation)
        case "repair": return try RepairCommand.run(invocation)
        default:
            throw UsageError(message: "unknown command '\(command)'")
        }
        return 0
    }

    static func scan(_ invocation: Invocation, _ codec: ByteCodec) throws -> Int32 {
        var from: [UInt8]?
        var to: [UInt8]?
        var limit = Int.max
        var index = 0
        let args = invocation.arguments
        while index < args.count {
            guard index + 1 < args.count else { throw UsageError(message: "\(args[index]) needs a value") }
            let value = args[index + 1]
            switch args[index] {
            case "--from": from = try codec.decode(value)
            case "--to": to = try codec.decode(value)
            case "--limit":
                guard let n = Int(value), n >= 0 else { throw UsageError(message: "--limit takes a number") }
                limit = n
            default: throw UsageError(message: "unknown scan option \(args[index])")
            }
            index += 2
        }
        let db = try openDatabase(invocation)
        defer { try? db.close() }
        let iterator = try db.makeIterator(from: from, to: to)
        var output = OutputBuffer()
        var count = 0
        while count < limit, let (key, value) = try iterator.next() {
            output.write(codec.encode(key) + "\t" + codec.encode(value) + "\n")
            count += 1
        }
        output.flush()
        return 0
    }

    static func load(_ invocation: Invocation, _ codec: ByteCodec) throws -> Int32 {
        let db = try openDatabase(invocation)
        var batch = WriteBatch()
        var lineNumber = 0
        var loaded = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.isEmpty { continue }
            if line.hasPrefix("-") && !line.contains("\t") {
                batch.delete(try codec.decode(String(line.dropFirst()), line: lineNumber))
            } else {
                guard let tab = line.firstIndex(of: "\t") else {
                    throw UsageError(message: "stdin line \(lineNumber): expected KEY<TAB>VALUE or -KEY")
                }
                batch.put(
                    try codec.decode(String(line[..<tab]), line: lineNumber),
                    try codec.decode(String(line[line.index(after: tab)...]), line: lineNumber))
            }
            loaded += 1
            if batch.byteSize >= 64 * 1024 {
                try db.write(batch)
                batch.clear()
            }
        }
        try db.write(batch)
        try db.close()
        FileHandle.standardError.write(Data("lsmkv: loaded \(loaded) operations\n".utf8))
        return 0
    }
}

/// Turns command-line text into key and value bytes and back: UTF-8, or hexadecimal with `--hex`.
struct ByteCodec {
    var hex: Bool

    func decode(_ text: String, line: Int? = nil) throws -> [UInt8] {
        guard hex else { return Array(text.utf8) }
        guard let bytes = Hex.decode(text) else {
            throw LSMKVCommand.UsageError(message: "\(line.map { "stdin line \($0): " } ?? "")invalid hex '\(text)'")
        }
        return bytes
    }

    func encode(_ bytes: [UInt8]) -> String {
        hex ? Hex.encode(bytes) : String(decoding: bytes, as: UTF8.self)
    }
}

/// Buffers standard output so a large scan is not one write per line.
struct OutputBuffer {
    private var buffer: [UInt8] = []

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

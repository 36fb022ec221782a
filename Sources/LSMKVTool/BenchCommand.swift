import Foundation
import LSMKV
import Synchronization
import VFS

/// `lsmkv bench`: LevelDB's `db_bench` workloads against LSMKV, with the same names, key format and output lines.
///
/// Keys are db_bench's 16-byte zero-padded decimals (`%016d`); values are `value_size` deterministic bytes
/// (`'a' + (k + i) % 26`, the same pattern `Scripts/peers/peer_bench.c` writes for LevelDB, RocksDB and SQLite).
/// Random keys come from a SplitMix64 generator seeded with 301 (db_bench's seed), also shared with the C harness.
///
/// Bytes written are the process's `wchar` from `/proc/self/io` (every byte passed to `write`/`pwrite`, so log,
/// table and MANIFEST bytes; not the device's view of them), with the directory size growth printed beside it.
/// Mapped logs (the default) are counted through the zeros written ahead of their records, the same number of
/// bytes rounded up to the next MiB.
enum BenchCommand {
    /// `lsmkv bench --help`; the workloads and the default list come from ``BenchWorkload``.
    static let usage = """
        USAGE: lsmkv bench [--db DIR] [--benchmarks=LIST] [--num=N] [--value_size=BYTES] [--reads=N]
                           [--threads=T] [--sync] [--mmap_read] [--mmap_write]
                           [--compaction_niceness=N]
                           [--use_existing_db] [--json]
               lsmkv bench --list [--json]

        \(BenchWorkload.wrap(
            "Comma-separated, run in order (default "
                + BenchWorkload.defaults.map(\.rawValue).joined(separator: ", ") + "):",
            first: "  --benchmarks=LIST      ", continuation: 25))
        \(BenchWorkload.table(indent: 27))
          --list                 Print the workload names, one per line (with --json: a JSON array of objects
                                 with name, summary and default); works in debug builds too.
          --num=N                Operations per benchmark (default 1000000).
          --reads=N              Operations for the read benchmarks (default --num).
          --value_size=BYTES     Value size (default 100).
          --threads=T            fillseq/fillrandom/overwrite/fillsync: T threads, each doing the benchmark's
                                 operations with its own keys (db_bench's --threads); ops/sec counts all of them.
                                 Concurrent sync writes share log syncs (group commit); readwhilewriting: T
                                 reader threads besides its writer. Default 1.
          --sync                 Sync every write (fillsync always does).
          --mmap_read[=0]        Read tables through guarded memory maps (Options.mapTableFiles, the default),
                                 as LevelDB does on 64-bit; --mmap_read=0 reads them with pread, as RocksDB does.
          --mmap_write[=0]       Write logs through guarded memory maps (Options.mapLogFiles, the default);
                                 --mmap_write=0 writes each log record with a write system call, as LevelDB does.
          --compaction_niceness=N
                                 Nice levels the compaction thread runs below the writers
                                 (Options.compactionNiceness, default 10; 0: the same priority).
          --use_existing_db      Keep the database at --db instead of deleting it first (fill* still start fresh).
          --json                 Print one JSON object per benchmark instead of db_bench lines.
        Requires a release build (swift build -c release).
        """

    /// The parsed `bench` flags.
    struct Configuration {
        var benchmarks = BenchWorkload.defaults
        var num = 1_000_000
        var reads: Int?
        var valueSize = 100
        var threads = 1
        var sync = false
        var mapTableFiles = Options().mapTableFiles
        var mapLogFiles = Options().mapLogFiles
        var compactionNiceness = Options().compactionNiceness
        var useExistingDatabase = false
        var json = false
        /// `--list`: print the workload names instead of running any.
        var list = false
        /// From `--compaction` or `LSMKV_COMPACTION`.
        var compaction = CompactionStrategy.leveled
    }

    /// Runs `lsmkv bench`; returns the exit status.
    static func run(_ invocation: LSMKVCommand.Invocation) throws -> Int32 {
        let listing = try parse(invocation.arguments)
        if listing.list {
            print(BenchWorkload.list(json: listing.json))
            return 0
        }
        #if DEBUG
            FileHandle.standardError.write(
                Data("lsmkv: bench refuses to measure a debug build; run `swift build -c release`\n".utf8))
            return 64
        #else
            var configuration = listing
            configuration.compaction = try LSMKVCommand.compactionStrategy(invocation)
            let directory =
                invocation.directoryGiven
                ? invocation.directory : NSTemporaryDirectory() + "lsmkv-bench-\(getuid())"
            var runner = BenchRunner(directory: directory, configuration: configuration)
            try runner.runAll()
            return 0
        #endif
    }

    /// Parses `--name=value` and `--name value` flags.
    static func parse(_ arguments: [String]) throws -> Configuration {
        var configuration = Configuration()
        var index = 0
        func number(_ name: String, _ text: String) throws -> Int {
            guard let n = Int(text), n >= 0 else {
                throw LSMKVCommand.UsageError(message: "--\(name) takes a non-negative number\n\n\(usage)")
            }
            return n
        }
        while index < arguments.count {
            var name = arguments[index]
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            func requireValue() throws -> String {
                if let value { return value }
                guard index + 1 < arguments.count else {
                    throw LSMKVCommand.UsageError(message: "\(name) needs a value\n\n\(usage)")
                }
                index += 1
                return arguments[index]
            }
            switch name {
            case "--benchmarks":
                configuration.benchmarks = try requireValue().split(separator: ",").map { name in
                    guard let workload = BenchWorkload(rawValue: String(name)) else {
                        throw LSMKVCommand.UsageError(message: "unknown benchmark '\(name)'\n\n\(usage)")
                    }
                    return workload
                }
            case "--num": configuration.num = try number("num", try requireValue())
            case "--reads": configuration.reads = try number("reads", try requireValue())
            case "--value_size": configuration.valueSize = try number("value_size", try requireValue())
            case "--threads": configuration.threads = max(1, try number("threads", try requireValue()))
            case "--sync": configuration.sync = value.map { $0 != "0" && $0 != "false" } ?? true
            case "--mmap_read": configuration.mapTableFiles = value.map { $0 != "0" && $0 != "false" } ?? true
            case "--mmap_write": configuration.mapLogFiles = value.map { $0 != "0" && $0 != "false" } ?? true
            case "--compaction_niceness":
                configuration.compactionNiceness = try number("compaction_niceness", try requireValue())
            case "--use_existing_db":
                configuration.useExistingDatabase = value.map { $0 != "0" && $0 != "false" } ?? true
            case "--json": configuration.json = true
            case "--list": configuration.list = true
            default: throw LSMKVCommand.UsageError(message: "unknown bench option \(arguments[index])\n\n\(usage)")
            }
            index += 1
        }
        return configuration
    }
}

/// What each writer thread of a concurrent fill reports: its latencies and its error, if any.
final class ThreadResults: Sendable {
    let value = Mutex<[(latencies: [UInt64], error: String?)]>([])
    /// Keys the reader threads of readwhilewriting found.
    let found = Atomic<Int>(0)
    /// Puts the writer thread of readwhilewriting made, and whether it must stop.
    let writes = Atomic<Int>(0)
    let stopWriting = Atomic<Bool>(false)
}

/// SplitMix64: the deterministic key generator shared with `Scripts/peers/peer_bench.c`.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (modulo bias is irrelevant here and identical in the C harness).
    mutating func uniform(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
}

/// Runs the benchmarks of one `lsmkv bench` invocation against one database directory.
struct BenchRunner {
    static let keySize = 16
    static let batchSize = 1000

    let directory: String
    let configuration: BenchCommand.Configuration
    var database: Database?
    /// Per-operation latencies in nanoseconds, allocated once for the largest benchmark.
    var samples: [UInt64]
    var key: [UInt8]
    var value: [UInt8]
    var totalUserBytes = 0
    var totalWrittenBytes = 0
    /// The directory size once the current benchmark's database is open (after a `fresh_db` deletion).
    var sizeBaseline = 0

    init(directory: String, configuration: BenchCommand.Configuration) {
        self.directory = directory
        self.configuration = configuration
        samples = [UInt64](
            repeating: 0,
            count: max(
                (configuration.reads ?? configuration.num) * configuration.threads,
                configuration.num * configuration.threads, 1))
        key = [UInt8](repeating: UInt8(ascii: "0"), count: Self.keySize)
        value = [UInt8](repeating: 0, count: configuration.valueSize)
    }

    /// Runs every configured benchmark and prints the write-amplification summary.
    mutating func runAll() throws {
        if !configuration.useExistingDatabase { try removeBenchDirectory() }
        if !configuration.json {
            print("LSMKV:       release build")
            print("Keys:        \(Self.keySize) bytes each")
            print("Values:      \(configuration.valueSize) bytes each (no compression)")
            print("Entries:     \(configuration.num)")
            print("Sync:        \(configuration.sync ? "every write" : "off (fillsync syncs)")")
            print("Table reads: \(configuration.mapTableFiles ? "memory-mapped" : "pread")")
            print("Log writes:  \(configuration.mapLogFiles ? "memory-mapped" : "write")")
            print("Compaction:  \(configuration.compactionNiceness) nice levels below the writers")
            if configuration.threads > 1 {
                print("Threads:     \(configuration.threads) (fill benchmarks, readwhilewriting)")
            }
            print("------------------------------------------------")
        }
        for benchmark in configuration.benchmarks { try run(benchmark) }
        if let database, !configuration.json {
            let stats = database.statistics
            print(
                "compaction (\(configuration.compaction.rawValue)): \(stats.compactions) compactions, "
                    + "\(stats.trivialMoves) trivial moves, \(stats.compactionBytesWritten) bytes written; "
                    + String(format: "%.2f", stats.tablesPerGet) + " tables consulted per get; levels "
                    + database.levels.map { "\($0.files)" }.joined(separator: "/"))
        }
        try database?.close()
        database = nil
        if !configuration.json {
            let amplification = totalUserBytes > 0 ? Double(totalWrittenBytes) / Double(totalUserBytes) : 0
            print(
                "bytes written: \(totalWrittenBytes) (write() bytes, /proc/self/io wchar) for "
                    + "\(totalUserBytes) bytes of keys+values written; write amplification "
                    + String(format: "%.2f", amplification)
                    + "; database size \(Self.directorySize(directory)) bytes")
        }
    }

    /// The file that marks a directory as a bench database, which bench may delete.
    static let marker = "LSMKV-BENCH"

    /// Deletes the bench database like db_bench's `fresh_db`, but only a directory that is absent, empty, or marked
    /// as bench's own: a user's database given by mistake with `--db` is never destroyed.
    func removeBenchDirectory() throws {
        let fileManager = FileManager.default
        guard let entries = try? fileManager.contentsOfDirectory(atPath: directory), !entries.isEmpty else {
            return
        }
        guard entries.contains(Self.marker) else {
            throw LSMKVCommand.UsageError(
                message: "bench deletes its database before fill benchmarks, and \(directory) holds files bench did "
                    + "not create; point --db at a new directory, or omit --db")
        }
        try fileManager.removeItem(atPath: directory)
    }

    /// Opens the database, deleting it first when `fresh` (db_bench's `fresh_db`).
    mutating func open(fresh: Bool, sync: Bool) throws -> Database {
        if fresh {
            try database?.close()
            database = nil
            try removeBenchDirectory()
        }
        if let database {
            sizeBaseline = Self.directorySize(directory)
            return database
        }
        var options = Options()
        options.syncWrites = sync
        options.mapTableFiles = configuration.mapTableFiles
        options.mapLogFiles = configuration.mapLogFiles
        options.compactionNiceness = configuration.compactionNiceness
        options.compactionStrategy = configuration.compaction
        let opened = try Database(path: directory, options: options)
        _ = FileManager.default.createFile(atPath: directory + "/" + Self.marker, contents: nil)
        database = opened
        sizeBaseline = Self.directorySize(directory)
        return opened
    }

    /// Writes db_bench's `%016d` rendering of `k` into `key`.
    mutating func setKey(_ k: Int) {
        var n = k
        key.withUnsafeMutableBufferPointer { buffer in
            var index = Self.keySize - 1
            while index >= 0 {
                buffer[index] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                index -= 1
            }
        }
    }

    /// Fills `value` with the deterministic pattern for key number `k`.
    mutating func setValue(_ k: Int) {
        let size = value.count
        // Byte i is "a" + (k + i) % 26, stepping the remainder instead of dividing per byte (as the C harness does).
        value.withUnsafeMutableBufferPointer { buffer in
            var letter = UInt8(k % 26)
            for i in 0..<size {
                buffer[i] = UInt8(ascii: "a") &+ letter
                letter = letter == 25 ? 0 : letter &+ 1
            }
        }
    }

    @inline(__always) static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Bytes this process has passed to `write`-family system calls so far.
    static func writtenBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("wchar:") {
            return Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }

    /// The sum of the sizes of the regular files in `path`.
    static func directorySize(_ path: String) -> Int {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: path) else { return 0 }
        var total = 0
        for name in names {
            if let attributes = try? manager.attributesOfItem(atPath: path + "/" + name),
                let size = attributes[.size] as? NSNumber
            {
                total += size.intValue
            }
        }
        return total
    }

    /// Runs one benchmark and prints its line.
    mutating func run(_ workload: BenchWorkload) throws {
        let name = workload.rawValue
        let num = configuration.num
        let reads = configuration.reads ?? num
        var random = SplitMix64(state: 301)
        var operations = 0
        var bytes = 0
        var found = 0
        var message = ""
        let writtenBefore = Self.writtenBytes()
        let isWrite = workload.writesUserData
        let start: UInt64
        switch workload {
        case .fillseq, .fillrandom, .overwrite, .fillsync:
            let sync = workload == .fillsync || configuration.sync
            let count = workload == .fillsync ? max(num / 100, 1) : num
            let db = try open(fresh: workload != .overwrite, sync: sync)
            start = Self.now()
            if configuration.threads > 1 {
                operations = try fillConcurrently(db, workload, count: count, sync: sync)
            } else {
                for i in 0..<count {
                    let k = workload == .fillseq ? i : random.uniform(num)
                    setKey(k)
                    setValue(k)
                    let t0 = Self.now()
                    try db.put(key, value, sync: sync)
                    samples[i] = Self.now() &- t0
                }
                operations = count
            }
            bytes = operations * (Self.keySize + configuration.valueSize)
        case .fsync:
            operations = max(num / 100, 100)
            start = Self.now()
            try syncedAppends(operations)
            message = "(4 KiB append + fdatasync)"
        case .fillbatch:
            let db = try open(fresh: true, sync: configuration.sync)
            start = Self.now()
            var batch = WriteBatch()
            var batches = 0
            var i = 0
            while i < num {
                batch.clear()
                let t0 = Self.now()
                for k in i..<min(i + Self.batchSize, num) {
                    setKey(k)
                    setValue(k)
                    batch.put(key, value)
                }
                try db.write(batch, sync: configuration.sync)
                samples[batches] = Self.now() &- t0
                batches += 1
                i += Self.batchSize
            }
            operations = num
            bytes = num * (Self.keySize + configuration.valueSize)
            message = "(latency per batch of \(Self.batchSize))"
            try report(name, start: start, operations: operations, samples: batches, bytes: bytes, message: message)
            account(isWrite: true, bytes: bytes, writtenBefore: writtenBefore)
            return
        case .readrandom, .readmissing:
            let db = try open(fresh: false, sync: configuration.sync)
            start = Self.now()
            var missingKey = [UInt8](repeating: 0, count: Self.keySize + 1)
            missingKey[Self.keySize] = UInt8(ascii: ".")
            for i in 0..<reads {
                let k = random.uniform(num)
                setKey(k)
                let t0 = Self.now()
                let result: [UInt8]?
                if workload == .readmissing {
                    missingKey.replaceSubrange(0..<Self.keySize, with: key)
                    result = try db.get(missingKey)
                } else {
                    result = try db.get(key)
                }
                samples[i] = Self.now() &- t0
                if result != nil { found += 1 }
            }
            operations = reads
            message = "(\(found) of \(reads) found)"
        case .readseq, .readreverse:
            let db = try open(fresh: false, sync: configuration.sync)
            start = Self.now()
            let iterator = try workload == .readseq ? db.makeIterator() : db.makeReverseIterator()
            var t0 = Self.now()
            // Entries are read in place, as db_bench reads `iter->key()` and `iter->value()`.
            var entryBytes = 0
            while operations < reads, try iterator.next({ key, value in entryBytes = key.count + value.count }) {
                let t1 = Self.now()
                samples[operations] = t1 &- t0
                t0 = t1
                bytes += entryBytes
                operations += 1
            }
        case .seekrandom:
            let db = try open(fresh: false, sync: configuration.sync)
            start = Self.now()
            for i in 0..<reads {
                setKey(random.uniform(num))
                let t0 = Self.now()
                let iterator = try db.makeIterator(from: key)
                var landed = false
                _ = try iterator.next { entryKey, _ in landed = Self.equal(entryKey, key) }
                if landed { found += 1 }
                samples[i] = Self.now() &- t0
            }
            operations = reads
            message = "(\(found) of \(reads) found)"
        case .readwhilewriting:
            let db = try open(fresh: false, sync: configuration.sync)
            start = Self.now()
            let (reads, found, writes) = try readWhileWriting(db, reads: reads)
            operations = reads
            message = "(\(found) of \(reads) found; \(writes) writes meanwhile)"
        case .deleterandom:
            let db = try open(fresh: false, sync: configuration.sync)
            start = Self.now()
            for i in 0..<num {
                setKey(random.uniform(num))
                let t0 = Self.now()
                try db.delete(key, sync: configuration.sync)
                samples[i] = Self.now() &- t0
            }
            operations = num
            bytes = num * Self.keySize
        }
        try report(name, start: start, operations: operations, samples: operations, bytes: bytes, message: message)
        account(isWrite: isWrite, bytes: bytes, writtenBefore: writtenBefore)
    }

    private static func equal(_ span: Span<UInt8>, _ bytes: [UInt8]) -> Bool {
        guard span.count == bytes.count else { return false }
        for index in bytes.indices where span[index] != bytes[index] { return false }
        return true
    }

    /// Runs a fill benchmark on `configuration.threads` threads, each writing `count` keys: thread `t` writes
    /// keys `t * num + i` in order (fillseq) or random keys in `[0, num)` from its own generator. Returns the
    /// operations done; latencies land in `samples`.
    mutating func fillConcurrently(_ db: Database, _ workload: BenchWorkload, count: Int, sync: Bool) throws -> Int {
        let threads = configuration.threads
        let (num, valueSize) = (configuration.num, configuration.valueSize)
        let results = ThreadResults()
        let done = DispatchGroup()
        for t in 0..<threads {
            done.enter()
            let thread = Thread {
                var runner = BenchRunner(
                    directory: "", configuration: BenchCommand.Configuration(num: 0, valueSize: valueSize))
                var random = SplitMix64(state: 301 &+ UInt64(t))
                var latencies = [UInt64](repeating: 0, count: count)
                var failure: String?
                for i in 0..<count {
                    let k = workload == .fillseq ? t * num + i : random.uniform(num)
                    runner.setKey(k)
                    runner.setValue(k)
                    let t0 = Self.now()
                    do {
                        try db.put(runner.key, runner.value, sync: sync)
                    } catch {
                        failure = "\(error)"
                        break
                    }
                    latencies[i] = Self.now() &- t0
                }
                results.value.withLock { $0.append((latencies, failure)) }
                done.leave()
            }
            thread.start()
        }
        done.wait()
        return try collectLatencies(results, of: "a writer thread")
    }

    /// db_bench's readwhilewriting: `configuration.threads` reader threads each get `reads` random keys in
    /// `[0, num)` while one more thread overwrites random keys until the readers are done. Returns the reads (the
    /// only operations counted, as in db_bench), the keys found and the writes made; latencies land in `samples`.
    mutating func readWhileWriting(_ db: Database, reads: Int) throws -> (reads: Int, found: Int, writes: Int) {
        let (num, valueSize, sync) = (configuration.num, configuration.valueSize, configuration.sync)
        let results = ThreadResults()
        let readers = DispatchGroup()
        let writer = DispatchGroup()
        writer.enter()
        Thread {
            var runner = BenchRunner(
                directory: "", configuration: BenchCommand.Configuration(num: 0, valueSize: valueSize))
            var random = SplitMix64(state: 7919)
            var failure: String?
            while !results.stopWriting.load(ordering: .relaxed) {
                let k = random.uniform(num)
                runner.setKey(k)
                runner.setValue(k)
                do { try db.put(runner.key, runner.value, sync: sync) } catch {
                    failure = "\(error)"
                    break
                }
                results.writes.add(1, ordering: .relaxed)
            }
            if let failure { results.value.withLock { $0.append(([], failure)) } }
            writer.leave()
        }.start()
        for t in 0..<configuration.threads {
            readers.enter()
            Thread {
                var runner = BenchRunner(
                    directory: "", configuration: BenchCommand.Configuration(num: 0, valueSize: valueSize))
                var random = SplitMix64(state: 301 &+ UInt64(t))
                var latencies = [UInt64](repeating: 0, count: reads)
                var failure: String?
                var found = 0
                for i in 0..<reads {
                    runner.setKey(random.uniform(num))
                    let t0 = Self.now()
                    do {
                        if try db.get(runner.key) != nil { found += 1 }
                    } catch {
                        failure = "\(error)"
                        break
                    }
                    latencies[i] = Self.now() &- t0
                }
                results.found.add(found, ordering: .relaxed)
                results.value.withLock { $0.append((latencies, failure)) }
                readers.leave()
            }.start()
        }
        readers.wait()
        results.stopWriting.store(true, ordering: .relaxed)
        writer.wait()
        let reads = try collectLatencies(results, of: "a readwhilewriting thread")
        return (reads, results.found.load(ordering: .relaxed), results.writes.load(ordering: .relaxed))
    }

    /// Copies every thread's latencies into `samples` and returns how many there are; throws the first thread's
    /// failure, naming `threads`.
    private mutating func collectLatencies(_ results: ThreadResults, of threads: String) throws -> Int {
        let all = results.value.withLock { $0 }
        if let failure = all.compactMap(\.error).first {
            throw LSMKVCommand.UsageError(message: "bench: \(threads) failed: \(failure)")
        }
        var index = 0
        for result in all {
            for latency in result.latencies where index < samples.count {
                samples[index] = latency
                index += 1
            }
        }
        return index
    }

    /// Appends 4 KiB to a scratch file and `fdatasync`s it, `count` times: the raw synced-append cost that bounds
    /// fillsync (the same probe as `peer_bench fsync`).
    mutating func syncedAppends(_ count: Int) throws {
        let fileSystem = PosixFileSystem()
        try fileSystem.createDirectory(directory)
        let path = directory + "/fsync_probe"
        let file = try fileSystem.createWritable(path)
        defer {
            try? file.close()
            try? fileSystem.remove(path)
        }
        let block = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
        for i in 0..<count {
            let t0 = Self.now()
            try file.append(block)
            try file.sync()
            samples[i] = Self.now() &- t0
        }
    }

    /// Adds a write benchmark's user bytes and written bytes to the totals.
    mutating func account(isWrite: Bool, bytes: Int, writtenBefore: Int) {
        let written = Self.writtenBytes() - writtenBefore
        totalWrittenBytes += written
        if isWrite { totalUserBytes += bytes }
        if !configuration.json {
            print(
                "  bytes written: \(written) (wchar); directory growth \(Self.directorySize(directory) - sizeBaseline)"
            )
        }
    }

    /// Prints db_bench's line and the latency percentiles (or one JSON object).
    mutating func report(
        _ name: String, start: UInt64, operations: Int, samples count: Int, bytes: Int, message: String
    ) throws {
        let elapsed = Double(Self.now() - start) / 1e9
        let microsPerOp = operations > 0 ? elapsed * 1e6 / Double(operations) : 0
        let opsPerSecond = elapsed > 0 ? Int(Double(operations) / elapsed) : 0
        let megabytesPerSecond = elapsed > 0 ? Double(bytes) / 1_048_576 / elapsed : 0
        samples[0..<count].sort()
        func percentile(_ p: Double) -> Double {
            guard count > 0 else { return 0 }
            let index = min(count - 1, Int((Double(count) * p / 100).rounded(.up)) - 1)
            return Double(samples[max(index, 0)]) / 1000
        }
        let (p50, p99, p999) = (percentile(50), percentile(99), percentile(99.9))
        if configuration.json {
            print(
                "{\"engine\":\"lsmkv\",\"benchmark\":\"\(name)\",\"ops\":\(operations),"
                    + "\"micros_per_op\":\(String(format: "%.3f", microsPerOp)),\"ops_per_sec\":\(opsPerSecond),"
                    + "\"mb_per_sec\":\(String(format: "%.1f", megabytesPerSecond)),"
                    + "\"p50_us\":\(String(format: "%.3f", p50)),\"p99_us\":\(String(format: "%.3f", p99)),"
                    + "\"p999_us\":\(String(format: "%.3f", p999))}")
            return
        }
        var extra = bytes > 0 ? String(format: " %6.1f MB/s", megabytesPerSecond) : ""
        if !message.isEmpty { extra += " " + message }
        let padded = name.padding(toLength: max(12, name.count), withPad: " ", startingAt: 0)
        print(padded + String(format: " : %11.3f micros/op %ld ops/sec;", microsPerOp, opsPerSecond) + extra)
        print(String(format: "  latency p50/p99/p99.9: %.3f / %.3f / %.3f micros", p50, p99, p999))
    }
}

import Foundation
import TestSupport
import Testing

@testable import LSMKVTool

/// `lsmkv bench`: flag parsing, db_bench's key format, the generator shared with peer_bench.c, readwhilewriting's
/// threads, the debug refusal.
@Suite struct BenchTests {
    @Test func parsesDbBenchFlags() throws {
        let configuration = try BenchCommand.parse([
            "--benchmarks=fillseq,readrandom", "--num=1234", "--value_size", "50", "--sync", "--use_existing_db",
        ])
        #expect(configuration.benchmarks == [.fillseq, .readrandom])
        #expect(configuration.num == 1234)
        #expect(configuration.valueSize == 50)
        #expect(configuration.sync)
        #expect(configuration.useExistingDatabase)
        #expect(!configuration.json)
        #expect(configuration.threads == 1)
        let threaded = try BenchCommand.parse(["--benchmarks=fsync,fillsync", "--threads=8"])
        #expect(threaded.threads == 8)
        #expect(threaded.benchmarks == [.fsync, .fillsync])
    }

    @Test func rejectsUnknownBenchmarksAndFlags() {
        #expect(throws: LSMKVCommand.UsageError.self) { try BenchCommand.parse(["--benchmarks=fillfast"]) }
        #expect(throws: LSMKVCommand.UsageError.self) { try BenchCommand.parse(["--frobnicate"]) }
        #expect(throws: LSMKVCommand.UsageError.self) { try BenchCommand.parse(["--num=-3"]) }
    }

    /// Every name comes from ``BenchWorkload``: the parser, `--list`, both help texts and peer_bench.c agree.
    @Test func workloadNamesComeFromOneEnum() throws {
        #expect(try BenchCommand.parse([]).benchmarks == BenchWorkload.defaults)
        let all = BenchWorkload.allCases.map(\.rawValue)
        #expect(
            try BenchCommand.parse(["--benchmarks=" + all.joined(separator: ",")]).benchmarks.map(\.rawValue) == all)
        let listing = try BenchCommand.parse(["--list", "--json"])
        #expect(listing.list && listing.json)
        #expect(BenchWorkload.list(json: false) == all.joined(separator: "\n"))
        let json = try JSONSerialization.jsonObject(with: Data(BenchWorkload.list(json: true).utf8))
        let objects = try #require(json as? [[String: Any]])
        #expect(objects.compactMap { $0["name"] as? String } == all)
        #expect(objects.filter { $0["default"] as? Bool == true }.count == BenchWorkload.defaults.count)
        let peerBench = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Scripts/peers/peer_bench.c")
        let peerSource = try String(contentsOf: peerBench, encoding: .utf8)
        for workload in BenchWorkload.allCases {
            #expect(BenchCommand.usage.contains(" \(workload.rawValue) "), "bench --help misses \(workload)")
            #expect(LSMKVCommand.usage.contains(workload.rawValue), "lsmkv --help misses \(workload)")
            #expect(peerSource.contains("\"\(workload.rawValue)\""), "peer_bench.c does not run \(workload)")
        }
    }

    @Test func keysAreZeroPaddedDecimalLikeDbBench() {
        var runner = BenchRunner(directory: "/nonexistent", configuration: .init())
        for k in [0, 7, 123_456, 999_999_999] {
            runner.setKey(k)
            #expect(String(decoding: runner.key, as: UTF8.self) == String(format: "%016d", k))
        }
        runner.setValue(1)
        #expect(runner.value.count == 100)
        #expect(Array(runner.value.prefix(3)) == Array("bcd".utf8))
    }

    /// The first SplitMix64 outputs for seed 301; peer_bench.c must produce the same sequence.
    @Test func splitMixIsDeterministic() {
        var a = SplitMix64(state: 301)
        var b = SplitMix64(state: 301)
        let first = (0..<4).map { _ in a.uniform(1_000_000) }
        #expect(first == (0..<4).map { _ in b.uniform(1_000_000) })
        #expect(first == [650_068, 181_753, 434_177, 954_053])  // printed by the same generator in C
    }

    /// readwhilewriting: every reader thread does its reads while the writer keeps overwriting the keys they read.
    @Test func readWhileWritingCountsEveryReaderAndKeepsTheWriterGoing() throws {
        let scratch = TemporaryDirectory("lsmkv-bench")
        defer { scratch.remove() }
        let directory = scratch.appending("db")
        var configuration = BenchCommand.Configuration(num: 2000)
        configuration.threads = 2
        configuration.reads = 3000
        var runner = BenchRunner(directory: directory, configuration: configuration)
        let db = try runner.open(fresh: true, sync: false)
        for k in 0..<2000 {
            runner.setKey(k)
            runner.setValue(k)
            try db.put(runner.key, runner.value, sync: false)
        }
        let (reads, found, writes) = try runner.readWhileWriting(db, reads: 3000)
        #expect(reads == 6000)
        #expect(found == 6000)  // every key exists, and the writer only overwrites
        #expect(writes > 0)
        try db.close()
    }

    @Test func debugBuildsRefuseToMeasure() throws {
        #if DEBUG
            let invocation = try LSMKVCommand.parse(["bench", "--num=10"])
            #expect(try BenchCommand.run(invocation) == 64)
        #endif
        #expect(try BenchCommand.run(try LSMKVCommand.parse(["bench", "--list"])) == 0)  // listing measures nothing
    }
}

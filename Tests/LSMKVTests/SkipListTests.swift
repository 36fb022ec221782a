import Foundation
import Synchronization
import TestSupport
import Testing

@testable import LSMKV

@Suite("SkipList")
struct SkipListTests {
    /// Ascending runs (which take the sequential-insert shortcut), random jumps and descending runs (which must
    /// not), checked after every phase through level 0 (order) and through seeks (which use every level).
    @Test func sequentialRunsRandomJumpsAndDescendingRunsStaySorted() async {
        await withSeed("SkipListTests/sequentialRunsRandomJumpsAndDescendingRunsStaySorted") { _, rng in
            let list = SkipList()
            var model: [[UInt8]] = []
            var sequence: UInt64 = 0
            func insert(_ userKey: [UInt8]) {
                sequence += 1
                let key = InternalKey.encode(userKey: userKey, sequence: sequence, type: .value)
                list.insert(key: key, value: userKey)
                model.append(key)
            }
            func userKey(_ n: Int) -> [UInt8] {
                let digits = String(n)
                return Array((String(repeating: "0", count: 8 - digits.count) + digits).utf8)
            }
            for phase in 0..<30 {
                let start = Int.random(in: 0..<1_000_000, using: &rng)
                let length = Int.random(in: 1..<400, using: &rng)
                switch phase % 3 {
                case 0: for n in start..<start + length { insert(userKey(n)) }
                case 1: for _ in 0..<length { insert(userKey(Int.random(in: 0..<1_000_000, using: &rng))) }
                default: for n in (start..<start + length).reversed() { insert(userKey(n)) }
                }
                // The same user key again: a newer sequence sorts first, right before the previous insert.
                insert(InternalKey.userKey(model.last!))
                model.sort { InternalKey.compare($0, $1) < 0 }

                var walked: [[UInt8]] = []
                var node = list.first
                while let current = node {
                    walked.append(current.key)
                    node = current.next(0)
                }
                let levelZeroInOrder = walked == model  // a Bool, so a failure does not print thousands of keys
                #expect(levelZeroInOrder, "level 0 out of order after phase \(phase)")
                for key in model where Int.random(in: 0..<8, using: &rng) == 0 {
                    let found = list.seek(key)
                    let landed = found?.key == key
                    #expect(landed, "seek missed a key after phase \(phase)")
                }
            }
            #expect(list.count == model.count)
        }
    }

    /// Readers run beside the one writer without a lock: every get returns the newest version written before the
    /// reader looked (or a newer one), every value is one written for its key, and cursors walk in order.
    @Test func readersBesideTheWriterSeeOnlyWrittenValues() async {
        await withSeed("SkipListTests/readersBesideTheWriterSeeOnlyWrittenValues") { seed, rng in
            let plan = ConcurrentWritePlan(keys: 2_000, writes: 60_000, rng: &rng)
            let shared = ConcurrentWriteProgress()
            let mem = MemTable(logNumber: 1)
            let writer = Thread {
                var padding = SeededGenerator(seed: seed ^ 0x5eed)
                for sequence in 1...plan.writes {
                    let key = plan.key(writtenAt: sequence)
                    mem.add(
                        sequence: SequenceNumber(sequence), type: .value, key: plan.userKey(key),
                        value: plan.value(key, sequence) + rng0(Int.random(in: 0..<64, using: &padding)))
                    shared.published.store(sequence, ordering: .releasing)
                }
            }
            let done = DispatchGroup()
            for reader in 0..<3 {
                done.enter()
                Thread {
                    defer { done.leave() }
                    var rng = SeededGenerator(seed: seed &+ UInt64(reader))
                    var rounds = 0
                    // Reader 0 only walks cursors and reads the writer's progress relaxed, so nothing but the skip
                    // list's own acquiring loads orders its reads of new nodes (what the thread sanitizer checks).
                    let walker = reader == 0
                    func writing() -> Bool {
                        let progress =
                            walker
                            ? shared.published.load(ordering: .relaxed) : shared.published.load(ordering: .acquiring)
                        return progress < plan.writes
                    }
                    while writing() || rounds < 3 {
                        rounds += 1
                        if walker {
                            plan.checkCursor(over: mem, shared)
                        } else {
                            plan.checkGet(of: Int.random(in: 0..<plan.keys, using: &rng), in: mem, shared)
                        }
                    }
                }.start()
            }
            writer.start()
            done.wait()
            let failures = shared.failures.withLock { $0 }
            #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.first ?? "")")
            #expect(mem.count == plan.writes)
        }
    }
}

/// Padding bytes, so values differ in length.
private func rng0(_ count: Int) -> [UInt8] { [UInt8](repeating: 0xa5, count: count) }

/// What the concurrent test's threads share: the last sequence the writer finished, and what readers found wrong.
private final class ConcurrentWriteProgress: Sendable {
    let published = Atomic<Int>(0)
    let failures = Mutex<[String]>([])
    func fail(_ message: String) { failures.withLock { $0.append(message) } }
}

/// The writes of the concurrent test: sequence `s` (from 1) writes key `order[(s - 1) % keys]`, and its value
/// starts with the user key and the sequence, so a reader knows exactly which version it may see.
private struct ConcurrentWritePlan: Sendable {
    let keys: Int
    let writes: Int
    let order: [Int]
    let position: [Int]

    init(keys: Int, writes: Int, rng: inout SeededGenerator) {
        self.keys = keys
        self.writes = writes
        order = Array(0..<keys).shuffled(using: &rng)
        var position = [Int](repeating: 0, count: keys)
        for (index, key) in order.enumerated() { position[key] = index }
        self.position = position
    }

    func key(writtenAt sequence: Int) -> Int { order[(sequence - 1) % keys] }
    func userKey(_ n: Int) -> [UInt8] { Array(String(format: "key%06d", n).utf8) }
    /// The start of the value written at `sequence` (padding follows).
    func value(_ key: Int, _ sequence: Int) -> [UInt8] { userKey(key) + littleEndian(sequence) }
    func littleEndian(_ n: Int) -> [UInt8] { withUnsafeBytes(of: UInt64(n).littleEndian) { Array($0) } }

    /// The newest sequence `<= limit` that wrote `key`, or 0.
    func newest(_ key: Int, upTo limit: Int) -> Int {
        guard limit > position[key] else { return 0 }
        return (limit - 1 - position[key]) / keys * keys + position[key] + 1
    }

    /// A get at the published sequence returns exactly the newest version by then; a get of the newest version
    /// returns a version written for the key, no older than that one.
    func checkGet(of key: Int, in mem: MemTable, _ shared: ConcurrentWriteProgress) {
        let seen = shared.published.load(ordering: .acquiring)
        let expected = newest(key, upTo: seen)
        let atSeen = mem.get(userKey(key), sequence: SequenceNumber(seen))
        switch atSeen {
        case .found(let got) where Array(got.prefix(17)) == value(key, expected): break
        case .absent where expected == 0: break
        default: shared.fail("key \(key) at \(seen): \(describe(atSeen)), not the version of sequence \(expected)")
        }
        switch mem.get(userKey(key), sequence: SequenceNumber.max >> 8) {
        case .found(let got):
            let sequence = got.count >= 17 ? Int(decodeFixed64(got, at: 9)) : -1
            guard sequence >= expected, sequence <= writes, Array(got.prefix(17)) == value(key, sequence),
                self.key(writtenAt: max(sequence, 1)) == key
            else { return shared.fail("key \(key): read a value never written for it") }
        case .absent where expected == 0: break
        default: shared.fail("key \(key): lost after sequence \(expected)")
        }
    }

    private func describe(_ result: MemTable.LookupResult) -> String {
        guard case .found(let got) = result else { return "\(result)" }
        return got.count >= 17 ? "found sequence \(decodeFixed64(got, at: 9))" : "found \(got.count) bytes"
    }

    /// A cursor walks in internal-key order and every value is the one written for its key at its sequence.
    func checkCursor(over mem: MemTable, _ shared: ConcurrentWriteProgress) {
        let cursor = mem.makeIterator()
        try? cursor.seekToFirst()
        var previous: [UInt8]? = nil
        var entries = 0
        while cursor.isValid {
            let key = cursor.key
            if let previous, InternalKey.compare(previous, key) >= 0 { shared.fail("cursor out of order") }
            let sequence = Int(InternalKey.trailer(key) >> 8)
            if Array(cursor.value.prefix(17)) != InternalKey.userKey(key) + littleEndian(sequence) {
                shared.fail("cursor: value does not match its key at sequence \(sequence)")
            }
            previous = key
            entries += 1
            try? cursor.next()
        }
        if entries > writes { shared.fail("cursor saw \(entries) entries") }
    }
}

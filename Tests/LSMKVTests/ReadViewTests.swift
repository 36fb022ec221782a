import Foundation
import Synchronization
import TestSupport
import Testing
import VFS

@testable import LSMKV

@Suite("Read view")
struct ReadViewTests {
    /// Gets load the read view without a lock while the writer switches MemTables, flushes and compacts (a small
    /// write buffer publishes a new view every few dozen writes): every get sees the newest value acknowledged
    /// before it began, or a newer one written for the same key.
    @Test func getsBesideFlushesAndCompactionsSeeAcknowledgedValues() async {
        await withSeed("ReadViewTests/getsBesideFlushesAndCompactionsSeeAcknowledgedValues") { seed, rng in
            let dir = TemporaryDirectory()
            defer { dir.remove() }
            var options = Options()
            options.writeBufferSize = 16 * 1024
            options.syncWrites = false
            options.blockCacheCapacity = 64 * 1024
            let db = try Database(path: dir.path, options: options)
            let keys = 300
            let writes = 6_000
            let order = (0..<writes).map { _ in Int.random(in: 0..<keys, using: &rng) }
            let progress = ReadViewProgress(keys: keys)
            @Sendable func key(_ k: Int) -> [UInt8] { Array("key-\(k)".utf8) }
            @Sendable func value(_ k: Int, _ write: Int) -> [UInt8] {
                Array("key-\(k)/write-\(write)/".utf8) + [UInt8](repeating: 7, count: 40)
            }
            @Sendable func write(of value: [UInt8], key k: Int) -> Int? {
                let text = String(decoding: value.prefix(while: { $0 != 7 }), as: UTF8.self)
                let parts = text.split(separator: "/")
                guard parts.count == 2, parts[0] == "key-\(k)", parts[1].hasPrefix("write-") else { return nil }
                return Int(parts[1].dropFirst("write-".count))
            }
            let writer = Thread {
                for (index, k) in order.enumerated() {
                    do { try db.put(key(k), value(k, index), sync: false) } catch {
                        return progress.fail("put: \(error)")
                    }
                    progress.acknowledged.withLock { $0[k] = index }
                }
                progress.done.store(true, ordering: .releasing)
            }
            let readers = DispatchGroup()
            for reader in 0..<2 {
                readers.enter()
                Thread {
                    defer { readers.leave() }
                    var rng = SeededGenerator(seed: seed &+ UInt64(reader) &+ 1)
                    var rounds = 0
                    while !progress.done.load(ordering: .acquiring) || rounds < 10 {
                        rounds += 1
                        let k = Int.random(in: 0..<keys, using: &rng)
                        let floor = progress.acknowledged.withLock { $0[k] }
                        do {
                            switch try db.get(key(k)) {
                            case nil where floor < 0: break
                            case nil: progress.fail("key \(k) lost after write \(floor)")
                            case let got?:
                                guard let w = write(of: got, key: k), w >= floor, order[w] == k else {
                                    return progress.fail(
                                        "key \(k): a value never written for it, or older than \(floor)")
                                }
                            }
                        } catch {
                            return progress.fail("get: \(error)")
                        }
                    }
                }.start()
            }
            writer.start()
            readers.wait()
            let failures = progress.failures.withLock { $0 }
            #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.first ?? "")")
            #expect(db.statistics.flushBytesWritten > 10 * options.writeBufferSize, "MemTables should switch often")
            try db.close()
        }
    }
}

/// What the read-view test's threads share.
private final class ReadViewProgress: Sendable {
    /// The newest write index of each key acknowledged so far (-1: none).
    let acknowledged: Mutex<[Int]>
    let done = Atomic<Bool>(false)
    let failures = Mutex<[String]>([])
    init(keys: Int) { acknowledged = Mutex([Int](repeating: -1, count: keys)) }
    func fail(_ message: String) { failures.withLock { $0.append(message) } }
}

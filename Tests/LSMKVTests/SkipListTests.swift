import TestSupport
import Testing

@testable import LSMKV

@Suite("SkipList")
struct SkipListTests {
    /// Ascending runs (which take the sequential-insert shortcut), random jumps and descending runs (which must
    /// not), checked after every phase through level 0 (order) and through seeks (which use every level).
    @Test func sequentialRunsRandomJumpsAndDescendingRunsStaySorted() async {
        await withSeed("SkipListTests/sequentialRunsRandomJumpsAndDescendingRunsStaySorted") { _, rng in
            var list = SkipList()
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
                while node != SkipList.end {
                    walked.append(list.key(node))
                    node = list.successor(node)
                }
                let levelZeroInOrder = walked == model  // a Bool, so a failure does not print thousands of keys
                #expect(levelZeroInOrder, "level 0 out of order after phase \(phase)")
                for key in model where Int.random(in: 0..<8, using: &rng) == 0 {
                    let found = list.seek(key)
                    let landed = found != SkipList.end && list.key(found) == key
                    #expect(landed, "seek missed a key after phase \(phase)")
                }
            }
            #expect(list.count == model.count)
        }
    }
}

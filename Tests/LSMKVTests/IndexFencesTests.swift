import TestSupport
import Testing

@testable import LSMKV

@Suite("IndexFences")
struct IndexFencesTests {
    /// Random index blocks (keys sharing long prefixes, with ties in the 8 fenced bytes, short keys, and a last key
    /// that shares nothing, as a short successor does): for every probe, the fenced search finds the same entry as
    /// the plain binary search, and the candidate range brackets it.
    @Test func fencedSearchFindsWhatThePlainSearchFinds() async {
        await withSeed("IndexFencesTests/fencedSearchFindsWhatThePlainSearchFinds") { _, rng in
            for _ in 0..<40 {
                let prefix = rng.bytes(rng.below(12))
                let alphabet: [UInt8] = [0, 1, 0x7f, 0x80, 0xff]
                var users = Set<[UInt8]>()
                let count = 2 + rng.below(300)
                while users.count < count {
                    // A small alphabet and lengths around the fence's 8 bytes make ties and prefixes common.
                    let tail = (0..<rng.below(14)).map { _ in alphabet[rng.below(alphabet.count)] }
                    users.insert(prefix + tail)
                }
                var keys = users.sorted { Bytes.compare($0, $1) < 0 }.map {
                    InternalKey.encode(userKey: $0, sequence: SequenceNumber(rng.below(1000)), type: .value)
                }
                // The last separator: past every key, sharing nothing with them.
                if rng.below(2) == 0, prefix.first.map({ $0 < 0xff }) ?? false {
                    keys[keys.count - 1] = InternalKey.encode(
                        userKey: [prefix[0] + 1], sequence: maxSequenceNumber, type: .value)
                }
                let entries = keys.enumerated().map { (key: $1, value: [UInt8(truncatingIfNeeded: $0)]) }
                let block: Block
                do { block = try BlockTests.block(entries, restartInterval: 1) } catch {
                    Issue.record("block: \(error)")
                    return
                }
                guard let fences = IndexFences(index: block) else {
                    Issue.record("no fences for an index of \(keys.count) entries")
                    return
                }
                #expect(fences.entryCount == keys.count)
                var probes = keys
                for _ in 0..<200 {
                    let base = keys[rng.below(keys.count)]
                    var user = Array(InternalKey.userKey(base))
                    switch rng.below(4) {
                    case 0: user.append(alphabet[rng.below(alphabet.count)])
                    case 1: if !user.isEmpty { user.removeLast() }
                    case 2: if !user.isEmpty { user[rng.below(user.count)] = alphabet[rng.below(alphabet.count)] }
                    default: user = rng.bytes(rng.below(10))
                    }
                    probes.append(
                        InternalKey.encode(userKey: user, sequence: SequenceNumber(rng.below(1000)), type: .value))
                }
                for target in probes {
                    let answer = keys.firstIndex { InternalKey.compare($0, target) >= 0 } ?? keys.count
                    let range = fences.candidates(for: target)
                    #expect(range.lowerBound <= answer && answer <= range.upperBound)
                    #expect(
                        try block.valueRangeOfFirstEntry(atOrAfter: target, fences: fences)
                            == block.valueRangeOfFirstEntry(atOrAfter: target))
                    var cursor = BlockCursor(block)
                    try cursor.seekInIndex(target, fences: fences)
                    #expect(cursor.isValid == (answer < keys.count))
                    if cursor.isValid { #expect(cursor.key == keys[answer]) }
                }
            }
        }
    }

    /// Fences exist only for blocks of single-entry restart runs with internal keys: a data block (interval 16),
    /// a one-entry index and keys shorter than a trailer get none, and then the plain search runs.
    @Test func onlyIndexBlocksOfSingleEntryRunsGetFences() throws {
        let entries = BlockTests.entries(100)
        #expect(IndexFences(index: try BlockTests.block(entries, restartInterval: 16)) == nil)
        #expect(IndexFences(index: try BlockTests.block(Array(entries.prefix(1)), restartInterval: 1)) == nil)
        let short = [(key: [UInt8]([1, 2, 3]), value: [UInt8]()), (key: [4, 5, 6], value: [])]
        #expect(IndexFences(index: try BlockTests.block(short, restartInterval: 1)) == nil)
        #expect(IndexFences(index: try BlockTests.block(entries, restartInterval: 1)) != nil)
    }
}

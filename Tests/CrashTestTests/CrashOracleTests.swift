import Testing

@testable import CrashTest

private func k(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite("CrashOracle")
struct CrashOracleTests {

    /// put a=1 (synced), put b=2 (not synced), delete a (not synced), batch {c=3, d=4} in flight.
    static func sampleHistory() -> History {
        var h = History()
        h.acknowledge(h.issue(.put(key: k("a"), value: k("1")), sync: true))
        h.acknowledge(h.issue(.put(key: k("b"), value: k("2")), sync: false))
        h.acknowledge(h.issue(.delete(key: k("a")), sync: false))
        _ = h.issue(.batch([.put(key: k("c"), value: k("3")), .put(key: k("d"), value: k("4"))]), sync: true)
        return h
    }

    @Test func acceptsEveryAllowedPrefix() {
        let h = Self.sampleHistory()
        let oracle = CrashOracle()
        #expect(oracle.check(h, recovered: [k("a"): k("1")], requirement: .synced) == .consistent(prefix: 1))
        #expect(oracle.check(h, recovered: [k("a"): k("1"), k("b"): k("2")], requirement: .synced).isConsistent)
        #expect(oracle.check(h, recovered: [k("b"): k("2")], requirement: .acknowledged) == .consistent(prefix: 3))
        let all = [k("b"): k("2"), k("c"): k("3"), k("d"): k("4")]
        #expect(oracle.check(h, recovered: all, requirement: .acknowledged) == .consistent(prefix: 4))
    }

    @Test func rejectsALostSyncedWrite() {
        let verdict = CrashOracle().check(Self.sampleHistory(), recovered: [:], requirement: .synced)
        #expect(!verdict.isConsistent)
        #expect(verdict.description.contains("missing"))
    }

    @Test func rejectsLosingAnAcknowledgedWriteAfterAProcessCrash() {
        let verdict = CrashOracle().check(
            Self.sampleHistory(), recovered: [k("a"): k("1"), k("b"): k("2")], requirement: .acknowledged)
        #expect(!verdict.isConsistent)
    }

    @Test func rejectsAHole() {
        // b=2 lost while the later delete of a survived: no prefix produces {}... but {} with a deleted needs b.
        let verdict = CrashOracle().check(
            Self.sampleHistory(), recovered: [k("c"): k("3"), k("d"): k("4"), k("b"): k("2"), k("a"): k("1")],
            requirement: .synced)
        #expect(!verdict.isConsistent)
    }

    @Test func rejectsAHalfBatch() {
        let verdict = CrashOracle().check(
            Self.sampleHistory(), recovered: [k("b"): k("2"), k("c"): k("3")], requirement: .synced)
        #expect(!verdict.isConsistent)
    }

    @Test func rejectsInventedValuesAndResurrectedDeletes() {
        var h = History(initial: [k("x"): k("old")])
        h.acknowledge(h.issue(.delete(key: k("x")), sync: true))
        let resurrected = CrashOracle().check(h, recovered: [k("x"): k("old")], requirement: .synced)
        #expect(resurrected.description.contains("resurrected"))
        let invented = CrashOracle().check(h, recovered: [k("x"): k("zzz")], requirement: .synced)
        #expect(invented.description.contains("never written"))
    }
}

@Suite("CrashOracle with failed operations")
struct CrashOracleFailedOperationTests {
    @Test func aFailedWriteFollowedByAcknowledgedOnesMayBePresentOrAbsent() {
        var h = History()
        h.acknowledge(h.issue(.put(key: k("a"), value: k("1")), sync: true))
        _ = h.issue(.put(key: k("b"), value: k("2")), sync: true)  // failed with an error
        h.acknowledge(h.issue(.put(key: k("c"), value: k("3")), sync: true))
        let oracle = CrashOracle()
        #expect(oracle.check(h, recovered: [k("a"): k("1"), k("c"): k("3")], requirement: .synced).isConsistent)
        #expect(
            oracle.check(h, recovered: [k("a"): k("1"), k("b"): k("2"), k("c"): k("3")], requirement: .synced)
                .isConsistent)
        #expect(!oracle.check(h, recovered: [k("a"): k("1"), k("b"): k("2")], requirement: .synced).isConsistent)
    }
}

import Testing
import VFS

/// A failed sync under each ``SyncFailureSemantics``: what reads see, and what survives a crash.
@Suite struct SyncFailureSemanticsTests {
    /// Writes `abc`, syncs; appends `def`, fails a sync; appends `ghi`, syncs successfully.
    private func run(_ semantics: SyncFailureSemantics?) throws -> SimulatedFileSystem {
        let sim = SimulatedFileSystem()
        let fs =
            semantics.map {
                FaultInjectingFileSystem(
                    wrapping: sim, rules: [FaultRule(.sync, trigger: .nth(2), action: .eio)], syncFailure: $0)
            } ?? FaultInjectingFileSystem(wrapping: sim, rules: [FaultRule(.sync, trigger: .nth(2), action: .eio)])
        try sim.createDirectory("/d")
        let file = try fs.createWritable("/d/f")
        try fs.syncDirectory("/d")
        try file.append(Array("abc".utf8))
        try file.sync()
        try file.append(Array("def".utf8))
        #expect(throws: FileSystemError.self) { try file.sync() }
        #expect(try sim.readWholeFile("/d/f") == Array("abcdef".utf8), "reads still see the lost pages")
        try file.append(Array("ghi".utf8))
        try file.sync()
        #expect(try sim.readWholeFile("/d/f") == Array("abcdefghi".utf8))
        return sim
    }

    @Test func pagesLostNeverBecomeDurable() throws {
        for semantics in [SyncFailureSemantics.pagesLost, nil] {
            let sim = try run(semantics)
            let lost = Array("abc".utf8) + [0, 0, 0] + Array("ghi".utf8)
            #expect(sim.durableFiles()["/d/f"] == lost, "the later successful sync does not write them")
            #expect(sim.crash(seed: 1, model: .strict).durableFiles()["/d/f"] == lost)
            for seed in 0..<20 {
                #expect(sim.crash(seed: UInt64(seed), model: .powerLoss).durableFiles()["/d/f"] == lost)
            }
            // A process crash keeps the page cache, which still holds them.
            #expect(sim.crash(seed: 1, model: .processCrash).durableFiles()["/d/f"] == Array("abcdefghi".utf8))
        }
    }

    @Test func retryableSyncsThemLater() throws {
        let sim = try run(.retryable)
        #expect(sim.durableFiles()["/d/f"] == Array("abcdefghi".utf8))
        #expect(sim.crash(seed: 1, model: .strict).durableFiles()["/d/f"] == Array("abcdefghi".utf8))
    }

    @Test func lostAppendWithoutLaterWritesMayLeaveZeros() throws {
        let sim = SimulatedFileSystem()
        let fs = FaultInjectingFileSystem(wrapping: sim, rules: [FaultRule(.sync, trigger: .nth(2), action: .eio)])
        try sim.createDirectory("/d")
        let file = try fs.createWritable("/d/f")
        try fs.syncDirectory("/d")
        try file.append(Array("abc".utf8))
        try file.sync()
        try file.append(Array("def".utf8))
        #expect(throws: FileSystemError.self) { try file.sync() }
        try file.sync()
        // The size reached the disk, the bytes did not.
        #expect(sim.durableFiles()["/d/f"] == Array("abc".utf8) + [0, 0, 0])
    }
}

import Testing
import VFS

/// Snapshots and recordings: a snapshot per operation is the state right after it, power losses are enumerated
/// exactly, and what is not durable is named.
@Suite("Simulated snapshots")
struct SimulatedSnapshotTests {
    @Test func aRecordingHoldsTheStateAfterEveryOperation() throws {
        let fs = SimulatedFileSystem()
        try fs.createDirectory("/db")
        let recording = fs.startRecording()
        let file = try fs.createWritable("/db/a")
        try file.append([1, 2])
        _ = try fs.fileSize("/db/a")
        try file.sync()
        try fs.rename("/db/a", to: "/db/b")
        fs.stopRecording(recording)
        try file.append([3])
        #expect(recording.isExact)
        #expect(recording.operationCount == 5)
        #expect(recording.mutations == [true, true, false, true, true])
        #expect(recording.snapshot(afterOperations: 0).currentFiles().isEmpty)
        #expect(recording.snapshot(afterOperations: 2).currentFiles() == ["/db/a": [1, 2]])
        #expect(recording.snapshot(afterOperations: 3).durableFiles().isEmpty)
        #expect(recording.snapshot(afterOperations: 5).currentFiles() == ["/db/b": [1, 2]])
        #expect(recording.snapshot(afterOperations: 5).crashed(seed: 0, model: .strict).snapshotFiles().isEmpty)
        #expect(fs.snapshotFiles() == ["/db/b": [1, 2, 3]])
    }

    @Test func everyPowerLossOfOneUnsyncedWriteIsEnumerated() throws {
        let fs = SimulatedFileSystem()
        try fs.createDirectory("/db")
        let file = try fs.createWritable("/db/log")
        try fs.syncDirectory("/db")
        try file.append(Array(repeating: 5, count: 100))
        let states = try #require(fs.snapshot().powerLossStates(limit: 1024))
        // Survived whole, nothing, zeros, or garbage: the torn cases that equal those are counted once.
        let contents = states.map { $0.snapshotFiles()["/db/log"] }
        #expect(contents.count == 4)
        #expect(Set(contents.map { $0?.count }) == [0, 100])
        #expect(contents.contains(Array(repeating: 5, count: 100)))
        #expect(contents.contains([]))
        #expect(contents.contains(Array(repeating: 0, count: 100)))
    }

    @Test func anUnsyncedCreateMultipliesTheStatesAndALimitRefuses() throws {
        let fs = SimulatedFileSystem()
        try fs.createDirectory("/db")
        try writeFile(fs, "/db/x", Array(repeating: 1, count: 100))
        let snapshot = fs.snapshot()
        let states = try #require(snapshot.powerLossStates(limit: 1024))
        // The create lost (no file), or kept with each of the file's 4 contents.
        #expect(states.count == 5)
        #expect(states.filter { !$0.fileExists("/db/x") }.count == 1)
        #expect(snapshot.powerLossStates(limit: 4) == nil)
    }

    @Test func whatIsNotDurableIsNamedAndCanBeMadeDurableAlone() throws {
        let fs = SimulatedFileSystem()
        try fs.createDirectory("/db")
        try writeFile(fs, "/db/table", [1, 2, 3], sync: true)
        try writeFile(fs, "/db/log", [4])
        try fs.syncDirectory("/db")
        try writeFile(fs, "/db/new", [5], sync: true)
        let snapshot = fs.snapshot()
        let changes = snapshot.nonDurableChanges
        #expect(changes.map(\.description).contains { $0.contains("1 unsynced bytes of /db/log") })
        let creation = try #require(changes.first { $0.description.contains("creation of /db/new") })
        #expect(snapshot.durable(only: Set(changes)).snapshotFiles() == fs.snapshotFiles())
        #expect(
            snapshot.durable(only: Set(changes).subtracting([creation])).snapshotFiles() == [
                "/db/table": [1, 2, 3], "/db/log": [4],
            ])
        #expect(snapshot.durable(only: []).snapshotFiles() == fs.durableFiles())
        #expect(SimulatedFileSystem().snapshot().isDurable)
        #expect(!snapshot.isDurable)
    }
}

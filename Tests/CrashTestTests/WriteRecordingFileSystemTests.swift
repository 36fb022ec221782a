import LSMKV
import Testing
import VFS

@testable import CrashTest

/// The recovery check's guard against read-only operations that write (bug class 18).
@Suite struct WriteRecordingFileSystemTests {
    @Test func recordsEveryOperationThatCouldChangeTheDirectoryAndNoRead() throws {
        let simulated = SimulatedFileSystem()
        let fs = WriteRecordingFileSystem(wrapping: simulated)
        try fs.createDirectory("/db")
        let file = try fs.createWritable("/db/a")
        try file.append([1, 2, 3])
        try file.close()
        _ = try fs.readWholeFile("/db/a")
        _ = try fs.listDirectory("/db")
        _ = fs.fileExists("/db/a")
        try fs.rename("/db/a", to: "/db/b")
        try fs.syncDirectory("/db")
        let lock = try fs.lockFile("/db/LOCK")
        lock.unlock()
        _ = try fs.lockFile("/db/LOCK")
        try fs.remove("/db/b")
        #expect(
            fs.writes == [
                "create directory /db", "create /db/a", "rename /db/a to /db/b", "sync directory /db",
                "create lock file /db/LOCK", "remove /db/b",
            ])
    }

    @Test func theIntegrityCheckOfAHealthyDatabaseWritesNothing() throws {
        let simulated = SimulatedFileSystem()
        var options = Options()
        options.fileSystem = simulated
        options.writeBufferSize = 1024
        let database = try Database(path: "/db", options: options)
        for i in 0..<200 { try database.put(Array("key\(i)".utf8), Array(repeating: UInt8(i % 256), count: 40)) }
        try database.close()
        let before = simulated.snapshotFiles()
        #expect(RecoveryCheck.integrityProblem(path: "/db", fileSystem: simulated) == nil)
        #expect(simulated.snapshotFiles() == before)
    }
}

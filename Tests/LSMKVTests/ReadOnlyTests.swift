import Testing
import VFS

@testable import LSMKV

/// ``LSMKVError/readOnly(cause:)`` keeps the first failure as a typed value, so a caller can tell a full disk from
/// any other failure without reading text.
@Suite struct ReadOnlyTests {
    @Test func aFullDiskOnLogSyncIsTheTypedCauseOfLaterWriteFailures() throws {
        let faulty = FaultInjectingFileSystem(wrapping: SimulatedFileSystem())
        var options = Options()
        options.fileSystem = faulty
        let db = try Database(path: "/db", options: options)
        defer { try? db.close() }
        try db.put("a", "1", sync: true)
        faulty.rules = try FaultRule.parse("sync path=*.log -> enospc")
        // The write whose log sync fails throws the file system's error itself...
        do {
            try db.put("b", "2", sync: true)
            Issue.record("the synced write succeeded although its log sync failed")
        } catch LSMKVError.io(let error) {
            #expect(error.code == .noSpace && error.operation == .sync, "\(error)")
        }
        #expect(faulty.injectedFaults.count == 1)
        faulty.rules = []
        // ...and every later write, flush and compaction throws readOnly with that error as its cause.
        for attempt in [{ try db.put("c", "3") }, { try db.delete("a") }, { try db.flush() }, { try db.compact() }] {
            do {
                try attempt()
                Issue.record("a write succeeded on a database that turned read-only")
            } catch LSMKVError.readOnly(cause: .io(let error)) where error.code == .noSpace {
                #expect(error.operation == .sync && error.path.hasSuffix(".log"), "\(error)")
            } catch {
                Issue.record("expected readOnly(cause: .io(noSpace)), got \(error)")
            }
        }
        let readOnly = LSMKVError.readOnly(
            after: .readOnly(after: .io(FileSystemError(.noSpace, operation: .sync, path: "/db/000003.log"))))
        #expect(readOnly == .readOnly(cause: .io(FileSystemError(.noSpace, operation: .sync, path: "/db/000003.log"))))
        #expect("\(readOnly)".contains("read-only") && "\(readOnly)".contains("no space left on device"))
        #expect(try db.get(Array("a".utf8)) == Array("1".utf8))  // reads keep working
    }
}

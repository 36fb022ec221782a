import Foundation
import Testing

@testable import VFS

/// ``FileSystemError``: every file system names a failed operation by the ``FileSystem`` call, and an error from the
/// real disk keeps the system call and its errno as a typed ``FileSystemError/cause``.
@Suite struct FileSystemErrorTests {
    /// The same failing calls on the real disk, the simulated one and a fault-injecting wrapper.
    @Test func everyFileSystemNamesTheOperationTheSameWay() throws {
        let directory = NSTemporaryDirectory() + "vfs-error-\(UInt64.random(in: 0...UInt64.max))"
        let posix = PosixFileSystem()
        try posix.createDirectory(directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let simulated = SimulatedFileSystem()
        try simulated.createDirectory("/db")
        let faulty = FaultInjectingFileSystem(wrapping: SimulatedFileSystem())
        try faulty.createDirectory("/db")
        let systems: [(any FileSystem, String)] = [(posix, directory), (simulated, "/db"), (faulty, "/db")]
        for (fs, directory) in systems {
            let missing = directory + "/missing"
            let calls: [(FileSystemOperation.Kind, () throws -> Void)] = [
                (.openReadable, { _ = try fs.openReadable(missing) }),
                (.openWritable, { _ = try fs.openWritable(missing) }),
                (.fileSize, { _ = try fs.fileSize(missing) }),
                (.remove, { try fs.remove(missing) }),
                (.rename, { try fs.rename(missing, to: missing + "2") }),
                (.listDirectory, { _ = try fs.listDirectory(missing) }),
            ]
            for (operation, call) in calls {
                let error = #expect(throws: FileSystemError.self) { try call() }
                #expect(error?.operation == operation, "\(type(of: fs)): \(String(describing: error))")
                #expect(error?.code == .notFound, "\(type(of: fs)): \(String(describing: error))")
                #expect(error?.path == missing)
            }
        }
    }

    @Test func aSystemCallFailureKeepsItsErrnoTyped() throws {
        let missing = NSTemporaryDirectory() + "vfs-error-missing-\(UInt64.random(in: 0...UInt64.max))"
        let error = try #require(#expect(throws: FileSystemError.self) { try PosixFileSystem().openReadable(missing) })
        #expect(error.cause == FileSystemError.SystemCallError(systemCall: "open", errno: ENOENT))
        #expect(error.errno == ENOENT && error.code == .notFound)
        #expect(error.description == "open of \(missing) failed: not found (open: ENOENT, errno \(ENOENT))")
        #expect(error.location.file.hasSuffix("Syscalls.swift"))
        let full = FileSystemError.SystemCallError(systemCall: "fdatasync", errno: ENOSPC)
        #expect(full.code == .noSpace && full.errnoName == "ENOSPC")
    }

    @Test func equalityIgnoresWhereTheErrorWasMade() {
        let a = FileSystemError(.io, operation: .sync, path: "/db/1.log")
        let b = FileSystemError(.io, operation: .sync, path: "/db/1.log")
        #expect(a.location != b.location && a == b)
        #expect(a != FileSystemError(.io, operation: .append, path: "/db/1.log"))
    }
}

import Synchronization
import Testing
import VFS

/// Writes `bytes` to a new file at `path`, syncing the data when `sync` is set (never the directory).
func writeFile(_ fs: any FileSystem, _ path: String, _ bytes: [UInt8], sync: Bool = false) throws {
    let file = try fs.createWritable(path)
    try file.append(bytes)
    if sync { try file.sync() }
    try file.close()
}

/// The whole content of `path`, or `nil` when it is missing.
func readFile(_ fs: any FileSystem, _ path: String) -> [UInt8]? {
    guard let file = try? fs.openReadable(path) else { return nil }
    defer { file.close() }
    return try? file.read(at: 0, count: 1 << 30)
}

@Suite("SimulatedFileSystem contract")
struct SimulatedFileSystemTests {
    @Test func readYourWritesAppendAndTruncate() throws {
        let fs = SimulatedFileSystem()
        try fs.createDirectory("/db")
        let file = try fs.createWritable("/db/a.log")
        try file.append([1, 2, 3])
        try file.append([4, 5])
        #expect(try file.size() == 5)
        #expect(try fs.fileSize("/db/a.log") == 5)
        let reader = try fs.openReadable("/db/a.log")
        #expect(try reader.read(at: 1, count: 10) == [2, 3, 4, 5])
        #expect(try reader.read(at: 5, count: 3) == [])
        #expect(try reader.size() == 5)
        try file.close()
        let again = try fs.openWritable("/db/a.log")
        #expect(try again.size() == 5)
        try again.truncate(to: 2)
        try again.append([9])
        try again.close()
        #expect(try reader.read(at: 0, count: 10) == [1, 2, 9])
        reader.close()
        // Creating over an existing file truncates it.
        try writeFile(fs, "/db/a.log", [7])
        #expect(readFile(fs, "/db/a.log") == [7])
    }

    @Test func missingFilesAndDirectories() throws {
        let fs = SimulatedFileSystem()
        #expect(throws: FileSystemError.self) { try fs.openReadable("/nope") }
        let missing = #expect(throws: FileSystemError.self) { try fs.openReadable("/nope") }
        #expect(missing?.code == .notFound)
        let noDirectory = #expect(throws: FileSystemError.self) { try fs.createWritable("/db/x") }
        #expect(noDirectory?.code == .notFound)
        let noParent = #expect(throws: FileSystemError.self) { try fs.createDirectory("/a/b") }
        #expect(noParent?.code == .notFound)
        #expect((#expect(throws: FileSystemError.self) { try fs.openWritable("/x") })?.code == .notFound)
        #expect((#expect(throws: FileSystemError.self) { try fs.fileSize("/x") })?.code == .notFound)
        #expect((#expect(throws: FileSystemError.self) { try fs.remove("/x") })?.code == .notFound)
        #expect((#expect(throws: FileSystemError.self) { try fs.rename("/x", to: "/y") })?.code == .notFound)
        #expect((#expect(throws: FileSystemError.self) { try fs.listDirectory("/x") })?.code == .notFound)
        try fs.createDirectory("/db")
        try fs.createDirectory("/db/")  // already exists: fine
        #expect((#expect(throws: FileSystemError.self) { try fs.createWritable("/db") })?.code == .isDirectory)
        #expect(!fs.fileExists("/db/x"))
        #expect(fs.fileExists("/db"))
    }

    @Test func pathsAreNormalized() throws {
        let fs = SimulatedFileSystem()
        try fs.createDirectory("/db/")
        try writeFile(fs, "db//a", [1])
        #expect(readFile(fs, "/db/a") == [1])
        #expect(readFile(fs, "/db/./a/") == [1])
        #expect(Path.normalized("/db//x/") == "/db/x")
        #expect(Path.normalized("") == "/")
        #expect(Path.normalized("/a/../b") == "/b")
    }

    @Test func renameListAndRemove() throws {
        let fs = SimulatedFileSystem()
        try fs.createDirectory("/db")
        try fs.createDirectory("/db/sub")
        try writeFile(fs, "/db/a", [1])
        try writeFile(fs, "/db/b", [2])
        try fs.rename("/db/a", to: "/db/b")
        #expect(try fs.listDirectory("/db") == ["b", "sub"])
        #expect(readFile(fs, "/db/b") == [1])
        try fs.rename("/db/b", to: "/db/sub/c")
        #expect(try fs.listDirectory("/db") == ["sub"])
        #expect(try fs.listDirectory("/db/sub") == ["c"])
        try fs.remove("/db/sub/c")
        #expect(!fs.fileExists("/db/sub/c"))
        #expect((#expect(throws: FileSystemError.self) { try fs.remove("/db/sub") })?.code == .isDirectory)
    }

    @Test func openHandlesFollowTheInodeAcrossRenameAndRemove() throws {
        let fs = SimulatedFileSystem()
        try fs.createDirectory("/db")
        let file = try fs.createWritable("/db/tmp")
        try file.append([1])
        try fs.rename("/db/tmp", to: "/db/final")
        try file.append([2])
        #expect(readFile(fs, "/db/final") == [1, 2])
        let reader = try fs.openReadable("/db/final")
        try fs.remove("/db/final")
        #expect(try reader.read(at: 0, count: 9) == [1, 2])
        reader.close()
        try file.close()
    }

    @Test func locksAreExclusiveAndCreateTheFile() throws {
        let fs = SimulatedFileSystem()
        try fs.createDirectory("/db")
        let lock = try fs.lockFile("/db/LOCK")
        #expect(fs.fileExists("/db/LOCK"))
        let second = #expect(throws: FileSystemError.self) { try fs.lockFile("/db/LOCK") }
        #expect(second?.code == .locked)
        lock.unlock()
        lock.unlock()  // idempotent
        try fs.lockFile("/db/LOCK").unlock()
    }

    @Test func syncMakesDataDurableAndSyncDirectoryMakesNamesDurable() throws {
        let fs = SimulatedFileSystem()
        try fs.createDirectory("/db")
        let file = try fs.createWritable("/db/a")
        try file.append([1, 2])
        #expect(fs.durableFiles().isEmpty)
        try fs.syncDirectory("/db")
        #expect(fs.durableFiles() == ["/db/a": []])
        try file.sync()
        #expect(fs.durableFiles() == ["/db/a": [1, 2]])
        try file.append([3])
        #expect(fs.durableFiles() == ["/db/a": [1, 2]])
        #expect(fs.snapshotFiles() == ["/db/a": [1, 2, 3]])
        #expect((#expect(throws: FileSystemError.self) { try fs.syncDirectory("/db/a") })?.code == .notDirectory)
        #expect((#expect(throws: FileSystemError.self) { try fs.syncDirectory("/x") })?.code == .notFound)
    }

    @Test func traceCountsEveryOperationWithItsOutcome() throws {
        let fs = SimulatedFileSystem()
        let seen = Counter()
        fs.onOperation = { _ in seen.increment() }
        try fs.createDirectory("/db")
        let file = try fs.createWritable("/db/a")
        try file.append([1, 2, 3])
        try file.sync()
        _ = try? fs.openReadable("/db/missing")
        let trace = fs.trace
        #expect(trace.map(\.kind) == [.createDirectory, .createWritable, .append, .sync, .openReadable])
        #expect(trace.map(\.index) == [0, 1, 2, 3, 4])
        #expect(trace[2].offset == 0 && trace[2].length == 3)
        #expect(trace[4].error?.code == .notFound)
        #expect(trace.prefix(4).allSatisfy { $0.succeeded })
        #expect(fs.operationCount == 5)
        #expect(seen.value == 5)
        fs.clearTrace()
        #expect(fs.trace.isEmpty)
        fs.isTracing = false
        try file.close()
        #expect(fs.trace.isEmpty)
        #expect(fs.operationCount == 6)
        #expect(trace[2].description == "#2 write /db/a @0 +3 ok")
    }
}

/// A thread-safe counter for hooks.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

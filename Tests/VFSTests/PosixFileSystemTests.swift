import TestSupport
import Testing
import VFS

@Suite("PosixFileSystem")
struct PosixFileSystemTests {
    let fs = PosixFileSystem()

    @Test func writeReadSyncAndSize() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = Path.join(dir.path, "a.log")
        let file = try fs.createWritable(path)
        try file.append([1, 2, 3])
        try file.append([4, 5])
        try file.sync()
        #expect(try file.size() == 5)
        try file.close()
        let reader = try fs.openReadable(path)
        #expect(try reader.read(at: 1, count: 10) == [2, 3, 4, 5])
        #expect(try reader.read(at: 5, count: 3) == [])
        #expect(try fs.fileSize(path) == 5)
    }

    @Test func mappedReadsMatchPreadAndStopAtTheEnd() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = Path.join(dir.path, "000005.ldb")
        let file = try fs.createWritable(path)
        let contents = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try file.append(contents)
        try file.close()
        let mapped = try fs.openMapped(path)
        let plain = try fs.openReadable(path)
        #expect(try mapped.size() == contents.count)
        for (offset, count) in [(0, 1), (17, 4096), (9_990, 10), (9_995, 100), (10_000, 5), (20_000, 5)] {
            #expect(try mapped.read(at: offset, count: count) == plain.read(at: offset, count: count))
        }
        #expect(try mapped.read(at: 9_995, count: 100) == Array(contents[9_995...]))
        mapped.close()

        let empty = Path.join(dir.path, "empty")
        try fs.createWritable(empty).close()
        let mappedEmpty = try fs.openMapped(empty)
        #expect(try mappedEmpty.size() == 0)
        #expect(try mappedEmpty.read(at: 0, count: 10) == [])
        #expect(throws: FileSystemError.self) { try fs.openMapped(Path.join(dir.path, "missing")) }
    }

    /// A mapped file truncated underneath its mapping: reads of the vanished pages throw `.io` (the kernel's SIGBUS
    /// is caught by the guarded copy) instead of killing the process, on every attempt; pages still in the file
    /// read as before.
    @Test func mappedReadsOfATruncatedFileThrowInsteadOfCrashing() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = Path.join(dir.path, "000007.ldb")
        let file = try fs.createWritable(path)
        let contents = (0..<(5 * 4096)).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        try file.append(contents)
        try file.close()
        let mapped = try fs.openMapped(path)
        #expect(try mapped.read(at: 3 * 4096, count: 4096) == Array(contents[(3 * 4096)..<(4 * 4096)]))
        let cut = try fs.openWritable(path)
        try cut.truncate(to: 100)
        try cut.close()
        for _ in 0..<3 {
            let error = #expect(throws: FileSystemError.self) { try mapped.read(at: 2 * 4096, count: 4096) }
            #expect(error?.code == .io)
            #expect(error?.operation == .read)
            #expect(error?.offset == 2 * 4096)
        }
        #expect(try mapped.read(at: 10, count: 20) == Array(contents[10..<30]))
        mapped.close()
    }

    @Test func appendsPastTheWritebackIntervalAndTruncationsKeepTheContents() throws {
        // Multi-megabyte appends start background writeback every MiB; a cut before the last writeback point and
        // appends after it must leave exactly the bytes written, read back with pread and through a mapping.
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = Path.join(dir.path, "000009.log")
        let file = try fs.createWritable(path)
        var expected: [UInt8] = []
        for chunk in 0..<50 {
            let bytes = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &+ chunk &* 31) }
            try file.append(bytes)
            expected += bytes
        }
        try file.truncate(to: 1_500_000)
        expected.removeLast(expected.count - 1_500_000)
        let tail = [UInt8](repeating: 0xAB, count: 2_000_000)
        try file.append(tail)
        expected += tail
        try file.sync()
        try file.close()
        #expect(try fs.openReadable(path).read(at: 0, count: expected.count + 1) == expected)
        #expect(try fs.openMapped(path).read(at: 1_400_000, count: 300_000) == Array(expected[1_400_000..<1_700_000]))
    }

    /// A mapped log takes appends of every size, across and larger than its windows: until close the file holds
    /// them followed by allocated zeros, after close exactly them; a cut and the appends after it land where a
    /// written file's would.
    @Test func mappedLogHoldsItsAppendsThenZerosAndCloseCutsTheZeros() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = Path.join(dir.path, "000011.log")
        let file = try fs.createMappedLog(path)
        let window = 1 << 20
        var expected: [UInt8] = []
        var sizes = [1, 130, window - 200, 400, 7, 2 * window + 3, 4096]
        sizes += (0..<300).map { 100 + $0 * 37 % 900 }
        for (index, size) in sizes.enumerated() {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index &+ 1) }
            try file.append(bytes)
            expected += bytes
            #expect(try file.size() == expected.count)
        }
        try file.sync()
        let allocated = try fs.fileSize(path)
        #expect(allocated >= expected.count && allocated % window == 0)
        let before = try fs.openReadable(path).read(at: 0, count: allocated)
        #expect(Array(before[..<expected.count]) == expected)
        #expect(before[expected.count...].allSatisfy { $0 == 0 })

        try file.truncate(to: window + 5)
        expected.removeLast(expected.count - (window + 5))
        let tail = [UInt8](repeating: 0xCD, count: window)
        try file.append(tail)
        expected += tail
        try file.close()
        #expect(try fs.fileSize(path) == expected.count)
        #expect(try fs.openReadable(path).read(at: 0, count: expected.count + 1) == expected)
        try file.close()  // idempotent
    }

    /// A mapped log whose file is cut underneath it: the append throws `.io` (the store's SIGBUS is caught)
    /// instead of killing the process, and the file stays usable for the error path (size, close).
    @Test func appendToAMappedLogCutUnderneathThrowsInsteadOfCrashing() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = Path.join(dir.path, "000013.log")
        let file = try fs.createMappedLog(path)
        try file.append([UInt8](repeating: 7, count: 10_000))
        let cut = try fs.openWritable(path)
        try cut.truncate(to: 0)
        try cut.close()
        let error = #expect(throws: FileSystemError.self) { try file.append([UInt8](repeating: 8, count: 100)) }
        #expect(error?.code == .io)
        #expect(error?.operation == .append)
        #expect(error?.offset == 10_000)
        #expect(try file.size() == 10_000)
        try file.close()
    }

    @Test func truncateThenAppendContinuesFromTheCut() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = Path.join(dir.path, "t")
        let file = try fs.createWritable(path)
        try file.append([1, 2, 3, 4])
        try file.close()
        let again = try fs.openWritable(path)
        #expect(try again.size() == 4)
        try again.truncate(to: 2)
        try again.append([9])
        try again.close()
        #expect(try fs.openReadable(path).read(at: 0, count: 10) == [1, 2, 9])
    }

    @Test func renameListRemoveAndSyncDirectory() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let a = Path.join(dir.path, "a")
        let b = Path.join(dir.path, "b")
        try fs.createWritable(a).close()
        try fs.rename(a, to: b)
        try fs.syncDirectory(dir.path)
        #expect(try fs.listDirectory(dir.path) == ["b"])
        try fs.remove(b)
        #expect(!fs.fileExists(b))
    }

    @Test func errorsCarryOperationPathAndErrno() throws {
        let missing = "/nonexistent-lsmkv/x"
        let error = #expect(throws: FileSystemError.self) { try fs.openReadable(missing) }
        #expect(error?.code == .notFound)
        #expect(error?.path == missing)
        #expect(error?.errno == 2)
    }

    @Test func lockKeepsASecondOpenOut() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = Path.join(dir.path, "LOCK")
        let lock = try fs.lockFile(path)
        let error = #expect(throws: FileSystemError.self) { try fs.lockFile(path) }
        #expect(error?.code == .locked)
        lock.unlock()
        try fs.lockFile(path).unlock()
    }
}

/// A FIFO, socket or directory in place of a file never blocks an open and is refused with a typed error.
@Suite("PosixFileSystem special files")
struct PosixFileSystemSpecialFileTests {
    let fs = PosixFileSystem()

    @Test(arguments: SpecialFile.allCases)
    func everyOpenRefusesAFileThatIsNotRegular(kind: SpecialFile) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = Path.join(dir.path, "000007.log")
        try kind.make(at: path)
        let expectedCode: FileSystemError.Code = kind == .directory ? .isDirectory : .notRegularFile
        let opens: [(FileSystemOperation.Kind, () throws -> Void)] = [
            (.openReadable, { _ = try fs.openReadable(path) }),
            (.openReadable, { _ = try fs.openMapped(path) }),
            (.openWritable, { _ = try fs.openWritable(path) }),
            (.createWritable, { _ = try fs.createWritable(path) }),
            (.lockFile, { _ = try fs.lockFile(path) }),
            (.openReadable, { _ = try fs.readWholeFile(path) }),
        ]
        for (operation, open) in opens {
            do {
                try open()
                Issue.record("\(operation) of \(kind) succeeded")
            } catch let error as FileSystemError {
                #expect(error.code == expectedCode, "\(operation): \(error)")
                #expect(error.path == path)
                #expect(error.operation == operation)
                #expect(error.description.contains(path))
            }
        }
    }

    @Test func aRegularFileStillOpensBlockingForReadAndWrite() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = Path.join(dir.path, "CURRENT")
        let file = try fs.createWritable(path)
        try file.append(Array("MANIFEST-000001\n".utf8))
        try file.sync()
        try file.close()
        let appended = try fs.openWritable(path)
        try appended.append([0x41])
        try appended.close()
        #expect(try fs.readWholeFile(path) == Array("MANIFEST-000001\nA".utf8))
    }
}

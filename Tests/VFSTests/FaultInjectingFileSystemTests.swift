import TestSupport
import Testing
import VFS

@Suite("FaultInjectingFileSystem on the simulator")
struct FaultInjectingFileSystemTests {
    /// A fault-injecting file system over a simulator holding a synced, empty `/db/a.log`.
    func make(_ rules: String, seed: UInt64 = 0) throws -> (FaultInjectingFileSystem, SimulatedFileSystem) {
        let sim = SimulatedFileSystem()
        try sim.createDirectory("/db")
        try writeFile(sim, "/db/a.log", [], sync: true)
        try sim.syncDirectory("/db")
        return (try FaultInjectingFileSystem(wrapping: sim, rules: rules, seed: seed), sim)
    }

    @Test func nthFiresOnlyOnTheKthMatch() throws {
        let (fs, _) = try make("sync path=*.log nth=3 -> eio")
        let file = try fs.openWritable("/db/a.log")
        let other = try fs.createWritable("/db/b.ldb")
        try other.sync()  // does not match the path
        try file.sync()
        try file.sync()
        let error = #expect(throws: FileSystemError.self) { try file.sync() }
        #expect(error?.code == .io)
        #expect(error?.detail?.contains("sync path=*.log nth=3 -> eio") == true)
        try file.sync()
        #expect(fs.injectedFaults.count == 1)
        #expect(fs.injectedFaults[0].operation == .sync && fs.injectedFaults[0].path == "/db/a.log")
    }

    @Test func afterFiresFromTheKthMatchOn() throws {
        let (fs, _) = try make("write after=2 -> eio")
        let file = try fs.createWritable("/db/a.log")
        try file.append([1])
        for _ in 0..<3 { #expect(throws: FileSystemError.self) { try file.append([2]) } }
        #expect(fs.injectedFaults.count == 3)
        #expect(fs.injectedFaults.map(\.offset) == [1, 1, 1])
    }

    @Test func probabilityIsDeterministicFromTheSeed() throws {
        func pattern(seed: UInt64) throws -> [Bool] {
            let (fs, _) = try make("write path=*.log p=0.3 -> eio", seed: seed)
            let file = try fs.openWritable("/db/a.log")
            return (0..<200).map { _ in (try? file.append([0])) == nil }
        }
        let first = try pattern(seed: 42)
        #expect(try pattern(seed: 42) == first)
        #expect(try pattern(seed: 43) != first)
        let failures = first.filter { $0 }.count
        #expect(failures > 30 && failures < 90)
    }

    @Test func droppedSyncReallyPersistsNothing() throws {
        let (fs, sim) = try make("sync path=*.log nth=1 -> drop")
        let file = try fs.openWritable("/db/a.log")
        try file.append([1, 2, 3])
        try file.sync()  // reports success
        #expect(fs.injectedFaults.map(\.rule.action) == [.drop])
        #expect(sim.durableFiles()["/db/a.log"] == [])
        #expect(readFile(sim.crash(seed: 0, model: .strict), "/db/a.log") == [])
        try file.sync()  // the second sync is real
        #expect(readFile(sim.crash(seed: 0, model: .strict), "/db/a.log") == [1, 2, 3])
    }

    @Test func droppedDirectorySyncLeavesTheNameUndurable() throws {
        let (fs, sim) = try make("syncdir -> drop")
        try writeFile(fs, "/db/CURRENT", [1], sync: true)
        try fs.syncDirectory("/db")
        #expect(!sim.crash(seed: 0, model: .strict).fileExists("/db/CURRENT"))
    }

    @Test func diskFillsAfterNBytes() throws {
        let (fs, sim) = try make("write bytes>100 -> enospc")
        let file = try fs.createWritable("/db/a.log")
        try file.append(Array(repeating: 1, count: 60))
        let error = #expect(throws: FileSystemError.self) { try file.append(Array(repeating: 2, count: 60)) }
        #expect(error?.code == .noSpace)
        #expect(sim.snapshotFiles()["/db/a.log"]?.count == 100)
        #expect((#expect(throws: FileSystemError.self) { try file.append([3]) })?.code == .noSpace)
        #expect(sim.snapshotFiles()["/db/a.log"]?.count == 100)
        #expect(fs.injectedFaults.map(\.offset) == [60, 100])
    }

    @Test func tornWriteWritesAStrictPrefixThenThrows() throws {
        for seed in UInt64(0)..<20 {
            let (fs, sim) = try make("write nth=2 -> torn", seed: seed)
            let file = try fs.openWritable("/db/a.log")
            try file.append([9])
            let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
            let error = #expect(throws: FileSystemError.self) { try file.append(bytes) }
            #expect(error?.code == .io)
            let data = sim.snapshotFiles()["/db/a.log"]!
            #expect(data.count < 1001)
            #expect(Array(data.dropFirst()) == Array(bytes.prefix(data.count - 1)))
            #expect(fs.injectedFaults.first?.detail == "torn write: \(data.count - 1) of 1000 bytes written")
        }
    }

    @Test func bitflipChangesExactlyOneBit() throws {
        let (fs, sim) = try make("read path=*.ldb -> bitflip", seed: 7)
        let bytes = (0..<256).map { UInt8($0) }
        try writeFile(sim, "/db/t.ldb", bytes, sync: true)
        for _ in 0..<10 {
            let reader = try fs.openReadable("/db/t.ldb")
            let data = try reader.read(at: 0, count: 256)
            let flipped = zip(data, bytes).map { ($0 ^ $1).nonzeroBitCount }.reduce(0, +)
            #expect(flipped == 1)
            reader.close()
        }
        #expect(readFile(sim, "/db/t.ldb") == bytes)  // the stored data is intact
    }

    @Test func crashRuleStopsEverythingAndTheSimulatorCanBeCrashed() throws {
        let (fs, sim) = try make("rename path=CURRENT nth=1 -> crash")
        try writeFile(fs, "/db/tmp", [1], sync: true)
        let error = #expect(throws: FileSystemError.self) { try fs.rename("/db/tmp", to: "/db/CURRENT") }
        #expect(error?.isSimulatedCrash == true)
        #expect(fs.hasCrashed)
        #expect((#expect(throws: FileSystemError.self) { try fs.listDirectory("/db") })?.isSimulatedCrash == true)
        #expect(!fs.fileExists("/db/tmp"))
        #expect(fs.injectedFaults.count == 1)
        #expect(!sim.fileExists("/db/CURRENT"))  // the rename never reached the simulator
        #expect((fs.inner as? SimulatedFileSystem) === sim)
    }

    @Test func rulesCanBeReplacedWhileRunning() throws {
        let (fs, _) = try make("")
        let file = try fs.openWritable("/db/a.log")
        try file.sync()
        fs.rules = [FaultRule(.sync, action: .eio)]
        #expect(throws: FileSystemError.self) { try file.sync() }
        fs.rules = []
        try file.sync()
    }
}

@Suite("FaultInjectingFileSystem on the real disk")
struct FaultInjectingPosixTests {
    @Test func wrapsPosixFileSystem() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let fs = try FaultInjectingFileSystem(
            wrapping: PosixFileSystem(),
            rules: """
                sync path=*.log nth=1 -> eio
                read path=*.ldb nth=1 -> bitflip
                """, seed: 1)
        let log = Path.join(dir.path, "000001.log")
        let file = try fs.createWritable(log)
        try file.append([1, 2, 3])
        #expect((#expect(throws: FileSystemError.self) { try file.sync() })?.code == .io)
        try file.sync()
        try file.close()
        #expect(readFile(fs, log) == [1, 2, 3])
        let table = Path.join(dir.path, "000002.ldb")
        try writeFile(fs, table, [0, 0, 0, 0], sync: true)
        let flipped = readFile(fs, table)!
        #expect(flipped.map(\.nonzeroBitCount).reduce(0, +) == 1)
        #expect(readFile(fs, table) == [0, 0, 0, 0])
        try fs.rename(table, to: Path.join(dir.path, "000003.ldb"))
        try fs.syncDirectory(dir.path)
        #expect(try fs.listDirectory(dir.path).sorted() == ["000001.log", "000003.ldb"])
        #expect(fs.injectedFaults.count == 2)
    }
}

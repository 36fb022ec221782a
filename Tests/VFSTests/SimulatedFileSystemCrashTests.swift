import Testing
import VFS

@Suite("SimulatedFileSystem crashes")
struct SimulatedFileSystemCrashTests {
    /// `/db` with a durable file `/db/base` holding `base`.
    func durableBase(_ base: [UInt8] = Array(repeating: 7, count: 1000)) throws -> SimulatedFileSystem {
        let fs = SimulatedFileSystem()
        try fs.createDirectory("/db")
        try writeFile(fs, "/db/base", base, sync: true)
        try fs.syncDirectory("/db")
        return fs
    }

    @Test(arguments: CrashModel.allCases) func syncedDataInASyncedDirectorySurvives(model: CrashModel) throws {
        let fs = try durableBase()
        for seed in UInt64(0)..<50 {
            #expect(readFile(fs.crash(seed: seed, model: model), "/db/base") == Array(repeating: 7, count: 1000))
        }
    }

    @Test func strictLosesUnsyncedDataAndUnsyncedCreates() throws {
        let fs = try durableBase()
        let file = try fs.openWritable("/db/base")
        try file.append([1, 2, 3])
        try writeFile(fs, "/db/new", [9], sync: true)
        let after = fs.crash(seed: 1, model: .strict)
        #expect(after.snapshotFiles() == ["/db/base": Array(repeating: 7, count: 1000)])
        #expect(after.snapshotFiles() == fs.durableFiles())
    }

    @Test func syncedFileWhoseDirectoryWasNeverSyncedIsLost() throws {
        // Bug class 2: the data is synced, the name is not.
        let fs = try durableBase()
        try writeFile(fs, "/db/000005.ldb", Array(repeating: 1, count: 4096), sync: true)
        #expect(!fs.crash(seed: 0, model: .strict).fileExists("/db/000005.ldb"))
        var lost = 0
        for seed in UInt64(0)..<200 where !fs.crash(seed: seed, model: .powerLoss).fileExists("/db/000005.ldb") {
            lost += 1
        }
        #expect(lost > 0 && lost < 200)
        try fs.syncDirectory("/db")
        #expect(readFile(fs.crash(seed: 0, model: .strict), "/db/000005.ldb") == Array(repeating: 1, count: 4096))
    }

    @Test func unsyncedCreateMaySurvivePowerLoss() throws {
        let fs = try durableBase()
        try writeFile(fs, "/db/new", [1, 2, 3], sync: true)
        var present = 0
        for seed in UInt64(0)..<200 {
            let after = fs.crash(seed: seed, model: .powerLoss)
            if let data = readFile(after, "/db/new") {
                present += 1
                #expect(data == [1, 2, 3])
            }
        }
        #expect(present > 0 && present < 200)
    }

    @Test func processCrashKeepsEverything() throws {
        let fs = try durableBase()
        let file = try fs.openWritable("/db/base")
        try file.append([1, 2, 3])
        try writeFile(fs, "/db/a", [4])
        try writeFile(fs, "/db/b", [5])
        try fs.rename("/db/a", to: "/db/c")
        try fs.remove("/db/b")
        let after = fs.crash(seed: 3, model: .processCrash)
        #expect(after.snapshotFiles() == fs.snapshotFiles())
        #expect(after.durableFiles() == fs.snapshotFiles())
        // Handles and locks do not carry over: the old handle writes to the old file system only.
        try file.append([6])
        #expect(try after.fileSize("/db/base") == 1003)
        _ = try fs.lockFile("/db/LOCK")
        try after.lockFile("/db/LOCK").unlock()
    }

    @Test func renameOverAnExistingNameIsAtomicUnderPowerLoss() throws {
        let old = Array("MANIFEST-000001\n".utf8)
        let new = Array("MANIFEST-000002\n".utf8)
        let fs = try durableBase()
        try writeFile(fs, "/db/CURRENT", old, sync: true)
        try fs.syncDirectory("/db")
        try writeFile(fs, "/db/000002.dbtmp", new, sync: true)
        try fs.rename("/db/000002.dbtmp", to: "/db/CURRENT")
        var seenOld = 0
        var seenNew = 0
        for seed in UInt64(0)..<1000 {
            let after = fs.crash(seed: seed, model: .powerLoss)
            let current = readFile(after, "/db/CURRENT")
            #expect(current == old || current == new, "seed \(seed): \(String(describing: current))")
            if current == old { seenOld += 1 } else { seenNew += 1 }
            // The temporary name is gone exactly when the rename survived (or its create never did).
            if current == new { #expect(!after.fileExists("/db/000002.dbtmp")) }
        }
        #expect(seenOld > 0 && seenNew > 0)
    }

    @Test func renameOfAnUnsyncedFileMayLeaveItEmptyButNeverMixed() throws {
        // Bug class 1/6: the rename survives but the data it points at was never synced.
        let fs = try durableBase()
        try writeFile(fs, "/db/CURRENT", [1, 1, 1], sync: true)
        try fs.syncDirectory("/db")
        try writeFile(fs, "/db/tmp", [2, 2, 2])
        try fs.rename("/db/tmp", to: "/db/CURRENT")
        var empty = 0
        for seed in UInt64(0)..<300 {
            let current = readFile(fs.crash(seed: seed, model: .powerLoss), "/db/CURRENT") ?? []
            #expect(current == [1, 1, 1] || current.allSatisfy { $0 != 1 }, "seed \(seed)")
            if current.isEmpty { empty += 1 }
        }
        #expect(empty > 0)
    }

    @Test func powerLossTearsUnsyncedWritesAtSectorsAndKeepsDurableBytes() throws {
        let base = Array(repeating: UInt8(7), count: 1000)
        let fs = try durableBase(base)
        let file = try fs.openWritable("/db/base")
        let appended = Array(repeating: UInt8(0xAB), count: 4096)
        try file.append(appended)
        var whole = 0
        var lost = 0
        var shorter = 0
        var zeroed = 0
        var garbage = 0
        var mixed = 0
        for seed in UInt64(0)..<300 {
            let data = readFile(fs.crash(seed: seed, model: .powerLoss), "/db/base")!
            #expect(Array(data.prefix(1000)) == base, "seed \(seed): durable bytes changed")
            #expect(data.count >= 1000 && data.count <= 5096)
            if data.count == 5096 && data.dropFirst(1000).allSatisfy({ $0 == 0xAB }) { whole += 1 }
            if data.count == 1000 { lost += 1 }
            if data.count > 1000 && data.count < 5096 { shorter += 1 }
            // Sectors are aligned on file offsets: 1000..<1024, then 1024..<1536, ...
            var start = 1000
            var sawZero = false
            var sawGarbage = false
            var sawWritten = false
            while start < data.count {
                let end = min(data.count, (start / 512 + 1) * 512)
                let sector = data[start..<end]
                if sector.allSatisfy({ $0 == 0xAB }) {
                    sawWritten = true
                } else if sector.allSatisfy({ $0 == 0 }) {
                    sawZero = true
                } else {
                    sawGarbage = true
                }
                start = end
            }
            if sawZero { zeroed += 1 }
            if sawGarbage { garbage += 1 }
            if sawWritten && (sawZero || sawGarbage) { mixed += 1 }
        }
        #expect(whole > 0 && lost > 0 && shorter > 0 && zeroed > 0 && garbage > 0 && mixed > 0)
    }

    @Test func powerLossSurvivorsNeedNotBeAPrefix() throws {
        let fs = try durableBase([])
        let file = try fs.openWritable("/db/base")
        for value in UInt8(1)...8 { try file.append(Array(repeating: value, count: 512)) }
        var holes = 0
        for seed in UInt64(0)..<300 {
            let data = readFile(fs.crash(seed: seed, model: .powerLoss), "/db/base")!
            let sectors = stride(from: 0, to: data.count, by: 512).map { data[$0..<min(data.count, $0 + 512)] }
            // A sector lost in the middle reads as zeros while a later write survived.
            if sectors.dropLast().contains(where: { $0.allSatisfy { $0 == 0 } }) && data.last != 0 { holes += 1 }
        }
        #expect(holes > 0)
    }

    @Test func crashStatesAreDeterministicFromTheSeed() throws {
        let fs = try durableBase()
        let file = try fs.openWritable("/db/base")
        for i in 0..<20 { try file.append(Array(repeating: UInt8(i), count: 300)) }
        for i in 0..<5 { try writeFile(fs, "/db/f\(i)", [UInt8(i)]) }
        try fs.rename("/db/f0", to: "/db/f1")
        var distinct: Set<[String: [UInt8]]> = []
        for seed in UInt64(0)..<30 {
            let first = fs.crash(seed: seed, model: .powerLoss).snapshotFiles()
            #expect(first == fs.crash(seed: seed, model: .powerLoss).snapshotFiles())
            distinct.insert(first)
        }
        #expect(distinct.count > 20)
    }

    @Test func armedCrashStopsEveryLaterOperation() throws {
        let fs = try durableBase()
        fs.armCrash(afterOperations: 2)
        let file = try fs.openWritable("/db/base")  // 1
        try file.append([1])  // 2
        let error = #expect(throws: FileSystemError.self) { try file.sync() }  // 3: the crash point
        #expect(error?.isSimulatedCrash == true)
        #expect(fs.hasCrashed)
        #expect((#expect(throws: FileSystemError.self) { try fs.listDirectory("/db") })?.isSimulatedCrash == true)
        #expect((#expect(throws: FileSystemError.self) { try fs.createWritable("/db/x") })?.isSimulatedCrash == true)
        #expect(!fs.fileExists("/db/base"))
        #expect(fs.trace.suffix(4).allSatisfy { $0.error?.isSimulatedCrash == true })
        // The crash point was a sync, applied but unacknowledged; the data became durable.
        #expect(fs.durableFiles()["/db/base"]?.count == 1001)
        // The state is frozen: the crash state is taken as usual and the result works.
        let after = fs.crash(seed: 0, model: .processCrash)
        #expect(try after.fileSize("/db/base") == 1001)
        try writeFile(after, "/db/x", [1])
    }

    @Test func theWriteInFlightAtTheCrashPointCanBeTorn() throws {
        let base = Array(repeating: UInt8(7), count: 1024)
        let fs = try durableBase(base)
        let file = try fs.openWritable("/db/base")
        fs.armCrash(afterOperations: 0)
        #expect(throws: FileSystemError.self) { try file.append(Array(repeating: 0xAB, count: 2048)) }
        #expect(try fs.crash(seed: 0, model: .processCrash).fileSize("/db/base") == 3072)
        #expect(try fs.crash(seed: 0, model: .strict).fileSize("/db/base") == 1024)
        var sizes: Set<Int> = []
        for seed in UInt64(0)..<100 {
            sizes.insert(try fs.crash(seed: seed, model: .powerLoss).fileSize("/db/base"))
        }
        #expect(sizes.contains(1024) && sizes.contains(3072) && sizes.count > 2)

        let unapplied = try durableBase(base)
        let other = try unapplied.openWritable("/db/base")
        unapplied.armCrash(afterOperations: 0, applyingInFlightOperation: false)
        #expect(throws: FileSystemError.self) { try other.append([1, 2, 3]) }
        #expect(try unapplied.crash(seed: 0, model: .processCrash).fileSize("/db/base") == 1024)
    }

    /// How an in-process property test uses the simulator: crash an atomic-replace workload at every operation
    /// and check the invariant on every power-loss outcome.
    @Test func atomicReplaceHoldsAtEveryCrashPoint() throws {
        func workload(_ fs: SimulatedFileSystem) throws {
            try writeFile(fs, "/db/CURRENT.tmp", Array("new\n".utf8), sync: true)
            try fs.rename("/db/CURRENT.tmp", to: "/db/CURRENT")
            try fs.syncDirectory("/db")
        }
        func setUp() throws -> SimulatedFileSystem {
            let fs = try durableBase()
            try writeFile(fs, "/db/CURRENT", Array("old\n".utf8), sync: true)
            try fs.syncDirectory("/db")
            return fs
        }
        let probe = try setUp()
        let start = probe.operationCount
        try workload(probe)
        let total = probe.operationCount - start
        for point in 0...total {
            let fs = try setUp()
            fs.armCrash(afterOperations: point)
            do { try workload(fs) } catch let error as FileSystemError { #expect(error.isSimulatedCrash) }
            for seed in UInt64(0)..<50 {
                let current = readFile(fs.crash(seed: seed, model: .powerLoss), "/db/CURRENT")
                #expect(
                    current == Array("old\n".utf8) || current == Array("new\n".utf8),
                    "crash point \(point), seed \(seed)")
            }
        }
    }
}

import Testing
import VFS

@testable import LSMKV

/// Versions are reference-counted: a table stays live exactly as long as some version that holds it does.
@Suite("Live versions")
struct LiveVersionTests {
    private func version(_ numbers: [UInt64]) throws -> Version {
        try CompactionPickerTests.version(numbers.map { (0, CompactionPickerTests.file($0, "a", "z")) })
    }

    @Test func aTableIsLiveWhileAnyVersionHoldingItLives() throws {
        let tables = LiveTables()
        var first: LiveVersion? = LiveVersion(try version([5, 6]), tables: tables)
        let second = LiveVersion(try version([6, 7]), tables: tables)
        #expect(tables.numbers == [5, 6, 7])
        withExtendedLifetime(first) {}
        first = nil
        #expect(tables.numbers == [6, 7])
        withExtendedLifetime(second) {}
    }

    @Test func releasingEveryVersionLeavesNothingLive() throws {
        let tables = LiveTables()
        do {
            let held = (0..<3).map { _ in LiveVersion(try! version([1, 2, 3]), tables: tables) }
            #expect(tables.numbers == [1, 2, 3])
            withExtendedLifetime(held) {}
        }
        #expect(tables.numbers.isEmpty)
    }

    @Test func aDatabaseIteratorKeepsItsTablesAfterTheVersionIsReplaced() throws {
        var options = Options()
        options.fileSystem = SimulatedFileSystem()
        options.writeBufferSize = 256
        options.runsBackgroundWorkInline = true
        let db = try Database(path: "/db", options: options)
        for i in 0..<50 { try db.put(Array("k\(i % 10)".utf8), Array(repeating: UInt8(i), count: 30)) }
        try db.flush()
        let iterator = try db.makeIterator()
        let heldTables = db.versions.current.version.allFiles.map(\.number)
        try db.compact()
        #expect(db.versions.liveTables.numbers.isSuperset(of: heldTables))
        var count = 0
        while try iterator.next() != nil { count += 1 }
        #expect(count == 10)
        withExtendedLifetime(iterator) {}
        try db.close()
    }
}

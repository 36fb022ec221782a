import Testing

@testable import LSMKV

/// The planners alone, on hand-made versions: which files they choose and where the output goes.
@Suite("Compaction pickers")
struct CompactionPickerTests {
    static func file(_ number: UInt64, _ smallest: String, _ largest: String, size: Int = 1000) -> FileMetadata {
        FileMetadata(
            number: number, size: size,
            smallest: InternalKey.encode(userKey: Array(smallest.utf8), sequence: 100, type: .value),
            largest: InternalKey.encode(userKey: Array(largest.utf8), sequence: 1, type: .value))
    }

    static func version(_ files: [(level: Int, file: FileMetadata)]) throws -> Version {
        var edit = VersionEdit()
        for (level, file) in files { edit.addFile(level: level, file) }
        return try Version().applying(edit, manifest: "test")
    }

    static func options(trigger: Int = 4) -> Options {
        var options = Options()
        options.level0CompactionTrigger = trigger
        options.maxBytesForLevelBase = 10_000
        options.targetFileSize = 1000
        return options
    }

    // MARK: Leveled

    @Test func leveledTakesEveryLevel0FileAndTheOverlappingLevel1Files() throws {
        let version = try Self.version([
            (0, Self.file(10, "a", "m")), (0, Self.file(11, "c", "d")), (0, Self.file(12, "k", "p")),
            (0, Self.file(13, "b", "e")),
            (1, Self.file(5, "a", "b")), (1, Self.file(6, "n", "o")), (1, Self.file(7, "q", "z")),
        ])
        let picker = LeveledCompactionPicker(options: Self.options())
        let compaction = try #require(picker.pick(version, compactPointers: [:]))
        #expect(compaction.outputLevel == 1)
        #expect(Set(compaction.inputs[0].files.map(\.number)) == [10, 11, 12, 13])
        #expect(Set(compaction.inputs[1].files.map(\.number)) == [5, 6])
        #expect(!compaction.isTrivialMove)
    }

    @Test func leveledMovesTheOldestDisjointLevel0FileDownAlone() throws {
        // Sequential writes: level-0 tables that share no key. The oldest moves to level 1 without a rewrite.
        let version = try Self.version([
            (0, Self.file(10, "a", "c")), (0, Self.file(11, "d", "f")), (0, Self.file(12, "g", "i")),
            (0, Self.file(13, "j", "l")), (1, Self.file(5, "x", "z")),
        ])
        let compaction = try #require(
            LeveledCompactionPicker(options: Self.options()).pick(version, compactPointers: [:]))
        #expect(compaction.inputs[0].files.map(\.number) == [10])
        #expect(compaction.inputs[1].files.isEmpty)
        #expect(compaction.isTrivialMove)
    }

    @Test func leveledTakesTheLevel0FilesTheOldestReachesThroughOthers() throws {
        // 10 overlaps 12 only, 12 reaches 11; 13 shares no key with them and stays in level 0.
        let version = try Self.version([
            (0, Self.file(10, "a", "c")), (0, Self.file(11, "f", "h")), (0, Self.file(12, "c", "f")),
            (0, Self.file(13, "m", "p")), (1, Self.file(5, "g", "n")),
        ])
        let compaction = try #require(
            LeveledCompactionPicker(options: Self.options()).pick(version, compactPointers: [:]))
        #expect(compaction.inputs[0].files.map(\.number) == [12, 11, 10])
        #expect(compaction.inputs[1].files.map(\.number) == [5])
        #expect(!compaction.isTrivialMove)
    }

    @Test func leveledDoesNothingBelowTheTriggers() throws {
        let version = try Self.version([(0, Self.file(10, "a", "m")), (1, Self.file(5, "a", "b", size: 9000))])
        #expect(LeveledCompactionPicker(options: Self.options()).pick(version, compactPointers: [:]) == nil)
    }

    @Test func leveledPicksTheOversizedLevelRoundRobinFromItsPointer() throws {
        let version = try Self.version([
            (1, Self.file(5, "a", "b", size: 6000)), (1, Self.file(6, "c", "d", size: 6000)),
            (1, Self.file(7, "e", "f", size: 6000)), (2, Self.file(8, "c", "c")),
        ])
        let picker = LeveledCompactionPicker(options: Self.options())
        let first = try #require(picker.pick(version, compactPointers: [:]))
        #expect(first.inputs[0].files.map(\.number) == [5])
        #expect(first.isTrivialMove)
        let pointer = try #require(first.compactPointer)
        let second = try #require(picker.pick(version, compactPointers: [pointer.level: pointer.key]))
        #expect(second.inputs[0].files.map(\.number) == [6])
        #expect(second.inputs[1].files.map(\.number) == [8])
        #expect(!second.isTrivialMove)
    }

    @Test func leveledManualCompactionNeverMovesTrivially() throws {
        let version = try Self.version([(1, Self.file(5, "a", "b")), (2, Self.file(6, "x", "y"))])
        let compaction = try #require(
            LeveledCompactionPicker(options: Self.options()).manual(level: 1, range: .all, version))
        #expect(!compaction.isTrivialMove)
        #expect(compaction.outputLevel == 2)
    }

    // MARK: Tiered

    @Test func tieredRunsAreLevel0NewestFirstThenLevels() throws {
        let version = try Self.version([
            (0, Self.file(20, "a", "z")), (0, Self.file(21, "a", "z")), (3, Self.file(5, "a", "z")),
            (6, Self.file(2, "a", "z")),
        ])
        let runs = TieredCompactionPicker.runs(version)
        #expect(runs.map(\.level) == [0, 0, 3, 6])
        #expect(runs.map(\.files[0].number) == [21, 20, 5, 2])
    }

    @Test func tieredMergesEqualLevel0RunsIntoTheLastLevelFirst() throws {
        let version = try Self.version((0..<4).map { (0, Self.file(UInt64(10 + $0), "a", "z")) })
        let compaction = try #require(TieredCompactionPicker(options: Self.options()).pick(version))
        #expect(compaction.outputLevel == 6)
        #expect(compaction.inputFiles.count == 4)
    }

    @Test func tieredPutsANewerRunJustAboveTheOlderOnes() throws {
        // Three small level-0 runs and one big old run: the small ones merge into level 5, above the old run.
        let version = try Self.version([
            (0, Self.file(20, "a", "z")), (0, Self.file(21, "a", "z")), (0, Self.file(22, "a", "z")),
            (6, Self.file(2, "a", "z", size: 4000)),
        ])
        let compaction = try #require(TieredCompactionPicker(options: Self.options()).pick(version))
        #expect(compaction.outputLevel == 5)
        #expect(Set(compaction.inputFiles.map(\.number)) == [20, 21, 22])
    }

    @Test func tieredNeverLeavesAnOlderLevel0RunBehind() throws {
        // Sizes make the size-ratio rule want only the two newest runs; the older level-0 runs must come along,
        // or LevelDB's level-0 order (newest number first) would read them before the merged output.
        let version = try Self.version([
            (0, Self.file(20, "a", "z", size: 50_000)), (0, Self.file(21, "a", "z", size: 10_000)),
            (0, Self.file(22, "a", "z", size: 1000)), (0, Self.file(23, "a", "z", size: 1000)),
            (1, Self.file(3, "a", "z", size: 500_000)),
        ])
        let picker = TieredCompactionPicker(options: Self.options())
        let compaction = try #require(picker.pick(version))
        let level0Inputs = Set(compaction.inputFiles.map(\.number)).intersection([20, 21, 22, 23])
        #expect(level0Inputs == [20, 21, 22, 23])
        // Level 1 is taken, so the span is extended into it.
        #expect(compaction.outputLevel == 1)
        #expect(compaction.inputFiles.contains { $0.number == 3 })
    }

    @Test func tieredSpaceAmplificationMergesEverything() throws {
        let version = try Self.version([
            (0, Self.file(20, "a", "z", size: 5000)), (0, Self.file(21, "a", "z", size: 100)),
            (0, Self.file(22, "a", "z", size: 10)), (4, Self.file(3, "a", "z", size: 2000)),
            (6, Self.file(2, "a", "z", size: 1000)),
        ])
        let compaction = try #require(TieredCompactionPicker(options: Self.options()).pick(version))
        #expect(compaction.reason == "space amplification")
        #expect(compaction.outputLevel == 6)
        #expect(compaction.inputFiles.count == 5)
    }

    @Test func tieredManualMergesAllRunsIntoTheLastLevel() throws {
        let version = try Self.version([(0, Self.file(20, "a", "c")), (2, Self.file(3, "a", "z"))])
        let compaction = try #require(TieredCompactionPicker(options: Self.options()).manual(version))
        #expect(compaction.outputLevel == 6)
        #expect(!compaction.isTrivialMove)
        #expect(compaction.inputFiles.count == 2)
    }

    @Test func aVersionRefusesOverlappingTablesBelowLevel0() throws {
        #expect(throws: LSMKVError.self) {
            try Self.version([(2, Self.file(5, "a", "m")), (2, Self.file(6, "k", "z"))])
        }
        _ = try Self.version([(0, Self.file(5, "a", "m")), (0, Self.file(6, "k", "z"))])
    }

    // MARK: Tombstone safety

    @Test func deeperLevelsCursorFindsCoveringFilesForAscendingKeys() throws {
        let version = try Self.version([
            (1, Self.file(5, "a", "z")), (2, Self.file(6, "c", "e")), (3, Self.file(7, "m", "p")),
        ])
        var cursor = DeeperLevelsCursor(version: version, below: 1)
        let answers = ["a", "c", "e", "f", "m", "p", "q"].map { cursor.mayContain(Array($0.utf8)) }
        #expect(answers == [false, true, true, false, true, true, false])
    }
}

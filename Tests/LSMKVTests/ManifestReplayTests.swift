import Testing
import VFS

@testable import LSMKV

@Suite("ManifestReplay")
struct ManifestReplayTests {
    /// The bytes of a MANIFEST holding `edits`, one record each.
    static func manifest(_ edits: [VersionEdit]) throws -> [UInt8] {
        let fs = SimulatedFileSystem()
        try fs.createDirectory("/db")
        let writer = LogWriter(file: try fs.createWritable("/db/MANIFEST-000001"))
        for edit in edits { try writer.addRecord(edit.encode()) }
        try writer.close()
        return try fs.readWholeFile("/db/MANIFEST-000001")
    }

    static func table(_ number: UInt64, _ low: String, _ high: String) -> FileMetadata {
        FileMetadata(number: number, size: 100, smallest: ikey(low), largest: ikey(high))
    }

    static var first: VersionEdit {
        var edit = VersionEdit()
        edit.comparatorName = VersionSet.comparatorName
        edit.logNumber = 3
        edit.nextFileNumber = 10
        edit.lastSequence = 7
        edit.addFile(level: 1, table(5, "a", "c"))
        return edit
    }

    @Test func replaysEveryField() throws {
        var second = VersionEdit()
        second.deleteFile(level: 1, number: 5)
        second.addFile(level: 2, Self.table(6, "a", "c"))
        second.previousLogNumber = 2
        second.lastSequence = 9
        second.compactPointers.append((1, ikey("b")))
        for mode in [ManifestReplay.Mode.strict, .tolerant] {
            let replay = try ManifestReplay.replay(try Self.manifest([Self.first, second]), file: "M", mode: mode)
            #expect(replay.problems.isEmpty)
            #expect(replay.recordsExamined == 2)
            #expect(replay.version.levels[1].isEmpty && replay.version.levels[2].map(\.number) == [6])
            #expect(replay.logNumber == 3 && replay.previousLogNumber == 2 && replay.nextFileNumber == 10)
            #expect(replay.lastSequence == 9 && replay.compactPointers == [1: ikey("b")])
        }
    }

    @Test func strictThrowsTheFirstProblemAndTolerantCollectsThem() throws {
        var foreign = VersionEdit()
        foreign.comparatorName = "other.Comparator"
        var bad = VersionEdit()
        bad.deleteFile(level: 3, number: 42)
        let bytes = try Self.manifest([Self.first, foreign, bad])
        #expect(
            throws: LSMKVError.notSupported(
                file: "M", reason: "comparator other.Comparator; only \(VersionSet.comparatorName) is supported")
        ) { try ManifestReplay.replay(bytes, file: "M", mode: .strict) }
        let replay = try ManifestReplay.replay(bytes, file: "M", mode: .tolerant)
        #expect(replay.recordsExamined == 3)
        #expect(replay.problems.count == 2)
        guard replay.problems.count == 2 else { return }
        guard case .unsupportedComparator(_, "other.Comparator") = replay.problems[0],
            case .inapplicableEdit = replay.problems[1]
        else {
            Issue.record("unexpected problems \(replay.problems)")
            return
        }
        // The replay stops at the edit that does not apply: the version is the one before it.
        #expect(replay.version.levels[1].map(\.number) == [5])
    }

    @Test func missingFieldsAndATornTail() throws {
        var partial = Self.first
        partial.lastSequence = nil
        var bytes = try Self.manifest([partial])
        #expect(throws: LSMKVError.corruption(file: "M", offset: bytes.count, reason: "MANIFEST lacks last sequence")) {
            try ManifestReplay.replay(bytes, file: "M", mode: .strict)
        }
        bytes = try Self.manifest([Self.first, Self.first])
        let cut = bytes.count - 3
        bytes.removeLast(3)
        // Strict recovery ignores a torn tail; the tolerant replay reports it, and both keep the first edit.
        let strict = try ManifestReplay.replay(bytes, file: "M", mode: .strict)
        #expect(strict.problems.isEmpty && strict.version.levels[1].map(\.number) == [5])
        let tolerant = try ManifestReplay.replay(bytes, file: "M", mode: .tolerant)
        guard case .tornTail(let offset, _, let ignored)? = tolerant.problems.first else {
            Issue.record("no torn tail in \(tolerant.problems)")
            return
        }
        #expect(offset == strict.validLength && ignored == cut - offset)
        #expect(tolerant.problems.count == 1)
    }
}

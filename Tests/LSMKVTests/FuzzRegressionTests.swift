import Foundation
import Testing

@testable import LSMKV

/// Replays every input libFuzzer ever crashed a decoder with (`Tests/Fuzz/Regressions/TARGET/`) and every seed
/// (`Tests/Fuzz/Corpus/TARGET/`) through the same ``FuzzTarget`` the fuzzer drives. A regression traps, which
/// fails the whole test run; a returning ``FuzzTarget/run(_:)`` means the decoder threw a proper error or decoded.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// `Tests/Fuzz`, found from this file's path.
    static let fuzzDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    /// The inputs under `Tests/Fuzz/KIND/TARGET`, hidden files (`.gitkeep`) left out.
    static func inputs(_ kind: String, _ target: FuzzTarget) throws -> [URL] {
        let directory = fuzzDirectory.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test("every crashing input replays without a trap", arguments: FuzzTarget.allCases)
    func regressions(target: FuzzTarget) throws {
        for input in try Self.inputs("Regressions", target) {
            target.run([UInt8](try Data(contentsOf: input)))
        }
    }

    @Test("every seed decodes without a trap", arguments: FuzzTarget.allCases)
    func seeds(target: FuzzTarget) throws {
        let seeds = try Self.inputs("Corpus", target)
        #expect(!seeds.isEmpty, "no seeds for \(target.rawValue) under Tests/Fuzz/Corpus")
        for seed in seeds { target.run([UInt8](try Data(contentsOf: seed))) }
    }

    @Test("a crafted bad input of each kind is rejected with an error naming the file and offset")
    func typedErrors() throws {
        // A block whose restart count claims more restarts than fit.
        #expect(throws: LSMKVError.self) {
            try Block(contents: [1, 0, 0, 0, 9, 0, 0, 0], file: "b", fileOffset: 100, comparator: .bytewise)
        }
        // A version edit with an unknown tag at offset 0.
        #expect(throws: LSMKVError.corruption(file: "m", offset: 10, reason: "unknown version edit tag 99")) {
            try VersionEdit.decode([99], file: "m", offset: 10)
        }
        // A table too short for its footer.
        let file = InMemoryReadableFile(path: "t.ldb", bytes: [UInt8](repeating: 0, count: 10))
        #expect(throws: LSMKVError.self) { try TableReader.open(file: file, fileSize: 10) }
    }
}

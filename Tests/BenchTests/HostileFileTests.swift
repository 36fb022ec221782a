import Foundation
import TestSupport
import Testing

@testable import LSMKVTool

/// Every tool, run as a user would (the built `lsmkv` executable), on a database where one file was replaced by a
/// FIFO, a socket or a directory: each exits 1 within a second and names the file.
@Suite struct HostileFileTests {
    /// The `lsmkv` binary beside the test bundle (`.build/<config>/lsmkv`), or nil.
    static var executable: String? {
        var directory = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("lsmkv").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    /// What one run of the tool did.
    struct Outcome {
        var status: Int32
        var output: String
        var seconds: Double
    }

    /// Runs `lsmkv arguments`, killing it after `timeout` seconds (then the status is the signal's).
    static func run(_ arguments: [String], timeout: Double = 10) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(executable))
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let started = Date()
        try process.run()
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            process.waitUntilExit()
            finished.signal()
        }
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            finished.wait()
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Outcome(status: process.terminationStatus, output: output, seconds: Date().timeIntervalSince(started))
    }

    /// A small database with a table, a log, a MANIFEST and CURRENT.
    static func makeDatabase(_ directory: String) throws {
        for i in 0..<3 {
            let invocation = try LSMKVCommand.parse(["--db", directory, "put", "key\(i)", "value\(i)"])
            #expect(try LSMKVCommand.run(invocation.command!, invocation) == 0)
        }
    }

    static let replacedFiles: [String] = ["table", "log", "MANIFEST", "CURRENT"]

    @Test(
        .enabled(if: executable != nil, "the lsmkv executable is not built next to the tests; run `swift build` first"),
        arguments: SpecialFile.allCases, replacedFiles)
    func everyToolExitsOneAtOnceNamingTheFile(kind: SpecialFile, replaced: String) throws {
        let scratch = TemporaryDirectory("lsmkv-hostile")
        defer { scratch.remove() }
        let directory = scratch.appending("db")
        try Self.makeDatabase(directory)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        let name = try #require(
            names.last { name in
                switch replaced {
                case "table": name.hasSuffix(".ldb")
                case "log": name.hasSuffix(".log")
                default: name.hasPrefix(replaced)
                }
            }, "no \(replaced) in \(names)")
        let path = scratch.appending("db/" + name)
        try kind.make(at: path)
        let commands: [[String]] = [
            ["--db", directory, "verify"], ["dump", path], ["--db", directory, "scan"],
            ["--db", directory, "get", "key1"], ["--db", directory, "repair"],
        ]
        for command in commands {
            let outcome = try Self.run(command)
            let label = "lsmkv \(command.joined(separator: " ")) with \(name) a \(kind)"
            #expect(outcome.status == 1, "\(label): exit \(outcome.status)\n\(outcome.output)")
            #expect(outcome.seconds < 1, "\(label): took \(outcome.seconds) s")
            #expect(outcome.output.contains(name), "\(label) does not name the file:\n\(outcome.output)")
        }
    }
}

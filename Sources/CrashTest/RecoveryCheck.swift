import LSMKV
import VFS

/// Reopens a crashed database directory on the real disk and judges it: the ``CrashOracle`` against the
/// history, then a synced write after recovery must survive a clean reopen unchanged (a torn tail was truncated or
/// set aside, not appended after: bug class 11).
public struct RecoveryCheck: Sendable {
    /// The directory to open (a copy: the check writes to it).
    public var directory: String
    /// The MemTable size to open with.
    public var writeBufferSize: Int
    /// The scenario whose engine options recovery uses, when there is one.
    public var scenario: Scenario?

    /// The key the check writes after recovery; workloads never use it.
    static let marker = Array("crashtest-after-recovery".utf8)

    public init(directory: String, writeBufferSize: Int) {
        self.directory = directory
        self.writeBufferSize = writeBufferSize
    }

    /// The recovered contents (nil when the database did not open or could not be read) and what is wrong.
    public func verify(_ history: History, requirement: CrashOracle.Requirement) -> (
        recovered: [[UInt8]: [UInt8]]?, problem: String?
    ) {
        var options = Options()
        options.writeBufferSize = writeBufferSize
        scenario?.configure(&options)
        options.runsBackgroundWorkInline = true
        let recovered: [[UInt8]: [UInt8]]
        do {
            let db = try Database(path: directory, options: options)
            defer { try? db.close() }
            recovered = Dictionary(uniqueKeysWithValues: try db.scan().map { ($0.key, $0.value) })
        } catch {
            return (nil, "the crashed database did not open (or could not be read): \(error)")
        }
        if let problem = Self.integrityProblem(path: directory, fileSystem: options.fileSystem) {
            return (recovered, problem)
        }
        let verdict = CrashOracle().check(history, recovered: recovered, requirement: requirement)
        guard verdict.isConsistent else { return (recovered, verdict.description) }
        do {
            let db = try Database(path: directory, options: options)
            try db.put(Self.marker, Array("marker".utf8), sync: true)
            try db.close()
            let again = try Database(path: directory, options: options)
            defer { try? again.close() }
            var expected = recovered
            expected[Self.marker] = Array("marker".utf8)
            let reread = Dictionary(uniqueKeysWithValues: try again.scan().map { ($0.key, $0.value) })
            if reread[Self.marker] == nil {
                return (recovered, "a synced write made after recovery was lost at the next reopen")
            }
            if reread != expected {
                return (recovered, "the database changed between two clean reopens after recovery")
            }
        } catch {
            return (recovered, "writing to the recovered database failed: \(error)")
        }
        return (recovered, nil)
    }

    /// Runs the read-only integrity check (`lsmkv verify`) on a recovered database: nil when it finds no
    /// corruption, else the first problems it names.
    public static func integrityProblem(path: String, fileSystem: any FileSystem) -> String? {
        let report = Verifier.verify(path: path, fileSystem: fileSystem)
        guard !report.isHealthy else { return nil }
        let corruptions = report.problems.filter { $0.severity == .corruption }.prefix(3)
        return "the integrity check after recovery found corruption: "
            + corruptions.map(\.description).joined(separator: "; ")
    }
}

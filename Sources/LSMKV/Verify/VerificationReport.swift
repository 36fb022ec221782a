/// What ``Verifier/verify(path:fileSystem:)`` found in a database directory: every problem, and how much was
/// checked.
public struct VerificationReport: Sendable, Codable, Equatable {
    /// How serious a problem is.
    public enum Severity: String, Sendable, Codable, Equatable {
        /// Data is damaged or missing: the database would fail to open or would return wrong results.
        case corruption
        /// Not damage, but something a person should look at (for example files nothing references).
        case warning
        /// The normal trace of a crash (a torn tail), which recovery handles without losing acknowledged data.
        case note
    }

    /// One finding: the file, the byte offset in it when there is one, and what is wrong.
    public struct Problem: Sendable, Codable, Equatable, CustomStringConvertible {
        /// The file's name within the database directory.
        public var file: String
        /// The byte offset in `file`, when the problem has one.
        public var offset: Int?
        /// How serious the problem is.
        public var severity: Severity
        /// What is wrong, for a person.
        public var message: String

        /// Creates a problem.
        public init(file: String, offset: Int?, severity: Severity, message: String) {
            self.file = file
            self.offset = offset
            self.severity = severity
            self.message = message
        }

        /// `SEVERITY FILE[@OFFSET]: message`.
        public var description: String {
            "\(severity.rawValue.uppercased()) \(file)\(offset.map { "@\($0)" } ?? ""): \(message)"
        }
    }

    /// Every problem found, in the order found.
    public var problems: [Problem] = []
    /// Table files whose contents were checked.
    public var tablesChecked = 0
    /// Data blocks read and checked.
    public var blocksChecked = 0
    /// Table entries checked.
    public var entriesChecked = 0
    /// Write-ahead-log records decoded and checked.
    public var logRecordsChecked = 0
    /// MANIFEST records decoded.
    public var manifestRecordsChecked = 0

    /// Creates an empty report.
    public init() {}

    /// Whether no problem is a corruption (warnings and notes do not make a database unhealthy).
    public var isHealthy: Bool { !problems.contains { $0.severity == .corruption } }

    /// The problems of one severity.
    public func problems(_ severity: Severity) -> [Problem] { problems.filter { $0.severity == severity } }

    /// One line counting what was checked and found.
    public var summary: String {
        "checked \(tablesChecked) tables, \(blocksChecked) blocks, \(entriesChecked) entries, "
            + "\(logRecordsChecked) log records, \(manifestRecordsChecked) manifest records: "
            + "\(problems(.corruption).count) corruptions, \(problems(.warning).count) warnings, "
            + "\(problems(.note).count) notes — \(isHealthy ? "healthy" : "DAMAGED")"
    }

    private enum CodingKeys: String, CodingKey {
        case isHealthy, problems, tablesChecked, blocksChecked, entriesChecked, logRecordsChecked
        case manifestRecordsChecked
    }

    /// Decodes a report; `isHealthy` is recomputed from the problems.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        problems = try c.decode([Problem].self, forKey: .problems)
        tablesChecked = try c.decode(Int.self, forKey: .tablesChecked)
        blocksChecked = try c.decode(Int.self, forKey: .blocksChecked)
        entriesChecked = try c.decode(Int.self, forKey: .entriesChecked)
        logRecordsChecked = try c.decode(Int.self, forKey: .logRecordsChecked)
        manifestRecordsChecked = try c.decode(Int.self, forKey: .manifestRecordsChecked)
    }

    /// Encodes every field and, for readers of the JSON, `isHealthy`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(isHealthy, forKey: .isHealthy)
        try c.encode(problems, forKey: .problems)
        try c.encode(tablesChecked, forKey: .tablesChecked)
        try c.encode(blocksChecked, forKey: .blocksChecked)
        try c.encode(entriesChecked, forKey: .entriesChecked)
        try c.encode(logRecordsChecked, forKey: .logRecordsChecked)
        try c.encode(manifestRecordsChecked, forKey: .manifestRecordsChecked)
    }
}

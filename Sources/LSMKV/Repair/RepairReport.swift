/// What ``Database/repair(path:options:)`` recovered and what it lost.
///
/// Every table of the repaired database is listed in ``tables`` (oldest data first, so in file-number order);
/// every region of a file that could not be read is a ``Loss``; every file taken out of the database directory is
/// a ``MovedFile`` in `lost/`. Repair never deletes a file.
public struct RepairReport: Sendable, Equatable, CustomStringConvertible {
    /// How a table of the repaired database came to be.
    public enum TableOrigin: String, Sendable, Equatable {
        /// A table that read back completely, kept as it was (possibly renumbered).
        case kept
        /// The readable entries of a damaged table, copied into a new table.
        case salvaged
        /// The records of a write-ahead log, written to a new table.
        case log
        /// Tables whose key ranges overlap and whose sequence ranges interleave, merged into one so that
        /// level 0's newest-first rule gives the right answer for every key.
        case merged
    }

    /// One table of the repaired database.
    public struct Table: Sendable, Equatable, CustomStringConvertible {
        /// The table's file name in the repaired database.
        public var file: String
        /// How it came to be.
        public var origin: TableOrigin
        /// The files its entries came from.
        public var sources: [String]
        /// The number of entries it holds.
        public var entries: Int
        /// The smallest and largest sequence numbers of its entries.
        public var sequences: ClosedRange<UInt64>

        /// `000012.ldb: 340 entries, sequences 1...340, kept from 000005.ldb`.
        public var description: String {
            "\(file): \(entries) entries, sequences \(sequences.lowerBound)...\(sequences.upperBound), "
                + "\(origin.rawValue) from \(sources.joined(separator: ", "))"
        }
    }

    /// A part of a file that could not be read, so its data is not in the repaired database.
    public struct Loss: Sendable, Equatable, CustomStringConvertible {
        /// The damaged file's name.
        public var file: String
        /// The offset of the first byte lost, when known.
        public var offset: Int?
        /// The number of bytes lost, when known.
        public var bytes: Int?
        /// The number of entries (or log records) lost, when known; nil when the damage hides how many there were.
        public var entries: Int?
        /// What was wrong.
        public var reason: String

        /// `000005.ldb@4096: 4101 bytes, entries unknown: data block checksum mismatch`.
        public var description: String {
            let at = offset.map { "@\($0)" } ?? ""
            let size = bytes.map { "\($0) bytes" } ?? "size unknown"
            let count = entries.map { "\($0) entries" } ?? "entries unknown"
            return "\(file)\(at): \(size), \(count): \(reason)"
        }
    }

    /// A file moved out of the database directory into `lost/`.
    public struct MovedFile: Sendable, Equatable, CustomStringConvertible {
        /// The file's name in the database directory.
        public var file: String
        /// Its path relative to the database directory, under `lost/`.
        public var movedTo: String
        /// Why it was moved.
        public var reason: String

        /// `000005.ldb -> lost/000005.ldb (damaged; readable entries copied)`.
        public var description: String { "\(file) -> \(movedTo) (\(reason))" }
    }

    /// The tables of the repaired database, oldest data first (the order of their file numbers).
    public var tables: [Table] = []
    /// Every region that could not be read.
    public var losses: [Loss] = []
    /// Every file moved into `lost/`.
    public var moved: [MovedFile] = []
    /// Tables kept under a new file number, as `(old name, new name)`, so level 0's order follows the data's age.
    public var renamed: [(from: String, to: String)] = []
    /// Write-ahead-log records replayed into new tables.
    public var logRecordsReplayed = 0
    /// The name of the MANIFEST repair wrote.
    public var manifest = ""
    /// The last sequence number recorded: the largest one seen in any readable entry.
    public var lastSequence: UInt64 = 0
    /// The next file number recorded, past every file repair saw.
    public var nextFileNumber: UInt64 = 0

    /// Creates an empty report.
    public init() {}

    /// The entries of the repaired database's tables.
    public var entriesRecovered: Int { tables.reduce(0) { $0 + $1.entries } }

    /// Whether everything was read: no loss at all.
    public var isLossless: Bool { losses.isEmpty }

    /// Compares every field, the renames as pairs.
    public static func == (a: RepairReport, b: RepairReport) -> Bool {
        a.tables == b.tables && a.losses == b.losses && a.moved == b.moved
            && a.renamed.map { [$0.from, $0.to] } == b.renamed.map { [$0.from, $0.to] }
            && a.logRecordsReplayed == b.logRecordsReplayed && a.manifest == b.manifest
            && a.lastSequence == b.lastSequence && a.nextFileNumber == b.nextFileNumber
    }

    /// A multi-line account for a person: recovered tables, renames, losses, moved files, the new MANIFEST.
    public var description: String {
        var lines = [
            "recovered \(entriesRecovered) entries in \(tables.count) tables (\(logRecordsReplayed) log records "
                + "replayed); wrote \(manifest) with last sequence \(lastSequence), next file number \(nextFileNumber)"
        ]
        lines += tables.map { "  table \($0)" }
        lines += renamed.map { "  renamed \($0.from) -> \($0.to)" }
        lines += losses.isEmpty ? ["nothing lost"] : ["lost \(losses.count) regions:"] + losses.map { "  \($0)" }
        lines += moved.map { "  moved \($0)" }
        return lines.joined(separator: "\n")
    }
}

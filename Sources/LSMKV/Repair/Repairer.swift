import VFS

/// Rebuilds a database from whatever files are in its directory, as LevelDB's `RepairDB` does, and never deletes
/// a file of the database: whatever is damaged or no longer needed is moved into `lost/`.
///
/// Steps (see ``Database/repair(path:options:)`` for the guarantees):
/// 1. Scan every table: a table that reads back completely is kept; the readable entries of a damaged one are
///    copied into a new table (``Repairer+Tables.swift``).
/// 2. Replay every readable record of every log into new tables (``Repairer+Logs.swift``).
/// 3. Order the tables so level 0's newest-first rule is right for every key, merging tables that cannot be
///    ordered (``Repairer+Order.swift``).
/// 4. Move logs, damaged and superseded files into `lost/`, write a new MANIFEST with every table in level 0,
///    then CURRENT, with VersionSet's durability protocol; move the old MANIFESTs into `lost/`.
struct Repairer {
    /// A table that will be part of the repaired database.
    struct Candidate {
        /// Its current file name in the directory.
        var name: String
        var number: UInt64
        var size: Int
        var smallest: [UInt8]
        var largest: [UInt8]
        var sequences: ClosedRange<UInt64>
        var entries: Int
        var origin: RepairReport.TableOrigin
        var sources: [String]
        /// Whether repair wrote this file (a copy it may remove once merged into another).
        var writtenByRepair: Bool
    }

    let directory: String
    let fileSystem: any FileSystem
    let options: Options
    var report = RepairReport()
    /// The next unused file number: past every numbered file in the directory and every file repair wrote.
    var nextNumber: UInt64 = 1
    var candidates: [Candidate] = []
    /// Files to move into `lost/` once the new tables are durable, with the reason and, when its entries were
    /// copied into a table repair wrote, that table's current name.
    var pendingLost: [(name: String, reason: String, copiedInto: String?)] = []
    /// The final name of every table repair renumbered, by its earlier name.
    var finalNames: [String: String] = [:]

    init(directory: String, options: Options) {
        self.directory = directory
        self.fileSystem = options.fileSystem
        self.options = options
    }

    /// Refuses, before anything changes, a directory where a table, log, MANIFEST or CURRENT is a FIFO, socket,
    /// device or directory: repair cannot know what such a file is for, so it neither reads nor moves it.
    /// - Throws: ``LSMKVError/io(_:)`` of the ``FileSystemError`` (code ``FileSystemError/Code/notRegularFile`` or
    ///   ``FileSystemError/Code/isDirectory``) naming the first such file.
    func refuseSpecialFiles(_ names: [String]) throws {
        for name in names {
            switch FileNames.parse(name) {
            case .table?, .log?, .manifest?, .current?, .temp?:
                do {
                    try fileSystem.openReadable(path(name)).close()
                } catch let error as FileSystemError where error.code == .notRegularFile || error.code == .isDirectory {
                    throw LSMKVError.io(error)
                } catch {
                    continue  // any other failure to read it is handled, and reported, by the step that reads it
                }
            default: continue
            }
        }
    }

    /// The path of `name` in the database directory.
    func path(_ name: String) -> String { Path.join(directory, name) }

    /// Allocates a file number.
    mutating func newFileNumber() -> UInt64 {
        defer { nextNumber += 1 }
        return nextNumber
    }

    /// Runs every step; the directory must be locked by the caller.
    mutating func run() throws -> RepairReport {
        let names = try LSMKVError.wrappingIO { try fileSystem.listDirectory(directory) }.sorted()
        try refuseSpecialFiles(names)
        var tables: [(UInt64, String)] = []
        var logs: [(UInt64, String)] = []
        var manifests: [String] = []
        var temps: [String] = []
        for name in names {
            switch FileNames.parse(name) {
            case .table(let n)?: tables.append((n, name))
            case .log(let n)?: logs.append((n, name))
            case .manifest(let n)?:
                manifests.append(name)
                nextNumber = max(nextNumber, n + 1)
            case .temp(let n)?:
                temps.append(name)
                nextNumber = max(nextNumber, n + 1)
            default: break
            }
        }
        for (n, _) in tables + logs { nextNumber = max(nextNumber, n + 1) }
        // Tables first, then logs: their new tables get the highest numbers, as their data is the newest.
        for (_, name) in tables.sorted(by: { $0.0 < $1.0 }) { try repairTable(name) }
        for (_, name) in logs.sorted(by: { $0.0 < $1.0 }) { try convertLog(name) }
        try mergeUnorderableTables()
        try assignFileNumbers()
        try syncDirectory(directory)

        for name in temps { pendingLost.append((name, "leftover temporary file", nil)) }
        for (name, reason, copiedInto) in pendingLost {
            let into = copiedInto.map { " copied into " + (finalNames[$0] ?? $0) } ?? ""
            try moveToLost(name, reason: reason + into)
        }
        pendingLost = []
        try syncDirectory(directory)

        try writeManifest()
        for name in manifests { try moveToLost(name, reason: "replaced by \(report.manifest)") }
        try syncDirectory(directory)
        report.tables = candidates.map {
            RepairReport.Table(
                file: $0.name, origin: $0.origin, sources: $0.sources, entries: $0.entries, sequences: $0.sequences)
        }
        return report
    }

    /// Writes MANIFEST-N with every candidate in level 0 and points CURRENT at it. The old CURRENT's bytes are
    /// first copied into `lost/`, so the directory is never without a CURRENT.
    private mutating func writeManifest() throws {
        let manifestNumber = newFileNumber()
        var edit = VersionEdit()
        edit.comparatorName = VersionSet.comparatorName
        edit.logNumber = 0
        edit.previousLogNumber = 0
        edit.nextFileNumber = nextNumber
        edit.lastSequence = candidates.map(\.sequences.upperBound).max() ?? 0
        for candidate in candidates {
            edit.addFile(
                level: 0,
                FileMetadata(
                    number: candidate.number, size: candidate.size, smallest: candidate.smallest,
                    largest: candidate.largest))
        }
        let currentPath = FileNames.current(directory)
        if fileSystem.fileExists(currentPath) {
            let bytes = try LSMKVError.wrappingIO { try fileSystem.readWholeFile(currentPath) }
            try copyToLost("CURRENT", bytes: bytes, reason: "replaced by a CURRENT naming the repaired MANIFEST")
        }
        let versions = VersionSet(directory: directory, fileSystem: fileSystem, hook: options.crashPointHook)
        try versions.installFreshManifest(number: manifestNumber, edit: edit)
        report.manifest = "MANIFEST-" + FileNames.numbered(manifestNumber)
        report.lastSequence = edit.lastSequence ?? 0
        report.nextFileNumber = nextNumber
    }

    // MARK: - lost/

    /// The `lost/` directory.
    var lostDirectory: String { Path.join(directory, "lost") }

    /// A name under `lost/` that is not taken: `name`, else `name.1`, `name.2`, ...
    private func freeLostName(_ name: String) throws -> String {
        try LSMKVError.wrappingIO { try fileSystem.createDirectory(lostDirectory) }
        var candidate = name
        var suffix = 1
        while fileSystem.fileExists(Path.join(lostDirectory, candidate)) {
            candidate = "\(name).\(suffix)"
            suffix += 1
        }
        return candidate
    }

    /// Moves `name` from the database directory into `lost/` (never over an existing file there).
    mutating func moveToLost(_ name: String, reason: String) throws {
        let target = try freeLostName(name)
        try LSMKVError.wrappingIO { try fileSystem.rename(path(name), to: Path.join(lostDirectory, target)) }
        try syncDirectory(lostDirectory)
        report.moved.append(.init(file: name, movedTo: "lost/" + target, reason: reason))
    }

    /// Writes a synced copy of `bytes` into `lost/` under `name` (for CURRENT, which must not go missing).
    private mutating func copyToLost(_ name: String, bytes: [UInt8], reason: String) throws {
        let target = try freeLostName(name)
        try LSMKVError.wrappingIO {
            let file = try fileSystem.createWritable(Path.join(lostDirectory, target))
            defer { try? file.close() }
            try file.append(bytes)
            try file.sync()
        }
        try syncDirectory(lostDirectory)
        report.moved.append(.init(file: name, movedTo: "lost/" + target, reason: reason))
    }

    /// Makes a directory's entries durable.
    func syncDirectory(_ path: String) throws {
        try LSMKVError.wrappingIO { try fileSystem.syncDirectory(path) }
    }
}

extension Database {
    /// Rebuilds the database in `path` from the files in it, after damage that keeps it from opening or reading
    /// (LevelDB's `RepairDB`).
    ///
    /// Every table is scanned with checksums on: a table that reads back completely is kept; the readable
    /// entries of a damaged table (skipping damaged blocks, or found block by block when its index or footer is
    /// gone) are copied into a new table. Every readable record of every log is replayed into new tables; torn
    /// tails and damaged regions are skipped. All tables go into level 0 of a new MANIFEST, numbered so that
    /// newer data has the higher file number (tables that overlap and cannot be ordered by their sequence numbers
    /// are merged into one), with the last sequence the largest one seen; then CURRENT is replaced with the same
    /// durability protocol the engine always uses.
    ///
    /// Nothing is deleted: logs, damaged tables, tables merged into others, leftover temporary files, old
    /// MANIFESTs and a copy of the old CURRENT are moved into the `lost/` subdirectory. The database must not be
    /// open (repair takes the LOCK). Running repair again after a crash during repair is safe.
    ///
    /// - Returns: what was recovered and what was lost, file by file, with offsets.
    /// - Throws: ``LSMKVError/locked(path:)`` when the database is open; ``LSMKVError/invalidArgument(_:)`` when
    ///   `path` is not a directory; ``LSMKVError/io(_:)`` when a file cannot be written, renamed or synced (repair
    ///   can then be run again).
    public static func repair(path: String, options: Options = Options()) throws -> RepairReport {
        let fileSystem = options.fileSystem
        guard (try? fileSystem.listDirectory(path)) != nil else {
            throw LSMKVError.invalidArgument("\(path) is not a database directory")
        }
        let lock = try DatabaseLock.acquire(path, fileSystem: fileSystem)
        defer { lock.unlock() }
        var repairer = Repairer(directory: path, options: options)
        return try repairer.run()
    }
}

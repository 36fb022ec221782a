import VFS

/// Checks a database directory, strictly read-only, and reports every problem with its file and byte offset.
///
/// The verifier never creates, writes, renames or removes a file and does not take the LOCK (which would create
/// it): it lists the directory and opens files with ``FileSystem/openReadable(_:)`` only. It checks CURRENT, the
/// MANIFEST record by record, every table the final version references (footer, index, every data block's
/// checksum, key order, recorded key range and size, Bloom filter, sequence numbers), level overlap, every live
/// log, and reports files nothing references.
public struct Verifier {
    /// The database directory.
    let directory: String
    let fileSystem: any FileSystem
    /// The report being built.
    var report = VerificationReport()

    /// Verifies the database in `path`.
    /// - Parameters:
    ///   - path: The database directory.
    ///   - fileSystem: The file system to read through; only read operations are used.
    /// - Returns: Every problem found and how much was checked. Never throws: an unreadable file is a problem.
    public static func verify(path: String, fileSystem: any FileSystem = PosixFileSystem()) -> VerificationReport {
        var verifier = Verifier(directory: path, fileSystem: fileSystem)
        verifier.run()
        return verifier.report
    }

    private mutating func run() {
        let names: [String]
        do {
            names = try fileSystem.listDirectory(directory)
        } catch {
            add(directory, nil, .corruption, "cannot list the database directory: \(error)")
            return
        }
        guard let manifestName = checkCurrent() else {
            checkOrphans(names: names, manifest: nil)
            return
        }
        let manifest = checkManifest(manifestName)
        if let manifest {
            checkTables(manifest)
            checkLevelOverlap(manifest)
            checkLogs(names: names, manifest: manifest)
        }
        checkOrphans(names: names, manifest: manifest)
    }

    /// Reads CURRENT and returns the MANIFEST name it holds, when CURRENT is intact and the MANIFEST exists.
    private mutating func checkCurrent() -> String? {
        let path = FileNames.current(directory)
        guard fileSystem.fileExists(path) else {
            add("CURRENT", nil, .corruption, "CURRENT is missing")
            return nil
        }
        guard let bytes = readWholeFileOrReport(path) else { return nil }
        guard bytes.last == UInt8(ascii: "\n") else {
            add("CURRENT", bytes.count, .corruption, "CURRENT does not end with a newline")
            return nil
        }
        let name = String(decoding: bytes.dropLast(), as: UTF8.self)
        guard case .manifest? = FileNames.parse(name), !name.contains("/") else {
            add("CURRENT", 0, .corruption, "CURRENT names '\(name)', which is not a MANIFEST name")
            return nil
        }
        guard fileSystem.fileExists(Path.join(directory, name)) else {
            add("CURRENT", 0, .corruption, "CURRENT names \(name), which does not exist")
            return nil
        }
        return name
    }

    // MARK: - Helpers

    /// Records a problem; `file` may be a path, of which only the last component is kept.
    mutating func add(_ file: String, _ offset: Int?, _ severity: VerificationReport.Severity, _ message: String) {
        report.problems.append(
            .init(file: Self.displayName(file), offset: offset, severity: severity, message: message))
    }

    /// Records a thrown error as a problem of `file` (corruption unless said otherwise).
    mutating func add(_ error: any Error, file: String, context: String? = nil) {
        let prefix = context.map { $0 + ": " } ?? ""
        switch error {
        case LSMKVError.corruption(let errorFile, let offset, let reason):
            add(errorFile, offset, .corruption, prefix + reason)
        case LSMKVError.notSupported(let errorFile, let reason):
            add(errorFile, nil, .corruption, prefix + "not supported: " + reason)
        default:
            add(file, nil, .corruption, prefix + "\(error)")
        }
    }

    /// The name of `path` within the directory.
    static func displayName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The whole contents of `path` (``FileSystem/readWholeFile(_:)``), or nil with a problem recorded when it
    /// cannot be read.
    mutating func readWholeFileOrReport(_ path: String) -> [UInt8]? {
        do {
            return try fileSystem.readWholeFile(path)
        } catch {
            add(path, nil, .corruption, "cannot read: \(error)")
            return nil
        }
    }
}

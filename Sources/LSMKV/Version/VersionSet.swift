import Synchronization
import VFS

/// The durable record of which files make up the database: the MANIFEST (a log of ``VersionEdit``s) and CURRENT
/// (the name of the live MANIFEST), written exactly as LevelDB writes them.
///
/// Durability protocol:
/// - Every file an edit references is synced and its directory entry made durable before the edit is written.
/// - An edit counts as installed only after the MANIFEST is synced; only then are files it drops deleted.
/// - A new MANIFEST is synced and its directory entry made durable before CURRENT names it; CURRENT is replaced by
///   write-temp, sync, rename, sync directory, so it is never torn and never names a missing MANIFEST.
/// - After any failed write or sync the MANIFEST is never appended to again (a half-written record must stay the
///   tail); the database goes read-only and the next open writes a fresh MANIFEST.
final class VersionSet: Sendable {
    static let comparatorName = "leveldb.BytewiseComparator"

    /// What the MANIFEST records besides the last sequence (which ``lastSequence`` keeps outside the lock, so the
    /// commit pipeline and readers never take it).
    struct State: Sendable {
        /// The installed version: the only copy the engine has; read views hold references to it.
        var current: LiveVersion
        var nextFileNumber: UInt64 = 2
        var logNumber: UInt64 = 0
        var previousLogNumber: UInt64 = 0
        var manifestNumber: UInt64 = 0
        var compactPointers: [Int: [UInt8]] = [:]
    }

    private enum ManifestState {
        case none
        case open(LogWriter)
        case failed(LSMKVError)
    }

    let directory: String
    private let fileSystem: any FileSystem
    private let hook: (@Sendable (CrashPoint) -> Void)?
    /// The tables of every version still referenced: obsolete-file deletion keeps them.
    let liveTables = LiveTables()
    private let state: Mutex<State>
    /// The sequence number of the last write applied to a MemTable; advanced only by the commit pipeline.
    private let lastSequenceValue = Atomic<UInt64>(0)
    /// Held for the whole of an edit's write and sync, so edits are appended one at a time.
    private let manifest = Mutex<ManifestState>(.none)

    init(directory: String, fileSystem: any FileSystem, hook: (@Sendable (CrashPoint) -> Void)?) {
        self.directory = directory
        self.fileSystem = fileSystem
        self.hook = hook
        state = Mutex(State(current: LiveVersion(Version(), tables: liveTables)))
    }

    /// A copy of the current state.
    var snapshot: State { state.withLock { $0 } }

    /// The installed version.
    var current: LiveVersion { state.withLock { $0.current } }

    /// The sequence number of the last write applied to a MemTable: what a read that names no snapshot sees.
    var lastSequence: SequenceNumber { lastSequenceValue.load(ordering: .acquiring) }

    /// Allocates a file number for a new log, table or manifest.
    func newFileNumber() -> UInt64 {
        state.withLock { s in
            defer { s.nextFileNumber += 1 }
            return s.nextFileNumber
        }
    }

    /// Makes sure `number` is never handed out again (a file with that number exists on disk).
    func markFileNumberUsed(_ number: UInt64) {
        state.withLock { s in s.nextFileNumber = max(s.nextFileNumber, number + 1) }
    }

    /// Raises the last sequence to `sequence` (after a commit applied its batch, or recovery replayed logs).
    ///
    /// Called by one thread at a time (the commit pipeline's leader, or the opening thread), after the writes up to
    /// `sequence` are in the MemTable: a reader that loads the new value finds them.
    func advanceLastSequence(to sequence: SequenceNumber) {
        if sequence > lastSequenceValue.load(ordering: .relaxed) {
            lastSequenceValue.store(sequence, ordering: .releasing)
        }
    }

    // MARK: - Creating and recovering

    /// Writes the first MANIFEST of a new database and points CURRENT at it.
    func create() throws {
        var edit = VersionEdit()
        edit.comparatorName = VersionSet.comparatorName
        edit.logNumber = 0
        edit.lastSequence = 0
        let number = newFileNumber()
        edit.nextFileNumber = state.withLock { $0.nextFileNumber }
        try writeManifest(number: number, records: [edit.encode()])
        try installCurrent(manifestNumber: number)
        state.withLock { $0.manifestNumber = number }
    }

    /// Reads CURRENT and replays the MANIFEST it names into the current version.
    /// - Throws: corruption naming CURRENT or the MANIFEST and the offset when either is damaged, or when a
    ///   required field is missing; ``LSMKVError/io(_:)`` when they cannot be read.
    func recover() throws {
        let currentPath = FileNames.current(directory)
        let manifestName = try readCurrent(currentPath)
        let manifestPath = Path.join(directory, manifestName)
        guard case .manifest(let manifestNumber)? = FileNames.parse(manifestName) else {
            throw LSMKVError.corruption(file: currentPath, offset: 0, reason: "CURRENT names '\(manifestName)'")
        }
        guard fileSystem.fileExists(manifestPath) else {
            throw LSMKVError.corruption(
                file: currentPath, offset: 0, reason: "CURRENT names \(manifestName), which does not exist")
        }
        let bytes = try LSMKVError.wrappingIO { try fileSystem.readWholeFile(manifestPath) }
        let replay = try ManifestReplay.replay(bytes, file: manifestPath, mode: .strict)
        // A strict replay has thrown already when one of the three is missing.
        guard let nextFile = replay.nextFileNumber, let logNumber = replay.logNumber,
            let lastSequence = replay.lastSequence
        else {
            throw LSMKVError.corruption(
                file: manifestPath, offset: replay.validLength,
                reason: "MANIFEST lacks its next file number, log number or last sequence")
        }
        var s = State(current: LiveVersion(replay.version, tables: liveTables))
        s.previousLogNumber = replay.previousLogNumber ?? 0
        s.compactPointers = replay.compactPointers
        s.nextFileNumber = max(nextFile, manifestNumber + 1, logNumber + 1)
        s.logNumber = logNumber
        s.manifestNumber = manifestNumber
        state.withLock { $0 = s }
        advanceLastSequence(to: lastSequence)
    }

    private func readCurrent(_ path: String) throws -> String {
        let bytes = try LSMKVError.wrappingIO { try fileSystem.readWholeFile(path) }
        guard let last = bytes.last, last == UInt8(ascii: "\n") else {
            throw LSMKVError.corruption(file: path, offset: bytes.count, reason: "CURRENT does not end with a newline")
        }
        let name = String(decoding: bytes.dropLast(), as: UTF8.self)
        guard !name.isEmpty, !name.contains("/"), !name.contains("\n") else {
            throw LSMKVError.corruption(file: path, offset: 0, reason: "CURRENT holds an invalid name")
        }
        return name
    }

    // MARK: - Installing edits

    /// Writes `edit` to the MANIFEST, syncs it, and makes it the current version.
    ///
    /// The first call after open starts a new MANIFEST holding a snapshot of the whole version, then repoints
    /// CURRENT. The edit's next file number and last sequence (``lastSequence`` now) are filled in here.
    /// - Throws: any write or sync error; the edit is then not installed, the MANIFEST is abandoned, and every later
    ///   call throws ``LSMKVError/readOnly(cause:)``.
    func logAndApply(_ edit: VersionEdit) throws {
        try manifest.withLock { manifest in
            if case .failed(let cause) = manifest { throw LSMKVError.readOnly(after: cause) }
            var edit = edit
            let before = state.withLock { $0 }
            if edit.logNumber == nil { edit.logNumber = before.logNumber }
            if edit.previousLogNumber == nil { edit.previousLogNumber = before.previousLogNumber }
            edit.lastSequence = lastSequence
            let manifestNumber: UInt64? = {
                if case .none = manifest { return newFileNumber() }
                return nil
            }()
            edit.nextFileNumber = state.withLock { $0.nextFileNumber }
            let version = LiveVersion(try before.current.version.applying(edit, manifest: "edit"), tables: liveTables)
            do {
                switch manifest {
                case .open(let writer):
                    hook?(.manifestWrite)
                    try writer.addRecord(edit.encode())
                    hook?(.manifestSync)
                    try writer.sync()
                case .none:
                    var snapshot = before.current.version.snapshotEdit()
                    snapshot.comparatorName = VersionSet.comparatorName
                    for (level, key) in before.compactPointers.sorted(by: { $0.key < $1.key }) {
                        snapshot.compactPointers.append((level, key))
                    }
                    let writer = try writeManifest(
                        number: manifestNumber!, records: [snapshot.encode(), edit.encode()])
                    manifest = .open(writer)
                    try installCurrent(manifestNumber: manifestNumber!)
                case .failed:
                    preconditionFailure("handled above")
                }
            } catch {
                manifest = .failed(LSMKVError(wrapping: error))
                throw error
            }
            state.withLock { s in
                s.current = version
                s.logNumber = edit.logNumber ?? s.logNumber
                s.previousLogNumber = edit.previousLogNumber ?? s.previousLogNumber
                if let n = manifestNumber { s.manifestNumber = n }
                for pointer in edit.compactPointers { s.compactPointers[pointer.level] = pointer.key }
            }
        }
    }

    /// Creates MANIFEST-`number` holding `records`, syncs it, and makes its directory entry durable.
    /// On failure the partial file is removed.
    @discardableResult
    private func writeManifest(number: UInt64, records: [[UInt8]]) throws -> LogWriter {
        let path = FileNames.manifest(directory, number)
        do {
            let file = try LSMKVError.wrappingIO { try fileSystem.createWritable(path) }
            let writer = LogWriter(file: file)
            for record in records {
                hook?(.manifestWrite)
                try writer.addRecord(record)
            }
            hook?(.manifestSync)
            try writer.sync()
            try syncDirectory()
            return writer
        } catch {
            try? fileSystem.remove(path)
            throw error
        }
    }

    /// Points CURRENT at MANIFEST-`manifestNumber`: write a temporary file, sync it, rename it over CURRENT,
    /// sync the directory.
    private func installCurrent(manifestNumber: UInt64) throws {
        let temp = FileNames.temp(directory, manifestNumber)
        let contents = Array(("MANIFEST-" + FileNames.numbered(manifestNumber) + "\n").utf8)
        do {
            try LSMKVError.wrappingIO {
                let file = try fileSystem.createWritable(temp)
                defer { try? file.close() }
                try file.append(contents)
                try file.sync()
            }
            hook?(.currentRename)
            try LSMKVError.wrappingIO { try fileSystem.rename(temp, to: FileNames.current(directory)) }
        } catch {
            try? fileSystem.remove(temp)
            throw error
        }
        hook?(.currentRenamed)
        try syncDirectory()
    }

    /// Makes the directory's entries durable.
    func syncDirectory() throws {
        hook?(.directorySync)
        try LSMKVError.wrappingIO { try fileSystem.syncDirectory(directory) }
    }

    /// Closes the open MANIFEST (without writing anything).
    func close() {
        manifest.withLock { manifest in
            if case .open(let writer) = manifest { try? writer.close() }
            manifest = .failed(.closed)
        }
    }

    /// Writes a brand-new MANIFEST-`number` holding `edit` alone and points CURRENT at it, with the same protocol
    /// as every MANIFEST switch (sync the file, sync the directory, temp + rename CURRENT, sync the directory).
    /// Repair uses it: it builds the whole version from the files themselves.
    func installFreshManifest(number: UInt64, edit: VersionEdit) throws {
        let writer = try writeManifest(number: number, records: [edit.encode()])
        try? writer.close()
        try installCurrent(manifestNumber: number)
    }
}

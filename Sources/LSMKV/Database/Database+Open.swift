import Dispatch
import Synchronization
import VFS

extension Database {
    /// Opens (or creates) the database in directory `path`.
    ///
    /// Recovery: take the `LOCK`, read CURRENT and replay the MANIFEST, replay every live write-ahead log into a
    /// MemTable (a torn tail ends a log normally; damage in synced records — before a durability marker — or in the
    /// middle is an error unless ``Options/logRecovery`` says to salvage), write what was replayed to level-0
    /// tables, start a new log, and record it all in a fresh MANIFEST. A crash at any point of this leaves a
    /// directory that opens again.
    ///
    /// - Throws: ``LSMKVError/locked(path:)`` when the directory is in use; ``LSMKVError/corruption(file:offset:reason:)``
    ///   naming the damaged file and offset; ``LSMKVError/invalidArgument(_:)`` when the database is missing and
    ///   ``Options/createIfMissing`` is false, or exists and ``Options/errorIfExists`` is true;
    ///   ``LSMKVError/io(_:)`` for file-system failures.
    public convenience init(path: String, options: Options = Options()) throws {
        let fileSystem = options.fileSystem
        if options.createIfMissing { try LSMKVError.wrappingIO { try fileSystem.createDirectory(path) } }
        let lock = try DatabaseLock.acquire(path, fileSystem: fileSystem)
        do {
            let recovered = try Database.recover(path: path, options: options)
            self.init(path: path, options: options, lock: lock, recovered: recovered)
        } catch {
            lock.unlock()
            throw error
        }
    }

    /// Opens the database at `path` with default options, creating it when missing.
    public convenience init(path: String) throws { try self.init(path: path, options: Options()) }

    struct Recovered {
        var versions: VersionSet
        var log: LogWriter
        var logNumber: UInt64
        var report: RecoveryReport
    }

    private convenience init(path: String, options: Options, lock: any FileLock, recovered: Recovered) {
        let tableCache = TableCache(
            directory: path, fileSystem: options.fileSystem,
            options: TableReaderOptions(verifyChecksums: options.verifyChecksums), capacity: options.maxOpenFiles,
            blockCacheCapacity: options.blockCacheCapacity, mapFiles: options.mapTableFiles)
        self.init(
            path: path, options: options, versions: recovered.versions, tableCache: tableCache,
            mem: MemTable(logNumber: recovered.logNumber), log: recovered.log, lock: lock, report: recovered.report)
        publishInstalledVersion(flushed: false)
        deleteObsoleteFiles()
        maybeScheduleCompaction()
    }

    private static func recover(path: String, options: Options) throws -> Recovered {
        let fileSystem = options.fileSystem
        let versions = VersionSet(directory: path, fileSystem: fileSystem, hook: options.crashPointHook)
        var names = try LSMKVError.wrappingIO { try fileSystem.listDirectory(path) }
        // Never hand out the number of a file that exists, even an orphan from a crash during an earlier recovery.
        for name in names {
            switch FileNames.parse(name) {
            case .log(let n)?, .table(let n)?, .manifest(let n)?, .temp(let n)?: versions.markFileNumberUsed(n)
            default: break
            }
        }
        if !fileSystem.fileExists(FileNames.current(path)) {
            guard options.createIfMissing else {
                throw LSMKVError.invalidArgument("\(path) holds no database (CURRENT is missing)")
            }
            try versions.create()
            names = try LSMKVError.wrappingIO { try fileSystem.listDirectory(path) }
        } else if options.errorIfExists {
            throw LSMKVError.invalidArgument("a database already exists in \(path)")
        }
        try versions.recover()
        for name in names {
            if case .log(let n)? = FileNames.parse(name) { versions.markFileNumberUsed(n) }
        }
        let recorded = versions.snapshot
        try checkTablesExist(recorded.current.version, names: Set(names), path: path)

        let logs = names.compactMap { name -> UInt64? in
            guard case .log(let n)? = FileNames.parse(name) else { return nil }
            return n >= recorded.logNumber || n == recorded.previousLogNumber ? n : nil
        }.sorted()
        var report = RecoveryReport()
        var edit = VersionEdit()
        var lastSequence = versions.lastSequence
        var mem = MemTable(logNumber: 0)
        for number in logs {
            let logPath = FileNames.log(path, number)
            report.logsReplayed.append(logPath)
            let bytes = try LSMKVError.wrappingIO { try fileSystem.readWholeFile(logPath) }
            let (records, dropped) = try recoverableRecords(of: bytes, logPath: logPath, options: options)
            for record in records {
                var (batch, operations) = try WriteBatch.decode(record.payload, file: logPath, offset: record.offset)
                if PlantedBug.isActive(.tombstoneIgnoredOnRecovery) {
                    operations = operations.map {
                        if case .delete(let key) = $0 { .put(key: key, value: []) } else { $0 }
                    }
                }
                mem.apply(operations, sequence: batch.sequence)
                if batch.count > 0 {
                    lastSequence = max(lastSequence, batch.sequence + SequenceNumber(batch.count) - 1)
                }
                report.batchesReplayed += 1
                if mem.approximateMemoryUsage >= options.writeBufferSize {
                    try flushRecovered(&mem, into: &edit, path: path, options: options, versions: versions)
                }
            }
            report.droppedRegions += dropped
        }
        try flushRecovered(&mem, into: &edit, path: path, options: options, versions: versions)

        let logNumber = versions.newFileNumber()
        let file = try options.createLog(FileNames.log(path, logNumber))
        do {
            try versions.syncDirectory()
            edit.logNumber = logNumber
            edit.previousLogNumber = 0
            versions.advanceLastSequence(to: lastSequence)
            try versions.logAndApply(edit)
        } catch {
            try? file.close()
            throw error
        }
        return Recovered(
            versions: versions, log: LogWriter(file: file, marksDurability: true), logNumber: logNumber,
            report: report)
    }

    /// The records of one log that recovery replays, and the regions it drops, by how the log ended and
    /// ``Options/logRecovery``.
    ///
    /// A torn tail is dropped. Damage in synced data (before a durability marker) or in the middle of the log fails
    /// the open unless the mode salvages: ``LogRecoveryMode/salvagePrefix`` keeps the records before the damage,
    /// ``LogRecoveryMode/salvageAll`` every readable record.
    /// - Throws: ``LSMKVError/corruption(file:offset:reason:)`` naming the log and the offset of the damage.
    private static func recoverableRecords(
        of bytes: [UInt8], logPath: String, options: Options
    ) throws -> (records: [LogReader.Record], dropped: [RecoveryReport.DroppedRegion]) {
        let log = LogReader.read(bytes, file: logPath)
        var ending = log.ending
        if PlantedBug.isActive(.tornTailIsFatal), case .tornTail(let offset, let reason) = ending {
            ending = .midLogDamage(offset: offset, reason: reason, readableRecordsAfter: 0)
        }
        if PlantedBug.isActive(.midLogDamageTruncatedSilently),
            case .midLogDamage(let offset, let reason, _) = ending
        {
            ending = .tornTail(offset: offset, reason: reason)
        }
        if PlantedBug.isActive(.syncedDamageTreatedAsTornTail),
            case .syncedDamage(let offset, let reason, _) = ending
        {
            ending = .tornTail(offset: offset, reason: reason)
        }
        /// The tail from `offset` on, dropped whole.
        func droppedTail(_ offset: Int, _ reason: String, isTornTail: Bool) -> RecoveryReport.DroppedRegion {
            let readable = LogReader.salvage(bytes, file: logPath).records.count { $0.offset > offset }
            return .init(
                file: logPath, offset: offset, reason: reason, isTornTail: isTornTail, length: bytes.count - offset,
                readableRecordsDropped: readable)
        }
        let damage: (offset: Int, reason: String, explanation: String)
        switch ending {
        case .clean: return (log.records, [])
        case .tornTail(let offset, let reason):
            return (log.records, [droppedTail(offset, reason, isTornTail: true)])
        case .midLogDamage(let offset, let reason, let after):
            damage = (
                offset, reason,
                "\(reason), followed by \(after) readable records (damage in the middle of the log, not a torn tail"
            )
        case .syncedDamage(let offset, let reason, let durable):
            damage = (
                offset, reason,
                "\(reason) in synced data (the log proves every byte before offset \(durable) was synced, so this is "
                    + "not a torn tail"
            )
        }
        switch options.logRecovery {
        case .failOnDamage:
            throw LSMKVError.corruption(
                file: logPath, offset: damage.offset,
                reason: damage.explanation
                    + "; open with logRecovery = .salvagePrefix to keep the records before it, or .salvageAll to keep "
                    + "every readable record)")
        case .salvagePrefix:
            let region = droppedTail(damage.offset, damage.reason, isTornTail: false)
            return (log.records, [region])
        case .salvageAll:
            let salvage = LogReader.salvage(bytes, file: logPath)
            let regions = salvage.skipped.map { region in
                RecoveryReport.DroppedRegion(
                    file: logPath, offset: region.offset, reason: region.reason,
                    isTornTail: salvage.isTornTailOnly && region.offset == salvage.skipped.last?.offset,
                    length: region.length)
            }
            return (salvage.records, regions)
        }
    }

    private static func flushRecovered(
        _ mem: inout MemTable, into edit: inout VersionEdit, path: String, options: Options, versions: VersionSet
    ) throws {
        let number = versions.newFileNumber()
        if let table = try writeTable(
            mem, number: number, directory: path, fileSystem: options.fileSystem, options: options, versions: versions)
        {
            edit.addFile(level: 0, table)
        }
        mem = MemTable(logNumber: 0)
    }

    private static func checkTablesExist(_ version: Version, names: Set<String>, path: String) throws {
        for file in version.allFiles {
            let number = FileNames.numbered(file.number)
            if !names.contains(number + ".ldb") && !names.contains(number + ".sst") {
                throw LSMKVError.corruption(
                    file: FileNames.table(path, file.number), offset: 0,
                    reason: "table referenced by the MANIFEST is missing")
            }
        }
    }
}

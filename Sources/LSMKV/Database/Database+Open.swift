import Dispatch
import Synchronization
import VFS

extension Database {
    /// Opens (or creates) the database in directory `path`.
    ///
    /// Recovery: take the `LOCK`, read CURRENT and replay the MANIFEST, replay every live write-ahead log into a
    /// MemTable (a torn tail ends a log normally; damage in the middle is an error unless
    /// ``Options/logRecovery`` says to salvage), write what was replayed to level-0 tables, start a new log, and
    /// record it all in a fresh MANIFEST. A crash at any point of this leaves a directory that opens again.
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
            let log = LogReader.read(bytes, file: logPath)
            for record in log.records {
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
            var ending = log.ending
            if PlantedBug.isActive(.tornTailIsFatal), case .tornTail(let offset, let reason) = ending {
                ending = .midLogDamage(offset: offset, reason: reason, readableRecordsAfter: 0)
            }
            if PlantedBug.isActive(.midLogDamageTruncatedSilently),
                case .midLogDamage(let offset, let reason, _) = ending
            {
                ending = .tornTail(offset: offset, reason: reason)
            }
            switch ending {
            case .clean: break
            case .tornTail(let offset, let reason):
                report.droppedRegions.append(.init(file: logPath, offset: offset, reason: reason, isTornTail: true))
            case .midLogDamage(let offset, let reason, let after):
                guard options.logRecovery == .salvagePrefix else {
                    throw LSMKVError.corruption(
                        file: logPath, offset: offset,
                        reason: "\(reason), followed by \(after) readable records (damage in the middle of the log, "
                            + "not a torn tail; open with logRecovery = .salvagePrefix to keep the records before it)")
                }
                report.droppedRegions.append(
                    .init(
                        file: logPath, offset: offset, reason: "\(reason); \(after) later records dropped",
                        isTornTail: false))
            }
        }
        try flushRecovered(&mem, into: &edit, path: path, options: options, versions: versions)

        let logNumber = versions.newFileNumber()
        let file = try LSMKVError.wrappingIO { try fileSystem.createWritable(FileNames.log(path, logNumber)) }
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
            versions: versions, log: LogWriter(file: file), logNumber: logNumber, report: report)
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

import VFS

extension Database {
    /// Writes the immutable MemTable to a level-0 table and installs it; runs on the background queue.
    func flushImmutableMemTable() {
        defer { flushes.leave() }
        let (imm, mem, lastSequence) = state.withLock { ($0.imm, $0.mem, $0.lastSequence) }
        guard let imm else { return }
        do {
            var edit = VersionEdit()
            if let table = try writeLevel0Table(imm) { edit.addFile(level: 0, table) }
            if PlantedBug.isActive(.logDeletedBeforeEdit) {
                try? fileSystem.remove(FileNames.log(path, imm.logNumber))
            }
            // Logs older than the live MemTable's are obsolete once this edit is durable.
            edit.logNumber = mem.logNumber
            edit.previousLogNumber = 0
            try versions.logAndApply(edit, lastSequence: lastSequence)
            state.withLock { s in
                s.imm = nil
                installCurrentVersion(&s)
                for file in edit.newFiles { s.pendingOutputs.remove(file.file.number) }
            }
            let flushed = edit.newFiles.reduce(0) { $0 + $1.file.size }
            counters.update { $0.flushBytesWritten += flushed }
            deleteObsoleteFiles()
            maybeScheduleCompaction()
        } catch {
            setBackgroundError(error)
        }
    }

    /// Writes `memTable` to a new level-0 table (see ``Database/writeTable(_:number:directory:fileSystem:options:versions:)``),
    /// protecting the file from obsolete-file deletion while it is written.
    func writeLevel0Table(_ memTable: MemTable) throws -> FileMetadata? {
        guard memTable.count > 0 else { return nil }
        let number = versions.newFileNumber()
        state.withLock { _ = $0.pendingOutputs.insert(number) }
        do {
            return try Database.writeTable(
                memTable, number: number, directory: path, fileSystem: fileSystem, options: options, versions: versions)
        } catch {
            state.withLock { _ = $0.pendingOutputs.remove(number) }
            throw error
        }
    }

    /// Writes `memTable` to table `number`, syncs it and makes its directory entry durable.
    /// - Returns: the table's metadata, or nil when the MemTable is empty (no file is written).
    /// - Throws: any write or sync error, after removing the partial file.
    static func writeTable(
        _ memTable: MemTable, number: UInt64, directory: String, fileSystem: any FileSystem, options: Options,
        versions: VersionSet
    ) throws -> FileMetadata? {
        guard memTable.count > 0 else { return nil }
        let tablePath = FileNames.table(directory, number)
        do {
            options.crashPointHook?(.tableWrite)
            let file = try LSMKVError.wrappingIO { try fileSystem.createWritable(tablePath) }
            defer { try? file.close() }
            let builder = try TableBuilder(file: file, options: options.tableOptions)
            let iterator = memTable.makeIterator()
            try iterator.seekToFirst()
            while iterator.isValid {
                try builder.add(key: iterator.key, value: iterator.value)
                try iterator.next()
            }
            try builder.finish()
            options.crashPointHook?(.tableSync)
            if !PlantedBug.isActive(.tableNotSynced) { try LSMKVError.wrappingIO { try file.sync() } }
            if !PlantedBug.isActive(.noDirectorySyncForNewTable) { try versions.syncDirectory() }
            guard let smallest = builder.smallestKey, let largest = builder.largestKey else {
                preconditionFailure("a table built from a non-empty MemTable has keys")
            }
            return FileMetadata(number: number, size: builder.fileSize, smallest: smallest, largest: largest)
        } catch {
            try? fileSystem.remove(tablePath)
            throw error
        }
    }

    /// Deletes files no longer needed: logs older than the MANIFEST's log number, older MANIFESTs, tables no
    /// version references (the current one or one an iterator still reads), leftover temporary files. Called only
    /// after the edit that obsoleted them is durable. After a background failure it deletes nothing: whether the
    /// failed edit reached the disk is unknown, so every file it names may be live (LevelDB's rule).
    func deleteObsoleteFiles() {
        // List first: a file listed here was created after its number entered `pendingOutputs`, and leaves that set
        // only once the version recorded below holds it.
        guard let names = try? fileSystem.listDirectory(path) else { return }
        let (pending, pinned, failed) = state.withLock { s in
            (
                s.pendingOutputs, s.pinnedVersions.values.flatMap { $0.version.allFiles.map(\.number) },
                s.backgroundError != nil
            )
        }
        if failed { return }
        let recorded = versions.snapshot
        let live = Set(recorded.current.allFiles.map(\.number)).union(pending).union(pinned)
        for name in names {
            let keep: Bool
            switch FileNames.parse(name) {
            case .log(let n)?: keep = n >= recorded.logNumber || n == recorded.previousLogNumber
            case .manifest(let n)?: keep = n >= recorded.manifestNumber
            case .table(let n)?: keep = live.contains(n)
            case .temp(let n)?: keep = pending.contains(n)
            default: keep = true
            }
            if keep { continue }
            options.crashPointHook?(.fileDeletion)
            try? fileSystem.remove(Path.join(path, name))
            if case .table(let n)? = FileNames.parse(name) { tableCache.evict(n) }
        }
    }
}

extension Options {
    var tableOptions: TableOptions {
        TableOptions(blockSize: blockSize, restartInterval: blockRestartInterval, bloomBitsPerKey: bloomBitsPerKey)
    }
}

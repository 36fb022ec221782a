import VFS

extension Database {
    /// Writes the immutable MemTable to a level-0 table and installs it; runs on the background queue.
    func flushImmutableMemTable() {
        defer { flushes.leave() }
        let (imm, mem) = state.withLock { ($0.view.imm, $0.view.mem) }
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
            try versions.logAndApply(edit)
            publishInstalledVersion(flushed: true)
            obsoleteFiles.release(edit.newFiles.map(\.file.number))
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
        let number = obsoleteFiles.newOutputNumber()
        do {
            return try Database.writeTable(
                memTable, number: number, directory: path, fileSystem: fileSystem, options: options, versions: versions)
        } catch {
            obsoleteFiles.release([number])
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
            try memTable.forEachEntry { key, value in try builder.add(key: key, value: value) }
            try builder.finish()
            options.crashPointHook?(.tableSync)
            try LSMKVError.wrappingIO { try file.sync() }
            try versions.syncDirectory()
            guard let smallest = builder.smallestKey, let largest = builder.largestKey else {
                preconditionFailure("a table built from a non-empty MemTable has keys")
            }
            return FileMetadata(number: number, size: builder.fileSize, smallest: smallest, largest: largest)
        } catch {
            try? fileSystem.remove(tablePath)
            throw error
        }
    }

    /// Deletes the files nothing needs any more (see ``ObsoleteFiles``), unless a background failure left it unknown
    /// whether the failed edit reached the disk.
    func deleteObsoleteFiles() {
        if state.withLock({ $0.backgroundError != nil }) { return }
        obsoleteFiles.deleteObsoleteFiles()
    }
}

extension Options {
    var tableOptions: TableOptions {
        TableOptions(blockSize: blockSize, restartInterval: blockRestartInterval, bloomBitsPerKey: bloomBitsPerKey)
    }
}

import VFS

/// Runs one ``Compaction``: merges its inputs, drops what no reader can see any more, writes the survivors to new
/// tables, and returns the edit that installs them. It never touches the inputs or the MANIFEST.
///
/// What is dropped (LevelDB's rules), with `smallestSnapshot` the oldest sequence any reader may still read at:
/// - a version of a key when a newer version of the same key, itself at or below `smallestSnapshot`, was kept:
///   every reader sees that newer one;
/// - a tombstone at or below `smallestSnapshot` when no level deeper than the output may hold the key (and the
///   older versions it hides are in this merge, so they are dropped by the first rule).
///
/// Durability: every output is synced and the directory entries made durable before the edit is returned, so the
/// caller may install it at once. On any error or cancellation the outputs written so far are removed.
struct CompactionJob {
    /// What the job did, for statistics.
    struct Result {
        var edit: VersionEdit
        var outputs: [FileMetadata]
        var bytesRead: Int
        var bytesWritten: Int
        var entriesDropped: Int
    }

    /// Thrown when ``isCancelled`` turned true (the database is closing); nothing was installed.
    struct Cancelled: Error {}

    let compaction: Compaction
    let version: Version
    let smallestSnapshot: SequenceNumber
    let directory: String
    let options: Options
    let tableCache: TableCache
    let versions: VersionSet
    /// Allocates an output file number and protects the file from obsolete-file deletion until it is installed.
    let newOutputNumber: () -> UInt64
    /// Polled between entries: a closing database stops the job.
    let isCancelled: () -> Bool

    private var fileSystem: any FileSystem { options.fileSystem }

    func run() throws -> Result {
        var edit = compaction.baseEdit()
        if compaction.isTrivialMove {
            let file = compaction.inputFiles[0]
            edit.addFile(level: compaction.outputLevel, file)
            return Result(edit: edit, outputs: [file], bytesRead: 0, bytesWritten: 0, entriesDropped: 0)
        }
        var output = OutputWriter(job: self)
        let dropped: Int
        do {
            dropped = try merge(into: &output)
            try output.finishTable()
            if !output.finished.isEmpty { try versions.syncDirectory() }
        } catch {
            output.abandon()
            throw error
        }
        for file in output.finished { edit.addFile(level: compaction.outputLevel, file) }
        return Result(
            edit: edit, outputs: output.finished, bytesRead: compaction.inputBytes,
            bytesWritten: output.finished.reduce(0) { $0 + $1.size }, entriesDropped: dropped)
    }

    /// Streams the merged inputs into `output`, returning how many entries were dropped.
    private func merge(into output: inout OutputWriter) throws -> Int {
        let input = try makeInputIterator()
        try input.seekToFirst()
        var deeper = DeeperLevelsCursor(version: version, below: compaction.outputLevel)
        // The internal key that started the current user key's run (compared by user key only, in place).
        var currentKey: [UInt8] = []
        var hasCurrentKey = false
        var lastSequenceForKey = SequenceNumber.max
        var dropped = 0
        var steps = 0
        // Each kept value is copied into this one buffer (the table builder copies it on), not into a new array.
        var value: [UInt8] = []
        while input.isValid {
            steps += 1
            if steps % 1024 == 0 && isCancelled() { throw Cancelled() }
            let key = input.key
            guard let (sequence, type) = InternalKey.parseTrailer(key) else {
                throw LSMKVError.corruption(
                    file: directory, offset: 0, reason: "compaction input holds a malformed internal key")
            }
            let newUserKey = !hasCurrentKey || InternalKey.compareUserKeys(currentKey, key) != 0
            if newUserKey {
                Bytes.assign(&currentKey, from: key)
                hasCurrentKey = true
                lastSequenceForKey = SequenceNumber.max
            }
            var drop = false
            if lastSequenceForKey <= smallestSnapshot {
                drop = true  // hidden by a newer version every reader sees
            } else if type == .deletion && sequence <= smallestSnapshot
                && (PlantedBug.isActive(.tombstoneDroppedAboveBaseLevel)
                    || !deeper.mayContain(InternalKey.userKey(key)))
            {
                drop = true  // nothing older is left for it to hide
            }
            lastSequenceForKey = sequence
            if drop {
                dropped += 1
            } else {
                input.copyValue(into: &value)
                try output.add(key: key, startsUserKey: newUserKey, value: value)
            }
            try input.next()
        }
        return dropped
    }

    private func makeInputIterator() throws -> InternalIterator {
        var children: [InternalIterator] = []
        for (level, files) in compaction.inputs where !files.isEmpty {
            if level == 0 {
                for file in files { children.append(try tableCache.reader(for: file).makeIterator()) }
            } else {
                let sorted = files.sorted { InternalKey.compare($0.smallest, $1.smallest) < 0 }
                children.append(LevelIterator(files: sorted, tableCache: tableCache))
            }
        }
        return MergingIterator(children)
    }
}

/// Writes a compaction's surviving entries to a sequence of tables, cutting a new one at
/// ``Options/targetFileSize`` (and, for leveled compaction, before one overlaps too much of the next level) but
/// never between two versions of the same user key, so a level never splits a key across files.
private struct OutputWriter {
    let job: CompactionJob
    private(set) var finished: [FileMetadata] = []
    private var current: (number: UInt64, file: any WritableFile, builder: TableBuilder, smallest: [UInt8])?
    private var grandparentIndex = 0
    private var grandparentOverlap = 0
    private var sawKey = false

    init(job: CompactionJob) { self.job = job }

    /// Adds the next surviving entry. `startsUserKey` says that no newer version of its user key came
    /// before it: only then may a new table start, so a user key never spans two tables.
    mutating func add(key: [UInt8], startsUserKey: Bool, value: [UInt8]) throws {
        let overlapsTooMuch = startsUserKey && shouldStopBefore(key)
        if startsUserKey, let size = current?.builder.fileSize, size >= job.options.targetFileSize || overlapsTooMuch {
            try finishTable()
        }
        if current == nil { try startTable(smallest: key) }
        try current!.builder.add(key: key, value: value)
    }

    /// Finishes, syncs and records the table being written, if any.
    mutating func finishTable() throws {
        guard let table = current else { return }
        defer { try? table.file.close() }
        try table.builder.finish()
        // The builder keeps the last key it was given: no copy of each key here.
        guard let largest = table.builder.largestKey else {
            preconditionFailure("a compaction output is started by its first entry")
        }
        job.options.crashPointHook?(.compactionOutputSync)
        try LSMKVError.wrappingIO { try table.file.sync() }
        finished.append(
            FileMetadata(number: table.number, size: table.builder.fileSize, smallest: table.smallest, largest: largest)
        )
        current = nil
    }

    /// Removes every output written so far (after an error or a cancellation).
    mutating func abandon() {
        if let table = current { try? table.file.close() }
        for number in finished.map(\.number) + (current.map { [$0.number] } ?? []) {
            try? job.options.fileSystem.remove(FileNames.table(job.directory, number))
        }
        finished = []
        current = nil
    }

    private mutating func startTable(smallest: [UInt8]) throws {
        let number = job.newOutputNumber()
        job.options.crashPointHook?(.compactionOutput)
        let path = FileNames.table(job.directory, number)
        let file = try LSMKVError.wrappingIO { try job.options.fileSystem.createWritable(path) }
        do {
            current = (number, file, try TableBuilder(file: file, options: job.options.tableOptions), smallest)
        } catch {
            try? file.close()
            try? job.options.fileSystem.remove(path)
            throw error
        }
    }

    /// LevelDB's rule: cut before `key` when the current output already overlaps more than ten target file sizes
    /// of the level below the output.
    private mutating func shouldStopBefore(_ key: [UInt8]) -> Bool {
        let grandparents = job.compaction.grandparents
        while grandparentIndex < grandparents.count
            && InternalKey.compare(key, grandparents[grandparentIndex].largest) > 0
        {
            if sawKey { grandparentOverlap += grandparents[grandparentIndex].size }
            grandparentIndex += 1
        }
        sawKey = true
        if grandparentOverlap > 10 * job.options.targetFileSize {
            grandparentOverlap = 0
            return true
        }
        return false
    }
}

import VFS

extension Repairer {
    /// Replays every readable record of log `name` into new tables and queues the log for `lost/`.
    ///
    /// Records are read with ``LogReader/salvage(_:file:)``, which skips past damage; each skipped region and each
    /// record that does not decode as a write batch is a loss. Each log gets its own tables (a new one whenever
    /// the MemTable reaches the write buffer size), so a table's sequence range is that of its log.
    mutating func convertLog(_ name: String) throws {
        let logPath = path(name)
        let bytes: [UInt8]
        do {
            bytes = try LSMKVError.wrappingIO { try fileSystem.readWholeFile(logPath) }
        } catch {
            report.losses.append(
                .init(file: name, offset: nil, bytes: nil, entries: nil, reason: "cannot read: \(error)"))
            pendingLost.append((name, "unreadable log", nil))
            return
        }
        let salvage = LogReader.salvage(bytes, file: logPath)
        for (position, region) in salvage.skipped.enumerated() {
            let tornTail = salvage.isTornTailOnly && position == salvage.skipped.count - 1
            report.losses.append(
                .init(
                    file: name, offset: region.offset, bytes: region.length, entries: nil,
                    reason: region.reason + (tornTail ? " (torn tail: the normal trace of a crash)" : "")))
        }
        var badRecords = 0
        var mem = MemTable(logNumber: 0)
        for record in salvage.records {
            let operations: [WriteBatch.Operation]
            let sequence: SequenceNumber
            do {
                (sequence, operations) = try {
                    let (batch, operations) = try WriteBatch.decode(
                        record.payload, file: logPath, offset: record.offset)
                    return (batch.sequence, operations)
                }()
            } catch {
                badRecords += 1
                let count = record.payload.count >= 12 ? Int(decodeFixed32(record.payload, at: 8)) : nil
                report.losses.append(
                    .init(
                        file: name, offset: record.offset, bytes: record.payload.count, entries: count,
                        reason: "record is not a valid write batch: \(Self.reason(error))"))
                continue
            }
            mem.apply(operations, sequence: sequence)
            report.logRecordsReplayed += 1
            if mem.approximateMemoryUsage >= options.writeBufferSize {
                try flushLogTable(mem, log: name)
                mem = MemTable(logNumber: 0)
            }
        }
        try flushLogTable(mem, log: name)
        let damaged = badRecords > 0 || !(salvage.skipped.isEmpty || salvage.isTornTailOnly)
        let reason =
            damaged
            ? "damaged log; its \(salvage.records.count - badRecords) readable records were replayed"
            : "replayed into new tables\(salvage.skipped.isEmpty ? "" : " (torn tail dropped)")"
        pendingLost.append((name, reason, nil))
    }

    /// Writes the MemTable replayed from `log` to a new table, when it holds anything.
    private mutating func flushLogTable(_ mem: MemTable, log: String) throws {
        guard mem.count > 0 else { return }
        let writer = try RepairTableWriter(repairer: self, number: newFileNumber())
        let iterator = mem.makeIterator()
        try iterator.seekToFirst()
        while iterator.isValid {
            try writer.add(iterator.key, iterator.value)
            try iterator.next()
        }
        if let candidate = try writer.finish(origin: .log, sources: [log]) { candidates.append(candidate) }
    }
}

import VFS

extension Repairer {
    /// What reading one table found: its readable entries, in order, and what could not be read.
    struct TableScan {
        var entries: [(key: [UInt8], value: [UInt8])] = []
        var losses: [RepairReport.Loss] = []
        /// Why the table cannot be kept as it is; nil when it read back completely.
        var damage: String?
        /// Entries that decoded but were dropped (malformed internal key, or out of order).
        var rejected = 0

        /// Records a loss and marks the table damaged.
        mutating func lose(_ file: String, _ offset: Int?, bytes: Int?, entries: Int?, _ reason: String) {
            losses.append(.init(file: file, offset: offset, bytes: bytes, entries: entries, reason: reason))
            if damage == nil { damage = reason }
        }

        /// Records a thrown error as a loss; a corruption error's own offset is used when there is one.
        mutating func lose(_ file: String, _ error: any Error, at offset: Int?, bytes: Int?, context: String) {
            if case LSMKVError.corruption(_, let errorOffset, let reason) = error {
                lose(file, errorOffset, bytes: bytes, entries: nil, "\(context): \(reason)")
            } else {
                lose(file, offset, bytes: bytes, entries: nil, "\(context): \(error)")
            }
        }

        /// Keeps an entry when its key is a well-formed internal key above the previous one.
        mutating func accept(_ key: [UInt8], _ value: [UInt8]) -> Bool {
            guard InternalKey.parse(key) != nil else { return false }
            if let last = entries.last, InternalKey.compare(key, last.key) <= 0 { return false }
            entries.append((key, value))
            return true
        }
    }

    /// Scans table `name`; keeps it when it read back completely, else copies its readable entries into a new
    /// table and moves it to `lost/`.
    mutating func repairTable(_ name: String) throws {
        let scan = scanTable(name)
        report.losses += scan.losses
        guard let damage = scan.damage else {
            guard let number = Self.fileNumber(name), let first = scan.entries.first, let last = scan.entries.last
            else {
                // Opening the database would delete a table no version references: keep it in lost/ instead.
                pendingLost.append((name, "a table without entries", nil))
                return
            }
            let size = try LSMKVError.wrappingIO { try fileSystem.fileSize(path(name)) }
            candidates.append(
                Candidate(
                    name: name, number: number, size: size, smallest: first.key, largest: last.key,
                    sequences: Self.sequenceRange(scan.entries.lazy.map(\.key)), entries: scan.entries.count,
                    origin: .kept, sources: [name], writtenByRepair: false))
            return
        }
        guard !scan.entries.isEmpty else {
            pendingLost.append((name, "no readable entry (\(damage))", nil))
            return
        }
        let writer = try RepairTableWriter(repairer: self, number: newFileNumber())
        for entry in scan.entries { try writer.add(entry.key, entry.value) }
        if let candidate = try writer.finish(origin: .salvaged, sources: [name]) {
            candidates.append(candidate)
            pendingLost.append((name, "damaged; its \(candidate.entries) readable entries", candidate.name))
        }
    }

    /// Reads every entry of table `name` with checksums on, skipping damaged data blocks. When the footer or index
    /// cannot be read, data blocks are found without them (``scanBlocks(_:from:file:into:)``).
    func scanTable(_ name: String) -> TableScan {
        var scan = TableScan()
        let file: any ReadableFile
        let size: Int
        do {
            file = try fileSystem.openReadable(path(name))
            size = try file.size()
        } catch {
            scan.lose(name, nil, bytes: nil, entries: nil, "cannot read: \(error)")
            return scan
        }
        defer { file.close() }
        let table: TableReader
        do {
            table = try TableReader.open(file: file, fileSize: size, options: TableReaderOptions(useFilter: false))
        } catch {
            scan.lose(name, error, at: nil, bytes: nil, context: "footer or index block unreadable")
            scanWithoutIndex(file, size: size, from: 0, name: name, into: &scan)
            return scan
        }
        // The end of the last data block the index located: the search for blocks resumes there if the index breaks.
        var resumeAt = 0
        let index = table.indexBlock.makeIterator()
        do {
            try index.seekToFirst()
            while index.isValid {
                readDataBlock(table, index, name: name, resumeAt: &resumeAt, into: &scan)
                try index.next()
            }
        } catch {
            scan.lose(name, error, at: nil, bytes: nil, context: "index block damaged; later blocks located without it")
            scanWithoutIndex(file, size: size, from: resumeAt, name: name, into: &scan)
            return scan
        }
        if scan.damage == nil {
            // The data is intact; a damaged filter or metaindex block would still fail every read of the table.
            do {
                try TableReader.open(file: file, fileSize: size).validateFilter()
            } catch {
                scan.lose(
                    name, error, at: nil, bytes: nil, context: "filter unreadable (table rewritten, no data lost)")
                scan.losses[scan.losses.count - 1].entries = 0
            }
        }
        return scan
    }

    /// Reads the data block the index iterator points at into `scan`, recording a loss when it is damaged.
    private func readDataBlock(
        _ table: TableReader, _ index: BlockIterator, name: String, resumeAt: inout Int, into scan: inout TableScan
    ) {
        let handle: BlockHandle
        do {
            handle = try table.dataHandle(at: index)
        } catch {
            scan.lose(name, error, at: index.valueFileOffset, bytes: nil, context: "index entry")
            return
        }
        let blockBytes = Int(clamping: handle.size) &+ blockTrailerSize
        let offset = Int(clamping: handle.offset)
        let block: Block
        do throws(BlockReadError) {
            block = try BlockReader.readBlock(
                handle, from: table.file, fileSize: table.fileSize, verifyChecksum: true, comparator: .internalKey,
                what: "data block")
        } catch {
            // A block inside the file, even a damaged one, is where the search without the index may resume.
            if error.check != .bounds { resumeAt = max(resumeAt, offset + blockBytes) }
            scan.lose(name, offset, bytes: blockBytes, entries: nil, "data block: \(Self.reason(error.error))")
            return
        }
        resumeAt = max(resumeAt, offset + blockBytes)
        let iterator = block.makeIterator()
        var rejected = 0
        do {
            try iterator.seekToFirst()
            while iterator.isValid {
                if !scan.accept(iterator.key, iterator.value) { rejected += 1 }
                try iterator.next()
            }
        } catch {
            scan.lose(name, error, at: offset, bytes: nil, context: "data block entry (rest of the block dropped)")
        }
        if rejected > 0 {
            scan.lose(name, offset, bytes: nil, entries: rejected, "malformed or out-of-order keys in data block")
        }
        // A lookup seeks the index first: a separator below its block's last key would hide entries.
        if let last = scan.entries.last?.key, InternalKey.compare(last, index.key) > 0 {
            scan.lose(
                name, table.indexBlock.fileOffset, bytes: nil, entries: 0,
                "index separator sorts before its data block's last key (table rewritten, no data lost)")
        }
    }

    /// Finds data blocks from `start` on without the index: a block is the bytes before a trailer whose type is
    /// "uncompressed" and whose CRC32C matches them, whose entries are well-formed internal keys continuing the
    /// table's order. Stops at the first stretch that is not such a block (damage, or the filter block).
    ///
    /// - Complexity: O(n) in the bytes scanned: the CRC is extended one byte at a time.
    private func scanWithoutIndex(
        _ file: any ReadableFile, size: Int, from start: Int, name: String, into scan: inout TableScan
    ) {
        let bytes: [UInt8]
        do {
            bytes = try file.read(at: 0, count: size)
        } catch {
            scan.lose(name, start, bytes: size - start, entries: nil, "cannot read: \(error)")
            return
        }
        var blockStart = start
        var found = 0
        search: while blockStart + blockTrailerSize <= bytes.count {
            var crc: UInt32 = 0
            var end = blockStart
            while end + blockTrailerSize <= bytes.count {
                crc = CRC32C.checksum(bytes, range: end..<end + 1, extending: crc)
                if bytes[end] == BlockCompression.none.rawValue
                    && CRC32C.unmask(decodeFixed32(bytes, at: end + 1)) == crc
                {
                    break
                }
                end += 1
            }
            guard end + blockTrailerSize <= bytes.count,
                let entries = Self.dataBlockEntries(
                    Array(bytes[blockStart..<end]), file: path(name), offset: blockStart, after: scan.entries.last?.key)
            else { break search }
            scan.entries += entries
            found += 1
            blockStart = end + blockTrailerSize
        }
        if blockStart < bytes.count {
            scan.lose(
                name, blockStart, bytes: bytes.count - blockStart, entries: nil,
                "no further readable data block found without the index (\(found) found before; the rest holds "
                    + "the damaged part and the table's filter, index and footer)")
        }
    }

    /// The entries of `contents` when it parses as a data block whose keys are well-formed internal keys in
    /// strictly increasing order after `previous`; nil otherwise.
    private static func dataBlockEntries(_ contents: [UInt8], file: String, offset: Int, after previous: [UInt8]?)
        -> [(key: [UInt8], value: [UInt8])]?
    {
        guard let block = try? Block(contents: contents, file: file, fileOffset: offset, comparator: .internalKey)
        else { return nil }
        let iterator = block.makeIterator()
        var entries: [(key: [UInt8], value: [UInt8])] = []
        var last = previous
        do {
            try iterator.seekToFirst()
            while iterator.isValid {
                let key = iterator.key
                guard InternalKey.parse(key) != nil, last.map({ InternalKey.compare(key, $0) > 0 }) ?? true else {
                    return nil
                }
                entries.append((key, iterator.value))
                last = key
                try iterator.next()
            }
        } catch {
            return nil
        }
        return entries.isEmpty ? nil : entries
    }

    /// The reason of a corruption error, or the error's description.
    static func reason(_ error: any Error) -> String {
        if case LSMKVError.corruption(_, _, let reason) = error { return reason }
        return "\(error)"
    }

    /// The number in a table or log file name.
    static func fileNumber(_ name: String) -> UInt64? {
        switch FileNames.parse(name) {
        case .table(let n)?, .log(let n)?: return n
        default: return nil
        }
    }

    /// The smallest and largest sequence numbers of well-formed internal keys.
    static func sequenceRange(_ keys: some Sequence<[UInt8]>) -> ClosedRange<UInt64> {
        var low = UInt64.max
        var high: UInt64 = 0
        for key in keys {
            let sequence = InternalKey.trailer(key) >> 8
            low = min(low, sequence)
            high = max(high, sequence)
        }
        return low <= high ? low...high : 0...0
    }
}

/// Writes a table for repair: entries in internal-key order, an entry not above the previous one skipped (the
/// same entry found twice, in a table and in the log it came from), synced and its directory entry made durable.
final class RepairTableWriter {
    private let file: any WritableFile
    private let builder: TableBuilder
    private let number: UInt64
    private let directory: String
    private let fileSystem: any FileSystem
    private var smallest: [UInt8]?
    private var largest: [UInt8] = []
    private var count = 0
    private var low = UInt64.max
    private var high: UInt64 = 0

    /// Creates table `number` in the repairer's directory.
    init(repairer: Repairer, number: UInt64) throws {
        let directory = repairer.directory
        let fileSystem = repairer.fileSystem
        self.number = number
        self.directory = directory
        self.fileSystem = fileSystem
        let file = try LSMKVError.wrappingIO { try fileSystem.createWritable(FileNames.table(directory, number)) }
        self.file = file
        builder = try TableBuilder(file: file, options: repairer.options.tableOptions)
    }

    /// Adds an entry; `key` is a well-formed internal key.
    func add(_ key: [UInt8], _ value: [UInt8]) throws {
        if count > 0, InternalKey.compare(key, largest) <= 0 { return }
        try builder.add(key: key, value: value)
        if smallest == nil { smallest = key }
        largest = key
        count += 1
        let sequence = InternalKey.trailer(key) >> 8
        low = min(low, sequence)
        high = max(high, sequence)
    }

    /// Finishes and syncs the table; returns nil (and removes the empty file) when nothing was added.
    func finish(origin: RepairReport.TableOrigin, sources: [String]) throws -> Repairer.Candidate? {
        let path = FileNames.table(directory, number)
        guard let smallest else {
            try? file.close()
            try LSMKVError.wrappingIO { try fileSystem.remove(path) }
            return nil
        }
        try builder.finish()
        try LSMKVError.wrappingIO {
            try file.sync()
            try file.close()
            try fileSystem.syncDirectory(directory)
        }
        return Repairer.Candidate(
            name: FileNames.numbered(number) + ".ldb", number: number, size: builder.fileSize, smallest: smallest,
            largest: largest, sequences: low...high, entries: count, origin: origin, sources: sources,
            writtenByRepair: true)
    }
}

import VFS

extension Verifier {
    /// Checks every table the final version references.
    mutating func checkTables(_ manifest: VerifiedManifest) {
        for level in 0..<Version.levelCount {
            for file in manifest.version.levels[level] {
                checkTable(file, level: level, manifest: manifest)
            }
        }
    }

    /// Checks one table: presence, size, footer, index, every data block, key order and range, filter, sequences.
    private mutating func checkTable(_ meta: FileMetadata, level: Int, manifest: VerifiedManifest) {
        var path = FileNames.table(directory, meta.number)
        if !fileSystem.fileExists(path) {
            let legacy = FileNames.legacyTable(directory, meta.number)
            guard fileSystem.fileExists(legacy) else {
                add(
                    path, nil, .corruption,
                    "table \(meta.number) (level \(level)) is referenced by the MANIFEST but missing")
                return
            }
            path = legacy
        }
        let file: any ReadableFile
        let size: Int
        do {
            file = try fileSystem.openReadable(path)
            size = try file.size()
        } catch {
            add(path, nil, .corruption, "cannot read: \(error)")
            return
        }
        defer { file.close() }
        report.tablesChecked += 1
        if size != meta.size {
            add(path, min(size, meta.size), .corruption, "size is \(size) bytes, the MANIFEST records \(meta.size)")
        }
        let table: TableReader
        do {
            table = try TableReader.open(file: file, fileSize: size)
        } catch {
            add(error, file: path)
            return
        }
        do {
            try table.validateFilter()
        } catch {
            add(error, file: path)
        }
        var first: [UInt8]?
        var previous: [UInt8]?
        let index = table.indexBlock.makeIterator()
        do {
            try index.seekToFirst()
        } catch {
            add(error, file: path, context: "index block")
            return
        }
        var blockNumber = 0
        var previousIndexKey: [UInt8]?
        let blocksBefore = report.blocksChecked
        while index.isValid {
            let indexKey = index.key
            checkDataBlock(
                table: table, index: index, indexKey: indexKey, previousIndexKey: previousIndexKey,
                blockNumber: blockNumber, manifest: manifest, first: &first, previous: &previous)
            previousIndexKey = indexKey
            blockNumber += 1
            do {
                try index.next()
            } catch {
                add(error, file: path, context: "index block")
                break
            }
        }
        guard let first, let last = previous else {
            add(path, nil, .corruption, "table holds no readable entry")
            return
        }
        // A damaged block was reported already; its missing keys would make the range comparison misleading.
        guard report.blocksChecked - blocksBefore == blockNumber else { return }
        if first != meta.smallest {
            add(
                path, nil, .corruption,
                "first key \(Self.describeKey(first)) differs from the MANIFEST's smallest \(Self.describeKey(meta.smallest))"
            )
        }
        if last != meta.largest {
            add(
                path, nil, .corruption,
                "last key \(Self.describeKey(last)) differs from the MANIFEST's largest \(Self.describeKey(meta.largest))"
            )
        }
    }

    /// Reads one data block and checks its entries, continuing the table-wide key order in `previous`.
    private mutating func checkDataBlock(
        table: TableReader, index: BlockIterator, indexKey: [UInt8], previousIndexKey: [UInt8]?, blockNumber: Int,
        manifest: VerifiedManifest,
        first: inout [UInt8]?, previous: inout [UInt8]?
    ) {
        let path = table.path
        let handle: BlockHandle
        do {
            handle = try table.dataHandle(at: index)
        } catch {
            add(error, file: path, context: "index entry \(blockNumber)")
            return
        }
        let block: Block
        do throws(BlockReadError) {
            block = try BlockReader.readBlock(
                handle, from: table.file, fileSize: table.fileSize, verifyChecksum: table.options.verifyChecksums,
                comparator: .internalKey, what: "data block")
        } catch let error where error.check == .bounds {
            add(
                path, table.indexBlock.fileOffset + index.valueRange.lowerBound, .corruption,
                "index entry \(blockNumber) points outside the file (offset \(handle.offset), size \(handle.size))")
            return
        } catch {
            add(error.error, file: path, context: "data block \(blockNumber) at \(handle.offset)")
            // Keys after a damaged block are compared with the last key read, which is still a valid bound.
            return
        }
        report.blocksChecked += 1
        let iterator = block.makeIterator()
        var lastInBlock: [UInt8]?
        var firstInBlock: [UInt8]?
        do {
            try iterator.seekToFirst()
            while iterator.isValid {
                let key = iterator.key
                let at = iterator.valueFileOffset  // inside the entry: its value starts here
                report.entriesChecked += 1
                if first == nil { first = key }
                if firstInBlock == nil { firstInBlock = key }
                if let previous, InternalKey.compare(previous, key) >= 0 {
                    add(
                        path, at, .corruption,
                        "data block \(blockNumber): key \(Self.describeKey(key)) does not sort after \(Self.describeKey(previous))"
                    )
                }
                if let parsed = InternalKey.parse(key) {
                    if parsed.sequence > manifest.lastSequence {
                        add(
                            path, at, .corruption,
                            "data block \(blockNumber): key \(Self.describeKey(key)) has sequence \(parsed.sequence), above the MANIFEST's last sequence \(manifest.lastSequence)"
                        )
                    }
                    if let filter = table.filter,
                        !filter.keyMayMatch(blockOffset: handle.offset, userKey: parsed.userKey)
                    {
                        add(
                            path, at, .corruption,
                            "data block \(blockNumber): the Bloom filter does not contain key \(Self.describeKey(key))")
                    }
                } else {
                    add(
                        path, at, .corruption,
                        "data block \(blockNumber): malformed internal key \(Self.describeKey(key))")
                }
                previous = key
                lastInBlock = key
                try iterator.next()
            }
        } catch {
            add(error, file: path, context: "data block \(blockNumber)")
        }
        if let firstInBlock, let previousIndexKey, InternalKey.compare(firstInBlock, previousIndexKey) <= 0 {
            add(
                path, Int(handle.offset), .corruption,
                "data block \(blockNumber)'s first key \(Self.describeKey(firstInBlock)) does not sort after the "
                    + "previous index separator \(Self.describeKey(previousIndexKey))")
        }
        if let lastInBlock, InternalKey.compare(lastInBlock, indexKey) > 0 {
            add(
                path, table.indexBlock.fileOffset, .corruption,
                "index entry \(blockNumber) separator \(Self.describeKey(indexKey)) sorts before its block's last key")
        }
    }

    /// An internal key for a person: the user key (printable or hex), sequence and type.
    static func describeKey(_ key: [UInt8]) -> String {
        guard let parsed = InternalKey.parse(key) else { return "0x" + Hex.encode(key) }
        return "'\(printable(parsed.userKey))'@\(parsed.sequence)\(parsed.type == .deletion ? "(del)" : "")"
    }

    /// The bytes as text when they are printable ASCII, else `0x` and hex.
    static func printable(_ bytes: [UInt8], forceHex: Bool = false) -> String {
        if !forceHex && bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { return String(decoding: bytes, as: UTF8.self) }
        return "0x" + Hex.encode(bytes)
    }
}

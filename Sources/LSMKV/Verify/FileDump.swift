import VFS

/// Decodes one database file for a person: a log, a table or a MANIFEST, chosen by the file's name.
public enum FileDump {
    /// A file that decoded only up to a point: what was decoded before the error, and the error.
    public struct Failure: Error, CustomStringConvertible {
        /// The text decoded before the error.
        public var partialOutput: String
        /// Why decoding stopped (usually ``LSMKVError/corruption(file:offset:reason:)``).
        public var error: any Error

        /// The underlying error's description.
        public var description: String { "\(error)" }
    }

    /// The decoded contents of `path` as text, one item per line.
    /// - Parameters:
    ///   - path: A `.log`, `.ldb`/`.sst` or `MANIFEST-*` file.
    ///   - forceHex: Print every key and value in hex; otherwise printable ASCII is printed as text.
    ///   - fileSystem: The file system to read through (read-only).
    /// - Throws: ``Failure`` (with the text decoded so far) when the file does not decode;
    ///   ``LSMKVError/invalidArgument(_:)`` for a name that is none of the three kinds; ``LSMKVError/io(_:)``.
    public static func dump(path: String, forceHex: Bool = false, fileSystem: any FileSystem = PosixFileSystem())
        throws -> String
    {
        let name = Verifier.displayName(path)
        let bytes = try LSMKVError.wrappingIO { try fileSystem.readWholeFile(path) }
        var out = ""
        do {
            switch FileNames.parse(name) {
            case .log?: try dumpLog(bytes, path: path, hex: forceHex, into: &out)
            case .manifest?: try dumpManifest(bytes, path: path, hex: forceHex, into: &out)
            case .table?: try dumpTable(path: path, fileSystem: fileSystem, hex: forceHex, into: &out)
            default:
                throw LSMKVError.invalidArgument("\(name) is not a .log, .ldb, .sst or MANIFEST-* file")
            }
        } catch LSMKVError.invalidArgument(let message) {
            throw LSMKVError.invalidArgument(message)
        } catch {
            throw Failure(partialOutput: out, error: error)
        }
        return out
    }

    static func text(_ bytes: [UInt8], _ hex: Bool) -> String { Verifier.printable(bytes, forceHex: hex) }

    static func internalKey(_ key: [UInt8], _ hex: Bool) -> String {
        guard let parsed = InternalKey.parse(key) else { return "malformed(0x\(Hex.encode(key)))" }
        return "\(text(parsed.userKey, hex)) seq=\(parsed.sequence) type=\(parsed.type == .value ? "put" : "del")"
    }

    /// Every record with its offset, and each WriteBatch's sequence, count and operations; the last durability
    /// marker (markers themselves are not listed as records).
    static func dumpLog(_ bytes: [UInt8], path: String, hex: Bool, into out: inout String) throws {
        out += "log \(Verifier.displayName(path)): \(bytes.count) bytes\n"
        let log = LogReader.read(bytes, file: path)
        for record in log.records {
            let (batch, operations) = try WriteBatch.decode(record.payload, file: path, offset: record.offset)
            out += "record @\(record.offset): \(record.payload.count) bytes, sequence \(batch.sequence), "
            out += "count \(batch.count)\n"
            for operation in operations {
                switch operation {
                case .put(let key, let value):
                    out += "  put \(text(key, hex)) = \(text(value, hex)) (\(value.count) bytes)\n"
                case .delete(let key):
                    out += "  del \(text(key, hex))\n"
                }
            }
        }
        if log.durableLength > 0 {
            out += "last durability marker @\(log.durableLength): every byte before it was synced\n"
        }
        try describeEnding(log.ending, of: path, size: bytes.count, into: &out)
    }

    /// Each VersionEdit's fields.
    static func dumpManifest(_ bytes: [UInt8], path: String, hex: Bool, into out: inout String) throws {
        out += "manifest \(Verifier.displayName(path)): \(bytes.count) bytes\n"
        let log = LogReader.read(bytes, file: path)
        for record in log.records {
            let edit = try VersionEdit.decode(record.payload, file: path, offset: record.offset)
            out += "edit @\(record.offset): \(record.payload.count) bytes\n"
            if let v = edit.comparatorName { out += "  comparator \(v)\n" }
            if let v = edit.logNumber { out += "  log number \(v)\n" }
            if let v = edit.previousLogNumber { out += "  previous log number \(v)\n" }
            if let v = edit.nextFileNumber { out += "  next file number \(v)\n" }
            if let v = edit.lastSequence { out += "  last sequence \(v)\n" }
            for p in edit.compactPointers { out += "  compact pointer level \(p.level): \(internalKey(p.key, hex))\n" }
            for d in edit.deletedFiles { out += "  delete file level \(d.level): \(d.number)\n" }
            for (level, f) in edit.newFiles {
                out += "  add file level \(level): \(f.number), \(f.size) bytes, "
                out += "[\(internalKey(f.smallest, hex)) .. \(internalKey(f.largest, hex))]\n"
            }
        }
        try describeEnding(log.ending, of: path, size: bytes.count, into: &out)
    }

    /// The footer's handles, the index entries, and every data block with its entries.
    static func dumpTable(path: String, fileSystem: any FileSystem, hex: Bool, into out: inout String) throws {
        let file = try LSMKVError.wrappingIO { try fileSystem.openReadable(path) }
        defer { file.close() }
        let size = try LSMKVError.wrappingIO { try file.size() }
        let table = try TableReader.open(file: file, fileSize: size)
        let footer = table.footer
        out += "table \(Verifier.displayName(path)): \(size) bytes\n"
        out += "footer: metaindex @\(footer.metaindexHandle.offset) size \(footer.metaindexHandle.size), "
        out += "index @\(footer.indexHandle.offset) size \(footer.indexHandle.size)\n"
        if let filter = table.filter { out += "filter block @\(filter.fileOffset) size \(filter.contents.count)\n" }
        var handles: [BlockHandle] = []
        let index = table.indexBlock.makeIterator()
        try index.seekToFirst()
        while index.isValid {
            let handle = try table.dataHandle(at: index)
            out += "index: \(internalKey(index.key, hex)) -> block @\(handle.offset) size \(handle.size)\n"
            handles.append(handle)
            try index.next()
        }
        for handle in handles {
            out += "data block @\(handle.offset) size \(handle.size)\n"
            let block = try table.readDataBlock(handle).makeIterator()
            try block.seekToFirst()
            while block.isValid {
                out += "  \(internalKey(block.key, hex)) value \(block.valueRange.count) bytes\n"
                try block.next()
            }
        }
    }

    /// How a log or MANIFEST ended; damage in the middle throws, so the dump stops there.
    private static func describeEnding(_ ending: LogReader.Ending, of path: String, size: Int, into out: inout String)
        throws
    {
        switch ending {
        case .clean: out += "end: clean at \(size)\n"
        case .tornTail(let offset, let reason): out += "end: torn tail @\(offset): \(reason)\n"
        case .midLogDamage(let offset, let reason, let after):
            throw LSMKVError.corruption(
                file: path, offset: offset, reason: "\(reason), followed by \(after) readable records")
        case .syncedDamage(let offset, let reason, let durable):
            throw LSMKVError.corruption(
                file: path, offset: offset,
                reason: "\(reason) in synced data (a durability marker proves every byte before \(durable) synced)")
        }
    }
}

import VFS

/// The bytes after every block's contents: 1 type byte and the masked CRC32C of contents + type byte.
let blockTrailerSize = 5

/// Block compression types. This engine writes only `none`.
enum BlockCompression: UInt8 {
    case none = 0
    case snappy = 1
    case zstd = 2
}

/// Writes a table (LevelDB's `.ldb` format) to a file, one sorted entry at a time.
///
/// Layout: data blocks, the filter block (when bloom is on), the metaindex block, the index block, the footer.
/// Each block is followed by its trailer. `finish()` writes the rest but does not sync: the caller syncs.
/// After any error the builder refuses further calls, rethrowing that error.
final class TableBuilder {
    /// The destination file.
    let file: any WritableFile
    /// The layout options.
    let options: TableOptions

    // Unchecked exclusivity: a builder has one owner and never calls back out while changing these; the dynamic
    // checks cost about 400 instructions per added entry (callgrind).
    @exclusivity(unchecked) private var dataBlock: BlockBuilder
    // LevelDB writes the index with a restart at every entry: it is binary-searched on every lookup.
    @exclusivity(unchecked) private var indexBlock = BlockBuilder(restartInterval: 1)
    @exclusivity(unchecked) private var filterBlock: FilterBlockBuilder?
    private var offset = 0
    // An index entry for the last flushed block waits for the next key, so the separator can be short.
    private var pendingHandle: BlockHandle?
    private var failure: LSMKVError?
    private var finished = false

    /// The number of entries added.
    private(set) var entryCount = 0
    /// The first key added, or nil when none.
    private(set) var smallestKey: [UInt8]?
    /// The last key added, or nil when none.
    var largestKey: [UInt8]? { entryCount == 0 ? nil : dataBlock.lastAddedKey }
    /// The bytes written so far; the table's size after `finish()`.
    var fileSize: Int { offset }

    /// Creates a builder writing from the start of `file`.
    /// - Throws: ``LSMKVError/invalidArgument(_:)`` when `options` are out of range.
    init(file: any WritableFile, options: TableOptions = TableOptions()) throws {
        try options.validate()
        self.file = file
        self.options = options
        dataBlock = BlockBuilder(restartInterval: options.restartInterval)
        if options.bloomBitsPerKey > 0 {
            var filter = FilterBlockBuilder(policy: BloomFilter(bitsPerKey: options.bloomBitsPerKey))
            filter.startBlock(offset: 0)
            filterBlock = filter
        }
    }

    /// Adds an entry. `key` is an internal key strictly greater than the previous one.
    /// - Throws: ``LSMKVError/invalidArgument(_:)`` for an out-of-order or malformed key, ``LSMKVError/io(_:)``
    ///   when writing a full block fails.
    func add(key: [UInt8], value: [UInt8]) throws {
        try key.withUnsafeBufferPointer { key in try value.withUnsafeBufferPointer { try add(key: key, value: $0) } }
    }

    /// ``add(key:value:)`` for an entry held in place (a MemTable's arena, a block being compacted); the bytes are
    /// copied before it returns.
    func add(key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) throws {
        try checkUsable()
        guard key.count >= 8 else {
            throw LSMKVError.invalidArgument("internal key of \(key.count) bytes is shorter than its 8-byte trailer")
        }
        guard key.count <= Int(UInt32.max), value.count <= Int(UInt32.max) else {
            throw LSMKVError.invalidArgument("key or value longer than 4 GiB")
        }
        // The data block keeps the last key across blocks; the table builder keeps no copy of its own.
        if entryCount > 0 {
            guard dataBlock.lastAddedKey.withUnsafeBufferPointer({ InternalKey.compare(key, $0) > 0 }) else {
                throw LSMKVError.invalidArgument("keys added to a table must be strictly increasing")
            }
        }
        if let handle = pendingHandle {
            addIndexEntry(key: Self.shortestSeparator(dataBlock.lastAddedKey, Array(key)), handle: handle)
            pendingHandle = nil
        }
        filterBlock?.addKey(UnsafeBufferPointer(rebasing: key[..<(key.count - 8)]))
        if entryCount == 0 { smallestKey = Array(key) }
        entryCount += 1
        dataBlock.add(key: key, value: value)
        if dataBlock.currentSizeEstimate >= options.blockSize { try flush() }
    }

    /// Writes the last data block, the filter, metaindex and index blocks and the footer. Does not sync.
    func finish() throws {
        try checkUsable()
        try flush()
        finished = true
        var metaindex = BlockBuilder(restartInterval: options.restartInterval)
        if var filter = filterBlock {
            var contents = filter.finish()
            let handle = try writeRawBlock(&contents)
            filterBlock = nil
            metaindex.add(key: Array(("filter." + BloomFilter.name).utf8), value: handle.encoded)
        }
        var metaindexContents = metaindex.finish()
        let metaindexHandle = try writeRawBlock(&metaindexContents)
        if let handle = pendingHandle {
            addIndexEntry(key: Self.shortSuccessor(dataBlock.lastAddedKey), handle: handle)
            pendingHandle = nil
        }
        var indexContents = indexBlock.finish()
        let indexHandle = try writeRawBlock(&indexContents)
        try write(Footer(metaindexHandle: metaindexHandle, indexHandle: indexHandle).encode())
    }

    private func checkUsable() throws {
        if let failure { throw failure }
        guard !finished else { throw LSMKVError.invalidArgument("table builder already finished") }
    }

    private func addIndexEntry(key: [UInt8], handle: BlockHandle) {
        indexBlock.add(key: key, value: handle.encoded)
    }

    private func flush() throws {
        guard !dataBlock.isEmpty else { return }
        var contents = dataBlock.finish()
        dataBlock.reset()
        pendingHandle = try writeRawBlock(&contents)
        filterBlock?.startBlock(offset: UInt64(offset))
    }

    /// Writes `block` uncompressed with its trailer, appended to `block` in place (no copy of the block), and
    /// returns its handle.
    private func writeRawBlock(_ block: inout [UInt8]) throws -> BlockHandle {
        let handle = BlockHandle(offset: UInt64(offset), size: UInt64(block.count))
        block.append(BlockCompression.none.rawValue)
        let crc = CRC32C.mask(CRC32C.checksum(block))
        block.append(UInt8(truncatingIfNeeded: crc))
        block.append(UInt8(truncatingIfNeeded: crc >> 8))
        block.append(UInt8(truncatingIfNeeded: crc >> 16))
        block.append(UInt8(truncatingIfNeeded: crc >> 24))
        try write(block)
        return handle
    }

    private func write(_ bytes: [UInt8]) throws {
        do {
            try LSMKVError.wrappingIO { try file.append(bytes) }
        } catch let error as LSMKVError {
            failure = error
            throw error
        }
        offset += bytes.count
    }

    // MARK: - Index keys

    /// A short internal key `k` with `start <= k < limit` (LevelDB's FindShortestSeparator on the user keys).
    static func shortestSeparator(_ start: [UInt8], _ limit: [UInt8]) -> [UInt8] {
        let startUser = InternalKey.userKey(start)
        let limitUser = InternalKey.userKey(limit)
        let common = min(startUser.count, limitUser.count)
        var diff = 0
        while diff < common && startUser[diff] == limitUser[diff] { diff += 1 }
        // One user key is a prefix of the other: no shorter separator exists.
        guard diff < common else { return start }
        let byte = startUser[diff]
        guard byte < 0xff, byte + 1 < limitUser[diff] else { return start }
        var user = Array(startUser[...diff])
        user[diff] = byte + 1
        return shortened(user, original: start)
    }

    /// A short internal key `k >= key` (LevelDB's FindShortSuccessor on the user key).
    static func shortSuccessor(_ key: [UInt8]) -> [UInt8] {
        let user = InternalKey.userKey(key)
        guard let index = user.firstIndex(where: { $0 != 0xff }) else { return key }
        var successor = Array(user[...index])
        successor[index] += 1
        return shortened(successor, original: key)
    }

    // A shorter user key that sorts after the original's takes the earliest trailer, so it sorts after every
    // entry with that user key.
    private static func shortened(_ user: [UInt8], original: [UInt8]) -> [UInt8] {
        let originalUser = InternalKey.userKey(original)
        guard user.count < originalUser.count, Bytes.compare(originalUser, user) < 0 else { return original }
        return InternalKey.encode(userKey: user, sequence: maxSequenceNumber, type: .forSeek)
    }
}

import Synchronization
import VFS

/// Reads a table written by ``TableBuilder`` or by LevelDB (uncompressed blocks only).
///
/// Immutable after ``open(file:fileSize:options:cache:)``, which validates the footer, index block and filter block.
/// Data blocks are read on demand, through the shared ``BlockCache`` when one is given (then each block is read and
/// verified once while it stays cached). Safe to share between threads: every stored property is an immutable
/// Sendable value, a thread-safe cache or an atomic counter.
final class TableReader: Sendable {
    /// The table file; reads are positional, so concurrent use is safe.
    let file: any ReadableFile
    /// The file's size as given to `open`.
    let fileSize: Int
    /// The read options.
    let options: TableReaderOptions
    /// The decoded footer.
    let footer: Footer
    /// The index block: separator key -> data block handle.
    let indexBlock: Block
    /// The index keys' fences, which narrow every index search to a few cache lines (nil for an index they do
    /// not fit; see ``IndexFences``).
    let indexFences: IndexFences?
    /// The filter block, when the table has one and `options.useFilter` is set.
    let filter: FilterBlockReader?
    /// The shared block cache and this table's key in it (its file number), when data blocks are cached.
    let cache: (cache: BlockCache, file: UInt64)?
    /// How many data blocks were read from the file (for tests and statistics); cache hits do not count.
    let dataBlocksRead = Atomic<Int>(0)

    private init(
        file: any ReadableFile, fileSize: Int, options: TableReaderOptions, footer: Footer, indexBlock: Block,
        filter: FilterBlockReader?, cache: (cache: BlockCache, file: UInt64)?
    ) {
        self.cache = cache
        self.file = file
        self.fileSize = fileSize
        self.options = options
        self.footer = footer
        self.indexBlock = indexBlock
        self.indexFences = IndexFences(index: indexBlock)
        self.filter = filter
    }

    /// The file's path, as errors name it.
    var path: String { file.path }

    /// Opens the table in `file`, whose size is `fileSize`. With `cache`, data blocks are kept in that block cache
    /// under the given file number, which must identify this table's contents uniquely for the cache's lifetime.
    /// - Throws: ``LSMKVError/corruption(file:offset:reason:)`` for a short file, bad magic, bad handle, checksum
    ///   mismatch or malformed index; ``LSMKVError/notSupported(file:reason:)`` for compressed blocks;
    ///   ``LSMKVError/io(_:)`` when reading fails.
    static func open(
        file: any ReadableFile, fileSize: Int, options: TableReaderOptions = TableReaderOptions(),
        cache: (cache: BlockCache, file: UInt64)? = nil
    ) throws -> TableReader {
        let path = file.path
        guard fileSize >= Footer.encodedLength else {
            throw LSMKVError.corruption(
                file: path, offset: 0,
                reason: "file of \(fileSize) bytes is too short to be a table (footer is \(Footer.encodedLength))")
        }
        let footerOffset = fileSize - Footer.encodedLength
        let footerBytes = try LSMKVError.wrappingIO { try file.read(at: footerOffset, count: Footer.encodedLength) }
        let footer = try Footer.decode(footerBytes, file: path, offset: footerOffset)

        let indexBlock = try read { () throws(BlockReadError) in
            try BlockReader.readBlock(
                footer.indexHandle, from: file, fileSize: fileSize, verifyChecksum: options.verifyChecksums,
                comparator: .internalKey, what: "index block")
        }

        var filter: FilterBlockReader?
        if options.useFilter {
            let metaBlock = try read { () throws(BlockReadError) in
                try BlockReader.readBlock(
                    footer.metaindexHandle, from: file, fileSize: fileSize, verifyChecksum: options.verifyChecksums,
                    comparator: .bytewise, what: "metaindex block")
            }
            let iterator = metaBlock.makeIterator()
            let filterKey = Array(("filter." + BloomFilter.name).utf8)
            try iterator.seek(filterKey)
            if iterator.isValid && iterator.key == filterKey {
                var reader = ByteReader(
                    metaBlock.contents, file: path, baseOffset: metaBlock.fileOffset, range: iterator.valueRange)
                let handle = try BlockHandle.decode(from: &reader)
                let contents = try read { () throws(BlockReadError) in
                    try BlockReader.readContents(
                        handle, from: file, fileSize: fileSize, verifyChecksum: options.verifyChecksums,
                        what: "filter block")
                }
                filter = FilterBlockReader(contents: contents, file: path, fileOffset: Int(handle.offset))
            }
        }
        return TableReader(
            file: file, fileSize: fileSize, options: options, footer: footer, indexBlock: indexBlock, filter: filter,
            cache: cache)
    }

    /// Runs a ``BlockReader`` call, rethrowing its failure as the ``LSMKVError`` it carries.
    @inline(__always)
    private static func read<T>(_ body: () throws(BlockReadError) -> T) throws(LSMKVError) -> T {
        do {
            return try body()
        } catch {
            throw error.error
        }
    }

    /// Decodes the data block handle at the index iterator's position.
    func dataHandle(at index: BlockIterator) throws -> BlockHandle { try dataHandle(valueRange: index.valueRange) }

    /// Decodes the data block handle stored at `valueRange` of the index block.
    func dataHandle(valueRange: Range<Int>) throws -> BlockHandle {
        let fast = indexBlock.contents.withUnsafeBufferPointer { b -> BlockHandle? in
            var p = valueRange.lowerBound
            guard let offset = Varint.decode64(b, &p, valueRange.upperBound),
                let size = Varint.decode64(b, &p, valueRange.upperBound)
            else { return nil }
            return BlockHandle(offset: offset, size: size)
        }
        if let fast { return fast }
        // The slow decoder fails on the same bytes and says why.
        var reader = ByteReader(indexBlock.contents, file: path, baseOffset: indexBlock.fileOffset, range: valueRange)
        return try BlockHandle.decode(from: &reader)
    }

    /// The parsed data block at `handle`: from the block cache when it holds it, else read, verified, parsed and
    /// (with a cache) inserted. A miss reads into the storage of a block the cache evicted, when it has one.
    func readDataBlock(_ handle: BlockHandle) throws -> Block {
        guard let cache else { return try loadDataBlock(handle) }
        let key = BlockCache.Key(file: cache.file, offset: handle.offset)
        var spare: [UInt8] = []
        if let block = cache.cache.lookup(key, orTakeSpare: &spare), block.contents.count == Int(handle.size) {
            return block
        }
        let block = try loadDataBlock(handle, reusing: consume spare)
        cache.cache.insert(key, block)
        return block
    }

    /// Reads, verifies and parses the data block at `handle` from the file, into `buffer`'s storage.
    private func loadDataBlock(_ handle: BlockHandle, reusing buffer: consuming [UInt8] = []) throws -> Block {
        dataBlocksRead.add(1, ordering: .relaxed)
        do {
            // Not through `read(_:)`: a closure would capture `buffer` and keep a second reference to its storage.
            return try BlockReader.readBlock(
                handle, from: file, fileSize: fileSize, verifyChecksum: options.verifyChecksums,
                comparator: .internalKey, what: "data block", reusing: consume buffer)
        } catch {
            throw error.error
        }
    }

    /// The first entry `>= lookupKey` (an internal key) in the one data block that could hold it, or nil.
    ///
    /// Reads at most one data block (none when it is cached), and none when the bloom filter rules out the user
    /// key. The caller checks the returned key's user key and type.
    func get(_ lookupKey: [UInt8]) throws -> (key: [UInt8], value: [UInt8])? {
        guard let handleRange = try indexBlock.valueRangeOfFirstEntry(atOrAfter: lookupKey, fences: indexFences)
        else { return nil }
        let handle = try dataHandle(valueRange: handleRange)
        if let filter, lookupKey.count >= 8 {
            let mayMatch = lookupKey.withUnsafeBufferPointer { key in
                filter.keyMayMatch(
                    blockOffset: handle.offset, userKey: UnsafeBufferPointer(rebasing: key[..<(key.count - 8)]))
            }
            if !mayMatch { return nil }
        }
        var data = BlockCursor(try readDataBlock(handle))
        try data.seek(lookupKey)
        guard data.isValid else { return nil }
        return (data.key, data.value)
    }

    /// An iterator over every entry of the table, reading data blocks as it reaches them.
    func makeIterator() -> TableIterator { TableIterator(table: self) }

    /// The approximate file offset where entries for `key` begin: the offset of the data block that would hold
    /// it, or the metaindex offset (close to the file size) when it sorts after every entry.
    /// - Throws: corruption when the index or footer places that block past the end of the file.
    func approximateOffset(of key: [UInt8]) throws -> Int {
        let offset: UInt64
        let errorOffset: Int
        if let handleRange = try indexBlock.valueRangeOfFirstEntry(atOrAfter: key) {
            offset = try dataHandle(valueRange: handleRange).offset
            errorOffset = Int(footer.indexHandle.offset) + handleRange.lowerBound
        } else {
            offset = footer.metaindexHandle.offset
            errorOffset = fileSize - Footer.encodedLength
        }
        // A handle is a varint64 from disk: it may not even fit an Int.
        guard offset <= UInt64(fileSize) else {
            throw LSMKVError.corruption(
                file: path, offset: errorOffset,
                reason: "block offset \(offset) lies past the end of the \(fileSize)-byte table")
        }
        return Int(offset)
    }

    /// Reports a malformed filter block (which lookups silently treat as "may match").
    func validateFilter() throws { try filter?.validate() }
}

/// The two-level iterator of a table: the index block picks data blocks, read lazily as the cursor reaches them.
final class TableIterator: InternalIterator {
    private let table: TableReader
    // Unchecked: private to this single-threaded iterator and never accessed reentrantly; dynamic exclusivity
    // checks on every step cost more than the step.
    @exclusivity(unchecked) private var index: BlockCursor
    /// The current data block's cursor; over ``Block/empty`` (never valid) when there is none, so a step reads
    /// the cursor in place instead of unwrapping a copy of it.
    @exclusivity(unchecked) private var data = BlockCursor(Block.empty)

    init(table: TableReader) {
        self.table = table
        index = BlockCursor(table.indexBlock)
    }

    var isValid: Bool { data.isValid }
    var key: [UInt8] { data.key }
    var value: [UInt8] { data.value }
    func withValue(_ body: (Span<UInt8>) throws -> Void) rethrows { try data.lendValue(body) }
    func copyValue(into target: inout [UInt8]) { Bytes.assign(&target, from: data.block.contents, data.valueRange) }
    func copyKey(into target: inout [UInt8]) { data.copyKey(into: &target) }

    func seekToFirst() throws {
        try guarded {
            try index.seekToFirst()
            try loadDataBlock()
            try data.seekToFirst()
            try skipEmptyBlocks()
        }
    }

    func seek(_ target: [UInt8]) throws {
        try guarded {
            try index.seekInIndex(target, fences: table.indexFences)
            try loadDataBlock()
            try data.seek(target)
            try skipEmptyBlocks()
        }
    }

    func next() throws {
        guard data.isValid else { return }
        try guarded {
            try data.next()
            try skipEmptyBlocks()
        }
    }

    func seekToLast() throws {
        try guarded {
            try index.seekToLast()
            try loadDataBlock()
            try data.seekToLast()
            try skipEmptyBlocksBackward()
        }
    }

    func prev() throws {
        guard data.isValid else { return }
        try guarded {
            try data.prev()
            try skipEmptyBlocksBackward()
        }
    }

    private func clearData() { data.reset(to: Block.empty) }

    // After an error the iterator is invalid rather than half-positioned.
    private func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            clearData()
            throw error
        }
    }

    private func loadDataBlock() throws {
        guard index.isValid else { return clearData() }
        data.reset(to: try table.readDataBlock(try table.dataHandle(valueRange: index.valueRange)))
    }

    private func skipEmptyBlocks() throws {
        while !data.isValid {
            guard index.isValid else { return clearData() }
            try index.next()
            try loadDataBlock()
            try data.seekToFirst()
        }
    }

    private func skipEmptyBlocksBackward() throws {
        while !data.isValid {
            guard index.isValid else { return clearData() }
            try index.prev()
            try loadDataBlock()
            try data.seekToLast()
        }
    }
}

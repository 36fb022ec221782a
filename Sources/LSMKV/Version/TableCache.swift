import Synchronization
import VFS

/// Open tables by file number, so a read does not reopen and re-parse a table's index and filter each time.
///
/// Bounded to `capacity` open tables; past that the least recently used is dropped (readers that still hold it
/// keep using it until they let go).
final class TableCache: Sendable {
    /// A class, so a hit updates `lastUse` without writing the dictionary back (one hash per lookup, not two).
    private final class Entry: Sendable {
        let reader: TableReader
        let lastUse: Atomic<UInt64>

        init(reader: TableReader, lastUse: UInt64) {
            self.reader = reader
            self.lastUse = Atomic(lastUse)
        }
    }

    private struct State {
        /// Found by file number with one multiply (a `Dictionary` spent about 130 instructions in SipHash on every
        /// table a get consults).
        var entries = SlotMap<UInt64, Entry>()
        var clock: UInt64 = 0
    }

    private let directory: String
    private let fileSystem: any FileSystem
    private let options: TableReaderOptions
    private let capacity: Int
    /// Whether tables are opened with ``VFS/FileSystem/openMapped(_:)``.
    private let mapFiles: Bool
    private let state = Mutex(State())
    /// The data blocks of every table, shared; nil when block caching is off.
    let blockCache: BlockCache?

    /// A cache of up to `capacity` open tables whose data blocks share a block cache of `blockCacheCapacity`
    /// bytes (0: no block cache); `mapFiles` reads the tables through memory maps.
    init(
        directory: String, fileSystem: any FileSystem, options: TableReaderOptions, capacity: Int,
        blockCacheCapacity: Int = 0, mapFiles: Bool = false
    ) {
        self.directory = directory
        self.fileSystem = fileSystem
        self.options = options
        self.capacity = max(capacity, 1)
        self.mapFiles = mapFiles
        blockCache = blockCacheCapacity > 0 ? BlockCache(capacity: blockCacheCapacity) : nil
    }

    /// The reader for `file`, opening it when it is not cached.
    /// - Throws: ``LSMKVError/io(_:)`` when the file cannot be opened, corruption when it does not parse.
    func reader(for file: FileMetadata) throws -> TableReader {
        let cached = state.withLock { state -> TableReader? in
            state.clock += 1
            guard let entry = state.entries[file.number] else { return nil }
            entry.lastUse.store(state.clock, ordering: .relaxed)
            return entry.reader
        }
        if let cached { return cached }
        let reader = try open(file)
        state.withLock { state in
            state.clock += 1
            state.entries[file.number] = Entry(reader: reader, lastUse: state.clock)
            if state.entries.count > capacity,
                let oldest = state.entries.entries.min(by: {
                    $0.value.lastUse.load(ordering: .relaxed) < $1.value.lastUse.load(ordering: .relaxed)
                })?.key
            {
                state.entries[oldest] = nil
            }
        }
        return reader
    }

    /// Forgets a table (after it was deleted).
    func evict(_ number: UInt64) {
        state.withLock { $0.entries[number] = nil }
    }

    private func open(_ file: FileMetadata) throws -> TableReader {
        var path = FileNames.table(directory, file.number)
        if !fileSystem.fileExists(path) {
            let legacy = FileNames.legacyTable(directory, file.number)
            if fileSystem.fileExists(legacy) { path = legacy }
        }
        let handle = try LSMKVError.wrappingIO {
            try mapFiles ? fileSystem.openMapped(path) : fileSystem.openReadable(path)
        }
        let actualSize = try LSMKVError.wrappingIO { try handle.size() }
        guard actualSize == file.size else {
            handle.close()
            throw LSMKVError.corruption(
                file: path, offset: actualSize,
                reason: "table is \(actualSize) bytes but the MANIFEST records \(file.size)")
        }
        do {
            return try TableReader.open(
                file: handle, fileSize: file.size, options: options, cache: blockCache.map { ($0, file.number) })
        } catch {
            handle.close()
            throw error
        }
    }
}

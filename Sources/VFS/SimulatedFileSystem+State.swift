/// The whole state of a ``SimulatedFileSystem``: files as inodes with a durable and a written (page cache) view,
/// directories with a durable and a current entry map, and the unsynced operations that separate the two.
///
/// Invariants: for every inode, applying its `pending` operations in order to `durable` gives `written`; for
/// every directory, applying its pending entry changes in order to `durable` gives `current`.
struct SimulatedState {
    /// One file's contents, whatever names it has.
    struct Inode {
        /// The bytes a sync made durable.
        var durable: [UInt8] = []
        /// The bytes the disk is to hold once every pending change is written back: the durable bytes with the
        /// pending changes applied. Readers see them too, except after a failed sync lost pages (``cached``).
        var written: [UInt8] = []
        /// The writes and truncates since the last sync, oldest first.
        var pending: [PendingData] = []
        /// After a sync failed with ``SyncFailureSemantics/pagesLost``: the bytes readers see (the page cache,
        /// which still holds the lost pages), which differ from ``written`` until the machine crashes. Nil
        /// otherwise.
        var cached: [UInt8]?

        /// The bytes a reader sees now (and a process crash keeps: the page cache survives it).
        var visible: [UInt8] { cached ?? written }
    }

    /// A change to a file's data not yet made durable.
    enum PendingData: Equatable {
        /// `bytes` written at `offset`; `order` is the global sequence number of the call.
        case write(offset: Int, bytes: [UInt8], order: Int)
        /// The file cut (or zero-extended) to `size`.
        case truncate(size: Int, order: Int)
    }

    /// A directory's entries. Directories themselves are durable from their creation.
    struct Directory {
        /// The entries a directory sync made durable: name → inode.
        var durable: [String: Int] = [:]
        /// The entries as they are now.
        var current: [String: Int] = [:]
    }

    /// One entry change of an unsynced create, remove or rename. A rename makes two changes sharing `operation`,
    /// which survive or vanish together after a power loss.
    struct EntryChange {
        var directory: String
        var name: String
        /// The inode the name maps to after the change; `nil` for a removal.
        var inode: Int?
        /// The sequence number of the directory operation that made the change.
        var operation: Int
    }

    /// An open file or lock.
    struct OpenHandle {
        var inode: Int
        /// Where the next append goes (writable handles).
        var position: Int
    }

    var inodes: [Int: Inode] = [:]
    var directories: [String: Directory] = ["/": Directory()]
    /// Entry changes not yet made durable by a directory sync, oldest first.
    var pendingEntries: [EntryChange] = []
    var handles: [Int: OpenHandle] = [:]
    var locks: Set<String> = []
    var nextInode = 1
    var nextHandle = 1
    var nextOrder = 1

    // Instrumentation.
    var operationCount = 0
    var trace: [FileSystemOperation] = []
    var isTracing = true
    var crashIndex: Int?
    var applyInFlightOperation = true
    var crashed = false
    var onOperation: (@Sendable (FileSystemOperation) -> Void)?

    init() {}

    /// A state in which everything is durable: the outcome of a crash.
    init(directories entries: [String: [String: Int]], contents: [Int: [UInt8]]) {
        directories = entries.mapValues { Directory(durable: $0, current: $0) }
        inodes = contents.mapValues { Inode(durable: $0, written: $0, pending: []) }
        nextInode = (contents.keys.max() ?? 0) + 1
    }

    mutating func nextOperationOrder() -> Int {
        defer { nextOrder += 1 }
        return nextOrder
    }

    // MARK: Lookup

    /// The error of a failed `kind` call, located at the caller.
    func error(
        _ code: FileSystemError.Code, _ kind: FileSystemOperation.Kind, _ path: String, _ detail: String? = nil,
        function: String = #function, file: String = #fileID, line: Int = #line
    ) -> FileSystemError {
        FileSystemError(
            code, operation: kind, path: path, detail: detail, function: function, file: file, line: line)
    }

    /// The inode named by the normalized `path`.
    func resolveFile(_ path: String, _ kind: FileSystemOperation.Kind) throws(FileSystemError) -> Int {
        if directories[path] != nil { throw error(.isDirectory, kind, path) }
        let parent = Path.parent(of: path)
        guard let directory = directories[parent] else {
            throw error(.notFound, kind, path, "no directory \(parent)")
        }
        guard let inode = directory.current[Path.name(of: path)] else { throw error(.notFound, kind, path) }
        return inode
    }

    /// Checks that the parent directory of a file about to be named `path` exists.
    func checkParent(_ path: String, _ kind: FileSystemOperation.Kind) throws(FileSystemError) {
        if directories[path] != nil { throw error(.isDirectory, kind, path) }
        let parent = Path.parent(of: path)
        guard directories[parent] != nil else { throw error(.notFound, kind, path, "no directory \(parent)") }
    }

    func handle(_ id: Int) -> OpenHandle {
        guard let handle = handles[id] else { preconditionFailure("use of a closed simulated file") }
        return handle
    }

    // MARK: Directory entries

    /// Points `name` in `directory` at `inode` (or removes it), recording the unsynced change.
    mutating func setEntry(_ directory: String, _ name: String, _ inode: Int?, operation: Int) {
        directories[directory]!.current[name] = inode
        pendingEntries.append(EntryChange(directory: directory, name: name, inode: inode, operation: operation))
    }

    /// Opens `path` empty: a new inode and entry when it is missing, else its inode truncated to 0.
    mutating func createFile(_ path: String, _ kind: FileSystemOperation.Kind) throws(FileSystemError) -> Int {
        try checkParent(path, kind)
        let parent = Path.parent(of: path)
        let name = Path.name(of: path)
        if let inode = directories[parent]!.current[name] {
            truncate(inode, to: 0)
            return inode
        }
        let inode = nextInode
        nextInode += 1
        inodes[inode] = Inode()
        setEntry(parent, name, inode, operation: nextOperationOrder())
        return inode
    }

    /// Makes a directory's current entries durable.
    mutating func syncDirectory(_ path: String) {
        // Only an inode an old durable entry or a dropped pending change named can have become garbage.
        let directory = directories[path]!
        var candidates = directory.durable.compactMap { directory.current[$0.key] == $0.value ? nil : $0.value }
        for change in pendingEntries where change.directory == path {
            if let inode = change.inode { candidates.append(inode) }
        }
        directories[path]!.durable = directories[path]!.current
        pendingEntries.removeAll { $0.directory == path }
        collectGarbage(candidates)
    }

    /// Drops those of `candidates` that no name (current, durable or pending) and no open handle refers to. Every
    /// caller passes each inode that its change can have left without a reference, so no garbage stays behind.
    mutating func collectGarbage(_ candidates: [Int]) {
        for inode in candidates where inodes[inode] != nil && !isNamed(inode) {
            if !handles.values.contains(where: { $0.inode == inode }) { inodes[inode] = nil }
        }
    }

    // MARK: Data

    /// Writes `bytes` at `offset` of the written view, zero-filling any gap, and records the unsynced write.
    mutating func write(_ inode: Int, at offset: Int, _ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        Self.overwrite(&inodes[inode]!.written, at: offset, with: bytes[...])
        if inodes[inode]!.cached != nil { Self.overwrite(&inodes[inode]!.cached!, at: offset, with: bytes[...]) }
        inodes[inode]!.pending.append(.write(offset: offset, bytes: bytes, order: nextOperationOrder()))
    }

    /// Cuts or zero-extends the written view to `size` and records the unsynced truncate.
    mutating func truncate(_ inode: Int, to size: Int) {
        Self.resize(&inodes[inode]!.written, to: size)
        if inodes[inode]!.cached != nil { Self.resize(&inodes[inode]!.cached!, to: size) }
        inodes[inode]!.pending.append(.truncate(size: size, order: nextOperationOrder()))
    }

    /// Makes an inode's written view durable.
    mutating func sync(_ inode: Int) {
        inodes[inode]!.durable = inodes[inode]!.written
        inodes[inode]!.pending = []
    }

    /// A sync failed and the kernel marked the dirty pages clean (``SyncFailureSemantics/pagesLost``): the
    /// unsynced bytes are never written back, though readers still see them. What the disk is to hold becomes the
    /// durable bytes at the size readers see (the lost range reads as the old bytes, zeros past the old end); the
    /// size change stays pending, so a power loss before the next sync may undo it.
    mutating func loseUnsyncedPages(_ inode: Int) {
        guard var node = inodes[inode], !node.pending.isEmpty else { return }
        let visible = node.visible
        node.cached = visible
        node.written = node.durable
        node.pending = []
        if visible.count != node.durable.count {
            Self.resize(&node.written, to: visible.count)
            node.pending = [.truncate(size: visible.count, order: nextOperationOrder())]
        }
        inodes[inode] = node
    }

    static func resize(_ data: inout [UInt8], to size: Int) {
        if data.count > size {
            data.removeSubrange(size...)
        } else if data.count < size {
            data.append(contentsOf: repeatElement(0, count: size - data.count))
        }
    }

    /// Writes `bytes` at `offset`, extending `data` (zero-filling any gap) as needed.
    static func overwrite(_ data: inout [UInt8], at offset: Int, with bytes: ArraySlice<UInt8>) {
        if data.count < offset { resize(&data, to: offset) }
        let overlap = min(bytes.count, data.count - offset)
        if overlap > 0 {
            data.replaceSubrange(offset..<offset + overlap, with: bytes.prefix(overlap))
        }
        if overlap < bytes.count { data.append(contentsOf: bytes.dropFirst(overlap)) }
    }

    // MARK: Views

    /// Every file by path, with `content` chosen from its inode.
    func files(durable: Bool) -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for (path, directory) in directories {
            for (name, inode) in durable ? directory.durable : directory.current {
                guard let node = inodes[inode] else { continue }
                result[Path.join(path, name)] = durable ? node.durable : node.visible
            }
        }
        return result
    }
}

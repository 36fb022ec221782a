/// Iterates the files of one level from 1 up (disjoint, sorted by key) as one stream, opening each table only
/// when the cursor reaches it.
final class LevelIterator: InternalIterator {
    private let files: [FileMetadata]
    private let tableCache: TableCache
    private var fileIndex: Int
    // The concrete type (not the protocol) lets every step call the table cursor directly.
    private var current: TableIterator? {
        didSet { currentHandle = current.map { Unmanaged.passUnretained($0) } }
    }
    /// `current`, unretained: `current` owns it, and a step calls it through this handle without a retain and a
    /// release per entry.
    private var currentHandle: Unmanaged<TableIterator>?

    init(files: [FileMetadata], tableCache: TableCache) {
        self.files = files
        self.tableCache = tableCache
        self.fileIndex = files.count
    }

    var isValid: Bool { currentHandle?._withUnsafeGuaranteedRef { $0.isValid } ?? false }
    var key: [UInt8] { currentHandle!._withUnsafeGuaranteedRef { $0.key } }
    var value: [UInt8] { currentHandle!._withUnsafeGuaranteedRef { $0.value } }
    func withValue(_ body: (Span<UInt8>) throws -> Void) rethrows {
        try currentHandle!._withUnsafeGuaranteedRef { try $0.withValue(body) }
    }
    func copyValue(into target: inout [UInt8]) {
        currentHandle!._withUnsafeGuaranteedRef { $0.copyValue(into: &target) }
    }
    func copyKey(into target: inout [UInt8]) { currentHandle!._withUnsafeGuaranteedRef { $0.copyKey(into: &target) } }

    func seekToFirst() throws {
        try open(0)
        try current?.seekToFirst()
        try skipExhaustedFiles()
    }

    func seek(_ target: [UInt8]) throws {
        // The first file whose largest key is >= target.
        var low = 0
        var high = files.count
        while low < high {
            let mid = (low + high) / 2
            if InternalKey.compare(files[mid].largest, target) < 0 { low = mid + 1 } else { high = mid }
        }
        try open(low)
        try current?.seek(target)
        try skipExhaustedFiles()
    }

    func next() throws {
        try currentHandle?._withUnsafeGuaranteedRef { try $0.next() }
        try skipExhaustedFiles()
    }

    func seekToLast() throws {
        try open(files.count - 1)
        try current?.seekToLast()
        try skipExhaustedFilesBackward()
    }

    func prev() throws {
        try currentHandle?._withUnsafeGuaranteedRef { try $0.prev() }
        try skipExhaustedFilesBackward()
    }

    private func open(_ index: Int) throws {
        fileIndex = index
        current = files.indices.contains(index) ? try tableCache.reader(for: files[index]).makeIterator() : nil
    }

    private func skipExhaustedFilesBackward() throws {
        while currentHandle != nil && !isValid {
            try open(fileIndex - 1)
            try current?.seekToLast()
        }
    }

    private func skipExhaustedFiles() throws {
        while currentHandle != nil && !isValid {
            try open(fileIndex + 1)
            try current?.seekToFirst()
        }
    }
}

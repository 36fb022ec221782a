/// Iterates the files of one level from 1 up (disjoint, sorted by key) as one stream, opening each table only
/// when the cursor reaches it.
final class LevelIterator: InternalIterator {
    private let files: [FileMetadata]
    private let tableCache: TableCache
    private var fileIndex: Int
    // The concrete type (not the protocol) lets every step call the table cursor directly.
    private var current: TableIterator?

    init(files: [FileMetadata], tableCache: TableCache) {
        self.files = files
        self.tableCache = tableCache
        self.fileIndex = files.count
    }

    var isValid: Bool { current?.isValid ?? false }
    var key: [UInt8] { current!.key }
    var value: [UInt8] { current!.value }
    func withValue(_ body: (Span<UInt8>) throws -> Void) rethrows { try current!.withValue(body) }
    func copyValue(into target: inout [UInt8]) { current!.copyValue(into: &target) }

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
        try current?.next()
        try skipExhaustedFiles()
    }

    func seekToLast() throws {
        try open(files.count - 1)
        try current?.seekToLast()
        try skipExhaustedFilesBackward()
    }

    func prev() throws {
        try current?.prev()
        try skipExhaustedFilesBackward()
    }

    private func open(_ index: Int) throws {
        fileIndex = index
        current = files.indices.contains(index) ? try tableCache.reader(for: files[index]).makeIterator() : nil
    }

    private func skipExhaustedFilesBackward() throws {
        while let iterator = current, !iterator.isValid {
            try open(fileIndex - 1)
            try current?.seekToLast()
        }
    }

    private func skipExhaustedFiles() throws {
        while let iterator = current, !iterator.isValid {
            try open(fileIndex + 1)
            try current?.seekToFirst()
        }
    }
}

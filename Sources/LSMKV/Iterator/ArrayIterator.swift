/// An iterator over a fixed, sorted array of entries: used for tests and small in-memory sources.
final class ArrayIterator: InternalIterator {
    private let entries: [(key: [UInt8], value: [UInt8])]
    private var index: Int

    init(_ entries: [(key: [UInt8], value: [UInt8])]) {
        self.entries = entries
        self.index = entries.count
    }

    var isValid: Bool { index < entries.count }
    var key: [UInt8] { entries[index].key }
    var value: [UInt8] { entries[index].value }

    func seekToFirst() { index = 0 }

    func seek(_ target: [UInt8]) {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if InternalKey.compare(entries[mid].key, target) < 0 { low = mid + 1 } else { high = mid }
        }
        index = low
    }

    func next() { index += 1 }

    func seekToLast() { index = entries.isEmpty ? entries.count : entries.count - 1 }

    func prev() { index = index == 0 ? entries.count : index - 1 }
}

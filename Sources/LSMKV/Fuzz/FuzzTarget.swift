import VFS

/// The decoders of bytes read from disk, each driven the way the engine drives it, for libFuzzer
/// (`Tests/Fuzz/FuzzMain.swift`, built by `Scripts/fuzz.sh`) and for the regression tests that replay every input
/// the fuzzer ever crashed on (`Tests/LSMKVTests/FuzzRegressionTests.swift`).
///
/// ``run(_:)`` must return for every input. A decoder may reject bytes only by throwing an ``LSMKVError`` that
/// names the file it was given and an offset inside the input; anything else (a trap, another error type, an
/// offset outside the file, a decoded value that does not survive re-encoding) stops the process with a
/// precondition failure, which libFuzzer reports as a crash.
enum FuzzTarget: String, CaseIterable, Sendable {
    /// ``LogReader/read(_:file:)`` over a whole log, then every record decoded as a ``WriteBatch``.
    case log
    /// ``Block`` parsing and ``BlockIterator`` iteration and seeks, under both key orders.
    case block
    /// ``TableReader/open(file:fileSize:options:)`` on an in-memory file, full iteration, point lookups,
    /// offsets and filter validation.
    case table
    /// ``FilterBlockReader`` validation and lookups, and ``BloomFilter/keyMayMatch(_:filter:)``.
    case filter
    /// ``VersionEdit/decode(_:file:offset:)`` and its re-encoding.
    case versionEdit = "version-edit"
    /// ``WriteBatch/decode(_:file:offset:)`` and its re-encoding.
    case writeBatch = "write-batch"

    /// The file name given to the decoder; errors must name it.
    var fileName: String { "fuzz-input.\(rawValue)" }

    /// Feeds `bytes` to the target's decoders. Returns for every input; see the type's documentation.
    func run(_ bytes: [UInt8]) {
        switch self {
        case .log: fuzzLog(bytes)
        case .block: fuzzBlock(bytes)
        case .table: fuzzTable(bytes)
        case .filter: fuzzFilter(bytes)
        case .versionEdit: fuzzVersionEdit(bytes)
        case .writeBatch: fuzzWriteBatch(bytes)
        }
    }

    /// Runs `body`; a thrown error must be an ``LSMKVError`` about this target's file at an offset in the input.
    private func checked<T>(_ inputSize: Int, _ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch let error as LSMKVError {
            if case .corruption(let file, let offset, _) = error {
                precondition(file == fileName, "error names \(file), not \(fileName): \(error)")
                precondition((0...inputSize).contains(offset), "offset outside the \(inputSize)-byte input: \(error)")
            }
            return nil
        } catch {
            preconditionFailure("decoder threw an error that is not an LSMKVError: \(error)")
        }
    }

    private func fuzzLog(_ bytes: [UInt8]) {
        let result = LogReader.read(bytes, file: fileName)
        precondition(result.validLength <= bytes.count, "valid length past the end")
        var previous = -1
        for record in result.records {
            precondition(record.offset > previous && record.offset < bytes.count, "record offsets out of order")
            previous = record.offset
            _ = checked(bytes.count) {
                try WriteBatch.decode(record.payload, file: fileName, offset: 0)
            }
        }
        switch result.ending {
        case .clean: break
        case .tornTail(let offset, _), .midLogDamage(let offset, _, _), .syncedDamage(let offset, _, _):
            precondition((0...bytes.count).contains(offset), "ending offset \(offset) outside the file")
        }
    }

    private func fuzzBlock(_ bytes: [UInt8]) {
        for comparator in [BlockComparator.internalKey, .bytewise] {
            guard
                let block = checked(
                    bytes.count,
                    {
                        try Block(contents: bytes, file: fileName, fileOffset: 0, comparator: comparator)
                    })
            else { continue }
            let iterator = block.makeIterator()
            var keys: [[UInt8]] = []
            _ = checked(bytes.count) {
                try iterator.seekToFirst()
                while iterator.isValid {
                    keys.append(iterator.key)
                    consume(iterator.value)
                    try iterator.next()
                }
            }
            for target in keys.prefix(32) + [[], [UInt8](repeating: 0xff, count: 9)] {
                _ = checked(bytes.count) {
                    try iterator.seek(target)
                    if iterator.isValid { consume((iterator.key, iterator.value)) }
                }
            }
        }
    }

    private func fuzzTable(_ bytes: [UInt8]) {
        let file = InMemoryReadableFile(path: fileName, bytes: bytes)
        for options in [TableReaderOptions(verifyChecksums: false), TableReaderOptions(useFilter: false)] {
            guard
                let table = checked(
                    bytes.count, { try TableReader.open(file: file, fileSize: bytes.count, options: options) })
            else { continue }
            _ = checked(bytes.count) { try table.validateFilter() }
            let iterator = table.makeIterator()
            var keys: [[UInt8]] = []
            _ = checked(bytes.count) {
                try iterator.seekToFirst()
                while iterator.isValid {
                    if keys.count < 16 { keys.append(iterator.key) }
                    consume(iterator.value)
                    try iterator.next()
                }
            }
            for key in keys + [[], [UInt8](repeating: 0xff, count: 9)] {
                _ = checked(bytes.count) { try table.get(key) }
                _ = checked(bytes.count) { try table.approximateOffset(of: key) }
                _ = checked(bytes.count) {
                    try iterator.seek(key)
                    if iterator.isValid { consume((iterator.key, iterator.value)) }
                }
            }
        }
    }

    private func fuzzFilter(_ bytes: [UInt8]) {
        let reader = FilterBlockReader(contents: bytes, file: fileName, fileOffset: 0)
        _ = checked(bytes.count) { try reader.validate() }
        // Keys cut from the input find the bits it sets; the offsets cover several 2 KiB filter ranges.
        var keys: [[UInt8]] = [[], Array("key".utf8)]
        for start in stride(from: 0, to: min(bytes.count, 64), by: 8) {
            keys.append(Array(bytes[start..<min(bytes.count, start + 8)]))
        }
        for key in keys {
            for blockOffset: UInt64 in [0, 2047, 2048, 4096, 1 << 20, UInt64.max] {
                _ = reader.keyMayMatch(blockOffset: blockOffset, userKey: key)
            }
            _ = BloomFilter.keyMayMatch(key, filter: bytes)
        }
    }

    private func fuzzVersionEdit(_ bytes: [UInt8]) {
        guard let edit = checked(bytes.count, { try VersionEdit.decode(bytes, file: fileName, offset: 0) }) else {
            return
        }
        let encoded = edit.encode()
        guard let again = try? VersionEdit.decode(encoded, file: fileName, offset: 0) else {
            preconditionFailure("a decoded version edit does not decode after re-encoding")
        }
        precondition(again == edit, "a version edit changed across encode and decode")
    }

    private func fuzzWriteBatch(_ bytes: [UInt8]) {
        guard
            let (batch, operations) = checked(bytes.count, { try WriteBatch.decode(bytes, file: fileName, offset: 0) })
        else { return }
        var rebuilt = WriteBatch()
        for operation in operations {
            switch operation {
            case .put(let key, let value): rebuilt.put(key, value)
            case .delete(let key): rebuilt.delete(key)
            }
        }
        rebuilt.sequence = batch.sequence
        precondition(rebuilt.count == batch.count, "count changed across re-encoding")
        precondition((try? rebuilt.operations()) == operations, "operations changed across re-encoding")
    }
}

/// Keeps a decoded value from being optimized away. With -O and ASan, an unused `BlockIterator.value` was
/// released before its bytes were copied in (a heap-use-after-free report on a valid block), so every decoded
/// value the targets discard goes through here.
@inline(never)
@_optimize(none)
private func consume<T>(_ value: T) {}

/// A read-only file over bytes in memory: the table target opens tables without a file system.
final class InMemoryReadableFile: ReadableFile {
    let path: String
    private let bytes: [UInt8]

    init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    func read(at offset: Int, count: Int) throws -> [UInt8] {
        precondition(offset >= 0 && count >= 0, "negative offset or count")
        guard offset < bytes.count else { return [] }
        return Array(bytes[offset..<offset + min(count, bytes.count - offset)])
    }

    func size() throws -> Int { bytes.count }

    func close() {}
}

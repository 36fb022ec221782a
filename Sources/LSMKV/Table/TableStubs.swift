// TEMPORARY: replaced by the table branch at merge.
import VFS
struct TableOptions: Sendable { var blockSize = 4096; var restartInterval = 16; var bloomBitsPerKey = 10 }
struct TableReaderOptions: Sendable { var verifyChecksums = true }
final class TableBuilder {
    init(file: any WritableFile, options: TableOptions) { fatalError() }
    func add(key: [UInt8], value: [UInt8]) throws {}
    func finish() throws {}
    var fileSize: Int { 0 }
    var entryCount: Int { 0 }
}
final class TableReader: Sendable {
    static func open(file: any ReadableFile, fileSize: Int, options: TableReaderOptions) throws -> TableReader { fatalError() }
    func get(_ lookupKey: [UInt8]) throws -> (key: [UInt8], value: [UInt8])? { nil }
    func makeIterator() -> InternalIterator { fatalError() }
}

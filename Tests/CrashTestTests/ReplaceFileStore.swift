import CrashTest
import VFS

/// A deliberately small ``CrashTestableStore``: the whole map in one file, `data`, replaced on every write by
/// write-temp, sync, rename over `data`, sync the directory. With `syncsDirectory` false it forgets the directory
/// sync after the rename, so an acknowledged write lives only in the page cache's directory entries.
final class ReplaceFileStore: CrashTestableStore {
    /// A corrupt `data` file.
    struct Corrupt: Error, CustomStringConvertible {
        var offset: Int
        var description: String { "data is corrupt at offset \(offset)" }
    }

    private let fileSystem: any FileSystem
    private let directory: String
    private let syncsDirectory: Bool
    private var state: [[UInt8]: [UInt8]]

    /// How the explorer opens it.
    static func opener(syncsDirectory: Bool = true) -> StoreOpener {
        StoreOpener { fileSystem, directory in
            try ReplaceFileStore(fileSystem: fileSystem, directory: directory, syncsDirectory: syncsDirectory)
        }
    }

    init(fileSystem: any FileSystem, directory: String, syncsDirectory: Bool) throws {
        self.fileSystem = fileSystem
        self.directory = directory
        self.syncsDirectory = syncsDirectory
        let path = directory + "/data"
        state = fileSystem.fileExists(path) ? try Self.decode(fileSystem.readWholeFile(path)) : [:]
    }

    func apply(_ operation: History.Operation, sync: Bool) throws {
        var next = state
        operation.apply(to: &next)
        let temporary = directory + "/data.tmp"
        let file = try fileSystem.createWritable(temporary)
        try file.append(Self.encode(next))
        try file.sync()
        try file.close()
        try fileSystem.rename(temporary, to: directory + "/data")
        if syncsDirectory { try fileSystem.syncDirectory(directory) }
        state = next
    }

    func makeDurable() throws {}
    func contents() throws -> [[UInt8]: [UInt8]] { state }
    func close() throws {}

    /// Entry count, then each key and value, each length-prefixed (4 bytes, little-endian).
    static func encode(_ map: [[UInt8]: [UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        func put(_ value: Int) {
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((value >> shift) & 0xff)) }
        }
        put(map.count)
        for (key, value) in map.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            put(key.count)
            bytes += key
            put(value.count)
            bytes += value
        }
        return bytes
    }

    /// The inverse of ``encode(_:)``.
    /// - Throws: ``Corrupt`` at the first length or field that does not fit.
    static func decode(_ bytes: [UInt8]) throws -> [[UInt8]: [UInt8]] {
        var offset = 0
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, count <= bytes.count - offset else { throw Corrupt(offset: offset) }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }
        func length() throws -> Int {
            try take(4).reversed().reduce(0) { $0 << 8 | Int($1) }
        }
        var map: [[UInt8]: [UInt8]] = [:]
        for _ in 0..<(try length()) {
            let key = Array(try take(try length()))
            map[key] = Array(try take(try length()))
        }
        guard offset == bytes.count else { throw Corrupt(offset: offset) }
        return map
    }
}

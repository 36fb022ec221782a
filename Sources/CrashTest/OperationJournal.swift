import VFS

/// The changes a worker process made to its ``SimulatedFileSystem``, as an append-only file on the real disk, so the
/// runner can rebuild the simulated file system exactly as it stood when the worker was killed and draw a power-loss
/// image from it (``PowerLossImage``).
///
/// Each record is one successful mutating call: `kind` (1 byte), the payload's length (4 bytes, little-endian),
/// the payload. Paths and byte strings in a payload are length-prefixed the same way; handles and sizes are 8-byte
/// little-endian numbers. A record is appended with one `write()` after its call returned and before the caller
/// sees the result, so a kill (which keeps the page cache) leaves every call the engine saw succeed, and at most
/// one record cut short at the end, which ``replay(_:into:)`` ignores.
enum OperationJournal {
    /// What a record records.
    enum Kind: UInt8 {
        case createWritable = 1
        case openWritable = 2
        case append = 3
        case sync = 4
        case truncate = 5
        case close = 6
        case remove = 7
        case rename = 8
        case syncDirectory = 9
        case createDirectory = 10
        case lock = 11
        case unlock = 12
        case syncFailed = 13
    }

    /// One record's payload being built.
    struct Record {
        var bytes: [UInt8]

        init(_ kind: Kind) { bytes = [kind.rawValue, 0, 0, 0, 0] }

        mutating func number(_ value: Int) {
            let v = UInt64(truncatingIfNeeded: value)
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> shift)) }
        }

        mutating func data(_ value: [UInt8]) {
            let count = UInt32(value.count)
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: count >> shift)) }
            bytes += value
        }

        mutating func path(_ value: String) { data(Array(value.utf8)) }

        /// The framed record: the payload length filled in.
        var framed: [UInt8] {
            var out = bytes
            let length = UInt32(out.count - 5)
            for i in 0..<4 { out[1 + i] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(i))) }
            return out
        }
    }

    /// Reads a record's payload.
    struct Reader {
        let bytes: ArraySlice<UInt8>
        var position: Int

        init(_ bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            position = bytes.startIndex
        }

        mutating func number() -> Int? {
            guard position + 8 <= bytes.endIndex else { return nil }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
            position += 8
            return Int(truncatingIfNeeded: v)
        }

        mutating func data() -> [UInt8]? {
            guard position + 4 <= bytes.endIndex else { return nil }
            var count = 0
            for i in 0..<4 { count |= Int(bytes[position + i]) << (8 * i) }
            position += 4
            guard count <= bytes.endIndex - position else { return nil }
            defer { position += count }
            return Array(bytes[position..<position + count])
        }

        mutating func path() -> String? { data().map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Why a journal could not be replayed: the record (from 0) and the problem. A tester bug, never the engine's.
    struct ReplayError: Error, CustomStringConvertible {
        var record: Int
        var problem: String
        var description: String { "operation journal, record \(record): \(problem)" }
    }

    /// Replays the records of `journal` into `fs`, which must hold what the worker's file system held when it
    /// started. A record cut short at the end (by the kill) is ignored.
    /// - Throws: ``ReplayError`` for a malformed record or a call the simulated file system refuses.
    static func replay(_ journal: [UInt8], into fs: SimulatedFileSystem) throws(ReplayError) {
        var writable: [Int: any WritableFile] = [:]
        var locks: [Int: any FileLock] = [:]
        var position = 0
        var number = 0
        while position + 5 <= journal.count {
            var length = 0
            for i in 0..<4 { length |= Int(journal[position + 1 + i]) << (8 * i) }
            guard position + 5 + length <= journal.count else { break }
            guard let kind = Kind(rawValue: journal[position]) else {
                throw ReplayError(record: number, problem: "unknown kind \(journal[position])")
            }
            var reader = Reader(journal[(position + 5)..<(position + 5 + length)])
            position += 5 + length
            func fail(_ problem: String) -> ReplayError {
                ReplayError(record: number, problem: "\(kind): \(problem)")
            }
            func file() throws(ReplayError) -> any WritableFile {
                guard let handle = reader.number(), let file = writable[handle] else { throw fail("unknown handle") }
                return file
            }
            do {
                switch kind {
                case .createWritable, .openWritable:
                    guard let handle = reader.number(), let path = reader.path() else { throw fail("malformed") }
                    writable[handle] =
                        kind == .createWritable ? try fs.createWritable(path) : try fs.openWritable(path)
                case .append:
                    let target = try file()
                    guard let bytes = reader.data() else { throw fail("malformed") }
                    try target.append(bytes)
                case .sync: try file().sync()
                case .truncate:
                    let target = try file()
                    guard let size = reader.number() else { throw fail("malformed") }
                    try target.truncate(to: size)
                case .close:
                    // A second close of a handle succeeds and is journaled again.
                    guard let handle = reader.number() else { throw fail("malformed") }
                    try writable.removeValue(forKey: handle)?.close()
                case .remove:
                    guard let path = reader.path() else { throw fail("malformed") }
                    try fs.remove(path)
                case .rename:
                    guard let source = reader.path(), let destination = reader.path() else { throw fail("malformed") }
                    try fs.rename(source, to: destination)
                case .syncDirectory:
                    guard let path = reader.path() else { throw fail("malformed") }
                    try fs.syncDirectory(path)
                case .createDirectory:
                    guard let path = reader.path() else { throw fail("malformed") }
                    try fs.createDirectory(path)
                case .lock:
                    guard let handle = reader.number(), let path = reader.path() else { throw fail("malformed") }
                    locks[handle] = try fs.lockFile(path)
                case .unlock:
                    guard let handle = reader.number() else { throw fail("malformed") }
                    locks.removeValue(forKey: handle)?.unlock()
                case .syncFailed:
                    let target = try file()
                    guard let semantics = reader.path().flatMap(SyncFailureSemantics.init(rawValue:)) else {
                        throw fail("malformed")
                    }
                    guard let modeling = target as? any SyncFailureModeling else { throw fail("not simulated") }
                    modeling.syncFailed(semantics)
                }
            } catch let error as ReplayError {
                throw error
            } catch {
                throw fail("the simulated file system refused it: \(error)")
            }
            number += 1
        }
    }
}

import LSMKV
import VFS

/// The expected-state file a worker process shares with the runner: one line per event, appended with a plain
/// `write()` (a SIGKILL keeps the page cache, so every line written before the kill is there afterwards).
///
/// ```
/// I <index> <sync 0|1> <writer> <hex op>  an operation about to be issued by writer N (written BEFORE the call)
/// A <index>                              the operation returned successfully (acknowledged)
/// D                                      flush() or close() returned: everything acknowledged is durable
/// E <text>                               the worker saw an error (kept for the report)
/// ```
///
/// A last line without its newline was cut by the kill and is ignored. Concurrent writers share one writer (under
/// the runner's lock), so the lines' order is the history's event clock.
public struct ExpectedStateWriter: HistorySink, Sendable {
    private let file: any WritableFile
    /// Operations issued so far: the index of the next one.
    private var issued = 0

    /// Creates (or truncates) the file at `path` on the real disk.
    /// - Throws: ``FileSystemError`` when it cannot be created.
    public init(path: String) throws {
        file = try PosixFileSystem().createWritable(path)
    }

    /// Records that `operation` is about to be issued; returns its index.
    /// - Throws: ``FileSystemError`` when the line cannot be appended.
    public mutating func issue(_ operation: History.Operation, sync: Bool, writer: Int = 0) throws -> Int {
        var bytes = Array("I \(issued) \(sync ? 1 : 0) \(writer) ".utf8)
        Hex.append(ExpectedStateCoding.encode(operation), to: &bytes)
        bytes.append(0x0a)
        try file.append(bytes)
        issued += 1
        return issued - 1
    }

    /// Records that operation `index` returned successfully.
    /// - Throws: ``FileSystemError`` when the line cannot be appended.
    public func acknowledge(_ index: Int) throws { try file.append(Array("A \(index)\n".utf8)) }

    /// Records a durability point: `flush()` or `close()` returned.
    /// - Throws: ``FileSystemError`` when the line cannot be appended.
    public func markDurable() throws { try file.append(Array("D\n".utf8)) }

    /// Records an error the worker saw (one line; newlines are replaced).
    public func error(_ text: String) {
        let line = text.map { $0 == "\n" ? " " : $0 }
        try? file.append(Array("E \(String(line))\n".utf8))
    }

    /// Closes the file.
    public func close() { try? file.close() }
}

/// What the runner reads back from an expected-state file.
public struct ExpectedState: Sendable {
    /// The history, starting from the state recovered before the worker started.
    public var history: History
    /// The errors the worker recorded.
    public var errors: [String]

    /// Why an expected-state file could not be read.
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var problem: String
        public var description: String { "expected-state file, line \(line): \(problem)" }
    }

    /// Parses the file's bytes into a history starting from `initial`.
    /// - Throws: ``FormatError`` for a complete line that is not one the writer writes (a tester bug).
    public static func parse(_ bytes: [UInt8], initial: [[UInt8]: [UInt8]]) throws(FormatError) -> ExpectedState {
        var result = ExpectedState(history: History(initial: initial), errors: [])
        var lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false)
        lines.removeLast()  // after the last newline: empty, or a line torn by the kill
        for (number, line) in lines.enumerated() {
            func fail(_ problem: String) -> FormatError { FormatError(line: number + 1, problem: problem) }
            let words = line.split(separator: 0x20, maxSplits: 4)
            guard let tag = words.first, tag.count == 1 else { throw fail("empty or unknown line") }
            switch tag.first {
            case UInt8(ascii: "I"):
                guard words.count == 5, let index = Int(ascii: words[1]), index == result.history.entries.count,
                    let writer = Int(ascii: words[3]), let operation = ExpectedStateCoding.decodeHex(words[4])
                else { throw fail("malformed issue line") }
                _ = result.history.issue(operation, sync: words[2].first == UInt8(ascii: "1"), writer: writer)
            case UInt8(ascii: "A"):
                guard words.count == 2, let index = Int(ascii: words[1]), result.history.entries.indices.contains(index)
                else { throw fail("acknowledgement of an operation never issued") }
                result.history.acknowledge(index)
            case UInt8(ascii: "D"):
                result.history.markDurable()
            case UInt8(ascii: "E"):
                result.errors.append(String(decoding: line.dropFirst(2), as: UTF8.self))
            default:
                throw fail("unknown line tag")
            }
        }
        return result
    }
}

/// The binary form of a ``History/Operation`` in an expected-state line: `p` key value, `d` key, `b` count
/// operations; lengths and counts as 4-byte big-endian numbers; the whole written in hex.
enum ExpectedStateCoding {
    static func encode(_ operation: History.Operation) -> [UInt8] {
        var out: [UInt8] = []
        func length(_ n: Int) { for shift in [24, 16, 8, 0] { out.append(UInt8(truncatingIfNeeded: n >> shift)) } }
        func write(_ operation: History.Operation) {
            switch operation {
            case .put(let key, let value):
                out.append(UInt8(ascii: "p"))
                length(key.count)
                out += key
                length(value.count)
                out += value
            case .delete(let key):
                out.append(UInt8(ascii: "d"))
                length(key.count)
                out += key
            case .batch(let operations):
                out.append(UInt8(ascii: "b"))
                length(operations.count)
                for operation in operations { write(operation) }
            }
        }
        write(operation)
        return out
    }

    static func decode(_ bytes: [UInt8]) -> History.Operation? {
        var position = 0
        func length() -> Int? {
            guard position + 4 <= bytes.count else { return nil }
            let n = bytes[position..<position + 4].reduce(0) { $0 << 8 | Int($1) }
            position += 4
            return n
        }
        func take(_ n: Int) -> [UInt8]? {
            guard position + n <= bytes.count else { return nil }
            defer { position += n }
            return Array(bytes[position..<position + n])
        }
        func read(depth: Int) -> History.Operation? {
            guard position < bytes.count, depth < 3 else { return nil }
            let tag = bytes[position]
            position += 1
            switch tag {
            case UInt8(ascii: "p"):
                guard let k = length(), let key = take(k), let v = length(), let value = take(v) else { return nil }
                return .put(key: key, value: value)
            case UInt8(ascii: "d"):
                guard let k = length(), let key = take(k) else { return nil }
                return .delete(key: key)
            case UInt8(ascii: "b"):
                guard let count = length(), count <= bytes.count else { return nil }
                var operations: [History.Operation] = []
                for _ in 0..<count {
                    guard let operation = read(depth: depth + 1) else { return nil }
                    operations.append(operation)
                }
                return .batch(operations)
            default: return nil
            }
        }
        guard let operation = read(depth: 0), position == bytes.count else { return nil }
        return operation
    }

    static func decodeHex(_ text: ArraySlice<UInt8>) -> History.Operation? {
        Hex.decode(text).flatMap(decode)
    }
}

extension Int {
    fileprivate init?(ascii: ArraySlice<UInt8>) {
        self.init(String(decoding: ascii, as: UTF8.self))
    }
}

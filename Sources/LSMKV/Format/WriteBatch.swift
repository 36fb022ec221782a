/// A group of puts and deletes applied atomically: after a crash either all of them are recovered or none.
///
/// Encoded exactly as LevelDB's WriteBatch, which is also the payload of every write-ahead-log record:
/// `fixed64 sequence, fixed32 count`, then per entry a type byte (1 = put, 0 = delete), the length-prefixed key
/// and, for puts, the length-prefixed value.
public struct WriteBatch: Sendable, Equatable {
    static let headerSize = 12

    /// The encoded batch, header included.
    private(set) var representation: [UInt8]

    /// An empty batch.
    public init() {
        representation = WriteBatch.emptyRepresentation
    }

    /// The header of an empty batch, shared by every new batch until it is first changed (building it anew each
    /// time cost a generic array allocation per write).
    private static let emptyRepresentation = [UInt8](repeating: 0, count: WriteBatch.headerSize)

    init(validatedRepresentation: [UInt8]) {
        representation = validatedRepresentation
    }

    /// The number of puts and deletes in the batch.
    public var count: Int { Int(decodeFixed32(representation, at: 8)) }

    /// Whether the batch holds no operation.
    public var isEmpty: Bool { count == 0 }

    /// The encoded size in bytes (a measure of the write's cost).
    public var byteSize: Int { representation.count }

    /// Adds "set `key` to `value`".
    public mutating func put(_ key: [UInt8], _ value: [UInt8]) { append(.value, key, value) }

    /// Adds "delete `key`" (a tombstone that hides every older value of the key).
    public mutating func delete(_ key: [UInt8]) { append(.deletion, key, nil) }

    /// Appends one operation's record: its type, the key and, for a put, the value, each length-prefixed.
    @inline(__always)
    private mutating func append(_ type: ValueType, _ key: [UInt8], _ value: [UInt8]?) {
        // A first operation that does not fit the buffer (a new batch shares the empty header) is encoded in one
        // allocation; a cleared batch keeps its capacity and appends in place.
        if isEmpty && representation.capacity < representation.count + 11 + key.count + (value?.count ?? 0) {
            representation = WriteBatch.encodeSingle(type, key, value)
            return
        }
        var writer = ByteWriter(taking: &representation)
        writer.append(type.rawValue)
        writer.appendLengthPrefixed(key)
        if let value { writer.appendLengthPrefixed(value) }
        swap(&representation, &writer.bytes)
        setCount(count + 1)
    }

    /// Adds "set `key` to `value`" for UTF-8 strings.
    public mutating func put(_ key: String, _ value: String) { put(Array(key.utf8), Array(value.utf8)) }

    /// Adds "delete `key`" for a UTF-8 string key.
    public mutating func delete(_ key: String) { delete(Array(key.utf8)) }

    /// Removes every operation. The batch keeps its buffer's capacity, so a batch reused for the next group of
    /// writes does not grow its buffer again from nothing (a fresh buffer of that capacity: the old one may still
    /// be shared with a write in flight, and clearing it in place would copy it first).
    public mutating func clear() {
        let capacity = representation.capacity
        representation = WriteBatch.emptyRepresentation
        representation.reserveCapacity(capacity)
    }

    /// Appends every operation of `other` after this batch's.
    public mutating func append(contentsOf other: WriteBatch) {
        representation.append(contentsOf: other.representation[WriteBatch.headerSize...])
        setCount(count + other.count)
    }

    /// The sequence number of the first operation (set by the database when the batch is written).
    var sequence: SequenceNumber {
        get { decodeFixed64(representation, at: 0) }
        set { storeFixed64(newValue, into: &representation, at: 0) }
    }

    private mutating func setCount(_ value: Int) {
        storeFixed32(UInt32(value), into: &representation, at: 8)
    }

    /// The encoding of a batch holding one operation (sequence 0), built in one allocation: most writes are a
    /// single put or delete, and appending field by field cost several reallocations per write.
    private static func encodeSingle(_ type: ValueType, _ key: [UInt8], _ value: [UInt8]?) -> [UInt8] {
        let size =
            headerSize + 1 + ByteWriter.varintLength(UInt64(key.count)) + key.count
            + (value.map { ByteWriter.varintLength(UInt64($0.count)) + $0.count } ?? 0)
        // Encoded in scratch space, then copied into the array in one go: creating an array of a given size directly
        // (`init(repeating:count:)`, `init(unsafeUninitializedCapacity:)`) runs an unspecialized runtime path that
        // costs about 500 instructions (callgrind), more than the copy.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { buffer in
            var writer = UnsafeByteWriter(buffer)
            writer.appendFixed64(0)
            writer.appendFixed32(1)
            writer.append(type.rawValue)
            writer.appendLengthPrefixed(key)
            if let value { writer.appendLengthPrefixed(value) }
            precondition(writer.count == size, "single-operation batch size mismatch")
            return Array(UnsafeBufferPointer(buffer))
        }
    }

    /// One decoded operation.
    enum Operation: Equatable {
        case put(key: [UInt8], value: [UInt8])
        case delete(key: [UInt8])
    }

    /// Decodes every operation, checking the count and every length.
    /// - Throws: ``LSMKVError/corruption(file:offset:reason:)`` naming `file` and the offset of the bad byte,
    ///   where `baseOffset` is the offset of the batch within the file.
    func operations(file: String = "write batch", baseOffset: Int = 0) throws -> [Operation] {
        guard representation.count >= WriteBatch.headerSize else {
            throw LSMKVError.corruption(file: file, offset: baseOffset, reason: "write batch shorter than its header")
        }
        var reader = ByteReader(representation, file: file, baseOffset: baseOffset)
        try reader.skip(WriteBatch.headerSize)
        var operations: [Operation] = []
        while !reader.isAtEnd {
            let tagOffset = reader.position
            switch try reader.readByte() {
            case ValueType.value.rawValue:
                let key = try reader.readLengthPrefixed()
                let value = try reader.readLengthPrefixed()
                operations.append(.put(key: key, value: value))
            case ValueType.deletion.rawValue:
                operations.append(.delete(key: try reader.readLengthPrefixed()))
            case let tag:
                throw reader.corruption("unknown write batch tag \(tag)", at: tagOffset)
            }
        }
        guard operations.count == count else {
            throw LSMKVError.corruption(
                file: file, offset: baseOffset + 8,
                reason: "write batch header counts \(count) operations but holds \(operations.count)")
        }
        return operations
    }

    /// Calls `body` with each operation's type, key and value (empty for a deletion), in place and in order,
    /// checking every length and tag as ``operations(file:baseOffset:)`` does.
    /// - Throws: ``LSMKVError/corruption(file:offset:reason:)`` (the message of ``operations(file:baseOffset:)``)
    ///   when the batch is malformed; `body` has then seen the operations before the bad one.
    func forEachOperation(
        _ body: (ValueType, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        let complete = try representation.withUnsafeBufferPointer { b -> Bool in
            guard b.count >= WriteBatch.headerSize else { return false }
            var p = WriteBatch.headerSize
            var seen = 0
            while p < b.count {
                let tag = b[p]
                p += 1
                guard let type = ValueType(rawValue: tag), let keyLength = Varint.decodeLength(b, &p, b.count),
                    keyLength <= b.count - p
                else { return false }
                let key = UnsafeBufferPointer(rebasing: b[p..<p + keyLength])
                p += keyLength
                var value = UnsafeBufferPointer(rebasing: b[p..<p])
                if type == .value {
                    guard let valueLength = Varint.decodeLength(b, &p, b.count), valueLength <= b.count - p else {
                        return false
                    }
                    value = UnsafeBufferPointer(rebasing: b[p..<p + valueLength])
                    p += valueLength
                }
                try body(type, key, value)
                seen += 1
            }
            return seen == count
        }
        // The slow decoder finds the same fault and describes it; should the two ever disagree, the batch is still
        // reported as malformed rather than taken as applied in full.
        guard complete else {
            _ = try operations()
            throw LSMKVError.corruption(file: "write batch", offset: 0, reason: "malformed write batch")
        }
    }

    /// Decodes a batch read from a log record.
    static func decode(_ bytes: [UInt8], file: String, offset: Int) throws -> (WriteBatch, [Operation]) {
        let batch = WriteBatch(validatedRepresentation: bytes)
        return (batch, try batch.operations(file: file, baseOffset: offset))
    }
}

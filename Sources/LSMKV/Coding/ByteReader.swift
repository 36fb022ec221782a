/// Decodes LevelDB's integers and length-prefixed strings from bytes read off disk.
///
/// Every read checks bounds and throws ``LSMKVError/corruption(file:offset:reason:)`` naming the file and the
/// absolute offset (`baseOffset` + position) of the bad byte: bad input never traps. Varints are decoded by
/// ``Varint``, the one varint decoder; this type adds the error that names the file and offset.
struct ByteReader {
    let bytes: [UInt8]
    /// Absolute position of the next byte to read within `bytes`.
    private(set) var position: Int
    /// One past the last readable index.
    let end: Int
    /// The file the bytes came from, for error messages.
    let file: String
    /// The offset of `bytes[0]` in `file`.
    let baseOffset: Int

    init(_ bytes: [UInt8], file: String, baseOffset: Int = 0, range: Range<Int>? = nil) {
        self.bytes = bytes
        self.file = file
        self.baseOffset = baseOffset
        // Clamped to the array, so the in-place varint decoders can never index outside it.
        let range = (range ?? 0..<bytes.count).clamped(to: 0..<bytes.count)
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    var remaining: Int { end - position }
    var isAtEnd: Bool { position >= end }

    /// A corruption error at the current position (or `at`, relative to `bytes`).
    func corruption(_ reason: String, at index: Int? = nil) -> LSMKVError {
        .corruption(file: file, offset: baseOffset + (index ?? position), reason: reason)
    }

    mutating func readByte() throws -> UInt8 {
        guard position < end else { throw corruption("unexpected end of data") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readFixed32() throws -> UInt32 {
        guard remaining >= 4 else { throw corruption("truncated fixed32") }
        defer { position += 4 }
        return decodeFixed32(bytes, at: position)
    }

    mutating func readFixed64() throws -> UInt64 {
        guard remaining >= 8 else { throw corruption("truncated fixed64") }
        defer { position += 8 }
        return decodeFixed64(bytes, at: position)
    }

    /// Reads a varint64 (``Varint/decode64(_:_:_:)``).
    /// - Throws: corruption at the varint's first byte when it is truncated, too long or out of range.
    mutating func readVarint64() throws -> UInt64 { try readVarint(maxLength: Varint.maxLength64, Varint.decode64) }

    /// Reads a varint32 (``Varint/decode32(_:_:_:)``).
    /// - Throws: corruption at the varint's first byte when it is truncated, too long or out of range.
    mutating func readVarint32() throws -> UInt32 { try readVarint(maxLength: Varint.maxLength32, Varint.decode32) }

    // Always inlined, so `decode` is a direct call to one of Varint's decoders.
    @inline(__always)
    private mutating func readVarint<T>(
        maxLength: Int, _ decode: (UnsafeBufferPointer<UInt8>, inout Int, Int) -> T?
    ) throws -> T {
        let start = position
        let limit = end
        var p = start
        guard let value = bytes.withUnsafeBufferPointer({ decode($0, &p, limit) }) else {
            let reason = bytes.withUnsafeBufferPointer {
                Varint.failure($0, at: start, limit: limit, maxLength: maxLength)
            }
            throw corruption(reason, at: start)
        }
        position = p
        return value
    }

    /// Reads a varint32 and checks that it fits the remaining bytes, as a length.
    mutating func readLength() throws -> Int {
        let start = position
        let length = Int(try readVarint32())
        guard length <= remaining else {
            throw corruption("length \(length) runs past the end (\(remaining) bytes left)", at: start)
        }
        return length
    }

    mutating func readBytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= remaining else { throw corruption("need \(count) bytes, \(remaining) left") }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    mutating func readLengthPrefixed() throws -> [UInt8] {
        try readBytes(try readLength())
    }

    mutating func skip(_ count: Int) throws {
        guard count >= 0, count <= remaining else { throw corruption("need \(count) bytes, \(remaining) left") }
        position += count
    }
}

/// Decodes a little-endian `UInt32` at `offset`. The caller guarantees 4 bytes are there.
@inline(__always)
func decodeFixed32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
        | UInt32(bytes[offset + 3]) << 24
}

/// Decodes a little-endian `UInt64` at `offset`. The caller guarantees 8 bytes are there.
@inline(__always)
func decodeFixed64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
    UInt64(decodeFixed32(bytes, at: offset)) | UInt64(decodeFixed32(bytes, at: offset + 4)) << 32
}

/// Appends LevelDB's little-endian fixed-width integers and varints to a byte array.
struct ByteWriter {
    var bytes: [UInt8]

    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Continues `bytes`, taking it out of its owner (left empty) so appends stay in place; give it back with
    /// `swap(&owner, &writer.bytes)`. (`owner = writer.bytes` leaves the writer holding a second reference for the
    /// rest of the scope, and the owner's next in-place change copies the whole buffer: that made fillbatch
    /// quadratic.)
    init(taking bytes: inout [UInt8]) {
        self.bytes = []
        swap(&self.bytes, &bytes)
    }

    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    mutating func append(_ other: ArraySlice<UInt8>) { bytes.append(contentsOf: other) }

    mutating func appendFixed32(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
    }

    mutating func appendFixed64(_ value: UInt64) {
        appendFixed32(UInt32(truncatingIfNeeded: value))
        appendFixed32(UInt32(truncatingIfNeeded: value >> 32))
    }

    mutating func appendVarint32(_ value: UInt32) { appendVarint64(UInt64(value)) }

    mutating func appendVarint64(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// A varint32 length followed by the bytes.
    mutating func appendLengthPrefixed(_ other: [UInt8]) {
        appendVarint32(UInt32(other.count))
        bytes.append(contentsOf: other)
    }

    mutating func appendLengthPrefixed(_ other: ArraySlice<UInt8>) {
        appendVarint32(UInt32(other.count))
        bytes.append(contentsOf: other)
    }

    /// The number of bytes `value` takes as a varint.
    static func varintLength(_ value: UInt64) -> Int {
        var length = 1
        var v = value
        while v >= 0x80 {
            v >>= 7
            length += 1
        }
        return length
    }
}

/// Writes a little-endian `UInt32` into `bytes` at `offset` (used to patch headers in place).
func storeFixed32(_ value: UInt32, into bytes: inout [UInt8], at offset: Int) {
    precondition(offset >= 0 && offset <= bytes.count - 4, "fixed32 store out of bounds")
    bytes.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self) }
}

/// Writes a little-endian `UInt64` into `bytes` at `offset`.
func storeFixed64(_ value: UInt64, into bytes: inout [UInt8], at offset: Int) {
    precondition(offset >= 0 && offset <= bytes.count - 8, "fixed64 store out of bounds")
    bytes.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self) }
}

/// Writes LevelDB's encodings into a buffer sized beforehand, checking every store against its end.
struct UnsafeByteWriter {
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    /// Bytes written so far.
    private(set) var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }

    /// Continues after the first `count` bytes of `buffer`, which were written before.
    init(_ buffer: UnsafeMutableBufferPointer<UInt8>, count: Int) {
        precondition(count >= 0 && count <= buffer.count, "start past the end of the buffer")
        self.buffer = buffer
        self.count = count
    }

    mutating func append(_ byte: UInt8) {
        precondition(count < buffer.count, "write past the end of the buffer")
        buffer[count] = byte
        count += 1
    }

    mutating func appendFixed32(_ value: UInt32) {
        precondition(count <= buffer.count - 4, "fixed32 write past the end of the buffer")
        UnsafeMutableRawBufferPointer(buffer).storeBytes(of: value.littleEndian, toByteOffset: count, as: UInt32.self)
        count += 4
    }

    mutating func appendFixed16(_ value: UInt16) {
        precondition(count <= buffer.count - 2, "fixed16 write past the end of the buffer")
        UnsafeMutableRawBufferPointer(buffer).storeBytes(of: value.littleEndian, toByteOffset: count, as: UInt16.self)
        count += 2
    }

    mutating func appendFixed64(_ value: UInt64) {
        appendFixed32(UInt32(truncatingIfNeeded: value))
        appendFixed32(UInt32(truncatingIfNeeded: value >> 32))
    }

    /// Writes `byteCount` zero bytes.
    mutating func appendZeros(_ byteCount: Int) {
        precondition(byteCount >= 0 && count <= buffer.count - byteCount, "write past the end of the buffer")
        if byteCount > 0 { (buffer.baseAddress! + count).update(repeating: 0, count: byteCount) }
        count += byteCount
    }

    mutating func appendVarint64(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }

    /// Copies `bytes`.
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(count <= buffer.count - bytes.count, "write past the end of the buffer")
        if let source = bytes.baseAddress { (buffer.baseAddress! + count).update(from: source, count: bytes.count) }
        count += bytes.count
    }

    /// A varint32 length followed by the bytes.
    mutating func appendLengthPrefixed(_ bytes: [UInt8]) {
        appendVarint64(UInt64(bytes.count))
        precondition(count <= buffer.count - bytes.count, "write past the end of the buffer")
        bytes.withUnsafeBufferPointer { source in
            _ = UnsafeMutableBufferPointer(rebasing: buffer[count..<count + source.count]).initialize(from: source)
        }
        count += bytes.count
    }
}

/// Appends LevelDB's little-endian fixed-width integers and varints to a byte array.
struct ByteWriter {
    var bytes: [UInt8]

    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Continues `bytes`, taking it out of its owner (left empty) so appends stay in place; give it back with
    /// `owner = writer.bytes`.
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
    bytes[offset] = UInt8(truncatingIfNeeded: value)
    bytes[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
    bytes[offset + 2] = UInt8(truncatingIfNeeded: value >> 16)
    bytes[offset + 3] = UInt8(truncatingIfNeeded: value >> 24)
}

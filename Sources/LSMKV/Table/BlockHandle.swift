/// Where a block lives in a table file: its offset and the size of its contents (the 5-byte trailer excluded).
///
/// Encoded as two varint64s, as in LevelDB.
struct BlockHandle: Sendable, Equatable {
    /// The longest encoding: two 10-byte varint64s.
    static let maxEncodedLength = 20

    /// The offset of the block's first byte in the file.
    var offset: UInt64
    /// The length of the block's contents, not counting the trailer.
    var size: UInt64

    init(offset: UInt64, size: UInt64) {
        self.offset = offset
        self.size = size
    }

    /// Appends the varint64 pair to `writer`.
    func encode(into writer: inout ByteWriter) {
        writer.appendVarint64(offset)
        writer.appendVarint64(size)
    }

    /// The encoded bytes.
    var encoded: [UInt8] {
        var writer = ByteWriter(capacity: BlockHandle.maxEncodedLength)
        encode(into: &writer)
        return writer.bytes
    }

    /// Reads a varint64 pair from `reader`, throwing corruption when it is truncated or malformed.
    static func decode(from reader: inout ByteReader) throws -> BlockHandle {
        let offset = try reader.readVarint64()
        let size = try reader.readVarint64()
        return BlockHandle(offset: offset, size: size)
    }
}

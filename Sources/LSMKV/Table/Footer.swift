/// The fixed 48 bytes at the end of every table: the metaindex and index handles, zero padding to 40 bytes,
/// and the 8-byte magic number.
struct Footer: Sendable, Equatable {
    /// The footer's size on disk.
    static let encodedLength = 2 * BlockHandle.maxEncodedLength + 8
    /// LevelDB's table magic number, stored as fixed64 (little-endian) in the last 8 bytes.
    static let magic: UInt64 = 0xdb47_7524_8b80_fb57

    /// The handle of the metaindex block (filter name -> filter block handle).
    var metaindexHandle: BlockHandle
    /// The handle of the index block (separator key -> data block handle).
    var indexHandle: BlockHandle

    /// The 48-byte encoding.
    func encode() -> [UInt8] {
        var writer = ByteWriter(capacity: Footer.encodedLength)
        metaindexHandle.encode(into: &writer)
        indexHandle.encode(into: &writer)
        while writer.bytes.count < 2 * BlockHandle.maxEncodedLength { writer.append(0) }
        writer.appendFixed64(Footer.magic)
        return writer.bytes
    }

    /// Decodes a footer read from `file` at `offset`. Checks the length and the magic number first, so a file
    /// that is not a table is reported as such rather than as a bad handle.
    static func decode(_ bytes: [UInt8], file: String, offset: Int) throws -> Footer {
        guard bytes.count == encodedLength else {
            throw LSMKVError.corruption(
                file: file, offset: offset,
                reason: "footer is \(bytes.count) bytes, expected \(encodedLength) (file too short to be a table)")
        }
        let magicOffset = encodedLength - 8
        let found = decodeFixed64(bytes, at: magicOffset)
        guard found == magic else {
            throw LSMKVError.corruption(
                file: file, offset: offset + magicOffset,
                reason: "not a table (bad magic number 0x\(String(found, radix: 16)))")
        }
        // Both handles must fit before the magic number; a valid footer's always do.
        var reader = ByteReader(bytes, file: file, baseOffset: offset, range: 0..<magicOffset)
        let metaindex = try BlockHandle.decode(from: &reader)
        let index = try BlockHandle.decode(from: &reader)
        return Footer(metaindexHandle: metaindex, indexHandle: index)
    }
}

import VFS

/// A block that could not be read, and which check of ``BlockReader`` refused it: the verifier and the repairer
/// report a handle outside the file differently from a checksum mismatch.
struct BlockReadError: Error, Sendable, Equatable {
    /// The checks ``BlockReader`` makes, in order.
    enum Check: Sendable, Equatable {
        /// The handle places the block and its trailer outside the file's data (before the footer).
        case bounds
        /// Reading failed (``LSMKVError/io(_:)``) or returned fewer bytes than the handle promised.
        case read
        /// The trailer's masked CRC-32C does not match the block's bytes and type.
        case checksum
        /// The trailer's type byte is unknown, or names a compression this engine does not implement.
        case compression
        /// The contents do not parse as a ``Block`` (its restart array is malformed).
        case parse
    }

    /// The check that failed.
    var check: Check
    /// What is wrong, as the engine reports it: corruption naming the file and offset, ``LSMKVError/io(_:)`` or
    /// ``LSMKVError/notSupported(file:reason:)``.
    var error: LSMKVError
}

/// The one block read of a table (LevelDB's `ReadBlock` in `table/format.cc`): check the handle against the file
/// size, read the block and its 5-byte trailer, verify the masked CRC-32C, check the compression type, and parse.
///
/// Used by ``TableReader`` (index, metaindex, filter and data blocks), the verifier and the repairer.
enum BlockReader {
    /// The contents (trailer removed) of the block at `handle` in `file`, whose size is `fileSize`.
    /// - Parameters:
    ///   - verifyChecksum: Whether to check the trailer's CRC-32C.
    ///   - what: The block's role ("data block", "index block"), for error messages.
    ///   - buffer: Storage to read into (its contents are replaced): a recycled buffer saves an allocation.
    /// - Throws: ``BlockReadError`` saying which check failed; never traps, whatever `handle` holds.
    static func readContents(
        _ handle: BlockHandle, from file: any ReadableFile, fileSize: Int, verifyChecksum: Bool, what: String,
        reusing buffer: consuming [UInt8] = []
    ) throws(BlockReadError) -> [UInt8] {
        let path = file.path
        // Every block lies before the footer; checking in UInt64 first keeps huge on-disk values from overflowing.
        let limit = UInt64(max(0, fileSize - Footer.encodedLength))
        guard handle.offset <= limit, handle.size <= limit - handle.offset,
            limit - handle.offset - handle.size >= UInt64(blockTrailerSize)
        else {
            throw BlockReadError(
                check: .bounds,
                error: .corruption(
                    file: path, offset: Int(min(handle.offset, limit)),
                    reason:
                        "\(what) handle (offset \(handle.offset), size \(handle.size)) runs past the end of the data"))
        }
        let offset = Int(handle.offset)
        let size = Int(handle.size)
        var bytes = consume buffer
        do {
            try LSMKVError.wrappingIO { try file.read(at: offset, count: size + blockTrailerSize, into: &bytes) }
        } catch let error as LSMKVError {
            throw BlockReadError(check: .read, error: error)
        } catch {
            throw BlockReadError(
                check: .read, error: .corruption(file: path, offset: offset, reason: "\(what) read failed: \(error)"))
        }
        guard bytes.count == size + blockTrailerSize else {
            throw BlockReadError(
                check: .read,
                error: .corruption(
                    file: path, offset: offset,
                    reason: "truncated \(what) read: got \(bytes.count) of \(size + blockTrailerSize) bytes"))
        }
        if verifyChecksum {
            let stored = CRC32C.unmask(decodeFixed32(bytes, at: size + 1))
            let actual = CRC32C.checksum(bytes, range: 0..<(size + 1))
            guard stored == actual else {
                throw BlockReadError(
                    check: .checksum,
                    error: .corruption(
                        file: path, offset: offset, reason: "\(what) checksum mismatch (block of \(size) bytes)"))
            }
        }
        let type = bytes[size]
        switch BlockCompression(rawValue: type) {
        case .none?:
            break
        case .snappy?:
            throw BlockReadError(
                check: .compression,
                error: .notSupported(file: path, reason: "Snappy-compressed \(what) at offset \(offset)"))
        case .zstd?:
            throw BlockReadError(
                check: .compression,
                error: .notSupported(file: path, reason: "zstd-compressed \(what) at offset \(offset)"))
        case nil:
            throw BlockReadError(
                check: .compression,
                error: .corruption(file: path, offset: offset + size, reason: "\(what) has bad type \(type)"))
        }
        bytes.removeLast(blockTrailerSize)
        return bytes
    }

    /// The parsed block at `handle`: ``readContents(_:from:fileSize:verifyChecksum:what:)``, then ``Block``'s
    /// restart-array check, with keys in `comparator`'s order.
    /// - Throws: ``BlockReadError`` saying which check failed.
    static func readBlock(
        _ handle: BlockHandle, from file: any ReadableFile, fileSize: Int, verifyChecksum: Bool,
        comparator: BlockComparator, what: String, reusing buffer: consuming [UInt8] = []
    ) throws(BlockReadError) -> Block {
        let contents = try readContents(
            handle, from: file, fileSize: fileSize, verifyChecksum: verifyChecksum, what: what, reusing: consume buffer)
        do {
            return try Block(
                contents: contents, file: file.path, fileOffset: Int(handle.offset), comparator: comparator)
        } catch let error as LSMKVError {
            throw BlockReadError(check: .parse, error: error)
        } catch {
            throw BlockReadError(
                check: .parse,
                error: .corruption(file: file.path, offset: Int(handle.offset), reason: "\(what): \(error)"))
        }
    }
}

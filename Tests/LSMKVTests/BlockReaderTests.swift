import Testing

@testable import LSMKV

@Suite("BlockReader")
struct BlockReaderTests {
    /// A file holding `contents` as one block at offset 0 (trailer: `type`, masked CRC-32C, broken on request),
    /// then 48 bytes standing for the footer.
    static func file(_ contents: [UInt8], type: UInt8 = 0, breakChecksum: Bool = false) -> InMemoryReadableFile {
        var bytes = contents + [type]
        var crc = CRC32C.mask(CRC32C.checksum(bytes))
        if breakChecksum { crc ^= 1 }
        var writer = ByteWriter()
        writer.appendFixed32(crc)
        bytes += writer.bytes + [UInt8](repeating: 0, count: Footer.encodedLength)
        return InMemoryReadableFile(path: "b.ldb", bytes: bytes)
    }

    /// A valid block of two entries.
    static let contents: [UInt8] = {
        var builder = BlockBuilder(restartInterval: 16)
        builder.add(key: ikey("a"), value: Array("1".utf8))
        builder.add(key: ikey("b"), value: Array("2".utf8))
        return builder.finish()
    }()

    static func read(
        _ file: InMemoryReadableFile, _ handle: BlockHandle, verifyChecksum: Bool = true
    ) throws(BlockReadError) -> Block {
        try BlockReader.readBlock(
            handle, from: file, fileSize: (try? file.size()) ?? 0, verifyChecksum: verifyChecksum,
            comparator: .internalKey,
            what: "data block")
    }

    static func check(_ body: () throws(BlockReadError) -> Block) -> BlockReadError.Check? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.check
        }
    }

    @Test func readsAndParsesAValidBlock() throws {
        let file = Self.file(Self.contents)
        let block = try Self.read(file, BlockHandle(offset: 0, size: UInt64(Self.contents.count)))
        let iterator = block.makeIterator()
        try iterator.seekToFirst()
        #expect(iterator.key == ikey("a") && iterator.value == Array("1".utf8))
        #expect(block.fileOffset == 0 && block.contents == Self.contents)
    }

    @Test func eachFailedCheckIsNamed() throws {
        let size = UInt64(Self.contents.count)
        let good = Self.file(Self.contents)
        // A handle reaching into the footer, past the end, or so large it would overflow.
        #expect(
            Self.check { () throws(BlockReadError) in try Self.read(good, BlockHandle(offset: 1, size: size)) }
                == .bounds)
        #expect(
            Self.check { () throws(BlockReadError) in try Self.read(good, BlockHandle(offset: .max, size: .max)) }
                == .bounds)
        let broken = Self.file(Self.contents, breakChecksum: true)
        #expect(
            Self.check { () throws(BlockReadError) in try Self.read(broken, BlockHandle(offset: 0, size: size)) }
                == .checksum)
        // Without checksum verification the same bytes read back.
        #expect(
            Self.check { () throws(BlockReadError) in
                try Self.read(broken, BlockHandle(offset: 0, size: size), verifyChecksum: false)
            } == nil)
        let snappy = Self.file(Self.contents, type: 1)
        #expect(
            Self.check { () throws(BlockReadError) in try Self.read(snappy, BlockHandle(offset: 0, size: size)) }
                == .compression)
        let unknown = Self.file(Self.contents, type: 9)
        #expect(
            Self.check { () throws(BlockReadError) in try Self.read(unknown, BlockHandle(offset: 0, size: size)) }
                == .compression)
        // A restart count larger than the block: checksummed correctly, so only the parse fails.
        let badRestarts: [UInt8] = [0, 0, 0, 0, 9, 0, 0, 0]
        let unparsable = Self.file(badRestarts)
        #expect(
            Self.check { () throws(BlockReadError) in try Self.read(unparsable, BlockHandle(offset: 0, size: 8)) }
                == .parse)
    }

    @Test func errorsNameTheFileAndOffset() {
        let file = Self.file(Self.contents, breakChecksum: true)
        let size = Self.contents.count
        do {
            _ = try Self.read(file, BlockHandle(offset: 0, size: UInt64(size)))
            Issue.record("a broken checksum was accepted")
        } catch {
            #expect(
                error.error
                    == .corruption(
                        file: "b.ldb", offset: 0, reason: "data block checksum mismatch (block of \(size) bytes)"))
        }
    }
}

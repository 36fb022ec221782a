import Testing

@testable import LSMKV

@Suite("Coding")
struct CodingTests {
    @Test func crc32cKnownAnswers() {
        // Values from RFC 3720 B.4 and LevelDB's crc32c_test.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8a91_36aa)
        #expect(CRC32C.checksum([UInt8](repeating: 0xff, count: 32)) == 0x62a8_ab43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46dd_794e)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113f_db5c)
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xe306_9283)
    }

    /// Both implementations, whichever the CPU selects for ``CRC32C/checksum(_:range:extending:)``.
    static var implementations: [Bool] { CRC32C.usesHardware ? [false, true] : [false] }

    @Test(arguments: implementations) func crc32cKnownAnswersPerImplementation(hardware: Bool) {
        func crc(_ bytes: [UInt8]) -> UInt32 {
            bytes.withUnsafeBufferPointer { CRC32C.checksum($0, extending: 0, hardware: hardware) }
        }
        #expect(crc([UInt8](repeating: 0, count: 32)) == 0x8a91_36aa)
        #expect(crc([UInt8](repeating: 0xff, count: 32)) == 0x62a8_ab43)
        #expect(crc((0..<32).map { UInt8($0) }) == 0x46dd_794e)
        #expect(crc((0..<32).map { UInt8(31 - $0) }) == 0x113f_db5c)
        #expect(crc(Array("123456789".utf8)) == 0xe306_9283)
        #expect(crc([]) == 0)
    }

    /// `count` bytes from a linear congruential generator started at `seed` (the same bytes on every run).
    static func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    @Test(.enabled(if: CRC32C.usesHardware, "this CPU has no CRC-32C instruction"))
    func crc32cHardwareMatchesSoftwareAtEveryAlignmentAndLength() {
        let bytes = Self.pseudoRandomBytes(300, seed: 0x1234_5678)
        bytes.withUnsafeBufferPointer { all in
            for start in 0..<9 {
                for end in stride(from: start, through: all.count, by: 7) {
                    let part = UnsafeBufferPointer(rebasing: all[start..<end])
                    for seed: UInt32 in [0, 0xdead_beef] {
                        #expect(
                            CRC32C.checksum(part, extending: seed, hardware: true)
                                == CRC32C.checksum(part, extending: seed, hardware: false))
                    }
                }
            }
        }
    }

    /// Inputs long enough for the hardware path's rounds of three interleaved 256-byte stripes (768 bytes each,
    /// joined by a shift table): lengths on and around every round boundary of a 4 KiB block, at every alignment.
    @Test(.enabled(if: CRC32C.usesHardware, "this CPU has no CRC-32C instruction"))
    func crc32cHardwareMatchesSoftwareOnLongInputs() {
        let bytes = Self.pseudoRandomBytes(5000, seed: 0x9abc_def0)
        var lengths: [Int] = [4096, 4097, 4101, 4991]
        for round in 1...6 {
            let boundary = 768 * round
            lengths += [boundary - 1, boundary, boundary + 1, boundary + 9]
        }
        bytes.withUnsafeBufferPointer { all in
            for start in 0..<9 {
                for length in lengths where start + length <= all.count {
                    let part = UnsafeBufferPointer(rebasing: all[start..<start + length])
                    for seed: UInt32 in [0, 0xdead_beef] {
                        #expect(
                            CRC32C.checksum(part, extending: seed, hardware: true)
                                == CRC32C.checksum(part, extending: seed, hardware: false))
                    }
                }
            }
        }
    }

    @Test func crc32cExtendEqualsWhole() {
        let whole = Array("hello world".utf8)
        let first = CRC32C.checksum(whole, range: 0..<5)
        #expect(CRC32C.checksum(whole, range: 5..<11, extending: first) == CRC32C.checksum(whole))
    }

    @Test func crcMaskRoundTripsAndChangesTheValue() {
        let crc = CRC32C.checksum(Array("foo".utf8))
        #expect(CRC32C.mask(crc) != crc)
        #expect(CRC32C.mask(CRC32C.mask(crc)) != crc)
        #expect(CRC32C.unmask(CRC32C.mask(crc)) == crc)
        #expect(CRC32C.unmask(CRC32C.unmask(CRC32C.mask(CRC32C.mask(crc)))) == crc)
    }

    @Test func varintsRoundTripAtEveryLength() throws {
        var values: [UInt64] = [0, 1, 127, 128, 255, 300, 16383, 16384, UInt64(UInt32.max), UInt64.max]
        for shift in 0..<64 { values.append(1 << UInt64(shift)) }
        var writer = ByteWriter()
        for v in values { writer.appendVarint64(v) }
        var reader = ByteReader(writer.bytes, file: "test")
        for v in values { #expect(try reader.readVarint64() == v) }
        #expect(reader.isAtEnd)
        var w = ByteWriter()
        w.appendVarint32(300)
        #expect(w.bytes == [0xac, 0x02])
    }

    /// `bytes` decoded by ``Varint`` in place: the value (nil when rejected) and how many bytes it took.
    static func decode32(_ bytes: [UInt8]) -> (value: UInt32?, length: Int) {
        bytes.withUnsafeBufferPointer { b in
            var p = 0
            let value = Varint.decode32(b, &p, b.count)
            return (value, p)
        }
    }

    static func decode64(_ bytes: [UInt8]) -> (value: UInt64?, length: Int) {
        bytes.withUnsafeBufferPointer { b in
            var p = 0
            let value = Varint.decode64(b, &p, b.count)
            return (value, p)
        }
    }

    @Test func varint32AcceptsFiveBytesUpToUInt32MaxOnly() throws {
        // The largest 5-byte varint32: the 5th byte may carry bits 28...31 only.
        #expect(Self.decode32([0xff, 0xff, 0xff, 0xff, 0x0f]) == (UInt32.max, 5))
        #expect(Self.decode32([0x80, 0x80, 0x80, 0x80, 0x01]) == (1 << 28, 5))
        // High bits in the 5th byte: above UInt32.max.
        #expect(Self.decode32([0xff, 0xff, 0xff, 0xff, 0x1f]).value == nil)
        #expect(Self.decode32([0x80, 0x80, 0x80, 0x80, 0x10]).value == nil)
        // Six bytes, even when the value they spell is 0 (the block entry that used to trap).
        #expect(Self.decode32([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]).value == nil)
        #expect(Self.decode32([0x80, 0x80, 0x80, 0x80, 0x8f, 0x00]).value == nil)
        // Truncated at every length.
        for length in 0..<5 {
            #expect(Self.decode32([UInt8](repeating: 0x80, count: length)).value == nil)
        }
        // The limit, not the buffer's end, is where a varint must stop.
        [UInt8]([0x81, 0x01]).withUnsafeBufferPointer { b in
            var p = 0
            #expect(Varint.decode32(b, &p, 1) == nil)
        }

        var reader = ByteReader([0xff, 0xff, 0xff, 0xff, 0x1f], file: "m", baseOffset: 40)
        #expect(throws: LSMKVError.corruption(file: "m", offset: 40, reason: "varint32 out of range")) {
            try reader.readVarint32()
        }
        var long = ByteReader([7, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], file: "b", baseOffset: 10)
        #expect(try long.readByte() == 7)
        #expect(throws: LSMKVError.corruption(file: "b", offset: 11, reason: "varint longer than 5 bytes")) {
            try long.readVarint32()
        }
        var truncated = ByteReader([0xff, 0xff], file: "t")
        #expect(throws: LSMKVError.corruption(file: "t", offset: 0, reason: "truncated varint")) {
            try truncated.readVarint32()
        }
    }

    @Test func varint64AcceptsTenBytesUpToUInt64MaxOnly() throws {
        let max = [UInt8](repeating: 0xff, count: 9) + [0x01]
        #expect(Self.decode64(max) == (UInt64.max, 10))
        #expect(Self.decode64([UInt8](repeating: 0x80, count: 9) + [0x01]) == (1 << 63, 10))
        // A 10th byte above 1 sets bits past 63.
        #expect(Self.decode64([UInt8](repeating: 0xff, count: 9) + [0x02]).value == nil)
        #expect(Self.decode64([UInt8](repeating: 0x80, count: 9) + [0x7f]).value == nil)
        // Eleven bytes.
        #expect(Self.decode64([UInt8](repeating: 0x80, count: 10) + [0x00]).value == nil)
        #expect(Self.decode64([UInt8](repeating: 0xff, count: 10) + [0x01]).value == nil)
        for length in 0..<10 {
            #expect(Self.decode64([UInt8](repeating: 0xff, count: length)).value == nil)
        }
        // A varint64 longer than 5 bytes is no varint32.
        #expect(Self.decode32([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).value == nil)
        #expect(Self.decode64([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]) == (1 << 35, 6))

        var eleven = ByteReader([UInt8](repeating: 0x80, count: 10) + [0x00], file: "m", baseOffset: 5)
        #expect(throws: LSMKVError.corruption(file: "m", offset: 5, reason: "varint longer than 10 bytes")) {
            try eleven.readVarint64()
        }
        var high = ByteReader([UInt8](repeating: 0xff, count: 9) + [0x02], file: "m")
        #expect(throws: LSMKVError.corruption(file: "m", offset: 0, reason: "varint64 out of range")) {
            try high.readVarint64()
        }
        var reader = ByteReader(max + [0x2a], file: "m")
        #expect(try reader.readVarint64() == UInt64.max)
        #expect(try reader.readVarint64() == 42)
        #expect(reader.isAtEnd)
    }

    @Test func fixedIntegersAreLittleEndian() throws {
        var writer = ByteWriter()
        writer.appendFixed32(0x0403_0201)
        writer.appendFixed64(0x0807_0605_0403_0201)
        #expect(writer.bytes == [1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func truncatedInputIsACorruptionErrorWithTheOffset() {
        var reader = ByteReader([0x80, 0x80], file: "x.log", baseOffset: 100)
        #expect(throws: LSMKVError.corruption(file: "x.log", offset: 100, reason: "truncated varint")) {
            try reader.readVarint64()
        }
        var short = ByteReader([1, 2], file: "x.ldb", baseOffset: 7)
        #expect(throws: LSMKVError.self) { try short.readFixed32() }
        var lying = ByteReader([5, 1], file: "m")
        #expect(throws: LSMKVError.self) { try lying.readLengthPrefixed() }
    }

    @Test func internalKeysOrderUserAscendingThenSequenceDescending() {
        let a1 = InternalKey.encode(userKey: [1], sequence: 1, type: .value)
        let a2 = InternalKey.encode(userKey: [1], sequence: 2, type: .value)
        let b1 = InternalKey.encode(userKey: [2], sequence: 1, type: .value)
        #expect(InternalKey.compare(a2, a1) < 0)
        #expect(InternalKey.compare(a1, b1) < 0)
        #expect(InternalKey.compare(a1, a1) == 0)
        let parsed = InternalKey.parse(a2)
        #expect(parsed?.userKey == [1] && parsed?.sequence == 2 && parsed?.type == .value)
    }

    @Test func hexRoundTripsAndRejectsNonHex() {
        let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xfe, 0xff]
        #expect(Hex.encode(bytes) == "00017f80feff")
        #expect(Hex.decode("00017F80FEff") == bytes)
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }

    @Test func bytewiseCompareAgreesWithLexicographicOrderAtEveryLength() {
        // Word-at-a-time comparison covers 8...32 common bytes; memcmp the rest. Keys share long prefixes and
        // differ in the first, middle or last byte of a word, in bytes above and below 0x80.
        var random = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let prefix = (0..<Int.random(in: 0...40, using: &random)).map { _ in
                UInt8.random(in: 0...255, using: &random)
            }
            func variant() -> [UInt8] {
                var key = prefix
                if !key.isEmpty, Bool.random(using: &random) {
                    key[Int.random(in: 0..<key.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
                if Bool.random(using: &random) { key.removeLast(min(key.count, Int.random(in: 0...3, using: &random))) }
                if Bool.random(using: &random) { key.append(UInt8.random(in: 0...255, using: &random)) }
                return key
            }
            let a = variant()
            let b = variant()
            let expected = a.lexicographicallyPrecedes(b) ? -1 : (a == b ? 0 : 1)
            #expect(Bytes.compare(a, b).signum() == expected, "\(a) vs \(b)")
        }
    }

    @Test func slotMapBehavesLikeADictionaryThroughInsertsRemovalsAndGrowth() {
        var map = SlotMap<UInt64, Int>()
        var reference: [UInt64: Int] = [:]
        var random = SystemRandomNumberGenerator()
        for step in 0..<50_000 {
            // Few distinct keys, so probe runs collide, removals shift entries back and slots are reused.
            let key = UInt64.random(in: 0..<700, using: &random) &* 4096
            if Int.random(in: 0..<3, using: &random) == 0 {
                map[key] = nil
                reference[key] = nil
            } else {
                map[key] = step
                reference[key] = step
            }
            #expect(map[key] == reference[key])
        }
        #expect(map.count == reference.count)
        #expect(Dictionary(uniqueKeysWithValues: map.entries.map { ($0.key, $0.value) }) == reference)
        map.removeAll { $0 % 8192 == 0 }
        #expect(map.count == reference.keys.filter { $0 % 8192 != 0 }.count)
        for (key, value) in reference { #expect(map[key] == (key % 8192 == 0 ? nil : value)) }
    }
}

import CCRC32C

/// CRC-32C (Castagnoli), as LevelDB checksums log records and table blocks, with its mask.
///
/// Uses the CPU's CRC-32C instruction when it has one (SSE4.2 on x86-64, CRC32 on aarch64 Linux; checked once at
/// run time), else slicing-by-8 over tables computed once. LevelDB stores `mask(crc)` rather than the raw CRC, because computing
/// the CRC of a string that contains embedded CRCs is problematic.
public enum CRC32C {
    private static let tables: [[UInt32]] = {
        var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for i in 0..<256 {
            var crc = UInt32(i)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            tables[0][i] = crc
        }
        for i in 0..<256 {
            for t in 1..<8 {
                let previous = tables[t - 1][i]
                tables[t][i] = (previous >> 8) ^ tables[0][Int(previous & 0xff)]
            }
        }
        return tables
    }()

    private static let flat: [UInt32] = tables.flatMap { $0 }

    /// Whether ``checksum(_:range:extending:)`` uses the CPU's CRC-32C instruction.
    public static let usesHardware = lsmkv_crc32c_hardware_available() != 0

    /// The CRC-32C of `bytes[range]` continuing from `crc` (0 to start).
    public static func checksum(_ bytes: [UInt8], range: Range<Int>? = nil, extending crc: UInt32 = 0) -> UInt32 {
        let range = range ?? 0..<bytes.count
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "checksum range out of bounds")
        return bytes.withUnsafeBufferPointer { b in
            checksum(UnsafeBufferPointer(rebasing: b[range]), extending: crc, hardware: usesHardware)
        }
    }

    /// The CRC-32C of `bytes` continuing from `crc`, with the CPU's instruction when `hardware` (which requires
    /// ``usesHardware``) or the software tables otherwise. Both give the same answer; tests compare them.
    static func checksum(_ bytes: UnsafeBufferPointer<UInt8>, extending crc: UInt32, hardware: Bool) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        if hardware {
            precondition(usesHardware, "hardware CRC-32C requested on a CPU without it")
            return ~lsmkv_crc32c_extend(~crc, base, bytes.count)
        }
        return softwareChecksum(bytes, extending: crc)
    }

    /// Slicing-by-8: eight table lookups per 8 bytes.
    private static func softwareChecksum(_ b: UnsafeBufferPointer<UInt8>, extending crc: UInt32) -> UInt32 {
        flat.withUnsafeBufferPointer { t in
            var c = ~crc
            var i = 0
            let end = b.count
            while end - i >= 8 {
                let low =
                    c
                    ^ (UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24)
                c =
                    t[7 * 256 + Int(low & 0xff)] ^ t[6 * 256 + Int((low >> 8) & 0xff)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xff)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(b[i + 4])] ^ t[2 * 256 + Int(b[i + 5])]
                    ^ t[1 * 256 + Int(b[i + 6])] ^ t[Int(b[i + 7])]
                i += 8
            }
            while i < end {
                c = t[Int((c ^ UInt32(b[i])) & 0xff)] ^ (c >> 8)
                i += 1
            }
            return ~c
        }
    }

    private static let maskDelta: UInt32 = 0xa282_ead8

    /// LevelDB's mask: rotate right by 15 bits and add a constant.
    public static func mask(_ crc: UInt32) -> UInt32 { ((crc >> 15) | (crc << 17)) &+ maskDelta }

    /// The inverse of ``mask(_:)``.
    public static func unmask(_ masked: UInt32) -> UInt32 {
        let rotated = masked &- maskDelta
        return (rotated >> 17) | (rotated << 15)
    }
}

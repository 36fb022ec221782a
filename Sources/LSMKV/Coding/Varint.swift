/// The one decoder of LevelDB's variable-length integers (`util/coding.cc`: `GetVarint32Ptr`, `GetVarint64Ptr`):
/// seven bits per byte, least significant first, the high bit set on every byte but the last.
///
/// The decoders work in place on a buffer pointer and return nil instead of throwing, so the per-entry paths
/// (block entries, index handles, write batches) pay no error machinery. ``ByteReader`` wraps them and turns a
/// nil into a corruption error naming the file and offset; ``failure(_:at:limit:maxLength:)`` says which rule the
/// bytes broke.
///
/// The rules, the same for every caller:
/// - a varint32 takes at most 5 bytes, and its 5th byte is at most `0x0f` (no bits above bit 31, no continuation);
/// - a varint64 takes at most 10 bytes, and its 10th byte is at most `0x01` (no bits above bit 63);
/// - a varint that reaches `limit` before its last byte is truncated.
enum Varint {
    /// The longest varint32: 5 bytes.
    static let maxLength32 = 5
    /// The longest varint64: 10 bytes.
    static let maxLength64 = 10

    /// The varint32 at `p`, which must end before `limit`; advances `p` past it. Nil when it is truncated, longer
    /// than 5 bytes or above `UInt32.max`; `p` is then unspecified.
    @inline(__always)
    static func decode32(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int, _ limit: Int) -> UInt32? {
        decode(b, &p, limit, as: UInt32.self)
    }

    /// The varint64 at `p`, which must end before `limit`; advances `p` past it. Nil when it is truncated, longer
    /// than 10 bytes or above `UInt64.max`; `p` is then unspecified.
    @inline(__always)
    static func decode64(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int, _ limit: Int) -> UInt64? {
        decode(b, &p, limit, as: UInt64.self)
    }

    /// The one loop behind ``decode32(_:_:_:)`` and ``decode64(_:_:_:)``; always inlined, so each is specialized
    /// and its limits are constants.
    @inline(__always)
    private static func decode<T: FixedWidthInteger & UnsignedInteger>(
        _ b: UnsafeBufferPointer<UInt8>, _ p: inout Int, _ limit: Int, as _: T.Type
    ) -> T? {
        // The last byte's shift (28 or 63) and the largest last byte that keeps the value in T (0x0f or 0x01).
        let lastShift = (T.bitWidth - 1) / 7 * 7
        let lastByteMax = UInt8(truncatingIfNeeded: (1 << (T.bitWidth - lastShift)) - 1)
        var result: T = 0
        var shift = 0
        while shift <= lastShift && p < limit {
            let byte = b[p]
            p += 1
            if shift == lastShift && byte > lastByteMax { return nil }
            result |= T(truncatingIfNeeded: byte & 0x7f) &<< shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    /// A varint32 used as a length: ``decode32(_:_:_:)`` as an `Int`.
    @inline(__always)
    static func decodeLength(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int, _ limit: Int) -> Int? {
        decode32(b, &p, limit).map { Int($0) }
    }

    /// Why the varint at `start` (at most `maxLength` bytes, ending before `limit`) did not decode, for an error
    /// message. Only meaningful after a decoder returned nil for the same bytes.
    static func failure(_ b: UnsafeBufferPointer<UInt8>, at start: Int, limit: Int, maxLength: Int) -> String {
        var p = start
        while p < limit && p - start < maxLength {
            if b[p] & 0x80 == 0 { return "varint\(maxLength == maxLength32 ? 32 : 64) out of range" }
            p += 1
        }
        return p - start == maxLength ? "varint longer than \(maxLength) bytes" : "truncated varint"
    }
}

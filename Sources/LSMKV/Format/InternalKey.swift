/// The largest sequence number that fits LevelDB's 56-bit field.
let maxSequenceNumber: SequenceNumber = (1 << 56) - 1

/// What an internal key records: a value, or a deletion (tombstone). Raw values are LevelDB's.
enum ValueType: UInt8 {
    case deletion = 0
    case value = 1

    /// The type that sorts first among entries with equal user key and sequence, used for seek targets.
    static let forSeek: ValueType = .value
}

/// LevelDB's internal key: `user key ++ fixed64(sequence << 8 | type)`.
///
/// Internal keys order by user key ascending, then by sequence descending (newest first), then type descending.
enum InternalKey {
    static func encode(userKey: [UInt8], sequence: SequenceNumber, type: ValueType) -> [UInt8] {
        var writer = ByteWriter(capacity: userKey.count + 8)
        writer.append(userKey)
        writer.appendFixed64(packTrailer(sequence, type))
        return writer.bytes
    }

    @inline(__always)
    static func packTrailer(_ sequence: SequenceNumber, _ type: ValueType) -> UInt64 {
        (sequence << 8) | UInt64(type.rawValue)
    }

    /// The key a lookup of `userKey` at `sequence` seeks to: the first entry visible at that snapshot.
    static func lookupKey(userKey: [UInt8], sequence: SequenceNumber) -> [UInt8] {
        encode(userKey: userKey, sequence: sequence, type: .forSeek)
    }

    /// Splits an internal key, or returns nil when it is shorter than 8 bytes or has an unknown type.
    static func parse(_ key: [UInt8]) -> (userKey: [UInt8], sequence: SequenceNumber, type: ValueType)? {
        guard key.count >= 8 else { return nil }
        let trailer = decodeFixed64(key, at: key.count - 8)
        guard let type = ValueType(rawValue: UInt8(truncatingIfNeeded: trailer)) else { return nil }
        return (Bytes.copy(key, 0..<(key.count - 8)), trailer >> 8, type)
    }

    /// The sequence and type of an internal key without copying its user key, or nil when it is shorter than 8
    /// bytes or has an unknown type.
    static func parseTrailer(_ key: [UInt8]) -> (sequence: SequenceNumber, type: ValueType)? {
        guard key.count >= 8 else { return nil }
        let trailer = decodeFixed64(key, at: key.count - 8)
        guard let type = ValueType(rawValue: UInt8(truncatingIfNeeded: trailer)) else { return nil }
        return (trailer >> 8, type)
    }

    /// The user key part of a well-formed internal key (at least 8 bytes; the caller checked).
    @inline(__always)
    static func userKey(_ key: [UInt8]) -> [UInt8] { Bytes.copy(key, 0..<(key.count - 8)) }

    /// The trailer (`sequence << 8 | type`) of a well-formed internal key.
    @inline(__always)
    static func trailer(_ key: [UInt8]) -> UInt64 { decodeFixed64(key, at: key.count - 8) }

    /// The internal-key order: user key ascending, then trailer descending. Keys shorter than 8 bytes (never
    /// produced by a valid file) order bytewise so a corrupt key cannot trap.
    @inline(__always)
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        guard a.count >= 8, b.count >= 8 else { return Bytes.compare(a, b) }
        let byUser = Bytes.compare(a, 0..<(a.count - 8), b, 0..<(b.count - 8))
        if byUser != 0 { return byUser }
        let ta = trailer(a)
        let tb = trailer(b)
        return ta > tb ? -1 : (ta < tb ? 1 : 0)
    }

    /// ``compare(_:_:)`` on keys in place.
    @inline(__always)
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        guard a.count >= 8, b.count >= 8 else { return Bytes.compare(a, b) }
        let byUser = Bytes.compare(
            UnsafeBufferPointer(rebasing: a[0..<(a.count - 8)]), UnsafeBufferPointer(rebasing: b[0..<(b.count - 8)]))
        if byUser != 0 { return byUser }
        let ta = trailer(a)
        let tb = trailer(b)
        return ta > tb ? -1 : (ta < tb ? 1 : 0)
    }

    /// The trailer of a well-formed internal key held in place.
    @inline(__always)
    static func trailer(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawBufferPointer(key).loadUnaligned(fromByteOffset: key.count - 8, as: UInt64.self))
    }

    /// Compares the user-key part of `internalKey` with `userKey`, without copying. An internal key shorter than 8
    /// bytes (never produced by a valid file) compares whole, so a corrupt key cannot trap.
    @inline(__always)
    static func compareUserKey(of internalKey: [UInt8], with userKey: [UInt8]) -> Int {
        Bytes.compare(internalKey, 0..<max(internalKey.count - 8, 0), userKey, 0..<userKey.count)
    }

    /// Compares only the user-key parts of two internal keys.
    @inline(__always)
    static func compareUserKeys(_ a: [UInt8], _ b: [UInt8]) -> Int {
        guard a.count >= 8, b.count >= 8 else { return Bytes.compare(a, b) }
        return Bytes.compare(a, 0..<(a.count - 8), b, 0..<(b.count - 8))
    }
}

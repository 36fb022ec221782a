/// The key order of a block: internal-key order for data and index blocks, bytewise for the metaindex block.
enum BlockComparator: Sendable {
    /// ``InternalKey/compare(_:_:)``: user key ascending, then sequence and type descending.
    case internalKey
    /// Plain unsigned-byte order.
    case bytewise

    /// Negative, zero or positive as `a` sorts before, with or after `b`.
    @inline(__always)
    func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        switch self {
        case .internalKey: return InternalKey.compare(a, b)
        case .bytewise: return Bytes.compare(a, b)
        }
    }

    /// Negative, zero or positive as `a` sorts before, with or after `b`, compared in place.
    @inline(__always)
    func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        switch self {
        case .internalKey: return InternalKey.compare(a, b)
        case .bytewise: return Bytes.compare(a, b)
        }
    }
}

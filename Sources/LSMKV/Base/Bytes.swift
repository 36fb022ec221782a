#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Byte-string helpers: the bytewise ordering every key comparison uses.
enum Bytes {
    /// Compares `a` and `b` lexicographically as unsigned bytes: negative, zero or positive.
    @inline(__always)
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in compare(pa, pb) }
        }
    }

    /// ``compare(_:_:)`` on bytes in place.
    @inline(__always)
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(a.count, b.count)
        if common >= 8 && common <= 32 {
            // Keys this short (nearly every key) compare eight bytes at a time as big-endian words, inline: the
            // call into memcmp and its size dispatch cost more than the comparison itself.
            let pa = UnsafeRawPointer(a.baseAddress!)
            let pb = UnsafeRawPointer(b.baseAddress!)
            var i = 0
            while true {
                // The last word overlaps the one before it when `common` is not a multiple of 8: the bytes
                // compared twice are equal, so the first difference is still the first.
                let at = min(i, common - 8)
                let x = pa.loadUnaligned(fromByteOffset: at, as: UInt64.self).bigEndian
                let y = pb.loadUnaligned(fromByteOffset: at, as: UInt64.self).bigEndian
                if x != y { return x < y ? -1 : 1 }
                i += 8
                if i >= common { break }
            }
        } else if common > 0 {
            let r = memcmp(a.baseAddress!, b.baseAddress!, common)
            if r != 0 { return Int(r) }
        }
        return a.count - b.count
    }

    /// A new array holding `bytes[range]`, copied from a buffer pointer (measured under callgrind: cheaper than the
    /// slice and `unsafeUninitializedCapacity` paths). The caller keeps `range` within `bytes`.
    @inline(__always)
    static func copy(_ bytes: [UInt8], _ range: Range<Int>) -> [UInt8] {
        bytes.withUnsafeBufferPointer { Array(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// Makes `target` a copy of `source` in `target`'s own buffer, so holding `target` never keeps `source`'s
    /// buffer alive: cursors that rebuild their key in place then step without copying it.
    @inline(__always)
    static func assign(_ target: inout [UInt8], from source: [UInt8]) {
        assign(&target, from: source, 0..<source.count)
    }

    /// Makes `target` a copy of `source[range]` in `target`'s own buffer. The caller keeps `range` within `source`.
    @inline(__always)
    static func assign(_ target: inout [UInt8], from source: [UInt8], _ range: Range<Int>) {
        source.withUnsafeBufferPointer { all in assign(&target, from: UnsafeBufferPointer(rebasing: all[range])) }
    }

    /// Makes `target` a copy of the bytes `source` points at, in `target`'s own buffer.
    @inline(__always)
    static func assign(_ target: inout [UInt8], from source: UnsafeBufferPointer<UInt8>) {
        guard target.count == source.count, !source.isEmpty else {
            target.removeAll(keepingCapacity: true)
            target.append(contentsOf: source)
            return
        }
        // Keys of one length are the common case: one memcpy, no resizing.
        target.withUnsafeMutableBufferPointer { to in
            to.baseAddress!.update(from: source.baseAddress!, count: source.count)
        }
    }

    /// The number of leading bytes `a` and `b` share.
    @inline(__always)
    static func commonPrefixLength(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let limit = min(a.count, b.count)
        var shared = 0
        // Eight bytes at a time: the first differing byte is the lowest set byte of the XOR (little-endian loads).
        while limit - shared >= 8 {
            let x = UnsafeRawPointer(a.baseAddress! + shared).loadUnaligned(as: UInt64.self)
            let y = UnsafeRawPointer(b.baseAddress! + shared).loadUnaligned(as: UInt64.self)
            let difference = UInt64(littleEndian: x) ^ UInt64(littleEndian: y)
            if difference != 0 { return shared + difference.trailingZeroBitCount / 8 }
            shared += 8
        }
        while shared < limit && a[shared] == b[shared] { shared += 1 }
        return shared
    }

    /// A new array holding a copy of `bytes`, with capacity for at least `extra` more bytes.
    static func copy(_ bytes: ArraySlice<UInt8>, reservingExtra extra: Int) -> [UInt8] {
        bytes.withUnsafeBufferPointer { source in
            [UInt8](unsafeUninitializedCapacity: source.count + extra) { target, initialized in
                if let from = source.baseAddress { target.baseAddress!.initialize(from: from, count: source.count) }
                initialized = source.count
            }
        }
    }

    /// The number of leading bytes `a` and `b` share.
    @inline(__always)
    static func commonPrefixLength(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                let limit = min(pa.count, pb.count)
                var shared = 0
                while shared < limit && pa[shared] == pb[shared] { shared += 1 }
                return shared
            }
        }
    }

    /// Compares `a[aRange]` with `b[bRange]` without copying.
    @inline(__always)
    static func compare(_ a: [UInt8], _ aRange: Range<Int>, _ b: [UInt8], _ bRange: Range<Int>) -> Int {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                compare(UnsafeBufferPointer(rebasing: pa[aRange]), UnsafeBufferPointer(rebasing: pb[bRange]))
            }
        }
    }
}

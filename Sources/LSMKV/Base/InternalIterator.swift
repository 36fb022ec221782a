/// A cursor over entries sorted by internal key (``InternalKey/compare(_:_:)``): memtables, blocks, tables,
/// levels and the merge of them all implement it.
///
/// Before the first positioning call the iterator is invalid. `key` and `value` may be read only while
/// `isValid`. Errors found while moving (corrupt blocks, I/O failures) are thrown by the call that moved.
/// Iterators move both ways: `prev` and `seekToLast` mirror `next` and `seekToFirst`.
protocol InternalIterator: AnyObject {
    /// Whether the iterator is positioned at an entry.
    var isValid: Bool { get }
    /// The internal key at the current position.
    var key: [UInt8] { get }
    /// The value at the current position.
    var value: [UInt8] { get }
    /// Calls `body` with the value at the current position, in place: no copy, no allocation.
    func withValue(_ body: (Span<UInt8>) throws -> Void) rethrows
    /// Replaces `target`'s contents with the value at the current position, reusing `target`'s buffer.
    func copyValue(into target: inout [UInt8])
    /// Replaces `target`'s contents with the key at the current position, reusing `target`'s buffer.
    func copyKey(into target: inout [UInt8])
    /// Positions at the first entry.
    func seekToFirst() throws
    /// Positions at the first entry whose key is `>= target` (an internal key).
    func seek(_ target: [UInt8]) throws
    /// Moves to the next entry; invalid after the last one.
    func next() throws
    /// Positions at the last entry.
    func seekToLast() throws
    /// Moves to the previous entry; invalid before the first one.
    func prev() throws
}

extension InternalIterator {
    /// Lends ``value``: for iterators that hold their value in an array already.
    func withValue(_ body: (Span<UInt8>) throws -> Void) rethrows { try body(value.span) }
    func copyValue(into target: inout [UInt8]) { Bytes.assign(&target, from: value) }
    func copyKey(into target: inout [UInt8]) { Bytes.assign(&target, from: key) }
}

extension Database {
    /// A cursor over live keys `>= start` and `< end` (either bound optional), as of `snapshot` (default: now), in
    /// descending key order: each ``DatabaseIterator/next()`` returns the largest key below the previous one.
    /// - Throws: as ``makeIterator(from:to:snapshot:)``.
    public func makeReverseIterator(from start: [UInt8]? = nil, to end: [UInt8]? = nil, snapshot: Snapshot? = nil)
        throws -> DatabaseIterator
    {
        let iterator = try makeIterator(from: start, to: end, snapshot: snapshot)
        iterator.isReversed = true
        return iterator
    }
}

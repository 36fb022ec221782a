/// A range of user keys for ``Database/compact(range:)``: both bounds inclusive, nil meaning unbounded.
public struct KeyRange: Sendable, Equatable {
    /// The smallest key in the range, or nil for no lower bound.
    public var start: [UInt8]?
    /// The largest key in the range, or nil for no upper bound.
    public var end: [UInt8]?

    /// The keys from `start` through `end` (both inclusive; nil is unbounded).
    public init(from start: [UInt8]? = nil, through end: [UInt8]? = nil) {
        self.start = start
        self.end = end
    }

    /// Every key.
    public static let all = KeyRange()
}

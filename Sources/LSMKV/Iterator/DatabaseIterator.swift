/// A cursor over the live keys of a database at one snapshot, in key order (or, made by
/// ``Database/makeReverseIterator(from:to:snapshot:)``, in reverse key order), within an optional range.
///
/// It shows, for each user key, the newest version visible at its snapshot and hides deleted keys. It reads a
/// consistent view: writes made after it was created are not seen. Not thread-safe: use one cursor per thread.
public final class DatabaseIterator {
    private let merged: InternalIterator
    private let sequence: SequenceNumber
    private let start: [UInt8]?
    private let end: [UInt8]?
    private var started = false
    /// The user key last returned (valid when `hasLastUserKey`), in a buffer reused from entry to entry.
    // Unchecked: the cursor is single-threaded and these are never accessed reentrantly; the dynamic exclusivity
    // checks cost more than the step.
    @exclusivity(unchecked) private var lastUserKey: [UInt8] = []
    @exclusivity(unchecked) private var hasLastUserKey = false
    /// Whether ``next()`` walks from the end of the range down to its start.
    var isReversed = false
    /// Keeps the snapshot registered while the cursor lives, so compaction keeps the versions it reads.
    private let snapshot: Snapshot?
    /// Keeps the tables the cursor reads from being deleted while it lives.
    private let pin: VersionPin

    init(
        merged: InternalIterator, sequence: SequenceNumber, start: [UInt8]?, end: [UInt8]?, snapshot: Snapshot?,
        pin: VersionPin
    ) {
        self.merged = merged
        self.sequence = sequence
        self.start = start
        self.end = end
        self.snapshot = snapshot
        self.pin = pin
    }

    /// The next live entry, or nil at the end of the range. The key and value are copies the caller owns; use
    /// ``next(_:)`` to read them in place.
    /// - Throws: ``LSMKVError/corruption(file:offset:reason:)`` or ``LSMKVError/io(_:)`` when a table cannot be read.
    public func next() throws -> (key: [UInt8], value: [UInt8])? {
        if isReversed { return try nextReversed() }
        guard let key = try positionAtNextLiveEntry() else { return nil }
        let entry = (InternalKey.userKey(key), merged.value)
        try merged.next()
        return entry
    }

    /// Moves to the next live entry and calls `body` with its key and value in place, without copying them (as
    /// LevelDB's `Iterator::key()` and `value()`); the spans cannot outlive the call. Returns false, without
    /// calling `body`, at the end of the range. A reverse cursor lends copies.
    /// - Throws: what ``next()`` throws, and what `body` throws (the next call then moves past the entry).
    public func next(_ body: (_ key: Span<UInt8>, _ value: Span<UInt8>) throws -> Void) throws -> Bool {
        if isReversed {
            guard let (key, value) = try nextReversed() else { return false }
            try body(key.span, value.span)
            return true
        }
        guard let key = try positionAtNextLiveEntry() else { return false }
        // Should `body` throw, the next call still moves on: the entry's user key is the last one returned.
        try merged.withValue { value in try body(key.span.extracting(0..<key.count - 8), value) }
        try merged.next()
        return true
    }

    /// Leaves `merged` at the newest version visible at the snapshot of the next user key that is live (not
    /// deleted) and below `end`, remembers that user key and returns the entry's internal key; nil at the end.
    private func positionAtNextLiveEntry() throws -> [UInt8]? {
        if !started {
            started = true
            if let start {
                try merged.seek(InternalKey.lookupKey(userKey: start, sequence: maxSequenceNumber))
            } else {
                try merged.seekToFirst()
            }
        }
        while merged.isValid {
            // Versions the snapshot cannot see, older versions of the last key and tombstones are stepped over in
            // place; nothing is copied but the user key of a new visible entry.
            switch try classifyCurrent() {
            case .live(let key): return key
            case .pastEnd: return nil
            case .hidden, .deleted: try merged.next()
            }
        }
        return nil
    }

    private enum Classification {
        case hidden
        case pastEnd
        case deleted
        case live(internalKey: [UInt8])
    }

    /// What the current entry is to this cursor, reading its key once; a new visible user key is remembered.
    /// A function of its own so the key is released before the cursor moves (else the move copies it).
    private func classifyCurrent() throws -> Classification {
        let key = merged.key
        guard let (entrySequence, type) = InternalKey.parseTrailer(key) else { throw Self.malformedKey() }
        if entrySequence > sequence { return .hidden }
        if hasLastUserKey && InternalKey.compareUserKey(of: key, with: lastUserKey) == 0 { return .hidden }
        if let end, InternalKey.compareUserKey(of: key, with: end) >= 0 { return .pastEnd }
        Bytes.assign(&lastUserKey, from: key, 0..<key.count - 8)
        hasLastUserKey = true
        return type == .value ? .live(internalKey: key) : .deleted
    }

    /// The next live entry going down: the largest user key below the previous one (and `>= start`), with its
    /// newest version visible at the snapshot. Walking backwards meets a key's versions oldest first, so the last
    /// visible one seen before the user key changes is the newest.
    private func nextReversed() throws -> (key: [UInt8], value: [UInt8])? {
        if !started {
            started = true
            if let end {
                // The first entry at or after `end`, then one step back: the last entry below `end`.
                try merged.seek(InternalKey.lookupKey(userKey: end, sequence: maxSequenceNumber))
                if merged.isValid { try merged.prev() } else { try merged.seekToLast() }
            } else {
                try merged.seekToLast()
            }
        }
        while merged.isValid {
            let userKey = try currentEntry().userKey
            if let start, Bytes.compare(userKey, start) < 0 { return nil }
            var newest: (type: ValueType, value: [UInt8])?
            while merged.isValid {
                let entry = try currentEntry()
                guard entry.userKey == userKey else { break }
                if entry.sequence <= sequence { newest = (entry.type, merged.value) }
                try merged.prev()
            }
            if let newest, newest.type == .value { return (userKey, newest.value) }
        }
        return nil
    }

    private func currentEntry() throws -> (userKey: [UInt8], sequence: SequenceNumber, type: ValueType) {
        guard let parsed = InternalKey.parse(merged.key) else { throw Self.malformedKey() }
        return parsed
    }

    private static func malformedKey() -> LSMKVError {
        LSMKVError.corruption(file: "iterator", offset: 0, reason: "malformed internal key")
    }
}

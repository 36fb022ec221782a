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
    /// Whether `merged` still sits on the entry last returned going forward: the step past it is taken by the next
    /// call, so a cursor dropped after one entry (a seek) never pays for a step it does not use.
    @exclusivity(unchecked) private var advancePending = false
    /// The entry a reverse cursor is on, in buffers reused from entry to entry.
    @exclusivity(unchecked) private var reversedKey: [UInt8] = []
    @exclusivity(unchecked) private var reversedValue: [UInt8] = []
    /// Whether ``next()`` walks from the end of the range down to its start.
    var isReversed = false
    /// Keeps the caller's snapshot, if any, registered while the cursor lives. The cursor needs none: ``view`` holds
    /// the MemTables and tables it reads, which compaction replaces but never changes.
    private let snapshot: Snapshot?
    /// Keeps the MemTables and tables the cursor reads alive (and the tables on disk) while it lives.
    private let view: ReadView

    init(
        merged: InternalIterator, sequence: SequenceNumber, start: [UInt8]?, end: [UInt8]?, snapshot: Snapshot?,
        view: ReadView
    ) {
        self.merged = merged
        self.sequence = sequence
        self.start = start
        self.end = end
        self.snapshot = snapshot
        self.view = view
    }

    /// The next live entry, or nil at the end of the range. The key and value are copies the caller owns; use
    /// ``next(_:)`` to read them in place.
    /// - Throws: ``LSMKVError/corruption(file:offset:reason:)`` or ``LSMKVError/io(_:)`` when a table cannot be read.
    public func next() throws -> (key: [UInt8], value: [UInt8])? {
        if isReversed { return try positionAtPreviousLiveEntry() ? (reversedKey, reversedValue) : nil }
        guard let key = try positionAtNextLiveEntry() else { return nil }
        advancePending = true
        return (InternalKey.userKey(key), merged.value)
    }

    /// Moves to the next live entry and calls `body` with its key and value in place, without copying them (as
    /// LevelDB's `Iterator::key()` and `value()`); the spans cannot outlive the call. Returns false, without
    /// calling `body`, at the end of the range. A reverse cursor lends its own copies (it has moved past the entry
    /// by then), kept in buffers it reuses: no allocation either.
    /// - Throws: what ``next()`` throws, and what `body` throws (the next call then moves past the entry).
    public func next(_ body: (_ key: Span<UInt8>, _ value: Span<UInt8>) throws -> Void) throws -> Bool {
        if isReversed {
            guard try positionAtPreviousLiveEntry() else { return false }
            let (key, value) = (reversedKey, reversedValue)
            try body(key.span, value.span)
            return true
        }
        guard let key = try positionAtNextLiveEntry() else { return false }
        // Should `body` throw, the next call still moves on: the entry's user key is the last one returned.
        advancePending = true
        try merged.withValue { value in try body(key.span.extracting(0..<key.count - 8), value) }
        return true
    }

    /// Leaves `merged` at the newest version visible at the snapshot of the next user key that is live (not
    /// deleted) and below `end`, remembers that user key and returns the entry's internal key; nil at the end.
    /// First takes the step past the entry returned last, if still pending.
    private func positionAtNextLiveEntry() throws -> [UInt8]? {
        if advancePending {
            // Cleared first: should the step throw, the merge is left invalid and later calls end the range.
            advancePending = false
            try merged.next()
        }
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

    /// Moves to the next live entry going down (the largest user key below the previous one and `>= start`, with its
    /// newest version visible at the snapshot) and copies it into ``reversedKey`` and ``reversedValue``; false at
    /// the end. Walking backwards meets a key's versions oldest first, so the last visible one seen before the user
    /// key changes is the newest; the cursor is then already on the next key down.
    private func positionAtPreviousLiveEntry() throws -> Bool {
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
            let first = merged.key
            guard first.count >= 8 else { throw Self.malformedKey() }
            Bytes.assign(&reversedKey, from: first, 0..<first.count - 8)
            if let start, Bytes.compare(reversedKey, start) < 0 { return false }
            var newestType: ValueType?
            while merged.isValid {
                guard let (entrySequence, type) = try versionOfReversedKey() else { break }
                if entrySequence <= sequence {
                    newestType = type
                    if type == .value { merged.copyValue(into: &reversedValue) }
                }
                try merged.prev()
            }
            if newestType == .value { return true }
        }
        return false
    }

    /// The current entry's sequence and type when its user key is ``reversedKey``, nil when it is another key.
    private func versionOfReversedKey() throws -> (SequenceNumber, ValueType)? {
        let key = merged.key
        guard let (entrySequence, type) = InternalKey.parseTrailer(key) else { throw Self.malformedKey() }
        return InternalKey.compareUserKey(of: key, with: reversedKey) == 0 ? (entrySequence, type) : nil
    }

    private static func malformedKey() -> LSMKVError {
        LSMKVError.corruption(file: "iterator", offset: 0, reason: "malformed internal key")
    }
}

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
    private var lastUserKey: [UInt8]?
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

    /// The next live entry, or nil at the end of the range.
    /// - Throws: ``LSMKVError/corruption(file:offset:reason:)`` or ``LSMKVError/io(_:)`` when a table cannot be read.
    public func next() throws -> (key: [UInt8], value: [UInt8])? {
        if isReversed { return try nextReversed() }
        if !started {
            started = true
            if let start {
                try merged.seek(InternalKey.lookupKey(userKey: start, sequence: maxSequenceNumber))
            } else {
                try merged.seekToFirst()
            }
        }
        while merged.isValid {
            // Versions the snapshot cannot see and older versions of the last key are skipped in place; only an
            // entry that is returned is copied out.
            let (entrySequence, type, repeatsLastKey) = try inspectCurrent()
            if entrySequence > sequence || repeatsLastKey {
                try merged.next()
                continue
            }
            let userKey = InternalKey.userKey(merged.key)
            if let end, Bytes.compare(userKey, end) >= 0 { return nil }
            lastUserKey = userKey
            let value = type == .value ? merged.value : []
            try merged.next()
            if type == .value { return (userKey, value) }
        }
        return nil
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

    /// The current entry's sequence and type, and whether its user key is the last one returned, read in place.
    /// A function of its own so the key is released before the cursor moves (else the move copies it).
    private func inspectCurrent() throws -> (sequence: SequenceNumber, type: ValueType, repeatsLastKey: Bool) {
        let key = merged.key
        guard let (sequence, type) = InternalKey.parseTrailer(key) else { throw Self.malformedKey() }
        let repeats = lastUserKey.map { InternalKey.compareUserKey(of: key, with: $0) == 0 } ?? false
        return (sequence, type, repeats)
    }

    private func currentEntry() throws -> (userKey: [UInt8], sequence: SequenceNumber, type: ValueType) {
        guard let parsed = InternalKey.parse(merged.key) else { throw Self.malformedKey() }
        return parsed
    }

    private static func malformedKey() -> LSMKVError {
        LSMKVError.corruption(file: "iterator", offset: 0, reason: "malformed internal key")
    }
}

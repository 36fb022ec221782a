/// Builds one block: prefix-compressed entries followed by the restart array and its count.
///
/// Each entry is `varint32 shared, varint32 nonShared, varint32 valueLength, key delta, value`. Every
/// `restartInterval` entries the key is stored whole (shared = 0) and its offset is recorded as a restart point,
/// so a reader can binary-search the restart points. The caller adds keys in the block's order.
struct BlockBuilder {
    /// Entries between restart points.
    let restartInterval: Int
    // The block so far is `buffer[..<size]`; the rest is room (stale bytes of earlier blocks: the buffer is kept
    // across resets), so an entry is one bounds-checked write into place rather than an array append per field.
    private var buffer: [UInt8] = []
    private var size = 0
    // LevelDB always records a restart at offset 0, even for an empty block.
    private var restarts: [UInt32] = [0]
    private var counter = 0
    private var finished = false

    /// The last key added; kept by `reset()` (the table builder orders and separates keys across blocks with it).
    private(set) var lastAddedKey: [UInt8] = []

    /// The capacity a reset data-block builder starts with: a 4 KiB block plus one entry's overshoot.
    static let typicalCapacity = 4096 + 256

    /// The most bytes an entry's three varint32 lengths take.
    private static let maxHeaderSize = 15

    /// Creates an empty builder. `restartInterval` must be at least 1.
    init(restartInterval: Int) {
        precondition(restartInterval >= 1, "restartInterval must be at least 1")
        self.restartInterval = restartInterval
    }

    /// Whether no entry was added since the last reset.
    var isEmpty: Bool { size == 0 }

    /// The size of the block `finish()` would return now.
    var currentSizeEstimate: Int { size + restarts.count * 4 + 4 }

    /// Appends an entry. Keys and values must be shorter than 4 GiB (the table builder checks).
    mutating func add(key: [UInt8], value: [UInt8]) {
        key.withUnsafeBufferPointer { key in value.withUnsafeBufferPointer { add(key: key, value: $0) } }
    }

    /// Appends an entry whose key and value are held in place (copied before returning).
    mutating func add(key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        precondition(!finished, "add after finish; call reset() first")
        var shared = 0
        if counter < restartInterval {
            // `lastAddedKey` outlives a reset: a block's first entry shares nothing.
            if size > 0 { shared = lastAddedKey.withUnsafeBufferPointer { Bytes.commonPrefixLength($0, key) } }
        } else {
            restarts.append(UInt32(size))
            counter = 0
        }
        let delta = UnsafeBufferPointer(rebasing: key[shared...])
        let needed = Self.maxHeaderSize + delta.count + value.count
        if buffer.count - size < needed { grow(toHold: size + needed) }
        let start = size
        size = buffer.withUnsafeMutableBufferPointer { out in
            var writer = UnsafeByteWriter(out, count: start)
            writer.appendVarint64(UInt64(shared))
            writer.appendVarint64(UInt64(delta.count))
            writer.appendVarint64(UInt64(value.count))
            writer.append(delta)
            writer.append(value)
            return writer.count
        }
        Bytes.assign(&lastAddedKey, from: key)
        counter += 1
    }

    /// Appends the restart array and count and returns the block's bytes. Call `reset()` before reusing.
    /// The returned array has room for the block trailer, so appending it does not reallocate.
    mutating func finish() -> [UInt8] {
        let needed = restarts.count * 4 + 4
        if buffer.count - size < needed { grow(toHold: size + needed) }
        let start = size
        size = buffer.withUnsafeMutableBufferPointer { out in
            var writer = UnsafeByteWriter(out, count: start)
            for restart in restarts { writer.appendFixed32(restart) }
            writer.appendFixed32(UInt32(restarts.count))
            return writer.count
        }
        finished = true
        return Bytes.copy(buffer[..<size], reservingExtra: blockTrailerSize)
    }

    /// Empties the builder for the next block.
    mutating func reset() {
        size = 0
        restarts.removeAll(keepingCapacity: true)
        restarts.append(0)
        counter = 0
        finished = false
    }

    /// Extends `buffer` to at least `count` bytes: a data block's first growth takes its typical size at once,
    /// later ones double. (A fresh zeroed array plus one copy: appending a `repeatElement` goes byte by byte.)
    private mutating func grow(toHold count: Int) {
        let target = max(count, buffer.count * 2, restartInterval == 1 ? 256 : Self.typicalCapacity)
        var grown = [UInt8](repeating: 0, count: target)
        grown[..<size] = buffer[..<size]
        buffer = grown
    }
}

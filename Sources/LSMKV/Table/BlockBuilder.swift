/// Builds one block: prefix-compressed entries followed by the restart array and its count.
///
/// Each entry is `varint32 shared, varint32 nonShared, varint32 valueLength, key delta, value`. Every
/// `restartInterval` entries the key is stored whole (shared = 0) and its offset is recorded as a restart point,
/// so a reader can binary-search the restart points. The caller adds keys in the block's order.
struct BlockBuilder {
    /// Entries between restart points.
    let restartInterval: Int
    private var buffer: [UInt8] = []
    // LevelDB always records a restart at offset 0, even for an empty block.
    private var restarts: [UInt32] = [0]
    private var counter = 0
    private var lastKey: [UInt8] = []
    private var finished = false

    /// The capacity a reset data-block builder starts with: a 4 KiB block plus one entry's overshoot.
    static let typicalCapacity = 4096 + 256

    /// Creates an empty builder. `restartInterval` must be at least 1.
    init(restartInterval: Int) {
        precondition(restartInterval >= 1, "restartInterval must be at least 1")
        self.restartInterval = restartInterval
    }

    /// Whether no entry was added since the last reset.
    var isEmpty: Bool { buffer.isEmpty }

    /// The size of the block `finish()` would return now.
    var currentSizeEstimate: Int { buffer.count + restarts.count * 4 + 4 }

    /// The last key added.
    var lastAddedKey: [UInt8] { lastKey }

    /// Appends an entry. Keys and values must be shorter than 4 GiB (the table builder checks).
    mutating func add(key: [UInt8], value: [UInt8]) {
        precondition(!finished, "add after finish; call reset() first")
        var shared = 0
        if counter < restartInterval {
            shared = Bytes.commonPrefixLength(lastKey, key)
        } else {
            restarts.append(UInt32(buffer.count))
            counter = 0
        }
        var writer = ByteWriter(taking: &buffer)
        writer.appendVarint32(UInt32(shared))
        writer.appendVarint32(UInt32(key.count - shared))
        writer.appendVarint32(UInt32(value.count))
        writer.append(key[shared...])
        writer.append(value)
        swap(&buffer, &writer.bytes)
        Bytes.assign(&lastKey, from: key)
        counter += 1
    }

    /// Appends the restart array and count and returns the block's bytes. Call `reset()` before reusing.
    mutating func finish() -> [UInt8] {
        var writer = ByteWriter()
        swap(&writer.bytes, &buffer)
        for restart in restarts { writer.appendFixed32(restart) }
        writer.appendFixed32(UInt32(restarts.count))
        finished = true
        return writer.bytes
    }

    /// Empties the builder for the next block.
    mutating func reset() {
        // The next block grows to about the same size: one allocation instead of a doubling series.
        buffer = []
        buffer.reserveCapacity(restartInterval == 1 ? 0 : Self.typicalCapacity)
        restarts = [0]
        counter = 0
        lastKey.removeAll(keepingCapacity: true)
        finished = false
    }
}

import Synchronization

/// A sharded LRU cache of parsed, checksum-verified data blocks, keyed by (table file number, block offset) and
/// bounded by bytes: LevelDB's block cache.
///
/// One cache is shared by every table of a database through its ``TableCache``. A block is read and verified once
/// when it is loaded; later lookups return the parsed ``Block`` without touching the file. Each of the 16 shards has
/// its own lock and an equal share of the capacity, so concurrent readers rarely contend.
///
/// Memory: the cache holds at most `capacity` bytes of block contents (plus ``entryOverhead`` per entry). A block
/// evicted while an iterator still uses it stays alive until that iterator lets go, like LevelDB's pinned handles;
/// such blocks are not counted. A block larger than a shard's share is never cached. Besides, each shard keeps the
/// emptied storage of up to ``spareBuffersPerShard`` evicted blocks (each at most ``largestSpareBuffer`` bytes), so
/// that the miss which evicts a block reads into its storage: no allocation and no free per miss.
final class BlockCache: Sendable {
    /// The cache key: a table's file number and the offset of the block in that file.
    struct Key: SlotKey, Sendable {
        var file: UInt64
        var offset: UInt64

        var mixedHash: UInt64 {
            let mixed = (offset &* 0x9E37_79B9_7F4A_7C15) ^ (file &* 0xC2B2_AE3D_27D4_EB4F)
            return mixed ^ (mixed >> 29)
        }
    }

    /// The bytes charged per entry on top of the block's contents (bookkeeping, the parsed block's fields).
    static let entryOverhead = 96
    static let shardCount = 16
    /// How many evicted blocks' storage a shard keeps for the next misses.
    static let spareBuffersPerShard = 2
    /// Storage larger than this (a block of huge values) is freed rather than kept.
    static let largestSpareBuffer = 64 * 1024

    /// One shard: an open-addressing hash index from key to slot and a doubly linked LRU list over slot indexes,
    /// so a hit allocates nothing, moves no object and hashes with one multiply (Swift's `Dictionary` spent about
    /// 600 instructions per lookup in SipHash).
    struct Shard: ~Copyable {
        static let none = slotIndexNone
        let capacity: Int
        private(set) var usage = 0
        private var slots = SlotIndex<Key>()
        private var keys: [Key] = []
        private var blocks: [Block?] = []
        private var charges: [Int] = []
        private var previous: [Int32] = []
        private var following: [Int32] = []
        private var freeSlots: [Int32] = []
        /// Emptied storage of evicted blocks, for the next misses to read into.
        private var spareBuffers: [[UInt8]] = []
        /// Most recently used.
        private var head: Int32 = Shard.none
        /// Least recently used: evicted first.
        private var tail: Int32 = Shard.none

        init(capacity: Int) { self.capacity = capacity }

        /// The number of cached blocks.
        var count: Int { slots.count }

        /// The block for `key`, marked most recently used.
        mutating func lookup(_ key: Key) -> Block? {
            guard let slot = slots.find(key, keys: keys) else { return nil }
            moveToFront(slot)
            return blocks[Int(slot)]
        }

        /// The emptied storage of an evicted block, if the shard keeps one.
        mutating func takeSpareBuffer() -> [UInt8]? { spareBuffers.popLast() }

        /// Caches `block` for `key` (replacing any entry there), then evicts least recently used entries until the
        /// shard is within its capacity. A block that alone exceeds the capacity is not cached.
        mutating func insert(_ key: Key, _ block: Block, charge: Int) {
            if let old = slots.find(key, keys: keys) { remove(old) }
            guard charge <= capacity else { return }
            let slot: Int32
            if let free = freeSlots.popLast() {
                slot = free
                keys[Int(slot)] = key
                blocks[Int(slot)] = block
                charges[Int(slot)] = charge
            } else {
                slot = Int32(keys.count)
                keys.append(key)
                blocks.append(block)
                charges.append(charge)
                previous.append(Shard.none)
                following.append(Shard.none)
            }
            slots.insert(slot, for: key, keys: keys)
            usage += charge
            linkAtFront(slot)
            while usage > capacity, tail != Shard.none { remove(tail) }
        }

        /// Drops every entry.
        mutating func removeAll() {
            while tail != Shard.none { remove(tail) }
        }

        private mutating func remove(_ slot: Int32) {
            unlink(slot)
            slots.remove(keys[Int(slot)], keys: keys)
            let evicted = blocks[Int(slot)].take()
            if let evicted, spareBuffers.count < BlockCache.spareBuffersPerShard,
                evicted.contents.capacity <= BlockCache.largestSpareBuffer
            {
                // Emptying keeps the storage when nothing else holds the block (the common case); when a cursor
                // still does, it allocates an empty buffer of that capacity, which the next miss would anyway.
                var storage = evicted.intoContents()
                storage.removeAll(keepingCapacity: true)
                spareBuffers.append(storage)
            }
            usage -= charges[Int(slot)]
            freeSlots.append(slot)
        }

        private mutating func moveToFront(_ slot: Int32) {
            guard head != slot else { return }
            unlink(slot)
            linkAtFront(slot)
        }

        private mutating func linkAtFront(_ slot: Int32) {
            previous[Int(slot)] = Shard.none
            following[Int(slot)] = head
            if head != Shard.none { previous[Int(head)] = slot }
            head = slot
            if tail == Shard.none { tail = slot }
        }

        private mutating func unlink(_ slot: Int32) {
            let before = previous[Int(slot)]
            let after = following[Int(slot)]
            if before != Shard.none { following[Int(before)] = after } else { head = after }
            if after != Shard.none { previous[Int(after)] = before } else { tail = before }
        }
    }

    /// A shard behind its own lock (a class, because `Mutex` cannot be stored in an array).
    private final class LockedShard: Sendable {
        let shard: Mutex<Shard>
        init(capacity: Int) { shard = Mutex(Shard(capacity: capacity)) }
    }

    /// The configured bound, in bytes.
    let capacity: Int
    private let shards: [LockedShard]
    /// Lookups that found their block (for tests and statistics).
    let hits = Atomic<Int>(0)
    /// Lookups that did not.
    let misses = Atomic<Int>(0)

    /// A cache holding at most `capacity` bytes (each shard a sixteenth of it).
    init(capacity: Int) {
        self.capacity = max(capacity, 0)
        let perShard = self.capacity / BlockCache.shardCount
        shards = (0..<BlockCache.shardCount).map { _ in LockedShard(capacity: perShard) }
    }

    @inline(__always)
    private func shard(for key: Key) -> LockedShard {
        // Blocks of one table differ in their offsets' middle bits; mix both halves and use the top bits.
        let mixed = (key.offset ^ (key.file &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        return shards[Int(mixed >> 60)]
    }

    /// The cached block for `key`, or nil. Leaves the shard's spare storage for the misses that read a block.
    func lookup(_ key: Key) -> Block? { find(key, takingSpare: false).block }

    /// The cached block for `key`; or nil, and then `spare` holds the emptied storage of an evicted block when the
    /// shard has one (read the missing block into it, then ``insert(_:_:)`` it).
    func lookup(_ key: Key, orTakeSpare spare: inout [UInt8]) -> Block? {
        let (block, buffer) = find(key, takingSpare: true)
        if let buffer { spare = buffer }
        return block
    }

    private func find(_ key: Key, takingSpare: Bool) -> (block: Block?, spare: [UInt8]?) {
        let found = shard(for: key).shard.withLock { shard -> (block: Block?, spare: [UInt8]?) in
            let block = shard.lookup(key)
            return (block, block == nil && takingSpare ? shard.takeSpareBuffer() : nil)
        }
        if found.block == nil {
            misses.add(1, ordering: .relaxed)
        } else {
            hits.add(1, ordering: .relaxed)
        }
        return found
    }

    /// Caches `block` under `key`, evicting least recently used blocks of the same shard as needed.
    func insert(_ key: Key, _ block: Block) {
        let charge = block.contents.count + BlockCache.entryOverhead
        shard(for: key).shard.withLock { $0.insert(key, block, charge: charge) }
    }

    /// The bytes currently charged, summed over the shards; never more than ``capacity``.
    var usage: Int { shards.reduce(0) { total, locked in total + locked.shard.withLock { $0.usage } } }

    /// The number of cached blocks.
    var count: Int { shards.reduce(0) { total, locked in total + locked.shard.withLock { $0.count } } }

    /// Drops every cached block.
    func removeAll() {
        for locked in shards { locked.shard.withLock { $0.removeAll() } }
    }
}

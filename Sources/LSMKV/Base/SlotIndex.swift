/// A key with a cheap, well-mixed hash (a multiply or two), for ``SlotIndex``: Swift's `Hasher` (SipHash) costs
/// more per lookup than the caches that index with it should.
protocol SlotKey: Equatable {
    /// The key's bits mixed so that the low bits spread well.
    var mixedHash: UInt64 { get }
}

/// A file number as a ``SlotKey``.
extension UInt64: SlotKey {
    var mixedHash: UInt64 {
        let mixed = self &* 0x9E37_79B9_7F4A_7C15
        return mixed ^ (mixed >> 29)
    }
}

/// The slot number ``SlotIndex`` stores for an empty position, and its owners for "no slot".
let slotIndexNone: Int32 = -1

/// Linear-probing hash index from a key to its slot in arrays its owner keeps (the keys live there, so the index
/// holds only slot numbers): what the block cache's shards and the table cache look entries up with. Grows at half
/// full; removal shifts later entries back, so there are no tombstones.
struct SlotIndex<Key: SlotKey> {
    private var table = [Int32](repeating: slotIndexNone, count: 16)
    private(set) var count = 0

    @inline(__always)
    private func home(_ key: Key) -> Int {
        Int(truncatingIfNeeded: key.mixedHash & UInt64(table.count - 1))
    }

    /// The slot holding `key`, looking its candidates up in `keys`.
    func find(_ key: Key, keys: [Key]) -> Int32? {
        var i = home(key)
        while true {
            let slot = table[i]
            if slot == slotIndexNone { return nil }
            if keys[Int(slot)] == key { return slot }
            i = (i + 1) & (table.count - 1)
        }
    }

    /// Records that `slot` (whose key `keys[slot]` is `key`) holds `key`; the key must be absent.
    mutating func insert(_ slot: Int32, for key: Key, keys: [Key]) {
        if (count + 1) * 2 > table.count { grow(keys: keys) }
        var i = home(key)
        while table[i] != slotIndexNone { i = (i + 1) & (table.count - 1) }
        table[i] = slot
        count += 1
    }

    /// Forgets `key` (present), moving later entries of its probe run back into the gap.
    mutating func remove(_ key: Key, keys: [Key]) {
        let mask = table.count - 1
        var gap = home(key)
        while keys[Int(table[gap])] != key { gap = (gap + 1) & mask }
        var i = gap
        while true {
            i = (i + 1) & mask
            let slot = table[i]
            if slot == slotIndexNone { break }
            let ideal = home(keys[Int(slot)])
            // Move the entry back when its home is not in the cyclic range (gap, i].
            let stays = gap <= i ? (gap < ideal && ideal <= i) : (gap < ideal || ideal <= i)
            if !stays {
                table[gap] = slot
                gap = i
            }
        }
        table[gap] = slotIndexNone
        count -= 1
    }

    private mutating func grow(keys: [Key]) {
        let old = table
        table = [Int32](repeating: slotIndexNone, count: old.count * 2)
        count = 0
        for slot in old where slot != slotIndexNone { insert(slot, for: keys[Int(slot)], keys: keys) }
    }
}

/// A hash map over a ``SlotIndex``: values in slots, found by a cheaply hashed key, slots reused after removal.
/// For the maps a get touches (open tables, seek budgets), where `Dictionary`'s SipHash was a visible cost.
struct SlotMap<Key: SlotKey, Value> {
    private var index = SlotIndex<Key>()
    private var keys: [Key] = []
    private var values: [Value?] = []
    private var freeSlots: [Int32] = []

    /// The number of entries.
    var count: Int { index.count }

    /// The value for `key`; setting nil removes it.
    subscript(key: Key) -> Value? {
        get {
            guard let slot = index.find(key, keys: keys) else { return nil }
            return values[Int(slot)]
        }
        set {
            if let slot = index.find(key, keys: keys) {
                if newValue == nil {
                    index.remove(key, keys: keys)
                    freeSlots.append(slot)
                }
                values[Int(slot)] = newValue
            } else if let newValue {
                let slot: Int32
                if let free = freeSlots.popLast() {
                    slot = free
                    keys[Int(slot)] = key
                    values[Int(slot)] = newValue
                } else {
                    slot = Int32(keys.count)
                    keys.append(key)
                    values.append(newValue)
                }
                index.insert(slot, for: key, keys: keys)
            }
        }
    }

    /// Every entry, in no particular order.
    var entries: [(key: Key, value: Value)] {
        values.indices.compactMap { slot in values[slot].map { (keys[slot], $0) } }
    }

    /// Removes the entries whose key `shouldBeRemoved` accepts.
    mutating func removeAll(where shouldBeRemoved: (Key) -> Bool) {
        for (key, _) in entries where shouldBeRemoved(key) { self[key] = nil }
    }
}

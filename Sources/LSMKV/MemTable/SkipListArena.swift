import Synchronization

/// Node storage for ``SkipList``: the one file of the MemTable that touches raw memory (as swift-collections
/// confines its unsafe handles).
///
/// Nodes are carved from blocks that are never moved or freed before the arena itself, so a node's address stays
/// valid for the arena's lifetime and readers follow links without a lock or a reference count. A node's key,
/// value and height are written once, before the node is published by a releasing store of a link to it; its
/// links are atomics. Allocation is for the single writer only (``SkipList`` serializes it).
///
/// Layout of a node, 8-byte aligned: `height` links (`Atomic<Int>`, the successor's address or 0; level 0 last),
/// then at the node's address the key length (UInt32) and value length (UInt32), the key bytes, the value bytes.
/// Links sit before the address (as in RocksDB's inline skip list), so reaching the key needs no height.
final class SkipListArena: @unchecked Sendable {
    // Unchecked Sendable: `blocks`, `current` and `remaining` are touched only by the one writer (under the skip
    // list's insert lock) and by deinit; everything readers touch is either immutable once published or atomic.
    private var blocks: [UnsafeMutableRawPointer] = []
    private var current: UnsafeMutableRawPointer?
    private var remaining = 0
    private let used = Atomic<Int>(0)

    /// The head node: no key, ``SkipList/maxHeight`` links, all empty.
    let head: SkipListNode

    private static let blockSize = 64 * 1024
    private static let headerSize = 8
    private static let linkSize = MemoryLayout<Atomic<Int>>.stride

    init(maxHeight: Int) {
        let links = maxHeight * SkipListArena.linkSize
        let start = UnsafeMutableRawPointer.allocate(byteCount: links + SkipListArena.headerSize, alignment: 8)
        blocks.append(start)
        SkipListArena.initializeLinks(start, height: maxHeight)
        (start + links).storeBytes(of: 0, as: UInt64.self)
        head = SkipListNode(base: start + links)
    }

    deinit {
        for block in blocks { block.deallocate() }
    }

    /// Bytes of the nodes allocated so far (headers, links, keys and values).
    var bytesUsed: Int { used.load(ordering: .relaxed) }

    /// A new, unlinked node holding `userKey ++ fixed64(trailer)` and `value`, with `height` empty links.
    /// Writer only; the node becomes visible to readers when a link to it is stored.
    func makeNode(
        userKey: UnsafeBufferPointer<UInt8>, trailer: UInt64, value: UnsafeBufferPointer<UInt8>, height: Int
    ) -> SkipListNode {
        let keyLength = userKey.count + 8
        let links = height * SkipListArena.linkSize
        let start = allocate(byteCount: links + SkipListArena.headerSize + keyLength + value.count)
        SkipListArena.initializeLinks(start, height: height)
        let base = start + links
        base.storeBytes(of: UInt32(truncatingIfNeeded: keyLength), as: UInt32.self)
        base.storeBytes(of: UInt32(truncatingIfNeeded: value.count), toByteOffset: 4, as: UInt32.self)
        let key = base + SkipListArena.headerSize
        if let source = userKey.baseAddress { key.copyMemory(from: source, byteCount: userKey.count) }
        (key + userKey.count).storeBytes(of: trailer.littleEndian, as: UInt64.self)
        if let source = value.baseAddress { (key + keyLength).copyMemory(from: source, byteCount: value.count) }
        return SkipListNode(base: base)
    }

    private static func initializeLinks(_ start: UnsafeMutableRawPointer, height: Int) {
        let links = start.bindMemory(to: Atomic<Int>.self, capacity: height)
        for level in 0..<height { (links + level).initialize(to: Atomic(0)) }
    }

    /// `byteCount` bytes, 8-byte aligned, that never move. Large requests get a block of their own (LevelDB's arena).
    private func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let size = (byteCount + 7) & ~7
        used.add(size, ordering: .relaxed)
        if size > SkipListArena.blockSize / 4 { return newBlock(size) }
        if size > remaining {
            current = newBlock(SkipListArena.blockSize)
            remaining = SkipListArena.blockSize
        }
        let base = current.unsafelyUnwrapped
        current = base + size
        remaining -= size
        return base
    }

    private func newBlock(_ size: Int) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        blocks.append(block)
        return block
    }
}

/// A node of a ``SkipList``, valid while its ``SkipListArena`` lives (a ``MemTable`` and every cursor over it
/// hold the arena). Comparing and copying read the node's bytes in place.
struct SkipListNode: Equatable, @unchecked Sendable {
    // Unchecked Sendable: a handle to bytes that are immutable once published and links that are atomics.
    private let base: UnsafeMutableRawPointer
    private static let keyOffset = 8

    fileprivate init(base: UnsafeMutableRawPointer) { self.base = base }

    @inline(__always)
    private func link(_ level: Int) -> UnsafeMutablePointer<Atomic<Int>> {
        base.assumingMemoryBound(to: Atomic<Int>.self) - (level + 1)
    }

    /// The successor at `level` (an acquiring load: the successor's bytes are visible), or nil.
    @inline(__always)
    func next(_ level: Int) -> SkipListNode? {
        let address = link(level).pointee.load(ordering: .acquiring)
        return address == 0 ? nil : SkipListNode(base: UnsafeMutableRawPointer(bitPattern: address).unsafelyUnwrapped)
    }

    /// Publishes `node` as the successor at `level` (a releasing store: readers that see it see its bytes).
    @inline(__always)
    func setNext(_ level: Int, _ node: SkipListNode?) {
        link(level).pointee.store(node.map { Int(bitPattern: $0.base) } ?? 0, ordering: .releasing)
    }

    /// Sets a link of a node that is not yet published (no ordering needed: publishing it orders this store).
    @inline(__always)
    func initializeNext(_ level: Int, _ node: SkipListNode?) {
        link(level).pointee.store(node.map { Int(bitPattern: $0.base) } ?? 0, ordering: .relaxed)
    }

    private var keyLength: Int { Int(base.load(as: UInt32.self)) }
    private var valueLength: Int { Int(base.load(fromByteOffset: 4, as: UInt32.self)) }

    /// The internal key, in place.
    @inline(__always)
    private var keyBytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(
            start: (base + SkipListNode.keyOffset).assumingMemoryBound(to: UInt8.self), count: keyLength)
    }

    @inline(__always)
    private var valueBytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(
            start: (base + SkipListNode.keyOffset + keyLength).assumingMemoryBound(to: UInt8.self), count: valueLength)
    }

    /// The node's user key compared with `userKey`, and its trailer (`sequence << 8 | type`).
    @inline(__always)
    func userKeyAndTrailer(comparedWith userKey: UnsafeBufferPointer<UInt8>) -> (order: Int, trailer: UInt64) {
        let key = keyBytes
        let userPart = UnsafeBufferPointer(rebasing: key[..<(key.count - 8)])
        let trailer = UInt64(
            littleEndian: (base + SkipListNode.keyOffset + key.count - 8).loadUnaligned(as: UInt64.self))
        return (Bytes.compare(userPart, userKey), trailer)
    }

    /// Internal-key order of this node's key against `userKey ++ fixed64(trailer)`.
    @inline(__always)
    func compare(_ userKey: UnsafeBufferPointer<UInt8>, _ trailer: UInt64) -> Int {
        let (byUser, stored) = userKeyAndTrailer(comparedWith: userKey)
        if byUser != 0 { return byUser }
        return stored > trailer ? -1 : (stored < trailer ? 1 : 0)
    }

    /// A copy of the internal key.
    var key: [UInt8] { Array(keyBytes) }

    /// A copy of the value.
    var value: [UInt8] { Array(valueBytes) }

    /// Calls `body` with the internal key and the value in place; the pointers are valid only during the call.
    @inline(__always)
    func withEntry<T>(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try body(keyBytes, valueBytes)
    }

    /// Replaces `key` and `value` with this node's, reusing their buffers.
    func copyEntry(key: inout [UInt8], value: inout [UInt8]) {
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: keyBytes)
        value.removeAll(keepingCapacity: true)
        value.append(contentsOf: valueBytes)
    }
}

import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The current ``ReadView``, which a read loads without taking a lock (RocksDB's SuperVersion, Pebble's
/// readState); the one place the engine holds a class reference as an unmanaged atomic.
///
/// Swift has no atomic strong reference, so this is a small reference-counting protocol of its own: `current`
/// holds one retain of the published view. A reader announces itself in `loading`, loads `current`, retains what
/// it loaded and leaves `loading`. A publisher swaps `current` and releases the old view only once it has seen
/// `loading` at zero after the swap: every reader that could have loaded the old view had retained it by then
/// (all four steps are sequentially consistent, the reader's exit a release). The window is a few instructions,
/// so the publisher almost never waits; if readers keep it open, the old view is retired and released at a later
/// publish instead of blocking the publisher. Publishing is rare (a MemTable switch, a flush, a compaction).
final class PublishedReadView: Sendable {
    private let current: Atomic<Unmanaged<ReadView>>
    /// Readers between loading `current` and retaining what they loaded.
    private let loading = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)
    /// Views replaced while readers kept `loading` above zero: released at a later publish, or at deinit.
    private let retired = Mutex<[Unmanaged<ReadView>]>([])

    init(_ view: ReadView) { current = Atomic(Unmanaged.passRetained(view)) }

    deinit {
        current.load(ordering: .acquiring).release()
        for view in retired.withLock({ $0 }) { view.release() }
    }

    /// The published view, retained for the caller.
    /// - Throws: ``LSMKVError/closed`` once ``close()`` was called.
    @inline(__always)
    func load() throws -> ReadView {
        if isClosed { throw LSMKVError.closed }
        loading.add(1, ordering: .sequentiallyConsistent)
        let view = current.load(ordering: .sequentiallyConsistent)
        _ = view.retain()
        loading.subtract(1, ordering: .releasing)
        return view.takeRetainedValue()
    }

    /// The published view, for the publisher: the caller holds the lock every ``publish(_:)`` is called under, so
    /// no publish can release the view while this reads it.
    var latest: ReadView { current.load(ordering: .acquiring).takeUnretainedValue() }

    /// Replaces the published view. One publisher at a time: the database calls it under its state lock.
    func publish(_ view: ReadView) {
        let old = current.exchange(Unmanaged.passRetained(view), ordering: .sequentiallyConsistent)
        retired.withLock { retired in
            retired.append(old)
            guard noReaderLoading() else { return }
            for view in retired { view.release() }
            retired.removeAll()
        }
    }

    /// Makes every later ``load()`` throw ``LSMKVError/closed``.
    func close() { closed.store(true, ordering: .relaxed) }

    /// Whether ``close()`` was called.
    var isClosed: Bool { closed.load(ordering: .relaxed) }

    /// Whether `loading` reads zero within a short spin (then every reader that loaded a replaced view has
    /// retained it).
    private func noReaderLoading() -> Bool {
        for attempt in 0..<1_000 {
            if loading.load(ordering: .sequentiallyConsistent) == 0 { return true }
            if attempt >= 16 { sched_yield() }
        }
        return false
    }
}

import LSMKV
import Synchronization
import VFS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One place where the engine makes data durable: a file sync or a directory sync, told apart by the crash point
/// the engine announced just before it on the same thread (``CrashPoint/walSync`` before the log sync that
/// acknowledges a write, ``CrashPoint/tableSync`` before a new table's sync and its directory entry's, ...).
///
/// A sync that follows no announcing point (the temporary CURRENT file's, the final log sync at close) has
/// `after == nil`.
public struct SyncSite: Hashable, Sendable, Codable, CustomStringConvertible {
    /// What is made durable.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A file's data (`fsync`/`fdatasync` of a file).
        case file
        /// A directory's entries (`fsync` of the directory).
        case directory
    }

    /// The crash point that announced the sync, or nil for an unannounced one.
    public var after: CrashPoint?
    /// A file or a directory sync.
    public var kind: Kind

    /// The site of the first `kind` sync after `after`.
    public init(after: CrashPoint?, kind: Kind) {
        self.after = after
        self.kind = kind
    }

    /// The crash points that announce a sync; any other point ends the announcement.
    public static let announcingPoints: Set<CrashPoint> = [
        .walSync, .logSwitch, .tableSync, .manifestSync, .currentRename, .compactionOutputSync,
    ]

    /// `file after wal-sync`, `directory after table-sync`, `file (unannounced)`.
    public var description: String { "\(kind.rawValue) " + (after.map { "after \($0.rawValue)" } ?? "(unannounced)") }
}

/// Sync sites turned into no-ops, from outside the engine: the engine still calls `sync`, the file system returns
/// success without making anything durable (the write stays in the simulated page cache, exactly as if the engine
/// had forgotten the call). This is how the crash tests plant a missing sync without a switch in the engine.
public struct SyncAblation: Sendable, Equatable {
    /// The sites whose syncs are skipped.
    public var removed: Set<SyncSite>

    /// Skips every sync at `removed`.
    public init(removing removed: Set<SyncSite>) { self.removed = removed }

    /// The planted missing-sync bugs, by the names `Scripts/mutation-check.sh` and `LSMKV_PLANTED_BUG` use; each
    /// is a bug class of BUG-CLASSES.md.
    public static let planted: [String: SyncSite] = [
        // Class 1: CURRENT renamed into place but the directory never synced.
        "no-dir-sync-after-current-rename": SyncSite(after: .currentRename, kind: .directory),
        // Class 2: a new table's directory entry not made durable before the MANIFEST references it.
        "no-dir-sync-for-new-table": SyncSite(after: .tableSync, kind: .directory),
        // Class 5: table data not synced before the MANIFEST edit that references it.
        "table-not-synced": SyncSite(after: .tableSync, kind: .file),
        // The write-ahead log not synced before a `sync: true` write is acknowledged.
        "wal-not-synced-before-ack": SyncSite(after: .walSync, kind: .file),
        // Class 7: the old log not synced when a new one starts.
        "old-log-not-synced-at-switch": SyncSite(after: .logSwitch, kind: .file),
        // Class 4/13: the MANIFEST not synced after an edit is appended.
        "manifest-not-synced": SyncSite(after: .manifestSync, kind: .file),
        // Class 5 for compaction: output tables not synced before the edit that installs them.
        "compaction-output-not-synced": SyncSite(after: .compactionOutputSync, kind: .file),
    ]

    /// The ablation a planted-bug build was asked for through `LSMKV_PLANTED_BUG`, or nil. Always nil unless the
    /// package is built with `-Xswiftc -DLSMKV_PLANTED_BUGS`, like the engine's own planted bugs.
    public static var plantedFromEnvironment: SyncAblation? {
        #if LSMKV_PLANTED_BUGS
            guard let value = getenv("LSMKV_PLANTED_BUG"), let site = planted[String(cString: value)] else {
                return nil
            }
            return SyncAblation(removing: [site])
        #else
            return nil
        #endif
    }
}

/// A file system that skips the syncs of a ``SyncAblation``. Wire ``crashPointReached(_:)`` into the engine's
/// ``LSMKV/Options/crashPointHook`` (``install(into:)`` does both): that is how it tells the sites apart.
///
/// Announcements are tracked per thread, so a flush on a background thread and a write on the caller's never
/// confuse each other's sites. Each announcement covers the first file sync and the first directory sync after it
/// on its thread; any other crash point ends it.
public final class SyncAblatingFileSystem: ForwardingFileSystem {
    public let inner: any FileSystem
    /// The sites being skipped.
    public let ablation: SyncAblation
    /// The pending announcement of each thread, with the kinds it still covers.
    private let announced = Mutex<[UInt: (point: CrashPoint, kinds: Set<SyncSite.Kind>)]>([:])
    private let skippedCount = Atomic<Int>(0)
    private let seen = Mutex<Set<SyncSite>>([])

    /// Wraps `inner`, skipping the syncs at `ablation`'s sites.
    public init(wrapping inner: any FileSystem, ablation: SyncAblation) {
        self.inner = inner
        self.ablation = ablation
    }

    /// How many syncs were skipped so far.
    public var skippedSyncs: Int { skippedCount.load(ordering: .relaxed) }

    /// Every site a sync was made (or skipped) at so far.
    public var sitesSeen: Set<SyncSite> { seen.withLock { $0 } }

    /// Points `options` at this file system and chains its crash-point hook through ``crashPointReached(_:)``.
    public func install(into options: inout Options) {
        let previous = options.crashPointHook
        options.fileSystem = self
        options.crashPointHook = { [self] point in
            crashPointReached(point)
            previous?(point)
        }
    }

    /// Records that the calling thread reached `point`.
    public func crashPointReached(_ point: CrashPoint) {
        // The engine announces every directory sync with `.directorySync` too, and the CURRENT rename's directory
        // sync with `.currentRenamed` after `.currentRename`: neither says anything more about the site.
        if point == .directorySync || point == .currentRenamed { return }
        let thread = Self.currentThread
        announced.withLock { announced in
            if SyncSite.announcingPoints.contains(point) {
                announced[thread] = (point, Set(SyncSite.Kind.allCases))
            } else {
                announced[thread] = nil
            }
        }
    }

    /// The site of a `kind` sync the calling thread makes now, consuming its announcement for that kind; and
    /// whether the ablation skips it.
    func shouldSkip(_ kind: SyncSite.Kind) -> Bool {
        let thread = Self.currentThread
        let point = announced.withLock { announced -> CrashPoint? in
            guard var entry = announced[thread], entry.kinds.contains(kind) else { return nil }
            entry.kinds.remove(kind)
            announced[thread] = entry.kinds.isEmpty ? nil : entry
            return entry.point
        }
        let site = SyncSite(after: point, kind: kind)
        seen.withLock { _ = $0.insert(site) }
        guard ablation.removed.contains(site) else { return false }
        skippedCount.add(1, ordering: .relaxed)
        return true
    }

    public func createWritable(_ path: String) throws -> any WritableFile {
        SyncAblatingFile(try inner.createWritable(path), fileSystem: self)
    }

    public func openWritable(_ path: String) throws -> any WritableFile {
        SyncAblatingFile(try inner.openWritable(path), fileSystem: self)
    }

    public func syncDirectory(_ path: String) throws {
        if shouldSkip(.directory) { return }
        try inner.syncDirectory(path)
    }

    private static var currentThread: UInt { UInt(pthread_self()) }
}

/// A writable file whose `sync` asks its ``SyncAblatingFileSystem`` first.
private final class SyncAblatingFile: WritableFile {
    let inner: any WritableFile
    let fileSystem: SyncAblatingFileSystem

    init(_ inner: any WritableFile, fileSystem: SyncAblatingFileSystem) {
        self.inner = inner
        self.fileSystem = fileSystem
    }

    var path: String { inner.path }
    func append(_ bytes: [UInt8]) throws { try inner.append(bytes) }
    func sync() throws {
        if fileSystem.shouldSkip(.file) { return }
        try inner.sync()
    }
    func truncate(to size: Int) throws { try inner.truncate(to: size) }
    func size() throws -> Int { try inner.size() }
    func close() throws { try inner.close() }
}

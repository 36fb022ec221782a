/// What a failed ``WritableFile/sync()`` does to the data it was to make durable.
///
/// Linux (ext4, XFS, btrfs) reports a writeback error once and then marks the dirty pages clean: the bytes written
/// since the last good sync stay readable from the page cache until the machine crashes or the pages are evicted, but
/// no later sync writes them again, so they are never durable ("fsyncgate"; Rebello et al., "Can Applications
/// Recover from fsync Failures?", ATC 2020). An engine that retries the sync, or goes on writing and syncing, and then
/// trusts the file, loses data at the next power loss.
public enum SyncFailureSemantics: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// The Linux behaviour: the file's unsynced bytes since its last good sync never become durable, even after
    /// later successful syncs; reads still return them until a crash. The default for an injected sync error.
    case pagesLost = "pages-lost"
    /// Nothing is lost: the bytes stay dirty, and the next successful sync makes them durable.
    case retryable

    /// The name, e.g. `pages-lost`.
    public var description: String { rawValue }
}

/// A writable file that can be told that a sync of it failed, so that it applies ``SyncFailureSemantics`` to its
/// unsynced data. ``SimulatedFileSystem``'s files conform; a ``FaultInjectingFileSystem`` that fails a sync tells
/// the wrapped file when it conforms (a real disk decides for itself).
public protocol SyncFailureModeling: WritableFile {
    /// Applies `semantics` to the data written since the file's last successful sync, as a failed sync would.
    func syncFailed(_ semantics: SyncFailureSemantics)
}

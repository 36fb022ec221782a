import VFS

/// Results of the engine's integrity check (``RecoveryCheck/integrityProblem(path:fileSystem:)``) by the bytes of
/// the recovered directory it read.
///
/// The check is read-only and deterministic and sees only the names and bytes of the files, so a directory whose
/// every name and byte equals one already checked gets the same answer. Different crash states often recover to
/// the same directory: recovery rewrites the log into a table and deletes the log, whatever its torn tail held.
/// Keys are 64-bit hashes of every name and byte, as in ``RecoveryCache``.
///
/// A class so that the explorer's recovery closure can add to it; used by one thread (one ``Explorer`` session).
final class IntegrityCache {
    private var results: [Int: String?] = [:]
    /// Checks answered from the cache.
    private(set) var hits = 0

    /// The answer of `check` for the directory in `fs`: from the cache when the same bytes were checked before.
    func problem(of fs: SimulatedFileSystem, check: () -> String?) -> String? {
        var hasher = Hasher()
        for (path, bytes) in fs.snapshotFiles().sorted(by: { $0.key < $1.key }) {
            hasher.combine(path)
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
            hasher.combine(bytes.count)
        }
        let key = hasher.finalize()
        if let known = results[key] {
            hits += 1
            return known
        }
        let answer = check()
        results[key] = answer
        return answer
    }
}

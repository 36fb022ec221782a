import VFS

/// Results of a deterministic, read-only function of a directory's files (names and bytes), by a hash of those
/// files: the engine's integrity check (``RecoveryCheck/integrityProblem(path:fileSystem:)``) of a recovered
/// directory, or the contents a clean reopen of a closed directory reads.
///
/// Such a function sees only the names and bytes of the files, so a directory whose every name and byte equals
/// one already seen gets the same answer. Different crash states often recover to the same directory: recovery
/// rewrites the log into a table and deletes the log, whatever its torn tail held. Keys are 64-bit hashes of
/// every name and byte, as in ``RecoveryCache``. Only answers that were returned are kept: a thrown error is
/// passed on and not remembered.
///
/// A class so that the explorer's recovery closures can add to it; used by one thread (one ``Explorer`` session).
final class DirectoryResultCache<Value> {
    private var results: [Int: Value] = [:]
    /// Answers given from the cache.
    private(set) var hits = 0

    /// The answer of `compute` for the files in `fs`: from the cache when the same names and bytes were seen.
    func value(of fs: SimulatedFileSystem, compute: () throws -> Value) rethrows -> Value {
        let key = Self.hash(fs.snapshotFiles())
        if let known = results[key] {
            hits += 1
            return known
        }
        let answer = try compute()
        results[key] = answer
        return answer
    }

    /// A hash of every path and every byte of `files`.
    static func hash(_ files: [String: [UInt8]]) -> Int {
        var hasher = Hasher()
        for (path, bytes) in files.sorted(by: { $0.key < $1.key }) {
            hasher.combine(path)
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
            hasher.combine(bytes.count)
        }
        return hasher.finalize()
    }
}

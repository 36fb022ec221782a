import VFS

/// Takes a database directory's `LOCK`, as open and repair both must before touching its files.
enum DatabaseLock {
    /// Locks `directory`'s LOCK file (creating it when needed).
    /// - Throws: ``LSMKVError/locked(path:)`` when another process or `Database` holds it; ``LSMKVError/io(_:)``
    ///   for other file-system failures.
    static func acquire(_ directory: String, fileSystem: any FileSystem) throws -> any FileLock {
        do {
            return try fileSystem.lockFile(FileNames.lock(directory))
        } catch let error as FileSystemError where error.code == .locked {
            throw LSMKVError.locked(path: FileNames.lock(directory))
        } catch let error as FileSystemError {
            throw LSMKVError.io(error)
        }
    }
}

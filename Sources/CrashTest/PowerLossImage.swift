import VFS

/// The real-process power loss: the database directory a worker found, plus the ``OperationJournal`` of what it did
/// to its ``SimulatedFileSystem`` until it was killed, become the directory a power loss at that instant leaves,
/// drawn with ``SimulatedFileSystem/crash(seed:model:)`` from a seed: per-sector fates (new, old, zeros, garbage)
/// for every sector written since its file's last sync, each unsynced create, rename and remove surviving or not
/// on its own, renames atomic; or, under the strict model, exactly the durable state.
///
/// The image is a pure function of the directory, the journal, the seed and the model, so a kept failure
/// (`before/`, `journal.bin`, the seed in `replay.json`) rebuilds the same image.
enum PowerLossImage {
    /// The path of the database directory inside the worker's simulated file system.
    static let simulatedDirectory = "/db"

    /// A simulated file system holding every file of `realDirectory` (created when missing), all durable, in
    /// `/db`: what the worker starts from, and what the runner replays the journal onto.
    /// - Throws: ``FileSystemError`` when the real directory cannot be read.
    static func load(realDirectory: String) throws -> SimulatedFileSystem {
        let real = PosixFileSystem()
        let sim = SimulatedFileSystem()
        sim.isTracing = false
        try real.createDirectory(realDirectory)
        try sim.createDirectory(simulatedDirectory)
        for name in try real.listDirectory(realDirectory).sorted() {
            let copy = try sim.createWritable(simulatedDirectory + "/" + name)
            try copy.append(try real.readWholeFile(realDirectory + "/" + name))
            try copy.sync()
            try copy.close()
        }
        try sim.syncDirectory(simulatedDirectory)
        return sim
    }

    /// Replaces the contents of `realDirectory` (the directory the worker started from) with what a crash under
    /// `model` leaves after the changes in `journal`.
    /// - Returns: when a refusal to open with a corruption report at (file, offset) is an honest answer for the
    ///   image (``PreCrashImage/allowsRefusal(file:offset:crashed:)``; files matched by name).
    /// - Throws: a description of what failed (a tester problem).
    @discardableResult
    static func apply(
        journal: [UInt8], to realDirectory: String, seed: UInt64, model: CrashModel
    ) throws -> @Sendable (_ file: String, _ offset: Int) -> Bool {
        let sim = try load(realDirectory: realDirectory)
        try OperationJournal.replay(journal, into: sim)
        let image = PreCrashImage(sim)
        let crashed = sim.crash(seed: seed, model: model)
        let real = PosixFileSystem()
        let files = crashed.durableFiles()
        var keep: Set<String> = []
        for (path, bytes) in files where Path.parent(of: path) == simulatedDirectory {
            let name = Path.name(of: path)
            keep.insert(name)
            let target = realDirectory + "/" + name
            if (try? real.readWholeFile(target)) == bytes { continue }
            let file = try real.createWritable(target)
            try file.append(bytes)
            try file.close()
        }
        for name in try real.listDirectory(realDirectory) where !keep.contains(name) {
            try real.remove(realDirectory + "/" + name)
        }
        return { file, offset in
            guard model == .powerLoss else { return false }
            let path = simulatedDirectory + "/" + Path.name(of: file)
            return image.allowsRefusal(file: path, offset: offset, crashed: files[path] ?? [])
        }
    }
}

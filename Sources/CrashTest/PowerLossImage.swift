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
    ///   With `damagingLog`, one bit of the first record of the newest log is flipped when that record and the
    ///   next one are durable (media damage in the middle of the log: readable records follow it), and a refusal
    ///   naming that log is honest too.
    @discardableResult
    static func apply(
        journal: [UInt8], to realDirectory: String, seed: UInt64, model: CrashModel, damagingLog: Bool = false
    ) throws -> @Sendable (_ file: String, _ offset: Int) -> Bool {
        let sim = try load(realDirectory: realDirectory)
        try OperationJournal.replay(journal, into: sim)
        let image = PreCrashImage(sim)
        let crashed = sim.crash(seed: seed, model: model)
        let real = PosixFileSystem()
        var files = crashed.durableFiles()
        let damaged = damagingLog ? damageFirstLogRecord(&files, durable: image.durable, seed: seed) : nil
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
        let crashedFiles = files
        return { file, offset in
            if let damaged, Path.name(of: file) == Path.name(of: damaged) { return true }
            guard model == .powerLoss else { return false }
            let path = simulatedDirectory + "/" + Path.name(of: file)
            return image.allowsRefusal(file: path, offset: offset, crashed: crashedFiles[path] ?? [])
        }
    }

    /// Damages the first record of the newest log in `files`, when its first two records
    /// lie in one block within the bytes `durable` says were synced. Returns the damaged path, or nil when none
    /// qualifies.
    private static func damageFirstLogRecord(
        _ files: inout [String: [UInt8]], durable: [String: [UInt8]], seed: UInt64
    ) -> String? {
        guard
            let path = files.keys.filter({ $0.hasSuffix(".log") }).max(),
            var bytes = files[path], let synced = durable[path],
            let first = LogRecordLayout.damageableRecords(in: synced).first, first.offset == 0,
            bytes.count >= synced.count, bytes[0..<synced.count] == synced[...]
        else { return nil }
        var random = SplitMix64(seed: seed, stream: 0xda3a6e)
        LogRecordLayout.damage(first, of: &bytes, random: &random)
        files[path] = bytes
        return path
    }

    /// Media damage after a process crash: damages (``LogRecordLayout/damage(_:of:random:)``) a seeded choice among the records of the
    /// newest log in `realDirectory` that have a readable record after them, in place. Every acknowledged write
    /// must survive a process crash, so the damaged record and the readable ones after it are data the engine may
    /// refuse to open over, but never drop silently.
    /// - Returns: the damaged log's path, or nil when no record qualifies.
    /// - Throws: ``FileSystemError`` when the directory or the log cannot be read or written.
    static func damageLog(inRealDirectory realDirectory: String, seed: UInt64) throws -> String? {
        let real = PosixFileSystem()
        guard let name = try real.listDirectory(realDirectory).filter({ $0.hasSuffix(".log") }).max() else {
            return nil
        }
        let path = realDirectory + "/" + name
        var bytes = try real.readWholeFile(path)
        let records = LogRecordLayout.damageableRecords(in: bytes)
        var random = SplitMix64(seed: seed, stream: 0xda3a6f)
        guard !records.isEmpty else { return nil }
        LogRecordLayout.damage(records[random.below(records.count)], of: &bytes, random: &random)
        let file = try real.createWritable(path)
        try file.append(bytes)
        try file.close()
        return path
    }
}

/// Just enough of LevelDB's log format (32 KiB blocks; 7-byte headers: checksum, the length in bytes 4–5, the type
/// in byte 6) for the tester to damage a record on purpose, independently of the engine's reader.
enum LogRecordLayout {
    static let blockSize = 32768
    static let headerSize = 7

    /// The FULL records of `bytes` (offset and payload length) that another complete fragment follows, so damage
    /// in them is damage in the middle of the log, not at its tail. Stops at the first zero or malformed header.
    static func damageableRecords(in bytes: [UInt8]) -> [(offset: Int, length: Int)] {
        var fragments: [(offset: Int, length: Int, type: UInt8)] = []
        var offset = 0
        while offset + headerSize <= bytes.count {
            let left = blockSize - offset % blockSize
            if left < headerSize {
                offset += left
                continue
            }
            let length = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8
            let type = bytes[offset + 6]
            guard (1...4).contains(type), headerSize + length <= left, offset + headerSize + length <= bytes.count
            else { break }
            fragments.append((offset, length, type))
            offset += headerSize + length
        }
        return fragments.dropLast().filter { $0.type == 1 && $0.length > 0 }.map { ($0.offset, $0.length) }
    }

    /// Damages `record`, a FULL record: one time in four its type byte reads as 0 (the type LevelDB reserves for
    /// preallocated space, which a reader must not mistake for padding when the length and checksum say otherwise),
    /// otherwise one seeded bit of its payload flips.
    static func damage(_ record: (offset: Int, length: Int), of bytes: inout [UInt8], random: inout SplitMix64) {
        if random.below(4) == 0 {
            bytes[record.offset + 6] = 0
            return
        }
        let bit = random.below(record.length * 8)
        bytes[record.offset + headerSize + bit / 8] ^= 1 << UInt8(bit % 8)
    }
}

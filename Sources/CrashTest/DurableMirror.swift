import Synchronization
import VFS

/// Power loss for a real worker process: the worker's database runs on a ``SimulatedFileSystem`` (unsynced data
/// and unsynced directory operations live only in its memory), and after every successful `sync` or
/// `syncDirectory` the mirror copies the simulated file system's *durable* state into a real directory. When the
/// process is killed, the real directory holds exactly what a power loss under the strict model keeps: synced
/// data under durable names, nothing else.
///
/// Each changed file is written under a temporary name and renamed into place, so a kill during mirroring leaves
/// every file either old or new. One sync is mirrored file by file, ordered so that references stay resolvable
/// (tables and logs first, then MANIFESTs, then CURRENT, then removals); a kill in the middle of mirroring a
/// directory sync leaves a subset of that sync's entry changes, which a real power loss may also leave (except
/// that a rename may then be seen as both names: the engine only renames a temporary file to CURRENT, so that is
/// a leftover temporary file, which recovery must tolerate anyway).
///
/// Real files are not fsynced: the kill is a process crash for the real disk, which keeps the page cache.
public final class DurableMirror: Sendable {
    /// The file system the worker's database must use.
    public let fileSystem: SimulatedFileSystem
    /// The database directory's path inside ``fileSystem``.
    public let simulatedDirectory = "/db"
    /// The real directory that receives the durable state.
    public let realDirectory: String
    private let mirrored: Mutex<[String: [UInt8]]>
    private let real = PosixFileSystem()
    private static let temporarySuffix = ".mirror-tmp"

    /// Loads every file of `realDirectory` (created when missing) into a new simulated file system, all durable,
    /// and starts mirroring.
    /// - Throws: ``FileSystemError`` when the real directory cannot be read.
    public init(realDirectory: String) throws {
        self.realDirectory = realDirectory
        let sim = SimulatedFileSystem()
        sim.isTracing = false
        try real.createDirectory(realDirectory)
        try sim.createDirectory(simulatedDirectory)
        for name in try real.listDirectory(realDirectory).sorted() {
            let path = realDirectory + "/" + name
            if name.hasSuffix(Self.temporarySuffix) {
                try real.remove(path)
                continue
            }
            let source = try real.openReadable(path)
            defer { source.close() }
            let bytes = try source.read(at: 0, count: try source.size())
            let copy = try sim.createWritable(simulatedDirectory + "/" + name)
            try copy.append(bytes)
            try copy.sync()
            try copy.close()
        }
        try sim.syncDirectory(simulatedDirectory)
        fileSystem = sim
        mirrored = Mutex(sim.durableFiles())
        sim.onOperation = { [weak self] operation in
            guard operation.error == nil, operation.kind == .sync || operation.kind == .syncDirectory else { return }
            self?.mirror()
        }
    }

    /// Copies what became durable since the last call into the real directory.
    /// Errors writing the real directory end the process: a mirror that cannot mirror makes every later verdict
    /// meaningless.
    public func mirror() {
        mirrored.withLock { last in
            let now = fileSystem.durableFiles()
            let changed = now.filter { last[$0.key] != $0.value }.keys.sorted { Self.rank($0) < Self.rank($1) }
            do {
                for path in changed {
                    let target = realDirectory + "/" + Path.name(of: path)
                    let temporary = target + Self.temporarySuffix
                    let file = try real.createWritable(temporary)
                    try file.append(now[path]!)
                    try file.close()
                    try real.rename(temporary, to: target)
                }
                for path in last.keys where now[path] == nil {
                    try real.remove(realDirectory + "/" + Path.name(of: path))
                }
            } catch {
                fatalError("DurableMirror: cannot write the real directory \(realDirectory): \(error)")
            }
            last = now
        }
    }

    /// Mirroring order: data files, then MANIFESTs, then CURRENT (which names a MANIFEST).
    private static func rank(_ path: String) -> (Int, String) {
        let name = Path.name(of: path)
        if name == "CURRENT" { return (2, name) }
        if name.hasPrefix("MANIFEST") { return (1, name) }
        return (0, name)
    }
}

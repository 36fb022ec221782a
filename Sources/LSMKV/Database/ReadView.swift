/// What a read consults, fixed at one instant: the active MemTable, the MemTable being flushed, and the installed
/// version (RocksDB's SuperVersion, Pebble's readState).
///
/// Immutable: the database publishes a new one whenever a MemTable is frozen, a flush is installed or a compaction
/// is installed, and a read loads the current one once. Holding it keeps its version's tables on disk.
final class ReadView: Sendable {
    /// The MemTable taking writes when the view was published.
    let mem: MemTable
    /// The frozen MemTable being flushed, if any.
    let imm: MemTable?
    /// The installed version.
    let version: LiveVersion

    init(mem: MemTable, imm: MemTable?, version: LiveVersion) {
        self.mem = mem
        self.imm = imm
        self.version = version
    }

    /// This view with another active and frozen MemTable.
    func replacing(mem: MemTable, imm: MemTable?) -> ReadView { ReadView(mem: mem, imm: imm, version: version) }

    /// This view with another version and frozen MemTable.
    func replacing(version: LiveVersion, imm: MemTable?) -> ReadView { ReadView(mem: mem, imm: imm, version: version) }
}

import VFS

/// What the disk held just before a simulated crash: the durable bytes of every file and the bytes written to it
/// (page cache included). It lets the tester judge, independently of the engine, whether a corruption report after
/// a power loss is justified.
struct PreCrashImage: Sendable {
    let durable: [String: [UInt8]]
    let written: [String: [UInt8]]

    init(_ fs: SimulatedFileSystem) {
        durable = fs.durableFiles()
        written = fs.snapshotFiles()
    }

    /// The image of a recorded instant.
    init(_ snapshot: SimulatedSnapshot) {
        durable = snapshot.durableFiles()
        written = snapshot.currentFiles()
    }

    /// Whether refusing to open with "damage at `offset` of `file`" is an honest answer for the crashed bytes.
    ///
    /// It is when the damage lies past everything durable in that file, and the crash left a hole there: a sector
    /// at or after the damage differs from what was written, and a later non-zero sector survived exactly as
    /// written. Then readable records follow lost ones and the engine cannot know which were acknowledged. A
    /// damaged tail with nothing intact after it is a torn tail, which must be dropped, never reported.
    func allowsRefusal(file: String, offset: Int, crashed: [UInt8]) -> Bool {
        guard offset >= durable[file]?.count ?? 0, let written = written[file] else { return false }
        let sector = 512
        var start = offset / sector * sector
        var sawDamage = false
        while start < crashed.count {
            let end = min(start + sector, crashed.count)
            let survived = end <= written.count && crashed[start..<end] == written[start..<end]
            if !survived {
                sawDamage = true
            } else if sawDamage && crashed[start..<end].contains(where: { $0 != 0 }) {
                return true
            }
            start = end
        }
        return false
    }
}

/// One planned compaction: which tables are merged and where the result goes.
///
/// Inputs come from one or more levels; the output goes to `outputLevel`, which is never level 0, so a
/// compaction output never competes with flushed tables in LevelDB's level-0 order (newest file number first).
/// The planners keep two invariants LevelDB's reads rely on: files in a level from 1 up do not overlap, and for any
/// key, data in a shallower level (or in level 0) is newer than data in a deeper one.
struct Compaction: Sendable {
    /// The input files by level, shallowest level first.
    var inputs: [(level: Int, files: [FileMetadata])]
    /// The level the merged tables are written to.
    var outputLevel: Int
    /// With a single input file and nothing to merge it with: move it to `outputLevel` by editing the MANIFEST,
    /// without rewriting it.
    var isTrivialMove = false
    /// Files of the level below `outputLevel` (leveled only): outputs are cut so that none overlaps too many of
    /// them, which keeps the next compaction small.
    var grandparents: [FileMetadata] = []
    /// The round-robin position to record for the level compacted (leveled only).
    var compactPointer: (level: Int, key: [UInt8])?
    /// Why it was chosen, for statistics and logs.
    var reason: String

    /// Every input file.
    var inputFiles: [FileMetadata] { inputs.flatMap(\.files) }

    /// The bytes read by this compaction.
    var inputBytes: Int { inputFiles.reduce(0) { $0 + $1.size } }

    /// The edit that removes the inputs, before the outputs are added.
    func baseEdit() -> VersionEdit {
        var edit = VersionEdit()
        for (level, files) in inputs {
            for file in files { edit.deleteFile(level: level, number: file.number) }
        }
        if let compactPointer { edit.compactPointers.append(compactPointer) }
        return edit
    }
}

/// The user-key range covered by `files` (nil when there are none).
func userKeyRange(of files: [FileMetadata]) -> (smallest: [UInt8], largest: [UInt8])? {
    guard var smallest = files.first.map({ InternalKey.userKey($0.smallest) }) else { return nil }
    var largest = InternalKey.userKey(files[0].largest)
    for file in files.dropFirst() {
        let low = InternalKey.userKey(file.smallest)
        let high = InternalKey.userKey(file.largest)
        if Bytes.compare(low, smallest) < 0 { smallest = low }
        if Bytes.compare(high, largest) > 0 { largest = high }
    }
    return (smallest, largest)
}

/// Answers "may a level deeper than the output hold this user key?" for ascending user keys, in amortized constant
/// time: when none may, a tombstone for the key has nothing left to hide and can be dropped.
struct DeeperLevelsCursor {
    private let levels: [[FileMetadata]]
    private var positions: [Int]

    init(version: Version, below outputLevel: Int) {
        levels = Array(version.levels.dropFirst(outputLevel + 1))
        positions = Array(repeating: 0, count: levels.count)
    }

    /// Whether a deeper level has a file whose range covers `userKey`. Calls must pass non-decreasing keys.
    mutating func mayContain(_ userKey: [UInt8]) -> Bool {
        for index in levels.indices {
            let files = levels[index]
            while positions[index] < files.count {
                let file = files[positions[index]]
                if Bytes.compare(userKey, InternalKey.userKey(file.largest)) <= 0 {
                    if Bytes.compare(userKey, InternalKey.userKey(file.smallest)) >= 0 { return true }
                    break
                }
                positions[index] += 1
            }
        }
        return false
    }
}

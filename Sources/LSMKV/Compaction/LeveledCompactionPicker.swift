/// Chooses compactions the way LevelDB does.
///
/// - Level 0 is merged into level 1 when it holds ``Options/level0CompactionTrigger`` tables. The oldest level-0
///   table is taken with every level-0 table its key range reaches, directly or through others (LevelDB's
///   expansion): leaving an older overlapping one behind would let it shadow newer data that moved down, while a
///   table that shares no key with the chosen ones may stay. Sequential writes flush disjoint tables, so one moves
///   down alone, without being rewritten.
/// - Level N (1–5) is merged into N+1 when its bytes pass its target; the file after the level's compaction pointer
///   is chosen (round robin over the key space), with the files of N+1 it overlaps.
/// - A single file that overlaps nothing in the next level, and not too much of the one after, is moved down by a
///   MANIFEST edit instead of being rewritten.
struct LeveledCompactionPicker {
    var options: Options

    /// The bytes `level` (1 up) may hold before it is compacted.
    func maxBytes(level: Int) -> Double {
        var result = Double(options.maxBytesForLevelBase)
        if level > 1 {
            for _ in 2...level { result *= Double(options.levelSizeMultiplier) }
        }
        return result
    }

    /// Each level's need for compaction: at least 1 means it needs one. Level 6, the last, has none.
    func scores(_ version: Version) -> [Double] {
        var scores = [Double(version.levels[0].count) / Double(max(options.level0CompactionTrigger, 1))]
        for level in 1..<(Version.levelCount - 1) {
            scores.append(Double(version.bytes(level: level)) / maxBytes(level: level))
        }
        return scores
    }

    /// Bytes that compaction is behind by: level 0 when it is due, and each level's excess over its target.
    func pendingBytes(_ version: Version) -> Int {
        var pending = version.levels[0].count >= options.level0CompactionTrigger ? version.bytes(level: 0) : 0
        for level in 1..<(Version.levelCount - 1) {
            pending += max(0, version.bytes(level: level) - Int(maxBytes(level: level)))
        }
        return pending
    }

    /// The most urgent compaction: a level over its limit, else the table point reads keep missing in
    /// (`seekCandidate`, from ``SeekCompactionTracker``); nil when there is neither.
    func pick(
        _ version: Version, compactPointers: [Int: [UInt8]], seekCandidate: (level: Int, file: FileMetadata)? = nil
    ) -> Compaction? {
        let scores = scores(version)
        guard let best = scores.indices.max(by: { scores[$0] < scores[$1] }), scores[best] >= 1 else {
            guard let (level, file) = seekCandidate else { return nil }
            let inputs = level == 0 ? Self.level0Inputs(version, reaching: file) : [file]
            return plan(level: level, inputs: inputs, version, reason: "seeks")
        }
        let inputs: [FileMetadata]
        if best == 0, let oldest = version.levels[0].last {
            inputs = Self.level0Inputs(version, reaching: oldest)
        } else {
            let files = version.levels[best]
            let pointer = compactPointers[best]
            let next = files.first { file in pointer.map { InternalKey.compare(file.largest, $0) > 0 } ?? true }
            inputs = addBoundaryInputs(level: best, [next ?? files[0]], version)
        }
        return plan(level: best, inputs: inputs, version, reason: best == 0 ? "level-0 file count" : "level size")
    }

    /// `start` (the oldest level-0 table, for a size compaction) and every level-0 table that overlaps it, directly
    /// or through another chosen one, newest first. Every level-0 table left behind shares no user key with the
    /// chosen ones.
    static func level0Inputs(_ version: Version, reaching start: FileMetadata) -> [FileMetadata] {
        var range = (smallest: InternalKey.userKey(start.smallest), largest: InternalKey.userKey(start.largest))
        // A table that widens the range may reach others: repeat until the range stops growing.
        while true {
            let inputs = version.overlappingFiles(level: 0, smallest: range.smallest, largest: range.largest)
            guard let reached = userKeyRange(of: inputs), reached != range else { return inputs }
            range = reached
        }
    }

    /// The compactions that push every file overlapping `range` down to the deepest level holding data, one level at
    /// a time (LevelDB's `CompactRange`). Each must be planned against the version the previous one left.
    func manual(level: Int, range: KeyRange, _ version: Version) -> Compaction? {
        var inputs = version.overlappingFiles(level: level, smallest: range.start, largest: range.end)
        if inputs.isEmpty { return nil }
        if level == 0 {
            inputs = version.levels[0]
        } else {
            inputs = addBoundaryInputs(level: level, inputs, version)
        }
        var compaction = plan(level: level, inputs: inputs, version, reason: "manual")
        compaction.compactPointer = nil
        compaction.isTrivialMove = false  // like LevelDB: a manual compaction rewrites, so tombstones are dropped
        return compaction
    }

    /// A rewrite in place of the files of `level` (the deepest holding data) overlapping `range`: it drops versions
    /// and tombstones that nothing needs any more, which no compaction into a deeper level will ever do for them
    /// (RocksDB's forced bottommost compaction). The files overlapping a range are adjacent in the level, so the
    /// outputs cover exactly the inputs' span and overlap no other file.
    func manualInPlace(level: Int, range: KeyRange, _ version: Version) -> Compaction? {
        let files = version.overlappingFiles(level: level, smallest: range.start, largest: range.end)
        guard !files.isEmpty else { return nil }
        return Compaction(
            inputs: [(level, addBoundaryInputs(level: level, files, version))], outputLevel: level, reason: "manual")
    }

    /// Builds the compaction of `inputs` (from `level`) into `level + 1`.
    private func plan(level: Int, inputs: [FileMetadata], _ version: Version, reason: String) -> Compaction {
        var lower = inputs
        var range = userKeyRange(of: lower)!
        var upper = overlapping(level + 1, range, version)
        // Grow the upper-level inputs when that does not pull in more files below: the same merge, more progress.
        if level > 0, let all = userKeyRange(of: lower + upper) {
            let expanded = addBoundaryInputs(
                level: level,
                version.overlappingFiles(
                    level: level, smallest: all.smallest, largest: all.largest), version)
            let expandedBytes = (expanded + upper).reduce(0) { $0 + $1.size }
            if expanded.count > lower.count && expandedBytes < 25 * options.targetFileSize {
                let expandedRange = userKeyRange(of: expanded)!
                if overlapping(level + 1, expandedRange, version).count == upper.count {
                    lower = expanded
                    range = expandedRange
                    upper = overlapping(level + 1, range, version)
                }
            }
        }
        var compaction = Compaction(
            inputs: [(level, lower), (level + 1, upper)], outputLevel: level + 1, reason: reason)
        if level + 2 < Version.levelCount, let all = userKeyRange(of: lower + upper) {
            compaction.grandparents = version.overlappingFiles(
                level: level + 2, smallest: all.smallest, largest: all.largest)
        }
        let largest = lower.max { InternalKey.compare($0.largest, $1.largest) < 0 }!.largest
        compaction.compactPointer = (level, largest)
        let grandparentBytes = compaction.grandparents.reduce(0) { $0 + $1.size }
        compaction.isTrivialMove =
            lower.count == 1 && upper.isEmpty && grandparentBytes <= maxGrandparentOverlapBytes
        return compaction
    }

    /// The most bytes of the level below the output that one output table may overlap.
    var maxGrandparentOverlapBytes: Int { 10 * options.targetFileSize }

    private func overlapping(_ level: Int, _ range: (smallest: [UInt8], largest: [UInt8]), _ version: Version)
        -> [FileMetadata]
    {
        guard level < Version.levelCount else { return [] }
        return addBoundaryInputs(
            level: level, version.overlappingFiles(level: level, smallest: range.smallest, largest: range.largest),
            version)
    }

    /// Adds the files of `level` that hold other versions of a chosen file's last user key. Without them an older
    /// version of that key would stay behind in `level` while a newer one moves down, and reads would find the
    /// old one first. (LevelDB-written databases can split a user key across files; ours never do.)
    private func addBoundaryInputs(level: Int, _ files: [FileMetadata], _ version: Version) -> [FileMetadata] {
        guard level > 0 else { return files }
        var chosen = files
        while true {
            guard let largest = chosen.max(by: { InternalKey.compare($0.largest, $1.largest) < 0 })?.largest
            else { return chosen }
            let next = version.levels[level].filter { file in
                !chosen.contains { $0.number == file.number }
                    && InternalKey.compareUserKeys(file.smallest, largest) == 0
                    && InternalKey.compare(file.smallest, largest) > 0
            }.min { InternalKey.compare($0.smallest, $1.smallest) < 0 }
            guard let next else { return chosen }
            chosen.append(next)
        }
    }
}

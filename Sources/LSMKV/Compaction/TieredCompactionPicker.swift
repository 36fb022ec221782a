/// Chooses size-tiered compactions (RocksDB's "universal" style) within LevelDB's directory layout.
///
/// The tree is a list of sorted runs, newest first: each level-0 table (highest file number first), then each
/// non-empty level from 1 to 6, one run per level. A merge takes runs that are adjacent in age and puts the result
/// where it keeps that order, so LevelDB's reads (level 0 newest number first, then level 1, 2, …) still find the
/// newest version first:
/// - a span ending in a run at level N (N ≥ 1) is written to level N;
/// - a span of level-0 tables that ends with the oldest one is written to the empty level just above the first
///   non-empty one (level 6 when all are empty); when level 1 is taken, the span is extended to include it.
/// A span of level-0 tables that leaves an older level-0 table behind is never chosen: its output, with a higher
/// file number or a deeper level, would be read in the wrong order.
struct TieredCompactionPicker {
    var options: Options

    /// A sorted run: one level-0 table, or all the files of one level from 1 up.
    struct Run {
        var level: Int
        var files: [FileMetadata]
        var bytes: Int { files.reduce(0) { $0 + $1.size } }
    }

    /// The runs of `version`, newest first.
    static func runs(_ version: Version) -> [Run] {
        var runs = version.levels[0].map { Run(level: 0, files: [$0]) }
        for level in 1..<Version.levelCount where !version.levels[level].isEmpty {
            runs.append(Run(level: level, files: version.levels[level]))
        }
        return runs
    }

    /// Bytes that compaction is behind by: every run but the oldest, once there are enough runs to merge.
    func pendingBytes(_ version: Version) -> Int {
        let runs = Self.runs(version)
        guard runs.count >= options.level0CompactionTrigger else { return 0 }
        return runs.dropLast().reduce(0) { $0 + $1.bytes }
    }

    /// The next merge, or nil when there are fewer runs than ``Options/level0CompactionTrigger``.
    func pick(_ version: Version) -> Compaction? {
        let runs = Self.runs(version)
        guard runs.count >= max(options.level0CompactionTrigger, 2) else { return nil }
        // 1. Space amplification: everything newer than the oldest run is too large a share; merge it all.
        let newer = runs.dropLast().reduce(0) { $0 + $1.bytes }
        let oldest = max(runs.last!.bytes, 1)
        if newer * 100 > oldest * options.tieredMaxSpaceAmplificationPercent {
            return plan(runs, 0..<runs.count, version, reason: "space amplification")
        }
        // 2. Size ratio: from the newest run, take older runs while each is not much larger than those taken.
        for start in runs.indices {
            var total = runs[start].bytes
            var end = start + 1
            while end < runs.count, runs[end].bytes * 100 <= total * (100 + options.tieredSizeRatioPercent) {
                total += runs[end].bytes
                end += 1
            }
            if end - start >= 2 { return plan(runs, start..<end, version, reason: "size ratio") }
        }
        // 3. Too many runs: merge the newest ones, enough to get below the trigger.
        let count = runs.count - options.level0CompactionTrigger + 2
        return plan(runs, 0..<min(max(count, 2), runs.count), version, reason: "run count")
    }

    /// A full merge of every run into one at the last level (a manual compaction), even of a single run, so that
    /// versions and tombstones nothing needs any more are dropped.
    func manual(_ version: Version) -> Compaction? {
        let runs = Self.runs(version)
        guard !runs.isEmpty else { return nil }
        var compaction = plan(runs, 0..<runs.count, version, reason: "manual")
        compaction.outputLevel = Version.levelCount - 1
        compaction.isTrivialMove = false  // a manual compaction rewrites, so tombstones are dropped
        return compaction
    }

    /// The merge of `runs[span]`, with the span extended to older runs until its output has a place that keeps the
    /// runs in age order: a span ending in a level-0 table takes every older level-0 table too.
    private func plan(_ runs: [Run], _ span: Range<Int>, _ version: Version, reason: String) -> Compaction {
        var end = span.upperBound
        if runs[end - 1].level == 0 {
            while end < runs.count && runs[end].level == 0 { end += 1 }
        }
        let outputLevel: Int
        if runs[end - 1].level > 0 {
            outputLevel = runs[end - 1].level
        } else if end == runs.count {
            outputLevel = Version.levelCount - 1
        } else if runs[end].level > 1 {
            outputLevel = runs[end].level - 1
        } else {
            outputLevel = 1
            end += 1
        }
        let chosen = runs[span.lowerBound..<end]
        var inputs: [(level: Int, files: [FileMetadata])] = []
        for run in chosen {
            if run.level == 0, let last = inputs.last, last.level == 0 {
                inputs[inputs.count - 1].files.append(contentsOf: run.files)
            } else {
                inputs.append((run.level, run.files))
            }
        }
        var compaction = Compaction(inputs: inputs, outputLevel: outputLevel, reason: reason)
        compaction.isTrivialMove = chosen.count == 1 && chosen.first!.level == 0 && chosen.first!.files.count == 1
        return compaction
    }
}

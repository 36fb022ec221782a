import Foundation
import LSMKV

/// `lsmkv stats [--space]`: the shape of the tree (files and bytes per level), bytes on disk, and with `--space`
/// the live data and the space amplification (bytes on disk / bytes of live keys and values, which needs a scan).
enum StatsCommand {
    static func run(_ invocation: LSMKVCommand.Invocation) throws -> Int32 {
        let space = try invocation.hasOnlyFlag("--space", usage: "stats takes only --space")
        let db = try LSMKVCommand.openDatabase(invocation)
        defer { try? db.close() }
        print(shape(db))
        let onDisk = try bytesOnDisk(invocation.directory)
        print("bytes on disk:        \(onDisk) (every file in the directory)")
        if space {
            var live = 0
            var keys = 0
            let iterator = try db.makeIterator()
            while let (key, value) = try iterator.next() {
                live += key.count + value.count
                keys += 1
            }
            print("live keys:            \(keys)")
            print("live bytes:           \(live) (keys + values)")
            print("space amplification:  \(live == 0 ? "-" : String(format: "%.2f", Double(onDisk) / Double(live)))")
        }
        let stats = db.statistics
        print("compaction strategy:  \(try LSMKVCommand.compactionStrategy(invocation).rawValue)")
        print(
            "since open:           \(stats.compactions) compactions, \(stats.trivialMoves) trivial moves, "
                + "\(stats.compactionBytesWritten) bytes written by compaction")
        return 0
    }

    /// One line per level holding files, then the total.
    static func shape(_ db: Database) -> String {
        var lines = ["level  files        bytes"]
        for level in db.levels where level.files > 0 {
            lines.append(
                String(level.level).leftPadded(5) + String(level.files).leftPadded(7)
                    + String(level.bytes).leftPadded(13))
        }
        let files = db.levels.reduce(0) { $0 + $1.files }
        let bytes = db.levels.reduce(0) { $0 + $1.bytes }
        lines.append("total" + String(files).leftPadded(7) + String(bytes).leftPadded(13))
        return lines.joined(separator: "\n")
    }

    static func bytesOnDisk(_ directory: String) throws -> Int {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        return names.reduce(0) { total, name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)
            return total + ((attributes?[.size] as? NSNumber)?.intValue ?? 0)
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

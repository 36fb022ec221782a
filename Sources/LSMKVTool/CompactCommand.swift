import Foundation
import LSMKV

/// `lsmkv compact [--from K] [--to K]`: a manual compaction of the keys from K through K (both inclusive; all keys
/// by default), printing the tree before and after.
enum CompactCommand {
    static func run(_ invocation: LSMKVCommand.Invocation, _ codec: ByteCodec) throws -> Int32 {
        var range = KeyRange.all
        let args = invocation.arguments
        var index = 0
        while index < args.count {
            guard index + 1 < args.count else { throw LSMKVCommand.UsageError(message: "\(args[index]) needs a key") }
            switch args[index] {
            case "--from": range.start = try codec.decode(args[index + 1])
            case "--to": range.end = try codec.decode(args[index + 1])
            default: throw LSMKVCommand.UsageError(message: "unknown compact option \(args[index])")
            }
            index += 2
        }
        let db = try LSMKVCommand.openDatabase(invocation)
        print("before:\n" + StatsCommand.shape(db))
        let start = Date()
        try db.compact(range: range)
        let seconds = Date().timeIntervalSince(start)
        print("after (\(String(format: "%.2f", seconds)) s):\n" + StatsCommand.shape(db))
        try db.close()
        return 0
    }
}

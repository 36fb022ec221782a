import Foundation
import LSMKV

/// `lsmkv dump FILE [--hex]`: decodes a log, table or MANIFEST for a person. Exit 1 when it does not decode.
enum DumpCommand {
    static func run(_ invocation: LSMKVCommand.Invocation) throws -> Int32 {
        guard invocation.arguments.count == 1 else { throw LSMKVCommand.UsageError(message: "dump takes FILE") }
        let path = invocation.arguments[0]
        do {
            let text = try FileDump.dump(path: path, forceHex: invocation.hex)
            FileHandle.standardOutput.write(Data(text.utf8))
            return 0
        } catch let failure as FileDump.Failure {
            FileHandle.standardOutput.write(Data(failure.partialOutput.utf8))
            FileHandle.standardError.write(Data("lsmkv: \(path) does not decode: \(failure)\n".utf8))
            return 1
        } catch {
            FileHandle.standardError.write(Data("lsmkv: \(path) does not decode: \(error)\n".utf8))
            return 1
        }
    }
}

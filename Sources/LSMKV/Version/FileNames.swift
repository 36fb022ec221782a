import VFS

/// The names LevelDB gives the files of a database directory.
enum FileNames {
    enum Kind: Equatable {
        case log(UInt64)
        case table(UInt64)
        case manifest(UInt64)
        case current
        case lock
        case temp(UInt64)
        case infoLog
    }

    static func log(_ directory: String, _ number: UInt64) -> String {
        Path.join(directory, numbered(number) + ".log")
    }
    static func table(_ directory: String, _ number: UInt64) -> String {
        Path.join(directory, numbered(number) + ".ldb")
    }
    /// LevelDB also reads tables named `.sst` (older LevelDB versions and RocksDB wrote them).
    static func legacyTable(_ directory: String, _ number: UInt64) -> String {
        Path.join(directory, numbered(number) + ".sst")
    }
    static func manifest(_ directory: String, _ number: UInt64) -> String {
        Path.join(directory, "MANIFEST-" + numbered(number))
    }
    static func current(_ directory: String) -> String { Path.join(directory, "CURRENT") }
    static func lock(_ directory: String) -> String { Path.join(directory, "LOCK") }
    static func temp(_ directory: String, _ number: UInt64) -> String {
        Path.join(directory, numbered(number) + ".dbtmp")
    }

    /// `000123`: at least six digits, as LevelDB pads them.
    static func numbered(_ number: UInt64) -> String {
        let digits = String(number)
        return digits.count >= 6 ? digits : String(repeating: "0", count: 6 - digits.count) + digits
    }

    /// What a directory entry is, or nil for names that are not the database's.
    static func parse(_ name: String) -> Kind? {
        switch name {
        case "CURRENT": return .current
        case "LOCK": return .lock
        case "LOG", "LOG.old": return .infoLog
        default: break
        }
        if name.hasPrefix("MANIFEST-") {
            guard let number = UInt64(name.dropFirst("MANIFEST-".count)) else { return nil }
            return .manifest(number)
        }
        guard let dot = name.firstIndex(of: "."), let number = UInt64(name[..<dot]) else { return nil }
        switch name[name.index(after: dot)...] {
        case "log": return .log(number)
        case "ldb", "sst": return .table(number)
        case "dbtmp": return .temp(number)
        default: return nil
        }
    }
}

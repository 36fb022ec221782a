import VFS

/// Recovered contents of crash images already checked, found again for images the recovery cannot tell apart.
///
/// The engine is deterministic and sees the disk only through the file system's answers. So two crash images
/// with the same file names and sizes, whose bytes agree in every file the check *read* (under any name the file
/// had during the check, renames followed), make the check take exactly the same steps and reach exactly the same
/// verdict and contents. The check of the first image tells, from its operation trace, which files it read (its
/// *footprint*); a later image that matches it on names, sizes and the footprint's bytes reuses the result and is
/// judged only by the oracle against its own history. Files the check never read (a table whose MANIFEST edit did
/// not survive, a log that an older flush made obsolete) then multiply no work.
///
/// Only fully passing checks are kept: a violation is reported, not reused, and an honest refusal to open
/// depends on the bytes of the damage.
struct RecoveryCache {
    /// Per shape (names and sizes), the footprints seen, each a sorted list of original file paths.
    private var footprints: [Int: [[String]]] = [:]
    /// Recovered contents by (shape, footprint, footprint bytes) hash, each with the number of its insertion.
    private var results: [Int: (id: Int, contents: [[UInt8]: [UInt8]])] = [:]
    /// Results inserted: the next result's id.
    private var inserted = 0
    /// Lookups answered.
    private(set) var hits = 0

    /// The contents a check of `files` (a crash image) would recover, when an indistinguishable image passed, and
    /// the id of that result (equal ids: equal contents, so one oracle verdict per history serves them all).
    mutating func lookup(_ files: [String: [UInt8]]) -> (id: Int, contents: [[UInt8]: [UInt8]])? {
        let shape = Self.shape(files)
        for footprint in footprints[shape] ?? [] {
            if let result = results[Self.key(shape, footprint, files)] {
                hits += 1
                return result
            }
        }
        return nil
    }

    /// Keeps the result of a passing check of `files`, whose operations were `trace`.
    mutating func insert(_ files: [String: [UInt8]], trace: [FileSystemOperation], contents: [[UInt8]: [UInt8]]) {
        let shape = Self.shape(files)
        let footprint = Self.footprint(of: files, trace: trace)
        if !(footprints[shape]?.contains(footprint) ?? false) { footprints[shape, default: []].append(footprint) }
        results[Self.key(shape, footprint, files)] = (inserted, contents)
        inserted += 1
    }

    /// A hash of every path and size.
    static func shape(_ files: [String: [UInt8]]) -> Int {
        var hasher = Hasher()
        for (path, bytes) in files.sorted(by: { $0.key < $1.key }) {
            hasher.combine(path)
            hasher.combine(bytes.count)
        }
        return hasher.finalize()
    }

    static func key(_ shape: Int, _ footprint: [String], _ files: [String: [UInt8]]) -> Int {
        var hasher = Hasher()
        hasher.combine(shape)
        hasher.combine(footprint)
        for path in footprint { files[path]?.withUnsafeBytes { hasher.combine(bytes: $0) } }
        return hasher.finalize()
    }

    /// The original files of `files` that `trace` read, under any name they had when read: names are followed
    /// through renames, and a name is forgotten when the file is removed, replaced or truncated by a create.
    static func footprint(of files: [String: [UInt8]], trace: [FileSystemOperation]) -> [String] {
        var current: [String: String] = [:]
        // Every name each original file had: the originals a read under a name may have read.
        var originals: [String: Set<String>] = [:]
        for path in files.keys {
            current[path] = path
            originals[path] = [path]
        }
        var read = Set<String>()
        for operation in trace {
            switch operation.kind {
            case .rename:
                guard let destination = operation.destination, operation.error == nil else { continue }
                let moved = current.removeValue(forKey: operation.path)
                current[destination] = moved
                if let moved { originals[destination, default: []].insert(moved) }
            case .createWritable, .remove:
                if operation.error == nil { current[operation.path] = nil }
            case .read:
                if let names = originals[operation.path] { read.formUnion(names) }
            default:
                continue
            }
        }
        return read.sorted()
    }
}

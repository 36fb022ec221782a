/// An immutable set of live table files, by level: what a read consults after the MemTables.
///
/// Level 0 holds flushed MemTables, whose key ranges may overlap; it is kept newest first (highest file number
/// first), so the first hit wins. Levels 1 and up hold files with disjoint key ranges, sorted by key.
struct Version: Sendable {
    static let levelCount = VersionEdit.levelCount

    private(set) var levels: [[FileMetadata]] = Array(repeating: [], count: Version.levelCount)

    /// All files of all levels.
    var allFiles: [FileMetadata] { levels.flatMap { $0 } }

    /// The number of files in each level.
    var fileCounts: [Int] { levels.map(\.count) }

    /// This version with `edit`'s deletions and additions applied.
    /// - Throws: corruption when the edit deletes a file the version does not hold or adds a duplicate.
    func applying(_ edit: VersionEdit, manifest: String) throws -> Version {
        var result = self
        for (level, number) in edit.deletedFiles {
            guard let index = result.levels[level].firstIndex(where: { $0.number == number }) else {
                throw LSMKVError.corruption(
                    file: manifest, offset: 0, reason: "edit deletes file \(number) which level \(level) does not hold")
            }
            result.levels[level].remove(at: index)
        }
        for (level, file) in edit.newFiles {
            if result.levels.contains(where: { $0.contains { $0.number == file.number } }) {
                throw LSMKVError.corruption(
                    file: manifest, offset: 0, reason: "edit adds file \(file.number) twice")
            }
            result.levels[level].append(file)
        }
        for level in 0..<Version.levelCount {
            if level == 0 {
                result.levels[0].sort { $0.number > $1.number }
            } else {
                result.levels[level].sort { InternalKey.compare($0.smallest, $1.smallest) < 0 }
                // Reads binary-search these levels: an overlap would hide keys, so refuse it outright.
                for (previous, next) in zip(result.levels[level], result.levels[level].dropFirst())
                where InternalKey.compare(previous.largest, next.smallest) >= 0 {
                    throw LSMKVError.corruption(
                        file: manifest, offset: 0,
                        reason: "tables \(previous.number) and \(next.number) overlap in level \(level)")
                }
            }
        }
        return result
    }

    /// Calls `visit` with each file that may hold `userKey`, in the order a read must consult them (newest data
    /// first), until `visit` returns false. Files are visited in place: a point read copies no metadata.
    func forEachFile(
        possiblyContaining userKey: [UInt8], _ visit: (_ file: borrowing FileMetadata, _ level: Int) throws -> Bool
    ) rethrows {
        for file in levels[0] where covers(file, userKey) {
            guard try visit(file, 0) else { return }
        }
        for level in 1..<Version.levelCount {
            let files = levels[level]
            // Binary search for the first file whose largest key is >= userKey.
            var low = 0
            var high = files.count
            while low < high {
                let mid = (low + high) / 2
                if InternalKey.compareUserKey(of: files[mid].largest, with: userKey) < 0 {
                    low = mid + 1
                } else {
                    high = mid
                }
            }
            if low < files.count && covers(files[low], userKey) {
                guard try visit(files[low], level) else { return }
            }
        }
    }

    private func covers(_ file: FileMetadata, _ userKey: [UInt8]) -> Bool {
        InternalKey.compareUserKey(of: file.smallest, with: userKey) <= 0
            && InternalKey.compareUserKey(of: file.largest, with: userKey) >= 0
    }

    /// The bytes of the tables in `level`.
    func bytes(level: Int) -> Int { levels[level].reduce(0) { $0 + $1.size } }

    /// The files of `level` whose user-key range intersects `[smallest, largest]` (user keys; nil is unbounded).
    func overlappingFiles(level: Int, smallest: [UInt8]?, largest: [UInt8]?) -> [FileMetadata] {
        levels[level].filter { file in
            if let smallest, Bytes.compare(InternalKey.userKey(file.largest), smallest) < 0 { return false }
            if let largest, Bytes.compare(InternalKey.userKey(file.smallest), largest) > 0 { return false }
            return true
        }
    }

    /// The edit that recreates this version from nothing: the first record of a new MANIFEST.
    func snapshotEdit() -> VersionEdit {
        var edit = VersionEdit()
        for (level, files) in levels.enumerated() {
            for file in files { edit.addFile(level: level, file) }
        }
        return edit
    }
}

import VFS

extension Repairer {
    /// Whether two tables hold some user key in common range: then level 0 must list the newer one first.
    static func keyRangesOverlap(_ a: Candidate, _ b: Candidate) -> Bool {
        InternalKey.compareUserKeys(a.smallest, b.largest) <= 0
            && InternalKey.compareUserKeys(b.smallest, a.largest) <= 0
    }

    /// Whether no file-number order of the two is right for every key: their key ranges overlap and so do their
    /// sequence ranges (for example a compaction's output left beside its inputs).
    static func cannotBeOrdered(_ a: Candidate, _ b: Candidate) -> Bool {
        keyRangesOverlap(a, b) && a.sequences.overlaps(b.sequences)
    }

    /// Merges every set of tables that cannot be ordered into one table, until none is left. Level 0 answers a
    /// read from the first table (highest file number) that holds the key, so two overlapping tables must not
    /// both hold the newer version of some key.
    mutating func mergeUnorderableTables() throws {
        // Each group's hull (key range and sequence range) decides conflicts; merging can create new ones.
        var groups: [(hull: Candidate, members: [Candidate])] = candidates.map { ($0, [$0]) }
        var changed = true
        while changed {
            changed = false
            search: for i in groups.indices {
                for j in groups.indices where j > i && Self.cannotBeOrdered(groups[i].hull, groups[j].hull) {
                    let other = groups.remove(at: j)
                    groups[i].members += other.members
                    groups[i].hull = Self.hull(groups[i].hull, other.hull)
                    changed = true
                    break search
                }
            }
        }
        var result: [Candidate] = []
        for group in groups {
            guard group.members.count > 1 else {
                result.append(group.members[0])
                continue
            }
            result.append(try merge(group.members))
        }
        candidates = result
    }

    /// Writes the entries of `members` into one new table (an entry found twice is kept once).
    private mutating func merge(_ members: [Candidate]) throws -> Candidate {
        let number = newFileNumber()
        let writer = try RepairTableWriter(repairer: self, number: number)
        var files: [any ReadableFile] = []
        defer { for file in files { file.close() } }
        var children: [InternalIterator] = []
        for member in members {
            let file = try LSMKVError.wrappingIO { try fileSystem.openReadable(path(member.name)) }
            files.append(file)
            let table = try TableReader.open(
                file: file, fileSize: member.size, options: TableReaderOptions(useFilter: false))
            children.append(table.makeIterator())
        }
        let merging = MergingIterator(children)
        try merging.seekToFirst()
        while merging.isValid {
            try writer.add(merging.key, merging.value)
            try merging.next()
        }
        guard let merged = try writer.finish(origin: .merged, sources: members.flatMap(\.sources)) else {
            throw LSMKVError.corruption(file: path(members[0].name), offset: 0, reason: "merged tables hold no entry")
        }
        for member in members {
            if member.writtenByRepair {
                // A copy repair itself made a moment ago; its entries are all in the merged table.
                try LSMKVError.wrappingIO { try fileSystem.remove(path(member.name)) }
            } else {
                let reason = "overlaps other tables in keys and sequence numbers; its entries were merged and"
                pendingLost.append((member.name, reason, merged.name))
            }
        }
        return merged
    }

    /// The smallest candidate-shaped description covering both: key range and sequence range.
    private static func hull(_ a: Candidate, _ b: Candidate) -> Candidate {
        var result = a
        if InternalKey.compare(b.smallest, a.smallest) < 0 { result.smallest = b.smallest }
        if InternalKey.compare(b.largest, a.largest) > 0 { result.largest = b.largest }
        result.sequences =
            min(
                a.sequences.lowerBound, b.sequences.lowerBound)...max(
                a.sequences.upperBound, b.sequences.upperBound)
        return result
    }

    /// Gives the tables file numbers in the order of their data's age when their current numbers are not already
    /// in that order for every pair that overlaps. Older data gets the lower number; tables renamed keep their
    /// contents.
    mutating func assignFileNumbers() throws {
        candidates.sort {
            ($0.sequences.upperBound, $0.sequences.lowerBound, $0.number)
                < ($1.sequences.upperBound, $1.sequences.lowerBound, $1.number)
        }
        // Two tables with one number (000005.ldb beside 000005.sst) must be renumbered too.
        var ordered = Set(candidates.map(\.number)).count == candidates.count
        check: for i in candidates.indices {
            for j in candidates.indices where j > i && Self.keyRangesOverlap(candidates[i], candidates[j]) {
                if candidates[i].number > candidates[j].number {
                    ordered = false
                    break check
                }
            }
        }
        if ordered {
            candidates.sort { $0.number < $1.number }
            return
        }
        for i in candidates.indices {
            let number = newFileNumber()
            let name = FileNames.numbered(number) + ".ldb"
            let old = candidates[i].name
            try LSMKVError.wrappingIO { try fileSystem.rename(path(old), to: path(name)) }
            if !candidates[i].writtenByRepair { report.renamed.append((old, name)) }
            finalNames[old] = name
            candidates[i].name = name
            candidates[i].number = number
        }
    }
}

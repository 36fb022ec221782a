import VFS

/// What the verifier learned from the MANIFEST: the final version and the numbers it records.
struct VerifiedManifest {
    var name: String
    var number: UInt64
    var version: Version
    var logNumber: UInt64
    var previousLogNumber: UInt64
    var lastSequence: SequenceNumber
}

extension Verifier {
    /// Decodes the MANIFEST record by record. Mid-file damage is corruption; a torn tail is a note.
    /// Returns the final state, or nil when it cannot be trusted.
    mutating func checkManifest(_ name: String) -> VerifiedManifest? {
        let path = Path.join(directory, name)
        guard case .manifest(let number)? = FileNames.parse(name), let bytes = readWholeFile(path) else { return nil }
        let log = LogReader.read(bytes, file: path)
        switch log.ending {
        case .clean: break
        case .tornTail(let offset, let reason):
            add(name, offset, .note, "torn tail (\(reason)); \(bytes.count - offset) bytes ignored, as recovery does")
        case .midLogDamage(let offset, let reason, let after):
            add(name, offset, .corruption, "\(reason), followed by \(after) readable records")
        }
        var version = Version()
        var logNumber: UInt64?
        var previousLogNumber: UInt64 = 0
        var nextFile: UInt64?
        var lastSequence: SequenceNumber?
        for record in log.records {
            report.manifestRecordsChecked += 1
            do {
                let edit = try VersionEdit.decode(record.payload, file: path, offset: record.offset)
                if let comparator = edit.comparatorName, comparator != VersionSet.comparatorName {
                    add(name, record.offset, .corruption, "comparator \(comparator) is not supported")
                }
                do {
                    version = try version.applying(edit, manifest: path)
                } catch LSMKVError.corruption(_, _, let reason) {
                    add(name, record.offset, .corruption, reason)
                    return nil
                }
                if let n = edit.logNumber { logNumber = n }
                if let n = edit.previousLogNumber { previousLogNumber = n }
                if let n = edit.nextFileNumber { nextFile = n }
                if let n = edit.lastSequence { lastSequence = n }
            } catch {
                add(error, file: path, context: "version edit at \(record.offset)")
                return nil
            }
        }
        guard let nextFile, let logNumber, let lastSequence else {
            // After mid-file damage (reported above) the missing fields are a consequence, not a second problem.
            if case .midLogDamage = log.ending { return nil }
            add(name, log.validLength, .corruption, "MANIFEST lacks its next file number, log number or last sequence")
            return nil
        }
        for file in version.allFiles where file.number >= nextFile {
            add(name, nil, .corruption, "table \(file.number) is not below the next file number \(nextFile)")
        }
        return VerifiedManifest(
            name: name, number: number, version: version, logNumber: logNumber,
            previousLogNumber: previousLogNumber, lastSequence: lastSequence)
    }

    /// Files of each level >= 1 must have disjoint, ordered key ranges.
    mutating func checkLevelOverlap(_ manifest: VerifiedManifest) {
        for level in 1..<Version.levelCount {
            let files = manifest.version.levels[level]
            for (a, b) in zip(files, files.dropFirst())
            where InternalKey.compareUserKeys(a.largest, b.smallest) >= 0 {
                add(
                    manifest.name, nil, .corruption,
                    "level \(level): tables \(a.number) and \(b.number) overlap")
            }
        }
    }
}

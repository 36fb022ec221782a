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
    /// Replays the MANIFEST record by record (``ManifestReplay`` in tolerant mode). Mid-file damage is corruption;
    /// a torn tail is a note. Returns the final state, or nil when it cannot be trusted.
    mutating func checkManifest(_ name: String) -> VerifiedManifest? {
        let path = Path.join(directory, name)
        guard case .manifest(let number)? = FileNames.parse(name), let bytes = readWholeFileOrReport(path) else {
            return nil
        }
        // Tolerant mode never throws.
        guard let replay = try? ManifestReplay.replay(bytes, file: path, mode: .tolerant) else { return nil }
        report.manifestRecordsChecked += replay.recordsExamined
        var midLogDamage = false
        for problem in replay.problems {
            switch problem {
            case .tornTail(let offset, let reason, let ignored):
                add(name, offset, .note, "torn tail (\(reason)); \(ignored) bytes ignored, as recovery does")
            case .midLogDamage(let offset, let reason, let after):
                midLogDamage = true
                add(name, offset, .corruption, "\(reason), followed by \(after) readable records")
            case .unsupportedComparator(let offset, let comparator):
                add(name, offset, .corruption, "comparator \(comparator) is not supported")
            case .undecodableEdit(let offset, let error):
                add(error, file: path, context: "version edit at \(offset)")
                return nil
            case .inapplicableEdit(let offset, let error):
                if case .corruption(_, _, let reason) = error {
                    add(name, offset, .corruption, reason)
                } else {
                    add(error, file: path, context: "version edit at \(offset)")
                }
                return nil
            case .missingField(let offset, _):
                // After mid-file damage (reported above) the missing fields are a consequence, not a second problem.
                if !midLogDamage {
                    add(name, offset, .corruption, "MANIFEST lacks its next file number, log number or last sequence")
                }
                return nil
            }
        }
        guard let nextFile = replay.nextFileNumber, let logNumber = replay.logNumber,
            let lastSequence = replay.lastSequence
        else { return nil }
        for file in replay.version.allFiles where file.number >= nextFile {
            add(name, nil, .corruption, "table \(file.number) is not below the next file number \(nextFile)")
        }
        return VerifiedManifest(
            name: name, number: number, version: replay.version, logNumber: logNumber,
            previousLogNumber: replay.previousLogNumber ?? 0, lastSequence: lastSequence)
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

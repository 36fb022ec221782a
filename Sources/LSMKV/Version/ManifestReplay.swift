/// The one MANIFEST replay: reads the log records of a MANIFEST, decodes each as a ``VersionEdit`` and applies it
/// to a ``Version``, collecting the log number, next file number, last sequence and compact pointers it records.
///
/// Recovery (``VersionSet/recover()``) replays in ``Mode/strict`` mode: the first problem is thrown. The verifier
/// replays in ``Mode/tolerant`` mode: problems are collected in ``problems`` and the replay goes on as far as it
/// can be trusted (an edit that does not decode or apply ends it, since every later edit builds on it).
struct ManifestReplay {
    /// How the replay reacts to a problem.
    enum Mode {
        /// Throw the problem's ``Problem/error`` (a torn tail, the normal trace of a crash, is no problem).
        case strict
        /// Record every problem, torn tail included, and never throw.
        case tolerant
    }

    /// Something wrong with the MANIFEST, at a byte offset in it.
    enum Problem: Equatable {
        /// The last record is incomplete; the `ignoredBytes` from `offset` on were not read, as recovery does.
        case tornTail(offset: Int, reason: String, ignoredBytes: Int)
        /// A damaged record followed by `readableRecordsAfter` intact ones.
        case midLogDamage(offset: Int, reason: String, readableRecordsAfter: Int)
        /// The record at `offset` names a comparator other than ``VersionSet/comparatorName``.
        case unsupportedComparator(offset: Int, name: String)
        /// The record at `offset` does not decode as a version edit; the replay stopped there.
        case undecodableEdit(offset: Int, error: LSMKVError)
        /// The edit at `offset` does not apply to the version before it; the replay stopped there.
        case inapplicableEdit(offset: Int, error: LSMKVError)
        /// After the last intact record (ending at `offset`), no edit set the field named `missing`.
        case missingField(offset: Int, missing: String)

        /// The error strict recovery throws for this problem; nil for a torn tail.
        func error(file: String) -> LSMKVError? {
            switch self {
            case .tornTail:
                return nil
            case .midLogDamage(let offset, let reason, let after):
                return .corruption(
                    file: file, offset: offset, reason: "\(reason), followed by \(after) readable records")
            case .unsupportedComparator(_, let name):
                return .notSupported(
                    file: file, reason: "comparator \(name); only \(VersionSet.comparatorName) is supported")
            case .undecodableEdit(_, let error), .inapplicableEdit(_, let error):
                return error
            case .missingField(let offset, let missing):
                return .corruption(file: file, offset: offset, reason: "MANIFEST lacks \(missing)")
            }
        }
    }

    /// The MANIFEST's path, as errors name it.
    let file: String
    /// The version the applied edits build.
    private(set) var version = Version()
    /// The last log number an edit recorded.
    private(set) var logNumber: UInt64?
    /// The last previous-log number an edit recorded.
    private(set) var previousLogNumber: UInt64?
    /// The last next-file number an edit recorded.
    private(set) var nextFileNumber: UInt64?
    /// The last sequence number an edit recorded.
    private(set) var lastSequence: SequenceNumber?
    /// The last compaction pointer recorded for each level.
    private(set) var compactPointers: [Int: [UInt8]] = [:]
    /// How many records the replay looked at, the one it stopped at included.
    private(set) var recordsExamined = 0
    /// The end offset of the last intact record.
    private(set) var validLength = 0
    /// Every problem found, in file order (tolerant mode; strict mode throws the first instead).
    private(set) var problems: [Problem] = []

    private init(file: String) { self.file = file }

    /// Replays the MANIFEST whose contents are `bytes`, read from `file`.
    /// - Throws: in ``Mode/strict`` mode, the first problem's ``Problem/error(file:)``:
    ///   ``LSMKVError/corruption(file:offset:reason:)`` for mid-file damage, an edit that does not decode or apply,
    ///   or a missing log number, next file number or last sequence; ``LSMKVError/notSupported(file:reason:)`` for
    ///   another comparator. Never throws in ``Mode/tolerant`` mode.
    static func replay(_ bytes: [UInt8], file: String, mode: Mode) throws(LSMKVError) -> ManifestReplay {
        var replay = ManifestReplay(file: file)
        try replay.run(bytes, mode: mode)
        return replay
    }

    private mutating func run(_ bytes: [UInt8], mode: Mode) throws(LSMKVError) {
        let log = LogReader.read(bytes, file: file)
        validLength = log.validLength
        switch log.ending {
        case .clean: break
        case .tornTail(let offset, let reason):
            try report(.tornTail(offset: offset, reason: reason, ignoredBytes: bytes.count - offset), mode)
        case .midLogDamage(let offset, let reason, let after):
            try report(.midLogDamage(offset: offset, reason: reason, readableRecordsAfter: after), mode)
        case .syncedDamage(let offset, let reason, _):
            // A MANIFEST holds no durability markers; should one prove its damage synced, that is corruption too.
            try report(.midLogDamage(offset: offset, reason: reason + " in synced data", readableRecordsAfter: 0), mode)
        }
        for record in log.records {
            recordsExamined += 1
            let edit: VersionEdit
            do {
                edit = try VersionEdit.decode(record.payload, file: file, offset: record.offset)
            } catch {
                return try report(.undecodableEdit(offset: record.offset, error: Self.lsmkvError(error, file)), mode)
            }
            if let name = edit.comparatorName, name != VersionSet.comparatorName {
                try report(.unsupportedComparator(offset: record.offset, name: name), mode)
            }
            do {
                version = try version.applying(edit, manifest: file)
            } catch {
                return try report(.inapplicableEdit(offset: record.offset, error: Self.lsmkvError(error, file)), mode)
            }
            if let n = edit.logNumber { logNumber = n }
            if let n = edit.previousLogNumber { previousLogNumber = n }
            if let n = edit.nextFileNumber { nextFileNumber = n }
            if let n = edit.lastSequence { lastSequence = n }
            for pointer in edit.compactPointers { compactPointers[pointer.level] = pointer.key }
        }
        let missing =
            nextFileNumber == nil
            ? "next file number" : logNumber == nil ? "log number" : lastSequence == nil ? "last sequence" : nil
        if let missing { try report(.missingField(offset: log.validLength, missing: missing), mode) }
    }

    private mutating func report(_ problem: Problem, _ mode: Mode) throws(LSMKVError) {
        switch mode {
        case .strict:
            if let error = problem.error(file: file) { throw error }
        case .tolerant:
            problems.append(problem)
        }
    }

    /// The decoders throw only ``LSMKVError``; anything else is still reported as corruption of the MANIFEST.
    private static func lsmkvError(_ error: any Error, _ file: String) -> LSMKVError {
        (error as? LSMKVError) ?? .corruption(file: file, offset: 0, reason: "\(error)")
    }
}

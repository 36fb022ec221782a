import VFS

extension Verifier {
    /// Whether log `number` is live: recovery would replay it.
    static func isLiveLog(_ number: UInt64, _ manifest: VerifiedManifest) -> Bool {
        number >= manifest.logNumber || (manifest.previousLogNumber != 0 && number == manifest.previousLogNumber)
    }

    /// Decodes every live log: a torn tail is a note, damage in the middle is corruption, every record must be a
    /// valid WriteBatch.
    mutating func checkLogs(names: [String], manifest: VerifiedManifest) {
        let logs = names.compactMap { name -> UInt64? in
            guard case .log(let number)? = FileNames.parse(name) else { return nil }
            return number
        }
        for number in logs.sorted() where Self.isLiveLog(number, manifest) {
            let path = FileNames.log(directory, number)
            guard let bytes = readWholeFileOrReport(path) else { continue }
            let log = LogReader.read(bytes, file: path)
            switch log.ending {
            case .clean: break
            case .tornTail(let offset, let reason):
                add(path, offset, .note, "torn tail (\(reason)); \(bytes.count - offset) bytes recovery drops")
            case .midLogDamage(let offset, let reason, let after):
                add(path, offset, .corruption, "\(reason), followed by \(after) readable records")
            }
            for record in log.records {
                report.logRecordsChecked += 1
                do {
                    _ = try WriteBatch.decode(record.payload, file: path, offset: record.offset)
                } catch {
                    add(error, file: path, context: "write batch at \(record.offset)")
                }
            }
        }
    }

    /// Reports logs, tables, manifests and temporary files nothing references.
    mutating func checkOrphans(names: [String], manifest: VerifiedManifest?) {
        // Without a trustworthy MANIFEST nothing can be called an orphan.
        guard let manifest else { return }
        let live = Set(manifest.version.allFiles.map(\.number))
        var orphans: [String] = []
        for name in names.sorted() {
            switch FileNames.parse(name) {
            case .log(let number)? where !Self.isLiveLog(number, manifest): orphans.append(name)
            case .table(let number)? where !live.contains(number): orphans.append(name)
            case .manifest(let number)? where number != manifest.number: orphans.append(name)
            case .temp?: orphans.append(name)
            default: break
            }
        }
        for name in orphans {
            add(name, nil, .warning, "orphan file: nothing references it (recovery would delete it)")
        }
    }
}

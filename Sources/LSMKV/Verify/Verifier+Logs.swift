import VFS

extension Verifier {
    /// Whether log `number` is live: recovery would replay it.
    static func isLiveLog(_ number: UInt64, _ manifest: VerifiedManifest) -> Bool {
        number >= manifest.logNumber || (manifest.previousLogNumber != 0 && number == manifest.previousLogNumber)
    }

    /// Decodes every live log: a torn tail recovery would drop is a warning counting the bytes and readable
    /// records it drops; damage in synced data (before a durability marker) or in the middle is corruption; every
    /// record must be a valid WriteBatch.
    mutating func checkLogs(names: [String], manifest: VerifiedManifest) {
        let logs = names.compactMap { name -> UInt64? in
            guard case .log(let number)? = FileNames.parse(name) else { return nil }
            return number
        }
        for number in logs.sorted() where Self.isLiveLog(number, manifest) {
            let path = FileNames.log(directory, number)
            guard let bytes = readWholeFileOrReport(path) else { continue }
            let log = LogReader.read(bytes, file: path)
            /// What recovery drops from `offset` on: the bytes and the intact records among them.
            func dropped(from offset: Int) -> String {
                let readable = LogReader.salvage(bytes, file: path).records.count { $0.offset > offset }
                return "\(bytes.count - offset) bytes and \(readable) readable records after the damaged one"
            }
            switch log.ending {
            case .clean: break
            case .tornTail(let offset, let reason):
                add(path, offset, .warning, "torn tail (\(reason)); recovery drops \(dropped(from: offset))")
            case .midLogDamage(let offset, let reason, let after):
                add(path, offset, .corruption, "\(reason), followed by \(after) readable records")
            case .syncedDamage(let offset, let reason, let durable):
                add(
                    path, offset, .corruption,
                    "\(reason) in synced data (a durability marker proves every byte before \(durable) synced); "
                        + "recovery would drop \(dropped(from: offset)), so open fails unless logRecovery salvages")
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

import Synchronization

/// A ``Version`` the engine reads or compacts. While any reference to it lives, none of its tables is deleted:
/// versions are reference-counted by Swift itself, as LevelDB's `Version::Ref`/`Unref` count by hand.
///
/// ``VersionSet`` makes one for every version it installs; read views, iterators and compactions hold it for as
/// long as they use its files, and obsolete-file deletion keeps every table of every live one.
final class LiveVersion: Sendable {
    /// The files, by level.
    let version: Version
    private let tables: LiveTables

    init(_ version: Version, tables: LiveTables) {
        self.version = version
        self.tables = tables
        tables.retain(version)
    }

    deinit { tables.release(version) }
}

/// The table numbers referenced by at least one ``LiveVersion``, each with the number of versions that reference it.
final class LiveTables: Sendable {
    private let counts = Mutex<[UInt64: Int]>([:])

    /// Counts one more version referencing each table of `version`.
    func retain(_ version: Version) {
        counts.withLock { counts in
            for level in version.levels {
                for file in level { counts[file.number, default: 0] += 1 }
            }
        }
    }

    /// Counts one version fewer referencing each table of `version`.
    func release(_ version: Version) {
        counts.withLock { counts in
            for level in version.levels {
                for file in level {
                    if let n = counts[file.number], n > 1 {
                        counts[file.number] = n - 1
                    } else {
                        counts[file.number] = nil
                    }
                }
            }
        }
    }

    /// Every table some live version references.
    var numbers: Set<UInt64> { counts.withLock { Set($0.keys) } }
}

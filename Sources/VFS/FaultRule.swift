/// One rule of a ``FaultInjectingFileSystem``: which operations it matches, when it fires, what it does.
///
/// ## Textual form
/// One rule per line; `#` starts a comment; blank lines are ignored. Words are separated by spaces:
///
/// ```
/// rule      = operation { condition } "->" action
/// operation = "read" | "write" | "sync" | "syncdir" | "open" | "rename" | "remove" | "list" | "truncate"
///           | "metadata" | "any"
/// condition = "path=" GLOB          (default *; see PathGlob: file name, or full path when it has a /)
///           | "p=" PROBABILITY      (0...1: fire on each match with this probability, drawn from the seed)
///           | "nth=" K              (fire on the K-th match only, K >= 1)
///           | "after=" K            (fire on the K-th match and every later one, K >= 1)
///           | "bytes>" N            (write only: match once the bytes written to matching paths exceed N)
/// action    = "eio" | "enospc" | "drop" | "torn" | "bitflip" | "crash"
/// ```
///
/// At most one of `p`, `nth`, `after`; with none the rule fires on every match. Examples:
///
/// ```
/// sync path=*.log nth=3 -> drop          # the third sync of a log reports success but persists nothing
/// write path=*.ldb p=0.01 -> eio
/// write bytes>1048576 -> enospc          # the disk fills after 1 MiB: the part that fits is written
/// syncdir nth=2 -> eio
/// rename path=CURRENT nth=1 -> crash     # a rename matches by its source or its destination
/// read path=*.ldb p=0.001 -> bitflip
/// ```
///
/// Operations: `read` is ``ReadableFile/read(at:count:)``; `write` ``WritableFile/append(_:)``; `sync`
/// ``WritableFile/sync()``; `syncdir` ``FileSystem/syncDirectory(_:)``; `open` the three opens;
/// `rename`, `remove`, `list` (``FileSystem/listDirectory(_:)``) and `truncate` their calls; `metadata`
/// ``FileSystem/fileSize(_:)``, ``FileSystem/fileExists(_:)``, ``FileSystem/createDirectory(_:)``,
/// ``FileSystem/lockFile(_:)`` and the files' `size()`; `any` every call, closes and unlocks included.
///
/// Actions: `eio` throws `.io` and `enospc` `.noSpace` without doing the operation (except that `enospc` with
/// `bytes>N` first writes the bytes that still fit under N; and that on a `sync` either has the file system's
/// ``SyncFailureSemantics``: by default `pages-lost`, the file's unsynced bytes never become durable); `drop` (sync, syncdir) reports success without
/// syncing; `torn` (write) writes a random strict prefix of the bytes then throws `.io`; `bitflip` (read)
/// flips one random bit of the data read; `crash` makes this and every later operation throw
/// ``FileSystemError/simulatedCrash(operation:path:)``.
public struct FaultRule: Sendable, Equatable, CustomStringConvertible {
    /// The kinds of operation a rule can match.
    public enum Operation: String, Sendable, Equatable, CaseIterable {
        /// ``ReadableFile/read(at:count:)``.
        case read
        /// ``WritableFile/append(_:)``.
        case write
        /// ``WritableFile/sync()``.
        case sync
        /// ``FileSystem/syncDirectory(_:)``.
        case syncdir
        /// ``FileSystem/openReadable(_:)``, ``FileSystem/createWritable(_:)``, ``FileSystem/openWritable(_:)``.
        case open
        /// ``FileSystem/rename(_:to:)``, matched by its source or its destination.
        case rename
        /// ``FileSystem/remove(_:)``.
        case remove
        /// ``FileSystem/listDirectory(_:)``.
        case list
        /// ``WritableFile/truncate(to:)``.
        case truncate
        /// ``FileSystem/fileSize(_:)``, ``FileSystem/fileExists(_:)``, ``FileSystem/createDirectory(_:)``,
        /// ``FileSystem/lockFile(_:)`` and the files' `size()`.
        case metadata
        /// Every call, closes and unlocks included.
        case any

        /// Whether a call of `kind` is one of these.
        public func matches(_ kind: FileSystemOperation.Kind) -> Bool {
            switch (self, kind) {
            case (.any, _): return true
            case (.read, .read), (.write, .append), (.sync, .sync), (.syncdir, .syncDirectory),
                (.rename, .rename), (.remove, .remove), (.list, .listDirectory), (.truncate, .truncate):
                return true
            case (.open, .openReadable), (.open, .createWritable), (.open, .openWritable):
                return true
            case (.metadata, .fileSize), (.metadata, .fileExists), (.metadata, .createDirectory),
                (.metadata, .lockFile), (.metadata, .size):
                return true
            default: return false
            }
        }
    }

    /// When a matching operation makes the rule fire.
    public enum Trigger: Sendable, Equatable {
        /// On every match.
        case always
        /// On each match with this probability, drawn from the file system's seed.
        case probability(Double)
        /// On the K-th match only (from 1).
        case nth(Int)
        /// On the K-th match (from 1) and every later one.
        case after(Int)
    }

    /// What the rule does when it fires.
    public enum Action: String, Sendable, Equatable, CaseIterable {
        /// Throw `.io` without doing the operation.
        case eio
        /// Throw `.noSpace` without doing the operation; with `bytes>N`, first write the part that fits under N.
        case enospc
        /// `sync`, `syncdir`: report success without syncing.
        case drop
        /// `write`: write a random strict prefix of the bytes, then throw `.io`.
        case torn
        /// `read`: flip one random bit of the data read (the stored data is untouched).
        case bitflip
        /// Throw ``FileSystemError/simulatedCrash(operation:path:)`` for this and every later operation.
        case crash
    }

    /// The operations matched.
    public var operation: Operation
    /// The paths matched.
    public var path: PathGlob
    /// For writes: the rule matches only once the bytes written to matching paths (this write included) exceed
    /// this number.
    public var bytesAbove: Int?
    /// When a match fires.
    public var trigger: Trigger
    /// What firing does.
    public var action: Action

    /// Creates a rule; see the type's documentation for what each part means.
    /// - Precondition: the combination is valid (as ``parse(_:)`` checks).
    public init(
        _ operation: Operation, path: String = "*", bytesAbove: Int? = nil, trigger: Trigger = .always,
        action: Action
    ) {
        self.operation = operation
        self.path = PathGlob(path)
        self.bytesAbove = bytesAbove
        self.trigger = trigger
        self.action = action
        if let problem = Self.problem(operation: operation, bytesAbove: bytesAbove, trigger: trigger, action: action) {
            preconditionFailure("invalid fault rule: \(problem)")
        }
    }

    /// The rule in its textual form, which ``parse(_:)`` reads back to an equal rule.
    public var description: String {
        var words = [operation.rawValue]
        if path.pattern != "*" { words.append("path=\(path.pattern)") }
        if let bytesAbove { words.append("bytes>\(bytesAbove)") }
        switch trigger {
        case .always: break
        case .probability(let p): words.append("p=\(p)")
        case .nth(let k): words.append("nth=\(k)")
        case .after(let k): words.append("after=\(k)")
        }
        words.append("->")
        words.append(action.rawValue)
        return words.joined(separator: " ")
    }

    /// Why the combination is invalid, or `nil`.
    static func problem(operation: Operation, bytesAbove: Int?, trigger: Trigger, action: Action) -> String? {
        if let bytesAbove {
            if operation != .write { return "bytes>N applies to write rules only" }
            if bytesAbove < 0 { return "bytes>N needs N >= 0" }
        }
        switch trigger {
        case .probability(let p) where !(p >= 0 && p <= 1): return "p must be between 0 and 1"
        case .nth(let k) where k < 1, .after(let k) where k < 1: return "nth and after count from 1"
        default: break
        }
        switch action {
        case .drop where operation != .sync && operation != .syncdir:
            return "drop applies to sync and syncdir rules only"
        case .torn where operation != .write: return "torn applies to write rules only"
        case .bitflip where operation != .read: return "bitflip applies to read rules only"
        default: return nil
        }
    }
}

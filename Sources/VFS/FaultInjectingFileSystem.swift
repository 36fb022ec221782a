import Synchronization

/// A ``FileSystem`` that passes every call to another one (``PosixFileSystem``, ``SimulatedFileSystem``, any)
/// and injects the faults its ``FaultRule``s call for: I/O errors, a full disk, dropped syncs, torn writes,
/// flipped bits and crashes.
///
/// For each call, every rule whose operation and path match counts the match (and, for `p=` rules, draws its
/// random number); the first rule in list order that fires decides the fault; when none fires the call goes
/// through unchanged. Random choices (probabilities, torn lengths, flipped bits) come from one generator per
/// rule seeded from `seed`, so the same calls in the same order meet the same faults.
///
/// Every injected fault is appended to ``injectedFaults``. After a `crash` rule fires, every call throws
/// ``FileSystemError/simulatedCrash(operation:path:)`` without reaching the wrapped file system; when that is a
/// ``SimulatedFileSystem``, ``inner`` gives it back for ``SimulatedFileSystem/crash(seed:model:)``.
///
/// Thread-safe: the rules' counters sit in a `Mutex`; the wrapped calls are made outside it.
public final class FaultInjectingFileSystem: FileSystem {
    /// The wrapped file system.
    public let inner: any FileSystem
    /// What an injected `eio` or `enospc` on a `sync` does to the file's unsynced data: under
    /// ``SyncFailureSemantics/pagesLost`` (the default, as Linux does) the wrapped file is told the sync failed
    /// when it is ``SyncFailureModeling`` (a ``SimulatedFileSystem``'s file), so those bytes never become durable;
    /// under ``SyncFailureSemantics/retryable`` the next successful sync makes them durable.
    public let syncFailure: SyncFailureSemantics
    private let seed: UInt64
    private let state: Mutex<FaultState>

    struct FaultState {
        var rules: [FaultRule]
        var matches: [Int]
        var bytes: [Int]
        var random: [SplitMix64]
        var crashed = false
        var log: [InjectedFault] = []

        init(rules: [FaultRule], seed: UInt64) {
            self.rules = rules
            matches = Array(repeating: 0, count: rules.count)
            bytes = Array(repeating: 0, count: rules.count)
            random = rules.indices.map { SplitMix64(seed: seed, stream: UInt64($0)) }
        }
    }

    /// A fault decided for one call.
    struct Fault {
        var action: FaultRule.Action
        /// For `bytes>N -> enospc`: how many of the bytes still fit under N.
        var fitting: Int?
        /// A random number for the torn length or the flipped bit.
        var random: UInt64
        var error: (FileSystemError.Code) -> FileSystemError
    }

    /// Wraps `inner` with `rules`; all random choices come from `seed`; a failed sync has `syncFailure`'s effect.
    public init(
        wrapping inner: any FileSystem, rules: [FaultRule] = [], seed: UInt64 = 0,
        syncFailure: SyncFailureSemantics = .pagesLost
    ) {
        self.inner = inner
        self.seed = seed
        self.syncFailure = syncFailure
        state = Mutex(FaultState(rules: rules, seed: seed))
    }

    /// Wraps `inner` with the rules of `text` (see ``FaultRule`` for the form).
    /// - Throws: ``FaultRuleParseError`` for a bad line.
    public convenience init(
        wrapping inner: any FileSystem, rules text: String, seed: UInt64 = 0,
        syncFailure: SyncFailureSemantics = .pagesLost
    ) throws {
        self.init(wrapping: inner, rules: try FaultRule.parse(text), seed: seed, syncFailure: syncFailure)
    }

    /// The rules, in the order they are tried. Setting them restarts every rule's counters and random numbers
    /// (the log and a crash stay).
    public var rules: [FaultRule] {
        get { state.withLock { $0.rules } }
        set {
            state.withLock {
                let log = $0.log
                let crashed = $0.crashed
                $0 = FaultState(rules: newValue, seed: seed)
                $0.log = log
                $0.crashed = crashed
            }
        }
    }

    /// Every fault injected so far, oldest first.
    public var injectedFaults: [InjectedFault] { state.withLock { $0.log } }

    /// Empties ``injectedFaults``.
    public func clearInjectedFaults() { state.withLock { $0.log.removeAll() } }

    /// Whether a `crash` rule has fired: every call now throws the simulated-crash error.
    public var hasCrashed: Bool { state.withLock { $0.crashed } }

    // MARK: Deciding

    /// Counts the call against every matching rule and returns the fault of the first that fires, if any.
    /// - Throws: the simulated-crash error when the file system has crashed or a `crash` rule fires now.
    func decide(
        _ kind: FileSystemOperation.Kind, _ path: String, destination: String? = nil, offset: Int? = nil,
        length: Int = 0
    ) throws(FileSystemError) -> Fault? {
        try state.withLock { state throws(FileSystemError) -> Fault? in
            if state.crashed { throw .simulatedCrash(operation: kind, path: path) }
            var chosen: (index: Int, fitting: Int?)?
            for (index, rule) in state.rules.enumerated() where rule.operation.matches(kind) {
                guard rule.path.matches(path) || destination.map({ rule.path.matches($0) }) == true else {
                    continue
                }
                var fitting: Int?
                if let limit = rule.bytesAbove {
                    let before = state.bytes[index]
                    state.bytes[index] += length
                    guard before + length > limit else { continue }
                    fitting = max(0, limit - before)
                }
                state.matches[index] += 1
                let count = state.matches[index]
                let fires: Bool
                switch rule.trigger {
                case .always: fires = true
                case .probability(let p): fires = state.random[index].unit() < p
                case .nth(let k): fires = count == k
                case .after(let k): fires = count >= k
                }
                if fires && chosen == nil { chosen = (index, fitting) }
            }
            guard let (index, fitting) = chosen else { return nil }
            let rule = state.rules[index]
            let random = state.random[index].next()
            let detail: String
            switch rule.action {
            case .eio: detail = "injected I/O error"
            case .enospc:
                detail = fitting.map { "injected full disk: \($0) of \(length) bytes written" } ?? "injected full disk"
            case .drop: detail = "\(kind.rawValue) dropped: reported success, nothing made durable"
            case .torn:
                detail =
                    length == 0
                    ? "torn write: empty" : "torn write: \(Int(random % UInt64(length))) of \(length) bytes written"
            case .bitflip: detail = "one bit flipped in the data read"
            case .crash: detail = "simulated crash"
            }
            state.log.append(
                InjectedFault(ruleIndex: index, rule: rule, operation: kind, path: path, offset: offset, detail: detail)
            )
            if rule.action == .crash {
                state.crashed = true
                throw .simulatedCrash(operation: kind, path: path)
            }
            let label = "injected by fault rule \(index) (\(rule)): \(detail)"
            return Fault(action: rule.action, fitting: fitting, random: random) { code in
                FileSystemError(code, operation: kind, path: path, offset: offset, detail: label)
            }
        }
    }

    /// Throws the error of an `eio` or `enospc` fault; other actions are handled by the caller.
    func throwIfError(_ fault: Fault?) throws(FileSystemError) {
        switch fault?.action {
        case .eio: throw fault!.error(.io)
        case .enospc: throw fault!.error(.noSpace)
        default: return
        }
    }

    // MARK: FileSystem

    /// Opens through the wrapped file system; `open` rules apply.
    public func openReadable(_ path: String) throws -> any ReadableFile {
        try throwIfError(try decide(.openReadable, path))
        return FaultInjectingReadableFile(try inner.openReadable(path), fileSystem: self)
    }

    /// Creates through the wrapped file system; `open` rules apply.
    public func createWritable(_ path: String) throws -> any WritableFile {
        try throwIfError(try decide(.createWritable, path))
        return FaultInjectingWritableFile(try inner.createWritable(path), fileSystem: self, position: 0)
    }

    /// Opens through the wrapped file system; `open` rules apply.
    public func openWritable(_ path: String) throws -> any WritableFile {
        try throwIfError(try decide(.openWritable, path))
        return FaultInjectingWritableFile(try inner.openWritable(path), fileSystem: self, position: nil)
    }

    /// `metadata` rules apply.
    public func fileSize(_ path: String) throws -> Int {
        try throwIfError(try decide(.fileSize, path))
        return try inner.fileSize(path)
    }

    /// `metadata` rules apply; an injected error or crash reads as "absent".
    public func fileExists(_ path: String) -> Bool {
        do {
            let fault = try decide(.fileExists, path)
            return fault == nil ? inner.fileExists(path) : false
        } catch {
            return false
        }
    }

    /// `remove` rules apply.
    public func remove(_ path: String) throws {
        try throwIfError(try decide(.remove, path))
        try inner.remove(path)
    }

    /// `rename` rules apply, matching the source or the destination path.
    public func rename(_ source: String, to destination: String) throws {
        try throwIfError(try decide(.rename, source, destination: destination))
        try inner.rename(source, to: destination)
    }

    /// `list` rules apply.
    public func listDirectory(_ path: String) throws -> [String] {
        try throwIfError(try decide(.listDirectory, path))
        return try inner.listDirectory(path)
    }

    /// `metadata` rules apply.
    public func createDirectory(_ path: String) throws {
        try throwIfError(try decide(.createDirectory, path))
        try inner.createDirectory(path)
    }

    /// `syncdir` rules apply; `drop` reports success without syncing.
    public func syncDirectory(_ path: String) throws {
        let fault = try decide(.syncDirectory, path)
        try throwIfError(fault)
        if fault?.action == .drop { return }
        try inner.syncDirectory(path)
    }

    /// `metadata` rules apply. The lock itself is the wrapped file system's.
    public func lockFile(_ path: String) throws -> any FileLock {
        try throwIfError(try decide(.lockFile, path))
        return FaultInjectingFileLock(try inner.lockFile(path), fileSystem: self)
    }
}

import LSMKV
import VFS

/// The one recovery check of every crash test: open the crashed database, read it whole, run the integrity check
/// (``Verifier``), judge the contents with the ``CrashOracle`` against the history, then require that a synced
/// write made after recovery survives a clean reopen with everything else unchanged (a torn tail was truncated or
/// set aside, not appended after: bug class 11).
///
/// In process it runs on the crashed ``SimulatedFileSystem`` (``CrashSimulation``, ``FaultSimulation``); for the
/// real-process runner on a simulated copy of the crashed directory (``CrashCampaign``).
public struct RecoveryCheck: Sendable {
    /// The directory to open (the check writes to it: on the real disk, a copy).
    public var directory: String
    /// The options recovery opens the database with.
    public var options: Options
    /// Whether refusing to open with a corruption report at (file, offset) is an honest answer for the crashed
    /// bytes; nil when it never is.
    var allowsRefusal: (@Sendable (_ file: String, _ offset: Int) -> Bool)?

    /// The key the check writes after recovery; workloads never use it.
    static let marker = Array("crashtest-after-recovery".utf8)
    static let markerValue = Array("marker".utf8)

    /// A check of `directory` opened with `options`.
    public init(directory: String, options: Options) {
        self.directory = directory
        self.options = options
    }

    /// A check of `directory` on the real disk, opened with the options `scenario` describes.
    public init(directory: String, scenario: Scenario) {
        self.init(directory: directory, options: scenario.engine.options(fileSystem: PosixFileSystem()))
    }

    /// A check of the database at `directory` in a crashed simulated file system. After a power loss the engine may
    /// refuse to open with a corruption report in never-synced data that `image` (the disk just before the crash)
    /// shows was followed by a later write that survived: it cannot know which writes were acknowledged.
    init(
        crashed fs: SimulatedFileSystem, directory: String, options: Options, model: CrashModel, image: PreCrashImage
    ) {
        self.init(directory: directory, options: options)
        if model == .powerLoss {
            allowsRefusal = { file, offset in
                image.allowsRefusal(file: file, offset: offset, crashed: fs.snapshotFiles()[file] ?? [])
            }
        }
    }

    /// Runs the check. Returns the recovered contents (without the check's marker; nil when the database did not
    /// open or could not be read) and what is wrong (nil when nothing is, including an honest refusal to open).
    public func verify(_ history: History, requirement: CrashOracle.Requirement) -> (
        recovered: [[UInt8]: [UInt8]]?, problem: String?
    ) {
        verify(history, requirement: requirement, shortcuts: Shortcuts())
    }

    /// Parts of the check answered from earlier answers that are equal by construction (the ``Explorer``'s caches
    /// of pure functions of bytes and of oracle inputs). Each gets the real computation to run or skip.
    struct Shortcuts {
        /// The integrity check of the recovered directory (nil: healthy).
        var integrity: (_ check: () -> String?) -> String? = { $0() }
        /// The oracle's verdict on the recovered contents (nil: consistent, else its description).
        var verdict: (_ recovered: [[UInt8]: [UInt8]], _ judge: () -> String?) -> String? = { $1() }
        /// The contents a clean reopen of the closed directory reads.
        var reopen: (_ read: () throws -> [[UInt8]: [UInt8]]) throws -> [[UInt8]: [UInt8]] = { try $0() }
    }

    /// Runs the check with `shortcuts` in place of its integrity check, its oracle and its clean reopen.
    func verify(_ history: History, requirement: CrashOracle.Requirement, shortcuts: Shortcuts) -> (
        recovered: [[UInt8]: [UInt8]]?, problem: String?
    ) {
        let allowsRefusal = allowsRefusal
        var shortcuts = shortcuts
        let integrity = shortcuts.integrity
        let (directory, fileSystem) = (directory, options.fileSystem)
        shortcuts.integrity = { _ in integrity { Self.integrityProblem(path: directory, fileSystem: fileSystem) } }
        return Self.verify(
            history, requirement: requirement,
            open: { try Database(path: directory, options: options) },
            isHonestRefusal: { error in
                guard case LSMKVError.corruption(let file, let offset, _) = error else { return false }
                return allowsRefusal?(file, offset) == true
            },
            shortcuts: shortcuts)
    }

    /// The check on any ``CrashTestableStore``: open it with `open` (an error for which `isHonestRefusal` holds is
    /// an honest answer), read it whole, run `integrityProblem` (nil: healthy), judge the contents with the oracle,
    /// then apply a synced marker write, close, reopen and require everything unchanged plus the marker.
    public static func verify<Store: CrashTestableStore>(
        _ history: History, requirement: CrashOracle.Requirement, open: () throws -> Store,
        isHonestRefusal: (any Error) -> Bool = { _ in false }, integrityProblem: () -> String? = { nil }
    ) -> (recovered: [[UInt8]: [UInt8]]?, problem: String?) {
        withoutActuallyEscaping(integrityProblem) { integrityProblem in
            var shortcuts = Shortcuts()
            shortcuts.integrity = { _ in integrityProblem() }
            return verify(
                history, requirement: requirement, open: open, isHonestRefusal: isHonestRefusal, shortcuts: shortcuts)
        }
    }

    /// The check on any store, with `shortcuts` (its `integrity` gets a check that finds nothing: the store has no
    /// integrity check of its own unless the shortcut supplies one).
    static func verify<Store: CrashTestableStore>(
        _ history: History, requirement: CrashOracle.Requirement, open: () throws -> Store,
        isHonestRefusal: (any Error) -> Bool, shortcuts: Shortcuts
    ) -> (recovered: [[UInt8]: [UInt8]]?, problem: String?) {
        let db: Store
        do {
            db = try open()
        } catch  where isHonestRefusal(error) {
            return (nil, nil)
        } catch {
            return (nil, "the crashed database did not open: \(error)")
        }
        defer { try? db.close() }
        let recovered: [[UInt8]: [UInt8]]
        do {
            recovered = try db.contents()
        } catch {
            return (nil, "reading the recovered database failed: \(error)")
        }
        if let problem = shortcuts.integrity({ nil }) { return (recovered, problem) }
        let verdict = shortcuts.verdict(recovered) {
            let verdict = CrashOracle().check(history, recovered: recovered, requirement: requirement)
            return verdict.isConsistent ? nil : verdict.description
        }
        if let verdict { return (recovered, verdict) }
        do {
            try db.apply(.put(key: marker, value: markerValue), sync: true)
            try db.close()
            let contents = try shortcuts.reopen {
                let again = try open()
                defer { try? again.close() }
                return try again.contents()
            }
            guard contents[marker] == markerValue else {
                return (recovered, "a synced write made after recovery was lost at the next reopen")
            }
            var expected = recovered
            expected[marker] = markerValue
            if contents != expected {
                return (recovered, "the database changed between two clean reopens after recovery")
            }
        } catch {
            return (recovered, "writing to the recovered database failed: \(error)")
        }
        return (recovered, nil)
    }

    /// Runs the read-only integrity check (`lsmkv verify`) on a recovered database: nil when it finds no
    /// corruption and changes nothing, else the first problems it names, or the first operation by which it
    /// changed the database (a read-only operation that writes, bug class 18).
    public static func integrityProblem(path: String, fileSystem: any FileSystem) -> String? {
        let recording = WriteRecordingFileSystem(wrapping: fileSystem)
        let report = Verifier.verify(path: path, fileSystem: recording)
        if let write = recording.writes.first {
            return "the integrity check, a read-only operation, changed the database: \(write) (bug class 18)"
        }
        guard !report.isHealthy else { return nil }
        let corruptions = report.problems.filter { $0.severity == .corruption }.prefix(3)
        return "the integrity check after recovery found corruption: "
            + corruptions.map(\.description).joined(separator: "; ")
    }
}

import Foundation
import LSMKV
import Synchronization
import VFS

/// Record once, crash everywhere: runs a workload once on a ``SimulatedFileSystem`` with a snapshot after every
/// operation (``SimulatedRecording``), then builds, at every crash point, the crash states a ``CrashModel`` allows
/// there, recovers each with the ``RecoveryCheck`` and judges it with the ``CrashOracle`` against the history as
/// it stood at that instant (``TimedHistory``).
///
/// - **Crash points**: every instant after an operation that changed the disk (with the history as it stood just
///   before the next change, the strongest claim for that disk state), or only the instants just before each file
///   or directory sync (``CrashPoints/syncs``).
/// - **States**: one per point for a process crash and for the strict model; for a power loss, every combination
///   of torn sectors and unsynced directory operations (``VFS/SimulatedSnapshot/powerLossStates(limit:)``) when
///   there are at most ``Configuration/exhaustiveLimit``, else a seeded sample of
///   ``Configuration/samplesPerCrashPoint``. The report counts which points were covered exhaustively.
/// - **Identical crash images** are recovered once: a later state with the same bytes reuses the recovered
///   contents and is judged only by the oracle against its own history (recovery is a function of the bytes).
/// - **Nested crashes**: for ``Configuration/recoveryCrashPercent`` of the distinct images, recovery itself is
///   crashed at a seeded operation, the result crashed again under the same model and checked.
/// - **Durability ledger**: at every return of a synced write, `flush()` and `close()`, the durable bytes alone
///   must already recover everything acknowledged as durable; a failure names the unsynced files or directory
///   entries it depends on (a minimal set of changes whose durability keeps the promise).
///
/// Everything is a function of the seed. Background work runs inline so the recording is exact.
public struct Explorer: Sendable {
    /// Where crashes are placed.
    public enum CrashPoints: String, Sendable, Codable, CaseIterable {
        /// After every operation that changed the disk.
        case everyOperation = "every-operation"
        /// Just before every file sync and directory sync (the widest unsynced windows), and at the end.
        case syncs
    }

    /// What to explore.
    public struct Configuration: Sendable, Equatable {
        /// What a crash keeps.
        public var model: CrashModel
        /// Steps per workload, drawn from ``mix``.
        public var workloadLength = 40
        /// What the workloads are made of.
        public var mix = Workload.Mix()
        /// A tiny MemTable, so flushes (and their durability protocol) happen often.
        public var writeBufferSize = 1024
        /// The compaction strategy under test.
        public var compaction = CompactionStrategy.leveled
        /// Level-0 tables that start a compaction: low, so short workloads crash inside compactions too.
        public var level0CompactionTrigger = 2
        /// Where crashes are placed.
        public var crashPoints = CrashPoints.everyOperation
        /// Power-loss states per crash point up to which all of them are checked.
        public var exhaustiveLimit = 1 << 10
        /// Power-loss states drawn at a crash point with more than ``exhaustiveLimit``.
        public var samplesPerCrashPoint = 16
        /// Percentage of distinct crash images whose recovery is crashed too.
        public var recoveryCrashPercent = 10
        /// Whether the durability ledger runs.
        public var ledger = true
        /// Whether the crash states of the crash points are explored (off: the ledger alone).
        public var exploresCrashStates = true
        /// Sync sites made no-ops (``SyncAblation``), in the workload and in every recovery.
        public var removedSyncs: Set<SyncSite> = []
        /// Stop a workload at its first violation.
        public var stopAtFirstViolation = true

        /// The defaults, under `model`.
        public init(model: CrashModel) { self.model = model }

        /// The engine settings of this configuration.
        public var engine: EngineSettings {
            EngineSettings(
                writeBufferSize: writeBufferSize, compaction: compaction,
                level0CompactionTrigger: level0CompactionTrigger)
        }
    }

    /// A crash state (or durability point) the engine got wrong.
    public struct Violation: Sendable, Codable, CustomStringConvertible {
        /// Which check caught it.
        public enum Check: String, Sendable, Codable, CaseIterable {
            /// The durability ledger: the durable bytes at an acknowledgement did not hold what it promised.
            case ledger
            /// Recovery: the database did not open, could not be read, failed the integrity check, or lost the
            /// synced marker write made after recovery.
            case recovery
            /// The oracle: the recovered contents are no allowed prefix of the history.
            case oracle
            /// The workload itself failed without any crash.
            case workload
        }

        /// The check that caught it.
        public var check: Check
        /// The workload's seed: `crashtest explore --seed` replays it.
        public var seed: UInt64
        /// The crash model explored.
        public var model: CrashModel
        /// The number of file-system operations made before the crash (or the durability point).
        public var operationIndex: Int
        /// The operation the crash came before, e.g. `sync /db/000003.log`.
        public var nextOperation: String?
        /// Whether the state came from a crash during recovery.
        public var nested: Bool
        /// What is wrong.
        public var detail: String

        public var description: String {
            "[\(check.rawValue)] seed \(seed) \(model), after operation \(operationIndex)"
                + (nextOperation.map { " (before \($0))" } ?? "") + (nested ? ", crashed again during recovery" : "")
                + ": \(detail)"
        }
    }

    /// What an exploration did and found.
    public struct Report: Sendable, Codable {
        /// The crash model explored.
        public var model: CrashModel
        /// Workloads recorded and explored.
        public var workloads = 0
        /// File-system operations recorded over all workloads.
        public var operations = 0
        /// Crash points explored.
        public var crashPoints = 0
        /// Crash points whose every allowed state was checked (all of them for process crash and strict).
        public var exhaustiveCrashPoints = 0
        /// Crash points with more power-loss states than the limit, sampled.
        public var sampledCrashPoints = 0
        /// Which crash points were sampled, as `seed@operation` (every other one was covered exhaustively).
        public var sampledAt: [String] = []
        /// Crash states recovered (or reused) and judged, nested ones and ledger images included.
        public var statesVerified = 0
        /// Distinct crash images actually recovered (open, read, integrity check, marker write and reopen).
        public var recoveries = 0
        /// States that came from a crash during recovery.
        public var nestedCrashes = 0
        /// Durability points the ledger checked.
        public var ledgerChecks = 0
        /// What was found wrong (with ``Configuration/stopAtFirstViolation``, at most one per workload).
        public var violations: [Violation] = []
        /// How many checked states fell in each ``Outcome`` class, by its description.
        public var outcomes: [String: Int] = [:]
        /// Time spent, recording included.
        public var seconds = 0.0

        /// An empty report for `model`.
        public init(model: CrashModel) { self.model = model }

        /// ``statesVerified`` over ``seconds``.
        public var statesPerSecond: Double { seconds > 0 ? Double(statesVerified) / seconds : 0 }

        /// Adds `other`'s counts and violations to this report.
        public mutating func merge(_ other: Report) {
            workloads += other.workloads
            operations += other.operations
            crashPoints += other.crashPoints
            exhaustiveCrashPoints += other.exhaustiveCrashPoints
            sampledCrashPoints += other.sampledCrashPoints
            sampledAt += other.sampledAt
            statesVerified += other.statesVerified
            recoveries += other.recoveries
            nestedCrashes += other.nestedCrashes
            ledgerChecks += other.ledgerChecks
            violations += other.violations
            outcomes.merge(other.outcomes, uniquingKeysWith: +)
            seconds += other.seconds
        }

        /// Counts one checked state.
        mutating func count(_ outcome: Outcome) { outcomes[outcome.rawValue, default: 0] += 1 }

        enum CodingKeys: String, CodingKey {
            case model, workloads, operations, crashPoints, exhaustiveCrashPoints, sampledCrashPoints, sampledAt
            case statesVerified, recoveries, nestedCrashes, ledgerChecks, violations, outcomes, seconds
            case statesPerSecond
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(model, forKey: .model)
            try container.encode(workloads, forKey: .workloads)
            try container.encode(operations, forKey: .operations)
            try container.encode(crashPoints, forKey: .crashPoints)
            try container.encode(exhaustiveCrashPoints, forKey: .exhaustiveCrashPoints)
            try container.encode(sampledCrashPoints, forKey: .sampledCrashPoints)
            try container.encode(sampledAt, forKey: .sampledAt)
            try container.encode(statesVerified, forKey: .statesVerified)
            try container.encode(recoveries, forKey: .recoveries)
            try container.encode(nestedCrashes, forKey: .nestedCrashes)
            try container.encode(ledgerChecks, forKey: .ledgerChecks)
            try container.encode(violations, forKey: .violations)
            try container.encode(outcomes, forKey: .outcomes)
            try container.encode(seconds, forKey: .seconds)
            try container.encode(statesPerSecond, forKey: .statesPerSecond)
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            model = try container.decode(CrashModel.self, forKey: .model)
            workloads = try container.decode(Int.self, forKey: .workloads)
            operations = try container.decode(Int.self, forKey: .operations)
            crashPoints = try container.decode(Int.self, forKey: .crashPoints)
            exhaustiveCrashPoints = try container.decode(Int.self, forKey: .exhaustiveCrashPoints)
            sampledCrashPoints = try container.decode(Int.self, forKey: .sampledCrashPoints)
            sampledAt = try container.decode([String].self, forKey: .sampledAt)
            statesVerified = try container.decode(Int.self, forKey: .statesVerified)
            recoveries = try container.decode(Int.self, forKey: .recoveries)
            nestedCrashes = try container.decode(Int.self, forKey: .nestedCrashes)
            ledgerChecks = try container.decode(Int.self, forKey: .ledgerChecks)
            violations = try container.decode([Violation].self, forKey: .violations)
            outcomes = try container.decode([String: Int].self, forKey: .outcomes)
            seconds = try container.decode(Double.self, forKey: .seconds)
        }
    }

    /// What to explore.
    public let configuration: Configuration
    /// The store under test; nil for the engine (`LSMKV.Database` with ``Configuration/engine``).
    public let store: StoreOpener?
    /// The directory every store lives in.
    public static let directory = "/db"

    /// An explorer of the engine, or of `store` (the engine settings of `configuration` then do not apply).
    public init(_ configuration: Configuration, store: StoreOpener? = nil) {
        self.configuration = configuration
        self.store = store
    }

    /// One recorded run of a workload.
    struct Run {
        var recording: SimulatedRecording
        var history: TimedHistory
        /// The sites the workload synced at.
        var sitesSeen: Set<SyncSite>
        /// An error that was no simulated crash (an engine bug), or nil.
        var failure: String?
    }

    /// Runs `workload` once, recording every operation and every event of the history.
    func record(_ workload: Workload) -> Run {
        let fs = SimulatedFileSystem()
        fs.isTracing = false
        try? fs.createDirectory(Self.directory)
        let recording = fs.startRecording()
        var history = TimedHistory(fileSystem: fs, base: recording.startIndex)
        let ablation = SyncAblation(removing: configuration.removedSyncs)
        // The engine's options may already wrap `fs` (a planted missing sync): the ablation wraps what they use.
        var options = configuration.engine.options(fileSystem: fs)
        let ablating = SyncAblatingFileSystem(wrapping: store == nil ? options.fileSystem : fs, ablation: ablation)
        var failure: String?
        if let store {
            failure = Self.run(workload, recording: &history) {
                AnyCrashTestableStore(try store.open(ablating, Self.directory))
            }
        } else {
            ablating.install(into: &options)
            failure = Self.run(workload, recording: &history) { [options] in
                try Database(path: Self.directory, options: options)
            }
        }
        fs.stopRecording(recording)
        if !recording.isExact { failure = failure ?? "the recording is not exact: calls came from several threads" }
        return Run(recording: recording, history: history, sitesSeen: ablating.sitesSeen, failure: failure)
    }

    /// Runs `workload` with the ``WorkloadRunner`` step function on the store `open` opens, stopping at the first
    /// error, then closes it (a durability point). Returns the first error's description, or nil.
    static func run<Store: CrashTestableStore>(
        _ workload: Workload, recording history: inout TimedHistory, open: () throws -> Store
    ) -> String? {
        var current: Store?
        do {
            current = try open()
            for step in workload.steps {
                guard let store = current else { break }
                try WorkloadRunner.perform(step, on: store, current: &current, recording: &history) { _ in try open() }
            }
            try current?.close()
            if current != nil { history.markDurable() }
            return nil
        } catch {
            try? current?.close()
            return "\(error)"
        }
    }

    /// A session's caches of pure functions the recovery check computes (see ``RecoveryCheck/Shortcuts``).
    struct Caches {
        /// Oracle verdicts by history and contents.
        var verdicts: VerdictCache
        /// The engine's integrity check by the recovered directory's bytes.
        var integrity: DirectoryResultCache<String?>
        /// The engine's clean reopen after the marker write by the closed directory's bytes.
        var reopened: DirectoryResultCache<[[UInt8]: [UInt8]]>
    }

    /// Checks the crashed file system `fs` with the ``RecoveryCheck``: for the engine with its own options, its
    /// integrity check and its honest refusals, for another store through ``CrashTestableStore``.
    /// With `caches`, answers of pure functions already computed (an oracle verdict on equal contents against an
    /// equal history, the engine's integrity check or clean reopen of identical bytes) are not computed again.
    func check(
        _ fs: SimulatedFileSystem, history: History, model: CrashModel, image: PreCrashImage, caches: Caches? = nil
    ) -> (recovered: [[UInt8]: [UInt8]]?, problem: String?) {
        let requirement = CrashOracle.Requirement(after: model)
        var shortcuts = RecoveryCheck.Shortcuts()
        if let caches {
            shortcuts.verdict = { contents, judge in caches.verdicts.verdict(contents, judge: judge) }
        }
        guard let store else {
            let check = RecoveryCheck(
                crashed: fs, directory: Self.directory, options: options(fs), model: model, image: image)
            if let caches {
                shortcuts.integrity = { check in caches.integrity.value(of: fs, compute: check) }
                shortcuts.reopen = { read in try caches.reopened.value(of: fs, compute: read) }
            }
            return check.verify(history, requirement: requirement, shortcuts: shortcuts)
        }
        let wrapped = SyncAblatingFileSystem(wrapping: fs, ablation: SyncAblation(removing: configuration.removedSyncs))
        return RecoveryCheck.verify(
            history, requirement: requirement, open: { AnyCrashTestableStore(try store.open(wrapped, Self.directory)) },
            isHonestRefusal: { _ in false }, shortcuts: shortcuts)
    }

    /// Opens and closes the store on `fs` (to crash its recovery), ignoring errors.
    func openAndClose(_ fs: SimulatedFileSystem) {
        if let store {
            let wrapped = SyncAblatingFileSystem(
                wrapping: fs, ablation: SyncAblation(removing: configuration.removedSyncs))
            try? store.open(wrapped, Self.directory).close()
        } else if let db = try? Database(path: Self.directory, options: options(fs)) {
            try? db.close()
        }
    }

    /// The sync sites the workload of `seed` syncs at, with nothing removed: the candidates for ``SyncAblation``.
    public func syncSites(seed: UInt64) -> Set<SyncSite> {
        var plain = configuration
        plain.removedSyncs = []
        return Explorer(plain, store: store).record(workload(seed: seed)).sitesSeen
    }

    /// The workload of `seed`.
    public func workload(seed: UInt64) -> Workload {
        Workload.random(seed: seed, count: configuration.workloadLength, mix: configuration.mix)
    }

    /// Explores the workload of `seed`; stops early (with the counts so far) at `deadline`, a
    /// `ContinuousClock` instant.
    public func explore(seed: UInt64, deadline: ContinuousClock.Instant? = nil) -> Report {
        explore(workload(seed: seed), seed: seed, deadline: deadline)
    }

    /// Explores the workloads of `seed`, `seed + 1`, ... until `workloads` of them are done or `deadline` passes
    /// (at least one is), or, with ``Configuration/stopAtFirstViolation``, one fails; `threads` workloads at a time
    /// (each workload's exploration is a function of its seed alone). `progress` gets the running totals after each
    /// workload. The report's ``Report/seconds`` is the wall-clock time; violations are in seed order.
    public func explore(
        from seed: UInt64, workloads: Int?, deadline: ContinuousClock.Instant?, threads: Int = 1,
        progress: @escaping @Sendable (Report) -> Void = { _ in }
    ) -> Report {
        struct Shared {
            var next: UInt64
            var started = 0
            var total: Report
            var stop = false
        }
        let shared = Mutex(Shared(next: seed, total: Report(model: configuration.model)))
        let clock = ContinuousClock()
        let began = clock.now
        DispatchQueue.concurrentPerform(iterations: max(threads, 1)) { _ in
            while true {
                let seed = shared.withLock { shared -> UInt64? in
                    if shared.stop { return nil }
                    if shared.started > 0 {
                        if let workloads, shared.started >= workloads { return nil }
                        if let deadline, clock.now >= deadline { return nil }
                        if workloads == nil && deadline == nil { return nil }
                    }
                    defer {
                        shared.next &+= 1
                        shared.started += 1
                    }
                    return shared.next
                }
                guard let seed else { return }
                let report = explore(seed: seed, deadline: deadline)
                shared.withLock { shared in
                    shared.total.merge(report)
                    if configuration.stopAtFirstViolation && !report.violations.isEmpty { shared.stop = true }
                    shared.total.seconds = Self.seconds(clock.now - began)
                    progress(shared.total)
                }
            }
        }
        var total = shared.withLock { $0.total }
        total.seconds = Self.seconds(clock.now - began)
        total.violations.sort { $0.seed < $1.seed }
        return total
    }

    /// Explores `workload`; `seed` draws the samples and the nested crashes.
    public func explore(_ workload: Workload, seed: UInt64, deadline: ContinuousClock.Instant? = nil) -> Report {
        let clock = ContinuousClock()
        let started = clock.now
        var session = Session(explorer: self, seed: seed)
        session.run(workload, deadline: deadline)
        session.report.seconds = Self.seconds(clock.now - started)
        return session.report
    }

    /// Removes steps from `workload` while exploring it still finds a violation of the same check (delta
    /// debugging), until `deadline`.
    /// - Returns: the smallest failing workload found and its first violation; nil when `workload` does not fail.
    public func shrink(
        _ workload: Workload, seed: UInt64, check: Violation.Check, deadline: ContinuousClock.Instant
    ) -> (Workload, Violation)? {
        workload.shrunk(deadline: deadline) { candidate in
            explore(candidate, seed: seed).violations.first { $0.check == check }
        }.map { ($0.workload, $0.failure) }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The options of every open on `fs`: the configuration's engine with its removed syncs.
    func options(_ fs: any FileSystem) -> Options {
        var options = configuration.engine.options(fileSystem: fs)
        if !configuration.removedSyncs.isEmpty {
            SyncAblatingFileSystem(
                wrapping: options.fileSystem, ablation: SyncAblation(removing: configuration.removedSyncs)
            ).install(into: &options)
        }
        return options
    }
}

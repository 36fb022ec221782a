import LSMKV
import VFS

/// The worker role of the `crashtest` executable: opens the database, runs the cycle's seeded workload and
/// records its history in the expected-state file, until the runner kills it (or it kills itself at a crash
/// point, or the workload ends).
///
/// Exit statuses: 0 the workload ended; 2 the job is invalid (a tester bug); 10 the database could not be
/// (re)opened (expected under injected faults, otherwise the runner's own reopen reports it); 11 the
/// expected-state file could not be written.
public enum CrashWorker {
    /// The workload ended and the database was closed.
    public static let finished: Int32 = 0
    /// The job could not be understood.
    public static let badJob: Int32 = 2
    /// The database could not be opened.
    public static let openFailed: Int32 = 10
    /// The expected-state file could not be written.
    public static let recordFailed: Int32 = 11

    /// Runs `job`; returns the process exit status.
    public static func run(_ job: WorkerJob) -> Int32 {
        let scenario: Scenario
        do {
            scenario = try Scenario.parse(job.scenarioSource, file: "job")
        } catch {
            return badJob
        }
        var recorder: ExpectedStateWriter
        do {
            recorder = try ExpectedStateWriter(path: job.expectedStatePath)
        } catch {
            return recordFailed
        }
        defer { recorder.close() }
        var fileSystem: any FileSystem = PosixFileSystem()
        var path = job.directory
        if scenario.model != .processCrash {
            guard let journalPath = job.journalPath else { return badJob }
            do {
                let simulated = try PowerLossImage.load(realDirectory: job.directory)
                fileSystem = try JournalingFileSystem(simulated: simulated, journalPath: journalPath)
                path = PowerLossImage.simulatedDirectory
            } catch {
                recorder.error("loading the database into the simulated file system: \(error)")
                return openFailed
            }
        }
        if !scenario.faults.isEmpty {
            fileSystem = FaultInjectingFileSystem(
                wrapping: fileSystem, rules: scenario.faults, seed: job.seed, syncFailure: scenario.syncFailure)
        }
        let trigger = CrashTrigger(point: job.crash.kind == .kill ? nil : job.crash.point, hit: job.crash.hit ?? 1) {
            ProcessControl.killSelf()
        }
        let options = scenario.engine.options(
            fileSystem: fileSystem, inlineBackgroundWork: job.inlineBackgroundWork,
            crashPointHook: { trigger.reached($0) })
        var runner = WorkloadRunner { [options] in try Database(path: path, options: options) }
        runner.openAttempts = 3
        runner.concurrency = .threads

        // Recovery of the crashed database: an open-point crash fires here.
        trigger.armed.store(job.crash.kind == .openPoint, ordering: .releasing)
        guard let db = try? runner.open(recording: &recorder) else { return openFailed }
        trigger.armed.store(job.crash.kind == .point, ordering: .releasing)

        let workload = Workload.random(seed: job.seed, count: scenario.steps, mix: scenario.mix)
        var recordingFailed = false
        let result = runner.run(workload, on: db, recording: &recorder) { error in
            // An injected fault: the operation stays unacknowledged. Reopen rather than keep writing to a
            // database that may have turned read-only. Any other error is the expected-state file's.
            if error is LSMKVError { return .reopen }
            recordingFailed = true
            return .stop
        }
        if result.openFailed { return openFailed }
        if recordingFailed { return recordFailed }
        guard let last = result.database else { return openFailed }
        do {
            try last.close()
            try recorder.markDurable()
        } catch let error as LSMKVError {
            recorder.error("close: \(error)")
        } catch {
            return recordFailed
        }
        return finished
    }
}

/// What survives a crash; the argument of ``SimulatedFileSystem/crash(seed:model:)``.
public enum CrashModel: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// The process died (SIGKILL) but the machine did not: everything written, synced or not, survives, and
    /// every directory operation survives. Open handles and locks are gone.
    case processCrash = "process-crash"

    /// The machine lost power. Everything made durable by a sync survives. Each write since the file's last
    /// sync survives whole, in part (torn at 512-byte sector granularity, each sector of it present, absent,
    /// zero-filled or garbage) or not at all, independently of the others, so the survivors need not be a prefix
    /// of the writes. Each truncate since the last sync survives or not. Each create, rename and remove since
    /// its directory's last sync survives or not, independently, but a rename survives as a whole: the
    /// destination name holds either the old or the new file, never a mix.
    case powerLoss = "power-loss"

    /// The harshest legal outcome: exactly the durable state, every unsynced write and unsynced directory
    /// operation lost.
    case strict

    /// The model's name, e.g. `power-loss`.
    public var description: String { rawValue }
}

/// How far compaction is behind, and so what writes must do.
enum CompactionPressure: Sendable {
    case none
    /// Delay each write a little.
    case slowdown
    /// Do not start a new MemTable until compaction catches up.
    case stop
}

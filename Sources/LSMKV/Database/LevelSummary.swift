/// The files and bytes in one level of the tree.
public struct LevelSummary: Sendable, Equatable {
    /// The level, 0 to 6.
    public var level: Int
    /// The number of tables in it.
    public var files: Int
    /// Their total size in bytes.
    public var bytes: Int
}

extension FileSystemError {
    /// The ``detail`` of every error thrown by a file system that has (in simulation) crashed.
    public static let simulatedCrashDetail = "simulated crash"

    /// The error a simulated file system throws for every operation once it has crashed: code `.other`, never
    /// produced by a real disk, and ``detail`` ``simulatedCrashDetail``.
    public static func simulatedCrash(
        operation: FileSystemOperation.Kind, path: String, function: String = #function, file: String = #fileID,
        line: Int = #line
    ) -> FileSystemError {
        FileSystemError(
            .other, operation: operation, path: path, detail: simulatedCrashDetail, function: function, file: file,
            line: line)
    }

    /// Whether this error means "the (simulated) machine is gone" rather than an ordinary failure: a test
    /// driving a storage engine stops the workload when it sees one, takes the crash state and reopens.
    public var isSimulatedCrash: Bool { code == .other && detail == Self.simulatedCrashDetail }
}

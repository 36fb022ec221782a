/// A fault a ``FaultInjectingFileSystem`` injected, as logged in ``FaultInjectingFileSystem/injectedFaults``.
public struct InjectedFault: Sendable, Equatable, CustomStringConvertible {
    /// The position of the rule in the file system's rule list, from 0.
    public var ruleIndex: Int
    /// The rule that fired.
    public var rule: FaultRule
    /// The operation it hit.
    public var operation: FileSystemOperation.Kind
    /// The path of the operation (the source of a rename).
    public var path: String
    /// The file offset of a read or write; `nil` for an append to a file opened with
    /// ``FileSystem/openWritable(_:)`` before any truncate (asking the wrapped file for its size would be an extra
    /// operation on it).
    public var offset: Int?
    /// What exactly was done, e.g. `torn write: 37 of 100 bytes written`.
    public var detail: String

    /// Creates a record.
    public init(
        ruleIndex: Int, rule: FaultRule, operation: FileSystemOperation.Kind, path: String, offset: Int?,
        detail: String
    ) {
        self.ruleIndex = ruleIndex
        self.rule = rule
        self.operation = operation
        self.path = path
        self.offset = offset
        self.detail = detail
    }

    /// For example `rule 2 (sync path=*.log nth=3 -> drop) on sync /db/000003.log: sync dropped`.
    public var description: String {
        var text = "rule \(ruleIndex) (\(rule)) on \(operation.rawValue) \(path)"
        if let offset { text += " @\(offset)" }
        return text + ": \(detail)"
    }
}

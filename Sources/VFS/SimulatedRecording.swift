import Synchronization

/// A recording of a ``SimulatedFileSystem`` run: a ``SimulatedSnapshot`` after every operation, so the crash
/// states of every instant can be built after one run (see ``SimulatedFileSystem/startRecording()``).
///
/// Snapshot `count` is the state after the first `count` operations since the recording started (snapshot 0 is
/// the state at the start). Operations that cannot change the disk (``FileSystemOperation/Kind/isMutation``) or
/// that failed share the previous snapshot's storage, so the recording costs, per mutating operation, one copy of
/// the file it touched.
///
/// The snapshots are taken by the ``SimulatedFileSystem/onOperation`` hook, which runs after the operation's lock
/// is released: the recording is exact when one thread makes the calls (the crash tests run the engine's
/// background work inline). When another call slipped in between, ``isExact`` turns false.
public final class SimulatedRecording: Sendable {
    private struct Storage {
        var snapshots: [SimulatedSnapshot]
        var mutations: [Bool] = []
        var operations: [FileSystemOperation] = []
        var isExact = true
        var stopped = false
    }

    private let storage: Mutex<Storage>
    /// The file system's operation count when the recording started.
    public let startIndex: Int

    /// The hook that was set when the recording started; restored by ``SimulatedFileSystem/stopRecording(_:)``.
    let previousHook: (@Sendable (FileSystemOperation) -> Void)?

    init(start: SimulatedSnapshot, startIndex: Int, previousHook: (@Sendable (FileSystemOperation) -> Void)?) {
        storage = Mutex(Storage(snapshots: [start]))
        self.startIndex = startIndex
        self.previousHook = previousHook
    }

    /// The number of operations recorded.
    public var operationCount: Int { storage.withLock { $0.operations.count } }

    /// Whether every snapshot is the state right after its operation (no other thread's call came between).
    public var isExact: Bool { storage.withLock { $0.isExact } }

    /// The state after the first `count` recorded operations (`0...operationCount`).
    public func snapshot(afterOperations count: Int) -> SimulatedSnapshot { storage.withLock { $0.snapshots[count] } }

    /// The recorded operations, oldest first; operation `i` took snapshot `i` to snapshot `i + 1`.
    public var operations: [FileSystemOperation] { storage.withLock { $0.operations } }

    /// Whether operation `i` succeeded and could change the disk (so snapshot `i + 1` may differ from `i`).
    public var mutations: [Bool] { storage.withLock { $0.mutations } }

    /// Records one operation; takes a snapshot when it changed the state.
    func record(_ operation: FileSystemOperation, from fileSystem: SimulatedFileSystem) {
        let changed = operation.kind.isMutation && operation.error == nil
        let snapshot: SimulatedSnapshot?
        var count = 0
        if changed {
            (snapshot, count) = fileSystem.state.withLock { (SimulatedSnapshot($0), $0.operationCount) }
        } else {
            snapshot = nil
        }
        storage.withLock { storage in
            guard !storage.stopped else { return }
            if changed && count != operation.index + 1 { storage.isExact = false }
            if operation.index != startIndex + storage.operations.count { storage.isExact = false }
            storage.snapshots.append(snapshot ?? storage.snapshots[storage.snapshots.count - 1])
            storage.mutations.append(changed)
            storage.operations.append(operation)
        }
    }

    /// Ends the recording: later operations are not recorded.
    func stop() { storage.withLock { $0.stopped = true } }
}

extension SimulatedFileSystem {
    /// The crash-relevant state at this instant.
    public func snapshot() -> SimulatedSnapshot { state.withLock { SimulatedSnapshot($0) } }

    /// Starts recording a snapshot after every operation, through ``onOperation`` (any hook set before is still
    /// called, after the recording's). Call ``stopRecording(_:)`` to end it and restore the previous hook.
    public func startRecording() -> SimulatedRecording {
        let (start, index, previous) = state.withLock { ($0, $0.operationCount, $0.onOperation) }
        let recording = SimulatedRecording(
            start: SimulatedSnapshot(start), startIndex: index, previousHook: previous)
        onOperation = { [weak self] operation in
            if let self { recording.record(operation, from: self) }
            previous?(operation)
        }
        return recording
    }

    /// Ends `recording` and restores the hook set before it started.
    public func stopRecording(_ recording: SimulatedRecording) {
        recording.stop()
        onOperation = recording.previousHook
    }
}

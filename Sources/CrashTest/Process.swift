#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a child process ended.
public enum ProcessTermination: Sendable, Equatable, CustomStringConvertible {
    /// It called `exit` with this status.
    case exited(Int32)
    /// A signal killed it (9 is SIGKILL).
    case signaled(Int32)

    /// Whether SIGKILL ended it: the crash a crash test causes on purpose.
    public var isKill: Bool { self == .signaled(SIGKILL) }

    public var description: String {
        switch self {
        case .exited(let status): return "exited with status \(status)"
        case .signaled(let signal): return signal == SIGKILL ? "killed (SIGKILL)" : "died of signal \(signal)"
        }
    }
}

/// Why a child process could not be started.
public struct ProcessSpawnError: Error, Sendable, CustomStringConvertible {
    /// The program that failed to start.
    public var executable: String
    /// The `errno` posix_spawn returned.
    public var code: Int32

    public var description: String {
        "could not start \(executable): \(String(cString: strerror(code))) (errno \(code)); check that it exists and is executable"
    }
}

/// Every libc process call the crash runner makes, in one place: spawn, kill, wait, sleep, and the few facts about
/// the current process it needs. Everything above this file is safe Swift.
public enum ProcessControl {
    /// Starts `executable` with `arguments` (not including argv[0]) and exactly `environment`.
    /// - Returns: the child's process id.
    /// - Throws: ``ProcessSpawnError`` when `posix_spawn` fails.
    public static func spawn(executable: String, arguments: [String], environment: [String: String])
        throws(ProcessSpawnError) -> Int32
    {
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, nil, nil, argv, envp)
        guard result == 0 else { throw ProcessSpawnError(executable: executable, code: result) }
        return pid
    }

    /// Sends SIGKILL to `pid`. A process that already exited is not an error.
    public static func kill(_ pid: Int32) { _ = Glibc.kill(pid, SIGKILL) }

    /// Kills the current process with SIGKILL, as a crash test's crash point does. Never returns.
    public static func killSelf() -> Never {
        _ = Glibc.kill(getpid(), SIGKILL)
        while true { pause() }
    }

    /// Reaps `pid` if it has ended, without blocking.
    /// - Returns: how it ended, or nil while it is still running.
    public static func poll(_ pid: Int32) -> ProcessTermination? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == -1 && errno == EINTR { continue }
            if result == 0 { return nil }
            if result == -1 { return .exited(-1) }  // not our child any more: treat as gone
            return decode(status)
        }
    }

    /// Blocks until `pid` ends and reaps it.
    public static func wait(_ pid: Int32) -> ProcessTermination {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, 0)
            if result == -1 && errno == EINTR { continue }
            if result == -1 { return .exited(-1) }
            return decode(status)
        }
    }

    private static func decode(_ status: Int32) -> ProcessTermination {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }

    /// Sleeps the calling thread for `microseconds`.
    public static func sleep(microseconds: Int) {
        guard microseconds > 0 else { return }
        var request = timespec(tv_sec: microseconds / 1_000_000, tv_nsec: (microseconds % 1_000_000) * 1000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
    }

    /// The absolute path of the running executable (`/proc/self/exe`), or nil when it cannot be read.
    public static var currentExecutable: String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The environment of the current process.
    public static var environment: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }

    /// The current process's id.
    public static var processID: Int32 { getpid() }

    /// Flushes buffered standard output (for a progress line without a newline).
    public static func flushStandardOutput() { fflush(nil) }

    /// Whether standard output is a terminal (for a live progress line).
    public static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Monotonic time in nanoseconds, for deadlines and durations.
    public static var monotonicNanoseconds: UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

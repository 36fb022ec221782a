import Dispatch
import Foundation
import Synchronization
import Testing

@testable import LSMKV

@Suite struct BackgroundWorkerTests {
    /// The calling thread's nice value, field 19 of /proc/thread-self/stat (Linux), or nil elsewhere.
    static func currentThreadNiceness() -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/thread-self/stat", encoding: .utf8),
            let afterName = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the parenthesised name start at field 3, the state; the nice value is field 19.
        let fields = stat[stat.index(after: afterName)...].split(separator: " ")
        return fields.count > 16 ? Int(fields[16]) : nil
    }

    @Test func jobsRunOneAtATimeInQueueOrderAndSyncExcludesThem() {
        let worker = BackgroundWorker(name: "test.worker", niceness: 0)
        let order = Mutex<[Int]>([])
        let running = Atomic<Int>(0)
        let overlaps = Atomic<Int>(0)
        let done = DispatchGroup()
        for index in 0..<200 {
            done.enter()
            worker.async {
                if running.wrappingAdd(1, ordering: .relaxed).newValue > 1 { overlaps.add(1, ordering: .relaxed) }
                order.withLock { $0.append(index) }
                running.subtract(1, ordering: .relaxed)
                done.leave()
            }
            if index % 50 == 0 {
                worker.sync {
                    if running.load(ordering: .relaxed) != 0 { overlaps.add(1, ordering: .relaxed) }
                }
            }
        }
        done.wait()
        #expect(order.withLock { $0 } == Array(0..<200))
        #expect(overlaps.load(ordering: .relaxed) == 0)
    }

    @Test func aJobQueuedAfterTheThreadWentIdleStillRuns() {
        let worker = BackgroundWorker(name: "test.idle", niceness: 0)
        for round in 0..<20 {
            let ran = DispatchSemaphore(value: 0)
            worker.async { ran.signal() }
            #expect(ran.wait(timeout: .now() + 10) == .success, "round \(round)")
            if round % 4 == 0 { usleep(2_000) }  // let the thread end between some rounds
        }
    }

    @Test func theWorkersThreadRunsAtTheRequestedNicenessAndTheCallersDoesNot() throws {
        guard let before = Self.currentThreadNiceness() else { return }  // not Linux
        let worker = BackgroundWorker(name: "test.nice", niceness: 7)
        let seen = Mutex<Int?>(nil)
        let ran = DispatchSemaphore(value: 0)
        worker.async {
            seen.withLock { $0 = Self.currentThreadNiceness() }
            ran.signal()
        }
        #expect(ran.wait(timeout: .now() + 10) == .success)
        // Nice values stop at 19.
        #expect(seen.withLock { $0 } == min(before + 7, 19))
        #expect(Self.currentThreadNiceness() == before)
    }
}

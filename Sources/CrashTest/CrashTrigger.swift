import LSMKV
import Synchronization

/// Counts hits of one engine crash point (through ``LSMKV/Options/crashPointHook``) and runs its action at the
/// chosen hit: the worker kills its own process there, the in-process replay (``InProcessReplay``) makes its
/// simulated disk die.
final class CrashTrigger: Sendable {
    let point: CrashPoint?
    let hit: Int
    let action: @Sendable () -> Void
    /// Whether hits count (the trigger is armed only in the phase the crash spec names: open or workload).
    let armed = Atomic<Bool>(false)
    let hits = Atomic<Int>(0)
    /// Whether the action ran.
    let fired = Atomic<Bool>(false)

    /// Runs `action` at hit `hit` of `point` (never when `point` is nil).
    init(point: CrashPoint?, hit: Int, action: @escaping @Sendable () -> Void) {
        self.point = point
        self.hit = hit
        self.action = action
    }

    /// The engine reached `reached`.
    func reached(_ reached: CrashPoint) {
        guard reached == point, armed.load(ordering: .acquiring) else { return }
        if hits.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue >= hit {
            fired.store(true, ordering: .releasing)
            action()
        }
    }
}

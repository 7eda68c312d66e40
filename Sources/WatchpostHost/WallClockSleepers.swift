// WallClockSleepers owns the waiting of every `SystemClock.sleep` in the program: one table of
// sleepers and one driver task that wakes them when the wall clock reaches their deadline.
//
// Why not one `Task.sleep` per sleeper: on Linux a cancelled `Task.sleep` resumes at once but
// leaves its dispatch timer and the sleep's job allocated until the original deadline. The web
// server races every request against a 15 s deadline (`withDeadline`), and almost every race is
// won by the request, so the cancelled timers piled up: heaptrack during `bench/web/run.sh soak`
// showed one live `Task.sleep` allocation per request of the last 15 s — the memory that grew
// "in proportion to the requests in flight" in issue #21. Here a cancelled sleeper is taken out
// of the table and freed at once. Only the driver's own sleep can be left behind when an
// earlier deadline arrives and the driver is replaced, at most one per replacement.
import WatchpostCore
import Posix
import Synchronization

final class WallClockSleepers: Sendable {
    /// The program's one table (every `SystemClock` value shares it).
    static let shared = WallClockSleepers(now: { Instant(milliseconds: wallClockMilliseconds()) })

    private struct Sleeper {
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var sleepers: [UInt64: Sleeper] = [:]
        var nextID: UInt64 = 0
        /// When the running driver will next look at the table; nil when no driver runs.
        var driverWake: Instant?
        var driver: Task<Void, Never>?
        /// Tells a replaced driver that it must stop.
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    private let now: @Sendable () -> Instant
    /// The longest single wait of the driver, so that a step of the wall clock (NTP, an operator
    /// setting the time) is noticed within a minute and a stored deadline still fires on time.
    private let longestWait: Int64

    init(now: @escaping @Sendable () -> Instant, longestWaitMilliseconds: Int64 = 60_000) {
        self.now = now
        self.longestWait = longestWaitMilliseconds
    }

    /// Sleepers waiting now (a cancelled one is gone at once).
    var count: Int { state.withLock { $0.sleepers.count } }

    /// Suspends until the wall clock reads at least `deadline`; throws `CancellationError` when
    /// the calling task is cancelled, and frees its entry at that moment.
    func sleep(until deadline: Instant) async throws {
        if deadline <= now() { try Task.checkCancellation(); return }
        let id: UInt64 = state.withLock { s in s.nextID &+= 1; return s.nextID }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { s in
                    // Cancelled before the entry existed: the handler below found nothing to remove.
                    if Task.isCancelled { return true }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: c)
                    if s.driverWake.map({ deadline < $0 }) ?? true { replaceDriver(&s, wake: deadline) }
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let cancelled = state.withLock { $0.sleepers.removeValue(forKey: id) }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// With the lock held: a new driver that first looks at the table at `wake`.
    private func replaceDriver(_ s: inout State, wake: Instant) {
        s.driver?.cancel()
        s.generation &+= 1
        let generation = s.generation
        s.driverWake = wake
        s.driver = Task.detached { [self] in await drive(generation: generation, firstWake: wake) }
    }

    private enum Turn { case replaced, idle, next(Instant) }

    private func drive(generation: UInt64, firstWake: Instant) async {
        var wake = firstWake
        while true {
            let left = (wake - now()).milliseconds
            if left > 0 {
                do { try await Task.sleep(for: .milliseconds(min(left, longestWait))) } catch { return }  // replaced
            }
            let t = now()
            var due: [CheckedContinuation<Void, any Error>] = []
            let turn: Turn = state.withLock { s in
                guard s.generation == generation else { return .replaced }
                var earliest: Instant?
                var dueIDs: [UInt64] = []
                for (id, sleeper) in s.sleepers {
                    if sleeper.deadline <= t {
                        dueIDs.append(id)
                        due.append(sleeper.continuation)
                    } else if earliest.map({ sleeper.deadline < $0 }) ?? true {
                        earliest = sleeper.deadline
                    }
                }
                for id in dueIDs { s.sleepers[id] = nil }
                s.driverWake = earliest
                guard let earliest else { s.driver = nil; return .idle }
                return .next(earliest)
            }
            for c in due { c.resume() }
            switch turn {
            case .replaced, .idle: return
            case .next(let next): wake = next
            }
        }
    }
}

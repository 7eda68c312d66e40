import Synchronization

/// A clock that moves only when told to. Tests use it to replay days of scenarios in
/// milliseconds: `advance(by:)` wakes every sleeper whose deadline has been reached, in order.
public final class ManualClock: WatchpostClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Instant
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    public init(now: Instant) { state = Mutex(State(now: now)) }

    public func now() -> Instant { state.withLock { $0.now } }

    /// Sets the time (never backwards) and resumes the sleepers that are due.
    public func advance(to t: Instant) {
        let due: [Sleeper] = state.withLock { s in
            if t > s.now { s.now = t }
            let ready = s.sleepers.filter { $0.deadline <= s.now }.sorted { $0.deadline < $1.deadline }
            s.sleepers.removeAll { $0.deadline <= s.now }
            return ready
        }
        for s in due { s.continuation.resume() }
    }

    public func advance(by span: Seconds) { advance(to: now() + span) }

    /// How many tasks are sleeping on this clock (lets a test wait until a service is parked).
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until deadline: Instant) async throws {
        let id: UInt64 = state.withLock { s in s.nextID += 1; return s.nextID }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { s in
                    if deadline <= s.now || Task.isCancelled { return true }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: c))
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let cancelled: Sleeper? = state.withLock { s in
                guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.sleepers.remove(at: i)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }
}

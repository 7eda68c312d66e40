// The one deadline primitive of the program: an operation raced against an instant of an
// injected clock, and the one resume-once helper it is built on. Probes, the daemon's shutdown,
// the blocking pool's callers and the services all use these, so a "did not answer in time" has
// one meaning everywhere and tests drive it with `ManualClock` without sleeping.
import Synchronization

/// Resumes a continuation at most once, whichever of several racers gets there first.
public final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, Never>?>
    public init(_ c: CheckedContinuation<T, Never>) { continuation = Mutex(c) }
    /// True when this call resumed it; false when another racer already had.
    @discardableResult
    public func resume(_ value: T) -> Bool {
        guard let c = continuation.withLock({ c -> CheckedContinuation<T, Never>? in let x = c; c = nil; return x }) else { return false }
        c.resume(returning: value)
        return true
    }
}

/// What came of an operation raced against a deadline.
public enum DeadlineOutcome<T: Sendable>: Sendable {
    case finished(T)
    /// The deadline passed first. The operation's task was cancelled but may still be running
    /// (a call stuck in C cannot be interrupted); `stillRunning` tells when it has returned.
    case timedOut(stillRunning: OperationHandle)

    public var value: T? { if case .finished(let v) = self { return v }; return nil }
}

/// Tells whether a raced operation that missed its deadline has returned since.
public final class OperationHandle: Sendable {
    private let done = Mutex(false)
    public init() {}
    public var hasReturned: Bool { done.withLock { $0 } }
    func markReturned() { done.withLock { $0 = true } }
}

/// Runs `operation` in a task of its own and returns when it finishes or when `clock` reaches
/// `deadline`, whichever is first. At the deadline the operation's task is cancelled and left to
/// finish on its own: it is never awaited, so a hung operation cannot hold up the caller.
/// Cancelling the caller counts as reaching the deadline.
public func withDeadline<T: Sendable>(_ deadline: Instant, clock: any WatchpostClock,
                                      _ operation: @escaping @Sendable () async -> T) async -> DeadlineOutcome<T> {
    let handle = OperationHandle()
    let work = Mutex<Task<Void, Never>?>(nil)
    let timer = Mutex<Task<Void, Never>?>(nil)
    let outcome: DeadlineOutcome<T> = await withTaskCancellationHandler {
        await withCheckedContinuation { (c: CheckedContinuation<DeadlineOutcome<T>, Never>) in
            let once = ResumeOnce(c)
            work.withLock {
                $0 = Task {
                    let v = await operation()
                    handle.markReturned()
                    once.resume(.finished(v))
                }
            }
            // Cancelled before the timer existed: the handler below had nothing to cancel.
            let callerCancelled = Task.isCancelled
            timer.withLock {
                $0 = Task {
                    if !callerCancelled { try? await clock.sleep(until: deadline) }
                    once.resume(.timedOut(stillRunning: handle))
                }
            }
        }
    } onCancel: {
        timer.withLock { $0?.cancel() }
    }
    switch outcome {
    case .finished: timer.withLock { $0?.cancel() }
    case .timedOut: work.withLock { $0?.cancel() }
    }
    return outcome
}

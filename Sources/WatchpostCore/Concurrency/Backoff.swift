// The one back-off primitive of the program: after each failure in a row the next attempt waits
// twice as long (from `initial`, capped at `maximum`), on the injected clock so that tests drive
// it with `ManualClock`. The NovaStar client's reconnects, the incident engine's commits and the
// outbox's storage failures all wait through it (issue #19: a failing commit on a full disk was
// retried seven times a second while the log said "retry in 1 minute").

/// Exponential back-off between attempts: 1 s, 2 s, 4 s … `maximum`, reset by a success.
public struct Backoff: Sendable, Hashable {
    public var initial: Seconds
    public var maximum: Seconds
    /// Failures in a row since the last success.
    public private(set) var failures = 0
    /// No attempt before this instant; nil when the last attempt succeeded (or none was made).
    public private(set) var notBefore: Instant?

    public init(initial: Seconds = .seconds(1), maximum: Seconds = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// Whether an attempt may be made at `now`.
    public func mayAttempt(at now: Instant) -> Bool { notBefore.map { now >= $0 } ?? true }

    /// The wait after the `failures`-th failure in a row (1-based): `initial` doubled each time, capped.
    public func delay(afterFailures failures: Int) -> Seconds {
        let shift = Int64(min(max(failures - 1, 0), 40))
        let initialMs = max(initial.milliseconds, 0)
        // Doubling stops at the cap before it can overflow.
        let doubled = shift >= 62 || initialMs > (Int64.max >> shift) ? Int64.max : initialMs << shift
        return Seconds(milliseconds: min(maximum.milliseconds, doubled))
    }

    /// Records a failed attempt at `now`; returns how long the next one waits.
    @discardableResult
    public mutating func recordFailure(at now: Instant) -> Seconds {
        failures += 1
        let wait = delay(afterFailures: failures)
        notBefore = now + wait
        return wait
    }

    public mutating func recordSuccess() { failures = 0; notBefore = nil }
}

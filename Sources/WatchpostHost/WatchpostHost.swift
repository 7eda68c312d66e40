// WatchpostHost owns the two places where the pure domain meets the running system: the wall
// clock (`SystemClock`, the production `WatchpostClock`) and standard error (`StandardErrorSink`,
// the production `LogSink`). Posix stays free of domain types; the domain stays free of system
// calls; the composition root and the commands create these values and pass them on.
import WatchpostCore
import Posix

/// Wall-clock time from CLOCK_REALTIME; sleeps re-check the wall clock so that a deadline stored
/// in the database fires at its time even if the system clock was stepped meanwhile.
public struct SystemClock: WatchpostClock {
    public init() {}

    public func now() -> Instant { Instant(milliseconds: wallClockMilliseconds()) }

    public func sleep(until deadline: Instant) async throws {
        while true {
            let left = deadline - now()
            if left.milliseconds <= 0 { return }
            // Cap a single sleep so that clock steps are noticed within a minute.
            try await Task.sleep(for: .milliseconds(min(left.milliseconds, 60_000)))
        }
    }
}

/// Writes log lines to standard error, one `write(2)` per line so that lines from several
/// threads never interleave.
public struct StandardErrorSink: LogSink {
    public init() {}
    public func write(line: String) { writeToStandardError(line + "\n") }
}

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

    /// Waits in the program's one table of wall-clock sleepers (`WallClockSleepers`): a
    /// cancelled sleep is freed at once, which a `Task.sleep` per call is not.
    public func sleep(until deadline: Instant) async throws {
        try await WallClockSleepers.shared.sleep(until: deadline)
    }

    /// Sleepers waiting on the wall clock now (for `/metrics` and the tests).
    public static var sleeperCount: Int { WallClockSleepers.shared.count }
}

/// Writes log lines to standard error, one `write(2)` per line so that lines from several
/// threads never interleave.
public struct StandardErrorSink: LogSink {
    public init() {}
    public func write(line: String) { writeToStandardError(line + "\n") }
}

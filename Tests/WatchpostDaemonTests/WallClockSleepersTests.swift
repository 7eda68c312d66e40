// The wall clock's one table of sleepers (WatchpostHost.WallClockSleepers): a cancelled sleep is
// freed at once (the web server cancels one per request: issue #21's memory under load), an
// earlier deadline is not held up by a later one, and a step of the wall clock is noticed.
// Each test uses its own table and, where time matters, its own settable "wall clock".
@testable import WatchpostHost
import WatchpostCore
import WatchpostTestSupport
import Posix
import Synchronization
import Testing

@Suite struct WallClockSleepersTests {
    private static func wallNow() -> Instant { Instant(milliseconds: wallClockMilliseconds()) }

    @Test func aThousandCancelledSleepsLeaveNothingBehind() async throws {
        let table = WallClockSleepers(now: { Self.wallNow() })
        let anHourAway = Self.wallNow() + .hours(1)
        let sleeps = (0..<1000).map { _ in Task { try await table.sleep(until: anHourAway) } }
        try await waitUntil("1000 sleepers in the table", within: 60) { table.count == 1000 }
        for s in sleeps { s.cancel() }
        for s in sleeps {
            let outcome = await s.result
            #expect(throws: CancellationError.self) { try outcome.get() }
        }
        // Freed when cancelled, not an hour later.
        expectEqual(table.count, 0)
    }

    @Test func anEarlierDeadlineIsNotHeldUpByALaterOne() async throws {
        let table = WallClockSleepers(now: { Self.wallNow() })
        let late = Task { try await table.sleep(until: Self.wallNow() + .hours(1)) }
        try await waitUntil("the late sleeper in the table", within: 60) { table.count == 1 }
        let start = monotonicNanoseconds()
        try await table.sleep(until: Self.wallNow() + Seconds(milliseconds: 200))
        // Woken at its own deadline (not before it), not at the hour of the sleeper before it.
        #expect(Double(monotonicNanoseconds() &- start) / 1e9 >= 0.19)
        expectEqual(table.count, 1)
        late.cancel()
        _ = await late.result
        expectEqual(table.count, 0)
    }

    @Test func aStepOfTheWallClockWakesTheSleepersItPassed() async throws {
        // A settable wall clock; the driver looks at it at least every 20 ms.
        let wall = Mutex(Self.wallNow())
        let table = WallClockSleepers(now: { wall.withLock { $0 } }, longestWaitMilliseconds: 20)
        let target = wall.withLock { $0 } + .hours(2)
        let woken = Mutex(false)
        let sleeper = Task {
            try await table.sleep(until: target)
            woken.withLock { $0 = true }
        }
        try await waitUntil("the sleeper in the table", within: 60) { table.count == 1 }
        #expect(!woken.withLock { $0 })
        wall.withLock { $0 = target + .seconds(1) }  // NTP stepped the clock two hours ahead
        try await sleeper.value
        #expect(woken.withLock { $0 })
        expectEqual(table.count, 0)
    }

    @Test func aSleepAlreadyDueReturnsAndACancelledCallerThrows() async throws {
        let table = WallClockSleepers(now: { Self.wallNow() })
        try await table.sleep(until: Self.wallNow() - .seconds(1))
        let cancelledFirst = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await table.sleep(until: Self.wallNow() + .hours(1))
        }
        let outcome = await cancelledFirst.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        expectEqual(table.count, 0)
    }
}

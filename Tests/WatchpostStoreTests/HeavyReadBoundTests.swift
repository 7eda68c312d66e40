// The bound on heavy reads (#19 review s9): a few at once, a short queue served in turns across
// client addresses, a refusal when the wait ends, and a read whose caller gives up stopped in
// the middle of its query (on a pool thread, where no task is there to be cancelled).
import Testing
import WatchpostCore
import WatchpostStore
import Posix
import WatchpostTestSupport
import SQLite
import Glibc
import Synchronization

/// Shared between the test and its reads' bodies.
private final class Seen: Sendable {
    let order = Mutex<[String]>([])
    let started = Atomic<Bool>(false)
}

@Suite(.serialized) struct HeavyReadBoundTests {
    func outcome(_ t: Task<Void, any Error>) async -> String {
        do { try await t.value; return "done" } catch let e as HeavyReadFailure {
            switch e { case .busy: return "busy"; case .stopped: return "stopped"; case .storage(let s): return "storage: \(s)" }
        } catch { return "other: \(error)" }
    }

    @Test func readsTakeTurnsAcrossAddressesAndTheQueueIsBounded() async throws {
        let dir = try makeTemporaryFolder("watchpost-heavy")
        defer { removeTree(dir) }
        let clock = ManualClock(now: Instant.parse("2026-11-24T08:00:00+07:00")!)
        let store = try Store(path: "\(dir)/watchpost.db", clock: clock)
        let reads = HeavyReads(store: store, clock: clock, limits: .init(slots: 1, queuedPerAddress: 2, queued: 3, wait: .seconds(3)), pool: BlockingPool(threads: 4))
        let seen = Seen()
        let first = BlockingGate()
        func read(_ address: String, _ name: String, gate: BlockingGate? = nil) -> Task<Void, any Error> {
            Task {
                try await reads.run(address: address) { _ in
                    gate?.wait()
                    seen.order.withLock { $0.append(name) }
                }
            }
        }
        let a1 = read("a", "a1", gate: first)
        try await waitUntil("a1 running", within: 60) { reads.usage.running == 1 }
        // One after another, so that the queue's order is known.
        let a2 = read("a", "a2")
        try await waitUntil("a2 waiting", within: 60) { reads.usage.waiting == 1 }
        let a3 = read("a", "a3")
        try await waitUntil("a3 waiting", within: 60) { reads.usage.waiting == 2 }
        // A third waiting read of one address is refused at once; so is a fourth waiting read in all.
        await expectEqual(outcome(read("a", "a4")), "busy")
        let b1 = read("b", "b1")
        try await waitUntil("b1 waiting", within: 60) { reads.usage.waiting == 3 }
        await expectEqual(outcome(read("c", "c1")), "busy")
        first.open()
        for t in [a1, b1, a2, a3] { await expectEqual(outcome(t), "done") }
        // b's read came before a's second and third: turns go round the addresses.
        expectEqual(seen.order.withLock { $0 }, ["a1", "b1", "a2", "a3"])
        #expect(reads.usage == (0, 0))

        // A read that waits for the whole wait is refused; the slot's read goes on.
        let second = BlockingGate()
        let long = read("a", "long", gate: second)
        try await waitUntil("the long read running", within: 60) { reads.usage.running == 1 }
        let late = read("b", "late")
        try await waitUntil("the late read waiting on the clock", within: 60) { reads.usage.waiting == 1 && clock.sleeperCount >= 1 }
        clock.advance(by: .seconds(3))
        await expectEqual(outcome(late), "busy")
        #expect(reads.usage == (1, 0))
        second.open()
        await expectEqual(outcome(long), "done")
        #expect(reads.usage == (0, 0))
    }

    @Test func aReadWhoseCallerGivesUpStopsInTheMiddleOfItsQuery() async throws {
        let dir = try makeTemporaryFolder("watchpost-heavy-stop")
        defer { removeTree(dir) }
        let clock = ManualClock(now: Instant.parse("2026-11-24T08:00:00+07:00")!)
        let store = try Store(path: "\(dir)/watchpost.db", clock: clock)
        let reads = HeavyReads(store: store, clock: clock, limits: .init(slots: 1), pool: BlockingPool(threads: 2))
        let seen = Seen()
        // Rendering that never ends by itself: only the stop signal, raised by the caller's
        // cancellation, ends it (the check between rows; the query's own stop is the test below).
        let endless = Task {
            try await reads.run(address: "a") { read in
                seen.started.store(true, ordering: .sequentiallyConsistent)
                while true {
                    try read.checkNotStopped()
                    sched_yield()
                }
            }
        }
        try await waitUntil("the endless rendering running", within: 60) { seen.started.load(ordering: .sequentiallyConsistent) }
        endless.cancel()
        await expectEqual(outcome(endless), "stopped")
        #expect(reads.usage == (0, 0))
        // The connection goes on serving the next read.
        let next = Task { try await reads.run(address: "a") { read in _ = try read.broadcastPage(site: nil, from: clock.now(), to: clock.now() + .hours(1), limit: 10) } }
        await expectEqual(outcome(next), "done")
    }

    @Test func aRaisedStopSignalInterruptsAQueryOnAnotherThread() async throws {
        let dir = try makeTemporaryFolder("watchpost-stop-signal")
        defer { removeTree(dir) }
        let conn = try SQLiteConnection(path: "\(dir)/x.db")
        let signal = StopSignal()
        conn.interrupt(when: signal)
        let lent = LentConnection(conn)
        let started = BlockingGate()
        let query = Task {
            try await runOnOwnThread { () throws -> String in
                started.open()
                do {
                    // Never ends by itself (an endless recursive CTE): only the signal stops it.
                    _ = try lent.connection.query("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n")
                    return "finished"
                } catch let e as SQLiteError { return e.message }
            }
        }
        started.wait()
        signal.raise()
        try await expectEqual(query.value, "interrupted")
    }
}

/// `@unchecked Sendable` is safe: the connection is used by the one thread of the query above
/// only, after the test made it and before the test reads the result.
private final class LentConnection: @unchecked Sendable {
    let connection: SQLiteConnection
    init(_ c: SQLiteConnection) { connection = c }
}

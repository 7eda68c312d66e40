// Issue #19, point 12, on a real full 2 MiB tmpfs with the injected clock: once an incident commit
// fails, no commit is tried before its back-off (1 s, 2 s, 4 s …) whoever asks — results or the
// timer — and the steps taken meanwhile (a problem that started and ended while the disk was
// full) are recorded, in order, once there is room again. Nothing sleeps.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostStore
@testable import WatchpostDaemon
import Posix

@Suite("Commit back-off (#19)", .serialized)
struct CommitBackoffTests {
    typealias F = Fixture

    @Test func aFailingCommitWaitsForItsBackoffAndItsStepsAreRecordedWhenSpaceReturns() async throws {
        let volume = try await SmallVolume(size: "2m")
        defer { volume.unmount() }
        let db = "\(volume.path)/watchpost.db"
        let t0 = F.local("2026-11-24T02:00")
        let clock = ManualClock(now: t0)
        let store = try Store(path: db, clock: clock)
        // Two content checks without flapping detection: "storm" comes and goes, "brief" fails once.
        func spec(_ id: String) -> CheckSpec {
            var s = CheckSpec(key: F.key(id), name: "Nội dung \(id) / Content \(id)", kind: "content", category: .security, failAfter: 1, recoverAfter: 1)
            s.flapping = FlappingPolicy(enabled: false)
            return s
        }
        let p = IncidentProcessor(configuration: try F.configuration(), settings: try F.settings([spec("storm"), spec("brief")]), store: store, clock: clock,
                                  logger: Logger(sink: CapturedLog(), clock: clock))
        // The disk fills, reserve included (the reserve's own use is DiskFullTests' subject).
        FileSystem.remove(StorageReserve.path(forDatabase: db))
        volume.fill("\(volume.path)/filler")
        // Problems come and go until a commit finds no room (SQLite reuses its WAL for a while).
        var flips = 0
        func flip() async {
            flips += 1
            clock.advance(by: Seconds(milliseconds: 10))
            await p.handle(key: F.key("storm"), kind: "content", result: flips % 2 == 1 ? F.unapproved(at: clock.now()) : F.result(.ok, at: clock.now()))
        }
        while await p.commitFailures == 0 && flips < 4000 { await flip() }
        try #require(await p.commitFailures == 1, "no commit failed in \(flips) steps on the full volume")
        // Keeps the volume full for the tries below: on a small volume the store checkpoints after
        // every commit (#19 s9), and a checkpointed WAL keeps its blocks, so a retry that fits into
        // them needs no new block and would succeed although the disk is full. The WAL is cut to
        // nothing and the freed room filled again (as HardeningOutboxTests does).
        func keepFull(sourceLocation: SourceLocation = #_sourceLocation) {
            expectEqual(volume.fillCuttingWAL(of: db, filler: "\(volume.path)/filler"), 0, "the WAL was not cut", sourceLocation: sourceLocation)
        }
        keepFull()
        let attempts = await p.commitAttempts
        // Within the first second: twenty results and a timer tick try nothing.
        for _ in 0..<20 { await flip() }
        _ = await p.tick()
        let duringFirstSecond = await p.commitAttempts - attempts
        expectEqual(duringFirstSecond, 0, "tried \(duringFirstSecond) commits during the 1 s back-off")
        // At 1 s one try (it fails: 2 s next), then nothing until 2 s later.
        clock.advance(by: .seconds(1))
        _ = await p.tick()
        await expectEqual(p.commitAttempts, attempts + 1)
        await expectEqual(p.commitFailures, 2)
        keepFull()
        clock.advance(by: .seconds(1))
        await flip()
        _ = await p.tick()
        await expectEqual(p.commitAttempts, attempts + 1, "tried again 1 s into a 2 s back-off")
        clock.advance(by: .seconds(1))
        _ = await p.tick()
        await expectEqual(p.commitAttempts, attempts + 2)
        keepFull()
        // Another problem starts and ends while the disk is full.
        let startedWhileFull = clock.now()
        await p.handle(key: F.key("brief"), kind: "content", result: F.unapproved(at: clock.now()))
        clock.advance(by: .seconds(1))
        await p.handle(key: F.key("brief"), kind: "content", result: F.result(.ok, at: clock.now()))
        let waiting = await p.uncommitted
        #expect(!waiting.timeline.isEmpty)
        // Space again: at the next allowed try everything held is recorded, in order.
        FileSystem.remove("\(volume.path)/filler")
        clock.advance(by: .seconds(4))
        _ = await p.tick()
        #expect(await p.uncommitted.isEmpty, "held steps not written once space returned")
        await expectEqual(p.commitFailures, 0)
        let stored = try await store.read { db in
            try db.query("SELECT kind, at_ms FROM timeline WHERE check_id = 'brief' AND at_ms >= ? ORDER BY seq", startedWhileFull.milliseconds).map { ($0[0].string ?? "", $0[1].int ?? 0) }
        }
        #expect(stored.map(\.0).contains { $0 == "opened" || $0 == "reopened" }, "the problem that started while full: \(stored)")
        #expect(stored.map(\.0).contains("resolved"), "and ended while full: \(stored)")
        expectEqual(stored.map(\.1), stored.map(\.1).sorted(), "in order")
        try await expectEqual(store.verify(), [])
        #expect(FileSystem.exists(StorageReserve.path(forDatabase: db)), "the reserve is made again once there is room")
        #expect(await !store.lowOnSpace)
    }
}

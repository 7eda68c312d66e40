// Issue #19, point 12 (review s5, defect 1), on a real 2 MiB tmpfs with the injected clock: a storm
// that fills the volume by itself (the reserve given up), goes on while it is full, and ends
// when some space comes back. The notices held meanwhile are coalesced (the first and the latest
// per incident and recipient), every timeline entry held is written, one step per transaction,
// into whatever room returned, and the reserve is made again. Before, the backlog went in one
// transaction that needed its size twice (WAL and database) and the reserve waited for twice the
// size it had given up: the box stayed full, its backlog only in memory. Nothing sleeps.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostStore
@testable import WatchpostDaemon
import Posix

@Suite("Disk full recovery (#19)", .serialized)
struct DiskFullRecoveryTests {
    typealias F = Fixture

    @Test func aStormBacklogIsCoalescedWrittenIntoTheRoomThatReturnsAndTheReserveComesBack() async throws {
        let volume = try await SmallVolume(size: "2m")
        defer { volume.unmount() }
        let db = "\(volume.path)/watchpost.db"
        let clock = ManualClock(now: F.local("2026-11-24T02:00"))
        let store = try Store(path: db, clock: clock)
        let reserve = StorageReserve.path(forDatabase: db)
        try #require(FileSystem.exists(reserve))
        func spec(_ id: String) -> CheckSpec {
            var s = CheckSpec(key: F.key(id), name: "Nội dung \(id) / Content \(id)", kind: "content", category: .security, failAfter: 1, recoverAfter: 1)
            s.flapping = FlappingPolicy(enabled: false)
            return s
        }
        let p = IncidentProcessor(configuration: try F.configuration(), settings: try F.settings([spec("storm")]), store: store, clock: clock,
                                  logger: Logger(sink: CapturedLog(), clock: clock))
        var flips = 0
        func flip() async {
            flips += 1
            clock.advance(by: Seconds(milliseconds: 10))
            await p.handle(key: F.key("storm"), kind: "content", result: flips % 2 == 1 ? F.unapproved(at: clock.now()) : F.result(.ok, at: clock.now()))
        }
        // The storm fills the volume with the filler's help; the store gives up its reserve.
        volume.fill("\(volume.path)/filler", leaving: 64 << 10)
        while await p.commitFailures == 0 && flips < 6000 { await flip() }
        try #require(await p.commitFailures >= 1, "no commit failed in \(flips) steps")
        #expect(!FileSystem.exists(reserve), "the reserve was given up")
        // It goes on while the disk is full: 100 more steps held in memory.
        for _ in 0..<100 { await flip() }
        let waiting = await p.uncommitted
        #expect(waiting.timeline.count >= 100, "\(waiting.timeline.count) timeline entries held")
        var perPair: [String: Int] = [:]
        for n in waiting.notifications { perPair["\(n.incidentID ?? 0)/\(n.recipient.address)", default: 0] += 1 }
        #expect(!perPair.isEmpty && perPair.values.allSatisfy { $0 <= 2 }, "notices held per incident and recipient: \(perPair)")
        let timelineBefore = try await store.read { db in try db.query("SELECT COUNT(*) FROM timeline").first?[0].int ?? 0 }
        // Some room comes back, no more than the reserve given up (512 KiB).
        FileSystem.remove("\(volume.path)/filler")
        volume.fill("\(volume.path)/filler-2", leaving: 512 << 10)
        clock.advance(by: .seconds(1))
        _ = await p.tick()
        #expect(await p.uncommitted.isEmpty, "held steps not written into the room that came back")
        let timelineAfter = try await store.read { db in try db.query("SELECT COUNT(*) FROM timeline").first?[0].int ?? 0 }
        expectEqual(timelineAfter - timelineBefore, Int64(waiting.timeline.count), "every held timeline entry is written")
        #expect(FileSystem.exists(reserve), "the reserve is made again")
        #expect(await !store.lowOnSpace)
        try await expectEqual(store.verify(), [])
    }
}

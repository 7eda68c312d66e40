// The daemon's scheduled reports are read and drawn beside the writer, not on it (#19 s11): a
// yearly report of a large log took seconds of SQL on the daemon's own store, and every incident
// commit, acknowledgement and outbox step waited behind it.
import Testing
import WatchpostCore
import WatchpostStore
import WatchpostReports
import WatchpostTestSupport
import Posix
import WatchpostHost

/// An incident source with nothing to say that tells the test when the report asked it for its
/// content figures (ReportBuilder asks that after its own queries of availability and incidents).
private struct AskedForContent: IncidentSource {
    let asked: AsyncStream<Void>.Continuation
    func incidents(site: String, from: Instant, to: Instant) async throws(WatchpostError) -> [IncidentFacts]? { nil }
    func onBattery(site: String, check: String, from: Int64, to: Int64, coverage: [TimeSpan]) async throws(WatchpostError) -> StateTimeline? { nil }
    func contentFigures(site: String, from: Instant, to: Instant) async throws(WatchpostError) -> ContentFigures? {
        asked.yield()
        return nil
    }
}

@Suite("scheduled reports off the writer")
struct ScheduledReportsOffWriterTests {
    @Test("a yearly scheduled report is read while the writer's thread is held by another write, and queued once it is free")
    func yearlyReportIsReadBesideTheWriter() async throws {
        let dir = try tempFolder("off-writer")
        var (config, _) = try tayTrangProfile()
        config.daemon.database = "\(dir)/w.db"
        let clock = ManualClock(now: Instant.parse("2026-10-01T00:00:00+07:00")!)
        let store = try Store(path: "\(dir)/w.db", clock: clock)
        try await store.beginRun(pid: 1)
        clock.advance(to: Instant.parse("2026-11-25T08:00:30+07:00")!)
        try await store.heartbeat()
        // Only Tây Trang's yearly report is due: October's monthly figures went out before.
        _ = try await store.transaction { db in
            for k in ["monthly/tay-trang/2026-10", "monthly/vung-ang/2026-10"] {
                try db.run("INSERT INTO report_sent (key, kind, site, period, queued_ms, messages) VALUES (?, 'monthly', ?, '2026-10', 0, 0)",
                           k, String(k.split(separator: "/")[1]))
            }
        }
        // Another write (an incident commit) holds the writer's thread until the test lets it go.
        let gate = BlockingGate()
        let (holding, held) = AsyncStream<Void>.makeStream()
        let writer = Task { try await store.read { _ in held.yield(); gate.wait(); return 0 } }
        var holdingIterator = holding.makeAsyncIterator()
        _ = await holdingIterator.next()

        let (asked, ask) = AsyncStream<Void>.makeStream()
        let now = clock.now()
        let run = Task { try await ScheduledReports.runDue(at: now, configuration: config, store: store, incidentSource: AskedForContent(asked: ask)) }
        // The report's reads do not need the writer: they reach its content figures while the
        // writer is still held. Before the fix they waited behind it (for as long as the write
        // took); the bound is only how long a debug build at load 30 may take to get there.
        let reached = await withDeadline(SystemClock().now() + .seconds(60), clock: SystemClock()) {
            var it = asked.makeAsyncIterator()
            return await it.next() != nil
        }
        expectEqual(reached.value, true, "the scheduled report's reads waited for the writer's thread")
        gate.open()
        _ = try await writer.value
        // Its short writes go to the writer once it is free: queued once, with report_sent.
        expectEqual(try await run.value, ["yearly/tay-trang/2026"])
        let sent = try await store.sentReports().map(\.key)
        #expect(sent.contains("yearly/tay-trang/2026"))
        let messages = try await store.read { db in try db.query("SELECT count(*) FROM outbox WHERE key LIKE 'report/yearly/tay-trang/2026/%'") }
        #expect((messages.first?[0].int ?? 0) > 0)
        #expect(FileSystem.exists("\(dir)/reports/tay-trang/watchpost-tay-trang-yearly-2026.pdf"))
        expectEqual(try await ScheduledReports.runDue(at: now + .minutes(1), configuration: config, store: store, incidentSource: NoIncidentSource()), [])
    }
}

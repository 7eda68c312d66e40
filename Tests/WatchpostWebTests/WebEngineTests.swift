// The web over the real incident engine: an incident the engine opened (and notified) is
// acknowledged through its emailed link; the engine records who, how and from where, escalation
// stops, refusals land on the hash-chained timeline, and the role rules hold for `--as` users.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostAuth
import WatchpostWeb
import WatchpostDaemon
import HTTPServer
import Posix

@Suite("Web with the incident engine", .serialized, .timeLimit(.minutes(1)))
struct WebEngineTests {
    let level1 = "truc-ban@bdbp-taytrang.example.org"

    func setUp() async throws -> (WebFixture, IncidentProcessor, Instant) {
        let dir = try makeTemporaryFolder("wp-web-engine")
        let t0 = Instant.parse("2026-11-24T09:00:00+07:00")!
        let clock = ManualClock(now: t0)
        let store = try Store(path: "\(dir)/watchpost.db", clock: clock)
        let config = try ConfigurationLoader.load(root: TestPaths.packageRoot)
        var settings = EngineSettings(configuration: config)
        let i = settings.sites.firstIndex { $0.id == "tay-trang" }!
        settings.sites[i].checks = [CheckSpec(key: CheckKey(site: "tay-trang", check: "content"), name: "Nội dung / Content", kind: "content",
                                              category: .security, failAfter: 1, recoverAfter: 1)]
        settings = EngineSettings(sites: [settings.sites[i]])
        let logs = MemoryLogSink()
        let logger = Logger(sink: logs, clock: clock)
        let processor = IncidentProcessor(configuration: config, settings: settings, store: store, clock: clock, logger: logger)
        await processor.handle(key: CheckKey(site: "tay-trang", check: "content"), kind: "content",
                               result: CheckResult.from(findings: [Finding(.critical, code: "content-unapproved", untranslated: "ads.mp4 <b>not</b> approved", securityRelevant: true)],
                                                        ok: .untranslated(""), startedAt: t0))
        let desk = EngineDesk(store: store, clock: clock)
        let app = WebApp(store: store, desk: desk, configuration: config, settings: WebSettings(), linkKey: linkKey, clock: clock, logger: logger)
        let server = try HTTPServer(settings: HTTPServerSettings(host: "127.0.0.1", port: 0), handler: { await app.handle($0) })
        return (WebFixture(store: store, desk: MemoryDesk(clock: clock), app: app, server: server, clock: clock, logs: logs, dir: dir), processor, t0)
    }

    // #19 review s9, point 4: an ack-link note holding BEL and `ESC[31m` was stored as sent and
    // printed raw by `watchpost incidents N`. Input strips control characters (FreeText says why
    // strip, not refuse); the console escapes any that a record written otherwise still holds.
    @Test func controlCharactersInANoteAreStrippedAndNeverReachTheTerminal() async throws {
        let (f, _, t0) = try await setUp()
        let link = AckToken(incidentID: 1, level: 1, recipient: level1, expires: t0 + .hours(24)).signed(key: linkKey)
        let jar = CookieJar()
        let page = try await http("GET", "\(f.base)/ack/\(link)", jar: jar)
        let raw = "Đã đến\u{07}\u{1B}[31m ĐỎ\u{1B}[0m\r\ndòng hai\t\u{202E}x\u{9B}"
        let done = try await http("POST", "\(f.base)/ack/\(link)", body: form([("csrf", csrfField(page.body) ?? ""), ("note", raw)]), jar: jar)
        expectEqual(done.status, 200)
        let note = try await f.store.incident(1)?.acknowledgement?.note
        expectEqual(note, "Đã đến[31m ĐỎ[0m\ndòng hai x", "\(String(describing: note?.unicodeScalars.map { String($0.value, radix: 16) }))")
        // A note recorded as it came (before this fix, or by another path) is shown escaped.
        try await IncidentService(store: f.store).comment(incidentID: 1, by: "Lò Văn\u{1B}]0;x\u{07}", organisation: nil, via: "cli",
                                                          text: "ghi chú\u{1B}[2J\n  2026-11-24 09:10  forged", at: t0 + .minutes(1))
        let conf = try makeTemporaryFolder("wp-console")
        defer { removeTree(conf) }
        try FileSystem.writeAtomically("\(conf)/watchpost.conf", "[daemon]\ndatabase = \(f.dir)/watchpost.db\n")
        let shown = await shell("'\(try TestPaths.watchpost())' incidents 1 --config '\(conf)' 2>&1")
        expectEqual(shown.status, 0, "\(shown.output)")
        #expect(!shown.output.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B }, "\(shown.output.debugDescription)")
        #expect(shown.output.contains("ghi chú\\u{1B}[2J\\n  2026-11-24 09:10  forged"), "\(shown.output)")
        #expect(!shown.output.contains("\n  2026-11-24 09:10  forged"), "\(shown.output)")
        await f.stop()
    }

    @Test func linkFromTheNotificationAcknowledgesTheEnginesIncident() async throws {
        let (f, processor, t0) = try await setUp()
        let opened = try #require(try await f.store.incident(1))
        expectEqual(opened.state, .triggered)
        #expect(opened.notified.map(\.recipient.address).contains(level1))
        let link = AckToken(incidentID: 1, level: 1, recipient: level1, expires: t0 + .hours(24)).signed(key: linkKey)
        // A forged link first: refused, on the timeline, nothing changes.
        let forged = AckToken(incidentID: 1, level: 1, recipient: level1, expires: t0 + .hours(24)).signed(key: Array("not the key".utf8))
        try await expectEqual(http("GET", "\(f.base)/ack/\(forged)").status, 403)
        f.clock.advance(to: t0 + .minutes(5))
        let jar = CookieJar()
        let page = try await http("GET", "\(f.base)/ack/\(link)", jar: jar)
        expectEqual(page.status, 200)
        #expect(page.body.contains("ads.mp4 &lt;b&gt;not&lt;/b&gt; approved"))
        try await expectEqual(f.store.incident(1)?.state, .triggered, "GET changes nothing")
        let done = try await http("POST", "\(f.base)/ack/\(link)", body: form([("csrf", csrfField(page.body) ?? ""), ("note", "Tổ tuần tra đã đến")]), jar: jar)
        expectEqual(done.status, 200)
        let acked = try #require(try await f.store.incident(1))
        expectEqual(acked.state, .acknowledged)
        expectEqual(acked.acknowledgement?.by, level1)
        expectEqual(acked.acknowledgement?.via, "link")
        expectEqual(acked.acknowledgement?.from, "127.0.0.1")
        expectEqual(acked.acknowledgement?.note, "Tổ tuần tra đã đến")
        expectEqual(acked.acknowledgement?.at, t0 + .minutes(5))
        // Escalation stopped: past the level-1 timeout nothing goes to level 2.
        f.clock.advance(to: t0 + .minutes(40))
        _ = await processor.tick()
        let keys = try await f.store.read { db in try db.query("SELECT key FROM outbox").map { $0[0].string ?? "" } }
        #expect(!keys.contains { $0.contains("/escalated/") }, "\(keys)")
        let timeline = try await f.store.timeline(incidentID: 1)
        #expect(timeline.contains { $0.event.kind == "refused" && $0.event.text.contains("forged") })
        #expect(timeline.contains { $0.event.kind == "acknowledged" })
        #expect(try await f.store.verifyTimeline().isIntact)
        try await expectEqual(f.store.verify(), [])
        // The replayed link is refused.
        try await expectEqual(http("GET", "\(f.base)/ack/\(link)").status, 409)
        await f.stop()
    }

    @Test func pagesAndAPIReadTheEngine() async throws {
        let (f, _, _) = try await setUp()
        try await f.addUser("police1", .security)
        try await f.addUser("tech1", .technician)
        let jar = try await f.login("police1")
        let board = try await http("GET", "\(f.base)/", jar: jar)
        #expect(board.body.contains("/incidents/1\""))
        let page = try await http("GET", "\(f.base)/incidents/1", jar: jar)
        #expect(page.body.contains("/incidents/1/resolve\""))
        let csrf = try #require(csrfField(page.body))
        let r = try await http("POST", "\(f.base)/incidents/1/resolve", body: form([("csrf", csrf), ("note", "nội dung đã gỡ")]), jar: jar)
        expectEqual(r.status, 200)
        try await expectEqual(f.store.incident(1)?.state, .resolved)
        // The technician may not touch the security incident.
        let tj = try await f.login("tech1")
        let tp = try await http("GET", "\(f.base)/incidents/1", jar: tj)
        #expect(!tp.body.contains("/incidents/1/resolve\"") && !tp.body.contains("/incidents/1/ack\""))
        await f.stop()
    }
}

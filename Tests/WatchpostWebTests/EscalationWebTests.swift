// The chain's web actions over the real incident engine (issue #14): the button "Đề xuất UBND
// tỉnh chỉ đạo" (only Department users see and may press it; the Committee may comment but never
// acknowledge or resolve) sends the Committee exactly one notice naming who and why; the button
// "Bật lại màn hình" runs led-restore against a NovaStar controller (the simulator on loopback),
// records who ran it on the incident's timeline, and leaves the check in a short maintenance
// window so that its probe adopts the restored state.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostAuth
import WatchpostWeb
import WatchpostDaemon
import WatchpostSimulators
import HTTPServer
import Posix
import WatchpostHost

@Suite("Web escalation and restoring actions", .serialized, .timeLimit(.minutes(1)))
struct EscalationWebTests {
    struct Rig {
        let web: WebFixture
        let root: String
        let t0: Instant
        let controller: NovaStarDevice
        let simulator: NovaStarServer

        func stop() async {
            simulator.stop()
            await web.stop()
            removeTree(root)
        }

        /// (event, recipient) of every queued notice.
        func outbox() async throws -> [(event: String, to: String, fields: String)] {
            try await web.store.read { db in
                try db.query("SELECT event, recipient_address, fields_json FROM outbox ORDER BY id").map { ($0[0].string ?? "", $0[1].string ?? "", $0[2].string ?? "") }
            }
        }
    }

    static let renamedDepartment = "Sở Văn hóa, Thể thao và Du lịch tỉnh Điện Biên"

    /// A copy of the shipped configuration whose Tây Trang LED controller is the simulator; one
    /// security incident (unapproved content) opened on it by the engine, in operating hours.
    func setUp(category: IncidentCategory = .security) async throws -> Rig {
        let controller = NovaStarDevice(cardsPerPort: [4, 4])
        // The content responder blacked the screen out.
        controller.update { s in for p in s.ports.indices { for c in s.ports[p].indices { s.ports[p][c].kill = 0xFF } } }
        let simulator = NovaStarServer(device: controller)
        let port = try await simulator.startTCP(host: "127.0.0.1", port: 0)
        let root = try makeTemporaryFolder("wp-web-escalation")
        try await copyShippedConfiguration(into: root, ledPort: port)
        // A body renamed by configuration alone (README "Names in the decisions and today").
        let contacts = "\(root)/alerts/contacts.conf"
        try FileSystem.writeAtomically(contacts, try FileSystem.readText(contacts) + "\n[role department]\nname = \(Self.renamedDepartment)\nname_en = Department (renamed)\n")
        let config = try ConfigurationLoader.load(root: root)
        let t0 = Instant.parse("2026-11-24T09:00:00+07:00")!
        let clock = ManualClock(now: t0)
        let store = try Store(path: "\(root)/watchpost.db", clock: clock)
        var settings = EngineSettings(configuration: config)
        let i = try #require(settings.sites.firstIndex { $0.id == "tay-trang" })
        settings.sites[i].checks = [CheckSpec(key: CheckKey(site: "tay-trang", check: "content"), name: "Nội dung / Content", kind: "content",
                                              category: category, failAfter: 1, recoverAfter: 1)]
        settings = EngineSettings(sites: [settings.sites[i]])
        let logs = MemoryLogSink()
        let logger = Logger(sink: logs, clock: clock)
        let processor = IncidentProcessor(configuration: config, settings: settings, store: store, clock: clock, logger: logger)
        await processor.handle(key: CheckKey(site: "tay-trang", check: "content"), kind: "content",
                               result: CheckResult.from(findings: [Finding(.critical, code: "content-unapproved", untranslated: "ads.mp4 not approved",
                                                                           securityRelevant: category == .security)],
                                                        ok: .untranslated(""), startedAt: t0))
        let levels = Dictionary(uniqueKeysWithValues: config.sites.map { ($0.id, config.escalationPolicy(site: $0.id)?.decisionLevel) })
        let restoring = ManualResponse(configuration: config, store: store, clock: SystemClock(), logger: logger)
        let desk = EngineDesk(store: store, clock: clock, decisionLevel: { levels[$0] ?? nil }, restoring: restoring)
        let app = WebApp(store: store, desk: desk, configuration: config, settings: WebSettings(), linkKey: linkKey, clock: clock, logger: logger)
        let server = try HTTPServer(settings: HTTPServerSettings(host: "127.0.0.1", port: 0), handler: { await app.handle($0) })
        let web = WebFixture(store: store, desk: MemoryDesk(clock: clock), app: app, server: server, clock: clock, logs: logs, dir: "\(root)/web")
        return Rig(web: web, root: root, t0: t0, controller: controller, simulator: simulator)
    }

    @Test func onlyTheDepartmentPutsAnIncidentToTheCommittee() async throws {
        let rig = try await setUp()
        let f = rig.web
        try await f.addUser("so1", .department, name: "Nguyễn Văn An")
        try await f.addUser("ubnd1", .committee, name: "Văn phòng UBND")
        try await f.addUser("police1", .security)
        try await f.addUser("tech1", .technician)
        let committeeAddress = "vanphong@ubnd-dienbien.example.org"
        #expect(!(try await rig.outbox()).contains { $0.to == committeeAddress }, "the Committee hears nothing before a decision")

        // One session each (a login costs a PBKDF2 hash).
        var jars: [String: CookieJar] = [:]
        for login in ["ubnd1", "police1", "tech1", "so1"] { jars[login] = try await f.login(login) }
        // Only the Department is offered the button; the Committee and the police are refused on post.
        for login in ["ubnd1", "police1", "tech1"] {
            let jar = try #require(jars[login])
            let page = try await http("GET", "\(f.base)/incidents/1", jar: jar)
            expectEqual(page.status, 200)
            #expect(!page.body.contains("id=\"escalate-committee\""), "\(login) must not see the button")
            guard login != "tech1" else { continue }
            let csrf = try #require(csrfField(page.body))
            let r = try await http("POST", "\(f.base)/incidents/1/escalate", body: form([("csrf", csrf), ("note", "tự đề xuất")]), jar: jar)
            expectEqual(r.status, 403, "\(login): \(r.status)")
        }
        // The Committee may comment, but never acknowledge or resolve (it cannot silence a chain).
        let cj = try #require(jars["ubnd1"])
        let cpage = try await http("GET", "\(f.base)/incidents/1", jar: cj)
        #expect(!cpage.body.contains("/incidents/1/ack\"") && !cpage.body.contains("/incidents/1/resolve\""))
        #expect(cpage.body.contains("/incidents/1/note\""))
        let ccsrf = try #require(csrfField(cpage.body))
        try await expectEqual(http("POST", "\(f.base)/incidents/1/ack", body: form([("csrf", ccsrf), ("note", "đã biết")]), jar: cj).status, 403)
        try await expectEqual(http("POST", "\(f.base)/incidents/1/resolve", body: form([("csrf", ccsrf)]), jar: cj).status, 403)
        try await expectEqual(http("POST", "\(f.base)/incidents/1/note", body: form([("csrf", ccsrf), ("note", "Đề nghị báo cáo kết quả")]), jar: cj).status, 200)
        try await expectEqual(f.store.incident(1)?.state, .triggered)
        #expect(try await f.store.incident(1)?.decisions ?? [] == [])
        #expect(!(try await rig.outbox()).contains { $0.to == committeeAddress })

        // The Department: the button, a note is required, then exactly one notice to the Committee.
        let dj = try #require(jars["so1"])
        let dpage = try await http("GET", "\(f.base)/incidents/1", jar: dj)
        #expect(dpage.body.contains("id=\"escalate-committee\""))
        #expect(dpage.body.contains(">Đề xuất UBND tỉnh chỉ đạo</button>"))
        #expect(dpage.body.contains("(\(Self.renamedDepartment))"), "the role label comes from the configuration")
        let dcsrf = try #require(csrfField(dpage.body))
        let empty = try await http("POST", "\(f.base)/incidents/1/escalate", body: form([("csrf", dcsrf), ("note", "  ")]), jar: dj)
        expectEqual(empty.status, 400)
        #expect(empty.body.contains("Cần ghi lý do đề xuất."))
        let why = "Nội dung trái phép tại cửa khẩu, vượt thẩm quyền của Sở"
        let done = try await http("POST", "\(f.base)/incidents/1/escalate", body: form([("csrf", dcsrf), ("note", why)]), jar: dj)
        expectEqual(done.status, 200)
        #expect(done.body.contains("Đã đề xuất UBND tỉnh chỉ đạo."))
        #expect(!done.body.contains("id=\"escalate-committee\""), "decided once: the button is gone")
        let decided = try #require(try await f.store.incident(1))
        expectEqual(decided.decisions?.count, 1)
        expectEqual(decided.decisions?.first?.by, "Nguyễn Văn An")
        expectEqual(decided.decisions?.first?.via, "web")
        expectEqual(decided.decisions?.first?.note, why)
        expectEqual(decided.decisions?.first?.organisation, Self.renamedDepartment, "notices name the body as configured")
        let toCommittee = try await rig.outbox().filter { $0.to == committeeAddress }
        expectEqual(toCommittee.count, 1, "\(toCommittee)")
        expectEqual(toCommittee.first?.event, "committeeEscalation")
        expectEqual(toCommittee.first?.fields.contains("Nguyễn Văn An"), true)
        expectEqual(toCommittee.first?.fields.contains(why), true)
        let timeline = try await f.store.timeline(incidentID: 1)
        #expect(timeline.contains { $0.event.kind == "escalated-by-decision" && $0.event.actor == "Nguyễn Văn An" })
        // A second decision is refused and sends nothing more.
        let again = try await http("POST", "\(f.base)/incidents/1/escalate", body: form([("csrf", dcsrf), ("note", "lần hai")]), jar: dj)
        expectEqual(again.status, 409)
        try await expectEqual(rig.outbox().filter { $0.to == committeeAddress }.count, 1)
        await rig.stop()
    }

    @Test func restoreButtonRunsLedRestoreAndIsRecorded() async throws {
        let rig = try await setUp()
        let f = rig.web
        try await f.addUser("post1", .operator, name: "Lò Thị Mai")
        // The account's organisation (`user add --org`, the users page) is named with the person
        // on the restoring action (issue 14 point 6; before, only the name or the role's label).
        try await f.store.setUserOrganisation(login: "post1", organisation: "Đồn Biên phòng cửa khẩu Quốc tế Tây Trang")
        try await f.addUser("police1", .security)
        try await f.addUser("so1", .department)
        // Roles the policy does not allow (the Department here) see no button and are refused.
        let sj = try await f.login("so1")
        let spage = try await http("GET", "\(f.base)/incidents/1", jar: sj)
        #expect(!spage.body.contains("/incidents/1/respond\""))
        let scsrf = try #require(csrfField(spage.body))
        let refused = try await http("POST", "\(f.base)/incidents/1/respond",
                                     body: form([("csrf", scsrf), ("action", "led-restore"), ("check", "led-controller")]), jar: sj)
        expectEqual(refused.status, 403)
        #expect(rig.controller.snapshot().ports.allSatisfy { $0.allSatisfy { $0.kill == 0xFF } }, "refused: the screen stays dark")

        // The operating unit presses "Bật lại màn hình".
        let oj = try await f.login("post1")
        let page = try await http("GET", "\(f.base)/incidents/1", jar: oj)
        #expect(page.body.contains("/incidents/1/respond\""))
        #expect(page.body.contains("Bật lại màn hình"))
        let csrf = try #require(csrfField(page.body))
        let r = try await http("POST", "\(f.base)/incidents/1/respond",
                               body: form([("csrf", csrf), ("action", "led-restore"), ("check", "led-controller"), ("note", "Đã gỡ nội dung, bật lại")]), jar: oj)
        expectEqual(r.status, 200, "\(r.body)")
        #expect(r.body.contains("Đã thực hiện bật lại màn hình LED (led-restore)"))
        #expect(rig.controller.snapshot().ports.allSatisfy { $0.allSatisfy { $0.kill == 0 } }, "the controller's kill mode is off on every card")
        // On the incident's timeline: who, how, why, outcome.
        let timeline = try await f.store.timeline(incidentID: 1)
        let entry = try #require(timeline.first { $0.event.kind == "responded" })
        expectEqual(entry.event.actor, "Lò Thị Mai (Đồn Biên phòng cửa khẩu Quốc tế Tây Trang)")
        expectEqual(entry.event.message?.params["note"], .text("Đã gỡ nội dung, bật lại"))
        #expect(entry.event.rendered(.vi, zone: .hoChiMinh).hasPrefix("Lò Thị Mai (Đồn Biên phòng cửa khẩu Quốc tế Tây Trang) thực hiện led-restore qua trang web (Đã gỡ nội dung, bật lại): thành công"))
        // The LED check is in maintenance for a few intervals: its probe adopts the restored state.
        let windows = try await f.store.maintenanceWindows()
        #expect(windows.contains { $0.window.checks == ["led-controller"] && $0.window.site == "tay-trang" && $0.stoppedAt == nil })
        let shown = try await http("GET", "\(f.base)/incidents/1", jar: oj)
        #expect(shown.body.contains("thực hiện led-restore"))
        await rig.stop()
    }
}

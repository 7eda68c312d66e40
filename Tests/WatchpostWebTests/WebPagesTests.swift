// What the pages, the JSON API and /metrics show, from real stored results, over loopback.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostStore
import WatchpostAuth
import WatchpostWeb
import HTTPServer
import Posix
import FoundationEssentials

@Suite("Web pages, API and metrics", .serialized, .timeLimit(.minutes(2)))
struct WebPagesTests {
    func seed(_ f: WebFixture) async throws {
        let t0 = f.clock.now() - .minutes(30)
        try await f.store.record(site: "tay-trang", checkID: "box-disk", kind: "exec",
                                 result: CheckResult(status: .ok, summary: "disk 40% used", measurements: [Measurement("used", 40, unit: "%")], startedAt: t0,
                                                     duration: Seconds(milliseconds: 120)), sampleInterval: .minutes(5))
        try await f.store.record(site: "tay-trang", checkID: "ups", kind: "ups",
                                 result: CheckResult(status: .critical, summary: "on battery, 35 %", measurements: [Measurement("battery.charge", 35, unit: "%"), Measurement("battery.voltage", 12.7, unit: "V")],
                                                     startedAt: t0 + .minutes(20), duration: Seconds(milliseconds: 250)), sampleInterval: .minutes(5))
        try await f.store.record(site: "tay-trang", checkID: "led", kind: "novastar",
                                 result: CheckResult(status: .warning, summary: "hot \"controller\"", measurements: [Measurement("temperature", 61.5, unit: "°C")],
                                                     startedAt: t0 + .minutes(25), duration: Seconds(milliseconds: 80)), sampleInterval: .minutes(5))
        await f.desk.add(incident(3, .technical, check: "ups", summary: "UPS on battery"))
        await f.desk.add(incident(2, .security, check: "led", state: "resolved", summary: "old one"))
    }

    @Test func statusBoardShowsOpenIncidentsFirstThenEveryCheck() async throws {
        let f = try await WebFixture.start()
        try await seed(f)
        try await f.addUser("dept1", .department)
        let jar = try await f.login("dept1")
        let board = try await http("GET", "\(f.base)/", jar: jar)
        expectEqual(board.status, 200)
        let b = board.body
        #expect(b.contains("<html lang=\"vi\">"))
        #expect(b.contains("Bảng trạng thái") && b.contains("Status board"))
        #expect(b.contains("width=device-width"), "readable on a phone")
        // Open incidents before the checks; the resolved one is not on the board.
        let openAt = try #require(b.firstRange(of: "Open incidents"))
        let checksAt = try #require(b.firstRange(of: "/ Checks"))
        #expect(openAt.lowerBound < checksAt.lowerBound)
        #expect(b.contains("/incidents/3\""))
        #expect(!b.contains("/incidents/2\""))
        // Every check with its state, since when and last value; problems first.
        let critical = try #require(b.firstRange(of: "on battery, 35 %"))
        let ok = try #require(b.firstRange(of: "disk 40% used"))
        #expect(critical.lowerBound < ok.lowerBound)
        // Readings in Vietnamese: catalogue names and the decimal comma (issue 15, review s5 defect 1:
        // the board showed "battery.voltage 12.7 V").
        #expect(b.contains("pin còn 35%, điện áp ắc quy 12,7 V"), "board readings")
        #expect(b.contains("nhiệt độ 61,5 °C"))
        #expect(!b.contains("battery.voltage") && !b.contains("12.7 V") && !b.contains("61.5"))
        #expect(b.contains("hot &quot;controller&quot;"))
        #expect(b.contains("Nghiêm trọng / CRITICAL"))
        #expect(b.contains("24/11/2026 07:50"), "since, in the site's time")
        #expect(b.contains("href=\"/reports\""))
        let reports = try await http("GET", "\(f.base)/reports", jar: jar)
        #expect(reports.status == 200 && reports.body.contains("Tây Trang"))
        #expect(reports.body.contains("/reports/tay-trang?period=2026-10\""))
        let month = try await http("GET", "\(f.base)/reports/tay-trang", jar: jar)
        expectEqual(month.status, 200)
        expectEqual(month.header("content-type").first?.hasPrefix("text/html"), true)
        #expect(month.body.contains("Tây Trang"))
        let csv = try await http("GET", "\(f.base)/reports/tay-trang?period=2026-11&format=csv", jar: jar)
        #expect(csv.status == 200 && csv.header("content-type").first?.hasPrefix("text/csv") == true)
        try await expectEqual(http("GET", "\(f.base)/reports/tay-trang?period=2026-13", jar: jar).status, 400)
        try await expectEqual(http("GET", "\(f.base)/reports/nowhere", jar: jar).status, 404)
        try await expectEqual(http("GET", "\(f.base)/reports/tay-trang").status, 303, "reports need a login")
        await f.stop()
    }

    @Test func incidentPageShowsTimelineAndOnlyAllowedActions() async throws {
        let f = try await WebFixture.start()
        try await seed(f)
        try await f.addUser("tech1", .technician)
        let jar = try await f.login("tech1")
        let p = try await http("GET", "\(f.base)/incidents/3", jar: jar)
        expectEqual(p.status, 200)
        #expect(p.body.contains("UPS on battery"))
        #expect(p.body.contains("Timeline"))
        #expect(p.body.contains("/incidents/3/ack\""))
        #expect(!p.body.contains("/incidents/3/resolve\""))
        let csrf = try #require(csrfField(p.body))
        let acked = try await http("POST", "\(f.base)/incidents/3/ack", body: form([("csrf", csrf), ("note", "đang tới hiện trường")]), jar: jar)
        expectEqual(acked.status, 200)
        #expect(acked.body.contains("Đã tiếp nhận"))
        #expect(acked.body.contains("đang tới hiện trường"))
        // A second acknowledgement is not offered any more.
        #expect(!acked.body.contains("/incidents/3/ack\""))
        try await expectEqual(http("GET", "\(f.base)/incidents/999", jar: jar).status, 404)
        await f.stop()
    }

    @Test func jsonAPIMirrorsThePages() async throws {
        let f = try await WebFixture.start()
        try await seed(f)
        try await f.addUser("police1", .security, name: "Đồn Biên phòng")
        let token = try WebSecret.token(prefix: "wpt_")
        try await f.store.setAPITokenHash(login: "police1", hash: WebSecret.digest(token))
        let auth = ["Authorization: Bearer \(token)"]
        struct Me: Decodable { var login: String; var role: String }
        let me = try JSONDecoder().decode(Me.self, from: Data(try await http("GET", "\(f.base)/api/v1/me", headers: auth).body.utf8))
        #expect(me.login == "police1" && me.role == "security")

        struct Check: Decodable { var site: String; var check: String; var status: String; var since: String; var duration_ms: Int64?; var measurements: [M] }
        struct M: Decodable { var name: String; var value: Double; var unit: String }
        let checks = try JSONDecoder().decode([Check].self, from: Data(try await http("GET", "\(f.base)/api/v1/checks", headers: auth).body.utf8))
        expectEqual(checks.count, 3)
        let ups = try #require(checks.first { $0.check == "ups" })
        #expect(ups.status == "CRITICAL" && ups.duration_ms == 250 && ups.measurements.first?.value == 35)
        expectEqual(ups.since, "2026-11-24T00:50:00Z")

        struct Inc: Decodable { var id: Int64; var state: String; var category: String; var acknowledged_by: String? }
        let open = try JSONDecoder().decode([Inc].self, from: Data(try await http("GET", "\(f.base)/api/v1/incidents?state=open", headers: auth).body.utf8))
        expectEqual(open.map(\.id), [3])
        let all = try JSONDecoder().decode([Inc].self, from: Data(try await http("GET", "\(f.base)/api/v1/incidents", headers: auth).body.utf8))
        expectEqual(all.map(\.id), [3, 2])
        // Security may not acknowledge the technical UPS incident, may resolve nothing technical.
        let refused = try await http("POST", "\(f.base)/api/v1/incidents/3/ack", headers: auth + ["Content-Type: application/json"], body: "{}")
        expectEqual(refused.status, 403)
        await f.desk.add(incident(4, .security, check: "led", summary: "unapproved content"))
        let ack = try await http("POST", "\(f.base)/api/v1/incidents/4/ack", headers: auth + ["Content-Type: application/json"], body: "{\"note\": \"tổ tuần tra đã tới\"}")
        expectEqual(ack.status, 200)
        let acked = try JSONDecoder().decode(Inc.self, from: Data(ack.body.utf8))
        #expect(acked.state == "acknowledged" && acked.acknowledged_by == "police1")
        let resolved = try await http("POST", "\(f.base)/api/v1/incidents/4/resolve", headers: auth, body: "")
        #expect(resolved.status == 200 && resolved.body.contains("\"state\":\"resolved\""))
        let again = try await http("POST", "\(f.base)/api/v1/incidents/4/resolve", headers: auth, body: "")
        expectEqual(again.status, 409)
        struct Item: Decodable { var kind: String; var actor: String; var text: String }
        let tl = try JSONDecoder().decode([Item].self, from: Data(try await http("GET", "\(f.base)/api/v1/incidents/4/timeline", headers: auth).body.utf8))
        expectEqual(tl.map(\.kind), ["opened", "acknowledged", "resolved"])
        #expect(tl[1].text.contains("tổ tuần tra đã tới"))
        let bad = try await http("POST", "\(f.base)/api/v1/incidents/4/notes", headers: auth, body: "not json")
        expectEqual(bad.status, 400)
        try await expectEqual(http("GET", "\(f.base)/api/v1/nothing", headers: auth).status, 404)
        await f.stop()
    }

    @Test func prometheusMetrics() async throws {
        let f = try await WebFixture.start()
        try await seed(f)
        try await f.store.enqueue([NotificationRequest(key: "k1", event: .triggered, site: "tay-trang", incidentID: 3,
                                                       recipient: NotificationRecipient(address: "a@example.org", displayName: "A", contactID: "a"),
                                                       template: "incident", fields: [:], createdAt: f.clock.now())])
        try await f.addUser("prom", .department)
        let token = try WebSecret.token(prefix: "wpt_")
        try await f.store.setAPITokenHash(login: "prom", hash: WebSecret.digest(token))
        let r = try await http("GET", "\(f.base)/metrics", headers: ["Authorization: Bearer \(token)"])
        expectEqual(r.status, 200)
        expectEqual(r.header("content-type").first?.hasPrefix("text/plain; version=0.0.4"), true)
        let m = r.body
        #expect(m.contains("# TYPE watchpost_check_status gauge"))
        #expect(m.contains("watchpost_check_status{site=\"tay-trang\",check=\"ups\",kind=\"ups\"} 2\n"))
        #expect(m.contains("watchpost_check_up{site=\"tay-trang\",check=\"box-disk\"} 1\n"))
        #expect(m.contains("watchpost_probe_duration_seconds{site=\"tay-trang\",check=\"ups\",kind=\"ups\"} 0.25\n"))
        #expect(m.contains("watchpost_ups_battery_charge_percent{site=\"tay-trang\",check=\"ups\"} 35\n"))
        #expect(m.contains("watchpost_controller_temperature_celsius{site=\"tay-trang\",check=\"led\"} 61.5\n"))
        #expect(m.contains("watchpost_incidents_open{category=\"technical\"} 1\n"))
        #expect(m.contains("watchpost_incidents_open{category=\"security\"} 0\n"))
        #expect(m.contains("watchpost_notifications{state=\"queued\"} 1\n"))
        #expect(m.contains("watchpost_notifications{state=\"failed\"} 0\n"))
        // Each family declared once, with every sample after its TYPE line.
        for line in m.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let name = line.split(separator: " ")[2]
            expectEqual(m.components(separatedBy: "# TYPE \(name) ").count, 2, "\(name) declared once")
        }
        for line in m.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.split(separator: " ").count >= 2, "sample line: \(line)")
        }
        await f.stop()
    }

    @Test func withoutTheEngineThePagesSaySo() async throws {
        let f = try await WebFixture.start(desk: false)
        try await f.addUser("dept1", .department)
        let jar = try await f.login("dept1")
        let board = try await http("GET", "\(f.base)/", jar: jar)
        #expect(board.status == 200 && board.body.contains("not connected"))
        try await expectEqual(http("GET", "\(f.base)/incidents", jar: jar).status, 503)
        let link = AckToken(incidentID: 1, level: 1, recipient: "x@example.org", expires: f.clock.now() + .hours(1)).signed(key: linkKey)
        try await expectEqual(http("GET", "\(f.base)/ack/\(link)").status, 503)
        await f.stop()
    }
}

extension String {
    func components(separatedBy sep: String) -> [Substring] { split(separator: sep, omittingEmptySubsequences: false) }
}

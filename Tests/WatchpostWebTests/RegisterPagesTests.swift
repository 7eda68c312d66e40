// The registers on the web over real HTTP: each role sees and may do what the one policy says,
// a refused form comes back with what was typed and each problem beside its field, script in a
// field is stored as typed and shown escaped, and the CSV export quotes and defuses formulas.
import Testing
import WatchpostCore
import WatchpostStore
import WatchpostWeb
import WatchpostConfig
import WatchpostTestSupport
import HTTPServer

@Suite("Register pages", .serialized, .timeLimit(.minutes(3)))
struct RegisterPagesTests {
    func csrf(_ f: WebFixture, _ path: String, _ jar: CookieJar) async throws -> String {
        try #require(csrfField(try await http("GET", "\(f.base)\(path)", jar: jar).body))
    }

    @Test func technicianPlansASaturdayAndTheDepartmentAnswersFeedback() async throws {
        let f = try await WebFixture.start()
        try await f.addUser("kt", .technician)
        try await f.addUser("so", .department)
        try await f.addUser("ubnd", .committee)
        let kt = try await f.login("kt")
        // 2026-11-28 is the Saturday after the fixture's clock (Tuesday 24/11).
        var token = try await csrf(f, "/registers/plan?site=tay-trang", kt)
        let bad = try await http("POST", "\(f.base)/registers/plan?site=tay-trang",
                                 body: form([("csrf", token), ("date", "2026-11-28"), ("mode", "hours"), ("hours", "08:00-20:00"), ("reason", "Lễ hội <b>biên giới</b>")]), jar: kt)
        #expect(bad.status == 400)
        #expect(bad.body.contains("phải từ 8 đến 10 giờ"))  // beside the field, in Vietnamese first
        #expect(bad.body.contains("value=\"08:00-20:00\""))  // what was typed is kept
        #expect(bad.body.contains("Lễ hội &lt;b&gt;biên giới&lt;/b&gt;"))
        #expect(try await f.store.plan(site: "tay-trang").isEmpty)
        token = try await csrf(f, "/registers/plan?site=tay-trang", kt)
        let good = try await http("POST", "\(f.base)/registers/plan?site=tay-trang",
                                  body: form([("csrf", token), ("date", "2026-11-28"), ("mode", "hours"), ("hours", "08:00-12:00, 13:30-17:30"), ("reason", "Trực ban")]), jar: kt)
        #expect(good.status == 200)
        let plan = try await f.store.plan(site: "tay-trang")
        #expect(plan.count == 1 && plan[0].plannedSeconds == 8 * 3600 && plan[0].by == "kt")

        // Feedback: the technician records and forwards; the Department answers.
        token = try await csrf(f, "/registers/feedback?site=tay-trang", kt)
        let script = "<script>alert('x')</script> phụ đề sai"
        let added = try await http("POST", "\(f.base)/registers/feedback?site=tay-trang",
                                   body: form([("csrf", token), ("subject", "content"), ("channel", "in-person"), ("text", script), ("from", "")]), jar: kt)
        #expect(added.status == 200)
        #expect(!added.body.contains("<script>alert"))
        #expect(added.body.contains("&lt;script&gt;"))
        let id = try #require(try await f.store.feedback(site: "tay-trang").first?.id)
        token = try await csrf(f, "/registers/feedback?site=tay-trang", kt)
        #expect(try await http("POST", "\(f.base)/registers/feedback/\(id)/forward?site=tay-trang", body: form([("csrf", token)]), jar: kt).status == 200)
        // The forward is an email to the Department, queued with the state change.
        let forwarded = try await f.store.outboxRows().filter { $0.request.template == "feedback" }
        let config = try ConfigurationLoader.load(root: TestPaths.packageRoot)
        func isDepartment(_ id: String) -> Bool { config.contacts.organisations[id]?.roles.contains(.department) == true }
        #expect(!forwarded.isEmpty && forwarded.allSatisfy { isDepartment($0.request.recipient.contactID) })
        #expect(forwarded.first?.request.fields["text"] == script)
        // Unanswered after the site's 7 days: one reminder to the Department per period.
        let open = try #require(try await f.store.feedback(site: "tay-trang").first)
        let site = try #require(config.site("tay-trang"))
        #expect(RegisterNotices.reminders(open, site: site, contacts: config.contacts, now: f.clock.now() + .hours(24), webBase: nil).isEmpty)
        let due = RegisterNotices.reminders(open, site: site, contacts: config.contacts, now: f.clock.now() + .hours(24 * 8), webBase: nil)
        #expect(!due.isEmpty && due.allSatisfy { $0.key.contains("/remind/1/") && isDepartment($0.recipient.contactID) })
        // The technician may not answer for the Department; the Committee may not write.
        token = try await csrf(f, "/registers/feedback?site=tay-trang", kt)
        #expect(try await http("POST", "\(f.base)/registers/feedback/\(id)/answer?site=tay-trang", body: form([("csrf", token), ("answer", "x")]), jar: kt).status == 403)
        let ubnd = try await f.login("ubnd")
        token = try await csrf(f, "/logout", ubnd)  // the Committee sees no register form
        #expect(try await http("POST", "\(f.base)/registers/feedback?site=tay-trang",
                               body: form([("csrf", token), ("subject", "content"), ("channel", "phone"), ("text", "x")]), jar: ubnd).status == 403)
        let so = try await f.login("so")
        token = try await csrf(f, "/registers/feedback?site=tay-trang", so)
        #expect(try await http("POST", "\(f.base)/registers/feedback/\(id)/answer?site=tay-trang", body: form([("csrf", token), ("answer", "Đã thay tệp")]), jar: so).status == 200)
        #expect(try await f.store.feedback(site: "tay-trang").first?.state == .answered)
        // Without the CSRF token nothing is written.
        #expect(try await http("POST", "\(f.base)/registers/training?site=tay-trang",
                               body: form([("topic", "x"), ("organiser", "y"), ("attendees", "A")]), jar: kt).status == 403)
        #expect(try await f.store.training(site: "tay-trang").isEmpty)

        let timeline = try await f.store.timeline().map(\.event.kind)
        #expect(timeline.contains("register.plan.hours") && timeline.contains("register.feedback.forwarded") && timeline.contains("register.feedback.answered"))
        await f.stop()
    }

    @Test func lendingTheSoundEquipmentAndTheCSVExport() async throws {
        let f = try await WebFixture.start()
        try await f.addUser("kt", .technician)
        let kt = try await f.login("kt")
        var token = try await csrf(f, "/registers/equipment?site=tay-trang", kt)
        #expect(try await http("POST", "\(f.base)/registers/equipment?site=tay-trang",
                               body: form([("csrf", token), ("id", "am-thanh"), ("name", "=HYPERLINK(\"x\") Bộ âm thanh lưu động"), ("state", "working"), ("lendable", "1")]), jar: kt).status == 200)
        token = try await csrf(f, "/registers/equipment?site=tay-trang", kt)
        #expect(try await http("POST", "\(f.base)/registers/equipment/am-thanh/lend?site=tay-trang",
                               body: form([("csrf", token), ("borrower", "UBND xã Na Ư"), ("purpose", "Tuyên truyền"), ("due", "2026-12-01")]), jar: kt).status == 200)
        token = try await csrf(f, "/registers/equipment?site=tay-trang", kt)
        let again = try await http("POST", "\(f.base)/registers/equipment/am-thanh/lend?site=tay-trang",
                                   body: form([("csrf", token), ("borrower", "Người khác"), ("purpose", "x")]), jar: kt)
        #expect(again.status == 400 && again.body.contains("đang cho UBND xã Na Ư mượn"))
        #expect(try await f.store.loans(site: "tay-trang").count == 1)
        let csv = try await http("GET", "\(f.base)/registers/equipment.csv?site=tay-trang", jar: kt)
        #expect(csv.status == 200)
        #expect(csv.body.contains("\"'=HYPERLINK(\"\"x\"\") Bộ âm thanh lưu động\""))
        token = try await csrf(f, "/registers/equipment?site=tay-trang", kt)
        #expect(try await http("POST", "\(f.base)/registers/equipment/am-thanh/return?site=tay-trang", body: form([("csrf", token)]), jar: kt).status == 200)
        #expect(try await f.store.loans(site: "tay-trang").first?.returnedAt != nil)
        await f.stop()
    }
}

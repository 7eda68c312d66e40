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
import WatchpostAuth

@Suite("Register pages", .serialized, .timeLimit(.minutes(3)))
struct RegisterPagesTests {
    func csrf(_ f: WebFixture, _ path: String, _ jar: CookieJar) async throws -> String {
        try #require(csrfField(try await http("GET", "\(f.base)\(path)", jar: jar).body))
    }

    @Test func technicianPlansASaturdayAndTheDepartmentAnswersFeedback() async throws {
        let f = try await WebFixture.start()
        try await f.addUser("kt", .technician, name: "Lò Văn Kỹ")
        try await f.addUser("so", .department)
        try await f.addUser("ubnd", .committee)
        let kt = try await f.login("kt")
        // 2026-11-28 is the Saturday after the fixture's clock (Tuesday 24/11).
        var token = try await csrf(f, "/registers/plan?site=tay-trang", kt)
        let bad = try await http("POST", "\(f.base)/registers/plan?site=tay-trang",
                                 body: form([("csrf", token), ("date", "2026-11-28"), ("mode", "hours"), ("hours", "08:00-20:00"), ("reason", "Lễ hội <b>biên giới</b>")]), jar: kt)
        expectEqual(bad.status, 400)
        #expect(bad.body.contains("phải từ 8 đến 10 giờ"))  // beside the field, in Vietnamese first
        #expect(bad.body.contains("value=\"08:00-20:00\""))  // what was typed is kept
        #expect(bad.body.contains("Lễ hội &lt;b&gt;biên giới&lt;/b&gt;"))
        #expect(try await f.store.plan(site: "tay-trang").isEmpty)
        token = try await csrf(f, "/registers/plan?site=tay-trang", kt)
        let good = try await http("POST", "\(f.base)/registers/plan?site=tay-trang",
                                  body: form([("csrf", token), ("date", "2026-11-28"), ("mode", "hours"), ("hours", "08:00-12:00, 13:30-17:30"), ("reason", "Trực ban")]), jar: kt)
        expectEqual(good.status, 200)
        let plan = try await f.store.plan(site: "tay-trang")
        #expect(plan.count == 1 && plan[0].plannedSeconds == 8 * 3600 && plan[0].by == "kt")
        // The status board's operating hours follow the plan (the other days: the profile).
        let board = try await http("GET", "\(f.base)/", jar: kt).body
        // The fixture's configuration is not reloaded: the engine still has the profile's hours.
        #expect(board.contains("class=\"planned applying\" data-date=\"2026-11-28\">28/11/2026: 08:00-12:00, 13:30-17:30 (8 giờ) — theo kế hoạch vận hành của đơn vị (kt: Trực ban), đang áp dụng"), "\(board)")
        #expect(board.contains("data-date=\"2026-11-29\">29/11/2026: 08:00-18:00 (10 giờ) — theo lịch trong hồ sơ của cụm"))

        // Feedback: the technician records and forwards; the Department answers.
        token = try await csrf(f, "/registers/feedback?site=tay-trang", kt)
        let script = "<script>alert('x')</script> phụ đề sai"
        let added = try await http("POST", "\(f.base)/registers/feedback?site=tay-trang",
                                   body: form([("csrf", token), ("subject", "content"), ("channel", "in-person"), ("text", script), ("from", "")]), jar: kt)
        expectEqual(added.status, 200)
        #expect(!added.body.contains("<script>alert"))
        #expect(added.body.contains("&lt;script&gt;"))
        let id = try #require(try await f.store.feedback(site: "tay-trang").first?.id)
        // What was saved, not a bare "#1" (review of #18, s5).
        #expect(added.body.contains("Đã ghi ý kiến phản ánh số \(id) / Recorded feedback no. \(id)"), "\(added.body)")
        token = try await csrf(f, "/registers/feedback?site=tay-trang", kt)
        try await expectEqual(http("POST", "\(f.base)/registers/feedback/\(id)/forward?site=tay-trang", body: form([("csrf", token)]), jar: kt).status, 200)
        // The forward is an email to the Department, queued with the state change.
        let forwarded = try await f.store.outboxRows().filter { $0.request.template == "feedback" }
        let config = try ConfigurationLoader.load(root: TestPaths.packageRoot)
        func isDepartment(_ id: String) -> Bool { config.contacts.organisations[id]?.roles.contains(.department) == true }
        #expect(!forwarded.isEmpty && forwarded.allSatisfy { isDepartment($0.request.recipient.contactID) })
        expectEqual(forwarded.first?.request.fields["text"], script)
        // The person who forwarded it, not the login alone ("Người chuyển: kt" before).
        expectEqual(forwarded.first?.request.fields["by"], "Lò Văn Kỹ (kt)", "\(String(describing: forwarded.first?.request.fields["by"]))")
        // The channel by its name in each language, not its id (review of #18, s5: "Kênh: in-person").
        #expect(forwarded.first?.request.fields["channel"] == "Trực tiếp" && forwarded.first?.request.fields["channel_en"] == "In person",
                "\(String(describing: forwarded.first?.request.fields))")
        // Unanswered after the site's 7 days: one reminder to the Department per period.
        let open = try #require(try await f.store.feedback(site: "tay-trang").first)
        let site = try #require(config.site("tay-trang"))
        #expect(RegisterNotices.reminders(open, site: site, contacts: config.contacts, now: f.clock.now() + .hours(24), webBase: nil).isEmpty)
        let due = RegisterNotices.reminders(open, site: site, contacts: config.contacts, now: f.clock.now() + .hours(24 * 8), webBase: nil)
        #expect(!due.isEmpty && due.allSatisfy { $0.key.contains("/remind/1/") && isDepartment($0.recipient.contactID) })
        // The technician may not answer for the Department; the Committee may not write.
        token = try await csrf(f, "/registers/feedback?site=tay-trang", kt)
        try await expectEqual(http("POST", "\(f.base)/registers/feedback/\(id)/answer?site=tay-trang", body: form([("csrf", token), ("answer", "x")]), jar: kt).status, 403)
        let ubnd = try await f.login("ubnd")
        token = try await csrf(f, "/logout", ubnd)  // the Committee sees no register form
        #expect(try await http("POST", "\(f.base)/registers/feedback?site=tay-trang",
                               body: form([("csrf", token), ("subject", "content"), ("channel", "phone"), ("text", "x")]), jar: ubnd).status == 403)
        let so = try await f.login("so")
        token = try await csrf(f, "/registers/feedback?site=tay-trang", so)
        try await expectEqual(http("POST", "\(f.base)/registers/feedback/\(id)/answer?site=tay-trang", body: form([("csrf", token), ("answer", "Đã thay tệp")]), jar: so).status, 200)
        try await expectEqual(f.store.feedback(site: "tay-trang").first?.state, .answered)
        // A second answer is refused saying by whom and when, each language once (it repeated the
        // whole bilingual text in each language and named nobody).
        token = try await csrf(f, "/logout", so)  // no answer form is left on the page: the session's token
        let again = try await http("POST", "\(f.base)/registers/feedback/\(id)/answer?site=tay-trang", body: form([("csrf", token), ("answer", "Lần hai")]), jar: so)
        #expect(again.status == 400 && again.body.contains("Không ghi được: Ý kiến phản ánh số \(id) đã ở trạng thái “Đã trả lời” (so, "), "\(again.body)")
        expectEqual(again.body.components(separatedBy: "đã ở trạng thái").count, 2, "the Vietnamese reason once: \(again.body)")
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
        try await expectEqual(f.store.loans(site: "tay-trang").count, 1)
        let csv = try await http("GET", "\(f.base)/registers/equipment.csv?site=tay-trang", jar: kt)
        expectEqual(csv.status, 200)
        #expect(csv.body.contains("\"'=HYPERLINK(\"\"x\"\") Bộ âm thanh lưu động\""))
        token = try await csrf(f, "/registers/equipment?site=tay-trang", kt)
        try await expectEqual(http("POST", "\(f.base)/registers/equipment/am-thanh/return?site=tay-trang", body: form([("csrf", token)]), jar: kt).status, 200)
        #expect(try await f.store.loans(site: "tay-trang").first?.returnedAt != nil)
        await f.stop()
    }

    /// Every id="…" of a page, for the no-duplicates check.
    func elementIDs(_ html: String) -> [String] {
        html.components(separatedBy: " id=\"").dropFirst().compactMap { $0.split(separator: "\"", maxSplits: 1).first.map(String.init) }
    }

    @Test func perRowFormsKeepWhatWasTypedBesideTheirOwnFields() async throws {
        let f = try await WebFixture.start()
        try await f.addUser("kt", .technician)
        let kt = try await f.login("kt")
        for item in ["am-thanh", "loa-2"] {
            let token = try await csrf(f, "/registers/equipment?site=tay-trang", kt)
            #expect(try await http("POST", "\(f.base)/registers/equipment?site=tay-trang",
                                   body: form([("csrf", token), ("id", item), ("name", "Âm thanh \(item)"), ("state", "working"), ("lendable", "1")]), jar: kt).status == 200)
        }
        // A lend refused for its due date: that row's form comes back open, filled, the error beside
        // "due"; the other row's form and the add form stay empty; no id repeats on the page.
        var token = try await csrf(f, "/registers/equipment?site=tay-trang", kt)
        let bad = try await http("POST", "\(f.base)/registers/equipment/loa-2/lend?site=tay-trang",
                                 body: form([("csrf", token), ("borrower", "UBND xã <b>Na Ư</b>"), ("purpose", "Tuyên truyền"), ("due", "2026-13-45")]), jar: kt)
        expectEqual(bad.status, 400)
        let ids = elementIDs(bad.body)
        expectEqual(Set(ids).count, ids.count, "repeated ids: \(ids.filter { id in ids.filter { $0 == id }.count > 1 })")
        #expect(bad.body.contains("id=\"f-equipment-loa-2-lend-borrower\" name=\"borrower\" value=\"UBND xã &lt;b&gt;Na Ư&lt;/b&gt;\""))
        #expect(bad.body.contains("id=\"f-equipment-am-thanh-lend-borrower\" name=\"borrower\" value=\"\""))
        #expect(bad.body.contains("type=\"text\" id=\"f-equipment-loa-2-lend-due\" name=\"due\" value=\"2026-13-45\""))
        #expect(bad.body.contains("id=\"f-equipment-loa-2-lend-due-error\">“2026-13-45” không phải ngày"))
        #expect(bad.body.contains("<details open><summary>Cho mượn / Lend</summary><form method=\"post\" action=\"/registers/equipment/loa-2/lend"))
        expectEqual(bad.body.components(separatedBy: "UBND xã &lt;b&gt;Na Ư").count, 2)  // only in its own form
        #expect(try await f.store.loans(site: "tay-trang").isEmpty)
        // Lent, then returned: the message names the borrower.
        token = try await csrf(f, "/registers/equipment?site=tay-trang", kt)
        #expect(try await http("POST", "\(f.base)/registers/equipment/loa-2/lend?site=tay-trang",
                               body: form([("csrf", token), ("borrower", "UBND xã Na Ư"), ("purpose", "Tuyên truyền")]), jar: kt).status == 200)
        token = try await csrf(f, "/registers/equipment?site=tay-trang", kt)
        let back = try await http("POST", "\(f.base)/registers/equipment/loa-2/return?site=tay-trang", body: form([("csrf", token)]), jar: kt)
        #expect(back.status == 200 && back.body.contains("Đã nhận lại loa-2 từ UBND xã Na Ư"))
        // A second return says it is not out, at the top of the page.
        token = try await csrf(f, "/registers/equipment?site=tay-trang", kt)
        let again = try await http("POST", "\(f.base)/registers/equipment/loa-2/return?site=tay-trang", body: form([("csrf", token)]), jar: kt)
        #expect(again.status == 409 && again.body.contains("không có ai đang mượn"))

        // Every field is checked at once: an invalid date does not hide an over-long text.
        token = try await csrf(f, "/registers/inspections?site=tay-trang", kt)
        let both = try await http("POST", "\(f.base)/registers/inspections?site=tay-trang",
                                  body: form([("csrf", token), ("kind", "surprise"), ("date", "2026-02-30"), ("bodies", String(repeating: "Sở TT&TT.", count: 40))]), jar: kt)
        #expect(both.status == 400 && both.body.contains("“2026-02-30” không phải ngày") && both.body.contains("Dài 360 ký tự, tối đa 200"))
        #expect(try await f.store.inspections(site: "tay-trang").isEmpty)

        // A follow-up action refused for its owner: kept in that inspection's form. A textarea's
        // CR LF is a line break; a control byte is refused and not echoed back.
        token = try await csrf(f, "/registers/inspections?site=tay-trang", kt)
        #expect(try await http("POST", "\(f.base)/registers/inspections?site=tay-trang",
                               body: form([("csrf", token), ("kind", "surprise"), ("bodies", "Sở TT&TT"), ("findings", "Mất card\r\nQuạt kêu")]), jar: kt).status == 200)
        let inspection = try #require(try await f.store.inspections(site: "tay-trang").first?.0)
        expectEqual(inspection.findings, "Mất card\nQuạt kêu")
        token = try await csrf(f, "/registers/inspections?site=tay-trang", kt)
        let action = try await http("POST", "\(f.base)/registers/inspections/\(inspection.id)/action?site=tay-trang",
                                    body: form([("csrf", token), ("text", "Thay card\u{1B}[2J nhận"), ("owner", ""), ("due", "2026-12-15")]), jar: kt)
        expectEqual(action.status, 400)
        #expect(action.body.contains(">Thay card[2J nhận</textarea>") && !action.body.contains("\u{1B}"))
        #expect(action.body.contains("id=\"f-inspections-\(inspection.id)-action-owner-error\">Chưa nhập"))
        #expect(action.body.contains("id=\"f-inspections-\(inspection.id)-action-text-error\">Có ký tự điều khiển"))
        #expect(action.body.contains("id=\"f-inspections-bodies\" name=\"bodies\" value=\"\""))  // the add form is not refilled

        // Done twice, closed twice: "already", not "not found".
        token = try await csrf(f, "/registers/inspections?site=tay-trang", kt)
        #expect(try await http("POST", "\(f.base)/registers/inspections/\(inspection.id)/action?site=tay-trang",
                               body: form([("csrf", token), ("text", "Thay card"), ("owner", "KT"), ("due", "2026-12-15")]), jar: kt).status == 200)
        let actionID = try #require(try await f.store.inspections(site: "tay-trang").first?.1.first?.id)
        for expected in [200, 409] {
            token = try await csrf(f, "/registers/inspections?site=tay-trang", kt)
            let done = try await http("POST", "\(f.base)/registers/actions/\(actionID)/done?site=tay-trang", body: form([("csrf", token)]), jar: kt)
            expectEqual(done.status, expected)
            if expected == 409 { #expect(done.body.contains("đã xong lúc") && !done.body.contains("Không tìm thấy")) }
        }
        for expected in [200, 409] {
            token = try await csrf(f, "/registers/inspections?site=tay-trang", kt)
            let closed = try await http("POST", "\(f.base)/registers/inspections/\(inspection.id)/close?site=tay-trang", body: form([("csrf", token)]), jar: kt)
            expectEqual(closed.status, expected)
            if expected == 409 { #expect(closed.body.contains("đã đóng lúc")) }
        }
        await f.stop()
    }

    @Test func theDepartmentsAnswerIsKeptInItsOwnFormAndTheAPIIsReadable() async throws {
        let f = try await WebFixture.start()
        try await f.addUser("kt", .technician)
        try await f.addUser("so", .department)
        let kt = try await f.login("kt")
        for text in ["Phụ đề sai", "Âm thanh nhỏ"] {
            let token = try await csrf(f, "/registers/feedback?site=tay-trang", kt)
            #expect(try await http("POST", "\(f.base)/registers/feedback?site=tay-trang",
                                   body: form([("csrf", token), ("subject", "content"), ("channel", "in-person"), ("text", text)]), jar: kt).status == 200)
        }
        let page = try await http("GET", "\(f.base)/registers/feedback?site=tay-trang", jar: kt)
        #expect(page.body.contains("Trực tiếp") && page.body.contains("type=\"date\""))
        let so = try await f.login("so")
        let ids = try await f.store.feedback(site: "tay-trang").map(\.id)
        let token = try await csrf(f, "/registers/feedback?site=tay-trang", so)
        let long = String(repeating: "Trả lời dài.", count: 400)
        let refused = try await http("POST", "\(f.base)/registers/feedback/\(ids[1])/answer?site=tay-trang", body: form([("csrf", token), ("answer", long)]), jar: so)
        expectEqual(refused.status, 400)
        #expect(refused.body.contains("id=\"f-feedback-\(ids[1])-answer-answer-error\">Dài 4800 ký tự, tối đa 4000"))
        #expect(refused.body.contains(">" + long + "</textarea>"))
        #expect(refused.body.contains("id=\"f-feedback-\(ids[0])-answer-answer\" name=\"answer\" rows=\"3\" maxlength=\"6000\"></textarea>"))
        expectEqual(refused.body.components(separatedBy: "Dài 4800 ký tự").count, 2)
        // The API: readable fields, labels in both languages, no Swift or store encodings.
        let bearer = try WebSecret.token(prefix: "wpt_")
        try await f.store.setAPITokenHash(login: "so", hash: WebSecret.digest(bearer))
        let auth = ["Authorization: Bearer \(bearer)"]
        let api = try await http("GET", "\(f.base)/api/v1/registers/feedback?site=tay-trang", headers: auth)
        expectEqual(api.status, 200)
        #expect(api.body.contains("\"channel\":{\"en\":\"In person\",\"value\":\"in-person\",\"vi\":\"Trực tiếp\"}") || api.body.contains("\"value\":\"in-person\""))
        #expect(api.body.contains("\"received_on\":\"2026-") && api.body.contains("\"recorded_at\":\"2026-") && !api.body.contains("_ms"))
        try await f.store.setPlan(PlanEntry(site: "tay-trang", date: CivilDate(year: 2026, month: 11, day: 28), change: .hours([DailyWindow(parsing: "08:00-16:00")!]),
                                            reason: "", by: "kt", at: f.clock.now()))
        let plan = try await http("GET", "\(f.base)/api/v1/registers/plan?site=tay-trang", headers: auth)
        #expect(plan.status == 200 && !plan.body.contains("_0") && !plan.body.contains("\"change\""), "\(plan.body)")
        #expect(plan.body.contains("\"windows\":[\"08:00-16:00\"]") && plan.body.contains("\"date\":\"2026-11-28\"") && plan.body.contains("\"planned_hours\":8"), "\(plan.body)")
        await f.stop()
    }

    /// The checks the command line makes, made on the web too, every mistake at once beside its field.
    @Test func theWebRefusesWhatTheCommandLineRefusesListingEveryMistake() async throws {
        let f = try await WebFixture.start()
        try await f.addUser("kt", .technician)
        try await f.addUser("ubnd", .committee)
        let kt = try await f.login("kt")
        // A repair linked to an incident that does not exist, with three more mistakes.
        var token = try await csrf(f, "/registers/maintenance?site=tay-trang", kt)
        let repair = try await http("POST", "\(f.base)/registers/maintenance?site=tay-trang",
                                    body: form([("csrf", token), ("date", "2026-02-30"), ("what", ""), ("who", "Kỹ thuật"), ("cost", "một triệu"), ("incident", "999")]), jar: kt)
        expectEqual(repair.status, 400)
        #expect(repair.body.contains("id=\"f-maintenance-incident-error\">Không tìm thấy sự cố số 999"), "\(repair.body)")
        #expect(repair.body.contains("id=\"f-maintenance-what-error\">Chưa nhập"))
        #expect(repair.body.contains("id=\"f-maintenance-cost-error\">“một triệu” không phải số nguyên"))
        #expect(repair.body.contains("id=\"f-maintenance-date-error\">“2026-02-30” không phải ngày"))
        #expect(repair.body.contains("value=\"999\""))  // kept
        #expect(try await f.store.maintenanceWork(site: "tay-trang").isEmpty)
        // A plan with a bad date, bad hours and an over-long reason: three errors, not the first one.
        token = try await csrf(f, "/registers/plan?site=tay-trang", kt)
        let plan = try await http("POST", "\(f.base)/registers/plan?site=tay-trang",
                                  body: form([("csrf", token), ("date", "2026-13-01"), ("mode", "hours"), ("hours", "8h-17h"), ("reason", String(repeating: "x", count: 600))]), jar: kt)
        expectEqual(plan.status, 400)
        for field in ["date", "hours", "reason"] { #expect(plan.body.contains("id=\"f-plan-\(field)-error\""), "no error beside \(field)") }
        // A proposal with no kind and no text: both said.
        token = try await csrf(f, "/registers/maintenance?site=tay-trang", kt)
        let proposal = try await http("POST", "\(f.base)/registers/proposals?site=tay-trang", body: form([("csrf", token), ("kind", "sửa"), ("text", "")]), jar: kt)
        #expect(proposal.status == 400 && proposal.body.contains("id=\"f-proposals-kind-error\"") && proposal.body.contains("id=\"f-proposals-text-error\""))

        // A maintenance window from an open inspection, on the timeline; refused to the Committee.
        token = try await csrf(f, "/registers/inspections?site=tay-trang", kt)
        try await expectEqual(http("POST", "\(f.base)/registers/inspections?site=tay-trang", body: form([("csrf", token), ("kind", "surprise"), ("bodies", "Sở TT&TT")]), jar: kt).status, 200)
        let inspection = try #require(try await f.store.inspections(site: "tay-trang").first?.0.id)
        let page = try await http("GET", "\(f.base)/registers/inspections?site=tay-trang", jar: kt)
        #expect(page.body.contains("action=\"/registers/inspections/\(inspection)/maintenance?site=tay-trang\""))
        token = try await csrf(f, "/registers/inspections?site=tay-trang", kt)
        let badWindow = try await http("POST", "\(f.base)/registers/inspections/\(inspection)/maintenance?site=tay-trang",
                                       body: form([("csrf", token), ("duration", "mãi mãi"), ("checks", "khong-co")]), jar: kt)
        expectEqual(badWindow.status, 400)
        #expect(badWindow.body.contains("id=\"f-inspections-\(inspection)-maintenance-duration-error\">“mãi mãi” không phải khoảng thời gian"))
        #expect(badWindow.body.contains("id=\"f-inspections-\(inspection)-maintenance-checks-error\">Cụm không có hạng mục giám sát “khong-co”"))
        let ubnd = try await f.login("ubnd")
        token = try await csrf(f, "/logout", ubnd)
        try await expectEqual(http("POST", "\(f.base)/registers/inspections/\(inspection)/maintenance?site=tay-trang", body: form([("csrf", token), ("duration", "2h")]), jar: ubnd).status, 403)
        #expect(try await f.store.maintenanceWindows(activeAt: nil).isEmpty)
        token = try await csrf(f, "/registers/inspections?site=tay-trang", kt)
        let started = try await http("POST", "\(f.base)/registers/inspections/\(inspection)/maintenance?site=tay-trang", body: form([("csrf", token), ("duration", "2h")]), jar: kt)
        #expect(started.status == 200 && started.body.contains("Bắt đầu thời gian bảo trì adhoc:"), "\(started.body)")
        let windows = try await f.store.maintenanceWindows(activeAt: f.clock.now())
        #expect(windows.count == 1 && windows[0].window.reason.contains("đợt kiểm tra số \(inspection)") && windows[0].window.end == f.clock.now() + .hours(2))
        #expect(try await f.store.timeline().contains { $0.event.kind == "maintenance-started" && $0.event.actor == "kt" })

        // An action on a closed inspection is refused with a clear message (a form posted from an old page).
        token = try await csrf(f, "/registers/inspections?site=tay-trang", kt)
        try await expectEqual(http("POST", "\(f.base)/registers/inspections/\(inspection)/close?site=tay-trang", body: form([("csrf", token)]), jar: kt).status, 200)
        token = try await csrf(f, "/registers/inspections?site=tay-trang", kt)
        let late = try await http("POST", "\(f.base)/registers/inspections/\(inspection)/action?site=tay-trang",
                                  body: form([("csrf", token), ("text", "Thay card"), ("owner", "KT"), ("due", "2026-12-15")]), jar: kt)
        #expect(late.status == 400 && late.body.contains("đã đóng lúc") && late.body.contains("không thêm được việc khắc phục"), "\(late.body)")
        #expect(try await f.store.inspections(site: "tay-trang")[0].1.isEmpty)
        token = try await csrf(f, "/registers/inspections?site=tay-trang", kt)
        try await expectEqual(http("POST", "\(f.base)/registers/inspections/\(inspection)/maintenance?site=tay-trang", body: form([("csrf", token), ("duration", "1h")]), jar: kt).status, 400)

        // Equipment: adding an id already recorded is refused (nothing replaced unseen); the item's own form edits it.
        for expected in [200, 400] {
            token = try await csrf(f, "/registers/equipment?site=tay-trang", kt)
            let put = try await http("POST", "\(f.base)/registers/equipment?site=tay-trang",
                                     body: form([("csrf", token), ("id", "am-thanh"), ("name", "Bộ âm thanh lưu động"), ("serial", "SN-1"), ("location", "Đồn BP"), ("state", "working"), ("lendable", "1")]), jar: kt)
            expectEqual(put.status, expected)
            if expected == 400 { #expect(put.body.contains("id=\"f-equipment-id-error\">Đã có thiết bị am-thanh")) }
        }
        let equipment = try await http("GET", "\(f.base)/registers/equipment?site=tay-trang", jar: kt)
        #expect(equipment.body.contains("id=\"f-equipment-am-thanh-edit-serial\" name=\"serial\" value=\"SN-1\""))
        token = try await csrf(f, "/registers/equipment?site=tay-trang", kt)
        #expect(try await http("POST", "\(f.base)/registers/equipment/am-thanh/edit?site=tay-trang",
                               body: form([("csrf", token), ("name", "Bộ âm thanh lưu động"), ("serial", "SN-1"), ("location", "Kho"), ("state", "faulty"), ("lendable", "1")]), jar: kt).status == 200)
        #expect(try await f.store.equipment(site: "tay-trang") == [EquipmentItem(id: "am-thanh", site: "tay-trang", name: "Bộ âm thanh lưu động", serial: "SN-1",
                                                                                 location: "Kho", state: .faulty, lendable: true)])
        await f.stop()
    }

    @Test func theRegistersAskTheOneAccessPolicy() {
        for role in UserRole.allCases {
            expectEqual(AccessPolicy.decide(role, .writeRegisters).allowed, [.operator, .technician].contains(role), "\(role)")
            expectEqual(AccessPolicy.decide(role, .decideRegisters).allowed, (role == .department), "\(role)")
            expectEqual(AccessPolicy.decide(role, .writeRegisters).allowed, RegisterPolicy.allows(role.party, .write), "\(role)")
        }
        // Roles by name, not by id (review of #18, s5: "Vai trò security chỉ được xem sổ").
        let reason = AccessPolicy.decide(.committee, .writeRegisters).reason
        #expect(reason.hasPrefix("Vai trò Ủy ban nhân dân tỉnh chỉ được xem sổ; vai trò được ghi: Đơn vị vận hành; Kỹ thuật viên"), "\(reason)")
    }
}

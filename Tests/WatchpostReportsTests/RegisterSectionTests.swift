// The yearly report counts the registers: inspections, open follow-up actions, feedback received,
// answered and open, maintenance done, proposals decided, training held, loans, and the plan's
// planned against operated hours — in HTML, text, CSV and PDF; and the proposals the findings
// call for are filed in the register once.
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostReports
import Posix
import WatchpostTestSupport

@Suite("Registers in the report")
struct RegisterSectionTests {
    @Test("the yearly report of Tây Trang counts each register")
    func yearlyReportCountsTheRegisters() async throws {
        let dir = try tempFolder("registers")
        let (_, site) = try tayTrangProfile()
        let z = site.zone
        let store = try Store(path: "\(dir)/w.db", clock: ManualClock(now: Instant(seconds: 0)))
        let d = CivilDate(year: 2026, month: 3, day: 10)
        let t = z.startOf(d) + .hours(9)
        let i1 = try await store.addInspection(Inspection(site: site.id, kind: .surprise, date: d, bodies: "Sở TT&TT", people: "A", checked: [], findings: "Mất card", createdBy: "kt", createdAt: t))
        _ = try await store.addInspection(Inspection(site: site.id, kind: .periodic, date: d.adding(days: 30), bodies: "Sở TT&TT", people: "", checked: [], findings: "", createdBy: "kt", createdAt: t))
        _ = try await store.addFollowUpAction(FollowUpAction(inspectionID: i1, text: "Thay card", owner: "KT", due: d.adding(days: 7)), by: "kt", at: t)
        let f1 = try await store.addFeedback(Feedback(site: site.id, channel: .inPerson, receivedOn: d, from: "", subject: .content, item: "", text: "Phụ đề sai", recordedBy: "kt", recordedAt: t))
        _ = try await store.addFeedback(Feedback(site: site.id, channel: .phone, receivedOn: d, from: "B", subject: .operation, item: "", text: "Màn hình tắt sớm", recordedBy: "kt", recordedAt: t))
        _ = try await store.advanceFeedback(id: f1, to: .forwarded, by: "kt", at: t)
        _ = try await store.advanceFeedback(id: f1, to: .answered, answer: "Đã sửa", by: "so", at: t + .hours(48))
        _ = try await store.addMaintenanceWork(MaintenanceWork(site: site.id, date: d, what: "Thay quạt", who: "KT", costVND: 1_500_000, recordedBy: "kt", recordedAt: t))
        let p = try await store.addProposal(Proposal(site: site.id, kind: .repair, text: "Thay ắc quy", raisedBy: "kt", raisedAt: t))
        try await store.decideProposal(id: p, decision: .approved, note: "", by: "so", at: t + .hours(24))
        _ = try await store.addTraining(TrainingSession(site: site.id, date: d, topic: "Vận hành", organiser: "Sở", attendees: ["A", "B", "C"], recordedBy: "kt", recordedAt: t))
        try await store.putEquipment(EquipmentItem(id: "am-thanh", site: site.id, name: "Âm thanh", serial: "", location: "", state: .working, lendable: true), by: "kt", at: t)
        _ = try await store.lend(EquipmentLoan(equipmentID: "am-thanh", site: site.id, borrower: "UBND xã", purpose: "Tuyên truyền", lentAt: t, dueBack: nil, recordedBy: "kt"), today: d)
        let saturday = CivilDate(year: 2026, month: 3, day: 14)
        try await store.setPlan(PlanEntry(site: site.id, date: saturday, change: .hours([DailyWindow(parsing: "08:00-16:00")!]), reason: "", by: "kt", at: t))

        let report = try await ReportBuilder.build(site: site, period: try #require(ReportPeriod(parsing: "2026")), store: store, now: Instant.parse("2027-01-05T00:00:00Z")!)
        let reg = try #require(report.registers)
        #expect(reg.figures.inspections == 2 && reg.figures.surpriseInspections == 1 && reg.figures.openActions == 1)
        #expect(reg.figures.feedbackReceived == 2 && reg.figures.feedbackAnswered == 1 && reg.figures.feedbackOpen == 1)
        #expect(reg.figures.maintenanceDone == 1 && reg.figures.proposalsDecided == 1 && reg.figures.trainingSessions == 1 && reg.figures.loans == 1)
        #expect(reg.figures.plannedDays == 1 && reg.figures.plannedSeconds == 8 * 3600)

        let html = ReportRenderer.html([report])
        #expect(!html.contains("Chưa có sổ đăng ký"))
        #expect(html.contains("Đợt kiểm tra đã thực hiện") && html.contains("2 (định kỳ 1, đột xuất 1)"))
        #expect(html.contains("tiếp nhận 2, đã trả lời 1, còn mở 1") && html.contains("1 buổi, 3 lượt người tham gia"))
        #expect(html.contains("1 ngày có kế hoạch (0 ngày tạm ngừng): kế hoạch 8,0 giờ"))
        let text = ReportRenderer.text([report])
        #expect(text.contains("Ý kiến phản ánh của nhân dân: tiếp nhận 2, đã trả lời 1, còn mở 1"))
        let csv = ReportRenderer.csv([report])
        #expect(csv.contains("\r\ntay-trang,2026,2,1,1,1,2,1,1,1,1500000,1,1,1,3,1,1,0,28800,"), "\(csv.suffix(400))")
        let pdf = "\(dir)/r.pdf"
        _ = try ReportRenderer.pdf([report], path: pdf)
        let tool = try requireTool("pdftotext", debianPackage: "poppler-utils")
        let r = try await runBlocking { try Subprocess.run(tool, arguments: ["-enc", "UTF-8", pdf, "-"], timeout: .seconds(60), maxOutput: 4 << 20) }
        #expect(r.output.contains("tiếp nhận 2, đã trả lời 1, còn mở 1"), "\(r.output.suffix(600))")

        // The consolidated report carries the same figures (issue #18 point 6, review s5 defect 2:
        // SiteSummary had no register fields, so --consolidated, /fleet/report and
        // /api/v1/summary showed none), through the summary's JSON as a console receives it.
        let (config, _) = try tayTrangProfile()
        let view = try await FleetView.load(configuration: config, period: try #require(ReportPeriod(parsing: "2026")), store: store,
                                            now: Instant.parse("2027-01-05T00:00:00Z")!)
        let local = try #require(view.local)
        let decoded = try JSONCoding.decode(BoxSummary.self, from: try JSONCoding.string(local))
        let summary = try #require(decoded.sites.first { $0.id == "tay-trang" })
        #expect(summary.registers == reg.figures && summary.operatedOnPlannedDays == reg.operatedOnPlannedDays, "\(String(describing: summary.registers))")
        let fleetCSV = FleetRenderer.csv(view)
        let row = try #require(fleetCSV.split(separator: "\r\n").first { $0.hasPrefix("local,") && $0.contains(",tay-trang,") }, "\(fleetCSV)")
        #expect(row.hasSuffix(",2,1,1,2,1,1,1,1,1,1,3,1,1,28800,\(reg.operatedOnPlannedDays)"), "\(row)")
        let fleetText = FleetRenderer.text(view)
        #expect(fleetText.contains("Ý kiến phản ánh của nhân dân: tiếp nhận 2, đã trả lời 1, còn mở 1") && fleetText.contains("2 (định kỳ 1, đột xuất 1)"), "\(fleetText)")
        let fleetHTML = FleetRenderer.html(view)
        #expect(fleetHTML.contains("tiếp nhận 2, đã trả lời 1, còn mở 1") && fleetHTML.contains("1 buổi, 3 lượt người tham gia"))
    }

    /// Tây Trang 7.2.1.b: the plan holds "from that moment". A Saturday of the profile's
    /// 08:00–18:00 closed at 14:00 ran six hours before the closure: the yearly count says 6 h
    /// planned and 6 h operated on it, not a closed day's nothing. (Before the fix: 0,0 h and 0,0 h.)
    @Test("a day closed part-way counts the hours run before the closure as planned and operated")
    func aDayClosedPartWayCountsTheHoursRunBeforeTheClosure() async throws {
        let dir = try tempFolder("registers-part-way")
        var (_, site) = try tayTrangProfile()
        site.sections.removeAll { $0.type == "availability" }
        site.checks = site.checks.filter { $0.id == "led-screen" }
        let saturday = CivilDate(year: 2026, month: 3, day: 14)
        let day = site.zone.startOf(saturday)
        let clock = ManualClock(now: day + .hours(7))
        let store = try Store(path: "\(dir)/w.db", clock: clock)
        try await store.beginRun(pid: 1)
        try await store.record(site: site.id, checkID: "led-screen", kind: "generated",
                               result: CheckResult(status: .ok, summary: "", startedAt: clock.now()), sampleInterval: .minutes(5))
        // 14:00: the post closes for the rest of the day; an 8-hour Sunday was planned the day before.
        clock.advance(to: day + .hours(14))
        try await store.setPlan(PlanEntry(site: site.id, date: saturday, change: .closed, reason: "Mưa bão", by: "bp", at: clock.now()))
        try await store.setPlan(PlanEntry(site: site.id, date: saturday.adding(days: 1), change: .hours([DailyWindow(parsing: "08:00-16:00")!]),
                                          reason: "", by: "bp", at: clock.now()))
        clock.advance(to: day + .hours(48))
        try await store.heartbeat()
        site.schedule = site.schedule.applying(try await store.planChanges(site: site.id))   // as `watchpost report` does
        let report = try await ReportBuilder.build(site: site, period: try #require(ReportPeriod(parsing: "2026-03")), store: store, now: Instant.parse("2026-04-02T00:00:00Z")!)
        let reg = try #require(report.registers)
        #expect(reg.figures.plannedDays == 2 && reg.figures.closures == 1 && reg.closedPartWay == 1)
        // Saturday 08:00–14:00 (6 h) + Sunday 08:00–16:00 (8 h), the screen up throughout.
        expectEqual(reg.figures.plannedSeconds, 14 * 3600, "\(reg.figures.plannedSeconds)")
        expectEqual(reg.operatedOnPlannedDays, 14 * 3600, "\(reg.operatedOnPlannedDays)")
        let text = ReportRenderer.text([report])
        #expect(text.contains("2 ngày có kế hoạch (1 ngày tạm ngừng, trong đó 1 ngày tạm ngừng giữa chừng, tính các giờ đã vận hành trước khi ngừng): kế hoạch 14,0 giờ, vận hành 14,0 giờ"),
                "\(text)")
        #expect(ReportRenderer.csv([report]).contains(",2,1,50400,50400,1"), "\(ReportRenderer.csv([report]).suffix(300))")
        // Made on Saturday at 20:00, the report lists the planned Sunday still to come with its
        // hours, so a planned day can be checked on the report page before it comes.
        let early = try await ReportBuilder.build(site: site, period: try #require(ReportPeriod(parsing: "2026-03")), store: store, now: day + .hours(20))
        let soon = try #require(early.registers)
        expectEqual(soon.upcoming.map(\.date), [saturday.adding(days: 1)], "\(soon.upcoming.map(\.date))")
        // The Sunday still ahead is not counted as planned and not operated (before: 2 days, 14,0 h planned, 6,0 h operated).
        #expect(soon.figures.plannedDays == 1 && soon.figures.plannedSeconds == 6 * 3600 && soon.operatedOnPlannedDays == 6 * 3600,
                "\(soon.figures.plannedDays) days, \(soon.figures.plannedSeconds) s planned, \(soon.operatedOnPlannedDays) s operated")
        let earlyText = ReportRenderer.text([early])
        #expect(earlyText.contains("Ngày có kế hoạch chưa diễn ra: 15/03/2026: 08:00-16:00 (8 giờ) — theo kế hoạch vận hành của đơn vị (bp: —)"), "\(earlyText)")
        #expect(ReportRenderer.html([early]).contains("15/03/2026: 08:00-16:00 (8 giờ)"))
        // The same closure made the evening before covers the whole day: a closure, no hours.
        let dir2 = try tempFolder("registers-closed-ahead")
        let clock2 = ManualClock(now: day - .hours(4))
        let store2 = try Store(path: "\(dir2)/w.db", clock: clock2)
        try await store2.setPlan(PlanEntry(site: site.id, date: saturday, change: .closed, reason: "Mưa bão", by: "bp", at: clock2.now()))
        var site2 = site
        site2.schedule = try tayTrangProfile().1.schedule.applying(try await store2.planChanges(site: site.id))
        let march = try #require(ReportPeriod(parsing: "2026-03"))
        let aheadReport = try await ReportBuilder.build(site: site2, period: march, store: store2, now: Instant.parse("2026-04-02T00:00:00Z")!)
        let ahead = try #require(aheadReport.registers)
        #expect(ahead.figures.plannedDays == 1 && ahead.figures.closures == 1 && ahead.closedPartWay == 0 && ahead.figures.plannedSeconds == 0)
    }

    @Test("proposals the findings call for are filed once, while one with the same origin is pending")
    func suggestedProposalsAreFiledOnce() async throws {
        let dir = try tempFolder("registers-proposals")
        let (_, site) = try tayTrangProfile()
        let now = Instant.parse("2026-12-01T03:00:00Z")!
        let store = try Store(path: "\(dir)/w.db", clock: ManualClock(now: now))
        let ups = try #require(site.checks.first { $0.kind.hasPrefix("ups") }).id
        let suggested = [WatchpostReports.Proposal(Message("report.proposal.ups_battery", ["check": .text(ups), "count": .count(1)]), origin: "ups.replace_battery:\(ups)")]
        // Pure: nothing pending → one repair proposal; the same origin pending → nothing.
        let first = SuggestedProposals.toFile(suggested, site: site.id, existing: [], at: now)
        #expect(first.count == 1 && first[0].kind == .repair && first[0].origin == "ups.replace_battery:\(ups)" && first[0].text.contains("ắc quy"))
        #expect(SuggestedProposals.toFile(suggested, site: site.id, existing: first, at: now).isEmpty)
        #expect(SuggestedProposals.toFile([WatchpostReports.Proposal(Message("report.proposal.link", ["check": .text("x"), "count": .count(3)]))], site: site.id, existing: [], at: now).isEmpty)
        // The report step files it once, however often it runs; once decided, a new one may be filed.
        try await expectEqual(SuggestedProposals.file(suggested, site: site.id, store: store, at: now).count, 1)
        #expect(try await SuggestedProposals.file(suggested, site: site.id, store: store, at: now + .hours(1)).isEmpty)
        let filed = try await store.proposals(site: site.id)
        #expect(filed.count == 1 && filed[0].raisedBy == "watchpost")
        try await store.decideProposal(id: filed[0].id, decision: .approved, note: "", by: "so", at: now + .hours(2))
        try await expectEqual(SuggestedProposals.file(suggested, site: site.id, store: store, at: now + .hours(24 * 40)).count, 1)
    }
}

// The reporting calendar against a brute-force reference: every cadence (kind × cut-off day ×
// cut-off month) tiles five years of days (two leap years) with no gap and no overlap, each day's period is the
// one a day-by-day scan finds, and the report due at an instant is the latest whose send time
// has passed. Then the shipped calendars of both decisions, and the configuration's checks.
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostReports
import WatchpostTestSupport

/// Brute force: is `d` a cut-off day of `c`? Straight from the definition, day by day.
func isCutoff(_ d: CivilDate, _ c: ReportCadence) -> Bool {
    let months: Set<Int>
    switch c.kind {
    case .monthly: months = Set(1...12)
    case .halfYearly: months = [c.cutoffMonth, c.cutoffMonth > 6 ? c.cutoffMonth - 6 : c.cutoffMonth + 6]
    case .yearly: months = [c.cutoffMonth]
    case .adHoc: months = []
    }
    return months.contains(d.month) && d.day == min(c.cutoffDay, CivilDate.daysIn(month: d.month, year: d.year))
}

func allCadences() -> [ReportCadence] {
    var out: [ReportCadence] = (1...31).map { ReportCadence(kind: .monthly, cutoffDay: $0) }
    // Days that matter: month starts and ends (short months clamp 29–31), and one in between.
    for m in 1...12 { for d in [1, 2, 15, 27, 28, 29, 30, 31] { out.append(ReportCadence(kind: .yearly, cutoffDay: d, cutoffMonth: m)); out.append(ReportCadence(kind: .halfYearly, cutoffDay: d, cutoffMonth: m)) } }
    return out
}

@Suite("Reporting calendar")
struct ReportCalendarTests {
    /// `--period yearly --of 2026` is the calendar's exact period, so nobody types Tây Trang's
    /// cut-off dates (32/2018/QĐ-UBND Điều 8.1: cut-off 24/11 in reports.conf).
    @Test("a report of the site's calendar resolves to the calendar's exact period")
    func periodByCalendar() throws {
        let config = try ConfigurationLoader.load(root: packageRoot)
        let tt = try #require(config.site("tay-trang")), va = try #require(config.site("vung-ang"))
        let today = CivilDate(year: 2026, month: 12, day: 1)
        func resolve(_ site: SiteProfile, _ name: String, _ of: String?) throws -> ReportPeriod {
            try #require(CalendarPeriodRequest(name: name, of: of)).resolve(site: site, configuration: config, today: today)
        }
        func days(_ p: ReportPeriod) -> String { "\(p.firstDay)..\(p.lastDay)" }
        expectEqual(days(try resolve(tt, "yearly", "2026")), "2025-11-25..2026-11-24")
        try expectEqual(resolve(tt, "yearly", "2026").label, "2026")
        // Without --of: the latest period that has ended (on 1/12/2026, Tây Trang's 2026 and Vũng Áng's 2025).
        expectEqual(days(try resolve(tt, "yearly", nil)), "2025-11-25..2026-11-24")
        expectEqual(days(try resolve(va, "yearly", nil)), "2025-01-01..2025-12-31")
        // A day the period holds.
        expectEqual(days(try resolve(tt, "year", "2026-11-25")), "2026-11-25..2027-11-24")
        expectEqual(days(try resolve(va, "half-year", "2026-H2")), "2026-07-01..2026-12-31")
        expectEqual(days(try resolve(va, "six-monthly", "2026-H1")), "2026-01-01..2026-06-30")
        expectEqual(days(try resolve(tt, "monthly", "2026-02")), "2026-02-01..2026-02-28")
        // Tây Trang has no 6-monthly report: refused, naming what its calendar holds (Vietnamese first).
        do {
            _ = try resolve(tt, "half-year", "2026-H1")
            Issue.record("Tây Trang has no half-year report")
        } catch let e as WatchpostError {
            #expect(e.text?.key == "report.calendar.no_such_report" && e.message.hasPrefix("lịch báo cáo của cụm tay-trang không có báo cáo 'half-year'"), "\(e)")
            #expect(e.message.contains("yearly (24/11)") && e.message.contains("monthly (31)"), "\(e)")
        }
        #expect(throws: WatchpostError.self) { _ = try resolve(va, "half-year", "2026-H3") }
        #expect(throws: WatchpostError.self) { _ = try resolve(tt, "yearly", "2026-05") }
        #expect(CalendarPeriodRequest(name: "2026", of: nil) == nil && CalendarPeriodRequest(name: "weekly", of: nil) == nil)
        // The console's key round-trips.
        let r = try #require(CalendarPeriodRequest(name: "yearly", of: "2026"))
        #expect(r.key == "yearly:2026" && CalendarPeriodRequest(key: r.key)?.kind == .yearly && CalendarPeriodRequest(key: r.key)?.of == "2026")
        // A box's summary for a console: each site by its own calendar.
        expectEqual(days(try #require(r.resolveForSummary(site: tt, configuration: config, today: today))), "2025-11-25..2026-11-24")
        expectEqual(days(try #require(r.resolveForSummary(site: va, configuration: config, today: today))), "2026-01-01..2026-12-31")
        // A site without a report of that kind: the plain calendar periods, so the box still answers.
        let half = try #require(CalendarPeriodRequest(name: "half-year", of: "2026-H2"))
        expectEqual(days(try #require(half.resolveForSummary(site: tt, configuration: config, today: today))), "2026-07-01..2026-12-31")
    }

    @Test("periods tile the calendar with no gap and no overlap, for every cut-off (brute force)")
    func tiling() async {
        await onOwnThread { tilingOnOwnThread() }
    }

    /// The body of `tiling`, run on a thread of its own (WatchpostTestSupport/OwnThread.swift).
    func tilingOnOwnThread() {
        let first = CivilDate(year: 2024, month: 1, day: 1).daysSinceEpoch
        let last = CivilDate(year: 2028, month: 12, day: 31).daysSinceEpoch
        var checkedDays = 0
        // Mismatches are collected and expected empty once (an #expect per day is slow).
        var problems: [String] = []
        for c in allCadences() {
            // The reference: cut-offs found by scanning every day (with a margin either side).
            let cuts = (first - 400...last + 400).filter { isCutoff(CivilDate(daysSinceEpoch: $0), c) }
            #expect(!cuts.isEmpty)
            // Every day of the range, in the period between the previous and the next cut-off.
            var k = 0
            for day in first...last {
                while cuts[k] < day { k += 1 }
                // Compare on every day near a cut-off and on every seventh day otherwise.
                guard day % 7 == 0 || cuts[k] - day <= 1 || day - cuts[k - 1] <= 2 else { continue }
                let p = c.period(containing: CivilDate(daysSinceEpoch: day))
                if p.firstDay.daysSinceEpoch != cuts[k - 1] + 1 || p.lastDay.daysSinceEpoch != cuts[k] {
                    problems.append("\(c) day \(CivilDate(daysSinceEpoch: day)): \(p.firstDay)..\(p.lastDay)")
                }
                checkedDays += 1
            }
            // Walking forward and back: each period starts the day after the previous one ends.
            var p = c.period(containing: CivilDate(daysSinceEpoch: first))
            var labels: Set<String> = [p.label]
            while p.lastDay.daysSinceEpoch < last {
                let next = c.period(after: p)
                if next.firstDay != p.lastDay.adding(days: 1) { problems.append("\(c): \(p.lastDay) then \(next.firstDay)") }
                if c.period(before: next) != p { problems.append("\(c): before \(next.label) is not \(p.label)") }
                if !labels.insert(next.label).inserted { problems.append("\(c): label \(next.label) used twice") }
                p = next
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(10))")
        #expect(checkedDays > 50_000)
    }

    @Test("the report due at an instant is the latest whose send time has passed (brute force)")
    func dueAtInstant() {
        let zone = ZoneOffset.hoChiMinh
        var rng = SplitMix(seed: 17)
        let cadences = allCadences()
        for _ in 0..<400 {
            let c = cadences[Int.random(in: 0..<cadences.count, using: &rng)]
            let timing = ReportTiming(sendAfterDays: Int.random(in: 0...10, using: &rng), sendAt: TimeOfDay(hour: Int.random(in: 0...23, using: &rng), minute: 0))
            let start = zone.startOf(CivilDate(year: 2025, month: 1, day: 1)).seconds
            let now = Instant(seconds: start + Int64.random(in: 0..<(3 * 365 * 86_400), using: &rng))
            // Reference: walk every period from two years before and keep the last one sent.
            var p = c.period(containing: zone.localDate(of: now).adding(days: -800))
            var expected: ReportPeriod?
            while timing.sendInstant(of: p, zone: zone) <= now { expected = p; p = c.period(after: p) }
            expectEqual(c.latestDue(at: now, timing: timing, zone: zone), expected, "\(c) \(timing) at \(now)")
        }
        #expect(ReportCadence(kind: .adHoc, cutoffDay: 1).latestDue(at: Instant(seconds: 0), timing: ReportTiming(), zone: zone) == nil)
    }

    @Test("Tây Trang: yearly cut off on 24/11, sent on 25/11 before 30/11, December in next year's report (Điều 8.1)")
    func tayTrang() throws {
        let config = try ConfigurationLoader.load(root: packageRoot)
        let site = try #require(config.site("tay-trang"))
        let cal = ScheduledReports.calendar(of: site, configuration: config)
        let yearly = try #require(cal.rule("yearly"))
        #expect(yearly.kind == .yearly && yearly.recipients == ["bdbp-tay-trang", "stttt-dien-bien"] && yearly.basis == "32/2018/QĐ-UBND Điều 8.1")
        let p2026 = yearly.cadence.period(containing: CivilDate(year: 2026, month: 6, day: 1))
        #expect(p2026.label == "2026" && p2026.firstDay == CivilDate(year: 2025, month: 11, day: 25) && p2026.lastDay == CivilDate(year: 2026, month: 11, day: 24))
        // Today is 01/12/2026: December 2026 belongs to the 2027 report, none is lost.
        for day in 1...31 {
            expectEqual(yearly.cadence.period(containing: CivilDate(year: 2026, month: 12, day: day)).label, "2027")
        }
        let p2027 = yearly.cadence.period(after: p2026)
        #expect(p2027.firstDay == CivilDate(year: 2026, month: 11, day: 25) && p2027.lastDay == CivilDate(year: 2027, month: 11, day: 24))
        expectEqual(yearly.timing.sendDay(of: p2027), CivilDate(year: 2027, month: 11, day: 25))
        #expect(yearly.timing.dueDate(of: p2027) == CivilDate(year: 2027, month: 11, day: 30) && yearly.timing.isInTime(p2027))
        let now = Instant.parse("2026-12-01T10:00:00+07:00")!
        let due = ScheduledReports.due(at: now, site: site, calendar: cal).map(\.key)
        #expect(due.contains("yearly/tay-trang/2026") && due.contains("monthly/tay-trang/2026-11"))
        expectEqual(ScheduledReports.due(at: now, site: site, calendar: cal).first { $0.kind == .yearly }?.legacyKey, "yearly/2026")
        expectEqual(cal.rule("ad-hoc")?.kind, .adHoc)
    }

    @Test("Vũng Áng: 6-monthly and yearly to the Board and the Department (Điều 6, 13.1)")
    func vungAng() throws {
        let config = try ConfigurationLoader.load(root: packageRoot)
        let site = try #require(config.site("vung-ang"))
        let cal = ScheduledReports.calendar(of: site, configuration: config)
        let half = try #require(cal.rule("half-year"))
        #expect(half.kind == .halfYearly && half.recipients == ["bqlkkt-ha-tinh", "stttt-ha-tinh"])
        let h2 = half.cadence.period(containing: CivilDate(year: 2026, month: 12, day: 1))
        #expect(h2.label == "2026-H2" && h2 == ReportPeriod.half(2026, 2))
        expectEqual(half.cadence.period(after: h2), ReportPeriod.half(2027, 1))
        let yearly = try #require(cal.rule("yearly"))
        expectEqual(yearly.cadence.period(containing: CivilDate(year: 2026, month: 12, day: 1)), ReportPeriod.year(2026))
        let keys = { (s: String) in ScheduledReports.due(at: Instant.parse(s)!, site: site, calendar: cal).map(\.key) }
        expectEqual(keys("2027-01-01T07:59:00+07:00"), ["half-yearly/vung-ang/2026-H1", "monthly/vung-ang/2026-11", "yearly/vung-ang/2025"])
        expectEqual(keys("2027-01-01T08:00:00+07:00"), ["half-yearly/vung-ang/2026-H2", "monthly/vung-ang/2026-12", "yearly/vung-ang/2026"])
    }

    @Test("the calendar is validated: recipients, cut-offs, due dates that cannot be met")
    func validation() async {
        await onOwnThread { validationOnOwnThread() }
    }

    /// The body of `validation`, run on a thread of its own (WatchpostTestSupport/OwnThread.swift).
    func validationOnOwnThread() {
        func diagnose(_ text: String) -> [String] {
            let sections = INIFile(path: "probes/tay-trang/reports.conf", text: text).sections
            var out = sections.flatMap { ReportSections.report.validate($0) }.map(\.description)
            out += ReportCalendarSettings.diagnose(sections, siteID: "tay-trang", contacts: (try? ConfigurationLoader.load(root: packageRoot).contacts) ?? ContactBook()).map(\.description)
            return out
        }
        #expect(diagnose("[report y]\nevery = year\ncutoff = 24/11\ndue = 30/11\nrecipients = stttt-dien-bien\nbasis = Điều 8.1\n").isEmpty)
        #expect(diagnose("[report y]\nevery = year\ncutoff = 29/11\nsend_after = 2\ndue = 30/11\nrecipients = stttt-dien-bien\nbasis = Điều 8.1\n")
            .contains { $0.contains("not before its due date") })
        #expect(diagnose("[report y]\nevery = year\nrecipients = stttt-dienbien\nbasis = x\n").contains { $0.contains("no organisation 'stttt-dienbien'") && $0.contains("did you mean") })
        #expect(diagnose("[report m]\nevery = month\ncutoff = 24/11\nrecipients = stttt-dien-bien\nbasis = x\n").contains { $0.contains("day of the month") })
        #expect(diagnose("[report h]\nevery = half-year\ncutoff = 30/06\ndue = 15/07\nrecipients = stttt-dien-bien\nbasis = x\n").contains { $0.contains("due applies to yearly") })
        #expect(diagnose("[report a]\nevery = ad-hoc\ncutoff = 31\nrecipients = stttt-dien-bien\nbasis = x\n").contains { $0.contains("no calendar") })
        #expect(diagnose("[report y]\nevery = year\nrecipients = stttt-dien-bien\n").contains { $0.contains("basis") })
    }
}

// The report's new figures against brute force: hours by kind of day (working day, Saturday,
// Sunday, holiday) counted second by second from the schedule and a random timeline, and the
// proposals' thresholds.
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostReports
import WatchpostStore
import WatchpostTestSupport

@Suite("Report contents")
struct ReportContentsTests {
    @Test("hours by kind of day match a second-by-second count (random timelines, Tây Trang's schedule and holidays)", arguments: [UInt64(3), 4])
    func dayKinds(seed: UInt64) async throws {
        try await onOwnThread { try dayKindsOnOwnThread(seed: seed) }
    }

    /// The body of `dayKinds`, run on a thread of its own (WatchpostTestSupport/OwnThread.swift).
    func dayKindsOnOwnThread(seed: UInt64) throws {
        let config = try ConfigurationLoader.load(root: packageRoot)
        let site = try #require(config.site("tay-trang"))
        let zone = site.zone
        var rng = SplitMix(seed: seed)
        // Ten days around Tết 2026 (holidays 14–22/02, a weekend inside), one state change an hour on average.
        let first = CivilDate(year: 2026, month: 2, day: 12), last = CivilDate(year: 2026, month: 2, day: 23)
        let period = ReportPeriod(firstDay: first, lastDay: last)
        let (from, to) = period.bounds(in: zone)
        var starts: [Int64] = [from], states: [ObservedState] = [.up]
        var t = from
        while true {
            t += Int64.random(in: 60...7200, using: &rng)
            guard t < to else { break }
            let s = ObservedState.allCases[Int.random(in: 0..<4, using: &rng)]
            if s != states.last { starts.append(t); states.append(s) }
        }
        let timeline = StateTimeline(from: from, to: to, starts: starts, states: states)
        let scheduled = site.schedule.onSpans(from: from, to: to)
        let perDay = tally(timeline, scheduled: scheduled, boundaries: period.days.map { zone.startOf($0).seconds })
        let kinds = DayKindHours.compute(days: Array(zip(period.days, perDay)).map { (date: $0.0, tally: $0.1) }, schedule: site.schedule)
        // Reference: every second of the period, its day's kind, scheduled or not, its state.
        var reference: [DayKindHours.Kind: (days: Set<Int64>, up: Int64, scheduled: Int64, noData: Int64)] = [:]
        var k = 0, span = 0
        var dayNumber: Int64 = .min, kind = DayKindHours.Kind.weekday
        for second in from..<to {
            let d = (second + Int64(zone.offsetSeconds)) / 86_400
            if d != dayNumber {
                dayNumber = d
                let day = CivilDate(daysSinceEpoch: d)
                if case .holiday? = site.schedule.exceptions[day] { kind = .holiday } else if day.isoWeekday == 6 { kind = .saturday } else if day.isoWeekday == 7 { kind = .sunday } else { kind = .weekday }
                reference[kind, default: ([], 0, 0, 0)].days.insert(d)
            }
            while span < scheduled.count && scheduled[span].end <= second { span += 1 }
            guard span < scheduled.count && scheduled[span].start <= second else { continue }
            while k + 1 < starts.count && starts[k + 1] <= second { k += 1 }
            reference[kind]!.scheduled += 1
            if states[k] == .up { reference[kind]!.up += 1 }
            if states[k] == .noData { reference[kind]!.noData += 1 }
        }
        for h in kinds {
            let r = reference[h.kind] ?? ([], 0, 0, 0)
            #expect(h.days == r.days.count && h.tally.scheduled == r.scheduled && h.tally.up == r.up && h.tally.noData == r.noData, "\(h.kind): \(h) vs \(r)")
        }
        expectEqual(kinds.first { $0.kind == .holiday }?.days, 9)
    }

    @Test("a period that is not over counts only the days begun by the cut time on weekends and holidays (Vũng Áng 2026 on 02/12, Tây Trang 2027 seven days in)")
    func unfinishedPeriodCountsDaysSoFar() async throws {
        let config = try ConfigurationLoader.load(root: packageRoot)
        let dir = try tempFolder("daykinds-unfinished")
        let store = try Store(path: "\(dir)/w.db", clock: ManualClock(now: Instant(seconds: 0)))
        let vungAng = try #require(config.site("vung-ang")), tayTrang = try #require(config.site("tay-trang"))
        // 02/12/2026 06:00 local: 336 days of 2026 have begun (before the fix: 365, the days to come counted with 0 h).
        let now = vungAng.zone.startOf(CivilDate(year: 2026, month: 12, day: 2)) + .hours(6)
        let va = try await ReportBuilder.build(site: vungAng, period: try #require(ReportPeriod(parsing: "2026")), store: store, now: now)
        expectEqual(va.dayKinds.reduce(0) { $0 + $1.days }, 336, "\(va.dayKinds)")
        // Tây Trang's yearly report labelled 2027 runs 25/11/2026–24/11/2027: 8 days begun (25/11–02/12).
        let request = try #require(CalendarPeriodRequest(name: "yearly", of: "2027"))
        let period = try request.resolve(site: tayTrang, configuration: config, today: CivilDate(year: 2026, month: 12, day: 2))
        let tt = try await ReportBuilder.build(site: tayTrang, period: period, store: store, now: now)
        expectEqual(tt.dayKinds.reduce(0) { $0 + $1.days }, 8, "\(tt.dayKinds)")
        #expect(tt.dayKinds.first { $0.kind == .saturday }?.days == 1 && tt.dayKinds.first { $0.kind == .sunday }?.days == 1, "\(tt.dayKinds)")
        let text = ReportRenderer.text([tt])
        #expect(text.contains("6 ngày") && text.contains("6 days") && !text.contains("số ngày"), "\(text)")
    }

    @Test("proposals: a UPS asking for a battery, cards missing three times, a link lost three times; nothing below the thresholds")
    func proposals() throws {
        let config = try ConfigurationLoader.load(root: packageRoot)
        var site = try #require(config.site("tay-trang"))
        let led = try #require(site.checks.first { $0.kind.hasPrefix("novastar") || $0.id.hasPrefix("led") })
        let ups = try #require(site.checks.first { $0.kind.hasPrefix("ups") })
        var link = try #require(site.checks.first)
        link.id = "link-test"; link.name = "Đường truyền thử"; link.kind = "tcp"; link.enabled = true
        site.checks.append(link)
        func record(_ id: Int64, _ check: CheckDefinition, _ codes: [String]) -> IncidentRecord {
            IncidentRecord(id: id, checkID: check.id, checkName: check.name, checkKind: check.kind, summary: "", category: .technical, severity: .critical,
                           findingCodes: codes, opened: Instant(seconds: id), informed: [], taken: nil, highestLevel: 1, actions: [], ending: nil)
        }
        var list = (1...2).map { record($0, led, ["cards-missing"]) } + (3...4).map { record($0, link, ["loss"]) }
        #expect(Proposal.compute(site: site, incidents: list, checks: [], currentFindings: [:]).isEmpty)
        list += [record(5, led, ["cards-missing", "temperature"]), record(6, link, ["unreachable"])]
        let keys = Proposal.compute(site: site, incidents: list, checks: [], currentFindings: [ups.id: ["replbatt"]]).map(\.message.key.rawValue)
        expectEqual(Set(keys), ["report.proposal.ups_battery", "report.proposal.led_cards", "report.proposal.link"])
        #expect(Proposal.compute(site: site, incidents: nil, checks: [], currentFindings: [:]).isEmpty)
    }
}

import Testing
import WatchpostTestSupport
@testable import WatchpostCore

struct RandomCase {
    var schedule: OperatingSchedule
    var from: Int64
    var to: Int64
    var runs: [(startedMs: Int64, lastAliveMs: Int64)]
    var rows: [[(atMs: Int64, status: CheckStatus)]]
    var incidents: [IncidentFacts]

    static func make(seed: UInt64, days: Int64) -> RandomCase {
        var g = SplitMix(state: seed)  // ScheduleTests' generator
        let zone = ZoneOffset.hoChiMinh
        let firstDay = CivilDate(year: 2026, month: 2, day: 14).adding(days: Int64.random(in: 0...20, using: &g))
        func randomWindows() -> [DailyWindow] {
            var out: [DailyWindow] = []
            var cursor = Int.random(in: 0...(6 * 3600), using: &g) / 60 * 60
            for _ in 0..<Int.random(in: 0...3, using: &g) {
                let start = cursor + Int.random(in: 0...(4 * 3600), using: &g) / 60 * 60
                guard start < 86_400 else { break }
                let len = Int.random(in: 60...(10 * 3600), using: &g) / 60 * 60
                // The end may pass midnight: a window crossing into the next day.
                let end = (start + len) % 86_400
                out.append(DailyWindow(start: TimeOfDay(secondsOfDay: start), end: TimeOfDay(secondsOfDay: end == 0 ? 86_400 : end)))
                cursor = start + len + 60
                if cursor >= 86_400 { break }
            }
            return out
        }
        var weekly: [Int: [DailyWindow]] = [:]
        for d in 1...7 where Int.random(in: 0...5, using: &g) > 0 { weekly[d] = randomWindows() }
        var exceptions: [CivilDate: DayException] = [:]
        for k in 0..<(days + 1) where Int.random(in: 0...2, using: &g) == 0 {
            let date = firstDay.adding(days: k - 1)
            switch Int.random(in: 0...2, using: &g) {
            case 0: exceptions[date] = .holiday(name: "holiday")
            case 1: exceptions[date] = .closed(reason: "closed")
            default: exceptions[date] = .windows(randomWindows(), reason: "event")
            }
        }
        let schedule = OperatingSchedule(zone: zone, weekly: weekly, holidayWindows: randomWindows(), exceptions: exceptions)
        let from = zone.startOf(firstDay).seconds
        let to = from + days * 86_400
        let spanMs = (to - from + 86_400) * 1000
        let base = (from - 43_200) * 1000
        // Monitor runs with gaps (crashes, reboots) between them.
        var runs: [(Int64, Int64)] = []
        var t = base + Int64.random(in: 0...(4 * 3_600_000), using: &g)
        while t < base + spanMs {
            let len = Int64.random(in: 60_000...(30 * 3_600_000), using: &g)
            runs.append((t, t + len))
            t += len + Int64.random(in: 1...(6 * 3_600_000), using: &g)
        }
        var rows: [[(Int64, CheckStatus)]] = []
        for _ in 0..<3 {
            var r: [(Int64, CheckStatus)] = []
            for _ in 0..<Int.random(in: 5...120, using: &g) {
                r.append((base + Int64.random(in: 0..<spanMs, using: &g), CheckStatus.allCases.randomElement(using: &g)!))
            }
            // Some rows in the same second, to check that the last one wins.
            if let last = r.last { r.append((last.0 + 1, CheckStatus.allCases.randomElement(using: &g)!)) }
            rows.append(r.sorted { $0.0 < $1.0 })
        }
        var incidents: [IncidentFacts] = []
        for id in 0..<Int64.random(in: 0...25, using: &g) {
            let opened = base + Int64.random(in: 0..<spanMs, using: &g)
            let ack: Int64? = Bool.random(using: &g) ? opened + Int64.random(in: 0...(20 * 3_600_000), using: &g) : nil
            let res: Int64? = Bool.random(using: &g) ? max(ack ?? opened, opened) + Int64.random(in: 0...(30 * 3_600_000), using: &g) : nil
            incidents.append(IncidentFacts(id: id, site: "s", checkID: "c", category: Bool.random(using: &g) ? .technical : .security,
                                           severity: Bool.random(using: &g) ? .critical : .warning, opened: Instant(milliseconds: opened),
                                           firstAcknowledged: ack.map { Instant(milliseconds: $0) }, resolved: res.map { Instant(milliseconds: $0) },
                                           highestLevel: Int.random(in: 0...3, using: &g), contentViolation: Int.random(in: 0...4, using: &g) == 0))
        }
        return RandomCase(schedule: schedule, from: from, to: to, runs: runs.map { (startedMs: $0.0, lastAliveMs: $0.1) },
                          rows: rows.map { $0.map { (atMs: $0.0, status: $0.1) } }, incidents: incidents)
    }
}

/// The reference: walks every second and asks the simplest questions directly.
struct BruteForce {
    var perCheck: [AvailabilityTally]
    var site: AvailabilityTally
    var perDaySite: [AvailabilityTally]
    var outageSeconds: [[Int64]]

    init(_ c: RandomCase, mapping: StatusMapping = StatusMapping()) {
        let n = c.rows.count
        perCheck = Array(repeating: AvailabilityTally(), count: n)
        site = AvailabilityTally()
        let days = Int((c.to - c.from) / 86_400)
        perDaySite = Array(repeating: AvailabilityTally(), count: days)
        outageSeconds = Array(repeating: [], count: n)
        var openOutage = [Int64?](repeating: nil, count: n)
        var lastDown = [Bool](repeating: false, count: n)
        func alive(_ t: Int64) -> Bool { c.runs.contains { floorSeconds($0.startedMs) <= t && t < floorSeconds($0.lastAliveMs) } }
        let scanStart = min(c.from, (c.runs.map(\.startedMs) + c.rows.flatMap { $0.map(\.atMs) }).map(floorSeconds).min() ?? c.from) - 1
        var stretchStart: Int64 = .min
        var wasAlive = false
        var ptr = [Int](repeating: 0, count: n)
        var t = scanStart
        while t < c.to {
            let a = alive(t)
            if a && !wasAlive { stretchStart = t }
            wasAlive = a
            var states: [ObservedState] = []
            for k in 0..<n {
                while ptr[k] < c.rows[k].count && floorSeconds(c.rows[k][ptr[k]].atMs) <= t { ptr[k] += 1 }
                let row = ptr[k] > 0 ? c.rows[k][ptr[k] - 1] : nil
                var s: ObservedState = .noData
                if a, let row, floorSeconds(row.atMs) >= stretchStart { s = mapping.state(row.status) }
                states.append(s)
            }
            if t >= c.from {
                let on = c.schedule.isOn(at: t)
                let siteState: ObservedState = states.contains(.down) ? .down : states.contains(.noData) ? .noData : states.contains(.unknown) ? .unknown : .up
                if on {
                    for k in 0..<n { perCheck[k].add(states[k], 1) }
                    site.add(siteState, 1)
                    perDaySite[Int((t - c.from) / 86_400)].add(siteState, 1)
                }
                for k in 0..<n {
                    let down = states[k] == .down
                    if down && !lastDown[k] { openOutage[k] = 0 }
                    if down && on { openOutage[k]! += 1 }
                    if !down && lastDown[k], let o = openOutage[k] { if o > 0 { outageSeconds[k].append(o) }; openOutage[k] = nil }
                    lastDown[k] = down
                }
            }
            t += 1
        }
        for k in 0..<n { if let o = openOutage[k], o > 0 { outageSeconds[k].append(o) } }
    }
}

@Suite("Availability against a second-by-second reference")
struct AvailabilityTests {
    func compute(_ c: RandomCase, mapping: StatusMapping = StatusMapping()) -> (checks: [StateTimeline], site: StateTimeline, scheduled: [TimeSpan]) {
        let coverage = monitorCoverage(runs: c.runs)
        let checks = c.rows.map { rows -> StateTimeline in
            let before = rows.last { floorSeconds($0.atMs) < c.from }
            return TimelineBuilder.build(rows: rows.filter { floorSeconds($0.atMs) >= c.from }, before: before, coverage: coverage,
                                         from: c.from, to: c.to, mapping: mapping)
        }
        return (checks, combineTimelines(checks, from: c.from, to: c.to), c.schedule.onSpans(from: c.from, to: c.to))
    }

    @Test("random schedules, monitor gaps and histories", arguments: Array(UInt64(1)...UInt64(8)))
    func randomCases(seed: UInt64) async throws {
        try await onOwnThread { try randomCasesOnOwnThread(seed: seed) }
    }

    /// The body of `randomCases`, run on a thread of its own (WatchpostTestSupport/OwnThread.swift).
    func randomCasesOnOwnThread(seed: UInt64) throws {
        let c = RandomCase.make(seed: seed, days: 2)
        let reference = BruteForce(c)
        let (checks, site, scheduled) = compute(c)
        for k in checks.indices {
            let t = tally(checks[k], scheduled: scheduled, boundaries: [])[0]
            expectEqual(t, reference.perCheck[k], "seed \(seed) check \(k)")
            expectEqual(outages(checks[k], scheduled: scheduled).map(\.scheduledSeconds), reference.outageSeconds[k], "seed \(seed) check \(k)")
        }
        expectEqual(tally(site, scheduled: scheduled, boundaries: [])[0], reference.site, "seed \(seed) site")
        let dayStarts = (0..<Int64(reference.perDaySite.count)).map { c.from + $0 * 86_400 }
        expectEqual(tally(site, scheduled: scheduled, boundaries: dayStarts), reference.perDaySite, "seed \(seed) days")
        expectEqual(reference.site.scheduled, c.schedule.scheduledSeconds(from: c.from, to: c.to))
    }

    @Test("warning counted as down when the profile says so")
    func warningAsDown() async {
        await onOwnThread { warningAsDownOnOwnThread() }
    }

    /// The body of `warningAsDown`, run on a thread of its own (WatchpostTestSupport/OwnThread.swift).
    func warningAsDownOnOwnThread() {
        let c = RandomCase.make(seed: 77, days: 1)
        let m = StatusMapping(warningIsDown: true)
        let reference = BruteForce(c, mapping: m)
        let (checks, _, scheduled) = compute(c, mapping: m)
        for k in checks.indices { expectEqual(tally(checks[k], scheduled: scheduled, boundaries: [])[0], reference.perCheck[k]) }
    }

    @Test("MTTA and MTTR against counting every second", arguments: Array(UInt64(1)...UInt64(5)))
    func meanTimes(seed: UInt64) async {
        await onOwnThread { meanTimesOnOwnThread(seed: seed) }
    }

    /// The body of `meanTimes`, run on a thread of its own (WatchpostTestSupport/OwnThread.swift).
    func meanTimesOnOwnThread(seed: UInt64) {
        let c = RandomCase.make(seed: seed &* 31, days: 2)
        let f = IncidentFigures.compute(c.incidents, from: c.from, to: c.to)
        // Reference: for each second, count the incidents opened in the period that are waiting for
        // their first acknowledgement (or resolution); the sums are the total waiting times.
        let mine = c.incidents.filter { $0.opened.seconds >= c.from && $0.opened.seconds < c.to }
        let end = (mine.flatMap { [$0.firstAcknowledged, $0.resolved].compactMap { $0?.seconds } } + [c.to]).max()!
        var ackTotal: Int64 = 0, resTotal: Int64 = 0
        var t = c.from
        while t <= end {
            for i in mine {
                if let a = i.firstAcknowledged, i.opened.seconds <= t, t < a.seconds { ackTotal += 1 }
                if let r = i.resolved, i.opened.seconds <= t, t < r.seconds { resTotal += 1 }
            }
            t += 1
        }
        let acked = mine.filter { $0.firstAcknowledged != nil }.count, resolved = mine.filter { $0.resolved != nil }.count
        expectEqual(f.count, mine.count)
        #expect(f.acknowledged == acked && f.acknowledgeSecondsTotal == ackTotal)
        #expect(f.resolved == resolved && f.resolveSecondsTotal == resTotal)
        expectEqual(f.mttaSeconds, (acked > 0 ? Double(ackTotal) / Double(acked) : nil))
        expectEqual(f.mttrSeconds, (resolved > 0 ? Double(resTotal) / Double(resolved) : nil))
        for level in 1...3 { expectEqual(f.reachedLevel[level, default: 0], mine.filter { $0.highestLevel >= level }.count) }
        expectEqual(f.contentViolations, mine.filter(\.contentViolation).count)
        expectEqual(f.stillOpen, mine.filter { $0.resolved == nil }.count)
    }

    @Test("a hand-worked day at Tây Trang hours")
    func handWorked() {
        // Monday 2026-03-02, 07:30-11:00 and 13:30-18:00 (+07:00). Monitor down 09:00-09:30.
        let zone = ZoneOffset.hoChiMinh
        let w = [DailyWindow(parsing: "07:30-11:00")!, DailyWindow(parsing: "13:30-18:00")!]
        let s = OperatingSchedule(zone: zone, weekly: [1: w])
        let day = zone.startOf(CivilDate(year: 2026, month: 3, day: 2)).seconds
        func at(_ h: Int64, _ m: Int64) -> Int64 { (day + h * 3600 + m * 60) * 1000 }
        let runs = [(startedMs: at(0, 0), lastAliveMs: at(9, 0)), (startedMs: at(9, 30), lastAliveMs: at(24, 0))]
        let rows: [(atMs: Int64, status: CheckStatus)] = [(at(6, 0), .ok), (at(10, 0), .critical), (at(14, 0), .ok), (at(17, 0), .unknown)]
        let tl = TimelineBuilder.build(rows: rows, before: nil, coverage: monitorCoverage(runs: runs), from: day, to: day + 86_400)
        let t = tally(tl, scheduled: s.onSpans(from: day, to: day + 86_400), boundaries: [])[0]
        // 07:30-09:00 up (90 m); 09:00-09:30 no data; 09:30-10:00 no data (no row since restart);
        // 10:00-11:00 down; 13:30-14:00 down; 14:00-17:00 up; 17:00-18:00 unknown.
        expectEqual(t, AvailabilityTally(up: (90 + 180) * 60, down: 90 * 60, unknown: 60 * 60, noData: 60 * 60))
        expectEqual(t.scheduled, 8 * 3600)
        let o = outages(tl, scheduled: s.onSpans(from: day, to: day + 86_400))
        expectEqual(o, [Outage(start: day + 10 * 3600, end: day + 14 * 3600, scheduledSeconds: 90 * 60)])
    }

    @Test("periods parse and bound local days")
    func periods() throws {
        let z = ZoneOffset.hoChiMinh
        let y = try #require(ReportPeriod(parsing: "2026"))
        expectEqual(y.days.count, 365)
        expectEqual(y.bounds(in: z).from, Instant.parse("2026-01-01T00:00:00+07:00")!.seconds)
        expectEqual(ReportPeriod(parsing: "2026-H2")?.firstDay, CivilDate(year: 2026, month: 7, day: 1))
        expectEqual(ReportPeriod(parsing: "2024-02")?.lastDay, CivilDate(year: 2024, month: 2, day: 29))
        expectEqual(ReportPeriod(parsing: "2026-03-01..2026-03-15")?.days.count, 15)
        #expect(ReportPeriod(parsing: "2026-13") == nil)
        // A range is bounded like a plain year, and to ten years: 1970-01-01..9999-12-31 held a
        // daemon for minutes past its watchdog (#19 review s8).
        #expect(ReportPeriod(parsing: "1970-01-01..9999-12-31") == nil)
        #expect(ReportPeriod(parsing: "0000-01-01..0001-01-01") == nil)
        #expect(ReportPeriod(parsing: "0000-01-01") == nil)
        #expect(ReportPeriod(parsing: "2016-01-01..2026-12-31") == nil)
        expectEqual(ReportPeriod(parsing: "2017-01-01..2026-12-31")?.days.count, 3_652)
        #expect(ReportPeriod(parsing: "2026-H3") == nil)
        #expect(ReportPeriod(parsing: "2026-03-15..2026-03-01") == nil)
    }
}

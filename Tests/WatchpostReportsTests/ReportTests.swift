import Testing
import FoundationEssentials
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostReports
import Posix
import WatchpostDaemon
import WatchpostMail
import WatchpostTestSupport
import WatchpostHost

/// The package root (tests run from any folder).
let packageRoot = TestPaths.packageRoot

func tempFolder(_ name: String) throws -> String { try makeTemporaryFolder("watchpost-reports-\(name)") }

/// The shipped configuration with the Tây Trang site given the cluster's typical checks (the
/// probes for them are other capabilities; here only their history matters).
func tayTrangProfile() throws -> (WatchpostConfiguration, SiteProfile) {
    var config = try ConfigurationLoader.load(root: packageRoot)
    let index = try #require(config.sites.firstIndex { $0.id == "tay-trang" })
    var site = config.sites[index]
    let template = try #require(site.checks.first)
    let extra: [(String, String, IncidentCategory)] = [
        ("led-screen", "Màn hình LED sáng / LED screen lit", .technical),
        ("player-content", "Nội dung đã duyệt / Approved content", .security),  // kind "content" below
        ("ups-power", "Nguồn điện UPS / UPS power", .technical),
        ("network-link", "Đường truyền / Network link", .technical),
    ]
    for (id, name, cat) in extra {
        var c = template
        c.id = id; c.name = name; c.category = cat; c.kind = id == "player-content" ? "content" : "generated"
        c.failAfter = 1; c.recoverAfter = 1
        site.checks.append(c)
    }
    site.sections.removeAll { $0.type == "availability" }
    site.sections += availabilitySection("checks = led-screen, player-content, ups-power, network-link")
    config.sites[index] = site
    return (config, site)
}

func availabilitySection(_ body: String) -> [ConfigSection] {
    INIFile(path: "probes/tay-trang/site.conf", text: "[availability]\n\(body)\n").sections
}

/// Writes a year of compact history (state changes plus hourly samples) and monitor runs with a
/// few gaps, deterministically. Returns the number of history rows.
@discardableResult
func generateYear(store: Store, site: SiteProfile, year: Int, seed: UInt64) async throws -> Int {
    return try await onOwnThread { try await generateYearOnOwnThread(store: store, site: site, year: year, seed: seed) }
}

/// The body of `generateYear`, run on a thread of its own (WatchpostTestSupport/OwnThread.swift).
func generateYearOnOwnThread(store: Store, site: SiteProfile, year: Int, seed: UInt64) async throws -> Int {
    let zone = site.zone
    let from = zone.startOf(CivilDate(year: year, month: 1, day: 1)).milliseconds
    let to = zone.startOf(CivilDate(year: year + 1, month: 1, day: 1)).milliseconds
    var rng = SplitMix(seed: seed)
    // Monitor runs: a 2-hour reboot each month, a 3-day outage of the monitoring box in July.
    var runs: [(Int64, Int64)] = []
    var t = from
    for month in 1...12 {
        let next = zone.startOf(month == 12 ? CivilDate(year: year + 1, month: 1, day: 1) : CivilDate(year: year, month: month + 1, day: 1)).milliseconds
        let rebootAt = t + Int64.random(in: 5...20, using: &rng) * 86_400_000 + Int64.random(in: 0..<86_400_000, using: &rng)
        runs.append((t, rebootAt))
        t = rebootAt + 2 * 3_600_000
        if month == 7 { runs.append((t, t + 5 * 86_400_000)); t += 8 * 86_400_000 }
        runs.append((t, next))
        t = next
    }
    let checks = site.checks.map(\.id)
    var rows = 0
    try await store.transaction { db in
        for (a, b) in runs { try db.run("INSERT INTO monitor_run (pid, started_ms, last_alive_ms, stopped_ms) VALUES (1, ?, ?, ?)", a, b, b) }
        for (k, check) in checks.enumerated() {
            // Failures: a few dozen a year per check, from a minute to some hours.
            var fails: [(start: Int64, end: Int64, status: CheckStatus)] = []
            for _ in 0..<(10 + k * 6) {
                let start = Int64.random(in: from..<to, using: &rng)
                let len = Int64.random(in: 60_000...Int64(k == 0 ? 20 : 4) * 3_600_000, using: &rng)
                let status: CheckStatus = Int.random(in: 0...5, using: &rng) == 0 ? .warning : (Int.random(in: 0...9, using: &rng) == 0 ? .unknown : .critical)
                fails.append((start, start + len, status))
            }
            // Rows at every change and hourly samples, only while the monitor runs.
            var points = fails.flatMap { [$0.start, $0.end] }
            var hour = from
            while hour < to { points.append(hour); hour += 3_600_000 }
            points.sort()
            var previous: CheckStatus?
            for at in points where at < to && runs.contains(where: { $0.0 <= at && at < $0.1 }) {
                let status = fails.last { $0.start <= at && at < $0.end }?.status ?? .ok
                // As Store.record: `change` marks a status different from the check's previous one.
                try db.run("INSERT INTO history (site, check_id, at_ms, status, change, summary) VALUES (?, ?, ?, ?, ?, '')",
                           site.id, check, at, status.rawValue, previous != status)
                previous = status
                rows += 1
            }
        }
    }
    return rows
}

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Uptime reports")
struct ReportTests {
    @Test("results recorded by the store are reported to the second, with monitor gaps as no data")
    func storeToReport() async throws {
        let dir = try tempFolder("store")
        let (_, baseSite) = try tayTrangProfile()
        var site = baseSite
        site.sections.removeAll { $0.type == "availability" }
        site.checks = site.checks.filter { $0.id == "led-screen" || $0.id == "network-link" }
        // Monday 2026-03-02, scheduled 07:30-11:00 and 13:30-18:00.
        let day = site.zone.startOf(CivilDate(year: 2026, month: 3, day: 2))
        let clock = ManualClock(now: day + .hours(7))
        let store = try Store(path: "\(dir)/w.db", clock: clock)
        func record(_ check: String, _ status: CheckStatus, at h: Int64, _ m: Int64) async throws {
            clock.advance(to: day + .hours(h) + .minutes(m))
            try await store.record(site: site.id, checkID: check, kind: "generated",
                                   result: CheckResult(status: status, summary: "", startedAt: clock.now()), sampleInterval: .minutes(5))
        }
        try await store.beginRun(pid: 1)
        try await record("led-screen", .ok, at: 7, 0)
        try await record("network-link", .ok, at: 7, 0)
        try await record("led-screen", .critical, at: 8, 0)   // screen dark 08:00-08:45
        try await record("led-screen", .ok, at: 8, 45)
        clock.advance(to: day + .hours(10))
        try await store.endRun()                              // monitor down 10:00-14:00
        clock.advance(to: day + .hours(14))
        try await store.beginRun(pid: 2)
        try await record("network-link", .critical, at: 14, 10) // link down 14:10-15:00; screen has no result until 14:30
        try await record("led-screen", .ok, at: 14, 30)
        try await record("network-link", .ok, at: 15, 0)
        clock.advance(to: day + .hours(23))
        try await store.heartbeat()
        let report = try await ReportBuilder.build(site: site, period: try #require(ReportPeriod(parsing: "2026-03-02")), store: store, now: day + .hours(24))
        let screen = try #require(report.checks.first { $0.id == "led-screen" })
        let link = try #require(report.checks.first { $0.id == "network-link" })
        // Screen: up 07:30-08:00 + 08:45-10:00 + 14:30-18:00 = 30 + 75 + 210; down 45; no data 10:00-11:00, 13:30-14:30.
        expectEqual(screen.tally, AvailabilityTally(up: (30 + 75 + 210) * 60, down: 45 * 60, unknown: 0, noData: 120 * 60))
        // Link: up 07:30-10:00 (150) + 15:00-18:00 (180); down 14:10-15:00 (50); no data 10-11, 13:30-14:10 (100).
        expectEqual(link.tally, AvailabilityTally(up: 330 * 60, down: 50 * 60, unknown: 0, noData: 100 * 60))
        // Site (both must be up): down 08:00-08:45 and 14:10-15:00 (screen has no data until 14:30,
        // but the link is down, so the site is down).
        expectEqual(report.site.down, 95 * 60)
        expectEqual(report.site.noData, (60 + 40) * 60)
        expectEqual(report.site.scheduled, 8 * 3600)
        expectEqual(report.outages.map(\.scheduledSeconds), [45 * 60, 50 * 60])
        #expect(report.monitorGaps == [TimeSpan(start: day.seconds, end: (day + .hours(7)).seconds),
                                       TimeSpan(start: (day + .hours(10)).seconds, end: (day + .hours(14)).seconds),
                                       TimeSpan(start: (day + .hours(23)).seconds, end: (day + .hours(24)).seconds)])
        #expect(report.incidents == nil)
        let text = ReportRenderer.text([report])
        #expect(text.contains("Tỷ lệ sẵn sàng / Availability:          \(String(format4(Double(report.site.up) / Double(report.site.up + report.site.down))))"))
        let csv = ReportRenderer.csv([report])
        #expect(csv.contains("tay-trang,led-screen,2026-03-02,"))
        #expect(csv.contains(",\(Int64(8 * 3600)),"))
    }

    @Test("reading only state-changing rows gives the same timeline as every row", arguments: [UInt64(7), 8, 9])
    func changeRowsOnly(seed: UInt64) async throws {
        try await onOwnThread { try await changeRowsOnlyOnOwnThread(seed: seed) }
    }

    /// The body of `changeRowsOnly`, run on a thread of its own (WatchpostTestSupport/OwnThread.swift).
    func changeRowsOnlyOnOwnThread(seed: UInt64) async throws {
        let dir = try tempFolder("changes-\(seed)")
        var rng = SplitMix(seed: seed)
        let start = Instant.parse("2026-05-04T00:00:00+07:00")!
        let clock = ManualClock(now: start)
        let store = try Store(path: "\(dir)/w.db", clock: clock)
        let checks = ["a", "b", "c"]
        try await store.beginRun(pid: 1)
        var t = start
        let end = start + .hours(72)
        while t < end {
            t = t + .seconds(Int64.random(in: 1...90, using: &rng))
            clock.advance(to: t)
            switch Int.random(in: 0...400, using: &rng) {
            case 0:  // the monitor stops for a while, then restarts (often in the same states)
                try await store.endRun()
                t = t + .minutes(Int64.random(in: 1...300, using: &rng)); clock.advance(to: t)
                try await store.beginRun(pid: 2)
            case 1...6:
                try await store.heartbeat()
            default:
                let c = checks.randomElement(using: &rng)!
                // Mostly steady, sometimes a change.
                let status: CheckStatus = Int.random(in: 0...20, using: &rng) == 0 ? CheckStatus.allCases.randomElement(using: &rng)! : .ok
                try await store.record(site: "s", checkID: c, kind: "x", result: CheckResult(status: status, summary: "", startedAt: t), sampleInterval: .minutes(5))
            }
            if Int.random(in: 0...50, using: &rng) == 0 { try await store.heartbeat() }
        }
        try await store.heartbeat()
        // Report periods that start in the middle of things, too.
        for (a, b) in [(start, end), (start + .hours(13), start + .hours(50))] {
            let coverage = try await store.monitorCoverage(from: a, to: b)
            for c in checks {
                let fast = try await store.checkTimeline(site: "s", checkID: c, from: a.seconds, to: b.seconds, coverage: coverage, mapping: StatusMapping())
                let all = try await store.history(site: "s", checkID: c, from: Instant(seconds: 0), to: b)
                let before = all.last { $0.at.seconds < a.seconds }.map { (atMs: $0.at.milliseconds, status: $0.status) }
                let rows = all.filter { $0.at.seconds >= a.seconds }.map { (atMs: $0.at.milliseconds, status: $0.status) }
                let full = TimelineBuilder.build(rows: rows, before: before, coverage: coverage, from: a.seconds, to: b.seconds)
                expectEqual(fast, full, "seed \(seed) check \(c)")
            }
        }
    }

    @Test("a generated year at Tây Trang renders to HTML, then PDF and PNG with chromium")
    func yearToPDF() async throws {
        let dir = try tempFolder("year")
        let (_, site) = try tayTrangProfile()
        let store = try Store(path: "\(dir)/w.db", clock: ManualClock(now: Instant(seconds: 0)))
        let rows = try await generateYear(store: store, site: site, year: 2026, seed: 2026)
        #expect(rows > 40_000)
        let period = try #require(ReportPeriod(parsing: "2026"))
        let report = try await ReportBuilder.build(site: site, period: period, store: store, now: Instant.parse("2027-01-05T00:00:00Z")!)
        let (from, to) = period.bounds(in: site.zone)
        expectEqual(report.site.scheduled, site.schedule.scheduledSeconds(from: from, to: to))
        #expect(report.days.count == 365 && report.months.count == 12)
        #expect(report.monitorGaps.count >= 13)
        #expect(report.site.noData > 3 * 10 * 3600)
        let a = try #require(report.site.availability)
        #expect(a > 0.8 && a < 1)
        for c in report.checks { expectEqual(c.tally.scheduled, report.site.scheduled) }

        let html = ReportRenderer.html([report])
        #expect(html.contains("<svg") && !html.contains("<script"))
        #expect(html.contains("Tây Trang") && html.contains("Availability"))
        let htmlPath = "\(dir)/tay-trang-2026.html"
        try FileSystem.writeAtomically(htmlPath, html)
        try FileSystem.writeAtomically("\(dir)/tay-trang-2026.csv", ReportRenderer.csv([report]))
        try FileSystem.writeAtomically("\(dir)/tay-trang-2026.txt", ReportRenderer.text([report]))

        // The PDF half needs its tools: missing, the test fails naming the package.
        let chromium = try requireTool("chromium", debianPackage: "chromium")
        let pdftoppm = try requireTool("pdftoppm", debianPackage: "poppler-utils")
        let pdfinfo = try requireTool("pdfinfo", debianPackage: "poppler-utils")
        let pdf = "\(dir)/tay-trang-2026.pdf"
        let chrome = try await runBlocking {
            try Subprocess.run(chromium, arguments: ["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                                                                 "--user-data-dir=\(dir)/chromium-profile", "--print-to-pdf=\(pdf)", "file://\(htmlPath)"],
                               timeout: .seconds(90))
        }
        #expect(!chrome.timedOut, "chromium: \(chrome.output)")
        #expect(FileSystem.exists(pdf), "chromium: \(chrome.output)")
        let png = try await runBlocking {
            try Subprocess.run(pdftoppm, arguments: ["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, "\(dir)/tay-trang-2026-page1"], timeout: .seconds(60))
        }
        expectEqual(png.exitCode, 0, "pdftoppm: \(png.output)")
        let info = try await runBlocking { try Subprocess.run(pdfinfo, arguments: [pdf], timeout: .seconds(60)) }
        let pages = info.output.split(separator: "\n").first { $0.hasPrefix("Pages:") }.flatMap { Int($0.dropFirst(6).trimmingWhitespace()) } ?? 0
        #expect(pages >= 2 && pages <= 6, "A4 pages: \(pages)")
        #expect(info.output.contains("(A4)"), "A4 page size: \(info.output)")
        let pngText = try? FileSystem.readText("\(dir)/tay-trang-2026-page1.png")
        #expect((pngText?.utf8.count ?? 0) > 20_000, "page 1 PNG at \(dir)/tay-trang-2026-page1.png")
        print("report page 1: \(dir)/tay-trang-2026-page1.png (\(pages) pages)")
    }

    @Test("scheduled reports: one queueing per period across restarts, legacy keys honoured, nothing for periods never monitored")
    func scheduled() async throws {
        let dir = try tempFolder("scheduled")
        var (config, _) = try tayTrangProfile()
        config.daemon.database = "\(dir)/w.db"  // the PDF and CSV attachments go beside it
        let clock = ManualClock(now: Instant.parse("2026-10-01T00:00:00+07:00")!)
        var store: Store? = try Store(path: "\(dir)/w.db", clock: clock)
        try await store!.beginRun(pid: 1)
        clock.advance(to: Instant.parse("2026-11-25T08:00:30+07:00")!)
        try await store!.heartbeat()
        let first = try await ScheduledReports.runDue(at: clock.now(), configuration: config, store: store!, incidentSource: NoIncidentSource())
        // Tây Trang: the monthly figures for October and the yearly report cut off on 24/11.
        // Vũng Áng: its October monthly (its 6-monthly and yearly are not due before 01/01).
        expectEqual(first, ["monthly/tay-trang/2026-10", "yearly/tay-trang/2026", "monthly/vung-ang/2026-10"])
        try await expectEqual(store!.verify(), [])
        let rows = try await store!.sentReports()
        let yearly = try #require(rows.first { $0.key == "yearly/tay-trang/2026" })
        #expect(yearly.firstDay == "2025-11-25" && yearly.lastDay == "2026-11-24" && yearly.site == "tay-trang")
        _ = try await store!.transaction { db in try db.run("INSERT INTO report_sent (key, kind, site, period, queued_ms, messages) VALUES ('monthly/x/2026-09', 'yearly', 'x', '2026', 0, 0)") }
        #expect(try await store!.verify().contains { $0.contains("report_sent monthly/x/2026-09") })
        _ = try await store!.transaction { db in try db.run("DELETE FROM report_sent WHERE key = 'monthly/x/2026-09'") }
        // A restart: a new Store on the same file queues nothing again.
        store = nil
        let reopened = try Store(path: "\(dir)/w.db", clock: clock)
        let again = try await ScheduledReports.runDue(at: clock.now() + .minutes(1), configuration: config, store: reopened, incidentSource: NoIncidentSource())
        #expect(again.isEmpty)
        let outbox = try await reopened.read { db in try db.query("SELECT key, recipient_address, template, event, fields_json FROM outbox ORDER BY key") }
        let org = { (id: String) in config.contacts.organisations[id]?.addresses.count ?? 0 }
        // Monthly to each Department; yearly to the post and the Department (Điều 8.1).
        expectEqual(outbox.count, org("stttt-dien-bien") * 2 + org("bdbp-tay-trang") + org("stttt-ha-tinh"))
        #expect(outbox.allSatisfy { $0["template"].string == "report" && $0["event"].string == "report" })
        let addresses = Set(outbox.filter { ($0["key"].string ?? "").hasPrefix("report/yearly/tay-trang/2026/") }.compactMap { $0["recipient_address"].string })
        expectEqual(addresses, Set(["bdbp-tay-trang", "stttt-dien-bien"].flatMap { config.contacts.organisations[$0]?.addresses ?? [] }))
        let fields = try #require(outbox.first { ($0["key"].string ?? "").contains("/yearly/tay-trang/2026/") }?["fields_json"].string)
        let decoded = try JSONDecoder().decode([String: String].self, from: Data(fields.utf8))
        #expect(decoded["basis"] == "32/2018/QĐ-UBND Điều 8.1" && decoded["due"] == "30/11/2026")
        // The period names its days once (issue 15: "Từ 25/11/2025 đến 24/11/2026 (25/11/2025 – 24/11/2026)").
        let period = decoded["period"] ?? ""
        #expect(period.contains("25/11/2025") && period.contains("24/11/2026") && period.ranges(of: "25/11/2025").count == 1, "\(period)")
        // The email attaches the PDF and the CSV, written beside the database.
        expectEqual(decoded["attachment_pdf"], "\(dir)/reports/tay-trang/watchpost-tay-trang-yearly-2026.pdf")
        expectEqual(decoded["attachment_csv"], "\(dir)/reports/tay-trang/watchpost-tay-trang-yearly-2026.csv")
        expectEqual(decoded["attachment_html"], "\(dir)/reports/tay-trang/watchpost-tay-trang-yearly-2026.html")
        let pdfBytes = try FileSystem.readBytes("\(dir)/reports/tay-trang/watchpost-tay-trang-yearly-2026.pdf", limit: 64 << 20)
        #expect(pdfBytes.starts(with: Array("%PDF-".utf8)))
        // The email as sent: multipart/mixed with the text and HTML, then the PDF and the CSV.
        let yearlyRequests = try await reopened.outboxRows().map(\.request).filter { $0.key.hasPrefix("report/yearly/tay-trang/2026/") }
        let files = MailComposer.attachments(of: Array(yearlyRequests.prefix(1)))
        expectEqual(files.map(\.fileName), ["watchpost-tay-trang-yearly-2026.pdf", "watchpost-tay-trang-yearly-2026.html", "watchpost-tay-trang-yearly-2026.csv"])
        let raw = String(decoding: MailMessage(fromName: "Watchpost", fromAddress: "watchpost@example.org", toName: "", toAddress: "a@example.org", subject: "s",
                                               date: clock.now(), messageID: "r1@example.org", text: "t", html: "<p>t</p>", attachments: files).rendered(), as: UTF8.self)
        #expect(raw.contains("Content-Type: multipart/mixed") && raw.contains("Content-Type: multipart/alternative"))
        #expect(raw.contains("Content-Type: application/pdf; name=\"watchpost-tay-trang-yearly-2026.pdf\"") && raw.contains("filename=\"watchpost-tay-trang-yearly-2026.csv\""))
        let rendered = TemplateRenderer.render(try #require(config.templates["report"]).text, decoded)
        #expect(rendered.subject.contains("Số liệu giám sát phục vụ báo cáo — Năm 2026"), "\(rendered.subject)")
        // Monitoring figures supporting the unit's report, not the report itself (docs/glossary.md).
        #expect(rendered.vietnamese.contains("phục vụ báo cáo của đơn vị") && !rendered.vietnamese.contains("Year 2026"))
        #expect(!rendered.vietnamese.contains("{{"))
        // The email links to the web page (never a shell command) and names its attachments.
        #expect(rendered.vietnamese.contains("Xem trên trang web: /reports/tay-trang?period=2025-11-25..2026-11-24"))
        #expect(rendered.vietnamese.contains("Kèm theo thư này: số liệu khổ A4 (PDF), bản xem bằng trình duyệt (HTML) và bảng số liệu (CSV)")
                && !rendered.vietnamese.contains("watchpost report"))

        // A box that mailed `yearly/2026` before the calendar (1/1–24/11) does not mail 2026 again.
        let legacyClock = ManualClock(now: Instant.parse("2026-10-01T00:00:00+07:00")!)
        let legacy = try Store(path: "\(dir)/legacy.db", clock: legacyClock)
        try await legacy.beginRun(pid: 1)
        legacyClock.advance(to: Instant.parse("2026-12-01T09:00:00+07:00")!)
        try await legacy.heartbeat()
        _ = try await legacy.transaction { db in try db.run("INSERT INTO report_sent (key, kind, period, queued_ms, messages) VALUES ('yearly/2026', 'yearly', '2026', 0, 1), ('monthly/2026-11', 'monthly', '2026-11', 0, 1)") }
        let afterUpgrade = try await ScheduledReports.runDue(at: legacyClock.now(), configuration: config, store: legacy, incidentSource: NoIncidentSource())
        // (The rows before the calendar were for every site at once.)
        #expect(afterUpgrade.isEmpty)

        // A period in which the monitor never ran is recorded as done without mail.
        let store2 = try Store(path: "\(dir)/w2.db", clock: clock)
        let none = try await ScheduledReports.runDue(at: clock.now(), configuration: config, store: store2, incidentSource: NoIncidentSource())
        #expect(none.isEmpty)
        #expect(try await store2.reportSent(key: "monthly/tay-trang/2026-10"))
        try await expectEqual(store2.read { db in try db.query("SELECT COUNT(*) FROM outbox")[0][0].int }, 0)
    }

    @Test("minutes on battery and power cuts from the UPS check's on_battery readings")
    func power() async throws {
        let dir = try tempFolder("power")
        let config = try ConfigurationLoader.load(root: packageRoot)
        let site = try #require(config.site("tay-trang"))
        expectEqual(AvailabilitySettings(site: site).powerCheck, "ups")
        let day = site.zone.startOf(CivilDate(year: 2026, month: 3, day: 2))
        let clock = ManualClock(now: day)
        let store = try Store(path: "\(dir)/w.db", clock: clock)
        try await store.beginRun(pid: 1)
        // Results every 30 s; the mains fail 09:00:00-09:20:00 and 15:00:00-15:02:30; the probe
        // reports WARNING after its 5-second on-battery delay, with on_battery = seconds so far.
        var t = day
        let cuts: [(Instant, Instant)] = [(day + .hours(9), day + .hours(9) + .minutes(20)),
                                          (day + .hours(15), day + .hours(15) + .seconds(150))]
        while t < day + .hours(20) {
            clock.advance(to: t)
            let cut = cuts.first { $0.0 <= t && t < $0.1 }
            let onFor = cut.map { (t - $0.0).double } ?? 0
            let status: CheckStatus = onFor >= 5 ? .warning : .ok
            try await store.record(site: site.id, checkID: "ups", kind: "ups-q1",
                                   result: CheckResult(status: status, summary: "", measurements: [Measurement("on_battery", onFor, unit: "s")], startedAt: t),
                                   sampleInterval: .minutes(5))
            t = t + .seconds(30)
        }
        try await store.heartbeat()
        let report = try await ReportBuilder.build(site: site, period: try #require(ReportPeriod(parsing: "2026-03-02")), store: store, now: day + .hours(20),
                                                   incidentSource: StoreIncidentSource(store: store))
        let p = try #require(report.power)
        expectEqual(p.powerCuts, 2)
        // 09:00:00 is a sample with on_battery 0 (the cut begins that instant), so the first cut is
        // seen from 09:00:30 (reading 30 s → since 09:00:00) to the first on-mains row at 09:20:00.
        expectEqual(p.onBatterySeconds, 20 * 60 + 150)
        expectEqual(p.longestOnBatterySeconds, 20 * 60)
        #expect(ReportRenderer.text([report]).contains("22 phút chạy pin"))
    }

    @Test("incident figures from the real incident engine: MTTA, MTTR, levels reached, content violation, downtime in incidents")
    func incidentsFromEngine() async throws {
        let dir = try tempFolder("incidents")
        let (config, site) = try tayTrangProfile()
        let content = try #require(site.check("player-content"))
        let t0 = Instant.parse("2026-11-24T08:00:00+07:00")!  // a Tuesday, inside 07:30-11:00
        let clock = ManualClock(now: t0 - .minutes(10))
        let store = try Store(path: "\(dir)/w.db", clock: clock)
        try await store.beginRun(pid: 1)
        let engine = IncidentProcessor(configuration: config, store: store, clock: clock, logger: Logger(sink: StandardErrorSink(), clock: clock, minimumLevel: .error))
        let ok = CheckResult(status: .ok, summary: "nội dung đã duyệt", startedAt: clock.now())
        await engine.handle(check: content, site: site, result: ok)
        clock.advance(to: t0)
        let bad = CheckResult.from(findings: [Finding(.critical, code: "player.unapproved-item", Message("finding.player.unapproved-item", ["item": "ads.mp4"]),
                                                     securityRelevant: true)], ok: .untranslated(""), startedAt: t0)
        await engine.handle(check: content, site: site, result: bad)
        // Nobody answers level 1: the chain moves up; then the Department acknowledges.
        for m in stride(from: 1, through: 40, by: 1) { clock.advance(to: t0 + .minutes(Int64(m))); _ = await engine.tick() }
        let open = try #require(try await store.openIncidents().first)
        #expect(open.level >= 2)
        _ = try await IncidentService(store: store).acknowledge(incidentID: open.id, by: "stttt", via: "web", at: t0 + .minutes(41))
        clock.advance(to: t0 + .minutes(70))
        await engine.handle(check: content, site: site, result: CheckResult(status: .ok, summary: "ok", startedAt: clock.now()))
        clock.advance(to: t0 + .hours(3))
        try await store.heartbeat()
        let report = try await ReportBuilder.build(site: site, period: try #require(ReportPeriod(parsing: "2026-11-24")), store: store, now: t0 + .hours(3),
                                                   incidentSource: StoreIncidentSource(store: store, configuration: config))
        let f = try #require(report.incidents)
        expectEqual(f.count, 1)
        expectEqual(f.count(.security, .critical), 1)
        #expect(f.acknowledged == 1 && f.acknowledgeSecondsTotal == 41 * 60)
        let resolved = try #require(try await store.incident(open.id)?.resolvedAt)
        #expect(f.resolved == 1 && f.resolveSecondsTotal == resolved.seconds - t0.seconds)
        #expect(f.reachedLevel[1] == 1 && f.reachedLevel[open.level] == 1)
        expectEqual(f.contentViolations, 1)
        let check = try #require(report.checks.first { $0.id == "player-content" })
        expectEqual(check.tally.down, 70 * 60)
        expectEqual(check.downtimeInIncidents, Optional(Int64(70 * 60)))
        #expect(ReportRenderer.html([report]).contains("Vi phạm nội dung / Content violations</td><td>1</td>"))
        // The incident list: who was informed, who took it and when, how it ended.
        let list = try #require(report.incidentList)
        expectEqual(list.count, 1)
        let record = list[0]
        #expect(record.id == open.id && record.category == .security && record.opened == t0)
        expectEqual(record.taken, IncidentRecord.Taken(by: "stttt", at: t0 + .minutes(41), via: "web"))
        #expect(!record.informed.isEmpty && record.informed.contains { $0.level >= 2 })
        expectEqual(record.highestLevel, open.level)
        // What happened, in the Vietnamese column, is the Vietnamese text (it was the English summary).
        expectEqual(record.summary, "Nội dung chưa được phê duyệt đang phát: ads.mp4", "\(record.summary)")
        #expect(record.ending?.by == nil && record.ending?.at == resolved)  // the check recovered
        let text = ReportRenderer.text([report])
        // Issue 15 (review s5 defect 3): the channel in words, not "(web)"; severities in Vietnamese
        // first ("critical 1" stood alone); units told at once labelled as such, not "(kỹ thuật)".
        #expect(text.contains("Danh sách sự cố / Incident list:") && text.contains("Tiếp nhận: stttt, 24/11/2026 08:41 (qua trang web)"), "\(text)")
        #expect(text.contains("Sự cố an ninh thông tin / Information-security incident: Nghiêm trọng / critical 1"), "\(text)")
        #expect(record.informed.contains { $0.level == 0 && $0.technicians == false }, "\(record.informed)")
        #expect(record.informed.allSatisfy { $0.level != 0 || $0.technicians != nil }, "\(record.informed)")
        let atOnce = record.informed.filter { $0.level == 0 && $0.technicians == false }.map(\.name)
        for name in atOnce { #expect(text.contains("\(name) (được thông báo ngay)") && !text.contains("\(name) (kỹ thuật)"), "\(name): \(text)") }
        #expect(text.contains("Tự phục hồi"))
        let csv = ReportRenderer.csv([report])
        #expect(csv.contains("site,incident,opened,check,category,severity,summary,informed,taken_by"))
        #expect(csv.contains("tay-trang,\(open.id),2026-11-24T08:00"))
    }

    @Test("watchpost report on the command line: formats, --all-sites, --out, and clear errors")
    func commandLine() async throws {
        let bin = try TestPaths.watchpost()
        let dir = try tempFolder("cli")
        try await copyShippedConfiguration(into: dir)
        try FileSystem.writeAtomically("\(dir)/watchpost.conf", "[daemon]\ndatabase = w.db\n[smtp]\nhost = 127.0.0.1\nport = 1\ninsecure = true\nfrom = test@example.org\n")
        let config = try ConfigurationLoader.load(root: dir)
        let site = try #require(config.site("tay-trang"))
        let day = site.zone.startOf(CivilDate(year: 2026, month: 3, day: 2))
        let clock = ManualClock(now: day)
        do {
            let store = try Store(path: "\(dir)/w.db", clock: clock)
            try await store.beginRun(pid: 1)
            for (h, status) in [(Int64(7), CheckStatus.ok), (9, .critical), (10, .ok)] {
                clock.advance(to: day + .hours(h))
                for c in ["led-controller", "ups", "content", "playing-now", "uplink"] {
                    try await store.record(site: site.id, checkID: c, kind: "x", result: CheckResult(status: c == "led-controller" ? status : .ok, summary: "", startedAt: clock.now()),
                                           sampleInterval: .minutes(5))
                }
            }
            clock.advance(to: day + .hours(20))
            try await store.heartbeat()
        }
        func run(_ args: [String]) async throws -> Subprocess.Outcome {
            try await runBlocking { try Subprocess.run(bin, arguments: args + ["--config", dir], timeout: .seconds(60)) }
        }
        let csv = try await run(["report", "--site", "tay-trang", "--period", "2026-03-02", "--out", "\(dir)/r.csv"])
        expectEqual(csv.exitCode, 0, "\(csv.output)")
        let csvText = try FileSystem.readText("\(dir)/r.csv")
        // 07:30-11:00 and 13:30-18:00: led-controller down 09:00-10:00, no data after 20:00 is outside hours.
        #expect(csvText.contains("tay-trang,*site*,2026-03-02,2026-03-02T00:00:00+07:00,2026-03-03T00:00:00+07:00,28800,25200,3600,0,0,0.875000,1,3600,"), "\(csvText)")
        let all = try await run(["report", "--all-sites", "--period", "2026-03-02"])
        #expect(all.exitCode == 0 && all.output.contains("CONSOLIDATED") && all.output.contains("vung-ang") && all.output.contains("87,500 %"), "\(all.output)")
        let html = try await run(["report", "--site", "tay-trang", "--from", "2026-03-01", "--to", "2026-03-03", "--format", "html"])
        #expect(html.exitCode == 0 && html.output.hasPrefix("<!DOCTYPE html>") && html.output.contains("</svg>"))
        // A report of the site's calendar: Tây Trang's yearly 2026 is 25/11/2025–24/11/2026 (reports.conf, Điều 8.1).
        let yearly = try await run(["report", "--site", "tay-trang", "--period", "yearly", "--of", "2026", "--format", "csv"])
        #expect(yearly.exitCode == 0 && yearly.output.contains("tay-trang,*site*,2026,2025-11-25T00:00:00+07:00,2026-11-25T00:00:00+07:00,"), "\(yearly.output.prefix(600))")
        let noHalf = try await run(["report", "--site", "tay-trang", "--period", "half-year"])
        #expect(noHalf.exitCode == 64 && noHalf.output.contains("không có báo cáo 'half-year'") && noHalf.output.contains("yearly (24/11)"), "\(noHalf.output)")
        let ofAlone = try await run(["report", "--site", "tay-trang", "--period", "2026", "--of", "2026"])
        #expect(ofAlone.exitCode == 64 && ofAlone.output.contains("--of chỉ dùng với --period yearly"), "\(ofAlone.output)")
        let noSite = try await run(["report", "--all-sites", "--period", "yearly"])
        #expect(noSite.exitCode == 64 && noSite.output.contains("cần --site ID"), "\(noSite.output)")
        let badPeriod = try await run(["report", "--site", "tay-trang", "--period", "2026-13"])
        #expect(badPeriod.exitCode == 64 && badPeriod.output.contains("not a report period") && badPeriod.output.contains("1970–9999"), "\(badPeriod.output)")
        let badSite = try await run(["report", "--site", "tay-trag", "--period", "2026"])
        #expect(badSite.exitCode == 1 && badSite.output.contains("known sites: tay-trang, vung-ang"), "\(badSite.output)")
        let badFormat = try await run(["report", "--site", "tay-trang", "--period", "2026", "--format", "docx"])
        #expect(badFormat.exitCode == 64 && badFormat.output.contains("pdf, html, csv or txt"), "\(badFormat.output)")
        let pdfNoOut = try await run(["report", "--site", "tay-trang", "--period", "2026", "--format", "pdf"])
        #expect(pdfNoOut.exitCode == 64 && pdfNoOut.output.contains("needs --out"), "\(pdfNoOut.output)")
        let pdfPath = "\(dir)/tay-trang.pdf"
        let pdf = try await run(["report", "--site", "tay-trang", "--from", "2026-03-01", "--to", "2026-03-03", "--out", pdfPath])
        #expect(pdf.exitCode == 0 && pdf.output.contains("(pdf, "), "\(pdf.output)")
        #expect(try FileSystem.readBytes(pdfPath, limit: 64 << 20).starts(with: Array("%PDF-".utf8)))
        // An ad-hoc report on request (Tây Trang Điều 8.3): queued once, to [report ad-hoc]'s recipients.
        let send = try await run(["report", "--site", "tay-trang", "--from", "2026-03-01", "--to", "2026-03-03", "--send", "ad-hoc"])
        #expect(send.exitCode == 0 && send.output.contains("queued ad-hoc/tay-trang/2026-03-01..2026-03-03"), "\(send.output)")
        let again = try await run(["report", "--site", "tay-trang", "--from", "2026-03-01", "--to", "2026-03-03", "--send", "ad-hoc"])
        #expect(again.exitCode == 0 && again.output.contains("already queued"), "\(again.output)")
        let noRule = try await run(["report", "--site", "tay-trang", "--period", "2026-03", "--send", "weekly"])
        #expect(noRule.exitCode != 0 && noRule.output.contains("no [report weekly]"), "\(noRule.output)")
        let noTarget = try await run(["report", "--period", "2026"])
        #expect(noTarget.exitCode == 64 && noTarget.output.contains("--all-sites"), "\(noTarget.output)")
    }

    @Test("the availability section is validated against the site's checks")
    func availabilitySettings() throws {
        let (_, site) = try tayTrangProfile()
        var s = site
        s.sections = availabilitySection("checks = led-screen, led-scren")
        #expect(throws: WatchpostError.self) { try AvailabilitySettings(site: s).siteChecks(of: s) }
        do { _ = try AvailabilitySettings(site: s).siteChecks(of: s) } catch { #expect(error.message.contains("did you mean 'led-screen'")) }
        s.sections = []
        try expectEqual(AvailabilitySettings(site: s).siteChecks(of: s).count, s.checks.filter(\.enabled).count)
    }
}

func format4(_ v: Double) -> String {
    let n = Int64((v * 100_000).rounded())
    let w = n / 1000, f = n % 1000
    return "\(w),\(f < 10 ? "00" : f < 100 ? "0" : "")\(f) %"
}

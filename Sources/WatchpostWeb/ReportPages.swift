// Uptime reports on the web: `/reports/<site>?period=2026-11` (month, default the current one;
// also `2026`, `2026-H1`, `2026-Q3`, `2025-11-25..2026-11-24`, or a report of the site's calendar:
// `?period=yearly&of=2026`, `half-year`, `monthly`) rendered by WatchpostReports as
// HTML, or as PDF / CSV / text with `&format=pdf|csv|txt`. Every signed-in role may read them (the Department's main use of the box).
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostReports
import HTTPServer
import Posix

extension WebApp {
    func reportPage(_ r: HTTPRequest, _ who: Caller, siteID: String) async -> HTTPResponse {
        guard let site = configuration.site(siteID) else { return notFound(who) }
        let now = clock.now()
        let today = CivilDate(daysSinceEpoch: (now.seconds + Int64(site.zone.offsetSeconds)) / 86_400)
        let periodText = r.query["period"] ?? String(today.description.prefix(7))
        // `?period=yearly&of=2026`: a report of the site's calendar, its exact period.
        if let request = CalendarPeriodRequest(name: periodText, of: r.query["of"]) {
            do {
                return await reportPage(r, who, site: site, period: try request.resolve(site: site, configuration: configuration, today: today), now: now)
            } catch {
                return html(page(PageText.vi("web.t.invalid_period"), PageText.en("web.t.invalid_period"), user: who.name, role: who.user?.role.rawValue, status: 400,
                                 body: "<p class=\"card error\">\(esc(error.description))</p>"))
            }
        }
        guard let period = ReportPeriod(parsing: periodText) else {
            return html(page(PageText.vi("web.t.invalid_period"), PageText.en("web.t.invalid_period"), user: who.name, role: who.user?.role.rawValue, status: 400,
                             body: "<p class=\"card error\">\(PageText.html("web.report.period_invalid", ["period": esc(periodText)]))</p>"))
        }
        return await reportPage(r, who, site: site, period: period, now: now)
    }

    func reportPage(_ r: HTTPRequest, _ who: Caller, site: SiteProfile, period: ReportPeriod, now: Instant) async -> HTTPResponse {
        // PDF is drawn by cairo (ReportRenderer.pdf), the text formats by ReportFormat: the README
        // documents `format=pdf`, which answered 400 here (#19 review s9).
        let wantsPDF = r.query["format"] == "pdf"
        guard let format = wantsPDF ? .html : ReportFormat(rawValue: r.query["format"] ?? "html") else {
            return html(page(PageText.vi("web.t.invalid_format"), PageText.en("web.t.invalid_format"), user: who.name, role: who.user?.role.rawValue, status: 400,
                             body: "<p class=\"card error\">\(PageText.html("web.t.use_html_csv_txt_2"))</p>"))
        }
        // The report's reads and its rendering (a year of plays, cairo's PDF) run as one heavy
        // read on the blocking pool, with a store of their own (HeavyAnswers.swift).
        return await heavyReport(who, api: false, action: "view report") { [self] store in
            do throws(WatchpostError) {
                let report = try await ReportBuilder.build(site: site, period: period, store: store, now: now, incidentSource: StoreIncidentSource(store: store, configuration: configuration))
                if wantsPDF {
                    // cairo writes a file: a private temporary one, read back and removed.
                    let path = "/tmp/watchpost-report-\(site.id)-\(now.milliseconds)-\(UInt32.random(in: 0...UInt32.max)).pdf"
                    defer { FileSystem.remove(path) }
                    try ReportRenderer.pdf([report], path: path)
                    let bytes = try readBack(path)
                    return HTTPResponse(status: 200, headers: [("Content-Type", "application/pdf"),
                                                               ("Content-Disposition", "attachment; filename=\"watchpost-\(site.id)-\(period.label).pdf\"")], body: bytes)
                }
                var body = ReportRenderer.render([report], format: format)
                if format == .html { body = withNavigation(body, who) }
                let type: String
                switch format {
                case .html: type = "text/html; charset=utf-8"
                case .csv: type = "text/csv; charset=utf-8"
                default: type = "text/plain; charset=utf-8"
                }
                var headers: [(String, String)] = []
                if format != .html { headers.append(("Content-Disposition", "attachment; filename=\"watchpost-\(site.id)-\(period.label).\(format.rawValue)\"")) }
                return HTTPResponse(status: 200, contentType: type, text: body, headers: headers)
            } catch {
                return serverError(who, error)
            }
        }
    }

    /// A report document (its own stylesheet, made for A4) as a page like the others: the
    /// navigation bar above it (issue 15: every page has it).
    func withNavigation(_ document: String, _ who: Caller) -> String {
        var body = document
        guard let b = body.firstRange(of: "<body>") else { return body }
        let bar = "<style>\(navigationStyle)body{max-width:none;padding:0}header{font:16px/1.45 system-ui,sans-serif}main.report{max-width:190mm;margin:0 auto;padding:6mm 3mm}</style>"
            + navigationBar(user: who.name, role: who.user?.role.rawValue, roleLabel: who.user.map { roleLabel($0.role) }) + "<main class=\"report\">"
        body.replaceSubrange(b, with: "<body>" + bar)
        if let end = body.firstRange(of: "</body>") { body.replaceSubrange(end, with: "</main></body>") }
        return body
    }

    func readBack(_ path: String) throws(WatchpostError) -> [UInt8] {
        do { return try FileSystem.readBytes(path, limit: 256 << 20) } catch { throw WatchpostError(.io, "cannot read back the PDF report: \(error)") }
    }
}

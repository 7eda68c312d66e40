// The Department's console on the web (issue #17 point 4): `/fleet`, the combined board of every
// cluster of every box (its open incidents, its last contact), and `/fleet/report?period=2026`
// (or `?period=yearly&of=2026`: each cluster by its own reporting calendar),
// the consolidated yearly report (Tây Trang Điều 8.2) as HTML, or CSV / text / PDF with
// `&format=`. Every signed-in role may read them, as the site reports. The figures come from
// the console's cache (WatchpostReports.FleetView); a period the daemon does not keep
// (`?period=half-year`, `2026-H1`, a month, `FROM..TO`) is read from the boxes when asked.
import WatchpostCore
import WatchpostConfig
import WatchpostReports
import HTTPServer
import Posix

extension WebApp {
    /// The console's reads of a period its daemon does not keep, at once, cached in its store.
    var fleetLiveRead: FleetLiveRead { FleetLiveRead(token: remoteToken, clock: clock, cache: store) }

    func fleetBoard(_ who: Caller) async -> HTTPResponse {
        let now = clock.now()
        let year = String(zone(forSite: "").localDate(of: now).year)
        // Each cluster's year by its own reporting calendar (Tây Trang 25/11–24/11, 32/2018/QĐ-UBND
        // Điều 8.1–8.2; Vũng Áng the calendar year, 2432/QĐ-UBND Điều 13.1), not the plain year.
        guard let request = CalendarPeriodRequest(name: "yearly", of: year) else { return notFound(who) }
        // This box's own sites summed over their year: a heavy read (HeavyAnswers.swift).
        return await heavyReport(who, api: false, action: "view fleet board") { [self] store in
            do throws(WatchpostError) {
                let view = try await FleetView.load(configuration: configuration, fleetPeriod: .calendar(request), store: store, now: now, live: fleetLiveRead)
                let body = FleetRenderer.boardHTML(view, reportLink: "/fleet/report?period=yearly&of=\(year)", halfYearLink: "/fleet/report?period=half-year")
                return html(page(Catalogue.render(Message("fleet.board.title"), .vi), Catalogue.render(Message("fleet.board.title"), .en),
                                 user: who.name, role: who.user?.role.rawValue, body: body))
            } catch {
                return serverError(who, error)
            }
        }
    }

    func fleetReport(_ r: HTTPRequest, _ who: Caller) async -> HTTPResponse {
        let now = clock.now()
        let year = String(zone(forSite: "").localDate(of: now).year)
        // `?period=yearly&of=2026`: each cluster's yearly report by its own calendar (the default).
        let periodText = r.query["period"] ?? "yearly"
        guard let period = FleetPeriod(period: periodText, of: r.query["of"] ?? (r.query["period"] == nil ? year : nil)) else {
            return html(page(PageText.vi("web.t.invalid_period"), PageText.en("web.t.invalid_period"), user: who.name, role: who.user?.role.rawValue, status: 400,
                             body: "<p class=\"card error\">\(PageText.html("web.report.period_invalid", ["period": esc(periodText)]))</p>"))
        }
        let format = r.query["format"] ?? "html"
        guard ["html", "pdf", "csv", "txt"].contains(format) else {
            return html(page(PageText.vi("web.t.invalid_format"), PageText.en("web.t.invalid_format"), user: who.name, role: who.user?.role.rawValue, status: 400,
                             body: "<p class=\"card error\">\(PageText.html("web.t.use_html_csv_txt_2"))</p>"))
        }
        // The consolidated report (this box's sites read from its store, the others from their
        // answers) and its PDF, drawn by cairo: a heavy read (HeavyAnswers.swift).
        return await heavyReport(who, api: false, action: "view fleet report") { [self] store in
            do throws(WatchpostError) {
                let view = try await FleetView.load(configuration: configuration, fleetPeriod: period, store: store, now: now, live: fleetLiveRead)
                let name = "watchpost-consolidated-\(period.key.replacing(":", with: "-"))"
                switch format {
                case "pdf":
                    let path = "/tmp/watchpost-fleet-\(now.milliseconds)-\(UInt32.random(in: 0...UInt32.max)).pdf"
                    defer { FileSystem.remove(path) }
                    try FleetRenderer.pdf(view, path: path)
                    return HTTPResponse(status: 200, headers: [("Content-Type", "application/pdf"), ("Content-Disposition", "attachment; filename=\"\(name).pdf\"")],
                                        body: try readBack(path))
                case "csv":
                    return HTTPResponse(status: 200, contentType: "text/csv; charset=utf-8", text: FleetRenderer.csv(view),
                                        headers: [("Content-Disposition", "attachment; filename=\"\(name).csv\"")])
                case "txt":
                    return HTTPResponse(status: 200, contentType: "text/plain; charset=utf-8", text: FleetRenderer.text(view), headers: [])
                default:  // html
                    return HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", text: withNavigation(FleetRenderer.html(view), who), headers: [])
                }
            } catch {
                return serverError(who, error)
            }
        }
    }
}

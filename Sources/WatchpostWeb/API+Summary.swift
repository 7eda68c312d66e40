// `GET /api/v1/summary?period=2026`: every site of this box with its figures over the period and
// its incidents open now (WatchpostReports.BoxSummary), for a Department's console that
// consolidates the boxes' yearly reports (issue #17 point 4, Tây Trang Điều 8.2). Any signed-in
// token may read it, as the report pages; the console uses a department account's token.
import WatchpostCore
import WatchpostReports
import HTTPServer

extension WebApp {
    func apiSummary(_ r: HTTPRequest) async -> HTTPResponse {
        let now = clock.now()
        let periodText = r.query["period"] ?? String(zone(forSite: "").localDate(of: now).year)
        guard let period = ReportPeriod(parsing: periodText) else {
            return apiError(400, "bad-request", "period '\(periodText)' is not a period such as 2026, 2026-H1 or 2026-11")
        }
        do {
            let summary = try await BoxSummaryBuilder.build(configuration: configuration, period: period, store: reader, now: now)
            let body = try JSONCoding.encode(summary)
            return HTTPResponse(status: 200, headers: [("Content-Type", "application/json; charset=utf-8")], body: body + [10])
        } catch let e as WatchpostError {
            return apiError(500, "server-error", e.message)
        } catch {
            return apiError(500, "server-error", "\(error)")
        }
    }
}

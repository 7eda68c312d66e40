// `GET /api/v1/summary?period=2026` (or `?period=yearly&of=2026`, each site by its calendar): every site of this box with its figures over the period and
// its incidents open now (WatchpostReports.BoxSummary), for a Department's console that
// consolidates the boxes' yearly reports (issue #17 point 4, Tây Trang Điều 8.2). Any signed-in
// token may read it, as the report pages; the console uses a department account's token.
import WatchpostCore
import WatchpostReports
import WatchpostStore
import HTTPServer

extension WebApp {
    func apiSummary(_ r: HTTPRequest, _ who: Caller) async -> HTTPResponse {
        let now = clock.now()
        let periodText = r.query["period"] ?? String(zone(forSite: "").localDate(of: now).year)
        // `period=yearly&of=2026`: each site by its own reporting calendar (reports.conf).
        guard let period = FleetPeriod(period: periodText, of: r.query["of"]) else {
            return apiError(400, "bad-request", "period '\(periodText)' is not a period such as 2026, 2026-H1, 2026-11, 2026-03-01..2026-03-15 (at most ten years, 1970–9999) or yearly (with of=2026)")
        }
        // Every site's year read and summed as one heavy read on the blocking pool, with a store
        // of its own (HeavyAnswers.swift): not on the reader's thread, which sign-ins need.
        return await heavyReport(who, api: true, action: "read summary") { [self] store in
            do {
                let summary = try await BoxSummaryBuilder.build(configuration: configuration, fleetPeriod: period, store: store, now: now)
                let body = try JSONCoding.encode(summary)
                return HTTPResponse(status: 200, headers: [("Content-Type", "application/json; charset=utf-8")], body: body + [10])
            } catch let e as WatchpostError where e.code == .usage {
                // `of` naming no period of a site's calendar (`of=-9223372036854775808`) is the
                // caller's mistake, answered 400 with the message, not 500 (#19 review, s5).
                return apiError(400, "bad-request", e.message)
            } catch let e as WatchpostError {
                return apiError(500, "server-error", e.message)
            } catch {
                return apiError(500, "server-error", "\(error)")
            }
        }
    }
}

// The console's reads of the other boxes (issue #17 point 4): one `GET /api/v1/summary` per box
// and period, through libcurl (module Curl) on the process's one blocking pool, raced against
// the one deadline primitive (`withDeadline`), so a box that hangs costs its own fetch only.
// What came back, or why nothing did, goes to the store's cache (migration 31). Boxes need no
// inbound connection beyond their HTTPS API: the console only ever calls out.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import Curl
import Posix

public enum FleetFetch {
    /// One box's answer, or why there is none (the text is for the board and the log).
    public enum Outcome: Sendable {
        case fetched(body: String)
        case failed(String)
    }

    /// Fetches `period` from `box` with `token`; returns at `box.timeout` at the latest.
    public static func fetch(_ box: RemoteBox, token: String, period: ReportPeriod, clock: any WatchpostClock) async -> Outcome {
        let url = "\(box.url)/api/v1/summary?period=\(period.label)"
        let limit = box.timeout
        let outcome = await withDeadline(clock.now() + limit, clock: clock) { () async -> Outcome in
            do {
                return try await runBlocking { () -> Outcome in
                    do {
                        let easy = try CurlEasy()
                        try easy.set(.url, url)
                        try easy.set(.proxy, "")
                        try easy.setList(.httpHeaders, ["Authorization: Bearer \(token)", "Accept: application/json"])
                        try easy.setTimeout(milliseconds: Int(limit.milliseconds))
                        try easy.setConnectTimeout(milliseconds: Int(min(limit.milliseconds, 10_000)))
                        try easy.setVerifyPeer(box.verifyTLS)
                        if let ca = box.caFile { try easy.set(.caInfo, ca) }
                        easy.setMaxResponseBytes(32 << 20)
                        try easy.perform()
                        let body = String(decoding: easy.responseBody, as: UTF8.self)
                        guard easy.responseCode == 200 else {
                            return .failed("HTTP \(easy.responseCode): \(body.prefix(200))")
                        }
                        return .fetched(body: body)
                    } catch {
                        return .failed("\(error)")
                    }
                }
            } catch {
                return .failed("\(error)")
            }
        }
        switch outcome {
        case .finished(let o):
            // A body that is not a summary is a failure too: the cache keeps only readable answers.
            if case .fetched(let body) = o, (try? JSONCoding.decode(BoxSummary.self, from: body)) == nil {
                return .failed("the answer is not a Watchpost summary (is \(box.url) a Watchpost box of this version?)")
            }
            return o
        case .timedOut:
            return .failed("no answer within \(limit.milliseconds) ms")
        }
    }

    /// Fetches every box at once (each under its own deadline) and records each outcome.
    /// Returns the ids of the boxes that answered.
    @discardableResult
    public static func pollAll(_ boxes: [RemoteBox], secrets: Secrets, periods: [ReportPeriod], store: Store, clock: any WatchpostClock,
                               logger: Logger? = nil) async -> [String] {
        await withTaskGroup(of: String?.self) { group in
            for box in boxes {
                group.addTask {
                    guard let token = secrets.revealRemoteToken(box.id) else {
                        try? await store.recordRemoteFailure(remote: box.id, error: "no token for [remote \(box.id)] in the secrets file", at: clock.now())
                        return nil
                    }
                    var answered = true
                    for p in periods {
                        switch await fetch(box, token: token, period: p, clock: clock) {
                        case .fetched(let body):
                            do { try await store.recordRemoteSuccess(remote: box.id, period: p.label, body: body, at: clock.now()) } catch {
                                logger?.error("cannot cache a remote box's answer", [("remote", box.id), ("error", "\(error)")])
                            }
                        case .failed(let why):
                            answered = false
                            logger?.warning("remote box unreachable", [("remote", box.id), ("url", box.url), ("error", why)])
                            try? await store.recordRemoteFailure(remote: box.id, error: why, at: clock.now())
                        }
                        if !answered { break }
                    }
                    return answered ? box.id : nil
                }
            }
            var ok: [String] = []
            for await id in group { if let id { ok.append(id) } }
            return ok.sorted()
        }
    }

    /// The periods the console keeps: this year (the consolidated yearly report, Tây Trang Điều
    /// 8.2, Vũng Áng Điều 6), and during January last year too, so that the figures of the year
    /// just ended are complete when the report is made after 31/12.
    public static func periods(at now: Instant, zone: ZoneOffset) -> [ReportPeriod] {
        let today = zone.localDate(of: now)
        return today.month == 1 ? [.year(today.year), .year(today.year - 1)] : [.year(today.year)]
    }
}

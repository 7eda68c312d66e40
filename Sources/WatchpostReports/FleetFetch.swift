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
    /// One box's answer, or why there is none (a catalogue message: the board and the report
    /// show it in Vietnamese then English; the cache keeps it as JSON, see `reasonText`).
    public enum Outcome: Sendable {
        case fetched(body: String)
        case failed(Message)
    }

    /// Fetches `period` from `box` with `token`; returns at `box.timeout` at the latest.
    /// Redirects are not followed, so an https:// box is never read over plain HTTP, and a
    /// certificate that does not verify is a failure, never a reason to try another way.
    public static func fetch(_ box: RemoteBox, token: String, period: FleetPeriod, clock: any WatchpostClock) async -> Outcome {
        let url = "\(box.url)/api/v1/summary?\(period.query)"
        let limit = box.timeout
        let outcome = await withDeadline(clock.now() + limit, clock: clock) { () async -> Outcome in
            do {
                return try await runBlocking { () -> Outcome in
                    do {
                        let easy = try CurlEasy()
                        try easy.set(.url, url)
                        try easy.set(.proxy, "")
                        try easy.setFollowRedirects(false)
                        try easy.setList(.httpHeaders, ["Authorization: Bearer \(token)", "Accept: application/json"])
                        try easy.setTimeout(milliseconds: Int(limit.milliseconds))
                        try easy.setConnectTimeout(milliseconds: Int(min(limit.milliseconds, 10_000)))
                        try easy.setVerifyPeer(box.verifyTLS)
                        if let ca = box.caFile { try easy.set(.caInfo, ca) }
                        easy.setMaxResponseBytes(32 << 20)
                        try easy.perform()
                        let body = String(decoding: easy.responseBody, as: UTF8.self)
                        switch easy.responseCode {
                        case 200: return .fetched(body: body)
                        case 401, 403: return .failed(Message("fleet.error.token", ["box": .text(box.id), "code": .int(Int64(easy.responseCode))]))
                        default: return .failed(Message("fleet.error.http", ["code": .int(Int64(easy.responseCode)), "body": .text(short(body))]))
                        }
                    } catch let error as CurlError {
                        return .failed(reason(curlCode: error.code, detail: error.description, box: box))
                    } catch {
                        return .failed(Message("fleet.error.other", ["detail": .text(short("\(error)"))]))
                    }
                }
            } catch {
                return .failed(Message("fleet.error.other", ["detail": .text(short("\(error)"))]))
            }
        }
        switch outcome {
        case .finished(let o):
            // A body that is not a summary is a failure too: the cache keeps only readable answers.
            if case .fetched(let body) = o, (try? JSONCoding.decode(BoxSummary.self, from: body)) == nil {
                return .failed(Message("fleet.error.not_summary", ["url": .text(box.url)]))
            }
            return o
        case .timedOut:
            return .failed(Message("fleet.error.timeout", ["limit": .duration(limit)]))
        }
    }

    /// What a libcurl failure means for the person reading the board, and what to do about it.
    public static func reason(curlCode: Int32, detail text: String, box: RemoteBox) -> Message {
        let detail = MessageValue.text(short(text))
        switch curlCode {
        case CurlError.peerFailedVerification:   // 60: the chain does not lead to a trusted CA, or the name does not match
            return Message("fleet.error.certificate", ["box": .text(box.id), "detail": detail])
        case 77:                                  // CURLE_SSL_CACERT_BADFILE: ca_file missing or unreadable
            return Message("fleet.error.ca_file", ["box": .text(box.id), "file": .text(box.caFile ?? "-"), "detail": detail])
        case 35:                                  // CURLE_SSL_CONNECT_ERROR: the TLS handshake failed (e.g. https:// on a plain-HTTP port)
            return Message("fleet.error.tls", ["detail": detail])
        case 1, CurlError.weirdServerReply, 52, CurlError.receiveError:   // not HTTP back (e.g. http:// on an HTTPS port)
            return Message("fleet.error.reply", ["detail": detail])
        case CurlError.couldNotResolve:
            return Message("fleet.error.resolve", ["url": .text(box.url), "detail": detail])
        case CurlError.couldNotConnect:
            return Message("fleet.error.connect", ["url": .text(box.url), "detail": detail])
        case CurlError.operationTimedOut:
            return Message("fleet.error.timeout", ["limit": .duration(box.timeout)])
        default:
            return Message("fleet.error.other", ["detail": detail])
        }
    }

    static func short(_ text: String) -> String { String(text.prefix(200)) }

    /// The failure as the cache keeps it: the message as JSON (rendered in both languages when
    /// shown). `reason(cached:)` reads it back; text from an older cache is shown as it is.
    public static func reasonText(_ m: Message) -> String { (try? JSONCoding.string(m)) ?? m.description }

    public static func reason(cached text: String) -> MessageValue {
        if let m = try? JSONCoding.decode(Message.self, from: text), m.key.rawValue.hasPrefix("fleet.error.") { return .message(m) }
        return .text(text)
    }

    /// Fetches every box at once (each under its own deadline) and records each outcome.
    /// Returns the ids of the boxes that answered.
    @discardableResult
    public static func pollAll(_ boxes: [RemoteBox], secrets: Secrets, periods: [FleetPeriod], store: Store, clock: any WatchpostClock,
                               logger: Logger? = nil) async -> [String] {
        await withTaskGroup(of: String?.self) { group in
            for box in boxes {
                group.addTask {
                    guard let token = secrets.revealRemoteToken(box.id) else {
                        try? await store.recordRemoteFailure(remote: box.id, error: reasonText(Message("fleet.error.no_token", ["box": .text(box.id)])), at: clock.now())
                        return nil
                    }
                    var answered = true
                    for p in periods {
                        switch await fetch(box, token: token, period: p, clock: clock) {
                        case .fetched(let body):
                            do { try await store.recordRemoteSuccess(remote: box.id, period: p.key, body: body, at: clock.now()) } catch {
                                logger?.error("cannot cache a remote box's answer", [("remote", box.id), ("error", "\(error)")])
                            }
                        case .failed(let why):
                            answered = false
                            logger?.warning("remote box unreachable", [("remote", box.id), ("url", box.url), ("error", Catalogue.render(why, .vi))])
                            try? await store.recordRemoteFailure(remote: box.id, error: reasonText(why), at: clock.now())
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

    /// Reads `period` at once from every box the daemon's cache cannot answer for: all of them
    /// when `always` (a period the daemon does not keep, such as a half-year, a month or a range:
    /// Vũng Áng Điều 6 and 13.1 ask for 6-monthly reports), else only those with no answer
    /// cached. Each box under its own deadline, all together; what came back goes to
    /// `live.cache`. A box that cannot be read keeps its last cached answer for the period (if
    /// any) and is shown unreachable, with why.
    public static func readNow(_ states: [RemoteBoxState], period: FleetPeriod, always: Bool, live: FleetLiveRead) async -> [RemoteBoxState] {
        await withTaskGroup(of: (Int, RemoteBoxState).self) { group in
            for (i, state) in states.enumerated() where always || state.summary == nil {
                group.addTask {
                    var s = state
                    let outcome: Outcome
                    if let token = live.token(s.box.id) {
                        outcome = await fetch(s.box, token: token, period: period, clock: live.clock)
                    } else {
                        outcome = .failed(Message("fleet.error.no_token", ["box": .text(s.box.id)]))
                    }
                    let now = live.clock.now()
                    switch outcome {
                    case .fetched(let body):
                        s.summary = try? JSONCoding.decode(BoxSummary.self, from: body)
                        s.fetchedAt = now
                        s.contact = RemoteContact(remote: s.box.id, lastAttempt: now, lastSuccess: now, lastError: nil, failures: 0)
                        try? await live.cache?.recordRemoteSuccess(remote: s.box.id, period: period.key, body: body, at: now)
                    case .failed(let why):
                        s.contact = RemoteContact(remote: s.box.id, lastAttempt: now, lastSuccess: s.contact?.lastSuccess, lastError: reasonText(why),
                                                  failures: (s.contact?.failures ?? 0) + 1)
                    }
                    return (i, s)
                }
            }
            var out = states
            for await (i, s) in group { out[i] = s }
            return out
        }
    }

    /// The periods the console keeps: at every poll, each cluster's yearly report labelled this
    /// year by its calendar (the board's and the default report's, see `fleetDefault`) and the
    /// plain year (during January last year too, so the year just ended is complete when it is
    /// reported after 31/12); with `withCalendar` (the console reads them less often: each costs
    /// the box a report), each cluster's latest ended yearly report (Tây Trang Điều 8.1–8.2) and
    /// its latest ended 6-monthly report (Vũng Áng Điều 6, 13.1; a site without one: the last
    /// calendar half). Any other period is read when asked for (`readNow`).
    public static func periods(at now: Instant, zone: ZoneOffset, withCalendar: Bool = true) -> [FleetPeriod] {
        let today = zone.localDate(of: now)
        let years: [FleetPeriod] = (today.month == 1 ? [.year(today.year), .year(today.year - 1)] : [.year(today.year)]).map { .plain($0) }
        // The board's and the default report's period, read at every poll: its open incidents must be fresh.
        let board = [fleetDefault(today: today)]
        guard withCalendar else { return board + years }
        let calendar = [CalendarPeriodRequest(name: "yearly", of: nil), CalendarPeriodRequest(name: "half-year", of: nil)].compactMap { $0 }.map { FleetPeriod.calendar($0) }
        return board + years + calendar
    }

    /// What the board and the consolidated report show unless told otherwise: each cluster's
    /// yearly report labelled this year by its own calendar (Tây Trang 25/11–24/11, 32/2018/QĐ-UBND
    /// Điều 8.1–8.2; Vũng Áng the calendar year, 2432/QĐ-UBND Điều 13.1), not the plain year.
    public static func fleetDefault(today: CivilDate) -> FleetPeriod {
        CalendarPeriodRequest(name: "yearly", of: String(today.year)).map { .calendar($0) } ?? .plain(.year(today.year))
    }

    /// How often the console reads each box's calendar periods (at most; the plain year at every poll).
    public static let calendarInterval = Seconds.minutes(1)
}

// The web application: one async handler for every request. It resolves the client's address,
// who is asking (session cookie or API bearer token), routes to the pages, the JSON API,
// /metrics and the acknowledgement links, and answers every refusal with a reason that is
// shown, logged and written to the audit table. Pure Swift over the store and the incident
// desk; the HTTP transport is HTTPServer's.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostAuth
import HTTPServer
import Posix
import Synchronization

/// Who is asking.
struct Caller: Sendable {
    var user: WebUser?
    var session: WebSession?
    /// Authenticated by an API bearer token (no cookie, so no CSRF check).
    var viaToken: Bool
    var address: String

    var name: String? { user?.login }
}

public final class WebApp: Sendable {
    let store: Store
    let reader: Store
    /// Reads of many rows and their rendering: on the blocking pool, a few at once (HeavyAnswers.swift).
    let heavyReads: HeavyReads
    let desk: (any IncidentDesk)?
    let configuration: WatchpostConfiguration
    let settings: WebSettings
    let linkKey: [UInt8]?
    /// Keys `linkKey` replaced at a reload: links already sent with them are still honoured.
    let previousLinkKeys: [[UInt8]]
    let clock: any WatchpostClock
    let logger: Logger
    /// The login throttle and the anonymous-write budget, kept by the daemon across reloads.
    let memory: WebMemory
    var throttle: LoginThrottle { memory.logins }
    var anonymousWrites: AnonymousWriteBudget { memory.anonymousWrites }
    let loginLimits: LoginLimits
    /// Short-lived cache of the status data, so a burst of page views costs one database read.
    let boardCache = Mutex<(Instant, [StoredCheckState])?>(nil)
    /// The same for the encoded `/api/v1/checks` body and the `/metrics` page (same for every reader).
    let apiChecksCache = Mutex<(Instant, HTTPResponse)?>(nil)
    let metricsCache = Mutex<(Instant, HTTPResponse)?>(nil)
    /// Samples about the process itself (blocking pool, stuck probes, memory), from the daemon.
    let processMetrics: @Sendable () -> [ProcessMetric]
    /// The API token of a `[remote ID]` box (the Department's console reads the boxes with it).
    let remoteToken: @Sendable (String) -> String?
    /// The listener's measure of its answers from arrival to hand-over (`HTTPServer.answerTimes`),
    /// for /metrics; nil when there is none (the listener is made after the application).
    let answerTimes: @Sendable () -> AnswerTimes.Snapshot?

    /// A response made at most one second ago, or a fresh one.
    func cached(_ cache: borrowing Mutex<(Instant, HTTPResponse)?>, _ make: () async -> HTTPResponse) async -> HTTPResponse {
        let now = clock.now()
        if let (at, r) = cache.withLock({ $0 }), now >= at, now - at < Seconds(milliseconds: 1000) { return r }
        let r = await make()
        if r.status == 200 { cache.withLock { $0 = (now, r) } }
        return r
    }

    /// - Parameters:
    ///   - store: the daemon's store (writes: sessions, audit, link use).
    ///   - reader: a second, read-only store for page reads (defaults to `store`).
    ///   - desk: the incident engine; nil shows incidents as unavailable.
    ///   - linkKey: the link-signing key (`web.link_key`); nil refuses every link.
    ///   - heavyReads: the daemon's bound on heavy reads (kept across reloads); nil makes one over `reader`.
    public init(store: Store, reader: Store? = nil, desk: (any IncidentDesk)?, configuration: WatchpostConfiguration, settings: WebSettings,
                linkKey: [UInt8]?, clock: any WatchpostClock, logger: Logger, processMetrics: @escaping @Sendable () -> [ProcessMetric] = { [] },
                previousLinkKeys: [[UInt8]] = [], remoteToken: @escaping @Sendable (String) -> String? = { _ in nil },
                memory: WebMemory = WebMemory(), heavyReads: HeavyReads? = nil,
                answerTimes: @escaping @Sendable () -> AnswerTimes.Snapshot? = { nil }) {
        self.answerTimes = answerTimes
        self.heavyReads = heavyReads ?? HeavyReads(store: reader ?? store, clock: clock)
        self.memory = memory
        loginLimits = LoginLimits(settings)
        self.processMetrics = processMetrics
        self.remoteToken = remoteToken
        self.previousLinkKeys = previousLinkKeys
        self.store = store
        self.reader = reader ?? store
        self.desk = desk
        self.configuration = configuration
        self.settings = settings
        self.linkKey = linkKey
        self.clock = clock
        self.logger = logger
    }

    // MARK: - Entry point

    /// The part of the request deadline kept for handing the answer over: a request past its
    /// deadline is answered 503 this long before it, so that even that answer reaches the server
    /// within the deadline. It covers the deadline's timer and the answer's task waiting for a
    /// cooperative thread and the server's thread taking the answer; at load 17 on 2 cores
    /// (HeavyReadsTests, debug) they took up to 0.16 s, 0.26 s and 0.26 s (#13/#19 s11).
    static let handOverReserve = Seconds(milliseconds: 2_000)

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        // Raced with the program's one deadline primitive; on the system clock a request that
        // wins frees its timer at once (WatchpostHost.WallClockSleepers), so the race costs no
        // memory after the answer (issue #21). The deadline is counted from the request's
        // arrival at the server, not from this call: the client waited meanwhile too, and the
        // deadline promises when the answer starts, not how long the handler runs (#13/#19 s11).
        let waited = Seconds(milliseconds: request.millisecondsSinceReceived)
        let deadline = clock.now() + settings.requestDeadline - WebApp.handOverReserve - waited
        var response: HTTPResponse
        switch await withDeadline(deadline, clock: clock, { await self.route(request) }) {
        case .finished(let r): response = r
        case .timedOut:
            logger.warning("web request not answered in time", [("path", request.path), ("deadline", settings.requestDeadline.description)])
            response = HTTPResponse(status: 503, contentType: "text/plain; charset=utf-8",
                                    text: Catalogue.bilingual(Message("web.request_deadline", ["seconds": .int(settings.requestDeadline.wholeSeconds)])) + "\n",
                                    headers: [("Retry-After", "5")])
        }
        // Every answer: no caching of private pages, no framing, no sniffing, and no Referer
        // (an acknowledgement link in the address bar must not leak to another site).
        response.headers += [
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
            ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ]
        if response.header("Cache-Control") == nil { response.headers.append(("Cache-Control", "no-store")) }
        return response
    }

    func clientAddress(_ r: HTTPRequest) -> String {
        // Behind a trusted reverse proxy, the proxy's X-Forwarded-For names the real client
        // (its last entry is the one the proxy itself added).
        if settings.trustedProxies.contains(r.clientAddress), let xff = r.header("x-forwarded-for"),
           let last = xff.split(separator: ",").last.map({ String($0).trimmingWhitespace() }), !last.isEmpty, last.count <= 64 {
            return last
        }
        return r.clientAddress
    }

    func caller(_ r: HTTPRequest) async -> Caller {
        let address = clientAddress(r)
        if let auth = r.header("authorization"), auth.lowercased().hasPrefix("bearer ") {
            let token = String(auth.dropFirst(7)).trimmingWhitespace()
            if !token.isEmpty, let u = try? await reader.user(apiTokenHash: WebSecret.digest(token)) {
                return Caller(user: u, session: nil, viaToken: true, address: address)
            }
            return Caller(user: nil, session: nil, viaToken: true, address: address)
        }
        if let cookie = r.cookies["wp_session"], !cookie.isEmpty, cookie.count <= 128,
           let s = try? await reader.session(tokenHash: WebSecret.digest(cookie)) {
            return Caller(user: s.user, session: s, viaToken: false, address: address)
        }
        return Caller(user: nil, session: nil, viaToken: false, address: address)
    }

    func route(_ r: HTTPRequest) async -> HTTPResponse {
        let path = r.path
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let method = r.method.uppercased()
        if method != "GET" && method != "POST" && method != "HEAD" {
            return text(405, "method \(method) not allowed\n", headers: [("Allow", "GET, POST")])
        }
        if path == "/healthz" { return text(200, "ok\n") }
        // Every page, link and API call: no parameter twice, no control character (#19 review s8).
        if let problem = QueryParameters.problem(r) {
            let reason = Catalogue.bilingual(problem)
            return segments.first == "api" ? apiError(400, "bad-request", reason) : text(400, reason + "\n")
        }
        // Acknowledgement links need no account: the signed token is the authority.
        if segments.first == "ack" {
            guard segments.count == 2 else { return await linkRefused(r, status: 400, reason: .malformed, token: nil) }
            return method == "POST" ? await ackLinkPost(r, token: segments[1]) : await ackLinkGet(r, token: segments[1])
        }
        if path == "/login" { return method == "POST" ? await loginPost(r) : loginPage(r, message: nil, status: 200) }
        let who = await caller(r)
        if segments.first == "api" { return await api(r, segments: Array(segments.dropFirst()), caller: who) }
        if path == "/metrics" {
            guard who.user != nil else {
                return text(401, "authentication required: send a user's API token as 'Authorization: Bearer …'\n", headers: [("WWW-Authenticate", "Bearer")])
            }
            return await cached(metricsCache) { await metrics() }
        }
        guard let user = who.user, !who.viaToken else {
            if method == "GET" {
                // The whole address, query included (review of #16, session 5: /plays?day=…&format=csv came back as /plays).
                let query = r.query.sorted { $0.key < $1.key }.map { "\(urlEncode($0.key))=\(urlEncode($0.value))" }.joined(separator: "&")
                return HTTPResponse(status: 303, headers: [("Location", "/login?next=\(urlEncode(query.isEmpty ? path : path + "?" + query))")])
            }
            return await refusePage(r, who, status: 401, action: "\(method) \(path)", reason: PageText.text("web.t.you_need_log"), incident: nil)
        }
        // Every form post from a signed-in user carries the session's CSRF token.
        if method == "POST" {
            let form = parseForm(r.body)
            guard let sent = form["csrf"], let session = who.session, WebSecret.equal(sent, session.csrfToken) else {
                return await refusePage(r, who, status: 403, action: "POST \(path)",
                                        reason: PageText.text("web.t.missing_wrong_csrf_token"),
                                        incident: nil)
            }
        }
        switch (method, segments.count, segments.first) {
        case ("GET", 0, _), ("HEAD", 0, _): return await statusBoard(who)
        case ("GET", 1, "logout"): return logoutPage(who)
        case ("POST", 1, "logout"): return await logout(r, who)
        case ("GET", 1, "incidents"): return await incidentList(who)
        case ("GET", 2, "incidents"):
            guard let id = Int64(segments[1]) else { return notFound(who) }
            return await incidentPage(who, id: id, message: nil)
        case ("POST", 3, "incidents"):
            guard let id = Int64(segments[1]) else { return notFound(who) }
            return await incidentAction(r, who, id: id, action: segments[2])
        case ("GET", 1, "plays"): return await playsPage(r, who)
        case ("GET", 1, "reports"): return reportsPage(who)
        case ("GET", 2, "reports"): return await reportPage(r, who, siteID: segments[1])
        case ("GET", 1, "fleet"): return await fleetBoard(who)
        case ("GET", 2, "fleet") where segments[1] == "report": return await fleetReport(r, who)
        case (_, _, "registers"): return await registersRoute(r, who, segments: Array(segments.dropFirst()))
        case ("GET", 1, "users"):
            let d = AccessPolicy.decide(user.role, .manageUsers)
            guard d.allowed else { return await refusePage(r, who, status: 403, action: "view users", reason: d.reason, incident: nil) }
            return await usersPage(who, message: nil)
        case ("POST", 2, "users"), ("POST", 3, "users"):
            let d = AccessPolicy.decide(user.role, .manageUsers)
            guard d.allowed else { return await refusePage(r, who, status: 403, action: "manage users", reason: d.reason, incident: nil) }
            return await usersAction(r, who, segments: Array(segments.dropFirst()))
        default:
            return notFound(who)
        }
    }

    // MARK: - Responses

    func text(_ status: Int, _ body: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", text: body, headers: headers)
    }

    func html(_ p: (Int, String, [(String, String)])) -> HTTPResponse {
        HTTPResponse(status: p.0, contentType: "text/html; charset=utf-8", text: p.1, headers: p.2)
    }

    func notFound(_ who: Caller) -> HTTPResponse {
        html(page(PageText.vi("web.t.not_found"), PageText.en("web.t.not_found"), user: who.name, role: who.user?.role.rawValue, status: 404,
                  body: "<p>\(PageText.html("web.t.there_no_such_page"))</p><p><a href=\"/\">\(PageText.html("web.t.status_board"))</a></p>"))
    }

    /// Logs, audits and shows a refusal.
    func refusePage(_ r: HTTPRequest, _ who: Caller, status: Int, action: String, reason: String, incident: Int64?) async -> HTTPResponse {
        await audit(who, action: action, allowed: false, status: status, reason: reason, incident: incident)
        return html(page(PageText.vi("web.t.refused"), PageText.en("web.t.refused"), user: who.name, role: who.user?.role.rawValue, status: status,
                         body: "<div class=\"card error\"><p><strong>\(status)</strong> — \(esc(reason))</p></div><p><a href=\"/\">\(PageText.html("web.t.status_board"))</a></p>"))
    }

    /// Whether a row for an unauthenticated request may be written now (see `AnonymousWriteBudget`).
    func anonymousRowAllowed() async -> Bool {
        if case .skip = await anonymousWrites.take(now: clock.now(), perMinute: settings.anonymousRowsPerMinute) { return false }
        return true
    }

    /// Writes the audit row (and log line); false when the anonymous budget left it out.
    @discardableResult
    func audit(_ who: Caller, action: String, allowed: Bool, status: Int, reason: String, incident: Int64?) async -> Bool {
        if who.user == nil {
            // Unauthenticated: at most `anonymousRowsPerMinute` rows (and log lines) a minute.
            switch await anonymousWrites.take(now: clock.now(), perMinute: settings.anonymousRowsPerMinute) {
            case .skip: return false
            case .write(let left) where left > 0:
                logger.warning("web refusals not recorded one by one", [("count", String(left)), ("limit_per_minute", String(settings.anonymousRowsPerMinute))])
                try? await store.audit(WebAuditEntry(at: clock.now(), address: "-", user: nil, action: "unauthenticated requests", allowed: false, status: 429,
                                                     reason: "\(left) refusals in the previous minute were not recorded one by one (limit \(settings.anonymousRowsPerMinute) a minute)",
                                                     incidentID: nil))
            case .write: break
            }
        }
        let fields: [(String, String)] = [("user", who.name ?? "-"), ("address", who.address), ("action", action), ("status", String(status)),
                                          ("reason", reason)] + (incident.map { [("incident", String($0))] } ?? [])
        if allowed { logger.notice("web action", fields) } else { logger.warning("web refusal", fields) }
        do {
            try await store.audit(WebAuditEntry(at: clock.now(), address: who.address, user: who.name, action: action, allowed: allowed,
                                                status: status, reason: reason, incidentID: incident))
        } catch {
            logger.error("cannot write web audit entry", [("error", error.description)])
        }
        return true
    }

    // MARK: - Data

    func checkStates() async -> [StoredCheckState] {
        let now = clock.now()
        if let (at, states) = boardCache.withLock({ $0 }), now - at < Seconds(milliseconds: 1000), now >= at { return states }
        let states = (try? await reader.checkStates()) ?? []
        boardCache.withLock { $0 = (now, states) }
        return states
    }

    func zone(forSite site: String) -> ZoneOffset { configuration.site(site)?.zone ?? configuration.sites.first?.zone ?? .hoChiMinh }

    func checkName(site: String, check: String) -> String { configuration.site(site)?.check(check)?.name ?? check }

    func category(site: String, check: String) -> IncidentCategory { configuration.site(site)?.check(check)?.category ?? .technical }
}

// The JSON API (documented in docs/api.md): the same data as the pages — checks, incidents,
// timelines — and acknowledge / resolve / note with a per-user bearer token and the same role
// rules. Errors are `{"error": "...", "reason": "..."}` with the HTTP status.
import WatchpostCore
import WatchpostStore
import HTTPServer

struct APICheck: Codable, Sendable {
    var site: String
    var check: String
    var name: String
    var kind: String
    var status: String
    var hard: Bool
    var since: String
    var lastRun: String
    var summary: String
    var durationMs: Int64?
    var measurements: [APIMeasurement]
}

struct APIMeasurement: Codable, Sendable {
    var name: String
    var value: Double
    var unit: String
}

struct APIIncident: Codable, Sendable {
    var id: Int64
    var site: String
    var check: String
    var checkName: String
    var category: String
    var severity: String
    var state: String
    var summary: String
    var openedAt: String
    var since: String
    var resolvedAt: String?
    var level: Int
    var acknowledgedBy: String?
    var acknowledgedVia: String?
    var acknowledgedAt: String?
    var acknowledgementNote: String?

    init(_ i: IncidentView) {
        id = i.id; site = i.site; check = i.check; checkName = i.checkName; category = i.category.rawValue
        severity = i.severity.description; state = i.state; summary = i.summary; openedAt = i.openedAt.description
        since = i.since.description; resolvedAt = i.resolvedAt?.description; level = i.level; acknowledgedBy = i.acknowledgedBy
        acknowledgedVia = i.acknowledgedVia; acknowledgedAt = i.acknowledgedAt?.description; acknowledgementNote = i.acknowledgementNote
    }
}

struct APITimelineItem: Codable, Sendable {
    var at: String
    var kind: String
    var actor: String
    var text: String
}

struct APIError: Codable, Sendable {
    var error: String
    var reason: String
}

struct APIMe: Codable, Sendable {
    var login: String
    var name: String
    var role: String
}

extension WebApp {
    func json<T: Encodable>(_ status: Int, _ value: T) -> HTTPResponse {
        let data = (try? JSONCoding.encode(value, options: [.snakeCaseKeys])) ?? Array("{}".utf8)
        return HTTPResponse(status: status, headers: [("Content-Type", "application/json; charset=utf-8")], body: data + [10])
    }

    func apiError(_ status: Int, _ error: String, _ reason: String, headers: [(String, String)] = []) -> HTTPResponse {
        var r = json(status, APIError(error: error, reason: reason))
        r.headers += headers
        return r
    }

    func api(_ r: HTTPRequest, segments: [String], caller who: Caller) async -> HTTPResponse {
        guard segments.first == "v1" else { return apiError(404, "not-found", "the API lives under /api/v1/") }
        let s = Array(segments.dropFirst())
        let method = r.method.uppercased()
        guard who.viaToken, let user = who.user else {
            await audit(who, action: "\(method) \(r.path)", allowed: false, status: 401, reason: "API call without a valid bearer token", incident: nil)
            return apiError(401, "unauthorized", "send 'Authorization: Bearer <token>' with a token from 'watchpost user token LOGIN'",
                            headers: [("WWW-Authenticate", "Bearer")])
        }
        switch (method, s.count, s.first) {
        case ("GET", 1, "me"):
            return json(200, APIMe(login: user.login, name: user.displayName, role: user.role.rawValue))
        case ("GET", 1, "plays"):
            return await apiPlays(r, user: user, caller: who)
        case ("GET", 2, "registers"):
            return await apiRegister(r, name: s[1])
        case ("GET", 1, "summary"):
            return await apiSummary(r, who)
        case ("GET", 1, "checks"):
            return await cached(apiChecksCache) { await apiChecks() }
        case ("GET", 1, "incidents"):
            guard let desk else { return apiError(503, "unavailable", "the incident engine is not connected") }
            let limit: Int
            switch QueryParameters.integer(r.query, "limit", in: 1...1000, default: 200) {
            case .success(let n): limit = n
            case .failure(let refusal): return apiError(400, "bad-request", refusal.reason)
            }
            let state: String?
            switch QueryParameters.oneOf(r.query, "state", ["open", "triggered", "acknowledged", "resolved"]) {
            case .success(let s): state = s
            case .failure(let refusal): return apiError(400, "bad-request", refusal.reason)
            }
            do {
                var list = try await desk.incidents(limit: limit)
                if let state {
                    list = list.filter { state == "open" ? $0.isOpen : $0.state == state }
                }
                return json(200, list.map(APIIncident.init))
            } catch { return apiError(500, "server-error", error.message) }
        case ("GET", 2, "incidents"):
            guard let desk else { return apiError(503, "unavailable", "the incident engine is not connected") }
            guard let id = Int64(s[1]) else { return apiError(404, "not-found", "no incident '\(s[1])'") }
            do {
                guard let i = try await desk.incident(id) else { return apiError(404, "not-found", "no incident \(id)") }
                return json(200, APIIncident(i))
            } catch { return apiError(500, "server-error", error.message) }
        case ("GET", 3, "incidents") where s[2] == "timeline":
            guard let desk else { return apiError(503, "unavailable", "the incident engine is not connected") }
            guard let id = Int64(s[1]) else { return apiError(404, "not-found", "no incident '\(s[1])'") }
            do {
                guard try await desk.incident(id) != nil else { return apiError(404, "not-found", "no incident \(id)") }
                let items = try await desk.timeline(id)
                return json(200, items.map { APITimelineItem(at: $0.at.description, kind: $0.kind, actor: $0.actor, text: $0.text) })
            } catch { return apiError(500, "server-error", error.message) }
        case ("POST", 3, "incidents"):
            return await apiAction(r, who, user: user, idText: s[1], action: s[2])
        default:
            return apiError(404, "not-found", "no endpoint \(method) \(r.path); see docs/api.md")
        }
    }

    func apiChecks() async -> HTTPResponse {
        let states = await checkStates()
        return json(200, states.map { st in
            APICheck(site: st.site, check: st.checkID, name: checkName(site: st.site, check: st.checkID), kind: st.kind,
                     status: st.status.description, hard: st.hard, since: st.since.description, lastRun: st.last.description,
                     summary: st.summary, durationMs: st.result?.duration.milliseconds,
                     measurements: (st.result?.measurements ?? []).map { APIMeasurement(name: $0.name, value: $0.value, unit: $0.unit) })
        })
    }

    func apiAction(_ r: HTTPRequest, _ who: Caller, user: WebUser, idText: String, action: String) async -> HTTPResponse {
        guard let desk else { return apiError(503, "unavailable", "the incident engine is not connected") }
        let act: WebAction
        switch action {
        case "ack", "acknowledge": act = .acknowledge
        case "resolve": act = .resolve
        case "notes", "note": act = .note
        default: return apiError(404, "not-found", "no action '\(action)'; use ack, resolve or notes")
        }
        guard let id = Int64(idText) else { return apiError(404, "not-found", "no incident '\(idText)'") }
        // The body is JSON `{"note": "..."}` (or empty).
        var note: String?
        if !r.body.isEmpty {
            struct Body: Decodable { var note: String? }
            guard let b = try? JSONCoding.decode(Body.self, from: r.body) else {
                return apiError(400, "bad-request", "the body must be JSON like {\"note\": \"text\"}")
            }
            note = b.note.map { String(FreeText.clean($0).trimmingWhitespace().prefix(2000)) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let incident: IncidentView?
        do { incident = try await desk.incident(id) } catch { return apiError(500, "server-error", error.message) }
        guard let i = incident else { return apiError(404, "not-found", "no incident \(id)") }
        let d = AccessPolicy.decide(user.role, act, category: i.category)
        guard d.allowed else {
            await audit(who, action: "api \(act.rawValue) incident \(id)", allowed: false, status: 403, reason: d.reason, incident: id)
            return apiError(403, "forbidden", d.reason)
        }
        let actor = IncidentActor(name: user.login, via: "api", address: who.address, roles: [user.role.party])
        do {
            switch act {
            case .acknowledge: _ = try await desk.acknowledge(id, by: actor, note: note)
            case .resolve: _ = try await desk.resolve(id, by: actor, note: note)
            default:
                guard let note else { return apiError(400, "bad-request", "a note needs {\"note\": \"text\"}") }
                try await desk.addNote(id, by: actor, text: note)
            }
            await audit(who, action: "api \(act.rawValue) incident \(id)", allowed: true, status: 200, reason: "done", incident: id)
            guard let after = try await desk.incident(id) else { return apiError(404, "not-found", "no incident \(id)") }
            return json(200, APIIncident(after))
        } catch {
            if error.code == .usage || error.code == .notFound {
                await audit(who, action: "api \(act.rawValue) incident \(id)", allowed: false, status: 409, reason: error.message, incident: id)
                return apiError(409, "conflict", error.message)
            }
            return apiError(500, "server-error", error.message)
        }
    }
}

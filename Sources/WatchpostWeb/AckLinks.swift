// One-click acknowledgement links from the notification emails: `/ack/<token>`.
// GET only shows a confirmation page (mail scanners and link previews fetch links; a GET must
// never change anything). POST acknowledges, recording the recipient the link was made for,
// when, from which address, and an optional note. A forged, expired, already-used or
// wrong-incident link gets a clear page with a 4xx status, changes nothing, and is written to the
// incident's timeline (when the incident can be named) and to the audit log.
import WatchpostCore
import WatchpostStore
import WatchpostAuth
import HTTPServer

enum LinkRefusal: Error, Sendable {
    case malformed, forged, expired(Instant), used(AckLinkUse), unknownIncident(Int64), notIssuedFor(Int64), resolved(Int64),
         noKey, noEngine, csrf, wrongIncident(Int64), notAllowed(String, String)

    var status: Int {
        switch self {
        case .malformed: return 400
        case .forged, .notIssuedFor, .csrf, .notAllowed: return 403
        case .expired: return 410
        case .used, .resolved, .wrongIncident: return 409
        case .unknownIncident: return 404
        case .noKey, .noEngine: return 503
        }
    }

    func explanation(_ zone: ZoneOffset) -> (String, String) {
        switch self {
        case .malformed: return (PageText.vi("web.t.link_damaged_incomplete_open"), PageText.en("web.t.link_damaged_incomplete_open"))
        case .forged: return (PageText.vi("web.t.link_s_signature_not"), PageText.en("web.t.link_s_signature_not"))
        case .expired(let t): return (PageText.vi("web.t.link_expired_acknowledge_from", ["at": .text("\(shortTime(t, zone))")]), PageText.en("web.t.link_expired_acknowledge_from", ["at": .text("\(shortTime(t, zone))")]))
        case .used(let u): return (PageText.vi("web.link.used", ["at": .text(shortTime(u.used, zone)), "recipient": .text(u.recipient)]),
                                   PageText.en("web.link.used", ["at": .text(shortTime(u.used, zone)), "recipient": .text(u.recipient)]))
        case .unknownIncident(let id): return (PageText.vi("web.t.there_no_incident", ["id": .text("\(id)")]), PageText.en("web.t.there_no_incident", ["id": .text("\(id)")]))
        case .notIssuedFor(let id): return (PageText.vi("web.t.link_was_not_issued", ["id": .text("\(id)")]), PageText.en("web.t.link_was_not_issued", ["id": .text("\(id)")]))
        case .wrongIncident(let id): return (PageText.vi("web.t.link_belongs_different_incident", ["id": .text("\(id)")]), PageText.en("web.t.link_belongs_different_incident", ["id": .text("\(id)")]))
        case .resolved(let id): return (PageText.vi("web.t.incident_already_resolved_nothing", ["id": .text("\(id)")]), PageText.en("web.t.incident_already_resolved_nothing", ["id": .text("\(id)")]))
        case .noKey: return (PageText.vi("web.t.server_has_no_link"), PageText.en("web.t.server_has_no_link"))
        case .noEngine: return (PageText.vi("web.t.incident_engine_not_available"), PageText.en("web.t.incident_engine_not_available"))
        case .csrf: return (PageText.vi("web.t.form_expired_lacks_its"), PageText.en("web.t.form_expired_lacks_its"))
        case .notAllowed(let vi, let en): return (vi, en)
        }
    }

    var code: String {
        switch self {
        case .malformed: return "malformed"
        case .forged: return "forged"
        case .expired: return "expired"
        case .used: return "already-used"
        case .unknownIncident: return "unknown-incident"
        case .notIssuedFor: return "not-issued-for-incident"
        case .wrongIncident: return "wrong-incident"
        case .resolved: return "resolved"
        case .noKey: return "no-key"
        case .noEngine: return "no-engine"
        case .csrf: return "csrf"
        case .notAllowed: return "not-allowed"
        }
    }
}

extension WebApp {
    /// Decodes the token's incident id without trusting it (for the timeline of a refusal).
    func unverifiedIncident(_ token: String) -> Int64? {
        let parts = token.split(separator: ".")
        guard parts.count == 3, let p = Base64URL.decode(String(parts[1])) else { return nil }
        return String(decoding: p, as: UTF8.self).split(separator: "|").first.flatMap { Int64($0) }
    }

    func linkRefused(_ r: HTTPRequest, status: Int, reason: LinkRefusal, token: String?, recipient: String? = nil) async -> HTTPResponse {
        let address = clientAddress(r)
        let incident: Int64? = {
            switch reason {
            case .used(let u): return u.incidentID
            case .unknownIncident, .noKey, .noEngine: return nil
            case .notIssuedFor(let id), .resolved(let id): return id
            default: return token.flatMap(unverifiedIncident)
            }
        }()
        let z = zone(forSite: "")
        let (vi, en) = reason.explanation(z)
        let who = recipient ?? "unknown"
        let audited = await audit(Caller(user: nil, session: nil, viaToken: false, address: address), action: "\(r.method) ack link (\(who))", allowed: false,
                                  status: reason.status, reason: "\(reason.code): \(en)", incident: incident)
        // The timeline row counts against the same anonymous budget as the audit row.
        if audited, let incident, let desk, (try? await desk.incident(incident)) != nil, await anonymousRowAllowed() {
            await desk.recordRefusal(incident, by: IncidentActor(name: who, via: "link", address: address),
                                     reason: Message(r.method == "POST" ? "web.link.refused.ack" : "web.link.refused.open",
                                                     ["reason": .bilingual(vi: vi, en: en)]))
        }
        let body = """
        <div class="card error"><p><strong>\(esc(vi))</strong></p><p lang="en">\(esc(en))</p></div>
        <p>\(PageText.html("web.t.you_can_acknowledge_replying"))</p>
        <p><a href="/login">\(PageText.html("web.t.log_in"))</a></p>
        """
        return html(page(PageText.vi("web.t.cannot_acknowledge"), PageText.en("web.t.cannot_acknowledge"), user: nil, status: reason.status, body: body))
    }

    /// Verifies signature and expiry, then the incident and the one-use rule.
    func checkLink(_ r: HTTPRequest, _ token: String) async -> Result<(AckToken, IncidentView), LinkRefusal> {
        guard let key = linkKey, !key.isEmpty else { return .failure(.noKey) }
        let t: AckToken
        do { t = try AckToken.verify(token, keys: [key] + previousLinkKeys, now: clock.now()) } catch {
            switch error {
            case .malformed: return .failure(.malformed)
            case .forged: return .failure(.forged)
            case .expired(let at): return .failure(.expired(at))
            }
        }
        if let used = try? await store.ackLinkUse(fingerprint: AckToken.fingerprint(token)) { return .failure(.used(used)) }
        guard let desk else { return .failure(.noEngine) }
        guard let incident = try? await desk.incident(t.incidentID) else { return .failure(.unknownIncident(t.incidentID)) }
        // A link is honoured only for someone the incident was actually sent to.
        if !incident.notified.isEmpty, !incident.notified.contains(where: { $0.lowercased() == t.recipient.lowercased() }) {
            return .failure(.notIssuedFor(t.incidentID))
        }
        if !incident.isOpen { return .failure(.resolved(t.incidentID)) }
        // The one acknowledgement policy, as on the pages, in replies and on the command line:
        // being notified is not enough (the Committee is informed but cannot silence a chain).
        let d = IncidentPolicy.decide(linkRoles(t.recipient, incident: incident), .acknowledge, category: incident.category)
        if !d.allowed { return .failure(.notAllowed(d.reason, d.reasonEnglish)) }
        return .success((t, incident))
    }

    func ackLinkGet(_ r: HTTPRequest, token: String) async -> HTTPResponse {
        switch await checkLink(r, token) {
        case .failure(let why): return await linkRefused(r, status: why.status, reason: why, token: token)
        case .success(let (t, i)):
            let z = zone(forSite: i.site)
            let (csrf, setCookie) = formToken(r)
            var body = """
            <div class="card"><p>\(incidentBadge(i)) <span class="badge \(statusClass(i.severity))">\(esc(i.severity.vietnamese)) / \(i.severity)</span></p>
            <p><strong>\(PageText.html("web.link.incident", ["id": "\(i.id)"]))</strong>: \(esc(i.checkName)) <span class="muted">(\(esc(i.site))/\(esc(i.check)))</span></p>
            <p>\(esc(i.summary(.vi, zone: z)))</p><p class="muted" lang="en">\(esc(i.summary(.en, zone: z)))</p>
            <p class="muted">\(esc(i.category.vietnamese)) · \(PageText.html("web.incident.since", ["since": shortTime(i.since, z)])) · \(levelHTML(t.level))</p></div>
            """
            if let by = i.acknowledgedBy {
                body += "<p class=\"card notice\">\(PageText.html("web.t.already_acknowledged")) <strong>\(esc(by))</strong> \(i.acknowledgedAt.map { shortTime($0, z) } ?? "").</p>"
            }
            body += """
            <form method="post" action="/ack/\(esc(token))" class="card">
            <input type="hidden" name="csrf" value="\(esc(csrf))"><input type="hidden" name="incident" value="\(i.id)">
            <p>\(PageText.html("web.t.acknowledge_as")) <strong>\(esc(t.recipient))</strong></p>
            <label for="note">\(PageText.html("web.t.note_optional"))</label><textarea id="note" name="note" rows="3" maxlength="2000"></textarea>
            <p><button type="submit" id="confirm">\(PageText.html("web.t.acknowledge_2"))</button></p>
            </form>
            <p class="muted">\(PageText.html("web.t.opening_link_changes_nothing"))</p>
            """
            return html(page(PageText.vi("web.t.acknowledge_incident"), PageText.en("web.t.acknowledge_incident"), user: nil, body: body, headers: [setCookie]))
        }
    }

    func ackLinkPost(_ r: HTTPRequest, token: String) async -> HTTPResponse {
        let form = parseForm(r.body)
        let checked = await checkLink(r, token)
        guard case .success(let (t, i)) = checked else {
            if case .failure(let why) = checked { return await linkRefused(r, status: why.status, reason: why, token: token) }
            return await linkRefused(r, status: 400, reason: .malformed, token: token)
        }
        guard formTokenValid(r, form) else { return await linkRefused(r, status: 403, reason: .csrf, token: token, recipient: t.recipient) }
        if let posted = form["incident"], posted != String(t.incidentID) {
            return await linkRefused(r, status: 409, reason: .wrongIncident(Int64(posted) ?? -1), token: token, recipient: t.recipient)
        }
        guard let desk else { return await linkRefused(r, status: 503, reason: .noEngine, token: token) }
        let address = clientAddress(r)
        // Control characters stripped (FreeText says why strip, not refuse, for a note).
        let note = form["note"].map { FreeText.clean($0).trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : String($0.prefix(2000)) }
        let use = AckLinkUse(fingerprint: AckToken.fingerprint(token), incidentID: t.incidentID, recipient: t.recipient, level: t.level,
                             used: clock.now(), address: address, note: note)
        // Claim first: of two simultaneous posts, only one acknowledges.
        guard (try? await store.claimAckLink(use)) == true else {
            let used = (try? await store.ackLinkUse(fingerprint: use.fingerprint)) ?? use
            return await linkRefused(r, status: 409, reason: .used(used), token: token, recipient: t.recipient)
        }
        let z = zone(forSite: i.site)
        do throws(WatchpostError) {
            let party = configuration.contacts.party(t.recipient)
            // A person's name when the address is a person's; an organisation's duty address stays as it is.
            let name = party.flatMap { $0.name != $0.organisation ? $0.name : nil } ?? t.recipient
            let after = try await desk.acknowledge(t.incidentID, by: IncidentActor(name: name, via: "link", address: address,
                                                                                   organisation: party?.organisation), note: note)
            await audit(Caller(user: nil, session: nil, viaToken: false, address: address), action: "acknowledge incident \(t.incidentID) by link (\(t.recipient))",
                        allowed: true, status: 200, reason: "done", incident: t.incidentID)
            let body = """
            <div class="card notice"><p><strong>\(esc(PageText.vi("web.link.acknowledged", ["id": .int(after.id), "recipient": .text(t.recipient), "at": .text(shortTime(use.used, z))])))</strong></p><p>\(esc(PageText.en("web.link.acknowledged", ["id": .int(after.id), "recipient": .text(t.recipient), "at": .text(shortTime(use.used, z))])))</p>
            \(note.map { "<p>\(PageText.html("web.link.note", ["note": esc($0)]))</p>" } ?? "")</div>
            <p>\(PageText.html("web.t.escalation_stops_everyone_notified"))</p>
            <p><a href="/incidents/\(after.id)">\(PageText.html("web.t.view_incident_log"))</a></p>
            """
            return html(page(PageText.vi("web.t.acknowledged"), PageText.en("web.t.acknowledged"), user: nil, body: body))
        } catch {
            try? await store.releaseAckLink(fingerprint: use.fingerprint)
            if error.code == .usage || error.code == .notFound {
                return await linkRefused(r, status: 409, reason: .resolved(t.incidentID), token: token, recipient: t.recipient)
            }
            logger.error("acknowledgement by link failed", [("incident", String(t.incidentID)), ("error", error.description)])
            return html(page(PageText.vi("web.t.server_error"), PageText.en("web.t.server_error"), user: nil, status: 500,
                             body: "<div class=\"card error\"><p>\(PageText.html("web.t.not_recorded_try_again"))</p><p>\(esc(error.message))</p></div>"))
        }
    }
}

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
        case .malformed: return ("Liên kết bị hỏng hoặc không đầy đủ.", "The link is damaged or incomplete; open it from the email again, without line breaks.")
        case .forged: return ("Liên kết không hợp lệ (chữ ký sai — có thể bị giả mạo hoặc sửa đổi).", "The link's signature is not valid: it was forged or altered.")
        case .expired(let t): return ("Liên kết đã hết hạn lúc \(shortTime(t, zone)).", "The link expired at \(shortTime(t, zone)). Acknowledge from the incident page or reply to the email.")
        case .used(let u): return ("Liên kết này đã được sử dụng lúc \(shortTime(u.used, zone)).", "This link was already used at \(shortTime(u.used, zone)) (by \(u.recipient)); a link works once.")
        case .unknownIncident(let id): return ("Không có sự cố #\(id).", "There is no incident #\(id).")
        case .notIssuedFor(let id): return ("Liên kết này không được cấp cho sự cố #\(id).", "This link was not issued for incident #\(id).")
        case .wrongIncident(let id): return ("Liên kết không thuộc sự cố #\(id).", "The link belongs to a different incident than #\(id).")
        case .resolved(let id): return ("Sự cố #\(id) đã được khắc phục, không cần tiếp nhận.", "Incident #\(id) is already resolved; nothing to acknowledge.")
        case .noKey: return ("Máy chủ chưa cấu hình khóa ký liên kết.", "The server has no link-signing key (web.link_key).")
        case .noEngine: return ("Bộ xử lý sự cố chưa sẵn sàng.", "The incident engine is not available; try again shortly.")
        case .csrf: return ("Biểu mẫu đã hết hạn.", "The form expired or lacks its CSRF token; open the link again.")
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
                                     reason: "\(r.method == "POST" ? "acknowledgement" : "link opened") refused (\(reason.code)): \(en)")
        }
        let body = """
        <div class="card error"><p><strong>\(esc(vi))</strong></p><p>\(esc(en))</p></div>
        <p>Có thể tiếp nhận bằng cách trả lời email, hoặc đăng nhập để xem sự cố. / You can acknowledge by replying to the email, or log in to see the incident.</p>
        <p><a href="/login">Đăng nhập / Log in</a></p>
        """
        return html(page("Không thể tiếp nhận", "Cannot acknowledge", user: nil, status: reason.status, body: body))
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
            <p><strong>Sự cố / Incident #\(i.id)</strong>: \(esc(i.checkName)) <span class="muted">(\(esc(i.site))/\(esc(i.check)))</span></p>
            <p>\(esc(i.summary(.vi, zone: z)))</p><p class="muted" lang="en">\(esc(i.summary(.en, zone: z)))</p>
            <p class="muted">\(esc(i.category.vietnamese)) · từ / since \(shortTime(i.since, z)) · cấp / level \(t.level)</p></div>
            """
            if let by = i.acknowledgedBy {
                body += "<p class=\"card notice\">Sự cố đã được tiếp nhận bởi / already acknowledged by <strong>\(esc(by))</strong> \(i.acknowledgedAt.map { shortTime($0, z) } ?? "").</p>"
            }
            body += """
            <form method="post" action="/ack/\(esc(token))" class="card">
            <input type="hidden" name="csrf" value="\(esc(csrf))"><input type="hidden" name="incident" value="\(i.id)">
            <p>Tiếp nhận với tư cách / Acknowledge as: <strong>\(esc(t.recipient))</strong></p>
            <label for="note">Ghi chú (không bắt buộc) / Note (optional)</label><textarea id="note" name="note" rows="3" maxlength="2000"></textarea>
            <p><button type="submit" id="confirm">Tiếp nhận sự cố / Acknowledge</button></p>
            </form>
            <p class="muted">Mở liên kết không thay đổi gì; chỉ nút trên mới tiếp nhận. / Opening the link changes nothing; only the button acknowledges.</p>
            """
            return html(page("Tiếp nhận sự cố", "Acknowledge incident", user: nil, body: body, headers: [setCookie]))
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
        let note = form["note"].map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : String($0.prefix(2000)) }
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
            <div class="card notice"><p><strong>Đã tiếp nhận sự cố #\(after.id).</strong></p><p>Acknowledged incident #\(after.id) as \(esc(t.recipient)) at \(shortTime(use.used, z)).</p>
            \(note.map { "<p>Ghi chú / note: \(esc($0))</p>" } ?? "")</div>
            <p>Chuỗi leo thang dừng lại; những người đã được báo sẽ nhận thông báo. / Escalation stops; everyone notified so far is told.</p>
            <p><a href="/incidents/\(after.id)">Xem sự cố (cần đăng nhập) / View the incident (log in)</a></p>
            """
            return html(page("Đã tiếp nhận", "Acknowledged", user: nil, body: body))
        } catch {
            try? await store.releaseAckLink(fingerprint: use.fingerprint)
            if error.code == .usage || error.code == .notFound {
                return await linkRefused(r, status: 409, reason: .resolved(t.incidentID), token: token, recipient: t.recipient)
            }
            logger.error("acknowledgement by link failed", [("incident", String(t.incidentID)), ("error", error.description)])
            return html(page("Lỗi máy chủ", "Server error", user: nil, status: 500,
                             body: "<div class=\"card error\"><p>Chưa ghi nhận được; hãy thử lại. / Not recorded; try again.</p><p>\(esc(error.message))</p></div>"))
        }
    }
}

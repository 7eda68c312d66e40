// The broadcast log on the web (issue 16): `/plays?day=2026-11-24&item=videos/a.mp4&site=…`, one
// local day at a time, filtered by item, readable on a phone (the table folds into cards), with
// a CSV download (`&format=csv`); and `/api/v1/plays?from=…&to=…&item=…&site=…` for machines.
// Every signed-in role may read it (AccessPolicy `.read`), like the reports: the Department is
// its main reader (Vũng Áng Art. 4.3.c, Tây Trang 7.1.1).
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostBroadcast
import HTTPServer

extension WebApp {
    /// The query's site (default: the only or first configured site).
    func playsSite(_ r: HTTPRequest) -> SiteProfile? {
        if let id = r.query["site"], !id.isEmpty { return configuration.site(id) }
        return configuration.sites.first
    }

    func playsPage(_ r: HTTPRequest, _ who: Caller) async -> HTTPResponse {
        guard let user = who.user else { return notFound(who) }
        let d = AccessPolicy.decide(user.role, .read)
        guard d.allowed else { return await refusePage(r, who, status: 403, action: "view plays", reason: d.reason, incident: nil) }
        guard let site = playsSite(r) else { return notFound(who) }
        let zone = site.zone
        let today = zone.localDate(of: clock.now())
        let dayText = r.query["day"].flatMap { $0.isEmpty ? nil : $0 } ?? today.description
        guard let day = CivilDate(parsing: dayText) else {
            let title = Message("content.plays.error.day_title")
            return html(page(Catalogue.render(title, .vi), Catalogue.render(title, .en), user: who.name, role: user.role.rawValue, status: 400,
                             body: "<p class=\"card error\">\(esc(Catalogue.bilingual(Message("content.plays.error.day", ["day": .text(dayText)]))))</p>"))
        }
        let item = r.query["item"].flatMap { $0.trimmingWhitespace().isEmpty ? nil : $0.trimmingWhitespace() }
        let from = zone.startOf(day), to = from + .hours(24)
        let entries: [BroadcastEntry]
        do { entries = try await reader.broadcastEntries(site: site.id, from: from, to: to, path: item) } catch { return serverError(who, error) }
        if r.query["format"] == "csv" {
            return HTTPResponse(status: 200, contentType: "text/csv; charset=utf-8", text: PlayListing.csv(entries, zone: zone),
                                headers: [("Content-Disposition", "attachment; filename=\"watchpost-plays-\(site.id)-\(day).csv\"")])
        }
        let vi = MessageRenderer(language: .vi, zone: zone), en = MessageRenderer(language: .en, zone: zone)
        func both(_ k: MessageKey) -> String { "\(esc(vi.render(k))) <span class=\"en\">/ \(esc(en.render(k)))</span>" }
        func label(_ k: MessageKey) -> String { esc(Catalogue.bilingual(Message(k))) }
        var body = """
        <form method="get" action="/plays" class="card">
        <input type="hidden" name="site" value="\(esc(site.id))">
        <label for="day">\(both("content.plays.filter.day"))</label><input type="text" id="day" name="day" value="\(esc(day.description))" inputmode="numeric" placeholder="YYYY-MM-DD">
        <label for="item">\(both("content.plays.filter.item"))</label><input type="text" id="item" name="item" value="\(esc(item ?? ""))" placeholder="videos/…">
        <button type="submit">\(both("content.plays.filter.show"))</button>
        <a href="/plays?site=\(urlEncode(site.id))&amp;day=\(esc(day.description))\(item.map { "&amp;item=\(urlEncode($0))" } ?? "")&amp;format=csv">CSV</a>
        <span class="muted"> · <a href="/plays?site=\(urlEncode(site.id))&amp;day=\(day.adding(days: -1))">← \(HumanFormat.date(day.adding(days: -1)))</a> · <a href="/plays?site=\(urlEncode(site.id))&amp;day=\(day.adding(days: 1))">\(HumanFormat.date(day.adding(days: 1))) →</a></span>
        </form>
        <p class="muted">\(esc(site.name)) — \(esc(vi.render(PlayListing.summary(entries)))) / \(esc(en.render(PlayListing.summary(entries))))</p>
        """
        if entries.isEmpty {
            body += "<p class=\"card\">\(both("content.plays.none"))</p>"
        } else {
            body += """
            <table class="checks"><thead><tr><th>\(label("content.plays.col.start"))</th><th>\(label("content.plays.col.end"))</th>
            <th>\(label("content.plays.col.approved"))</th><th>\(label("content.plays.col.item"))</th><th>\(label("content.plays.col.manifest"))</th>
            <th>\(label("content.plays.col.note"))</th></tr></thead><tbody>
            """
            for e in entries {
                let approved: String
                if let i = e.item {
                    let badge = i.approval == .approved ? "ok" : i.approval == .notChecked ? "unk" : "crit"
                    approved = "<span class=\"badge \(badge)\">\(esc(PlayListing.approvalCell(i)))</span>"
                } else {
                    approved = "<span class=\"badge unk\">—</span>"
                }
                var itemCell = "—"
                if let i = e.item {
                    itemCell = "<a href=\"/plays?site=\(urlEncode(site.id))&amp;day=\(esc(day.description))&amp;item=\(urlEncode(i.path))\">\(esc(i.path))</a>"
                    if let t = i.title { itemCell += "<br>\(esc(t))" }
                    var facts: [String] = []
                    // By name, not id: the supplier from the contact book, languages and kind from the catalogue.
                    if let s = i.source { facts.append(configuration.contacts.organisations[s]?.name ?? s) }
                    if !i.languages.isEmpty { facts.append(Names.languages(i.languages, .vi)) }
                    if let k = i.kind { facts.append(Names.contentKind(k, .vi)) }
                    if !facts.isEmpty { itemCell += "<br><span class=\"muted\">\(esc(facts.joined(separator: " · ")))</span>" }
                    if !i.sha256.isEmpty { itemCell += "<br><span class=\"muted\">sha256 \(esc(String(i.sha256.prefix(16))))…</span>" }
                }
                let note = [PlayListing.note(e, .vi, zone: zone), PlayListing.note(e, .en, zone: zone)].filter { !$0.isEmpty }
                body += """
                <tr><td data-l="\(label("content.plays.col.start"))">\(esc(PlayListing.time(e.started, zone: zone)))</td>
                <td data-l="\(label("content.plays.col.end"))">\(esc(PlayListing.time(e.end, zone: zone)))</td>
                <td data-l="\(label("content.plays.col.approved"))">\(approved)</td><td data-l="\(label("content.plays.col.item"))">\(itemCell)</td>
                <td data-l="\(label("content.plays.col.manifest"))">\(esc(e.item.map { PlayListing.manifest($0, .vi, zone: zone) } ?? ""))</td>
                <td data-l="\(label("content.plays.col.note"))">\(esc(Set(note).count == 2 ? note.joined(separator: " / ") : (note.first ?? "")))</td></tr>
                """
            }
            body += "</tbody></table>"
        }
        return html(page(vi.render("content.plays.title"), en.render("content.plays.title"), user: who.name, role: user.role.rawValue, body: body))
    }

    /// `GET /api/v1/plays?site=&from=&to=&item=&limit=&continued=` — the log as JSON (docs/api.md).
    func apiPlays(_ r: HTTPRequest, user: WebUser, caller who: Caller) async -> HTTPResponse {
        let d = AccessPolicy.decide(user.role, .read)
        guard d.allowed else {
            await audit(who, action: "api plays", allowed: false, status: 403, reason: d.reason, incident: nil)
            return apiError(403, "forbidden", d.reason)
        }
        var site: SiteProfile?
        if let id = r.query["site"], !id.isEmpty {
            guard let s = configuration.site(id) else { return apiError(404, "not-found", "no site '\(id)'") }
            site = s
        }
        let zone = site?.zone ?? configuration.sites.first?.zone ?? .hoChiMinh
        let today = zone.startOf(zone.localDate(of: clock.now()))
        func time(_ name: String, _ fallback: Instant, endOfDay: Bool) -> Instant?? {
            guard let text = r.query[name], !text.isEmpty else { return .some(fallback) }
            guard let t = Instant.parse(text, defaultOffset: zone.offsetSeconds) else { return .none }
            return .some(text.count == 10 && endOfDay ? t + .hours(24) : t)
        }
        guard let from = time("from", today, endOfDay: false) ?? nil, let to = time("to", today + .hours(24), endOfDay: true) ?? nil else {
            return apiError(400, "bad-request", "from and to are dates (2026-11-24) or ISO 8601 times")
        }
        guard to > from else { return apiError(400, "bad-request", "to must be after from") }
        let limitText = r.query["limit"].flatMap { $0.isEmpty ? nil : $0 }
        guard let limit = limitText.map({ QueryParameters.wholeNumber($0) }) ?? 10_000, (1...100_000).contains(limit) else {
            return apiError(400, "bad-request", "limit is a number from 1 to 100000")
        }
        // A later page of a listing cut at `limit` (docs/api.md): the rows running at `from`
        // were on the earlier pages.
        let continued: Bool
        switch r.query["continued"] ?? "" {
        case "", "false", "0": continued = false
        case "true", "1": continued = true
        default: return apiError(400, "bad-request", "continued is true or false")
        }
        do {
            // One more than asked: whether the answer was cut (review of #16, session 5: it was cut silently).
            let (entries, nextFrom) = try await reader.broadcastPage(site: site?.id, from: from, to: to, path: r.query["item"].flatMap { $0.isEmpty ? nil : $0 },
                                                                     limit: limit, continued: continued)
            var headers = [("Content-Type", "application/json; charset=utf-8")]
            if let next = nextFrom {
                let nextFrom = next.iso8601(offsetSeconds: 0)
                headers.append(("X-Watchpost-Truncated", "true"))
                headers.append(("X-Watchpost-Next-From", nextFrom))
                // The next page, ready to follow (RFC 8288): the same query, `from` moved on, continued.
                var query = r.query
                query["from"] = nextFrom
                query["continued"] = "true"
                let next = query.sorted { $0.key < $1.key }.map { "\(urlEncode($0.key))=\(urlEncode($0.value))" }.joined(separator: "&")
                headers.append(("Link", "<\(r.path)?\(next)>; rel=\"next\""))
            }
            return HTTPResponse(status: 200, headers: headers, body: PlayListing.json(entries, zone: .utc) + [10])  // docs/api.md: API times are UTC
        } catch { return apiError(500, "server-error", error.message) }
    }
}

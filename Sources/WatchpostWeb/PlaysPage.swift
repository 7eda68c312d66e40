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

/// The day's rows as the plays page shows them: the CSV, or the summary and the table.
struct PlaysRendering: Sendable {
    var csv: String?
    var summary = Message("content.plays.none")
    var table = ""
    /// Where the next page starts; nil: this page ends the day.
    var next: Instant?
    /// Entries on this page.
    var count = 0
    init(csv: String, next: Instant?) { self.csv = csv; self.next = next }
    init(summary: Message, table: String, next: Instant?, count: Int) { self.summary = summary; self.table = table; self.next = next; self.count = count }
}

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
        let csv = r.query["format"] == "csv"
        // A day is read a page at a time, as the API pages (#19 review s10: a day of 208,640 plays
        // was always a 503 at the 15 s deadline, page and CSV): at most `limit` plays (1,000 on
        // the page, 10,000 in a CSV unless asked; at most 10,000), the next page from `from`, the
        // time the page before gave in its link.
        let limit: Int
        switch QueryParameters.integer(r.query, "limit", in: 1...10_000, default: csv ? 10_000 : 1_000) {
        case .success(let n): limit = n
        case .failure: return playsRefused(who, user: user, Message("content.plays.error.limit", ["max": .text("10000")]))
        }
        let pageFrom: Instant
        if let text = r.query["from"] {
            guard let t = Instant.parse(text, defaultOffset: zone.offsetSeconds), t >= from, t < to else {
                return playsRefused(who, user: user, Message("content.plays.error.from", ["day": .text(day.description)]))
            }
            pageFrom = t
        } else {
            pageFrom = from
        }
        let continued = r.query["from"] != nil
        // The page's rows read and rendered (CSV, or the table) on the blocking pool, a few at once (HeavyAnswers.swift).
        let made: PlaysRendering
        switch await heavyRead(who, api: false, action: "view plays", { [self] read in
            let (entries, next) = try read.broadcastPage(site: site.id, from: pageFrom, to: to, path: item, limit: limit, continued: continued)
            if csv { return PlaysRendering(csv: try WebApp.playsCSV(entries, zone: zone, read), next: next) }
            return PlaysRendering(summary: PlayListing.summary(entries), table: try playsTable(entries, site: site, day: day, zone: zone, read),
                                  next: next, count: entries.count)
        }) {
        case .failure(let refused): return refused.response
        case .success(let d): made = d
        }
        // The next page: the same query, `from` moved on.
        let nextLink: String? = made.next.map { next in
            var query = r.query
            query["from"] = next.iso8601(offsetSeconds: 0)
            return "/plays?" + query.sorted { $0.key < $1.key }.map { "\(urlEncode($0.key))=\(urlEncode($0.value))" }.joined(separator: "&")
        }
        if let text = made.csv {
            var headers = [("Content-Disposition", "attachment; filename=\"watchpost-plays-\(site.id)-\(day).csv\"")]
            if let next = made.next, let nextLink {
                headers += [("X-Watchpost-Truncated", "true"), ("X-Watchpost-Next-From", next.iso8601(offsetSeconds: 0)), ("Link", "<\(nextLink)>; rel=\"next\"")]
            }
            return HTTPResponse(status: 200, contentType: "text/csv; charset=utf-8", text: text, headers: headers)
        }
        let vi = MessageRenderer(language: .vi, zone: zone), en = MessageRenderer(language: .en, zone: zone)
        func both(_ k: MessageKey) -> String { "\(esc(vi.render(k))) <span class=\"en\">/ \(esc(en.render(k)))</span>" }
        var body = """
        <form method="get" action="/plays" class="card">
        <input type="hidden" name="site" value="\(esc(site.id))">
        <label for="day">\(both("content.plays.filter.day"))</label><input type="text" id="day" name="day" value="\(esc(day.description))" inputmode="numeric" placeholder="YYYY-MM-DD">
        <label for="item">\(both("content.plays.filter.item"))</label><input type="text" id="item" name="item" value="\(esc(item ?? ""))" placeholder="videos/…">
        <button type="submit">\(both("content.plays.filter.show"))</button>
        <a href="/plays?site=\(urlEncode(site.id))&amp;day=\(esc(day.description))\(item.map { "&amp;item=\(urlEncode($0))" } ?? "")&amp;format=csv">CSV</a>
        <span class="muted"> · <a href="/plays?site=\(urlEncode(site.id))&amp;day=\(day.adding(days: -1))">← \(HumanFormat.date(day.adding(days: -1)))</a> · <a href="/plays?site=\(urlEncode(site.id))&amp;day=\(day.adding(days: 1))">\(HumanFormat.date(day.adding(days: 1))) →</a></span>
        </form>
        <p class="muted">\(esc(site.name)) — \(esc(vi.render(made.summary))) / \(esc(en.render(made.summary)))</p>
        """
        body += made.table
        if let next = made.next, let nextLink {
            let more = Message("content.plays.more", ["count": .int(Int64(made.count)), "time": .text(PlayListing.time(next, zone: zone))])
            body += "<p class=\"card\">\(esc(vi.render(more))) <span class=\"en\">/ \(esc(en.render(more)))</span> <a href=\"\(esc(nextLink))\" rel=\"next\">\(both("content.plays.next_page"))</a></p>"
        }
        return html(page(vi.render("content.plays.title"), en.render("content.plays.title"), user: who.name, role: user.role.rawValue, body: body))
    }

    /// A 400 page saying which value of the plays page's query is wrong and what it may be.
    func playsRefused(_ who: Caller, user: WebUser, _ why: Message) -> HTTPResponse {
        let title = Message("content.plays.error.query_title")
        return html(page(Catalogue.render(title, .vi), Catalogue.render(title, .en), user: who.name, role: user.role.rawValue, status: 400,
                         body: "<p class=\"card error\">\(esc(Catalogue.bilingual(why)))</p>"))
    }

    /// The table of the day's rows (or the line saying there are none), stopping between rows past the deadline.
    func playsTable(_ entries: [BroadcastEntry], site: SiteProfile, day: CivilDate, zone: ZoneOffset, _ read: HeavyRead) throws -> String {
        let vi = MessageRenderer(language: .vi, zone: zone), en = MessageRenderer(language: .en, zone: zone)
        func both(_ k: MessageKey) -> String { "\(esc(vi.render(k))) <span class=\"en\">/ \(esc(en.render(k)))</span>" }
        func label(_ k: MessageKey) -> String { esc(Catalogue.bilingual(Message(k))) }
        var body = ""
        if entries.isEmpty {
            body += "<p class=\"card\">\(both("content.plays.none"))</p>"
        } else {
            body += """
            <table class="checks"><thead><tr><th>\(label("content.plays.col.start"))</th><th>\(label("content.plays.col.end"))</th>
            <th>\(label("content.plays.col.approved"))</th><th>\(label("content.plays.col.item"))</th><th>\(label("content.plays.col.manifest"))</th>
            <th>\(label("content.plays.col.note"))</th></tr></thead><tbody>
            """
            for (n, e) in entries.enumerated() {
                if n % 256 == 0 { try read.checkNotStopped() }
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
        return body
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
        // At most 10,000 rows a page, 1,000 unless asked (#19 review s9: 100,000 rows made a 60 MB
        // answer; measured in bench/hardening/heavy-reads.py): the `next` link pages through the rest.
        guard let limit = limitText.map({ QueryParameters.wholeNumber($0) }) ?? 1_000, (1...10_000).contains(limit) else {
            return apiError(400, "bad-request", "limit is a number from 1 to 10000")
        }
        // A later page of a listing cut at `limit` (docs/api.md): the rows running at `from`
        // were on the earlier pages.
        let continued: Bool
        switch r.query["continued"] ?? "" {
        case "", "false", "0": continued = false
        case "true", "1": continued = true
        default: return apiError(400, "bad-request", "continued is true or false")
        }
        let siteID = site?.id, item = r.query["item"].flatMap { $0.isEmpty ? nil : $0 }
        // The page read and its JSON made on the blocking pool, a few at once (HeavyAnswers.swift).
        switch await heavyRead(who, api: true, action: "api plays", { read in
            let (entries, next) = try read.broadcastPage(site: siteID, from: from, to: to, path: item, limit: limit, continued: continued)
            return (try WebApp.playsJSON(entries, read), next)
        }) {
        case .failure(let refused): return refused.response
        case .success(let (body, nextFrom)):
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
            return HTTPResponse(status: 200, headers: headers, body: body)
        }
    }

    /// `PlayListing.json` of the rows with a newline, byte for byte (docs/api.md: API times are
    /// UTC), one row at a time so that a request past its deadline stops between rows.
    static func playsJSON(_ entries: [BroadcastEntry], _ read: HeavyRead) throws -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (i, e) in entries.enumerated() {
            if i % 256 == 0 { try read.checkNotStopped() }
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += try JSONCoding.encode(PlayRow(e, zone: .utc), options: [.snakeCaseKeys, .unescapedSlashes])
        }
        out += [UInt8(ascii: "]"), 10]
        return out
    }

    /// `PlayListing.csv` of the rows, byte for byte, stopping between rows past the deadline.
    static func playsCSV(_ entries: [BroadcastEntry], zone: ZoneOffset, _ read: HeavyRead) throws -> String {
        var out = PlayListing.csvHeader(withProof: false)
        for (i, e) in entries.enumerated() {
            if i % 256 == 0 { try read.checkNotStopped() }
            out += PlayListing.csvLine(e, zone: zone)
        }
        return out
    }
}

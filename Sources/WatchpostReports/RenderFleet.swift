// The combined board and the consolidated yearly report of the Department's console (issue #17
// point 4, Tây Trang Điều 8.2): every cluster of every box, with the box's contact state, in
// HTML (the board's table and a printable A4 page with the same bar chart as the site report),
// CSV (one row per cluster), text and PDF (cairo and pango, through the watchpost-pdf helper). A box that cannot be
// reached is named as such on every row that uses its last known figures.
import WatchpostCore
import PDFLayout

/// One cluster's row: which box, how fresh, the figures (nil: none for the period).
struct FleetRow {
    var boxID: String
    var boxName: String
    var site: SiteSummary?
    /// When the figures were received (nil for this box's own sites: made now).
    var asOf: Instant?
    /// The box could not be reached at the last attempt: the figures are its last known ones.
    var stale: Bool
}

extension FleetView {
    /// A site's own days when each site follows its calendar (`--period yearly`), else nil.
    func siteDays(_ s: SiteSummary, _ lang: Language) -> String? {
        guard calendar != nil, let a = CivilDate(parsing: s.firstDay), let b = CivilDate(parsing: s.lastDay) else { return nil }
        return Catalogue.render(Message("report.period.site_days", ["first": .text(Fmt.date(a)), "last": .text(Fmt.date(b))]), lang)
    }

    /// The period column of a site's CSV row: its own days under a calendar's report.
    func periodCell(_ s: SiteSummary) -> String { calendar == nil ? period.label : "\(s.firstDay)..\(s.lastDay)" }

    /// The contact line of a remote box, in both languages.
    func contactMessage(_ s: RemoteBoxState) -> Message {
        guard let c = s.contact else { return Message("fleet.box.not_tried") }
        guard let error = c.lastError else { return Message("fleet.box.reachable", ["last": .tableTime(c.lastSuccess ?? c.lastAttempt)]) }
        if let last = c.lastSuccess {
            return Message("fleet.box.unreachable", ["offline": .duration(Seconds(max(0, generatedAt.seconds - last.seconds))), "last": .tableTime(last),
                                                     "attempt": .tableTime(c.lastAttempt), "error": FleetFetch.reason(cached: error)])
        }
        return Message("fleet.box.never", ["attempt": .tableTime(c.lastAttempt), "error": FleetFetch.reason(cached: error)])
    }

    var rows: [FleetRow] {
        var out: [FleetRow] = []
        for s in local?.sites ?? [] {
            out.append(FleetRow(boxID: "", boxName: Catalogue.render(Message("fleet.box.local"), .vi), site: s, asOf: nil, stale: false))
        }
        for r in remotes {
            let stale = r.reach == .unreachable
            if let summary = r.summary, !summary.sites.isEmpty {
                for s in summary.sites { out.append(FleetRow(boxID: r.box.id, boxName: r.box.name, site: s, asOf: r.fetchedAt, stale: stale)) }
            } else {
                out.append(FleetRow(boxID: r.box.id, boxName: r.box.name, site: nil, asOf: nil, stale: stale))
            }
        }
        return out
    }

    /// Every cluster with figures, added up (availability = up / (up + down) over all of them).
    var total: (tally: AvailabilityTally, incidents: IncidentSummary) {
        var t = AvailabilityTally(), i = IncidentSummary()
        for r in rows { if let s = r.site { t = t + s.tally; i = i + (s.incidents ?? IncidentSummary()) } }
        return (t, i)
    }
}

public enum FleetRenderer {
    static func t(_ key: MessageKey, _ lang: Language, _ p: [String: MessageValue] = [:]) -> String { Catalogue.render(Message(key, p), lang) }
    static func th(_ key: MessageKey) -> String { "<th>\(Fmt.html(t(key, .vi)))<small>\(Fmt.html(t(key, .en)))</small></th>" }
    static func both(_ m: Message) -> String { Fmt.html(Catalogue.render(m, .vi)) + "<br><span class=\"note\">" + Fmt.html(Catalogue.render(m, .en)) + "</span>" }

    static func asOfText(_ r: FleetRow, _ v: FleetView, _ lang: Language) -> String {
        guard r.site != nil else { return t("fleet.site.no_figures", lang) }
        let at = r.asOf ?? v.generatedAt
        if r.stale { return t("fleet.site.stale", lang, ["time": .tableTime(at)]) }
        return HumanFormat.tableTime(at, zone: .hoChiMinh)
    }

    /// The board's body (the web page wraps it): boxes and their contact, clusters and their
    /// open incidents.
    public static func boardHTML(_ v: FleetView, reportLink: String) -> String {
        var h = "<p>\(both(Message("fleet.board.intro", ["time": .tableTime(v.generatedAt)])))</p>\n"
        h += "<p><a href=\"\(Fmt.html(reportLink))\">\(Fmt.html(t("fleet.link.report", .vi))) / \(Fmt.html(t("fleet.link.report", .en)))</a></p>\n"
        h += boxesHTML(v)
        h += "<h2>\(Fmt.html(t("fleet.section.sites", .vi)))<small>\(Fmt.html(t("fleet.section.sites", .en)))</small></h2>\n"
        h += "<table class=\"fleet\"><tr>" + ["fleet.col.box", "fleet.col.site", "fleet.col.availability", "fleet.section.open", "fleet.col.as_of"].map { th(MessageKey($0)) }.joined() + "</tr>\n"
        for r in v.rows {
            h += "<tr class=\"\(r.stale ? "stale" : r.site == nil ? "nodata" : "live")\" data-box=\"\(Fmt.html(r.boxID))\"><td>\(Fmt.html(r.boxName))</td>"
            guard let s = r.site else {
                h += "<td colspan=\"3\">\(Fmt.html(t("fleet.site.no_figures", .vi)))<br><span class=\"note\">\(Fmt.html(t("fleet.site.no_figures", .en)))</span></td><td></td></tr>\n"
                continue
            }
            h += "<td>\(Fmt.html(s.name))<br><span class=\"note\">\(Fmt.html(s.nameEnglish)) · \(Fmt.html(s.province))</span></td><td>\(Fmt.percent(s.tally.availability))</td><td>"
            if s.openIncidents.isEmpty { h += Fmt.html(t("fleet.open.none", .vi)) } else {
                h += s.openIncidents.map { i in
                    "#\(i.id) \(Fmt.html(HumanFormat.tableTime(Instant(seconds: i.openedAt), zone: .hoChiMinh))) \(Fmt.html(i.checkName.isEmpty ? i.check : i.checkName)): \(Fmt.html(i.summary)) <span class=\"note\">(\(Fmt.html(i.category)), \(Fmt.html(i.state)))</span>"
                }.joined(separator: "<br>")
            }
            if r.stale, let at = r.asOf { h += "<br><span class=\"note\">\(Fmt.html(Catalogue.bilingual(Message("fleet.open.stale", ["time": .tableTime(at)]))))</span>" }
            h += "</td><td>\(Fmt.html(asOfText(r, v, .vi)))<br><span class=\"note\">\(Fmt.html(asOfText(r, v, .en)))</span></td></tr>\n"
        }
        return h + "</table>\n"
    }

    static func boxesHTML(_ v: FleetView) -> String {
        var h = "<h2>\(Fmt.html(t("fleet.section.boxes", .vi)))<small>\(Fmt.html(t("fleet.section.boxes", .en)))</small></h2>\n"
        if v.remotes.isEmpty { return h + "<p class=\"note\">\(both(Message("fleet.none")))</p>\n" }
        h += "<table class=\"boxes\"><tr>" + th("fleet.col.box") + "<th>URL</th>" + th("fleet.col.state") + th("fleet.col.last_contact") + "</tr>\n"
        for r in v.remotes {
            let last = r.contact?.lastSuccess.map { HumanFormat.tableTime($0, zone: .hoChiMinh) } ?? "—"
            h += "<tr class=\"\(r.reach == .unreachable ? "stale" : "live")\" data-box=\"\(Fmt.html(r.box.id))\"><td>\(Fmt.html(r.box.name))</td><td>\(Fmt.html(r.box.url))</td><td>\(both(v.contactMessage(r)))</td><td>\(last)</td></tr>\n"
        }
        return h + "</table>\n"
    }

    /// The consolidated report as a printable A4 page.
    public static func html(_ v: FleetView) -> String {
        var h = """
        <!DOCTYPE html>
        <html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Fmt.html(t("fleet.report.title", .vi))) — \(Fmt.html(v.period.label))</title>
        <style>\(ReportRenderer.css)
        tr.stale td { background: #fff1e6; }
        </style></head><body>
        <h1>\(Fmt.html(t("fleet.report.title", .vi)))<small>\(Fmt.html(t("fleet.report.title", .en))) — \(Fmt.html(Fmt.periodName(v.period)))</small></h1>
        <p class="meta">\(both(Message("fleet.report.period", ["period": .text(Fmt.periodName(v.period)), "time": .tableTime(v.generatedAt)])))<br>\(both(Message("fleet.report.basis")))</p>

        """
        h += boxesHTML(v)
        h += "<h2>\(Fmt.html(t("fleet.section.sites", .vi)))<small>\(Fmt.html(t("fleet.section.sites", .en)))</small></h2>\n<table><tr>"
        h += ["fleet.col.box", "fleet.col.site", "fleet.col.availability", "fleet.col.scheduled", "fleet.col.down", "fleet.col.no_data", "fleet.col.incidents", "fleet.col.mtta", "fleet.col.mttr", "fleet.col.as_of"].map { th(MessageKey($0)) }.joined() + "</tr>\n"
        for r in v.rows {
            h += "<tr class=\"\(r.stale ? "stale" : "live")\" data-box=\"\(Fmt.html(r.boxID))\"><td>\(Fmt.html(r.boxName))</td>"
            if let s = r.site {
                h += "<td>\(Fmt.html(s.name))<br><span class=\"note\">\(Fmt.html(s.province))\(v.siteDays(s, .vi).map { " · " + Fmt.html($0) } ?? "")</span></td><td>\(Fmt.percent(s.tally.availability))</td><td>\(Fmt.hms(s.tally.scheduled))</td><td>\(Fmt.hms(s.tally.down))</td><td>\(Fmt.hms(s.tally.noData))</td>"
                h += "<td>\(s.incidents.map { "\($0.count) (\($0.stillOpen))" } ?? "—")</td><td>\(Fmt.mean(s.incidents?.mttaSeconds))</td><td>\(Fmt.mean(s.incidents?.mttrSeconds))</td>"
            } else {
                h += "<td colspan=\"8\">\(Fmt.html(t("fleet.site.no_figures", .vi)))</td>"
            }
            h += "<td>\(Fmt.html(asOfText(r, v, .vi)))<br><span class=\"note\">\(Fmt.html(asOfText(r, v, .en)))</span></td></tr>\n"
        }
        let total = v.total
        h += "<tr><td colspan=\"2\"><strong>\(Fmt.html(t("fleet.total", .vi)))</strong><br><span class=\"note\">\(Fmt.html(t("fleet.total", .en)))</span></td><td><strong>\(Fmt.percent(total.tally.availability))</strong></td><td>\(Fmt.hms(total.tally.scheduled))</td><td>\(Fmt.hms(total.tally.down))</td><td>\(Fmt.hms(total.tally.noData))</td><td>\(total.incidents.count) (\(total.incidents.stillOpen))</td><td>\(Fmt.mean(total.incidents.mttaSeconds))</td><td>\(Fmt.mean(total.incidents.mttrSeconds))</td><td></td></tr>\n</table>\n"
        h += "<div class=\"keep\"><h2>\(Fmt.html(t("fleet.section.chart", .vi)))<small>\(Fmt.html(t("fleet.section.chart", .en)))</small></h2>\n"
        h += SVGCanvas.svg(chart(v)) + "</div>\n"
        h += "<footer>Watchpost — \(Fmt.html(t("fleet.report.basis", .vi)))</footer>\n</body></html>\n"
        return h
    }

    static func chart(_ v: FleetView) -> Chart {
        Charts.bars(v.rows.compactMap { r in r.site.map { ("\(r.boxID.isEmpty ? "" : r.boxID + "/")\($0.id)", $0.tally.availability) } }, caption: "")
    }

    /// One row per cluster; seconds as integers, percentages with a dot (spreadsheets), the
    /// contact state in both languages.
    public static func csv(_ v: FleetView) -> String {
        var o = ["box,box_name,site,site_name,province,period,availability,scheduled_s,up_s,down_s,unknown_s,no_data_s,outages,incidents,incidents_open,mtta_s,mttr_s,figures_as_of,box_reachable,contact_vi,contact_en"]
        for r in v.rows {
            let state = v.remotes.first { $0.box.id == r.boxID }
            let contact = state.map { v.contactMessage($0) } ?? Message("fleet.box.local")
            var cells = [r.boxID.isEmpty ? "local" : r.boxID, r.boxName]
            if let s = r.site {
                cells += [s.id, s.name, s.province, v.periodCell(s), s.tally.availability.map { Fmt.fixed($0 * 100, digits: 3) } ?? "",
                          String(s.tally.scheduled), String(s.tally.up), String(s.tally.down), String(s.tally.unknown), String(s.tally.noData), String(s.outages),
                          s.incidents.map { String($0.count) } ?? "", s.incidents.map { String($0.stillOpen) } ?? "",
                          s.incidents?.mttaSeconds.map { String(Int64($0)) } ?? "", s.incidents?.mttrSeconds.map { String(Int64($0)) } ?? ""]
            } else {
                cells += ["", "", "", v.period.label] + Array(repeating: "", count: 11)
            }
            cells += [r.site == nil ? "" : HumanFormat.tableTime(r.asOf ?? v.generatedAt, zone: .hoChiMinh), r.stale ? "no" : "yes",
                      Catalogue.render(contact, .vi), Catalogue.render(contact, .en)]
            o.append(cells.map(Fmt.csv).joined(separator: ","))
        }
        return o.joined(separator: "\r\n") + "\r\n"
    }

    /// Plain text, for the terminal and email.
    public static func text(_ v: FleetView) -> String {
        var o = [t("fleet.report.title", .vi) + " — " + Fmt.periodName(v.period), t("fleet.report.title", .en),
                 Catalogue.bilingual(Message("fleet.report.period", ["period": .text(Fmt.periodName(v.period)), "time": .tableTime(v.generatedAt)])), ""]
        o.append(Catalogue.bilingual(Message("fleet.section.boxes")))
        for r in v.remotes { o.append("  \(r.box.name) (\(r.box.url)): " + Catalogue.bilingual(v.contactMessage(r))) }
        o.append("")
        o.append(Catalogue.bilingual(Message("fleet.section.sites")))
        for r in v.rows {
            guard let s = r.site else { o.append("  [\(r.boxName)] " + Catalogue.bilingual(Message("fleet.site.no_figures"))); continue }
            o.append("  [\(r.boxName)] \(s.name)\(v.siteDays(s, .vi).map { " (" + $0 + ")" } ?? ""): \(Fmt.percent(s.tally.availability)), \(t("fleet.col.down", .vi)) \(Fmt.hms(s.tally.down)), \(t("fleet.col.incidents", .vi)) \(s.incidents.map { "\($0.count) (\($0.stillOpen))" } ?? "—"); \(asOfText(r, v, .vi))")
        }
        let total = v.total
        o.append("  " + t("fleet.total", .vi) + ": " + Fmt.percent(total.tally.availability))
        return o.joined(separator: "\n") + "\n"
    }

    /// The A4 PDF (cairo and pango, in the watchpost-pdf helper); returns the number of pages.
    @discardableResult
    public static func pdf(_ v: FleetView, path: String) throws(WatchpostError) -> Int {
        try ReportRenderer.writePDF(path: path, header: t("fleet.report.title", .vi) + " — " + Fmt.periodName(v.period)) { w in
            w.heading(t("fleet.report.title", .vi), translation: t("fleet.report.title", .en) + " — " + Fmt.periodName(v.period), size: 14)
            w.paragraph(Catalogue.render(Message("fleet.report.period", ["period": .text(Fmt.periodName(v.period)), "time": .tableTime(v.generatedAt)]), .vi) + "\n"
                        + t("fleet.report.basis", .vi), size: 9)
            w.heading(t("fleet.section.boxes", .vi), translation: t("fleet.section.boxes", .en))
            if v.remotes.isEmpty { w.paragraph(Catalogue.bilingual(Message("fleet.none"), separator: "\n"), size: 9) } else {
                w.table(header: [cell("fleet.col.box"), Cell("URL"), cell("fleet.col.state")], rows: v.remotes.map { r in
                    [Cell(r.box.name), Cell(r.box.url), Cell(Catalogue.render(v.contactMessage(r), .vi), note: Catalogue.render(v.contactMessage(r), .en))]
                }, widths: [1.2, 2, 4], size: 8)
            }
            w.heading(t("fleet.section.sites", .vi), translation: t("fleet.section.sites", .en))
            var rows = v.rows.map { r -> [Cell] in
                guard let s = r.site else { return [Cell(r.boxName), Cell(t("fleet.site.no_figures", .vi), note: t("fleet.site.no_figures", .en))] + Array(repeating: Cell(""), count: 6) }
                return [Cell(r.boxName), Cell(s.name, note: s.province + (v.siteDays(s, .vi).map { " · " + $0 } ?? "")), Cell(Fmt.percent(s.tally.availability)), Cell(Fmt.hms(s.tally.down)), Cell(Fmt.hms(s.tally.noData)),
                        Cell(s.incidents.map { "\($0.count) (\($0.stillOpen))" } ?? "—"), Cell(Fmt.mean(s.incidents?.mttrSeconds)),
                        Cell(asOfText(r, v, .vi), note: r.stale ? asOfText(r, v, .en) : nil)]
            }
            let total = v.total
            rows.append([Cell(t("fleet.total", .vi), note: t("fleet.total", .en)), Cell(""), Cell(Fmt.percent(total.tally.availability)), Cell(Fmt.hms(total.tally.down)),
                         Cell(Fmt.hms(total.tally.noData)), Cell("\(total.incidents.count) (\(total.incidents.stillOpen))"), Cell(Fmt.mean(total.incidents.mttrSeconds)), Cell("")])
            w.table(header: ["fleet.col.box", "fleet.col.site", "fleet.col.availability", "fleet.col.down", "fleet.col.no_data", "fleet.col.incidents", "fleet.col.mttr", "fleet.col.as_of"].map { cell(MessageKey($0)) },
                    rows: rows, widths: [1.2, 2, 1.1, 1.1, 1.1, 0.9, 1, 2], size: 7.5)
            let c = chart(v)
            w.heading(t("fleet.section.chart", .vi), translation: t("fleet.section.chart", .en), keepWith: min(c.height * 0.73, 400))
            w.drawing(width: c.width, height: c.height, draw: c.draw)
        }
    }

    static func cell(_ key: MessageKey) -> Cell { Cell(t(key, .vi), note: t(key, .en)) }
}

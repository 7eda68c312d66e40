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

    /// The clusters with figures, added up per province (availability = up / (up + down) over
    /// them): a console may read clusters of more than one province, whose figures are not one
    /// province's. In the order the provinces first appear.
    var totals: [(province: String, tally: AvailabilityTally, incidents: IncidentSummary)] {
        var out: [(province: String, tally: AvailabilityTally, incidents: IncidentSummary)] = []
        for r in rows {
            guard let s = r.site else { continue }
            if let k = out.firstIndex(where: { $0.province == s.province }) {
                out[k].tally = out[k].tally + s.tally
                out[k].incidents = out[k].incidents + (s.incidents ?? IncidentSummary())
            } else {
                out.append((s.province, s.tally, s.incidents ?? IncidentSummary()))
            }
        }
        return out
    }

    /// A site's registers as the site report words them (nil: the box sent none).
    func registerRows(_ s: SiteSummary) -> [(key: MessageKey, value: Message)]? {
        guard let f = s.registers else { return nil }
        return RegisterReport(figures: f, operatedOnPlannedDays: s.operatedOnPlannedDays ?? 0, closedPartWay: s.closedPartWay ?? 0).rows
    }
}

public enum FleetRenderer {
    static func t(_ key: MessageKey, _ lang: Language, _ p: [String: MessageValue] = [:]) -> String { Catalogue.render(Message(key, p), lang) }
    /// A column header: Vietnamese, then the English translation on its own line (they ran
    /// together as "Máy giám sátBox" on /fleet; #17 review s6).
    static func th(_ key: MessageKey) -> String { "<th>\(Fmt.html(t(key, .vi)))<br><small>\(Fmt.html(t(key, .en)))</small></th>" }
    static func both(_ m: Message) -> String { Fmt.html(Catalogue.render(m, .vi)) + "<br><span class=\"note\">" + Fmt.html(Catalogue.render(m, .en)) + "</span>" }

    static func asOfText(_ r: FleetRow, _ v: FleetView, _ lang: Language) -> String {
        guard r.site != nil else { return t("fleet.site.no_figures", lang) }
        let at = r.asOf ?? v.generatedAt
        if r.stale { return t("fleet.site.stale", lang, ["time": .tableTime(at)]) }
        return HumanFormat.tableTime(at, zone: .hoChiMinh)
    }

    /// The board's body (the web page wraps it): boxes and their contact, clusters and their
    /// open incidents.
    public static func boardHTML(_ v: FleetView, reportLink: String, halfYearLink: String? = nil) -> String {
        var h = "<p>\(both(Message("fleet.board.intro", ["time": .tableTime(v.generatedAt)])))</p>\n"
        h += "<p><a href=\"\(Fmt.html(reportLink))\">\(Fmt.html(t("fleet.link.report", .vi))) / \(Fmt.html(t("fleet.link.report", .en)))</a>"
        if let halfYearLink {
            h += " · <a href=\"\(Fmt.html(halfYearLink))\">\(Fmt.html(t("fleet.link.half_year", .vi))) / \(Fmt.html(t("fleet.link.half_year", .en)))</a>"
        }
        h += "</p>\n"
        h += boxesHTML(v)
        h += heading2("fleet.section.sites")
        h += "<table class=\"fleet\"><tr>" + ["fleet.col.box", "fleet.col.site", "fleet.col.availability", "fleet.section.open", "fleet.col.as_of"].map { th(MessageKey($0)) }.joined() + "</tr>\n"
        for r in v.rows {
            h += "<tr class=\"\(r.stale ? "stale" : r.site == nil ? "nodata" : "live")\" data-box=\"\(Fmt.html(r.boxID))\"><td>\(Fmt.html(r.boxName))</td>"
            guard let s = r.site else {
                h += "<td colspan=\"3\">\(Fmt.html(t("fleet.site.no_figures", .vi)))<br><span class=\"note\">\(Fmt.html(t("fleet.site.no_figures", .en)))</span></td><td></td></tr>\n"
                continue
            }
            h += "<td>\(Fmt.html(s.name))<br><span class=\"note\">\(Fmt.html(s.nameEnglish)) · \(Fmt.html(s.province))\(v.siteDays(s, .vi).map { " · " + Fmt.html($0) } ?? "")</span></td><td>\(Fmt.percent(s.tally.availability))</td><td>"
            if s.openIncidents.isEmpty { h += both(Message("fleet.open.none")) } else {
                let zone = s.zoneOffsetSeconds == ZoneOffset.hoChiMinh.offsetSeconds ? ZoneOffset.hoChiMinh : ZoneOffset(identifier: "UTC", offsetSeconds: s.zoneOffsetSeconds)
                h += s.openIncidents.map { i in
                    "#\(i.id) \(Fmt.html(HumanFormat.tableTime(Instant(seconds: i.openedAt), zone: zone))) \(Fmt.html(i.checkName.isEmpty ? i.check : i.checkName)): "
                        + Fmt.html(openLine(i, .vi, zone)) + "<br><span class=\"note\">" + Fmt.html(openLine(i, .en, zone)) + "</span>"
                }.joined(separator: "<br>")
            }
            if r.stale, let at = r.asOf { h += "<br><span class=\"note\">\(Fmt.html(Catalogue.bilingual(Message("fleet.open.stale", ["time": .tableTime(at)]))))</span>" }
            h += "</td><td>\(asOfHTML(r, v))</td></tr>\n"
        }
        return h + "</table>\n"
    }

    /// An open incident in one language: what is wrong (the box's catalogue message; an older
    /// box's English line as it came), its category, and who took it and when, or that nobody has.
    static func openLine(_ i: OpenIncidentSummary, _ lang: Language, _ zone: ZoneOffset) -> String {
        let what = i.text.map { Catalogue.render($0, lang, zone: zone) } ?? i.summary
        let category = IncidentCategory(rawValue: i.category).map { t(MessageKey("category.\($0.rawValue).short"), lang) } ?? i.category
        let state: String
        if let by = i.acknowledgedBy {
            let who = i.acknowledgedOrganisation.map { "\(by) (\($0))" } ?? by
            state = t("fleet.open.taken", lang, ["by": .text(who), "time": i.acknowledgedAt.map { .tableTime(Instant(seconds: $0)) } ?? .text("—")])
        } else {
            state = t("fleet.open.not_taken", lang)
        }
        return "\(what) (\(category); \(state))"
    }

    /// "Số liệu đến" in the board's cell: the time once for figures made now or just received;
    /// both languages where the words differ (stale, none).
    static func asOfHTML(_ r: FleetRow, _ v: FleetView) -> String {
        let vi = asOfText(r, v, .vi), en = asOfText(r, v, .en)
        return vi == en ? Fmt.html(vi) : "\(Fmt.html(vi))<br><span class=\"note\">\(Fmt.html(en))</span>"
    }

    /// A section heading: Vietnamese, then the English translation on its own line.
    static func heading2(_ key: MessageKey) -> String {
        "<h2>\(Fmt.html(t(key, .vi)))<br><small class=\"en\">\(Fmt.html(t(key, .en)))</small></h2>\n"
    }

    static func boxesHTML(_ v: FleetView) -> String {
        var h = heading2("fleet.section.boxes")
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
        /* Text columns read left to right: the cluster's name, the contact state, the figures' date, the registers. */
        table.sites td:nth-child(2), table.sites td:last-child, table.boxes td, table.registers td { text-align: left; }
        </style></head><body>
        <h1>\(Fmt.html(t("fleet.report.title", .vi)))<small>\(Fmt.html(t("fleet.report.title", .en))) — \(Fmt.html(Fmt.periodName(v.period)))</small></h1>
        <p class="meta">\(both(Message("fleet.report.period", ["period": .text(Fmt.periodName(v.period)), "time": .tableTime(v.generatedAt)])))<br>\(both(Message("fleet.report.basis")))</p>

        """
        h += boxesHTML(v)
        h += "<h2>\(Fmt.html(t("fleet.section.sites", .vi)))<small>\(Fmt.html(t("fleet.section.sites", .en)))</small></h2>\n<table class=\"sites\"><tr>"
        h += ["fleet.col.box", "fleet.col.site", "fleet.col.availability", "fleet.col.scheduled", "fleet.col.down", "fleet.col.no_data", "fleet.col.incidents", "fleet.col.mtta", "fleet.col.mttr", "fleet.col.as_of"].map { th(MessageKey($0)) }.joined() + "</tr>\n"
        for r in v.rows {
            h += "<tr class=\"\(r.stale ? "stale" : "live")\" data-box=\"\(Fmt.html(r.boxID))\"><td>\(Fmt.html(r.boxName))</td>"
            if let s = r.site {
                h += "<td>\(Fmt.html(s.name))<br><span class=\"note\">\(Fmt.html(s.province))\(v.siteDays(s, .vi).map { " · " + Fmt.html($0) } ?? "")</span></td><td>\(Fmt.percent(s.tally.availability))</td><td>\(Fmt.hms(s.tally.scheduled))</td><td>\(Fmt.hms(s.tally.down))</td><td>\(Fmt.hms(s.tally.noData))</td>"
                h += "<td>\(s.incidents.map { "\($0.count) (\($0.stillOpen))" } ?? "—")</td><td>\(Fmt.mean(s.incidents?.mttaSeconds))</td><td>\(Fmt.mean(s.incidents?.mttrSeconds))</td>"
            } else {
                h += "<td colspan=\"8\">\(Fmt.html(t("fleet.site.no_figures", .vi)))</td>"
            }
            h += "<td>\(asOfHTML(r, v))</td></tr>\n"
        }
        for total in v.totals {
            let label = Message("fleet.total", ["province": .text(total.province)])
            h += "<tr><td colspan=\"2\"><strong>\(Fmt.html(Catalogue.render(label, .vi)))</strong><br><span class=\"note\">\(Fmt.html(Catalogue.render(label, .en)))</span></td><td><strong>\(Fmt.percent(total.tally.availability))</strong></td><td>\(Fmt.hms(total.tally.scheduled))</td><td>\(Fmt.hms(total.tally.down))</td><td>\(Fmt.hms(total.tally.noData))</td><td>\(total.incidents.count) (\(total.incidents.stillOpen))</td><td>\(Fmt.mean(total.incidents.mttaSeconds))</td><td>\(Fmt.mean(total.incidents.mttrSeconds))</td><td></td></tr>\n"
        }
        h += "</table>\n"
        h += registersHTML(v)
        h += "<div class=\"keep\"><h2>\(Fmt.html(t("fleet.section.chart", .vi)))<small>\(Fmt.html(t("fleet.section.chart", .en)))</small></h2>\n"
        h += SVGCanvas.svg(chart(v)) + "</div>\n"
        h += "<footer>Watchpost — \(Fmt.html(t("fleet.report.basis", .vi)))</footer>\n</body></html>\n"
        return h
    }

    /// The registers of each cluster (issue #18 point 6), worded as in the site report.
    static func registersHTML(_ v: FleetView) -> String {
        var h = "<div class=\"registers\"><h2>\(Fmt.html(t("report.section.registers", .vi)))<small>\(Fmt.html(t("report.section.registers", .en)))</small></h2>\n"
        for r in v.rows {
            guard let s = r.site else { continue }
            h += "<h3>\(Fmt.html(r.boxName)) — \(Fmt.html(s.name))</h3>\n"
            guard let rows = v.registerRows(s) else { h += "<p class=\"note\">\(both(Message("report.registers.no_data")))</p>\n"; continue }
            h += "<table class=\"registers\">"
            for row in rows {
                h += "<tr><td>\(Fmt.html(t(row.key, .vi)))<br><span class=\"note\">\(Fmt.html(t(row.key, .en)))</span></td>"
                h += "<td>\(Fmt.html(Catalogue.render(row.value, .vi)))<br><span class=\"note\">\(Fmt.html(Catalogue.render(row.value, .en)))</span></td></tr>\n"
            }
            h += "</table>\n"
        }
        return h + "</div>\n"
    }

    static func chart(_ v: FleetView) -> Chart {
        Charts.bars(v.rows.compactMap { r in r.site.map { ("\(r.boxID.isEmpty ? "" : r.boxID + "/")\($0.id)", $0.tally.availability) } }, caption: "")
    }

    /// One row per cluster; seconds as integers, availability as a fraction with a dot (0.962943,
    /// the unit of the site report's CSV), the contact state in both languages, then the
    /// cluster's registers (empty when its box sent none).
    public static func csv(_ v: FleetView) -> String {
        var o = ["box,box_name,site,site_name,province,period,availability,scheduled_s,up_s,down_s,unknown_s,no_data_s,outages,incidents,incidents_open,mtta_s,mttr_s,figures_as_of,box_reachable,contact_vi,contact_en,"
                 + "inspections,surprise_inspections,open_actions,feedback_received,feedback_answered,feedback_open,maintenance_done,proposals_raised,proposals_decided,training_sessions,trainees,loans,planned_days,planned_s,operated_on_planned_days_s"]
        for r in v.rows {
            let state = v.remotes.first { $0.box.id == r.boxID }
            let contact = state.map { v.contactMessage($0) } ?? Message("fleet.box.local")
            var cells = [r.boxID.isEmpty ? "local" : r.boxID, r.boxName]
            if let s = r.site {
                cells += [s.id, s.name, s.province, v.periodCell(s), s.tally.availability.map { Fmt.fixed($0, digits: 6) } ?? "",
                          String(s.tally.scheduled), String(s.tally.up), String(s.tally.down), String(s.tally.unknown), String(s.tally.noData), String(s.outages),
                          s.incidents.map { String($0.count) } ?? "", s.incidents.map { String($0.stillOpen) } ?? "",
                          s.incidents?.mttaSeconds.map { String(Int64($0)) } ?? "", s.incidents?.mttrSeconds.map { String(Int64($0)) } ?? ""]
            } else {
                cells += ["", "", "", v.period.label] + Array(repeating: "", count: 11)
            }
            cells += [r.site == nil ? "" : HumanFormat.tableTime(r.asOf ?? v.generatedAt, zone: .hoChiMinh), r.stale ? "no" : "yes",
                      Catalogue.render(contact, .vi), Catalogue.render(contact, .en)]
            if let f = r.site?.registers {
                cells += [f.inspections, f.surpriseInspections, f.openActions, f.feedbackReceived, f.feedbackAnswered, f.feedbackOpen, f.maintenanceDone,
                          f.proposalsRaised, f.proposalsDecided, f.trainingSessions, f.trainees, f.loans, f.plannedDays].map(String.init)
                    + [String(f.plannedSeconds), String(r.site?.operatedOnPlannedDays ?? 0)]
            } else {
                cells += Array(repeating: "", count: 15)
            }
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
        for total in v.totals {
            o.append("  " + Catalogue.bilingual(Message("fleet.total", ["province": .text(total.province)])) + ": " + Fmt.percent(total.tally.availability))
        }
        o.append("")
        o.append(Catalogue.bilingual(Message("report.section.registers")) + ":")
        for r in v.rows {
            guard let s = r.site else { continue }
            o.append("  [\(r.boxName)] \(s.name):")
            guard let rows = v.registerRows(s) else { o.append("    " + Catalogue.bilingual(Message("report.registers.no_data"))); continue }
            for row in rows { o.append("    " + t(row.key, .vi) + ": " + Catalogue.render(row.value, .vi) + " / " + t(row.key, .en) + ": " + Catalogue.render(row.value, .en)) }
        }
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
            for total in v.totals {
                let label = Message("fleet.total", ["province": .text(total.province)])
                rows.append([Cell(Catalogue.render(label, .vi), note: Catalogue.render(label, .en)), Cell(""), Cell(Fmt.percent(total.tally.availability)), Cell(Fmt.hms(total.tally.down)),
                             Cell(Fmt.hms(total.tally.noData)), Cell("\(total.incidents.count) (\(total.incidents.stillOpen))"), Cell(Fmt.mean(total.incidents.mttrSeconds)), Cell("")])
            }
            w.table(header: ["fleet.col.box", "fleet.col.site", "fleet.col.availability", "fleet.col.down", "fleet.col.no_data", "fleet.col.incidents", "fleet.col.mttr", "fleet.col.as_of"].map { cell(MessageKey($0)) },
                    rows: rows, widths: [1.2, 2, 1.1, 1.1, 1.1, 0.9, 1, 2], size: 7.5)
            let c = chart(v)
            w.heading(t("fleet.section.chart", .vi), translation: t("fleet.section.chart", .en), keepWith: min(c.height * 0.73, 400))
            w.drawing(width: c.width, height: c.height, draw: c.draw)
            w.heading(t("report.section.registers", .vi), translation: t("report.section.registers", .en))
            for r in v.rows {
                guard let s = r.site else { continue }
                w.paragraph("\(r.boxName) — \(s.name)", size: 9)
                guard let rows = v.registerRows(s) else { w.paragraph(Catalogue.bilingual(Message("report.registers.no_data"), separator: "\n"), size: 8); continue }
                w.table(header: [Cell(""), Cell("")], rows: rows.map { row in
                    [Cell(t(row.key, .vi), note: t(row.key, .en)), Cell(Catalogue.render(row.value, .vi), note: Catalogue.render(row.value, .en))]
                }, widths: [3, 2], size: 7.5)
            }
        }
    }

    static func cell(_ key: MessageKey) -> Cell { Cell(t(key, .vi), note: t(key, .en)) }
}

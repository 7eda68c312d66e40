// The A4 PDF report, made on the box with cairo and pango (the watchpost-pdf helper, PDFHelper.swift) — no browser. It follows
// the HTML page section by section: header with the site and period on every page, numbered
// pages, the same charts drawn by the same chart code (Charts.swift), the same tables, and the
// sections that say plainly when there is no data.
import WatchpostCore
import PDFLayout

extension ReportRenderer {
    /// Writes the PDF of `reports` (one site, or several after a consolidated table) to `path`
    /// atomically. Returns the number of pages.
    @discardableResult
    public static func pdf(_ reports: [SiteReport], path: String) throws(WatchpostError) -> Int {
        guard let first = reports.first else { throw WatchpostError(.usage, "no site to report") }
        let header = reports.count == 1
            ? "\(first.name) — \(Fmt.periodName(first.period)) (\(Fmt.range(first)))"
            : "Các Cụm Thông tin đối ngoại / Foreign-information clusters — \(Fmt.periodName(first.period))"
        return try writePDF(path: path, header: header) { w in
            if reports.count > 1 { consolidatedPDF(reports, w) }
            for (i, r) in reports.enumerated() {
                if i > 0 || reports.count > 1 { w.newPage() }
                sitePDF(r, w)
            }
        }
    }

    /// Writes an A4 report PDF to `path` atomically (a temporary file moved into place), with the
    /// header on every page and numbered pages. `body` builds the layout here; the watchpost-pdf
    /// helper draws it (PDFHelper.swift). Returns the number of pages.
    static func writePDF(path: String, header: String, _ body: (DocumentBuilder) -> Void) throws(WatchpostError) -> Int {
        let footer = Catalogue.bilingual(Message("report.pdf.page", ["page": .text("{page}"), "pages": .text("{pages}")]))
        let builder = DocumentBuilder(header: header, footer: footer)
        body(builder)
        return try PDFHelper.write(builder.document, path: path)
    }

    static let muted = RGB(hex: "#555555")

    static func headingPDF(_ w: DocumentBuilder, _ key: MessageKey) { w.heading(Say.vi(key), translation: Say.en(key)) }
    static func noDataPDF(_ w: DocumentBuilder, _ key: MessageKey) { w.paragraph(Say.vi(key) + "\n" + Say.en(key), size: 8.5, color: muted) }

    static func consolidatedPDF(_ reports: [SiteReport], _ w: DocumentBuilder) {
        w.heading(Say.vi("report.title.consolidated").uppercased(), translation: Say.en("report.title.consolidated") + " — " + Fmt.periodName(reports[0].period), size: 14)
        w.paragraph(Say.vi("report.title.support") + "\n" + Say.en("report.title.support"), size: 8.5, color: muted)
        w.table(header: [Cell("Cụm", note: "Site"), Cell("Tỉnh", note: "Province"), Cell("Sẵn sàng", note: "Availability"), Cell("Ngừng", note: "Downtime"),
                         Cell("Không dữ liệu", note: "No data"), Cell("Sự cố", note: "Incidents"), Cell("MTTA"), Cell("MTTR")],
                rows: reports.map { r in
                    [Cell(r.name), Cell(r.province), Cell(Fmt.percent(r.site.availability)), Cell(Fmt.hms(r.site.down)), Cell(Fmt.hms(r.site.noData)),
                     Cell(r.incidents.map { String($0.count) } ?? "—"), Cell(Fmt.mean(r.incidents?.mttaSeconds)), Cell(Fmt.mean(r.incidents?.mttrSeconds))]
                }, widths: [3, 1.4, 1.4, 1.2, 1.2, 0.8, 1.2, 1.2])
        let chart = Charts.bars(reports.map { ($0.siteID, $0.site.availability) }, caption: "Tỷ lệ sẵn sàng theo cụm / Availability by site")
        w.drawing(width: chart.width, height: chart.height, draw: chart.draw)
    }

    static func sitePDF(_ r: SiteReport, _ w: DocumentBuilder) {
        w.heading(Say.vi("report.title.site").uppercased(), translation: Say.en("report.title.site"), size: 14, keepWith: 120)
        var meta = "\(r.name)\n\(r.nameEnglish) · \(r.province) · \(r.siteID)\nKỳ báo cáo / Period: \(Fmt.periodName(r.period)) (\(Fmt.range(r)), \(r.zone.identifier))\nLập lúc / Generated: \(Fmt.dateTime(r.generatedAt.seconds, r.zone))"
        if let b = r.basis { meta += "\n" + Say.both("report.basis", ["basis": .text(b)]) }
        meta += "\n" + Say.vi("report.title.support") + "\n" + Say.en("report.title.support")
        w.paragraph(meta, size: 9.5)
        for n in r.notes { w.paragraph(n, size: 8.5, color: muted) }
        let l = r.longestOutage
        w.table(header: [], rows: [
            [Cell(Fmt.percent(r.site.availability), note: "Tỷ lệ sẵn sàng / Availability"), Cell(Fmt.human(r.site.down), note: "Ngừng hoạt động / Downtime"),
             Cell(l.map { Fmt.human($0.scheduledSeconds) } ?? "—", note: "Lần ngừng dài nhất / Longest outage"), Cell(Fmt.human(r.site.noData), note: "Không có dữ liệu / No data")],
            [Cell(r.incidents.map { String($0.count) } ?? "—", note: "Sự cố / Incidents"), Cell(Fmt.mean(r.incidents?.mttaSeconds), note: "Tiếp nhận TB / MTTA"),
             Cell(Fmt.mean(r.incidents?.mttrSeconds), note: "Khắc phục TB / MTTR"), Cell(r.power.map { "\($0.onBatterySeconds / 60) phút" } ?? "—", note: "Chạy pin UPS / On battery")],
        ], widths: [1, 1, 1, 1], size: 11)
        w.paragraph("Cụm được tính là sẵn sàng khi tất cả các hạng mục sau đều đạt / The site counts as available when all of these are up: \(r.siteChecks.joined(separator: ", ")). Tỷ lệ = hoạt động / (hoạt động + ngừng) trong giờ theo lịch; thời gian không có dữ liệu và không xác định được báo riêng. / Availability = up / (up + down) within scheduled hours.", size: 8, color: muted)

        w.heading("Tổng hợp", translation: "Summary")
        w.table(header: [Cell(""), Cell("Giờ:phút:giây", note: "h:mm:ss"), Cell("Tỷ lệ lịch", note: "of scheduled")],
                rows: [("Thời gian theo lịch / Scheduled", r.site.scheduled), ("Hoạt động / Available", r.site.up), ("Ngừng hoạt động / Down", r.site.down),
                       ("Không xác định / Unknown", r.site.unknown), ("Không có dữ liệu / No data", r.site.noData)].map { label, v in
                    [Cell(label), Cell(Fmt.hms(v)), Cell(Fmt.percent(r.site.scheduled > 0 ? Double(v) / Double(r.site.scheduled) : nil, digits: 2))]
                }, widths: [3, 1.5, 1.5])

        for (vi, en, chart) in [("Tỷ lệ sẵn sàng theo ngày", "Daily availability (calendar heat-map)", Charts.heatMap(r)),
                                ("Các lần ngừng hoạt động", "Outage timeline", Charts.timeline(r))] {
            w.heading(vi, translation: en, keepWith: min(chart.height * 0.73, 400))
            w.drawing(width: chart.width, height: chart.height, draw: chart.draw)
        }
        w.heading("Theo từng hạng mục giám sát", translation: "By check")
        let bars = Charts.bars(r.checks.map { ($0.id, $0.tally.availability) }, caption: "")
        w.drawing(width: bars.width, height: bars.height, draw: bars.draw)
        w.table(header: [Cell("Hạng mục", note: "Check"), Cell("Sẵn sàng", note: "Availability"), Cell("Ngừng", note: "Down"), Cell("Không XĐ", note: "Unknown"),
                         Cell("Không dữ liệu", note: "No data"), Cell("Số lần", note: "Outages"), Cell("Dài nhất", note: "Longest")],
                rows: r.checks.map { c in
                    [Cell(c.id + (c.definesSite ? " *" : ""), note: c.name), Cell(Fmt.percent(c.tally.availability)), Cell(Fmt.hms(c.tally.down)), Cell(Fmt.hms(c.tally.unknown)),
                     Cell(Fmt.hms(c.tally.noData)), Cell(String(c.outages.count)), Cell(c.longestOutage.map { Fmt.hms($0.scheduledSeconds) } ?? "—")]
                }, widths: [2.4, 1.3, 1.1, 1.1, 1.1, 0.8, 1.1])
        if r.months.count > 1 {
            w.heading("Theo tháng", translation: "By month")
            w.table(header: [Cell("Tháng", note: "Month"), Cell("Sẵn sàng", note: "Availability"), Cell("Theo lịch", note: "Scheduled"), Cell("Ngừng", note: "Down"), Cell("Không dữ liệu", note: "No data")],
                    rows: r.months.map { m in [Cell(m.label), Cell(Fmt.percent(m.tally.availability)), Cell(Fmt.hms(m.tally.scheduled)), Cell(Fmt.hms(m.tally.down)), Cell(Fmt.hms(m.tally.noData))] },
                    widths: [1, 1, 1, 1, 1])
        }
        w.heading("Sự cố", translation: "Incidents")
        if let f = r.incidents {
            var rows = IncidentCategory.allCases.map { cat in
                [Cell(Catalogue.render(cat.message, .vi), note: Catalogue.render(cat.message, .en)), Cell(String(f.count(cat, .critical))), Cell(String(f.count(cat, .warning))), Cell(String(f.count(cat, .unknown)))]
            }
            rows.append([Cell("Tổng số (còn mở)", note: "Total (still open)"), Cell("\(f.count) (\(f.stillOpen))"), Cell(""), Cell("")])
            rows.append([Cell("Tiếp nhận trung bình", note: "MTTA"), Cell(Fmt.mean(f.mttaSeconds)), Cell(""), Cell("")])
            rows.append([Cell("Khắc phục trung bình", note: "MTTR"), Cell(Fmt.mean(f.mttrSeconds)), Cell(""), Cell("")])
            w.table(header: [Cell("Loại", note: "Category"), Cell("Nghiêm trọng", note: "Critical"), Cell("Cảnh báo", note: "Warning"), Cell("Không XĐ", note: "Unknown")], rows: rows, widths: [3, 1, 1, 1])
        } else {
            noDataPDF(w, "report.incident_list.no_records")
        }
        w.heading("Nguồn điện", translation: "Power")
        if let p = r.power {
            w.table(header: [], rows: [[Cell("Thời gian chạy pin UPS", note: "Minutes on battery"), Cell(String(p.onBatterySeconds / 60))],
                                       [Cell("Số lần mất điện lưới", note: "Power cuts"), Cell(String(p.powerCuts))],
                                       [Cell("Lần mất điện dài nhất", note: "Longest on battery"), Cell(Fmt.hms(p.longestOnBatterySeconds))]], widths: [3, 1])
        } else {
            w.paragraph("Không có số liệu UPS.\nNo UPS readings.", size: 8.5, color: muted)
        }
        extraPDF(r, w)
    }

    static func extraPDF(_ r: SiteReport, _ w: DocumentBuilder) {
        let z = r.zone
        headingPDF(w, "report.section.incident_list")
        if let list = r.incidentList {
            if list.isEmpty { noDataPDF(w, "report.incident_list.none") } else {
                let cols = ["report.col.when", "report.col.what", "report.col.informed", "report.col.taken", "report.col.actions", "report.col.outcome"]
                w.table(header: cols.map { Cell(Say.vi(MessageKey($0)), note: Say.en(MessageKey($0))) }, rows: list.map { i in
                    let lines = i.actionLines(.vi, zone: z)
                    return [Cell("#\(i.id) \(HumanFormat.tableTime(i.opened, zone: z))", note: Catalogue.render(i.category.shortMessage, .vi) + ", " + Catalogue.render(i.severity.message, .vi)),
                            Cell(i.checkName.isEmpty ? i.checkID : i.checkName, note: i.summary), Cell(i.informedText(.vi, zone: z)), Cell(i.takenText(.vi, zone: z)),
                            Cell(lines.isEmpty ? Say.vi("report.incident.no_actions") : lines.joined(separator: "\n")), Cell(i.endingText(.vi, zone: z))]
                }, widths: [1.2, 1.8, 1.6, 1.3, 2, 1.4], size: 7)
            }
        } else {
            noDataPDF(w, "report.incident_list.no_records")
        }
        headingPDF(w, "report.section.weekend")
        let cols = ["report.col.days", "report.col.scheduled_hours", "report.col.operated_hours", "report.col.no_data_hours", "report.col.availability_short"]
        w.table(header: [Cell("")] + cols.map { Cell(Say.vi(MessageKey($0)), note: Say.en(MessageKey($0))) }, rows: r.dayKinds.map { k in
            [Cell(Say.vi(dayKindKey(k.kind)), note: Say.en(dayKindKey(k.kind))), Cell(String(k.days)), Cell(hours(k.tally.scheduled)), Cell(hours(k.tally.up)),
             Cell(hours(k.tally.noData)), Cell(Fmt.percent(k.tally.availability, digits: 2))]
        }, widths: [1.6, 0.8, 1.2, 1.2, 1.2, 1.2])
        noDataPDF(w, "report.weekend.plan_no_data")
        headingPDF(w, "report.section.content")
        if let c = r.content {
            w.paragraph(Say.vi("report.content.summary", contentParams(c, .vi)) + "\n" + Say.en("report.content.summary", contentParams(c, .en)), size: 9)
            for (key, map) in [("report.content.by_language", c.byLanguage), ("report.content.by_source", c.bySource)] {
                w.table(header: [Cell(Say.vi(MessageKey(key)), note: Say.en(MessageKey(key))), Cell("")],
                        rows: map.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.map { [Cell($0.key.isEmpty ? Say.both("report.content.unspecified") : $0.key), Cell(hours($0.value))] },
                        widths: [3, 1])
            }
            for m in approvalMessages(c) {
                w.paragraph("• " + Catalogue.render(m, .vi, zone: z) + "\n  " + Catalogue.render(m, .en, zone: z), size: 8.5)
            }
        } else {
            noDataPDF(w, "report.content.no_data")
        }
        registersPDF(r, w)
        headingPDF(w, "report.section.proposals")
        if r.proposals.isEmpty { noDataPDF(w, "report.proposals.none") } else {
            w.paragraph(Say.both("report.proposals.intro"), size: 8.5, color: muted)
            for (n, p) in r.proposals.enumerated() {
                w.paragraph("\(n + 1). " + Catalogue.render(p.message, .vi, zone: z) + "\n    " + Catalogue.render(p.message, .en, zone: z), size: 9)
            }
        }
    }
}

// The HTML report: one self-contained page (no JavaScript, no external files) with SVG charts
// drawn here — a calendar heat-map of daily site availability, an outage timeline per check and
// bars per check — and a print stylesheet for A4 so the Department can file it as a document.
import WatchpostCore

extension ReportRenderer {
    public static func html(_ reports: [SiteReport]) -> String {
        let title = reports.count == 1
            ? "Báo cáo hoạt động — \(reports[0].name) — \(reports[0].period.label)"
            : "Báo cáo tổng hợp các Cụm Thông tin đối ngoại — \(reports.first?.period.label ?? "")"
        var h = """
        <!DOCTYPE html>
        <html lang="vi"><head><meta charset="utf-8">
        <title>\(Fmt.html(title))</title>
        <style>\(css)</style></head><body>

        """
        if reports.count > 1 { h += consolidated(reports) }
        for (i, r) in reports.enumerated() { h += siteSection(r, pageBreak: i > 0 || reports.count > 1) }
        h += "<footer>Watchpost — số liệu tính theo giờ hoạt động trong lịch của từng cụm / figures count scheduled operating hours only.</footer>\n</body></html>\n"
        return h
    }

    static let css = """
    @page { size: A4; margin: 14mm 12mm 14mm 12mm; }
    * { box-sizing: border-box; }
    body { font-family: "Noto Sans", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10.5pt; color: #1a1a1a; margin: 0 auto; max-width: 190mm; padding: 6mm 0; }
    h1 { font-size: 15pt; margin: 0 0 2mm; text-transform: uppercase; }
    h1 small, h2 small, th small { display: block; font-size: 9pt; font-weight: normal; color: #555; text-transform: none; }
    h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1.5px solid #24476b; padding-bottom: 1mm; color: #24476b; }
    .meta { color: #333; margin: 0 0 3mm; line-height: 1.45; }
    .kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 2mm; margin: 3mm 0; }
    .kpi { border: 1px solid #c9d3de; border-radius: 2mm; padding: 2mm 3mm; background: #f5f8fb; }
    .kpi .v { font-size: 13pt; font-weight: bold; color: #24476b; white-space: nowrap; }
    .kpi .l { font-size: 8.5pt; color: #444; }
    table { border-collapse: collapse; width: 100%; margin: 2mm 0; font-size: 9pt; }
    th, td { border: 1px solid #c9d3de; padding: 1.2mm 1.6mm; text-align: right; vertical-align: top; }
    th { background: #e8eef4; font-weight: 600; }
    td:first-child, th:first-child { text-align: left; }
    .note { font-size: 8.5pt; color: #555; }
    svg { display: block; margin: 1mm 0 2mm; }
    svg text { font-family: inherit; }
    section.site { page-break-before: auto; }
    section.site.break { page-break-before: always; break-before: page; }
    .keep { break-inside: avoid; page-break-inside: avoid; }
    footer { margin-top: 6mm; font-size: 8pt; color: #666; border-top: 1px solid #ccc; padding-top: 2mm; }
    @media print { body { padding: 0; } h2 { break-after: avoid; } }
    """

    static func consolidated(_ reports: [SiteReport]) -> String {
        var h = "<section class=\"consolidated\"><h1>Báo cáo tổng hợp các Cụm Thông tin đối ngoại<small>Consolidated uptime report — \(Fmt.html(Fmt.periodName(reports[0].period)))</small></h1>\n"
        h += "<table><tr><th>Cụm<small>Site</small></th><th>Tỉnh<small>Province</small></th><th>Sẵn sàng<small>Availability</small></th><th>Theo lịch<small>Scheduled</small></th><th>Ngừng<small>Downtime</small></th><th>Không dữ liệu<small>No data</small></th><th>Sự cố<small>Incidents</small></th><th>MTTA</th><th>MTTR</th></tr>\n"
        for r in reports {
            h += "<tr><td>\(Fmt.html(r.name))</td><td>\(Fmt.html(r.province))</td><td>\(Fmt.percent(r.site.availability))</td><td>\(Fmt.hms(r.site.scheduled))</td><td>\(Fmt.hms(r.site.down))</td><td>\(Fmt.hms(r.site.noData))</td>"
            h += "<td>\(r.incidents.map { String($0.count) } ?? "—")</td><td>\(Fmt.mean(r.incidents?.mttaSeconds))</td><td>\(Fmt.mean(r.incidents?.mttrSeconds))</td></tr>\n"
        }
        h += "</table>\n" + bars(reports.map { ($0.siteID, $0.site.availability) }, caption: "Tỷ lệ sẵn sàng theo cụm / Availability by site") + "</section>\n"
        return h
    }

    static func siteSection(_ r: SiteReport, pageBreak: Bool) -> String {
        var h = "<section class=\"site\(pageBreak ? " break" : "")\">\n"
        h += "<h1>Báo cáo hoạt động Cụm Thông tin đối ngoại<small>Uptime report — foreign-information cluster</small></h1>\n"
        h += "<p class=\"meta\"><b>\(Fmt.html(r.name))</b><br>\(Fmt.html(r.nameEnglish)) · \(Fmt.html(r.province)) · <code>\(Fmt.html(r.siteID))</code><br>"
        h += "Kỳ báo cáo / Period: <b>\(Fmt.html(Fmt.periodName(r.period)))</b> (\(Fmt.range(r)), \(Fmt.html(r.zone.identifier)))<br>"
        h += "Lập lúc / Generated: \(Fmt.dateTime(r.generatedAt.seconds, r.zone))</p>\n"
        for n in r.notes { h += "<p class=\"note\">\(Fmt.html(n))</p>\n" }
        let l = r.longestOutage
        h += "<div class=\"kpis\">"
        h += kpi(Fmt.percent(r.site.availability), "Tỷ lệ sẵn sàng / Availability")
        h += kpi(Fmt.human(r.site.down), "Ngừng hoạt động / Downtime")
        h += kpi(l.map { Fmt.human($0.scheduledSeconds) } ?? "—", "Lần ngừng dài nhất / Longest outage")
        h += kpi(Fmt.human(r.site.noData), "Không có dữ liệu / No data")
        h += kpi(r.incidents.map { String($0.count) } ?? "—", "Sự cố / Incidents")
        h += kpi(Fmt.mean(r.incidents?.mttaSeconds), "Xác nhận TB / MTTA")
        h += kpi(Fmt.mean(r.incidents?.mttrSeconds), "Khắc phục TB / MTTR")
        h += kpi(r.power.map { "\($0.onBatterySeconds / 60) phút" } ?? "—", "Chạy pin UPS / On battery")
        h += "</div>\n"
        h += "<p class=\"note\">Cụm được tính là sẵn sàng khi tất cả các kiểm tra sau đều đạt / The site counts as available when all of these are up: <b>\(Fmt.html(r.siteChecks.joined(separator: ", ")))</b>. "
        h += "Tỷ lệ = hoạt động / (hoạt động + ngừng) trong giờ theo lịch; thời gian không có dữ liệu (máy giám sát không chạy) và không xác định được báo riêng, không tính là hoạt động hay ngừng. "
        h += "/ Availability = up / (up + down) within scheduled hours; no-data and unknown time are reported apart.</p>\n"

        h += "<h2>Tổng hợp<small>Summary</small></h2>\n<table class=\"keep\"><tr><th></th><th>Giờ:phút:giây<small>h:mm:ss</small></th><th>Tỷ lệ lịch<small>of scheduled</small></th></tr>\n"
        for (label, v) in [("Thời gian theo lịch / Scheduled", r.site.scheduled), ("Hoạt động / Available", r.site.up), ("Ngừng hoạt động / Down", r.site.down),
                           ("Không xác định / Unknown", r.site.unknown), ("Không có dữ liệu / No data", r.site.noData)] {
            let share = r.site.scheduled > 0 ? Double(v) / Double(r.site.scheduled) : nil
            h += "<tr><td>\(label)</td><td>\(Fmt.hms(v))</td><td>\(Fmt.percent(share, digits: 2))</td></tr>\n"
        }
        h += "</table>\n"

        h += "<div class=\"keep\"><h2>Tỷ lệ sẵn sàng theo ngày<small>Daily availability (calendar heat-map)</small></h2>\n\(heatMap(r))</div>\n"
        h += "<div class=\"keep\"><h2>Các lần ngừng hoạt động<small>Outage timeline</small></h2>\n\(timeline(r))</div>\n"
        h += "<div class=\"keep\"><h2>Theo từng kiểm tra<small>By check</small></h2>\n"
        h += bars(r.checks.map { ($0.id, $0.tally.availability) }, caption: "")
        h += "<table><tr><th>Kiểm tra<small>Check</small></th><th>Sẵn sàng<small>Availability</small></th><th>Ngừng<small>Down</small></th><th>Không XĐ<small>Unknown</small></th><th>Không dữ liệu<small>No data</small></th><th>Số lần<small>Outages</small></th><th>Dài nhất<small>Longest</small></th><th>Trong sự cố<small>In incidents</small></th></tr>\n"
        for c in r.checks {
            h += "<tr><td>\(Fmt.html(c.id))\(c.definesSite ? " *" : "")<br><span class=\"note\">\(Fmt.html(c.name))</span></td><td>\(Fmt.percent(c.tally.availability))</td><td>\(Fmt.hms(c.tally.down))</td><td>\(Fmt.hms(c.tally.unknown))</td><td>\(Fmt.hms(c.tally.noData))</td><td>\(c.outages.count)</td><td>\(c.longestOutage.map { Fmt.hms($0.scheduledSeconds) } ?? "—")</td><td>\(c.downtimeInIncidents.map(Fmt.hms) ?? "—")</td></tr>\n"
        }
        h += "</table><p class=\"note\">* thuộc định nghĩa sẵn sàng của cụm / part of the site's availability definition.</p></div>\n"

        if r.months.count > 1 {
            h += "<div class=\"keep\"><h2>Theo tháng<small>By month</small></h2><table><tr><th>Tháng<small>Month</small></th><th>Sẵn sàng<small>Availability</small></th><th>Theo lịch<small>Scheduled</small></th><th>Ngừng<small>Down</small></th><th>Không dữ liệu<small>No data</small></th></tr>\n"
            for m in r.months {
                h += "<tr><td>\(m.label)</td><td>\(Fmt.percent(m.tally.availability))</td><td>\(Fmt.hms(m.tally.scheduled))</td><td>\(Fmt.hms(m.tally.down))</td><td>\(Fmt.hms(m.tally.noData))</td></tr>\n"
            }
            h += "</table></div>\n"
        }

        h += "<div class=\"keep\"><h2>Sự cố<small>Incidents</small></h2>\n"
        if let f = r.incidents {
            h += "<table><tr><th>Loại<small>Category</small></th><th>Nghiêm trọng<small>Critical</small></th><th>Cảnh báo<small>Warning</small></th><th>Không XĐ<small>Unknown</small></th></tr>\n"
            for cat in IncidentCategory.allCases {
                h += "<tr><td>\(cat.vietnamese)<br><span class=\"note\">\(cat.rawValue)</span></td><td>\(f.count(cat, .critical))</td><td>\(f.count(cat, .warning))</td><td>\(f.count(cat, .unknown))</td></tr>\n"
            }
            h += "</table><table><tr><th></th><th></th></tr>"
            h += "<tr><td>Tổng số sự cố / Incidents (còn mở / still open)</td><td>\(f.count) (\(f.stillOpen))</td></tr>"
            h += "<tr><td>Thời gian xác nhận trung bình / MTTA (\(f.acknowledged) sự cố)</td><td>\(Fmt.mean(f.mttaSeconds))</td></tr>"
            h += "<tr><td>Thời gian khắc phục trung bình / MTTR (\(f.resolved) sự cố)</td><td>\(Fmt.mean(f.mttrSeconds))</td></tr>"
            for l in f.reachedLevel.keys.sorted() { h += "<tr><td>Báo cáo đến cấp \(l) / Escalated to level \(l)</td><td>\(f.reachedLevel[l]!)</td></tr>" }
            h += "<tr><td>Vi phạm nội dung / Content violations</td><td>\(f.contentViolations)</td></tr></table>\n"
        } else {
            h += "<p class=\"note\">Cơ sở dữ liệu này chưa có bản ghi sự cố. / This database holds no incident records.</p>\n"
        }
        h += "</div><div class=\"keep\"><h2>Nguồn điện<small>Power</small></h2>\n"
        if let p = r.power {
            h += "<table><tr><td>Thời gian chạy pin UPS / Minutes on battery</td><td>\(p.onBatterySeconds / 60)</td></tr><tr><td>Số lần mất điện lưới / Power cuts</td><td>\(p.powerCuts)</td></tr><tr><td>Lần mất điện dài nhất / Longest on battery</td><td>\(Fmt.hms(p.longestOnBatterySeconds))</td></tr><tr><td>Không có số liệu UPS / No UPS data</td><td>\(Fmt.hms(p.noDataSeconds))</td></tr></table>\n"
        } else {
            h += "<p class=\"note\">Không có số liệu UPS (chưa khai báo <code>[availability] power_check</code> hoặc chưa có bản ghi). / No UPS readings.</p>\n"
        }
        h += "</div>\n"
        if !r.monitorGaps.isEmpty {
            let total = r.monitorGaps.reduce(0) { $0 + $1.length }
            h += "<p class=\"note\">Máy giám sát không chạy \(r.monitorGaps.count) lần, tổng \(Fmt.human(total)) (kể cả ngoài giờ theo lịch). / The monitor was not running \(r.monitorGaps.count) times, \(Fmt.humanEnglish(total)) in all.</p>\n"
        }
        return h + "</section>\n"
    }

    static func kpi(_ value: String, _ label: String) -> String {
        "<div class=\"kpi\"><div class=\"v\">\(Fmt.html(value))</div><div class=\"l\">\(Fmt.html(label))</div></div>"
    }

    /// Colour for a day's availability; grey when nothing was observed, white when not scheduled.
    static func color(_ t: AvailabilityTally) -> String {
        if t.scheduled == 0 { return "#ffffff" }
        guard let a = t.availability else { return "#bdbdbd" }
        switch a {
        case 0.999...: return "#1a7f37"
        case 0.99..<0.999: return "#57ab5a"
        case 0.95..<0.99: return "#c9d34a"
        case 0.90..<0.95: return "#f0a030"
        default: return "#d1242f"
        }
    }

    /// One row per month, one cell per day of the month.
    static func heatMap(_ r: SiteReport) -> String {
        let cell = 15, gap = 2, left = 64, top = 16
        var rows: [(String, [(CivilDate, AvailabilityTally)])] = []
        for d in r.days {
            let label = "\(Fmt.pad(d.date.month))/\(d.date.year)"
            if rows.last?.0 == label { rows[rows.count - 1].1.append(d) } else { rows.append((label, [d])) }
        }
        let width = left + 31 * (cell + gap) + 10, height = top + rows.count * (cell + gap) + 34
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"heat-map\">"
        for day in stride(from: 1, through: 31, by: 1) where day == 1 || day % 5 == 0 {
            s += "<text x=\"\(left + (day - 1) * (cell + gap) + cell / 2)\" y=\"11\" font-size=\"8\" text-anchor=\"middle\" fill=\"#555\">\(day)</text>"
        }
        for (i, (label, days)) in rows.enumerated() {
            let y = top + i * (cell + gap)
            s += "<text x=\"0\" y=\"\(y + cell - 4)\" font-size=\"9\" fill=\"#333\">Th \(label)</text>"
            for (date, t) in days {
                let x = left + (date.day - 1) * (cell + gap)
                let stroke = t.scheduled == 0 ? " stroke=\"#d0d0d0\"" : ""
                s += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" rx=\"2\" fill=\"\(color(t))\"\(stroke)><title>\(date): \(Fmt.percent(t.availability, digits: 2)), down \(Fmt.hms(t.down)), no data \(Fmt.hms(t.noData))</title></rect>"
            }
        }
        // Legend.
        let ly = top + rows.count * (cell + gap) + 10
        let legend: [(String, String)] = [("#1a7f37", "≥ 99,9 %"), ("#57ab5a", "≥ 99 %"), ("#c9d34a", "≥ 95 %"), ("#f0a030", "≥ 90 %"), ("#d1242f", "< 90 %"),
                                          ("#bdbdbd", "không dữ liệu / no data"), ("#ffffff", "ngoài lịch / not scheduled")]
        var x = 0
        for (c, text) in legend {
            s += "<rect x=\"\(x)\" y=\"\(ly)\" width=\"10\" height=\"10\" fill=\"\(c)\" stroke=\"#bbb\"/><text x=\"\(x + 13)\" y=\"\(ly + 9)\" font-size=\"8\" fill=\"#333\">\(Fmt.html(text))</text>"
            x += 13 + text.count * 5 + 12
        }
        return s + "</svg>"
    }

    /// Outages per check along the period (wall clock), monitor gaps shaded grey.
    static func timeline(_ r: SiteReport) -> String {
        let left = 120, width = 700, rowH = 14, top = 18
        let plotW = width - left - 10
        let span = max(1, r.periodEnd - r.from)
        func x(_ t: Int64) -> Double { Double(left) + Double(plotW) * Double(min(max(t, r.from), r.periodEnd) - r.from) / Double(span) }
        let rows: [(String, [Outage])] = [("CỤM / SITE", r.outages)] + r.checks.map { ($0.id, $0.outages) }
        let height = top + rows.count * (rowH + 4) + 24
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"outage timeline\">"
        // Month (or day) ticks.
        let ticks: [CivilDate] = r.period.days.count > 62 ? r.period.days.filter { $0.day == 1 } : r.period.days.filter { r.period.days.count <= 16 || $0.day % 5 == 1 }
        for d in ticks {
            let tx = x(r.zone.startOf(d).seconds)
            let label = r.period.days.count > 62 ? "Th\(d.month)" : "\(d.day)/\(d.month)"
            s += "<line x1=\"\(Fmt.fixed(tx, digits: 1))\" y1=\"\(top - 4)\" x2=\"\(Fmt.fixed(tx, digits: 1))\" y2=\"\(height - 20)\" stroke=\"#e3e3e3\"/><text x=\"\(Fmt.fixed(tx + 2, digits: 1))\" y=\"\(top - 7)\" font-size=\"8\" fill=\"#555\">\(label)</text>"
        }
        for g in r.monitorGaps {
            let a = x(g.start), b = max(x(g.end), a + 1)
            s += "<rect x=\"\(Fmt.fixed(a, digits: 1))\" y=\"\(top)\" width=\"\(Fmt.fixed(b - a, digits: 1))\" height=\"\(rows.count * (rowH + 4))\" fill=\"#d9d9d9\" opacity=\"0.7\"/>"
        }
        for (i, (label, outs)) in rows.enumerated() {
            let y = top + i * (rowH + 4)
            s += "<text x=\"0\" y=\"\(y + rowH - 3)\" font-size=\"9\" fill=\"#333\"\(i == 0 ? " font-weight=\"bold\"" : "")>\(Fmt.html(String(label.prefix(22))))</text>"
            s += "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(plotW)\" height=\"\(rowH)\" fill=\"none\" stroke=\"#cfd8e3\"/>"
            for o in outs {
                let a = x(o.start), b = max(x(o.end), a + 1.2)
                s += "<rect x=\"\(Fmt.fixed(a, digits: 1))\" y=\"\(y + 1)\" width=\"\(Fmt.fixed(b - a, digits: 1))\" height=\"\(rowH - 2)\" fill=\"#d1242f\"><title>\(Fmt.dateTime(o.start, r.zone)) – \(Fmt.dateTime(o.end, r.zone)): \(Fmt.hms(o.scheduledSeconds))</title></rect>"
            }
        }
        let ly = height - 10
        s += "<rect x=\"\(left)\" y=\"\(ly - 8)\" width=\"10\" height=\"9\" fill=\"#d1242f\"/><text x=\"\(left + 13)\" y=\"\(ly)\" font-size=\"8\">ngừng hoạt động / outage</text>"
        s += "<rect x=\"\(left + 150)\" y=\"\(ly - 8)\" width=\"10\" height=\"9\" fill=\"#d9d9d9\"/><text x=\"\(left + 163)\" y=\"\(ly)\" font-size=\"8\">máy giám sát không chạy / monitor not running</text>"
        return s + "</svg>"
    }

    /// Horizontal bars of availability, the axis from 90 % (or lower when needed) to 100 %.
    static func bars(_ items: [(String, Double?)], caption: String) -> String {
        let left = 140, width = 700, barH = 13, top = caption.isEmpty ? 6 : 20
        let lowest = items.compactMap(\.1).min() ?? 1
        let floor = lowest >= 0.9 ? 0.9 : lowest >= 0.5 ? 0.5 : 0.0
        let plotW = Double(width - left - 70)
        let height = top + items.count * (barH + 5) + 16
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"availability bars\">"
        if !caption.isEmpty { s += "<text x=\"0\" y=\"12\" font-size=\"10\" font-weight=\"bold\">\(Fmt.html(caption))</text>" }
        for k in 0...4 {
            let v = floor + (1 - floor) * Double(k) / 4
            let gx = Double(left) + plotW * Double(k) / 4
            s += "<line x1=\"\(Fmt.fixed(gx, digits: 1))\" y1=\"\(top)\" x2=\"\(Fmt.fixed(gx, digits: 1))\" y2=\"\(height - 14)\" stroke=\"#e3e3e3\"/><text x=\"\(Fmt.fixed(gx, digits: 1))\" y=\"\(height - 4)\" font-size=\"8\" text-anchor=\"middle\" fill=\"#555\">\(Fmt.percent(v, digits: 1))</text>"
        }
        for (i, (label, a)) in items.enumerated() {
            let y = top + i * (barH + 5)
            s += "<text x=\"0\" y=\"\(y + barH - 3)\" font-size=\"9\">\(Fmt.html(String(label.prefix(26))))</text>"
            if let a {
                let w = plotW * max(0, a - floor) / (1 - floor)
                let c = color(AvailabilityTally(up: Int64((a * 1_000_000).rounded()), down: Int64(((1 - a) * 1_000_000).rounded()), unknown: 0, noData: 0))
                s += "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(Fmt.fixed(max(w, 1), digits: 1))\" height=\"\(barH)\" fill=\"\(c)\"/>"
                s += "<text x=\"\(Fmt.fixed(Double(left) + max(w, 1) + 4, digits: 1))\" y=\"\(y + barH - 3)\" font-size=\"9\">\(Fmt.percent(a, digits: 2))</text>"
            } else {
                s += "<text x=\"\(left + 4)\" y=\"\(y + barH - 3)\" font-size=\"9\" fill=\"#777\">không có dữ liệu / no data</text>"
            }
        }
        return s + "</svg>"
    }
}

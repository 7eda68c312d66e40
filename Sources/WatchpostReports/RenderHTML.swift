// The HTML report: one self-contained page (no JavaScript, no external files) with SVG charts
// (drawn by Charts.swift, the same code that draws them in the PDF) — a calendar heat-map of daily site availability, an outage timeline per check and
// bars per check — and a print stylesheet for A4 so the Department can file it as a document.
import WatchpostCore

extension ReportRenderer {
    public static func html(_ reports: [SiteReport]) -> String {
        let title = reports.count == 1
            ? Say.vi("report.title.site") + " — \(reports[0].name) — \(reports[0].period.label)"
            : Say.vi("report.title.consolidated") + " — \(reports.first?.period.label ?? "")"
        var h = """
        <!DOCTYPE html>
        <html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
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
    td, th, p, code { overflow-wrap: anywhere; }
    th { overflow-wrap: break-word; }  /* a column head never breaks inside a word ("Incid/ent") */
    svg { max-width: 100%; height: auto; }
    .scroll { overflow-x: auto; }
    @media screen and (max-width: 600px) {
      body { padding: 3mm; font-size: 11pt; }
      .kpis { grid-template-columns: repeat(2, 1fr); }
      table { display: block; overflow-x: auto; }
    }
    """

    static func consolidated(_ reports: [SiteReport]) -> String {
        var h = "<section class=\"consolidated\"><h1>\(Fmt.html(Say.vi("report.title.consolidated")))<small>\(Fmt.html(Say.en("report.title.consolidated"))) — \(Fmt.html(Fmt.periodName(reports[0].period)))</small></h1>\n"
            + "<p class=\"meta\">\(Fmt.html(Say.both("report.title.support")))</p>\n"
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
        h += "<h1>\(Fmt.html(Say.vi("report.title.site")))<small>\(Fmt.html(Say.en("report.title.site")))</small></h1>\n"
        h += "<p class=\"note\">\(Fmt.html(Say.vi("report.title.support")))<br>\(Fmt.html(Say.en("report.title.support")))</p>\n"
        h += "<p class=\"meta\"><b>\(Fmt.html(r.name))</b><br>\(Fmt.html(r.nameEnglish)) · \(Fmt.html(r.province)) · <code>\(Fmt.html(r.siteID))</code><br>"
        h += "Kỳ báo cáo / Period: <b>\(Fmt.html(Fmt.periodName(r.period)))</b> (\(Fmt.range(r)), \(Fmt.html(r.zone.identifier)))<br>"
        h += "Lập lúc / Generated: \(Fmt.dateTime(r.generatedAt.seconds, r.zone))"
        if let b = r.basis { h += "<br>\(Fmt.html(Say.both("report.basis", ["basis": .text(b)])))" }
        h += "</p>\n"
        for n in r.notes { h += "<p class=\"note\">\(Fmt.html(n))</p>\n" }
        let l = r.longestOutage
        h += "<div class=\"kpis\">"
        h += kpi(Fmt.percent(r.site.availability), "Tỷ lệ sẵn sàng / Availability")
        h += kpi(Fmt.human(r.site.down), "Ngừng hoạt động / Downtime")
        h += kpi(l.map { Fmt.human($0.scheduledSeconds) } ?? "—", "Lần ngừng dài nhất / Longest outage")
        h += kpi(Fmt.human(r.site.noData), "Không có dữ liệu / No data")
        h += kpi(r.incidents.map { String($0.count) } ?? "—", "Sự cố / Incidents")
        h += kpi(Fmt.mean(r.incidents?.mttaSeconds), "Tiếp nhận TB / MTTA")
        h += kpi(Fmt.mean(r.incidents?.mttrSeconds), "Khắc phục TB / MTTR")
        h += kpi(r.power.map { "\($0.onBatterySeconds / 60) phút" } ?? "—", "Chạy pin UPS / On battery")
        h += "</div>\n"
        h += "<p class=\"note\">Cụm được tính là sẵn sàng khi tất cả các hạng mục giám sát sau đều đạt / The site counts as available when all of these are up: <b>\(Fmt.html(r.siteChecks.joined(separator: ", ")))</b>. "
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
        h += "<div class=\"keep\"><h2>Theo từng hạng mục giám sát<small>By check</small></h2>\n"
        h += bars(r.checks.map { ($0.id, $0.tally.availability) }, caption: "")
        h += "<table><tr><th>Hạng mục giám sát<small>Check</small></th><th>Sẵn sàng<small>Availability</small></th><th>Ngừng<small>Down</small></th><th>Không XĐ<small>Unknown</small></th><th>Không dữ liệu<small>No data</small></th><th>Số lần<small>Outages</small></th><th>Dài nhất<small>Longest</small></th><th>Trong sự cố<small>In incidents</small></th></tr>\n"
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
                h += "<tr><td>\(cat.vietnamese)<br><span class=\"note\">\(cat.english)</span></td><td>\(f.count(cat, .critical))</td><td>\(f.count(cat, .warning))</td><td>\(f.count(cat, .unknown))</td></tr>\n"
            }
            h += "</table><table><tr><th></th><th></th></tr>"
            h += "<tr><td>Tổng số sự cố / Incidents (còn mở / still open)</td><td>\(f.count) (\(f.stillOpen))</td></tr>"
            h += "<tr><td>Thời gian tiếp nhận trung bình / MTTA (\(f.acknowledged) sự cố)</td><td>\(Fmt.mean(f.mttaSeconds))</td></tr>"
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
        h += "</div>\n" + extraHTML(r)
        if !r.monitorGaps.isEmpty {
            let total = r.monitorGaps.reduce(0) { $0 + $1.length }
            h += "<p class=\"note\">Máy giám sát không chạy \(r.monitorGaps.count) lần, tổng \(Fmt.human(total)) (kể cả ngoài giờ theo lịch). / The monitor was not running \(r.monitorGaps.count) times, \(Fmt.humanEnglish(total)) in all.</p>\n"
        }
        return h + "</section>\n"
    }

    static func kpi(_ value: String, _ label: String) -> String {
        "<div class=\"kpi\"><div class=\"v\">\(Fmt.html(value))</div><div class=\"l\">\(Fmt.html(label))</div></div>"
    }

    /// The charts (Charts.swift) as inline SVG.
    static func heatMap(_ r: SiteReport) -> String { SVGCanvas.svg(Charts.heatMap(r)) }
    static func timeline(_ r: SiteReport) -> String { SVGCanvas.svg(Charts.timeline(r)) }
    static func bars(_ items: [(String, Double?)], caption: String) -> String { SVGCanvas.svg(Charts.bars(items, caption: caption)) }
}

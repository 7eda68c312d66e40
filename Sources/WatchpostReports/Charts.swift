// The report's charts, drawn once against the `Canvas` abstraction (module PDFLayout): a calendar
// heat-map of daily site availability, an outage timeline per check, and availability bars.
// `SVGCanvas` turns a chart into the HTML page's inline SVG; the PDF draws the same chart with
// cairo. Coordinates are SVG user units (the HTML shows them at 1 px each).
import WatchpostCore
import PDFLayout

/// A chart: its size and how to draw it.
struct Chart {
    var width: Double
    var height: Double
    var label: String
    var draw: (any Canvas) -> Void
}

/// Collects a chart as SVG markup.
final class SVGCanvas: Canvas {
    var body = ""

    static func svg(_ chart: Chart) -> String {
        let c = SVGCanvas()
        chart.draw(c)
        let w = Fmt.fixed(chart.width, digits: 0), h = Fmt.fixed(chart.height, digits: 0)
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" role=\"img\" aria-label=\"\(Fmt.html(chart.label))\">" + c.body + "</svg>"
    }

    static func n(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : Fmt.fixed(v, digits: 1)
    }

    func rect(x: Double, y: Double, width: Double, height: Double, fill: RGB?, stroke: RGB?, radius: Double, opacity: Double, title: String?) {
        body += "<rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\""
        if radius > 0 { body += " rx=\"\(Self.n(radius))\"" }
        body += " fill=\"\(fill?.hex ?? "none")\""
        if let s = stroke { body += " stroke=\"\(s.hex)\"" }
        if opacity < 1 { body += " opacity=\"\(Fmt.fixed(opacity, digits: 2))\"" }
        if let t = title { body += "><title>\(Fmt.html(t))</title></rect>" } else { body += "/>" }
    }

    func line(x1: Double, y1: Double, x2: Double, y2: Double, color: RGB, width: Double) {
        body += "<line x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\" stroke=\"\(color.hex)\"\(width != 1 ? " stroke-width=\"\(Self.n(width))\"" : "")/>"
    }

    func text(_ s: String, x: Double, y: Double, size: Double, color: RGB, bold: Bool, anchor: TextAnchor) {
        body += "<text x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" font-size=\"\(Self.n(size))\""
        if anchor != .start { body += " text-anchor=\"\(anchor == .middle ? "middle" : "end")\"" }
        if color != .black { body += " fill=\"\(color.hex)\"" }
        if bold { body += " font-weight=\"bold\"" }
        body += ">\(Fmt.html(s))</text>"
    }
}

enum Charts {
    static let grid = RGB(hex: "#e3e3e3"), label = RGB(hex: "#555555"), ink = RGB(hex: "#333333")
    static let outage = RGB(hex: "#d1242f"), gap = RGB(hex: "#d9d9d9")

    /// Colour for a day's availability; grey when nothing was observed, white when not scheduled.
    static func color(_ t: AvailabilityTally) -> RGB {
        if t.scheduled == 0 { return .white }
        guard let a = t.availability else { return RGB(hex: "#bdbdbd") }
        switch a {
        case 0.999...: return RGB(hex: "#1a7f37")
        case 0.99..<0.999: return RGB(hex: "#57ab5a")
        case 0.95..<0.99: return RGB(hex: "#c9d34a")
        case 0.90..<0.95: return RGB(hex: "#f0a030")
        default: return outage
        }
    }

    /// One row per month, one cell per day of the month.
    static func heatMap(_ r: SiteReport) -> Chart {
        let cell = 15.0, gapW = 2.0, left = 64.0, top = 16.0
        var rows: [(String, [(CivilDate, AvailabilityTally)])] = []
        for d in r.days {
            let label = "\(Fmt.pad(d.date.month))/\(d.date.year)"
            if rows.last?.0 == label { rows[rows.count - 1].1.append(d) } else { rows.append((label, [d])) }
        }
        let width = left + 31 * (cell + gapW) + 10, height = top + Double(rows.count) * (cell + gapW) + 34
        return Chart(width: width, height: height, label: "heat-map") { c in
            for day in 1...31 where day == 1 || day % 5 == 0 {
                c.text(String(day), x: left + Double(day - 1) * (cell + gapW) + cell / 2, y: 11, size: 8, color: label, anchor: .middle)
            }
            for (i, (name, days)) in rows.enumerated() {
                let y = top + Double(i) * (cell + gapW)
                c.text("Th \(name)", x: 0, y: y + cell - 4, size: 9, color: ink)
                for (date, t) in days {
                    c.rect(x: left + Double(date.day - 1) * (cell + gapW), y: y, width: cell, height: cell, fill: color(t),
                           stroke: t.scheduled == 0 ? RGB(hex: "#d0d0d0") : nil, radius: 2,
                           title: "\(date): \(Fmt.percent(t.availability, digits: 2)), down \(Fmt.hms(t.down)), no data \(Fmt.hms(t.noData))")
                }
            }
            let ly = top + Double(rows.count) * (cell + gapW) + 10
            let legend: [(RGB, String)] = [(RGB(hex: "#1a7f37"), "≥ 99,9 %"), (RGB(hex: "#57ab5a"), "≥ 99 %"), (RGB(hex: "#c9d34a"), "≥ 95 %"), (RGB(hex: "#f0a030"), "≥ 90 %"),
                                           (outage, "< 90 %"), (RGB(hex: "#bdbdbd"), "không dữ liệu / no data"), (.white, "ngoài lịch / not scheduled")]
            var x = 0.0
            for (col, text) in legend {
                c.rect(x: x, y: ly, width: 10, height: 10, fill: col, stroke: RGB(hex: "#bbbbbb"))
                c.text(text, x: x + 13, y: ly + 9, size: 8, color: ink)
                x += 13 + Double(text.count) * 5 + 12
            }
        }
    }

    /// Outages per check along the period (wall clock), monitor gaps shaded grey.
    static func timeline(_ r: SiteReport) -> Chart {
        let left = 120.0, width = 700.0, rowH = 14.0, top = 18.0
        let plotW = width - left - 10
        let span = Double(max(1, r.periodEnd - r.from))
        func x(_ t: Int64) -> Double { left + plotW * Double(min(max(t, r.from), r.periodEnd) - r.from) / span }
        let rows: [(String, [Outage])] = [("CỤM / SITE", r.outages)] + r.checks.map { ($0.id, $0.outages) }
        let height = top + Double(rows.count) * (rowH + 4) + 24
        return Chart(width: width, height: height, label: "outage timeline") { c in
            let days = r.period.days
            let ticks: [CivilDate] = days.count > 62 ? days.filter { $0.day == 1 } : days.filter { days.count <= 16 || $0.day % 5 == 1 }
            for d in ticks {
                let tx = x(r.zone.startOf(d).seconds)
                c.line(x1: tx, y1: top - 4, x2: tx, y2: height - 20, color: grid)
                c.text(days.count > 62 ? "Th\(d.month)" : "\(d.day)/\(d.month)", x: tx + 2, y: top - 7, size: 8, color: label)
            }
            for g in r.monitorGaps {
                let a = x(g.start), b = max(x(g.end), a + 1)
                c.rect(x: a, y: top, width: b - a, height: Double(rows.count) * (rowH + 4), fill: gap, stroke: nil, radius: 0, opacity: 0.7, title: nil)
            }
            for (i, (name, outs)) in rows.enumerated() {
                let y = top + Double(i) * (rowH + 4)
                c.text(String(name.prefix(22)), x: 0, y: y + rowH - 3, size: 9, color: ink, bold: i == 0)
                c.rect(x: left, y: y, width: plotW, height: rowH, fill: nil, stroke: RGB(hex: "#cfd8e3"))
                for o in outs {
                    let a = x(o.start), b = max(x(o.end), a + 1.2)
                    c.rect(x: a, y: y + 1, width: b - a, height: rowH - 2, fill: outage,
                           title: "\(Fmt.dateTime(o.start, r.zone)) – \(Fmt.dateTime(o.end, r.zone)): \(Fmt.hms(o.scheduledSeconds))")
                }
            }
            let ly = height - 10
            c.rect(x: left, y: ly - 8, width: 10, height: 9, fill: outage)
            c.text("ngừng hoạt động / outage", x: left + 13, y: ly, size: 8)
            c.rect(x: left + 150, y: ly - 8, width: 10, height: 9, fill: gap)
            c.text("máy giám sát không chạy / monitor not running", x: left + 163, y: ly, size: 8)
        }
    }

    /// Horizontal bars of availability, the axis from 90 % (or lower when needed) to 100 %.
    static func bars(_ items: [(String, Double?)], caption: String) -> Chart {
        let left = 140.0, width = 700.0, barH = 13.0, top = caption.isEmpty ? 6.0 : 20.0
        let lowest = items.compactMap(\.1).min() ?? 1
        let floor = lowest >= 0.9 ? 0.9 : lowest >= 0.5 ? 0.5 : 0.0
        let plotW = width - left - 70
        let height = top + Double(items.count) * (barH + 5) + 16
        return Chart(width: width, height: height, label: "availability bars") { c in
            if !caption.isEmpty { c.text(caption, x: 0, y: 12, size: 10, bold: true) }
            for k in 0...4 {
                let v = floor + (1 - floor) * Double(k) / 4
                let gx = left + plotW * Double(k) / 4
                c.line(x1: gx, y1: top, x2: gx, y2: height - 14, color: grid)
                c.text(Fmt.percent(v, digits: 1), x: gx, y: height - 4, size: 8, color: label, anchor: .middle)
            }
            for (i, (name, a)) in items.enumerated() {
                let y = top + Double(i) * (barH + 5)
                c.text(String(name.prefix(26)), x: 0, y: y + barH - 3, size: 9)
                if let a {
                    let w = max(plotW * max(0, a - floor) / (1 - floor), 1)
                    let col = color(AvailabilityTally(up: Int64((a * 1_000_000).rounded()), down: Int64(((1 - a) * 1_000_000).rounded()), unknown: 0, noData: 0))
                    c.rect(x: left, y: y, width: w, height: barH, fill: col)
                    c.text(Fmt.percent(a, digits: 2), x: left + w + 4, y: y + barH - 3, size: 9)
                } else {
                    c.text("không có dữ liệu / no data", x: left + 4, y: y + barH - 3, size: 9, color: RGB(hex: "#777777"))
                }
            }
        }
    }
}

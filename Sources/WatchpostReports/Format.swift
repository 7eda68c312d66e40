// Number, duration and text formatting shared by the report renderers. Vietnamese documents write
// decimals with a comma (99,87 %); CSV keeps a dot for spreadsheets.
import WatchpostCore

enum Fmt {
    /// `99,873 %` (Vietnamese decimal comma) or `—` when there is nothing to divide.
    static func percent(_ v: Double?, digits: Int = 3, comma: Bool = true) -> String {
        guard let v else { return "—" }
        let s = fixed(v * 100, digits: digits)
        return (comma ? s.replacingDot() : s) + " %"
    }

    /// Fixed-point without Foundation: rounds half away from zero.
    static func fixed(_ v: Double, digits: Int) -> String {
        guard v.isFinite, abs(v) < Measurement.largestMagnitude, digits <= 6 else { return String(v) }
        var scale: Double = 1
        for _ in 0..<digits { scale *= 10 }
        let n = Int64((abs(v) * scale).rounded())
        let whole = n / Int64(scale), frac = n % Int64(scale)
        var f = String(frac)
        while f.count < digits { f = "0" + f }
        return (v < 0 && n != 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + f : "")
    }

    /// `123:04:05` hours:minutes:seconds, exact to the second (pastes into a spreadsheet as time).
    static func hms(_ s: Int64) -> String {
        let h = s / 3600, m = (s % 3600) / 60, sec = s % 60
        return "\(h):\(m < 10 ? "0" : "")\(m):\(sec < 10 ? "0" : "")\(sec)"
    }

    /// A short human duration: `3 ngày 4 giờ`, `2 giờ 15 phút`, `45 phút`, `30 giây`.
    static func human(_ s: Int64) -> String {
        // Up to four days in hours: "33 giờ 3 phút" is what an operating-hours report compares.
        if s >= 4 * 86_400 { let d = s / 86_400, h = (s % 86_400) / 3600; return h > 0 ? "\(d) ngày \(h) giờ" : "\(d) ngày" }
        if s >= 3600 { let h = s / 3600, m = (s % 3600) / 60; return m > 0 ? "\(h) giờ \(m) phút" : "\(h) giờ" }
        if s >= 60 { let m = s / 60, sec = s % 60; return sec > 0 ? "\(m) phút \(sec) giây" : "\(m) phút" }
        return "\(s) giây"
    }

    static func humanEnglish(_ s: Int64) -> String {
        if s >= 4 * 86_400 { let d = s / 86_400, h = (s % 86_400) / 3600; return h > 0 ? "\(d) d \(h) h" : "\(d) d" }
        if s >= 3600 { let h = s / 3600, m = (s % 3600) / 60; return m > 0 ? "\(h) h \(m) min" : "\(h) h" }
        if s >= 60 { let m = s / 60, sec = s % 60; return sec > 0 ? "\(m) min \(sec) s" : "\(m) min" }
        return "\(s) s"
    }

    static func mean(_ v: Double?) -> String {
        guard let v, v.isFinite, abs(v) < Measurement.largestMagnitude else { return "—" }
        return human(Int64(v.rounded()))
    }

    /// `24/11/2026 07:30` in the site's zone.
    static func dateTime(_ t: Int64, _ zone: ZoneOffset) -> String {
        let i = Instant(seconds: t)
        let d = zone.localDate(of: i), tod = zone.localTime(of: i)
        return "\(pad(d.day))/\(pad(d.month))/\(d.year) \(pad(tod.secondsOfDay / 3600)):\(pad(tod.secondsOfDay % 3600 / 60))"
    }

    /// `01/01/2026 – 31/12/2026`, or up to a time when the period is cut short.
    static func range(_ r: SiteReport) -> String {
        r.to == r.periodEnd ? "\(date(r.period.firstDay)) – \(date(r.period.lastDay))" : "\(dateTime(r.from, r.zone)) – \(dateTime(r.to, r.zone))"
    }

    static func date(_ d: CivilDate) -> String { "\(pad(d.day))/\(pad(d.month))/\(d.year)" }

    static func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// `tháng 3/2026 (2026-03)`, `năm 2026`, `6 tháng đầu năm 2026`.
    static func periodName(_ p: ReportPeriod) -> String { periodName(p, .vi) + " / " + periodName(p, .en) }

    /// The period in one language: "Năm 2026" / "Year 2026", "Quý 3/2026" / "Q3 2026".
    static func periodName(_ p: ReportPeriod, _ language: Language) -> String {
        let l = p.label, vi = language == .vi
        // A report of each site's own calendar (the console's `--period yearly --of 2026`).
        if let r = CalendarPeriodRequest(key: l) {
            return Catalogue.render(Message(r.of == nil ? "report.period.calendar_latest" : "report.period.calendar", [
                "kind": .message(Message(MessageKey("report.kind.\(r.kind.rawValue)"))), "of": .text(r.of ?? ""),
                "first": .text(date(p.firstDay)), "last": .text(date(p.lastDay)),
            ]), language)
        }
        if l.count == 4 { return vi ? "Năm \(l)" : "Year \(l)" }
        if l.hasSuffix("-H1") { return vi ? "6 tháng đầu năm \(l.prefix(4))" : "First half of \(l.prefix(4))" }
        if l.hasSuffix("-H2") { return vi ? "6 tháng cuối năm \(l.prefix(4))" : "Second half of \(l.prefix(4))" }
        if l.count == 7, l.dropFirst(5).first == "Q" { return vi ? "Quý \(l.suffix(1))/\(l.prefix(4))" : "Q\(l.suffix(1)) \(l.prefix(4))" }
        if l.count == 7 {
            // "December 2026", never the ISO "2026-12" in the English part (issue 15).
            let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
            let m = Int(l.suffix(2)) ?? 0
            return vi ? "Tháng \(m)/\(l.prefix(4))" : (1...12 ~= m ? "\(months[m - 1]) \(l.prefix(4))" : l)
        }
        return vi ? "Từ \(date(p.firstDay)) đến \(date(p.lastDay))" : "\(date(p.firstDay)) to \(date(p.lastDay))"
    }

    /// The period with its first and last day, once: "Tháng 11/2026 (01/11/2026 – 30/11/2026)";
    /// a range of days already names them ("Từ 15/11/2025 đến 14/05/2026"), so it is not repeated.
    static func periodWithDays(_ p: ReportPeriod, _ language: Language) -> String {
        let name = periodName(p, language)
        return name.contains(date(p.firstDay)) ? name : name + " (\(date(p.firstDay)) – \(date(p.lastDay)))"
    }

    static func html(_ s: String) -> String { htmlEscaped(s, apostrophe: false) }

    /// RFC 4180 field.
    static func csv(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacing("\"", with: "\"\"") + "\"" : s
    }
}

extension String {
    func replacingDot() -> String { String(map { $0 == "." ? "," : $0 }) }
}

extension CheckStatus {
    var severityName: String { description.lowercased() }
}

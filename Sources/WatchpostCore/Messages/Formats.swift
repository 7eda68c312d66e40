// How times and quantities read for people, in each language, and for machines.
//
// People (emails, pages, reports in HTML/text, CLI output meant to be read):
//   moment in a sentence  vi "15 giờ 50 phút, ngày 01/12/2026"   en "15:50 on 01/12/2026"
//   moment in a table     vi/en `01/12/2026 15:50`
//   duration              vi "59 giây", "1 giờ 5 phút", "2 ngày 3 giờ"
//                         en "59 seconds", "1 hour 5 minutes", "2 days 3 hours"
//                         (never milliseconds: under a second reads "dưới 1 giây" / "under 1 second")
//   decimal               vi "4,4" (comma; thousands grouped with "."), en "4.4" (thousands ",")
// Machines (CSV, the JSON API, metrics): `MachineFormat` — decimal point, ISO 8601 with offset.
// Every moment is shown in the site's zone (`ZoneOffset`, Asia/Ho_Chi_Minh = fixed +07:00 by
// default; Vietnam has had no daylight saving since 1975, and the zone stays a setting).

public enum HumanFormat {
    /// A moment inside a sentence: "15 giờ 50 phút, ngày 01/12/2026" / "15:50 on 01/12/2026".
    public static func dateTime(_ t: Instant, _ language: Language, zone: ZoneOffset = .hoChiMinh) -> String {
        let d = zone.localDate(of: t), tod = zone.localTime(of: t)
        let h = tod.secondsOfDay / 3600, m = (tod.secondsOfDay % 3600) / 60
        switch language {
        case .vi: return "\(h) giờ \(pad2(Int64(m))) phút, ngày \(date(d))"
        case .en: return "\(pad2(Int64(h))):\(pad2(Int64(m))) on \(date(d))"
        }
    }

    /// A moment in a table cell, same in both languages: `01/12/2026 15:50`.
    public static func tableTime(_ t: Instant, zone: ZoneOffset = .hoChiMinh) -> String {
        "\(date(zone.localDate(of: t))) \(clock(t, zone: zone))"
    }

    /// The time of day alone: `15:50`.
    public static func clock(_ t: Instant, zone: ZoneOffset = .hoChiMinh) -> String {
        let s = zone.localTime(of: t).secondsOfDay
        return "\(pad2(Int64(s / 3600))):\(pad2(Int64((s % 3600) / 60)))"
    }

    /// A date, day first as Vietnamese documents write it: `01/12/2026`.
    public static func date(_ d: CivilDate) -> String {
        "\(pad2(Int64(d.day)))/\(pad2(Int64(d.month)))/\(d.year)"
    }

    /// A span in words with at most its two largest units, rounded down: "1 giờ 5 phút",
    /// "2 ngày 3 giờ", "59 giây". Negative spans read as their size (a clock stepping back).
    public static func duration(_ span: Seconds, _ language: Language) -> String {
        let ms = span.milliseconds == Int64.min ? Int64.max : abs(span.milliseconds)
        if ms == 0 { return language == .vi ? "0 giây" : "0 seconds" }
        if ms < 1000 { return language == .vi ? "dưới 1 giây" : "under 1 second" }
        let total = ms / 1000
        let units: [(size: Int64, vi: String, en: String)] = [(86_400, "ngày", "day"), (3600, "giờ", "hour"), (60, "phút", "minute"), (1, "giây", "second")]
        var parts: [String] = []
        var rest = total
        var started = false
        for u in units {
            let n = rest / u.size
            rest %= u.size
            if n > 0 {
                parts.append(language == .vi ? "\(n) \(u.vi)" : "\(n) \(u.en)\(n == 1 ? "" : "s")")
                started = true
            } else if started {
                break  // "1 giờ 0 phút 5 giây" says too much: two adjacent units at most
            }
            if parts.count == 2 { break }
        }
        return parts.joined(separator: " ")
    }

    /// A decimal with `digits` places (0…6), thousands grouped: vi "1.234,5", en "1,234.5".
    /// Not-a-number and infinities read "—": a probe value never crashes a page.
    public static func number(_ v: Double, digits: Int, _ language: Language) -> String {
        guard let (negative, whole, fraction) = decompose(v, digits: digits) else { return "—" }
        let group = language == .vi ? "." : ","
        let point = language == .vi ? "," : "."
        var w = String(whole)
        if w.count > 3 {
            var grouped = ""
            for (i, c) in w.enumerated() {
                if i > 0 && (w.count - i) % 3 == 0 { grouped += group }
                grouped.append(c)
            }
            w = grouped
        }
        return (negative ? "-" : "") + w + (fraction.isEmpty ? "" : point + fraction)
    }

    /// A percentage: vi "99,95%", en "99.95%".
    public static func percent(_ v: Double, digits: Int = 2, _ language: Language) -> String {
        number(v, digits: digits, language) + "%"
    }

    /// Splits a finite value into sign, whole part and `digits` fraction digits, rounded half
    /// away from zero. nil for NaN, infinities and magnitudes beyond 1e15 (no trap on input).
    static func decompose(_ v: Double, digits: Int) -> (Bool, Int64, String)? {
        guard v.isFinite, abs(v) < 1e15 else { return nil }
        let d = max(0, min(6, digits))
        var scale: Int64 = 1
        for _ in 0..<d { scale *= 10 }
        let scaled = (abs(v) * Double(scale)).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e18 else { return nil }
        let n = Int64(scaled)
        let whole = n / scale, frac = n % scale
        var f = d == 0 ? "" : String(frac)
        if d > 0 { f = String(repeating: "0", count: max(0, d - f.count)) + f }
        return (v < 0 && n != 0, whole, f)
    }
}

/// Formats for machines: CSV, the JSON API, metrics. Always a decimal point, never grouping.
public enum MachineFormat {
    /// `4.4`, `-0.25`; "" for NaN and infinities (an empty CSV cell, not a crash).
    public static func decimal(_ v: Double, digits: Int) -> String {
        guard let (negative, whole, fraction) = HumanFormat.decompose(v, digits: digits) else { return "" }
        return (negative ? "-" : "") + String(whole) + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// ISO 8601 with the zone's offset and whole seconds: `2026-12-01T15:50:12+07:00`.
    public static func timestamp(_ t: Instant, zone: ZoneOffset = .hoChiMinh) -> String {
        Instant(seconds: t.seconds).iso8601(offsetSeconds: zone.offsetSeconds)
    }
}

extension Seconds {
    /// A span from a device's reading in seconds; NaN reads 0 and huge values are capped at
    /// about 30 years, so that no reading can trap the conversion.
    public init(clampingSeconds v: Double) {
        let capped = v.isFinite ? max(-1e9, min(v, 1e9)) : 0
        self.init(milliseconds: Int64((capped * 1000).rounded()))
    }
}

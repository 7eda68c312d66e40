// Report periods: a year (`2026`), a half-year (`2026-H1`), a quarter (`2026-Q3`), a month
// (`2026-03`), a day (`2026-03-15`) or any `from..to` of local dates. Bounds are local midnights
// in the site's zone, so a month is the Department's month, not UTC's.

public struct ReportPeriod: Sendable, Hashable, Codable, CustomStringConvertible {
    /// First local day included.
    public var firstDay: CivilDate
    /// Last local day included.
    public var lastDay: CivilDate
    /// How people write it: `2026`, `2026-H1`, `2026-03`, `2026-03-01..2026-03-15`.
    public var label: String

    public init(firstDay: CivilDate, lastDay: CivilDate, label: String? = nil) {
        self.firstDay = firstDay; self.lastDay = lastDay
        self.label = label ?? "\(firstDay)..\(lastDay)"
    }

    public static func year(_ y: Int) -> ReportPeriod {
        ReportPeriod(firstDay: CivilDate(year: y, month: 1, day: 1), lastDay: CivilDate(year: y, month: 12, day: 31), label: String(y))
    }
    public static func month(_ y: Int, _ m: Int) -> ReportPeriod {
        ReportPeriod(firstDay: CivilDate(year: y, month: m, day: 1), lastDay: CivilDate(year: y, month: m, day: CivilDate.daysIn(month: m, year: y)),
                     label: "\(y)-\(m < 10 ? "0" : "")\(m)")
    }
    public static func half(_ y: Int, _ h: Int) -> ReportPeriod {
        ReportPeriod(firstDay: CivilDate(year: y, month: h == 1 ? 1 : 7, day: 1), lastDay: CivilDate(year: y, month: h == 1 ? 6 : 12, day: h == 1 ? 30 : 31), label: "\(y)-H\(h)")
    }
    public static func quarter(_ y: Int, _ q: Int) -> ReportPeriod {
        let m = (q - 1) * 3 + 1
        return ReportPeriod(firstDay: CivilDate(year: y, month: m, day: 1), lastDay: CivilDate(year: y, month: m + 2, day: CivilDate.daysIn(month: m + 2, year: y)), label: "\(y)-Q\(q)")
    }

    /// The years a period may fall in, as for a plain year (`2026`).
    public static let years = 1970...9999
    /// The longest `from..to` range: ten years. A report's work grows with its days, so an
    /// unbounded range (`0000-01-01..9999-12-31`, 3.6 million days) let any read-only token hold
    /// the daemon for minutes and hundreds of MB, past its systemd watchdog (#19 review s8).
    public static let longestRangeDays: Int64 = 3_660

    /// Parses `2026`, `2026-H1`, `2026-Q3`, `2026-03`, `2026-03-15`, `2026-03-01..2026-03-15`
    /// (a range of at most `longestRangeDays` days, within `years`).
    public init?(parsing text: String) {
        let t = text.trimmingWhitespace()
        if let r = t.firstRange(of: "..") {
            guard let a = CivilDate(parsing: String(t[..<r.lowerBound])), let b = CivilDate(parsing: String(t[r.upperBound...])), a <= b,
                  Self.years.contains(a.year), Self.years.contains(b.year),
                  b.daysSinceEpoch - a.daysSinceEpoch < Self.longestRangeDays else { return nil }
            self.init(firstDay: a, lastDay: b)
            return
        }
        if let d = CivilDate(parsing: t) {
            guard Self.years.contains(d.year) else { return nil }
            self.init(firstDay: d, lastDay: d, label: t); return
        }
        let parts = t.split(separator: "-")
        guard let first = parts.first, first.count == 4, let y = Int(first), y >= 1970, y <= 9999 else { return nil }
        if parts.count == 1 { self = .year(y); return }
        guard parts.count == 2 else { return nil }
        let p = parts[1].uppercased()
        if p == "H1" || p == "H2" { self = .half(y, p == "H1" ? 1 : 2); return }
        if p.count == 2, p.hasPrefix("Q"), let q = Int(p.dropFirst()), (1...4).contains(q) { self = .quarter(y, q); return }
        if p.count == 2, let m = Int(p), (1...12).contains(m) { self = .month(y, m); return }
        return nil
    }

    /// [start, end) in seconds since the epoch for a zone.
    public func bounds(in zone: ZoneOffset) -> (from: Int64, to: Int64) {
        (zone.startOf(firstDay).seconds, zone.startOf(lastDay.adding(days: 1)).seconds)
    }

    public var days: [CivilDate] {
        (firstDay.daysSinceEpoch...lastDay.daysSinceEpoch).map { CivilDate(daysSinceEpoch: $0) }
    }

    public var description: String { label }
}

extension CivilDate {
    public static func <= (a: CivilDate, b: CivilDate) -> Bool { !(b < a) }
}

// The reporting calendar: which periods a recurring report covers and when each is sent. Pure.
//
// A cadence is a set of cut-off days in the year (the last local day a period covers): one a year
// for a yearly report, two for a 6-monthly one, twelve for a monthly one. A period runs from the
// day after one cut-off to the next cut-off, so consecutive periods tile the calendar with no gap
// and no overlap whatever the cut-off: a yearly report cut off on 24/11 covers 25/11 of the year
// before to 24/11, and December is in the next year's report (no day falls out of every report).
// Cut-off days past a month's end mean its last day (31 → 28/29 in February, 30 in November), so
// the cut-offs of a year are always strictly increasing.

public enum ReportKind: String, Sendable, Hashable, Codable, CaseIterable {
    case monthly
    case halfYearly = "half-yearly"
    case yearly
    /// On request of a competent body (Tây Trang Điều 8.3; Vũng Áng Điều 6 "đột xuất"): no calendar.
    case adHoc = "ad-hoc"
}

/// How a recurring report cuts the calendar into periods.
public struct ReportCadence: Sendable, Hashable, Codable {
    public var kind: ReportKind
    /// Day of the month of the cut-off, 1...31 (past the month's end: its last day).
    public var cutoffDay: Int
    /// Month of the (first) cut-off, 1...12; ignored for monthly reports.
    public var cutoffMonth: Int

    public init(kind: ReportKind, cutoffDay: Int, cutoffMonth: Int = 12) {
        self.kind = kind
        self.cutoffDay = min(max(cutoffDay, 1), 31)
        self.cutoffMonth = min(max(cutoffMonth, 1), 12)
    }

    /// Calendar months, halves and years (cut-off on the last day of the month / June / December).
    public static let calendarMonths = ReportCadence(kind: .monthly, cutoffDay: 31)
    public static let calendarHalves = ReportCadence(kind: .halfYearly, cutoffDay: 31, cutoffMonth: 12)
    public static let calendarYears = ReportCadence(kind: .yearly, cutoffDay: 31, cutoffMonth: 12)

    /// Months (1...12) that hold a cut-off, ascending.
    public var cutoffMonths: [Int] {
        switch kind {
        case .monthly: return Array(1...12)
        case .halfYearly: return [cutoffMonth, (cutoffMonth + 5) % 12 + 1].sorted()
        case .yearly: return [cutoffMonth]
        case .adHoc: return []
        }
    }

    /// The cut-off days of `year`, ascending.
    public func cutoffs(in year: Int) -> [CivilDate] {
        cutoffMonths.map { CivilDate(year: year, month: $0, day: min(cutoffDay, CivilDate.daysIn(month: $0, year: year))) }
    }

    /// The first cut-off on or after `d`.
    func cutoff(onOrAfter d: CivilDate) -> CivilDate {
        for y in d.year...(d.year + 1) {
            if let c = cutoffs(in: y).first(where: { !($0 < d) }) { return c }
        }
        return d // ad hoc: no cut-off; callers never ask
    }

    /// The last cut-off strictly before `d`.
    func cutoff(before d: CivilDate) -> CivilDate {
        for y in stride(from: d.year, through: d.year - 1, by: -1) {
            if let c = cutoffs(in: y).last(where: { $0 < d }) { return c }
        }
        return d
    }

    /// The period that holds local day `d`.
    public func period(containing d: CivilDate) -> ReportPeriod {
        let end = cutoff(onOrAfter: d)
        let start = cutoff(before: d).adding(days: 1)
        return ReportPeriod(firstDay: start, lastDay: end, label: label(endingOn: end))
    }

    /// The period right after `p` (starts the day after `p` ends).
    public func period(after p: ReportPeriod) -> ReportPeriod { period(containing: p.lastDay.adding(days: 1)) }

    /// The period right before `p`.
    public func period(before p: ReportPeriod) -> ReportPeriod { period(containing: p.firstDay.adding(days: -1)) }

    /// A period is named after its cut-off: `2026` for the year whose cut-off falls in 2026,
    /// `2026-H1`/`2026-H2` for the first/second cut-off of 2026, `2026-11` for November's.
    /// With calendar cut-offs these are the usual names (`2026-H1` = January–June).
    func label(endingOn end: CivilDate) -> String {
        switch kind {
        case .yearly: return String(end.year)
        case .halfYearly: return "\(end.year)-H\(end.month == cutoffMonths[0] ? 1 : 2)"
        case .monthly: return "\(end.year)-\(end.month < 10 ? "0" : "")\(end.month)"
        case .adHoc: return "\(end)"
        }
    }
}

/// When a recurring report is queued: `sendAfterDays` days after its period's cut-off, at
/// `sendAt` local time; `due` is the date (day/month, yearly reports) it must reach the recipients
/// before, from the decision (Tây Trang Điều 8.1: before 30/11).
public struct ReportTiming: Sendable, Hashable, Codable {
    public var sendAfterDays: Int
    public var sendAt: TimeOfDay
    public var dueDay: Int?
    public var dueMonth: Int?

    public init(sendAfterDays: Int = 1, sendAt: TimeOfDay = TimeOfDay(hour: 8, minute: 0), dueDay: Int? = nil, dueMonth: Int? = nil) {
        self.sendAfterDays = max(0, sendAfterDays); self.sendAt = sendAt; self.dueDay = dueDay; self.dueMonth = dueMonth
    }

    /// The local day `p` is sent.
    public func sendDay(of p: ReportPeriod) -> CivilDate { p.lastDay.adding(days: Int64(sendAfterDays)) }

    /// The instant `p` is sent.
    public func sendInstant(of p: ReportPeriod, zone: ZoneOffset) -> Instant {
        Instant(seconds: zone.startOf(sendDay(of: p)).seconds + Int64(sendAt.secondsOfDay))
    }

    /// The due date of `p`: the first (day, month) on or after the cut-off.
    public func dueDate(of p: ReportPeriod) -> CivilDate? {
        guard let dd = dueDay, let dm = dueMonth else { return nil }
        for y in p.lastDay.year...(p.lastDay.year + 1) {
            let d = CivilDate(year: y, month: dm, day: min(dd, CivilDate.daysIn(month: dm, year: y)))
            if !(d < p.lastDay) { return d }
        }
        return nil
    }

    /// The report is sent strictly before its due date.
    public func isInTime(_ p: ReportPeriod) -> Bool {
        guard let due = dueDate(of: p) else { return true }
        return sendDay(of: p) < due
    }
}

extension ReportCadence {
    /// The latest period whose send time has come at `now`, given `timing` (nil for ad hoc).
    public func latestDue(at now: Instant, timing: ReportTiming, zone: ZoneOffset) -> ReportPeriod? {
        guard kind != .adHoc else { return nil }
        let today = zone.localDate(of: now)
        let p = period(containing: today.adding(days: -Int64(timing.sendAfterDays)))
        return now >= timing.sendInstant(of: p, zone: zone) ? p : period(before: p)
    }
}

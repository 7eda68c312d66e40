// A period named by the site's reporting calendar (issue #17): `--period yearly --of 2026` is the
// period of the calendar's yearly report labelled 2026 — at Tây Trang 25/11/2025–24/11/2026
// (cut-off 24/11, Decision 32/2018/QĐ-UBND Điều 8.1), at Vũng Áng 01/01–31/12/2026 (2432/QĐ-UBND
// Điều 6, 13.1) — so nobody has to type the cut-off's dates. This file owns reading such a
// request (from the command line, a page's query or the console's summary API) and resolving it
// against a site's calendar (probes/<site>/reports.conf, `ReportCalendarSettings`).
import WatchpostCore
import WatchpostConfig

/// A report of the calendar, by kind, and which of its periods.
public struct CalendarPeriodRequest: Sendable, Hashable {
    /// The calendar's `[report ID]` or a kind word (`yearly`, `half-year`, `monthly`…), as typed.
    public var name: String
    public var kind: ReportKind
    /// The period's label (`2026`, `2026-H2`, `2026-03`) or a day it holds (`2026-03-15`); nil:
    /// the latest period that has ended (the one the calendar sends).
    public var of: String?

    /// nil when `name` names no kind of recurring report.
    public init?(name: String, of: String?) {
        guard let kind = CalendarPeriodRequest.kind(named: name) else { return nil }
        self.name = name
        self.kind = kind
        self.of = of.map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The words a person may use for each kind: those of reports.conf's `every` and the
    /// reports' usual names.
    static func kind(named word: String) -> ReportKind? {
        switch word.trimmingWhitespace().lowercased() {
        case "yearly", "year": return .yearly
        case "half-year", "half-yearly", "six-monthly", "6-monthly": return .halfYearly
        case "monthly", "month": return .monthly
        default: return nil
        }
    }

    /// Is `text` a kind of report rather than a period such as 2026 or 2026-H1?
    public static func isName(_ text: String) -> Bool { kind(named: text) != nil }

    /// The request as the console's cache and the summary API write it: `yearly`, `yearly:2026`.
    public var key: String { of.map { "\(kind.rawValue):\($0)" } ?? kind.rawValue }

    /// Reads a key written by `key`.
    public init?(key: String) {
        let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
        guard let first = parts.first else { return nil }
        self.init(name: first, of: parts.count > 1 ? parts[1] : nil)
    }

    /// The site's rule for this request: a `[report ID]` of that name, else the first of its kind.
    func rule(in calendar: ReportCalendarSettings) -> ReportRule? {
        calendar.rules.first { $0.id == name && $0.kind == kind } ?? calendar.rules.first { $0.kind == kind }
    }

    /// The period of `cadence` this request names, on local day `today`.
    func period(of cadence: ReportCadence, today: CivilDate) -> ReportPeriod? {
        guard let of else { return cadence.period(before: cadence.period(containing: today)) }
        // A day or a label, within the years a report range may cover (ReportPeriod.years:
        // `of=0000-01-01` was taken as a day of year 0, #19 review s9).
        if let day = CivilDate(parsing: of) { return ReportPeriod.years.contains(day.year) ? cadence.period(containing: day) : nil }
        // A label: the period ending on the cut-off it is named after.
        let head = of.prefix(4)
        guard head.count == 4, let year = Int(head), ReportPeriod.years.contains(year) else { return nil }
        return cadence.cutoffs(in: year).lazy.map { cadence.period(containing: $0) }.first { $0.label == of }
    }

    /// The period of `site`'s calendar this request names, or an error saying what the calendar holds.
    public func resolve(site: SiteProfile, configuration: WatchpostConfiguration, today: CivilDate) throws(WatchpostError) -> ReportPeriod {
        let calendar = ScheduledReports.calendar(of: site, configuration: configuration)
        guard let rule = rule(in: calendar) else {
            throw WatchpostError(.usage, Message("report.calendar.no_such_report", ["site": .text(site.id), "name": .text(name), "reports": .text(CalendarPeriodRequest.describe(calendar))]),
                                 hint: Message("report.calendar.no_such_report_hint"))
        }
        guard let p = period(of: rule.cadence, today: today) else {
            throw WatchpostError(.usage, Message("report.calendar.no_such_period", ["of": .text(of ?? ""), "name": .text(rule.id),
                                                                                  "example": .text(rule.cadence.period(containing: today).label)]))
        }
        return p
    }

    /// The period for `site` in a box's summary for a console: the site's own calendar, or the
    /// calendar's plain periods (years, halves, months) when the site has no report of that kind,
    /// so one site never keeps a console from reading the others. nil: `of` names no period.
    public func resolveForSummary(site: SiteProfile, configuration: WatchpostConfiguration, today: CivilDate) -> ReportPeriod? {
        let cadence = rule(in: ScheduledReports.calendar(of: site, configuration: configuration))?.cadence ?? {
            switch kind {
            case .monthly: return .calendarMonths
            case .halfYearly: return .calendarHalves
            default: return .calendarYears
            }
        }()
        return period(of: cadence, today: today)
    }

    /// "yearly (24/11), monthly (31)": the calendar's recurring reports and their cut-offs.
    static func describe(_ calendar: ReportCalendarSettings) -> String {
        let recurring = calendar.rules.filter { $0.kind != .adHoc }
        return recurring.isEmpty ? "—" : recurring.map { r in
            r.kind == .monthly ? "\(r.id) (\(r.cadence.cutoffDay))" : "\(r.id) (\(r.cadence.cutoffDay)/\(r.cadence.cutoffMonth))"
        }.joined(separator: ", ")
    }
}

// Configuration of uptime reports: the site's `[availability]` section (which checks must all be
// up for the site to count as available) and the global `[reports]` section (scheduled report
// emails). The reports module reads them through `AvailabilitySettings` / `ReportSchedule`.
import WatchpostCore

public enum ReportSections {
    /// Site folder, usually site.conf: `[availability]`.
    public static let availability = SectionSchema(type: "availability", keys: [
        KeySpec("checks", .identifierList, help: "checks that must all be up for the site to count as available (default: every enabled check)"),
        KeySpec("warning", .oneOf(["up", "down"]), help: "how a WARNING counts (default up: degraded but working)"),
        KeySpec("power_check", .nonEmpty, help: "UPS check whose on-battery readings give minutes on battery and power cuts (default: the site's first ups-* check)"),
    ])

    /// watchpost.conf: `[reports]`.
    public static let reports = SectionSchema(type: "reports", keys: [
        KeySpec("monthly", .boolean, help: "send the monthly summary to the Department (default true)"),
        KeySpec("monthly_day", .integer(1...28), help: "day of the month the previous month's summary is sent (default 1)"),
        KeySpec("yearly", .boolean, help: "send the yearly report (default true)"),
        KeySpec("yearly_date", .custom("DD/MM") { ReportSchedule.parseDayMonth($0) == nil ? "'\($0)' is not a day and month such as 25/11" : nil },
                help: "date the yearly report goes to the operating unit and the Department (default 25/11)"),
        KeySpec("send_at", .custom("HH:MM") { TimeOfDay(parsing: $0, allowSeconds: false) == nil ? "'\($0)' is not a time such as 08:00" : nil },
                help: "local time of day reports are queued (default 08:00)"),
    ])
}

/// A site's availability definition.
public struct AvailabilitySettings: Sendable, Hashable {
    /// Checks that must all be up; empty means every enabled check.
    public var checks: [String]
    public var mapping: StatusMapping
    public var powerCheck: String?
    /// Line of the `checks` key, for error messages.
    public var file: String
    public var line: Int

    public init(site: SiteProfile) {
        let s = site.sections.first { $0.type == "availability" }
        checks = s?.list("checks") ?? []
        mapping = StatusMapping(warningIsDown: s?.value("warning") == "down")
        powerCheck = s?.value("power_check") ?? site.checks.first { $0.enabled && $0.kind.hasPrefix("ups") }?.id
        file = s?.file ?? "\(site.folder)/site.conf"
        line = s?.lineOf("checks") ?? 0
    }

    /// The checks that define the site's availability, or an error naming the unknown ones.
    public func siteChecks(of site: SiteProfile) throws(WatchpostError) -> [CheckDefinition] {
        if checks.isEmpty { return site.checks.filter(\.enabled) }
        var out: [CheckDefinition] = []
        for id in checks {
            guard let c = site.check(id) else {
                let hint = nearest(id, in: site.checks.map(\.id)).map { " (did you mean '\($0)'?)" } ?? ""
                throw WatchpostError(.configuration, "\(file):\(line): checks: no check '\(id)' at site \(site.id)\(hint)",
                                     hint: "list check ids from probes/\(site.id)/checks.conf in [availability] checks")
            }
            out.append(c)
        }
        return out
    }
}

/// When scheduled reports go out.
public struct ReportSchedule: Sendable, Hashable {
    public var monthly = true
    public var monthlyDay = 1
    public var yearly = true
    public var yearlyDay = 25
    public var yearlyMonth = 11
    public var sendAt = TimeOfDay(hour: 8, minute: 0)

    public init() {}

    public init(section s: ConfigSection?) {
        guard let s else { return }
        monthly = s.bool("monthly", default: true)
        monthlyDay = s.int("monthly_day", default: 1)
        yearly = s.bool("yearly", default: true)
        if let dm = s.value("yearly_date").flatMap(ReportSchedule.parseDayMonth) { yearlyDay = dm.day; yearlyMonth = dm.month }
        if let t = s.value("send_at").flatMap({ TimeOfDay(parsing: $0, allowSeconds: false) }) { sendAt = t }
    }

    /// `25/11` → (25, 11); rejects impossible dates (29/02 is refused: it is not in every year).
    public static func parseDayMonth(_ v: String) -> (day: Int, month: Int)? {
        let p = v.trimmingWhitespace().split(separator: "/")
        guard p.count == 2, let d = Int(p[0]), let m = Int(p[1]), (1...12).contains(m), d >= 1, d <= CivilDate.daysIn(month: m, year: 2025) else { return nil }
        return (d, m)
    }
}

// Configuration of uptime reports: the site's `[availability]` section (which checks must all be
// up for the site to count as available), the site's reporting calendar (`[report ID]` sections,
// usually in probes/<site>/reports.conf: which reports, their cut-off, when they are sent and to
// whom, and the article that asks for them) and the global `[reports]` section (defaults for a
// site without a calendar). The reports module reads them through `AvailabilitySettings`,
// `ReportCalendarSettings` and `ReportSchedule`.
import WatchpostCore

public enum ReportSections {
    /// Site folder, usually site.conf: `[availability]`.
    public static let availability = SectionSchema(type: "availability", keys: [
        KeySpec("checks", .identifierList, help: "checks that must all be up for the site to count as available (default: every enabled check)"),
        KeySpec("warning", .oneOf(["up", "down"]), help: "how a WARNING counts (default up: degraded but working)"),
        KeySpec("power_check", .nonEmpty, help: "UPS check whose on-battery readings give minutes on battery and power cuts (default: the site's first ups-* check)"),
    ])

    /// Site folder, usually reports.conf: `[report ID]`, one recurring (or ad-hoc) report.
    public static let report = SectionSchema(type: "report", named: true, keys: [
        KeySpec("every", .oneOf(ReportRule.everyNames), required: true, help: "month, half-year, year, or ad-hoc (on request)"),
        KeySpec("cutoff", .custom("cut-off") { ReportRule.parseCutoff($0) == nil ? Message("config.reports.cutoff", ["value": .text($0)]) : nil },
                help: "last day each period covers: DD/MM for a year or half-year (the second half-year cut-off is six months later), a day of the month (or last) for a month; default the calendar's (31/12, last)"),
        KeySpec("send_after", .integer(0...60), help: "days after the cut-off the report is queued (default 1: the next morning)"),
        KeySpec("send_at", .custom("HH:MM") { TimeOfDay(parsing: $0, allowSeconds: false) == nil ? Message("config.value.not_time", ["value": .text($0)]) : nil },
                help: "local time the report is queued (default 08:00)"),
        KeySpec("due", .custom("DD/MM") { ReportSchedule.parseDayMonth($0) == nil ? Message("config.value.not_day_month", ["value": .text($0), "example": .text("30/11")]) : nil },
                help: "the date the decision sets for the report to arrive (yearly; the send date must come before it)"),
        KeySpec("recipients", .identifierList, required: true, help: "organisation ids from alerts/contacts.conf"),
        KeySpec("basis", .nonEmpty, required: true, help: "the article that asks for this report, e.g. 32/2018/QĐ-UBND Điều 8.1"),
        KeySpec("enabled", .boolean, help: "default true"),
    ])

    /// watchpost.conf: `[reports]`.
    public static let reports = SectionSchema(type: "reports", keys: [
        KeySpec("monthly", .boolean, help: "send the monthly summary to the Department (default true)"),
        KeySpec("monthly_day", .integer(1...28), help: "day of the month the previous month's summary is sent (default 1)"),
        KeySpec("yearly", .boolean, help: "send the yearly report (default true)"),
        KeySpec("yearly_date", .custom("DD/MM") { ReportSchedule.parseDayMonth($0) == nil ? Message("config.value.not_day_month", ["value": .text($0), "example": .text("25/11")]) : nil },
                help: "ignored since the reporting calendar: set the yearly cut-off in probes/<site>/reports.conf"),
        KeySpec("send_at", .custom("HH:MM") { TimeOfDay(parsing: $0, allowSeconds: false) == nil ? Message("config.value.not_time", ["value": .text($0)]) : nil },
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

    /// Cross-checks a site's `[availability]` as `watchpost check` and a reload do for the other
    /// references: every id in `checks` and `power_check` is a check of this site, enabled and
    /// named once, and the power check is a UPS check (its on-battery readings are what the
    /// report counts). A typo here
    /// passed `check` and made every uptime report of the site fail with a 500 (#19 review s9).
    public static func diagnose(_ sections: [ConfigSection], checks: [CheckDefinition]) -> [ConfigDiagnostic] {
        var out: [ConfigDiagnostic] = []
        let ids = checks.map(\.id)
        func hint(_ id: String) -> MessageValue { nearest(id, in: ids).map { .message(Message("config.hint.nearest", ["name": .text($0)])) } ?? .text("") }
        for s in sections where s.type == "availability" {
            var listed: Set<String> = []
            for id in s.list("checks") {
                let line = s.lineOf("checks")
                // Twice is a slip (a copy, or one id meant as another), never a weight.
                guard listed.insert(id).inserted else {
                    out.append(.init(file: s.file, line: line, key: "checks", Message("config.availability.listed_twice", ["check": .text(id)])))
                    continue
                }
                guard let check = checks.first(where: { $0.id == id }) else {
                    out.append(.init(file: s.file, line: line, key: "checks", Message("config.availability.no_such_check", ["check": .text(id), "hint": hint(id)])))
                    continue
                }
                // A disabled check never runs, so it has no up or down time: the report leaves it
                // out of the site's uptime without a word, and the site would count as available
                // while that part of it is not watched at all (#19 review s10).
                if !check.enabled {
                    out.append(.init(file: s.file, line: line, key: "checks", Message("config.availability.disabled_check", ["check": .text(id)])))
                }
            }
            guard let power = s.value("power_check") else { continue }
            if let check = checks.first(where: { $0.id == power }) {
                if !check.kind.hasPrefix("ups") {
                    out.append(.init(file: s.file, line: s.lineOf("power_check"), key: "power_check",
                                     Message("config.availability.power_not_ups", ["check": .text(power), "kind": .text(check.kind)])))
                } else if !check.enabled {
                    out.append(.init(file: s.file, line: s.lineOf("power_check"), key: "power_check",
                                     Message("config.availability.power_disabled", ["check": .text(power)])))
                }
            } else {
                out.append(.init(file: s.file, line: s.lineOf("power_check"), key: "power_check", Message("config.availability.no_such_check", ["check": .text(power), "hint": hint(power)])))
            }
        }
        return out
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

/// One report of a site's calendar (`[report ID]`).
public struct ReportRule: Sendable, Hashable {
    public var id: String
    public var cadence: ReportCadence
    public var timing: ReportTiming
    /// Organisation ids.
    public var recipients: [String]
    /// The article that asks for the report (cited in the report and the email).
    public var basis: String
    public var file: String
    public var line: Int

    public var kind: ReportKind { cadence.kind }

    public init(id: String, cadence: ReportCadence, timing: ReportTiming = ReportTiming(), recipients: [String], basis: String, file: String = "", line: Int = 0) {
        self.id = id; self.cadence = cadence; self.timing = timing; self.recipients = recipients; self.basis = basis; self.file = file; self.line = line
    }

    static let everyNames = ["month", "half-year", "year", "ad-hoc"]

    static func kind(every: String) -> ReportKind? {
        switch every.trimmingWhitespace() {
        case "month": return .monthly
        case "half-year": return .halfYearly
        case "year": return .yearly
        case "ad-hoc": return .adHoc
        default: return nil
        }
    }

    /// `24/11` → (24, 11); `31` or `last` → (31, nil).
    static func parseCutoff(_ v: String) -> (day: Int, month: Int?)? {
        let t = v.trimmingWhitespace()
        if t == "last" { return (31, nil) }
        if let d = Int(t), (1...31).contains(d) { return (d, nil) }
        if let dm = ReportSchedule.parseDayMonth(t) { return (dm.day, dm.month) }
        // 31/12-style days past a short month are refused by parseDayMonth; allow the month's end.
        let p = t.split(separator: "/")
        if p.count == 2, let d = Int(p[0]), let m = Int(p[1]), (1...12).contains(m), d == 31 { return (31, m) }
        return nil
    }
}

/// A site's reporting calendar.
public struct ReportCalendarSettings: Sendable, Hashable {
    public var rules: [ReportRule]

    /// Reads the site's `[report ID]` sections. A site without any gets the calendar of the global
    /// `[reports]` section: the monthly summary to the Department and a calendar-year report to the
    /// operating unit and the Department, sent the day after 31/12 — so no day is left out.
    public init(site: SiteProfile, defaults: ReportSchedule = ReportSchedule(), contacts: ContactBook? = nil) {
        let sections = site.sections.filter { $0.type == "report" }
        if sections.isEmpty {
            var out: [ReportRule] = []
            let departments = contacts?.organisations(withRole: .department, site: site.id).map(\.id) ?? []
            if defaults.monthly {
                out.append(ReportRule(id: "monthly", cadence: .calendarMonths,
                                      timing: ReportTiming(sendAfterDays: max(0, defaults.monthlyDay - 1), sendAt: defaults.sendAt),
                                      recipients: departments, basis: "Watchpost monthly summary (not required by the decisions)"))
            }
            if defaults.yearly {
                out.append(ReportRule(id: "yearly", cadence: .calendarYears, timing: ReportTiming(sendAfterDays: 1, sendAt: defaults.sendAt),
                                      recipients: [site.operatorOrganisation] + departments, basis: "Watchpost calendar-year report (no probes/\(site.id)/reports.conf)"))
            }
            rules = out
            return
        }
        rules = sections.compactMap { s in
            guard let name = s.name, let kind = ReportRule.kind(every: s.string("every")) else { return nil }
            if !s.bool("enabled", default: true) { return nil }
            let cut = s.value("cutoff").flatMap(ReportRule.parseCutoff) ?? (31, 12)
            let due = s.value("due").flatMap(ReportSchedule.parseDayMonth)
            return ReportRule(id: name, cadence: ReportCadence(kind: kind, cutoffDay: cut.day, cutoffMonth: cut.month ?? 12),
                              timing: ReportTiming(sendAfterDays: s.int("send_after", default: 1),
                                                   sendAt: s.value("send_at").flatMap { TimeOfDay(parsing: $0, allowSeconds: false) } ?? TimeOfDay(hour: 8, minute: 0),
                                                   dueDay: due?.day, dueMonth: due?.month),
                              recipients: s.list("recipients"), basis: s.string("basis"), file: s.file, line: s.line)
        }.sorted { $0.id < $1.id }
    }

    public func rule(_ id: String) -> ReportRule? { rules.first { $0.id == id } }

    /// Cross-checks a site's calendar: recipients exist, cut-offs fit the kind, yearly reports
    /// are sent before their due date, ids are unique.
    public static func diagnose(_ sections: [ConfigSection], siteID: String, contacts: ContactBook) -> [ConfigDiagnostic] {
        var out: [ConfigDiagnostic] = []
        var seen: Set<String> = []
        for s in sections where s.type == "report" {
            let name = s.name ?? ""
            if !seen.insert(name).inserted { out.append(.init(file: s.file, line: s.line, key: "report", Message("config.report.defined_twice", ["name": .text(name)]))) }
            for r in s.list("recipients") where contacts.organisations[r] == nil {
                let hint: MessageValue = nearest(r, in: Array(contacts.organisations.keys)).map { .message(Message("config.did_you_mean", ["word": .text($0)])) } ?? ""
                out.append(.init(file: s.file, line: s.lineOf("recipients"), key: "recipients", Message("config.report.no_organisation", ["id": .text(r), "hint": hint])))
            }
            guard let kind = ReportRule.kind(every: s.string("every")) else { continue }
            let cut = s.value("cutoff").flatMap(ReportRule.parseCutoff)
            if let cut {
                if kind == .monthly && cut.month != nil {
                    out.append(.init(file: s.file, line: s.lineOf("cutoff"), key: "cutoff", Message("config.report.monthly_cutoff")))
                }
                if (kind == .yearly || kind == .halfYearly) && s.has("cutoff") && cut.month == nil {
                    out.append(.init(file: s.file, line: s.lineOf("cutoff"), key: "cutoff", Message(kind == .yearly ? "config.report.yearly_cutoff" : "config.report.half_yearly_cutoff")))
                }
            }
            if kind == .adHoc {
                for k in ["cutoff", "send_after", "send_at", "due"] where s.has(k) {
                    out.append(.init(file: s.file, line: s.lineOf(k), key: k, Message("config.report.adhoc_no_calendar", ["key": .text(k)])))
                }
            }
            if s.has("due") && kind != .yearly {
                out.append(.init(file: s.file, line: s.lineOf("due"), key: "due", Message("config.report.due_yearly_only")))
            }
            if kind == .yearly, let dm = s.value("due").flatMap(ReportSchedule.parseDayMonth) {
                let cutoff = cut ?? (31, 12)
                let cadence = ReportCadence(kind: .yearly, cutoffDay: cutoff.day, cutoffMonth: cutoff.month ?? 12)
                let timing = ReportTiming(sendAfterDays: s.int("send_after", default: 1), dueDay: dm.day, dueMonth: dm.month)
                // Leap years move a cut-off of 28/02 or 29/02 by a day: check a leap and a common year.
                for year in [2027, 2028] {
                    let p = cadence.period(containing: CivilDate(year: year, month: cadence.cutoffMonth, day: 1))
                    if !timing.isInTime(p) {
                        let due = timing.dueDate(of: p).map(\.description) ?? "?"
                        out.append(.init(file: s.file, line: s.lineOf("due"), key: "due",
                                         Message("config.report.late_for_due", ["period": .text(p.label), "send_day": .text("\(timing.sendDay(of: p))"), "due": .text(due)])))
                        break
                    }
                }
            }
        }
        return out
    }
}

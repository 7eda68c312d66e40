// Site-folder sections owned by the registers (issue #18), listed in `SiteSections.extra`:
//   site.conf `[plan]`            what the operating unit may plan (Tây Trang 7.2.1.b: 8–10 h on
//                                 weekends and holidays "as circumstances allow")
//   inspection.conf `[inspection]` the checklist of an inspection (Tây Trang 7.1.3; Vũng Áng 4.1)
//   site.conf `[feedback]`        when unanswered feedback is reminded (Tây Trang 7.2.5)
import WatchpostCore

public enum RegisterSections {
    public static let plan = SectionSchema(type: "plan", keys: [
        KeySpec("hours", .custom("a range of whole hours like 8-10", { parseHourRange($0) == nil ? Message("config.value.not_hour_range", ["value": .text($0)]) : nil }),
                help: "hours a planned weekend day or holiday may have; without it only closures can be planned"),
        KeySpec("weekend_days", .listOf(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]),
                help: "days that count as weekend days (default saturday, sunday)"),
        KeySpec("source", .text, help: "the article the range comes from, shown when a plan is refused"),
    ])

    /// `[inspection]`: free keys, one checklist item per line: `screen = Màn hình LED / LED screen`.
    public static let inspection = SectionSchema(type: "inspection", keys: [], freeKeys: .nonEmpty)

    public static let feedback = SectionSchema(type: "feedback", keys: [
        KeySpec("remind_after", .duration(min: .hours(1), max: .hours(24 * 365)), help: "remind unanswered feedback older than this (default 7d)"),
    ])

    static func parseHourRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-").map { Int($0.trimmingWhitespace()) }
        guard parts.count == 2, let lo = parts[0], let hi = parts[1], 0 <= lo, lo <= hi, hi <= 24 else { return nil }
        return lo...hi
    }

    static let weekdayNumbers = ["monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7]
}

/// One item of a site's inspection checklist.
public struct InspectionChecklistItem: Sendable, Hashable {
    public var id: String
    /// "Vietnamese / English" as written in inspection.conf.
    public var label: String
}

extension SiteProfile {
    /// What the operating unit may plan at this site; closures only without `[plan] hours`.
    public var planPolicy: PlanPolicy {
        guard let s = sections.first(where: { $0.type == "plan" }) else { return .closuresOnly }
        let days = s.list("weekend_days").compactMap { RegisterSections.weekdayNumbers[$0] }
        return PlanPolicy(hours: s.value("hours").flatMap(RegisterSections.parseHourRange), weekendDays: days.isEmpty ? [6, 7] : Set(days),
                          source: s.string("source"))
    }

    /// The inspection checklist (inspection.conf), in file order.
    public var inspectionChecklist: [InspectionChecklistItem] {
        sections.filter { $0.type == "inspection" }.flatMap { $0.entries.map { InspectionChecklistItem(id: $0.key, label: $0.value) } }
    }

    /// Unanswered feedback older than this is reminded.
    public var feedbackReminder: Seconds {
        sections.first { $0.type == "feedback" }?.duration("remind_after", default: .hours(24 * 7)) ?? .hours(24 * 7)
    }
}

extension WatchpostConfiguration {
    /// The configuration with the operating plan laid over each site's schedule: what the
    /// scheduler, the engine (dark screens, operating hours) and the reports judge against.
    /// Entries for sites not configured are ignored.
    /// Each change holds from the instant it was made (Tây Trang 7.2.1.b, "from that moment").
    public func applyingPlan(_ changes: [PlanChange]) -> WatchpostConfiguration {
        guard !changes.isEmpty else { return self }
        var c = self
        for i in c.sites.indices {
            let mine = changes.filter { $0.site == c.sites[i].id }
            if !mine.isEmpty { c.sites[i].schedule = c.sites[i].schedule.applying(mine) }
        }
        return c
    }
}

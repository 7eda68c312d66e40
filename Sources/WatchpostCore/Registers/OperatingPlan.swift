// The operating plan: the operating unit's own hours for a given weekend day or holiday, and
// one-off closures with a reason, laid over the site's profile schedule.
//
// Why it exists: Tây Trang 7.2.1.b lets the border-guard post run the screen 8–10 hours on
// weekends and holidays "as circumstances allow" (tùy theo thực tế). A fixed profile window
// either books hours the post never planned (false downtime, dark-screen incidents) or misses
// hours it did run. The plan is what the post decided for that day; the schedule, the judging
// of dark screens and the availability figures follow it. Without an entry the profile applies.
//
// Pure: entries in, a schedule out; validation returns problems per field so a form can show
// each beside its input and keep what was typed.

/// A problem with one field of something a person entered (a form, a command's option).
public struct FieldProblem: Sendable, Hashable, CustomStringConvertible {
    /// The form field or command option it belongs to (`date`, `hours`, `reason`…).
    public var field: String
    public var message: Message

    public init(_ field: String, _ message: Message) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(Catalogue.render(message, .en))" }

    /// The problems found reading what was typed, then those of the record's own checks for the
    /// fields not already wrong. A record built with a stand-in for an unreadable date or choice
    /// is checked for everything else, so one refusal lists every mistake (the web form and the
    /// command line alike), and a stand-in never adds a problem of its own.
    public static func all(_ read: [FieldProblem], _ checked: [FieldProblem]) -> [FieldProblem] {
        let flagged = Set(read.map(\.field))
        return read + checked.filter { !flagged.contains($0.field) }
    }
}

/// One day of the plan.
public struct PlanEntry: Sendable, Hashable, Codable {
    public enum Change: Sendable, Hashable, Codable {
        /// The day's operating windows (weekend days and holidays, within the site's range).
        case hours([DailyWindow])
        /// Not operated that day, for the stated reason.
        case closed
    }

    public var site: String
    public var date: CivilDate
    public var change: Change
    public var reason: String
    /// Who set it (user name) and when.
    public var by: String
    public var at: Instant

    public init(site: String, date: CivilDate, change: Change, reason: String, by: String, at: Instant) {
        self.site = site
        self.date = date
        self.change = change
        self.reason = reason
        self.by = by
        self.at = at
    }

    /// What the timeline, the forms and the command line say about this entry. A plan without a
    /// reason says none (no empty "()").
    public var message: Message {
        switch change {
        case .closed:
            return Message("registers.plan.closed", ["date": .date(date), "reason": .text(reason)])
        case .hours(let ws):
            let hours = ws.map(\.description).joined(separator: ", ")
            return reason.isEmpty ? Message("registers.plan.set_no_reason", ["date": .date(date), "hours": .text(hours)])
                : Message("registers.plan.set", ["date": .date(date), "hours": .text(hours), "reason": .text(reason)])
        }
    }

    public var plannedSeconds: Int64 {
        switch change {
        case .closed: return 0
        case .hours(let ws): return ws.reduce(0) { $0 + $1.length }
        }
    }
}

/// What a site allows its operating unit to plan (site.conf `[plan]`).
public struct PlanPolicy: Sendable, Hashable {
    /// Allowed hours on a planned weekend day or holiday; nil when the site runs fixed hours
    /// (Vũng Áng runs 24/24, 2432 Art. 3.2 and 4.2) and only closures can be recorded.
    public var hours: ClosedRange<Int>?
    /// ISO weekdays counted as weekend days (6 Saturday, 7 Sunday).
    public var weekendDays: Set<Int>
    /// The article the range comes from, shown with refusals.
    public var source: String

    public init(hours: ClosedRange<Int>?, weekendDays: Set<Int> = [6, 7], source: String) {
        self.hours = hours
        self.weekendDays = weekendDays
        self.source = source
    }

    /// A site without a `[plan]` section: closures only.
    public static let closuresOnly = PlanPolicy(hours: nil, source: "")

    /// Longest text a person may type into a reason.
    public static let maxReasonLength = 500
}

public enum OperatingPlan {
    /// Problems with `entry` for a site with `schedule` and `policy`, entered on `today` (site
    /// local date). Empty means valid.
    public static func problems(_ entry: PlanEntry, schedule: OperatingSchedule, policy: PlanPolicy, today: CivilDate) -> [FieldProblem] {
        var out: [FieldProblem] = []
        if entry.date < today {
            out.append(FieldProblem("date", Message("registers.plan.past", ["date": .date(entry.date)])))
        }
        if entry.by.trimmingWhitespace().isEmpty {
            out.append(FieldProblem("by", Message("registers.field.required")))
        }
        out += RegisterText.problems(entry.reason, field: "reason", required: entry.change == .closed, max: PlanPolicy.maxReasonLength, oneLine: true)
        guard case .hours(let windows) = entry.change else { return out }
        guard let range = policy.hours else {
            out.append(FieldProblem("hours", Message("registers.plan.fixed_hours")))
            return out
        }
        let isHoliday: Bool = { if case .holiday? = schedule.exceptions[entry.date] { return true }; return false }()
        if !isHoliday && !policy.weekendDays.contains(entry.date.isoWeekday) {
            out.append(FieldProblem("date", Message("registers.plan.not_weekend", ["date": .date(entry.date), "source": .text(policy.source)])))
        }
        if windows.isEmpty {
            out.append(FieldProblem("hours", Message("registers.field.required")))
            return out
        }
        for w in windows where w.start == w.end {
            out.append(FieldProblem("hours", Message("registers.plan.window_empty", ["window": .text(w.description)])))
        }
        let sorted = windows.filter { $0.length > 0 }.sorted { $0.startOffset < $1.startOffset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.startOffset < a.endOffset {
            out.append(FieldProblem("hours", Message("registers.plan.windows_overlap", ["first": .text(a.description), "second": .text(b.description)])))
        }
        let total = entry.plannedSeconds
        if total < Int64(range.lowerBound) * 3600 || total > Int64(range.upperBound) * 3600 {
            out.append(FieldProblem("hours", Message("registers.plan.hours_range", [
                "planned": .duration(Seconds(total)), "min": .int(Int64(range.lowerBound)), "max": .int(Int64(range.upperBound)),
                "source": .text(policy.source),
            ])))
        }
        return out
    }
}

/// One change to one day's plan as it was made: an entry set, or the day's plan removed. The
/// store keeps every change (the plan's history), so the schedule can apply each from the moment
/// it was made: Tây Trang 7.2.1.b lets the post decide its weekend hours "as circumstances allow",
/// and a decision taken at 14:00 cannot rewrite how the hours before 14:00 were judged.
public struct PlanChange: Sendable, Hashable, Codable {
    public var site: String
    public var date: CivilDate
    public var by: String
    public var at: Instant
    /// The day's plan from `at` on; nil when the plan was removed (the profile applies again).
    public var entry: PlanEntry?

    public init(_ entry: PlanEntry) {
        site = entry.site
        date = entry.date
        by = entry.by
        at = entry.at
        self.entry = entry
    }

    public init(clearing date: CivilDate, site: String, by: String, at: Instant) {
        self.site = site
        self.date = date
        self.by = by
        self.at = at
        entry = nil
    }
}

extension PlanEntry.Change {
    /// The schedule's exception for a planned day.
    func exception(reason: String) -> DayException {
        switch self {
        case .closed: return .closed(reason: reason)
        case .hours(let ws): return .windows(ws, reason: reason)
        }
    }
}

extension OperatingSchedule {
    /// This schedule with the plan's changes laid over it, each from the instant it was made: an
    /// entry made before its day replaces the whole day; one made during the day replaces what
    /// is left of it, and the hours already past keep the windows they had.
    public func applying(_ changes: [PlanChange]) -> OperatingSchedule {
        revising(changes.sorted { $0.at < $1.at }.map { c in
            (c.date, DayRevision(from: c.at.seconds, exception: c.entry.map { $0.change.exception(reason: $0.reason) }))
        })
    }

    /// The plan's current entries laid over this schedule, each from the instant it was set
    /// (without the history of earlier changes: use the store's `planChanges` to judge the past).
    public func applying(_ plan: [PlanEntry]) -> OperatingSchedule { applying(plan.map(PlanChange.init)) }
}

/// Length and character rules for text typed into registers.
public enum RegisterText {
    /// Problems with one text field: required and empty, too long, or holding control
    /// characters (NUL, CR…) that would corrupt a CSV export or a log line.
    /// `oneLine`: a line break is refused too (a plan's reason is shown on one line of the board,
    /// the timeline and the CSV).
    public static func problems(_ text: String, field: String, required: Bool, max: Int, oneLine: Bool = false) -> [FieldProblem] {
        let t = text.trimmingWhitespace()
        var out: [FieldProblem] = []
        if oneLine && t.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) { out.append(FieldProblem(field, Message("registers.field.one_line"))) }
        if required && t.isEmpty { out.append(FieldProblem(field, Message("registers.field.required"))) }
        if t.count > max { out.append(FieldProblem(field, Message("registers.field.too_long", ["max": .int(Int64(max)), "length": .int(Int64(t.count))]))) }
        if t.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7F }) {
            out.append(FieldProblem(field, Message("registers.field.control_characters")))
        }
        return out
    }

    /// A browser sends a textarea's line breaks as CR LF: they are line breaks, not control bytes.
    public static func normalisingLineBreaks(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var previousCR = false
        for u in text.unicodeScalars {
            if u == "\r" { out.append("\n"); previousCR = true; continue }
            if u == "\n" && previousCR { previousCR = false; continue }
            previousCR = false
            out.append(u)
        }
        return String(out)
    }

    /// `text` without the control bytes `problems` refuses, for showing a refused form again: what
    /// was typed comes back, the bytes that made it invalid do not.
    public static func withoutControlCharacters(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for u in normalisingLineBreaks(text).unicodeScalars where !((u.value < 0x20 && u != "\n" && u != "\t") || u.value == 0x7F) { out.append(u) }
        return String(out)
    }
}

/// A timezone as the schedule uses it: an IANA name kept for display and a fixed UTC offset.
/// Vietnam has used UTC+7 without daylight saving since 1975, so a fixed offset is exact for
/// Asia/Ho_Chi_Minh; the zone stays a setting so that a site elsewhere can name its own.
public struct ZoneOffset: Sendable, Hashable, Codable, CustomStringConvertible {
    public var identifier: String
    public var offsetSeconds: Int

    public init(identifier: String, offsetSeconds: Int) {
        self.identifier = identifier
        self.offsetSeconds = offsetSeconds
    }

    public static let hoChiMinh = ZoneOffset(identifier: "Asia/Ho_Chi_Minh", offsetSeconds: 7 * 3600)
    public static let utc = ZoneOffset(identifier: "UTC", offsetSeconds: 0)

    /// Zones without daylight saving that a site in the region may name, plus `UTC±HH:MM`.
    static let known: [String: Int] = [
        "Asia/Ho_Chi_Minh": 25_200, "Asia/Saigon": 25_200, "Asia/Bangkok": 25_200,
        "Asia/Vientiane": 25_200, "Asia/Phnom_Penh": 25_200, "Asia/Jakarta": 25_200,
        "Asia/Shanghai": 28_800, "Asia/Singapore": 28_800, "Asia/Kuala_Lumpur": 28_800,
        "Asia/Yangon": 23_400, "Asia/Tokyo": 32_400, "UTC": 0, "Etc/UTC": 0,
    ]

    public static var knownIdentifiers: [String] { known.keys.sorted() }

    /// `Asia/Ho_Chi_Minh`, `UTC`, or `UTC+07:00`.
    public init?(parsing text: String) {
        let t = text.trimmingWhitespace()
        if let off = ZoneOffset.known[t] { self.init(identifier: t, offsetSeconds: off); return }
        guard t.hasPrefix("UTC"), t.count == 9, let sign = t.dropFirst(3).first, sign == "+" || sign == "-",
              let tod = TimeOfDay(parsing: String(t.dropFirst(4)), allowSeconds: false), tod.secondsOfDay <= 14 * 3600
        else { return nil }
        self.init(identifier: t, offsetSeconds: (sign == "-" ? -1 : 1) * tod.secondsOfDay)
    }

    public var description: String { identifier }

    public func localDate(of t: Instant) -> CivilDate { CivilDate(daysSinceEpoch: floorDivMod(t.seconds + Int64(offsetSeconds), 86_400).0) }
    public func localTime(of t: Instant) -> TimeOfDay { TimeOfDay(secondsOfDay: Int(floorDivMod(t.seconds + Int64(offsetSeconds), 86_400).1)) }
    /// The instant at which local date `d` begins.
    public func startOf(_ d: CivilDate) -> Instant { Instant(seconds: d.daysSinceEpoch * 86_400 - Int64(offsetSeconds)) }
    public func format(_ t: Instant) -> String { t.iso8601(offsetSeconds: offsetSeconds) }
}

/// One window of a day, local time. `end` before `start` means the window crosses
/// midnight into the next day (`22:00-06:00`); `00:00-24:00` is the whole day.
public struct DailyWindow: Sendable, Hashable, Codable, CustomStringConvertible {
    public var start: TimeOfDay
    public var end: TimeOfDay

    public init(start: TimeOfDay, end: TimeOfDay) { self.start = start; self.end = end }

    public var crossesMidnight: Bool { end.secondsOfDay < start.secondsOfDay }
    /// Seconds from the start of the day the window begins on.
    public var startOffset: Int64 { Int64(start.secondsOfDay) }
    public var endOffset: Int64 { Int64(end.secondsOfDay) + (crossesMidnight ? 86_400 : 0) }
    public var length: Int64 { endOffset - startOffset }

    /// Parses `07:30-11:00`.
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let s = TimeOfDay(parsing: String(parts[0])), let e = TimeOfDay(parsing: String(parts[1])),
              s.secondsOfDay < 86_400 else { return nil }
        self.init(start: s, end: e)
    }

    public var description: String { "\(start)-\(end)" }
}

/// What a dated exception does to its day.
public enum DayException: Sendable, Hashable, Codable {
    /// A public holiday: the schedule's holiday windows apply.
    case holiday(name: String)
    /// Closed all day (e.g. maintenance closure).
    case closed(reason: String)
    /// Special hours for an event, replacing the day's usual windows.
    case windows([DailyWindow], reason: String)

    public var label: String {
        switch self {
        case .holiday(let n): return n
        case .closed(let r): return r
        case .windows(_, let r): return r
        }
    }
}

/// A change to one day made while time runs, holding from the instant it was made and never
/// earlier (the operating plan, Tây Trang 7.2.1.b: the schedule follows it "from that moment").
/// A closure recorded at 14:00 leaves the hours before 14:00 as they were judged and measured.
public struct DayRevision: Sendable, Hashable, Codable {
    /// Seconds since the epoch from which the revision holds.
    public var from: Int64
    /// What the day becomes; nil: its own windows again (a plan removed).
    public var exception: DayException?

    public init(from: Int64, exception: DayException?) {
        self.from = from
        self.exception = exception
    }
}

/// A half-open span of time [start, end) in whole seconds since the epoch.
public struct TimeSpan: Sendable, Hashable, Codable, CustomStringConvertible {
    public var start: Int64
    public var end: Int64
    public init(start: Int64, end: Int64) { self.start = start; self.end = end }
    public var length: Int64 { max(0, end - start) }
    public var description: String { "[\(Instant(seconds: start)), \(Instant(seconds: end)))" }
}

/// When a site's screen is meant to be on: weekly windows plus dated exceptions, in the site's zone.
/// It answers exactly: is it on at t, when does that next change, and how many scheduled seconds
/// fall in [a, b). Whole seconds throughout.
public struct OperatingSchedule: Sendable, Hashable, Codable {
    public var zone: ZoneOffset
    /// Windows per ISO weekday (1 Monday … 7 Sunday); a missing day has none.
    public var weekly: [Int: [DailyWindow]]
    /// Windows used on days marked `.holiday`.
    public var holidayWindows: [DailyWindow]
    public var exceptions: [CivilDate: DayException]
    /// Changes to days made over time, each day's in the order they hold (`from`, then as made):
    /// before a day's first revision its windows are the ones above, from each revision on the
    /// revision's. Empty for a schedule read from the profile.
    public var revisions: [CivilDate: [DayRevision]] = [:]

    public init(zone: ZoneOffset, weekly: [Int: [DailyWindow]], holidayWindows: [DailyWindow] = [], exceptions: [CivilDate: DayException] = [:]) {
        self.zone = zone
        self.weekly = weekly
        self.holidayWindows = holidayWindows
        self.exceptions = exceptions
    }

    /// Every second of every day: Vũng Áng's 24/7.
    public static func always(zone: ZoneOffset = .hoChiMinh) -> OperatingSchedule {
        let all = [DailyWindow(start: TimeOfDay(secondsOfDay: 0), end: TimeOfDay(secondsOfDay: 86_400))]
        return OperatingSchedule(zone: zone, weekly: Dictionary(uniqueKeysWithValues: (1...7).map { ($0, all) }), holidayWindows: all)
    }

    /// The windows that begin on local date `d`, as the day now stands (after its latest revision).
    public func windows(on d: CivilDate) -> [DailyWindow] {
        windows(on: d, under: revisions[d]?.last.map { $0.exception ?? exceptions[d] } ?? exceptions[d])
    }

    /// The windows of local date `d` when `exception` is the day's exception.
    func windows(on d: CivilDate, under exception: DayException?) -> [DailyWindow] {
        switch exception {
        case .holiday?: return holidayWindows
        case .closed?: return []
        case .windows(let w, _)?: return w
        case nil: return weekly[d.isoWeekday] ?? []
        }
    }

    /// Adds revisions to days, keeping each day's in the order they hold; a revision already
    /// there (the same instant and change) is not added twice.
    public func revising(_ added: [(CivilDate, DayRevision)]) -> OperatingSchedule {
        var s = self
        for (d, r) in added where !(s.revisions[d] ?? []).contains(r) { s.revisions[d, default: []].append(r) }
        for d in Set(added.map(\.0)) {
            // Sorted by instant; equal instants keep the order they were made in (enumerated index).
            s.revisions[d] = s.revisions[d]?.enumerated().sorted { ($0.element.from, $0.offset) < ($1.element.from, $1.offset) }.map(\.element)
        }
        return s
    }

    /// Merged on-spans that begin on local days `firstDay...lastDay` (days since epoch).
    func spans(fromDay firstDay: Int64, toDay lastDay: Int64) -> [TimeSpan] {
        var raw: [TimeSpan] = []
        var day = firstDay
        while day <= lastDay {
            let base = day * 86_400 - Int64(zone.offsetSeconds)
            let date = CivilDate(daysSinceEpoch: day)
            // Each regime of the day (its own windows, then each revision) holds from its
            // instant until the next one's: windows are cut at those instants.
            var regimes: [(from: Int64, windows: [DailyWindow])] = [(Int64.min, windows(on: date, under: exceptions[date]))]
            for r in revisions[date] ?? [] { regimes.append((r.from, windows(on: date, under: r.exception ?? exceptions[date]))) }
            for (i, regime) in regimes.enumerated() {
                let until = i + 1 < regimes.count ? regimes[i + 1].from : Int64.max
                guard until > regime.from else { continue }
                for w in regime.windows where w.length > 0 {
                    let s = TimeSpan(start: max(base + w.startOffset, regime.from), end: min(base + w.endOffset, until))
                    if s.length > 0 { raw.append(s) }
                }
            }
            day += 1
        }
        raw.sort { $0.start < $1.start }
        var merged: [TimeSpan] = []
        for s in raw {
            if let last = merged.last, s.start <= last.end {
                merged[merged.count - 1].end = max(last.end, s.end)
            } else {
                merged.append(s)
            }
        }
        return merged
    }

    func localDay(_ second: Int64) -> Int64 { floorDivMod(second + Int64(zone.offsetSeconds), 86_400).0 }

    /// Merged on-spans intersected with [a, b).
    public func onSpans(from a: Int64, to b: Int64) -> [TimeSpan] {
        guard b > a else { return [] }
        // A window can start on the previous day and run past midnight.
        return spans(fromDay: localDay(a) - 1, toDay: localDay(b - 1)).compactMap { s in
            let c = TimeSpan(start: max(s.start, a), end: min(s.end, b))
            return c.length > 0 ? c : nil
        }
    }

    /// Is the screen scheduled on at second `t`?
    public func isOn(at t: Int64) -> Bool {
        let d = localDay(t)
        return spans(fromDay: d - 1, toDay: d).contains { $0.start <= t && t < $0.end }
    }

    public func isOn(at t: Instant) -> Bool { isOn(at: t.seconds) }

    /// The first second after `t` at which `isOn` differs from `isOn(t)`; nil when nothing changes
    /// within `horizonDays` (a 24/7 schedule, or one that is always off).
    public func nextChange(after t: Int64, horizonDays: Int64 = 800) -> Int64? {
        let on = isOn(at: t)
        let d = localDay(t)
        var span: Int64 = 8
        while true {
            let last = d + span
            let spans = self.spans(fromDay: d - 1, toDay: last)
            // Spans starting on days after `last` are unknown, so a boundary at or beyond the
            // start of day `last + 1` is not yet trustworthy.
            let limit = (last + 1) * 86_400 - Int64(zone.offsetSeconds)
            var candidate: Int64?
            for s in spans {
                if on, s.start <= t, t < s.end { candidate = s.end; break }
                if !on, s.start > t { candidate = s.start; break }
            }
            if let c = candidate, c < limit { return c }
            if span >= horizonDays { return nil }
            span = min(span * 2, horizonDays)
        }
    }

    public func nextChange(after t: Instant) -> Instant? { nextChange(after: t.seconds).map { Instant(seconds: $0) } }

    /// Scheduled seconds in [a, b).
    public func scheduledSeconds(from a: Int64, to b: Int64) -> Int64 {
        onSpans(from: a, to: b).reduce(0) { $0 + $1.length }
    }

    /// Problems a person should fix: overlapping windows on the same day, and empty windows.
    public static func problems(in windows: [DailyWindow]) -> [Message] {
        var out: [Message] = []
        for w in windows where w.start == w.end {
            out.append(Message("config.schedule.empty_window", ["window": .text(w.description)]))
        }
        let sorted = windows.filter { $0.length > 0 }.sorted { $0.startOffset < $1.startOffset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.startOffset < a.endOffset {
            out.append(Message("config.schedule.windows_overlap", ["first": .text(a.description), "second": .text(b.description)]))
        }
        return out
    }
}

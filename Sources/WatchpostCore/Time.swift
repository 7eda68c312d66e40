// WatchpostCore owns the domain: time, durations, schedules, check results and states,
// incidents and escalation policy, availability maths. It is pure Swift: no C, no I/O,
// and it never reads the system clock itself — a `WatchpostClock` is always injected.

/// A point in time: milliseconds since the Unix epoch, UTC.
/// Milliseconds are enough for probe timings; schedules and reports work in whole seconds.
public struct Instant: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public init(seconds: Int64) { self.milliseconds = seconds * 1000 }
    public init(secondsDouble: Double) { self.milliseconds = Int64((secondsDouble * 1000).rounded(.down)) }

    /// Whole seconds since the epoch, rounded towards the past (also for instants before 1970).
    public var seconds: Int64 { milliseconds >= 0 ? milliseconds / 1000 : -((-milliseconds + 999) / 1000) }
    public var secondsDouble: Double { Double(milliseconds) / 1000 }

    public static func < (a: Instant, b: Instant) -> Bool { a.milliseconds < b.milliseconds }
    public static func + (a: Instant, d: Seconds) -> Instant { Instant(milliseconds: a.milliseconds + d.milliseconds) }
    public static func - (a: Instant, d: Seconds) -> Instant { Instant(milliseconds: a.milliseconds - d.milliseconds) }
    public static func - (a: Instant, b: Instant) -> Seconds { Seconds(milliseconds: a.milliseconds - b.milliseconds) }

    /// ISO 8601 in UTC, e.g. `2026-11-24T00:30:00Z` (milliseconds shown only when non-zero).
    public var description: String { iso8601(offsetSeconds: 0) }

    /// ISO 8601 at a fixed UTC offset, e.g. `2026-11-24T07:30:00+07:00`.
    public func iso8601(offsetSeconds: Int) -> String {
        let local = seconds + Int64(offsetSeconds)
        let (day, secOfDay) = floorDivMod(local, 86_400)
        let date = CivilDate(daysSinceEpoch: day)
        let h = secOfDay / 3600, m = (secOfDay % 3600) / 60, s = secOfDay % 60
        var out = "\(date)T\(pad2(h)):\(pad2(m)):\(pad2(s))"
        let ms = milliseconds - seconds * 1000
        if ms != 0 { out += "." + String(String(1000 + ms).dropFirst()) }
        if offsetSeconds == 0 { return out + "Z" }
        let sign = offsetSeconds < 0 ? "-" : "+"
        let a = abs(offsetSeconds)
        return out + "\(sign)\(pad2(Int64(a / 3600))):\(pad2(Int64((a % 3600) / 60)))"
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]` or a bare date (midnight). Without an offset,
    /// `defaultOffset` (seconds east of UTC) is assumed.
    public static func parse(_ text: String, defaultOffset: Int = 0) -> Instant? {
        let t = text.trimmingWhitespace()
        let datePart = String(t.prefix(10))
        guard let date = CivilDate(parsing: datePart) else { return nil }
        var rest = Substring(t.dropFirst(10))
        var secs: Int64 = 0
        var millis: Int64 = 0
        var offset = defaultOffset
        if !rest.isEmpty {
            guard rest.first == "T" || rest.first == " " else { return nil }
            rest = rest.dropFirst()
            var timeEnd = rest.endIndex
            if let z = rest.firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) { timeEnd = z }
            var clock = rest[..<timeEnd]
            // Fractions of a second, as the API writes them (`…T23:45:02.701Z`, the paging header
            // of /api/v1/plays): kept to the millisecond.
            if let dot = clock.firstIndex(of: ".") {
                let fraction = clock[clock.index(after: dot)...]
                guard clock[..<dot].filter({ $0 == ":" }).count == 2,  // a fraction of a second needs the seconds
                      (1...9).contains(fraction.count), fraction.allSatisfy({ $0 >= "0" && $0 <= "9" }),
                      let ms = Int64(String((fraction + "00").prefix(3))) else { return nil }
                millis = ms
                clock = clock[..<dot]
            }
            guard let tod = TimeOfDay(parsing: String(clock), allowSeconds: true) else { return nil }
            secs = Int64(tod.secondsOfDay)
            let zone = rest[timeEnd...]
            if zone == "Z" { offset = 0 } else if !zone.isEmpty {
                let sign = zone.first == "-" ? -1 : 1
                guard let tz = TimeOfDay(parsing: String(zone.dropFirst()), allowSeconds: false) else { return nil }
                offset = sign * tz.secondsOfDay
            }
        }
        return Instant(milliseconds: (date.daysSinceEpoch * 86_400 + secs - Int64(offset)) * 1000 + millis)
    }
}

/// A span of time, millisecond precision. Written in configuration as `30s`, `15m`, `2h`, `1d`,
/// `500ms` or combinations such as `1h30m`.
public struct Seconds: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var milliseconds: Int64
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public init(_ seconds: Int64) { self.milliseconds = seconds * 1000 }
    public static func seconds(_ s: Int64) -> Seconds { Seconds(s) }
    public static func minutes(_ m: Int64) -> Seconds { Seconds(m * 60) }
    public static func hours(_ h: Int64) -> Seconds { Seconds(h * 3600) }
    public static let zero = Seconds(0)
    /// The longest duration a configuration may write: 100 years. Far beyond any interval or
    /// retention, and small enough that adding it to any instant of this century cannot overflow.
    public static let largestMilliseconds: Int64 = 100 * 366 * 86_400_000
    public var wholeSeconds: Int64 { milliseconds / 1000 }
    public var double: Double { Double(milliseconds) / 1000 }
    public var duration: Duration { .milliseconds(milliseconds) }
    public static func < (a: Seconds, b: Seconds) -> Bool { a.milliseconds < b.milliseconds }
    public static func + (a: Seconds, b: Seconds) -> Seconds { Seconds(milliseconds: a.milliseconds + b.milliseconds) }
    public static func - (a: Seconds, b: Seconds) -> Seconds { Seconds(milliseconds: a.milliseconds - b.milliseconds) }
    public static func * (a: Seconds, k: Int64) -> Seconds { Seconds(milliseconds: a.milliseconds * k) }

    /// The configuration spelling, e.g. `1h30m`, `45s`, `250ms`.
    public var description: String {
        if milliseconds == 0 { return "0s" }
        var ms = abs(milliseconds)
        var out = milliseconds < 0 ? "-" : ""
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where ms >= size {
            out += "\(ms / size)\(unit)"; ms %= size
        }
        if ms > 0 { out += "\(ms)ms" }
        return out
    }

    /// Parses `30s`, `15m`, `2h`, `1d`, `250ms`, `1h30m`. A bare number is rejected on purpose:
    /// "30" could mean seconds or minutes, and a monitor must not guess; so is a unit given twice
    /// (`1s1s` was read as 2 s: a slip, not a way to write a duration).
    public init?(parsing text: String) {
        let t = text.trimmingWhitespace().lowercased()
        guard !t.isEmpty else { return nil }
        var total: Int64 = 0
        var chars = Array(t)[...]
        var sawUnit = false
        var units: Set<Int64> = []
        while !chars.isEmpty {
            let digits = chars.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, digits.count <= 12, let n = Int64(String(digits)) else { return nil }
            chars = chars.dropFirst(digits.count)
            let unit = String(chars.prefix(while: { $0.isLetter }))
            chars = chars.dropFirst(unit.count)
            let factor: Int64
            switch unit {
            case "ms": factor = 1
            case "s": factor = 1000
            case "m", "min": factor = 60_000
            case "h": factor = 3_600_000
            case "d": factor = 86_400_000
            default: return nil
            }
            guard units.insert(factor).inserted else { return nil }
            // Checked arithmetic: `999999999999d` is refused as not a duration instead of trapping.
            let (part, overflowPart) = n.multipliedReportingOverflow(by: factor)
            let (sum, overflowSum) = total.addingReportingOverflow(part)
            guard !overflowPart, !overflowSum, sum <= Seconds.largestMilliseconds else { return nil }
            total = sum
            sawUnit = true
        }
        guard sawUnit else { return nil }
        self.milliseconds = total
    }
}

/// The source of time for everything in the domain. Production uses `SystemClock`; tests use
/// `ManualClock` and replay days in milliseconds.
public protocol WatchpostClock: Sendable {
    func now() -> Instant
    /// Suspends until the clock reads at least `deadline`. Throws `CancellationError` when cancelled.
    func sleep(until deadline: Instant) async throws
}

extension WatchpostClock {
    public func sleep(for span: Seconds) async throws { try await sleep(until: now() + span) }
}

// MARK: - Civil calendar (proleptic Gregorian), no Foundation needed

@inline(__always) func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
    let q = a >= 0 ? a / b : -((-a + b - 1) / b)
    return (q, a - q * b)
}

@inline(__always) func pad2(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }

/// A calendar date. Conversion to and from days since 1970-01-01 uses Howard Hinnant's algorithm.
public struct CivilDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) { self.year = year; self.month = month; self.day = day }

    public init(daysSinceEpoch z0: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = Int(yoe + era * 400 + (m <= 2 ? 1 : 0))
        self.month = Int(m)
        self.day = Int(d)
    }

    public var daysSinceEpoch: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// ISO weekday: 1 Monday … 7 Sunday.
    public var isoWeekday: Int {
        let (_, r) = floorDivMod(daysSinceEpoch + 3, 7)  // 1970-01-01 was a Thursday
        return Int(r) + 1
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Parses `YYYY-MM-DD`, rejecting impossible dates such as 2026-02-30.
    public init?(parsing text: String) {
        let parts = text.trimmingWhitespace().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1, d <= CivilDate.daysIn(month: m, year: y) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public func adding(days: Int64) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    public var description: String {
        let y = String(year), m = month < 10 ? "0\(month)" : "\(month)", d = day < 10 ? "0\(day)" : "\(day)"
        return "\(String(repeating: "0", count: max(0, 4 - y.count)))\(y)-\(m)-\(d)"
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
}

/// A wall-clock time of day, `HH:MM` or `HH:MM:SS`; `24:00` is allowed as the end of a day.
public struct TimeOfDay: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var secondsOfDay: Int
    public init(secondsOfDay: Int) { self.secondsOfDay = secondsOfDay }
    public init(hour: Int, minute: Int, second: Int = 0) { self.secondsOfDay = hour * 3600 + minute * 60 + second }

    public init?(parsing text: String, allowSeconds: Bool = true) {
        let parts = text.trimmingWhitespace().split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || (allowSeconds && parts.count == 3),
              parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let h = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        let s = parts.count == 3 ? Int(parts[2]) ?? 99 : 0
        guard m < 60, s < 60, h < 24 || (h == 24 && m == 0 && s == 0) else { return nil }
        self.secondsOfDay = h * 3600 + m * 60 + s
    }

    public var description: String {
        let h = secondsOfDay / 3600, m = (secondsOfDay % 3600) / 60, s = secondsOfDay % 60
        return "\(pad2(Int64(h))):\(pad2(Int64(m)))" + (s == 0 ? "" : ":\(pad2(Int64(s)))")
    }
    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.secondsOfDay < b.secondsOfDay }
}

extension StringProtocol {
    /// Trims spaces, tabs and line ends (no Foundation needed).
    public func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}

// Incident and power figures for uptime reports: counts by category and severity, MTTA (to first
// acknowledgement), MTTR (to resolution), escalation levels reached, content violations, time on
// battery and power cuts. Pure; the store fills `IncidentFacts` from the incident tables.

/// What a report needs to know about one incident.
public struct IncidentFacts: Sendable, Hashable, Codable {
    public var id: Int64
    public var site: String
    public var checkID: String
    public var category: IncidentCategory
    /// Worst status the incident reached.
    public var severity: CheckStatus
    public var opened: Instant
    public var firstAcknowledged: Instant?
    public var resolved: Instant?
    /// Highest escalation level notified (1 = the chain's first level); 0 when none was.
    public var highestLevel: Int
    /// The incident was about content that is not approved (a security matter).
    public var contentViolation: Bool

    public init(id: Int64, site: String, checkID: String, category: IncidentCategory, severity: CheckStatus, opened: Instant,
                firstAcknowledged: Instant? = nil, resolved: Instant? = nil, highestLevel: Int = 0, contentViolation: Bool = false) {
        self.id = id; self.site = site; self.checkID = checkID; self.category = category; self.severity = severity
        self.opened = opened; self.firstAcknowledged = firstAcknowledged; self.resolved = resolved
        self.highestLevel = highestLevel; self.contentViolation = contentViolation
    }

    /// [opened, resolved or `end`) in whole seconds.
    public func span(openUntil end: Int64) -> TimeSpan {
        TimeSpan(start: opened.seconds, end: resolved.map(\.seconds) ?? end)
    }
}

/// Incident figures for the incidents opened in a period. Mean times are wall-clock seconds
/// (PagerDuty's and Opsgenie's MTTA/MTTR), counted for the incidents opened in the period even
/// when the acknowledgement or resolution came after it.
public struct IncidentFigures: Sendable, Hashable, Codable {
    public var count = 0
    /// Keyed `category.severity`, e.g. `technical.critical`.
    public var byCategorySeverity: [String: Int] = [:]
    public var acknowledged = 0
    public var acknowledgeSecondsTotal: Int64 = 0
    public var resolved = 0
    public var resolveSecondsTotal: Int64 = 0
    /// Incidents that reached level L (at least), by L.
    public var reachedLevel: [Int: Int] = [:]
    public var contentViolations = 0
    public var stillOpen = 0

    public init() {}

    public var mttaSeconds: Double? { acknowledged > 0 ? Double(acknowledgeSecondsTotal) / Double(acknowledged) : nil }
    public var mttrSeconds: Double? { resolved > 0 ? Double(resolveSecondsTotal) / Double(resolved) : nil }

    public func count(_ c: IncidentCategory, _ s: CheckStatus) -> Int { byCategorySeverity["\(c.rawValue).\(s.description.lowercased())"] ?? 0 }

    public static func compute(_ incidents: [IncidentFacts], from: Int64, to: Int64) -> IncidentFigures {
        var f = IncidentFigures()
        for i in incidents where i.opened.seconds >= from && i.opened.seconds < to {
            f.count += 1
            f.byCategorySeverity["\(i.category.rawValue).\(i.severity.description.lowercased())", default: 0] += 1
            if let a = i.firstAcknowledged {
                f.acknowledged += 1
                f.acknowledgeSecondsTotal += max(0, a.seconds - i.opened.seconds)
            }
            if let r = i.resolved {
                f.resolved += 1
                f.resolveSecondsTotal += max(0, r.seconds - i.opened.seconds)
            } else {
                f.stillOpen += 1
            }
            if i.highestLevel > 0 { for l in 1...i.highestLevel { f.reachedLevel[l, default: 0] += 1 } }
            if i.contentViolation { f.contentViolations += 1 }
        }
        return f
    }
}

/// Time on battery and power cuts, from the UPS check's on-battery timeline (down = on battery).
public struct PowerFigures: Sendable, Hashable, Codable {
    public var onBatterySeconds: Int64
    /// Stretches on battery in the period (one already running at its start counts too).
    public var powerCuts: Int
    public var longestOnBatterySeconds: Int64
    /// Seconds with no UPS data (monitor down, or no reading).
    public var noDataSeconds: Int64

    public init(onBatterySeconds: Int64 = 0, powerCuts: Int = 0, longestOnBatterySeconds: Int64 = 0, noDataSeconds: Int64 = 0) {
        self.onBatterySeconds = onBatterySeconds; self.powerCuts = powerCuts
        self.longestOnBatterySeconds = longestOnBatterySeconds; self.noDataSeconds = noDataSeconds
    }

    /// Counts wall-clock time (the UPS matters around the clock, not only in operating hours).
    public static func compute(onBattery timeline: StateTimeline) -> PowerFigures {
        let whole = [TimeSpan(start: timeline.from, end: timeline.to)]
        let t = tally(timeline, scheduled: whole, boundaries: [])[0]
        let cuts = outages(timeline, scheduled: whole)
        return PowerFigures(onBatterySeconds: t.down, powerCuts: cuts.count,
                            longestOnBatterySeconds: cuts.map(\.scheduledSeconds).max() ?? 0, noDataSeconds: t.noData)
    }
}

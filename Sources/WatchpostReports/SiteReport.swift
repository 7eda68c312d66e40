// WatchpostReports owns uptime figures and report rendering (HTML with SVG, CSV, text).
// This file: the figures of one site over one period (`SiteReport`) and how they are gathered
// from the store and the profile. Rendering lives in Render*.swift; scheduled emails in
// ReportService.swift.
import WatchpostCore
import WatchpostConfig
import WatchpostStore

/// One check's figures over the period.
public struct CheckReport: Sendable, Hashable {
    public var id: String
    public var name: String
    public var category: IncidentCategory
    /// Part of the site's availability definition.
    public var definesSite: Bool
    public var tally: AvailabilityTally
    public var outages: [Outage]
    /// Scheduled downtime inside an incident of this check; nil when incidents are not recorded.
    public var downtimeInIncidents: Int64?

    public var longestOutage: Outage? { outages.max { $0.scheduledSeconds < $1.scheduledSeconds } }
}

/// Everything a report says about one site and period.
public struct SiteReport: Sendable {
    public var siteID: String
    public var name: String
    public var nameEnglish: String
    public var province: String
    public var zone: ZoneOffset
    public var period: ReportPeriod
    /// [from, to) in seconds; `to` is cut at the time the report was made when the period is not over.
    public var from: Int64
    public var to: Int64
    public var periodEnd: Int64
    public var generatedAt: Instant
    public var siteChecks: [String]
    public var site: AvailabilityTally
    public var days: [(date: CivilDate, tally: AvailabilityTally)]
    public var months: [(label: String, tally: AvailabilityTally)]
    public var outages: [Outage]
    /// Stretches in the period when the monitor itself was not running.
    public var monitorGaps: [TimeSpan]
    public var checks: [CheckReport]
    /// nil: this database has no incident records (the incident engine is not installed).
    public var incidents: IncidentFigures?
    /// nil: no UPS check is named in `[availability] power_check`, or it has no readings.
    public var power: PowerFigures?
    public var notes: [String]
    /// Incidents opened in the period with who handled them; nil: no incident records.
    public var incidentList: [IncidentRecord]? = nil
    /// Scheduled and operated hours by kind of day (working day, Saturday, Sunday, holiday).
    public var dayKinds: [DayKindHours] = []
    /// nil: no broadcast log on this box.
    public var content: ContentFigures? = nil
    public var proposals: [Proposal] = []
    /// What the registers hold for the period (RegisterSection.swift).
    public var registers: RegisterReport? = nil
    /// The article a scheduled report answers (set by the calendar).
    public var basis: String? = nil

    public var longestOutage: Outage? { outages.max { $0.scheduledSeconds < $1.scheduledSeconds } }
}

/// Source of incident facts (the incident engine's tables). Kept as a seam so that reports work
/// on a database without them and say so.
public protocol IncidentSource: Sendable {
    func incidents(site: String, from: Instant, to: Instant) async throws(WatchpostError) -> [IncidentFacts]?
    func onBattery(site: String, check: String, from: Int64, to: Int64, coverage: [TimeSpan]) async throws(WatchpostError) -> StateTimeline?
    /// Incidents opened in [from, to) with who was informed, who took them, actions and ending.
    func incidentRecords(site: String, from: Instant, to: Instant) async throws(WatchpostError) -> [IncidentRecord]?
    /// Content shown in [from, to); nil when there is no broadcast log.
    func contentFigures(site: String, from: Instant, to: Instant) async throws(WatchpostError) -> ContentFigures?
    /// The problem finding codes of each check now.
    func currentFindings(site: String) async throws(WatchpostError) -> [String: [String]]
}

extension IncidentSource {
    public func incidentRecords(site: String, from: Instant, to: Instant) async throws(WatchpostError) -> [IncidentRecord]? { nil }
    public func contentFigures(site: String, from: Instant, to: Instant) async throws(WatchpostError) -> ContentFigures? { nil }
    public func currentFindings(site: String) async throws(WatchpostError) -> [String: [String]] { [:] }
}

/// Reads nothing: for databases without incident or power records.
public struct NoIncidentSource: IncidentSource {
    public init() {}
    public func incidents(site: String, from: Instant, to: Instant) async throws(WatchpostError) -> [IncidentFacts]? { nil }
    public func onBattery(site: String, check: String, from: Int64, to: Int64, coverage: [TimeSpan]) async throws(WatchpostError) -> StateTimeline? { nil }
}

public enum ReportBuilder {
    /// Gathers the figures of `site` over `period` from the store. `now` cuts a period that is not
    /// over yet, so the future is not reported as "no data".
    public static func build(site: SiteProfile, period: ReportPeriod, store: Store, now: Instant,
                             incidentSource: any IncidentSource = NoIncidentSource()) async throws(WatchpostError) -> SiteReport {
        let settings = AvailabilitySettings(site: site)
        let siteChecks = try settings.siteChecks(of: site)
        let (from, periodEnd) = period.bounds(in: site.zone)
        let to = max(from, min(periodEnd, now.seconds))
        let coverage = try await store.monitorCoverage(from: Instant(seconds: from), to: Instant(seconds: max(to, from + 1)))
        let scheduled = site.schedule.onSpans(from: from, to: to)
        let dayStarts = period.days.map { site.zone.startOf($0).seconds }
        var notes: [String] = []
        if to < periodEnd { notes.append("Kỳ báo cáo chưa kết thúc: số liệu tính đến \(Fmt.dateTime(to, site.zone)). / The period is not over: figures up to that time.") }

        let incidents = try await incidentSource.incidents(site: site.id, from: Instant(seconds: from), to: Instant(seconds: periodEnd))
        var timelines: [String: StateTimeline] = [:]
        var checks: [CheckReport] = []
        for c in site.checks where c.enabled {
            let tl = try await store.checkTimeline(site: site.id, checkID: c.id, from: from, to: to, coverage: coverage, mapping: settings.mapping)
            timelines[c.id] = tl
            var attributed: Int64?
            if let incidents {
                let windows = incidents.filter { $0.checkID == c.id }.map { $0.span(openUntil: to) }
                attributed = seconds(of: .down, in: tl, scheduled: scheduled, within: windows)
            }
            checks.append(CheckReport(id: c.id, name: c.name, category: c.category, definesSite: siteChecks.contains { $0.id == c.id },
                                      tally: tally(tl, scheduled: scheduled, boundaries: []).first ?? AvailabilityTally(),
                                      outages: outages(tl, scheduled: scheduled), downtimeInIncidents: attributed))
        }
        let siteTimeline = combineTimelines(siteChecks.compactMap { timelines[$0.id] }, from: from, to: to)
        let perDay = tally(siteTimeline, scheduled: scheduled, boundaries: dayStarts)
        let days = zip(period.days, perDay).map { (date: $0.0, tally: $0.1) }
        var months: [(label: String, tally: AvailabilityTally)] = []
        for d in days {
            let label = "\(d.date.year)-\(d.date.month < 10 ? "0" : "")\(d.date.month)"
            if months.last?.label == label { months[months.count - 1].tally = months[months.count - 1].tally + d.tally } else { months.append((label, d.tally)) }
        }
        var power: PowerFigures?
        if let p = settings.powerCheck {
            if site.check(p) == nil {
                throw WatchpostError(.configuration, "\(settings.file): power_check: no check '\(p)' at site \(site.id)", hint: "name the UPS check from probes/\(site.id)/checks.conf")
            }
            if let tl = try await incidentSource.onBattery(site: site.id, check: p, from: from, to: to, coverage: coverage) {
                power = PowerFigures.compute(onBattery: tl)
            }
        }
        let gaps = complement(coverage, from: from, to: to)
        let records = try await incidentSource.incidentRecords(site: site.id, from: Instant(seconds: from), to: Instant(seconds: periodEnd))
        let content = try await incidentSource.contentFigures(site: site.id, from: Instant(seconds: from), to: Instant(seconds: to))
        // What the checks say now matters only to a period that has just ended (or is running).
        let findings = now.seconds - periodEnd < 31 * 86_400 ? try await incidentSource.currentFindings(site: site.id) : [:]
        var report = SiteReport(siteID: site.id, name: site.name, nameEnglish: site.nameEnglish, province: site.province, zone: site.zone,
                          period: period, from: from, to: to, periodEnd: periodEnd, generatedAt: now, siteChecks: siteChecks.map(\.id),
                          site: perDay.reduce(AvailabilityTally(), +), days: days, months: months,
                          outages: outages(siteTimeline, scheduled: scheduled), monitorGaps: gaps, checks: checks,
                          incidents: incidents.map { IncidentFigures.compute($0, from: from, to: periodEnd) }, power: power, notes: notes)
        report.incidentList = records
        // Only the days that have begun by the cut time: in a period that is not over, the days
        // still to come would count as days with no operated hours (Tây Trang 7.2.1.b judges
        // the hours per day on weekends and holidays).
        report.dayKinds = DayKindHours.compute(days: zip(days, dayStarts).filter { $0.1 < to }.map(\.0), schedule: site.schedule)
        report.content = content
        report.proposals = Proposal.compute(site: site, incidents: records, checks: checks, currentFindings: findings)
        report.registers = try await RegisterReport.gather(site: site.id, period: period, schedule: site.schedule, days: days, until: to, store: store)
        return report
    }

    /// [from, to) minus the covered spans.
    static func complement(_ covered: [TimeSpan], from: Int64, to: Int64) -> [TimeSpan] {
        var out: [TimeSpan] = []
        var cursor = from
        for c in covered where c.end > from && c.start < to {
            if c.start > cursor { out.append(TimeSpan(start: cursor, end: c.start)) }
            cursor = max(cursor, c.end)
        }
        if cursor < to { out.append(TimeSpan(start: cursor, end: to)) }
        return out
    }
}

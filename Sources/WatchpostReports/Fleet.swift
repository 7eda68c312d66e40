// The Department's console across boxes (issue #17 point 4; Tây Trang Điều 8.2: the Department
// consolidates the operating units' yearly reports). This file owns what one box tells another:
// `BoxSummary`, the answer of `GET /api/v1/summary?period=P` (every site of the box, its figures
// over the period and its open incidents now), how a box builds it from its own store, and
// `FleetView`, what the console knows of every box — live, cached, or never reached.
import WatchpostCore
import WatchpostConfig
import WatchpostStore

/// The answer of `GET /api/v1/summary?period=P` on a box.
public struct BoxSummary: Codable, Sendable, Hashable {
    /// Seconds since the epoch when the box built it.
    public var generatedAt: Int64
    public var period: String
    public var sites: [SiteSummary]

    public init(generatedAt: Int64, period: String, sites: [SiteSummary]) {
        self.generatedAt = generatedAt
        self.period = period
        self.sites = sites
    }
}

/// One site of a box over the period, and its open incidents now.
public struct SiteSummary: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var nameEnglish: String
    public var province: String
    public var zoneOffsetSeconds: Int
    public var firstDay: String
    public var lastDay: String
    /// [from, to) in seconds actually measured (`to` cut at the time the box built it).
    public var from: Int64
    public var to: Int64
    public var tally: AvailabilityTally
    public var outages: Int
    public var longestOutageSeconds: Int64?
    /// nil: the box records no incidents.
    public var incidents: IncidentSummary?
    public var onBatterySeconds: Int64?
    public var powerCuts: Int?
    public var checks: [CheckSummary]
    public var openIncidents: [OpenIncidentSummary]
    /// The registers over the period (issue #18 point 6; Tây Trang 8.2: the Department
    /// consolidates the units' results): inspections, feedback, maintenance, proposals,
    /// training, loans, the plan's days. nil: a box without registers (or of an older version).
    public var registers: RegisterFigures? = nil
    /// Seconds up on the plan's days (beside `registers.plannedSeconds`), and the days closed part-way.
    public var operatedOnPlannedDays: Int64? = nil
    public var closedPartWay: Int? = nil
}

/// Incident figures in a form that adds up across boxes (totals, not means).
public struct IncidentSummary: Codable, Sendable, Hashable {
    public var count = 0
    public var stillOpen = 0
    public var acknowledged = 0
    public var acknowledgeSecondsTotal: Int64 = 0
    public var resolved = 0
    public var resolveSecondsTotal: Int64 = 0
    public var contentViolations = 0
    /// Keyed `category.severity`, e.g. `technical.critical`.
    public var byCategorySeverity: [String: Int] = [:]

    public init() {}
    public init(_ f: IncidentFigures) {
        count = f.count; stillOpen = f.stillOpen; acknowledged = f.acknowledged; acknowledgeSecondsTotal = f.acknowledgeSecondsTotal
        resolved = f.resolved; resolveSecondsTotal = f.resolveSecondsTotal; contentViolations = f.contentViolations; byCategorySeverity = f.byCategorySeverity
    }
    public var mttaSeconds: Double? { acknowledged > 0 ? Double(acknowledgeSecondsTotal) / Double(acknowledged) : nil }
    public var mttrSeconds: Double? { resolved > 0 ? Double(resolveSecondsTotal) / Double(resolved) : nil }

    public static func + (a: IncidentSummary, b: IncidentSummary) -> IncidentSummary {
        var s = a
        s.count += b.count; s.stillOpen += b.stillOpen; s.acknowledged += b.acknowledged; s.acknowledgeSecondsTotal += b.acknowledgeSecondsTotal
        s.resolved += b.resolved; s.resolveSecondsTotal += b.resolveSecondsTotal; s.contentViolations += b.contentViolations
        for (k, v) in b.byCategorySeverity { s.byCategorySeverity[k, default: 0] += v }
        return s
    }
}

public struct CheckSummary: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var definesSite: Bool
    public var tally: AvailabilityTally
    public var outages: Int
}

public struct OpenIncidentSummary: Codable, Sendable, Hashable {
    public var id: Int64
    public var check: String
    public var checkName: String
    public var category: String
    public var severity: String
    public var state: String
    /// English one line (older consoles read it); people read `text`.
    public var summary: String
    public var openedAt: Int64
    /// What is wrong as a catalogue message, so the console shows it Vietnamese first (nil from
    /// an older box: `summary` is shown).
    public var text: Message? = nil
    /// Who took (acknowledged) it, their organisation and when; nil: nobody yet.
    public var acknowledgedBy: String? = nil
    public var acknowledgedOrganisation: String? = nil
    public var acknowledgedAt: Int64? = nil
}

extension SiteSummary {
    public init(_ r: SiteReport, open: [Incident]) {
        id = r.siteID; name = r.name; nameEnglish = r.nameEnglish; province = r.province; zoneOffsetSeconds = r.zone.offsetSeconds
        firstDay = r.period.firstDay.description; lastDay = r.period.lastDay.description
        from = r.from; to = r.to; tally = r.site; outages = r.outages.count; longestOutageSeconds = r.longestOutage?.scheduledSeconds
        incidents = r.incidents.map(IncidentSummary.init); onBatterySeconds = r.power?.onBatterySeconds; powerCuts = r.power?.powerCuts
        checks = r.checks.map { CheckSummary(id: $0.id, name: $0.name, definesSite: $0.definesSite, tally: $0.tally, outages: $0.outages.count) }
        registers = r.registers?.figures; operatedOnPlannedDays = r.registers?.operatedOnPlannedDays; closedPartWay = r.registers?.closedPartWay
        openIncidents = open.filter { $0.key.site == r.siteID }.sorted { $0.openedAt < $1.openedAt }.map {
            OpenIncidentSummary(id: $0.id, check: $0.key.check, checkName: $0.checkName, category: $0.category.rawValue,
                                severity: $0.severity.description, state: $0.state.rawValue, summary: $0.summary, openedAt: $0.openedAt.seconds,
                                text: $0.summaryText, acknowledgedBy: $0.acknowledgement?.by, acknowledgedOrganisation: $0.acknowledgement?.organisation,
                                acknowledgedAt: $0.acknowledgement?.at.seconds)
        }
    }
}

/// What a console asks the boxes for: a plain period (`2026`, `2026-H1`, a range), the same for
/// every site, or a report of each site's own calendar (`yearly`, `yearly` of 2026): at Tây Trang
/// 25/11–24/11 (32/2018/QĐ-UBND Điều 8.1), at Vũng Áng the calendar year (2432/QĐ-UBND Điều 13.1).
public enum FleetPeriod: Sendable, Hashable {
    case plain(ReportPeriod)
    case calendar(CalendarPeriodRequest)

    /// `period=…` as typed on a page or the command line, with `of=…` for a calendar's report.
    public init?(period text: String, of: String?) {
        if let r = CalendarPeriodRequest(name: text, of: of) { self = .calendar(r); return }
        guard of == nil, let p = ReportPeriod(parsing: text) else { return nil }
        self = .plain(p)
    }

    /// How the console's cache and a box's summary name it: `2026`, `yearly:2026`.
    public var key: String {
        switch self {
        case .plain(let p): return p.label
        case .calendar(let r): return r.key
        }
    }

    /// The summary API's query string.
    public var query: String {
        switch self {
        case .plain(let p): return "period=\(p.label)"
        case .calendar(let r): return "period=\(r.kind.rawValue)" + (r.of.map { "&of=\($0)" } ?? "")
        }
    }
}

public enum BoxSummaryBuilder {
    /// The summary of every site of this box over `period` (each site's operating plan applied,
    /// as `watchpost report` does), with the incidents open now.
    public static func build(configuration: WatchpostConfiguration, period: ReportPeriod, store: Store, now: Instant) async throws(WatchpostError) -> BoxSummary {
        try await build(configuration: configuration, key: period.label, store: store, now: now) { _ in period }
    }

    /// The summary of every site of this box over the period of its own calendar that `request`
    /// names (a site without a report of that kind: the plain years, halves or months).
    public static func build(configuration: WatchpostConfiguration, request: CalendarPeriodRequest, store: Store, now: Instant) async throws(WatchpostError) -> BoxSummary {
        try await build(configuration: configuration, key: request.key, store: store, now: now) { s throws(WatchpostError) in
            guard let p = request.resolveForSummary(site: s, configuration: configuration, today: s.zone.localDate(of: now)) else {
                throw WatchpostError(.usage, Message("report.calendar.no_such_period", ["of": .text(request.of ?? ""), "name": .text(request.name),
                                                                                      "example": .text(String(s.zone.localDate(of: now).year))]))
            }
            return p
        }
    }

    /// Either: the summary under `fleetPeriod`.
    public static func build(configuration: WatchpostConfiguration, fleetPeriod: FleetPeriod, store: Store, now: Instant) async throws(WatchpostError) -> BoxSummary {
        switch fleetPeriod {
        case .plain(let p): return try await build(configuration: configuration, period: p, store: store, now: now)
        case .calendar(let r): return try await build(configuration: configuration, request: r, store: store, now: now)
        }
    }

    static func build(configuration: WatchpostConfiguration, key: String, store: Store, now: Instant,
                      period: (SiteProfile) throws(WatchpostError) -> ReportPeriod) async throws(WatchpostError) -> BoxSummary {
        let source = StoreIncidentSource(store: store, configuration: configuration)
        let open = try await store.openIncidents()
        var sites: [SiteSummary] = []
        for var s in configuration.sites.sorted(by: { $0.id < $1.id }) {
            let p = try period(s)
            s.schedule = s.schedule.applying(try await store.planChanges(site: s.id))
            let r = try await ReportBuilder.build(site: s, period: p, store: store, now: now, incidentSource: source)
            var summary = SiteSummary(r, open: open)
            // The organisation by its name, as the contact book writes it (the console has no contact book of the box).
            for i in summary.openIncidents.indices {
                if let id = summary.openIncidents[i].acknowledgedOrganisation, let o = configuration.contacts.organisations[id] {
                    summary.openIncidents[i].acknowledgedOrganisation = o.name
                }
            }
            sites.append(summary)
        }
        return BoxSummary(generatedAt: now.seconds, period: key, sites: sites)
    }
}

/// What the console knows of one box: its contact record and its last answer for the period.
public struct RemoteBoxState: Sendable {
    public var box: RemoteBox
    public var contact: RemoteContact?
    /// The last answer for the period (possibly days old); nil: none was ever received.
    public var summary: BoxSummary?
    public var fetchedAt: Instant?

    public enum Reach: Sendable, Hashable {
        /// Never tried yet (the console just started).
        case notYetTried
        /// The last attempt succeeded.
        case reachable
        /// The last attempt failed; `since` is the first failed attempt after the last contact, approximated by the last contact.
        case unreachable
    }

    public var reach: Reach {
        guard let c = contact else { return .notYetTried }
        return c.lastError == nil ? .reachable : .unreachable
    }
}

/// How the console reads the boxes at once, for a period its daemon does not keep (see
/// `FleetFetch.readNow`): each box's token, the clock, and where to cache what came back.
public struct FleetLiveRead: Sendable {
    public var token: @Sendable (String) -> String?
    public var clock: any WatchpostClock
    /// The console's cache (a writable store); nil: what came back is shown and not kept.
    public var cache: Store?

    public init(token: @escaping @Sendable (String) -> String?, clock: any WatchpostClock, cache: Store?) {
        self.token = token
        self.clock = clock
        self.cache = cache
    }
}

/// Everything the console shows: this box's own sites and every remote box.
public struct FleetView: Sendable {
    /// The period named in titles; for a report of each site's calendar, from the earliest
    /// site's first day to the latest's last, labelled with the request (`yearly:2026`).
    public var period: ReportPeriod
    /// Set when each site's figures cover its own calendar's period (shown on each row).
    public var calendar: CalendarPeriodRequest? = nil
    public var generatedAt: Instant
    /// This box's own sites (empty on a console without sites of its own).
    public var local: BoxSummary?
    public var remotes: [RemoteBoxState]

    /// Reads the console's cache for `period` (and builds this box's own part from its store).
    public static func load(configuration: WatchpostConfiguration, period: ReportPeriod, store: Store, now: Instant,
                            includeLocal: Bool = true) async throws(WatchpostError) -> FleetView {
        try await load(configuration: configuration, fleetPeriod: .plain(period), store: store, now: now, includeLocal: includeLocal)
    }

    /// Reads the console's cache for `fleetPeriod` (and builds this box's own part from its store).
    /// With `live`, a period the daemon does not keep is read from every box now, and a box
    /// with nothing cached for the period is read now too.
    public static func load(configuration: WatchpostConfiguration, fleetPeriod: FleetPeriod, store: Store, now: Instant,
                            includeLocal: Bool = true, live: FleetLiveRead? = nil) async throws(WatchpostError) -> FleetView {
        let contacts = try await store.remoteContacts()
        let cached = try await store.remoteSummaries(period: fleetPeriod.key)
        var remotes: [RemoteBoxState] = []
        for box in configuration.remotes {
            var state = RemoteBoxState(box: box, contact: contacts.first { $0.remote == box.id })
            if let rec = cached.first(where: { $0.remote == box.id }) {
                state.summary = try? JSONCoding.decode(BoxSummary.self, from: rec.body)
                state.fetchedAt = rec.fetchedAt
            }
            remotes.append(state)
        }
        if let live {
            let kept = Set(FleetFetch.periods(at: now, zone: .hoChiMinh).map(\.key))
            remotes = await FleetFetch.readNow(remotes, period: fleetPeriod, always: !kept.contains(fleetPeriod.key), live: live)
        }
        let local = includeLocal && !configuration.sites.isEmpty
            ? try await BoxSummaryBuilder.build(configuration: configuration, fleetPeriod: fleetPeriod, store: store, now: now) : nil
        switch fleetPeriod {
        case .plain(let period):
            return FleetView(period: period, generatedAt: now, local: local, remotes: remotes)
        case .calendar(let request):
            // The span the sites' own periods cover, for titles; each row says its own days.
            let days = ((local?.sites ?? []) + remotes.flatMap { $0.summary?.sites ?? [] }).flatMap { [CivilDate(parsing: $0.firstDay), CivilDate(parsing: $0.lastDay)] }.compactMap { $0 }
            let today = ZoneOffset.hoChiMinh.localDate(of: now)
            let first = days.min() ?? today, last = days.max() ?? today
            var view = FleetView(period: ReportPeriod(firstDay: first, lastDay: last, label: request.key), generatedAt: now, local: local, remotes: remotes)
            view.calendar = request
            return view
        }
    }
}

// The values of the incident engine: what it is configured with (plain values — the
// configuration module converts `CheckDefinition`/`EscalationChainConfig` into these), the
// incidents it keeps, and what it emits (state changes, timeline events, notification requests,
// responder invocations). Everything here is a `Sendable` value so that a test can assert the
// exact output, and so that the store can persist an incident as one JSON document.

/// A check, named by its site: `tay-trang/led-controller`.
public struct CheckKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var site: String
    public var check: String
    public init(site: String, check: String) {
        self.site = site
        self.check = check
    }
    public var description: String { "\(site)/\(check)" }
    public static func < (a: CheckKey, b: CheckKey) -> Bool { (a.site, a.check) < (b.site, b.check) }
}

// MARK: - Configuration (plain values)

/// Icinga 2's flapping detection: the last 20 results, state changes weighted from 0.8 (oldest)
/// to 1.15 (newest); flapping starts above `high` percent and ends below `low` percent.
public struct FlappingPolicy: Sendable, Hashable, Codable {
    public var enabled: Bool
    public var high: Double
    public var low: Double
    public init(enabled: Bool = true, high: Double = 30, low: Double = 25) {
        self.enabled = enabled
        self.high = high
        self.low = low
    }
}

/// One check as the engine needs it.
public struct CheckSpec: Sendable, Hashable {
    public var key: CheckKey
    public var name: String
    public var kind: String
    public var category: IncidentCategory
    /// Consecutive failing results before the state is hard (Nagios max_check_attempts).
    public var failAfter: Int
    /// Consecutive OK results before a hard problem recovers.
    public var recoverAfter: Int
    /// Judged against the site's operating hours (see `OperatingHoursJudge`).
    public var followsSchedule: Bool
    /// Parent checks at the same site (network link…): while one is down this check is unreachable.
    public var dependsOn: [String]
    /// The site's power check (UPS): while it reports a problem, `explainedByPower` checks fold into its incident.
    public var isPowerSource: Bool
    public var explainedByPower: Bool
    public var flapping: FlappingPolicy

    public init(key: CheckKey, name: String, kind: String, category: IncidentCategory = .technical, failAfter: Int = 3, recoverAfter: Int = 2,
                followsSchedule: Bool = false, dependsOn: [String] = [], isPowerSource: Bool = false, explainedByPower: Bool = false,
                flapping: FlappingPolicy = FlappingPolicy()) {
        self.key = key
        self.name = name
        self.kind = kind
        self.category = category
        self.failAfter = max(1, failAfter)
        self.recoverAfter = max(1, recoverAfter)
        self.followsSchedule = followsSchedule
        self.dependsOn = dependsOn
        self.isPowerSource = isPowerSource
        self.explainedByPower = explainedByPower
        self.flapping = flapping
    }
}

/// Where an incident enters its chain: a level, or the site's technicians only (no escalation).
public enum EscalationEntry: Sendable, Hashable, Codable, CustomStringConvertible {
    case level(Int)
    case techniciansOnly

    public init?(parsing s: String) {
        if s == "technicians" { self = .techniciansOnly } else if let n = Int(s), n >= 1 { self = .level(n) } else { return nil }
    }
    public var description: String {
        switch self {
        case .level(let n): return "level \(n)"
        case .techniciansOnly: return "technicians"
        }
    }
    /// Where the incident entered, for people: "cấp 1" / "level 1", "tổ kỹ thuật" / "technicians".
    public var message: Message {
        switch self {
        case .level(let n): return Message("incident.entry.level", ["level": .int(Int64(n))])
        case .techniciansOnly: return Message("incident.entry.technicians")
        }
    }
}

public struct EscalationLevel: Sendable, Hashable, Codable {
    public var number: Int
    public var recipients: [NotificationRecipient]
    /// Added for technical incidents (the site's technicians at level 1).
    public var technicalRecipients: [NotificationRecipient]
    /// Added for security incidents (police, border guard).
    public var securityRecipients: [NotificationRecipient]
    /// Time without acknowledgement before the next level is notified (a next level reached only
    /// by decision is never reached by this timer).
    public var timeout: Seconds?
    /// Reminder interval while the incident waits unacknowledged at this (last) level.
    public var reminder: Seconds?
    /// Reached only by a Department user's decision (the Provincial People's Committee, Tây Trang 7.1.3).
    public var byDecision: Bool
    /// The article the level follows.
    public var source: String
    /// The articles behind the recipients added for one category only.
    public var technicalSource: String = ""
    public var securitySource: String = ""

    public init(number: Int, recipients: [NotificationRecipient], technicalRecipients: [NotificationRecipient] = [],
                securityRecipients: [NotificationRecipient] = [], timeout: Seconds? = nil, reminder: Seconds? = nil,
                byDecision: Bool = false, source: String = "", technicalSource: String = "", securitySource: String = "") {
        self.number = number
        self.recipients = recipients
        self.technicalRecipients = technicalRecipients
        self.securityRecipients = securityRecipients
        self.timeout = timeout
        self.reminder = reminder
        self.byDecision = byDecision
        self.source = source
        self.technicalSource = technicalSource
        self.securitySource = securitySource
    }
}

/// An escalation chain with its recipients resolved to addresses.
public struct EscalationPolicy: Sendable, Hashable, Codable {
    public var name: String
    public var levels: [EscalationLevel]
    /// `category.severity` (e.g. `technical.warning`) → entry; missing keys enter at level 1.
    public var routing: [String: EscalationEntry]
    /// An acknowledged incident neither resolved nor re-acknowledged by then escalates again.
    public var ackTimeout: Seconds?
    /// A check failing again within this time after its incident was resolved reopens that incident.
    public var reopenWindow: Seconds
    /// The site's technicians (routing `technicians`).
    public var technicians: [NotificationRecipient]
    /// Groups told at once (`[inform NAME]`).
    public var informs: [InformRule]
    /// What findings mean for routing (`[finding CODE]`).
    public var findingRules: [FindingRule]
    /// Technical incidents that do not threaten the equipment wait for the operating window
    /// (technicians are told at once).
    public var holdOutsideHours: Bool

    public init(name: String, levels: [EscalationLevel], routing: [String: EscalationEntry] = [:], ackTimeout: Seconds? = nil,
                reopenWindow: Seconds = .hours(1), technicians: [NotificationRecipient] = [], informs: [InformRule] = [],
                findingRules: [FindingRule] = [], holdOutsideHours: Bool = true) {
        self.name = name
        self.levels = levels
        self.routing = routing
        self.ackTimeout = ackTimeout
        self.reopenWindow = reopenWindow
        self.technicians = technicians
        self.informs = informs
        self.findingRules = findingRules
        self.holdOutsideHours = holdOutsideHours
    }

    public func entry(category: IncidentCategory, severity: CheckStatus) -> EscalationEntry {
        let e = routing["\(category.rawValue).\(severity.description.lowercased())"] ?? .level(1)
        if case .level(let n) = e, n > levels.count { return levels.isEmpty ? .techniciansOnly : .level(levels.count) }
        if case .level = e, levels.isEmpty { return .techniciansOnly }
        return e
    }

    public func level(_ n: Int) -> EscalationLevel? { n >= 1 && n <= levels.count ? levels[n - 1] : nil }
}

/// A maintenance window: incidents of the checks it covers are recorded but not notified or
/// escalated; security incidents only when `includesSecurity`. A problem still present at the
/// end is notified then (Icinga 2.11).
public struct MaintenanceWindow: Sendable, Hashable, Codable {
    /// `profile:<site>/<name>` for scheduled windows, `adhoc:<n>` for ad-hoc ones.
    public var id: String
    /// nil: every site.
    public var site: String?
    /// Empty: every check of the site.
    public var checks: [String]
    public var start: Instant
    public var end: Instant
    public var reason: String
    public var includesSecurity: Bool
    public var createdBy: String

    public init(id: String, site: String?, checks: [String] = [], start: Instant, end: Instant, reason: String,
                includesSecurity: Bool = false, createdBy: String = "profile") {
        self.id = id
        self.site = site
        self.checks = checks
        self.start = start
        self.end = end
        self.reason = reason
        self.includesSecurity = includesSecurity
        self.createdBy = createdBy
    }

    public func isActive(at t: Instant) -> Bool { t >= start && t < end }

    public func covers(_ key: CheckKey, category: IncidentCategory, at t: Instant) -> Bool {
        guard isActive(at: t) else { return false }
        if let site, site != key.site { return false }
        if !checks.isEmpty && !checks.contains(key.check) { return false }
        return category == .technical || includesSecurity
    }
}

/// A responder configured at a site (`[responder NAME]`): which incidents trigger it. The action
/// itself is built by the probes module; the engine only decides when it runs (once per incident round: again when it reopens).
public struct ResponderSpec: Sendable, Hashable, Codable {
    public var name: String
    public var site: String
    /// The action kind (`command`, `led-blackout`…), for the timeline.
    public var action: String
    /// Check kinds whose incidents trigger it (empty: any).
    public var onKinds: [String]
    /// Check ids whose incidents trigger it (empty: any).
    public var onChecks: [String]
    /// Finding codes that trigger it (empty: any problem of a matching check).
    public var onFindings: [String]
    /// Only incidents of this category (nil: both).
    public var onCategory: IncidentCategory?
    public var timeout: Seconds
    public var enabled: Bool

    public init(name: String, site: String, action: String, onKinds: [String] = [], onChecks: [String] = [], onFindings: [String] = [],
                onCategory: IncidentCategory? = nil, timeout: Seconds = .seconds(30), enabled: Bool = true) {
        self.name = name
        self.site = site
        self.action = action
        self.onKinds = onKinds
        self.onChecks = onChecks
        self.onFindings = onFindings
        self.onCategory = onCategory
        self.timeout = timeout
        self.enabled = enabled
    }

    public func matches(check: CheckSpec, category: IncidentCategory, findingCodes: [String]) -> Bool {
        guard enabled else { return false }
        if !onKinds.isEmpty && !onKinds.contains(check.kind) { return false }
        if !onChecks.isEmpty && !onChecks.contains(check.key.check) { return false }
        if let c = onCategory, c != category { return false }
        if !onFindings.isEmpty && !findingCodes.contains(where: { onFindings.contains($0) }) { return false }
        return true
    }
}

public struct SiteSpec: Sendable, Hashable {
    public var id: String
    public var name: String
    public var nameEnglish: String
    public var zone: ZoneOffset
    public var schedule: OperatingSchedule
    public var escalation: EscalationPolicy
    public var checks: [CheckSpec]
    /// Windows scheduled in the profile (`[maintenance NAME]`).
    public var maintenance: [MaintenanceWindow]
    public var responders: [ResponderSpec]

    public init(id: String, name: String, nameEnglish: String, zone: ZoneOffset = .hoChiMinh, schedule: OperatingSchedule,
                escalation: EscalationPolicy, checks: [CheckSpec], maintenance: [MaintenanceWindow] = [], responders: [ResponderSpec] = []) {
        self.id = id
        self.name = name
        self.nameEnglish = nameEnglish
        self.zone = zone
        self.schedule = schedule
        self.escalation = escalation
        self.checks = checks
        self.maintenance = maintenance
        self.responders = responders
    }
}

public struct EngineSettings: Sendable, Hashable {
    public var sites: [SiteSpec]
    public init(sites: [SiteSpec]) { self.sites = sites }
}

// MARK: - Incidents

public enum IncidentState: String, Sendable, Hashable, Codable, CaseIterable {
    case triggered, acknowledged, resolved
}

/// A wall-clock deadline stored with the incident: the next escalation step.
public struct EscalationDeadline: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Notify the next level (`level` is the level to notify).
        case escalate
        /// Remind the last level.
        case reminder
        /// The acknowledgement expired: escalate again.
        case ackTimeout
    }
    public var at: Instant
    public var kind: Kind
    public var level: Int
    public init(at: Instant, kind: Kind, level: Int) {
        self.at = at
        self.kind = kind
        self.level = level
    }
}

/// Someone who was told about an incident, and at which level (0: technicians only).
public struct NotifiedRecipient: Sendable, Hashable, Codable {
    public var recipient: NotificationRecipient
    public var level: Int
    public init(recipient: NotificationRecipient, level: Int) {
        self.recipient = recipient
        self.level = level
    }
}

/// A person's decision on an incident (the Department putting it to the Committee).
public struct IncidentDecision: Sendable, Hashable, Codable {
    /// `committee`.
    public var to: String
    public var by: String
    public var organisation: String?
    public var via: String
    public var note: String
    public var at: Instant
    public init(to: String, by: String, organisation: String?, via: String, note: String, at: Instant) {
        self.to = to
        self.by = by
        self.organisation = organisation
        self.via = via
        self.note = note
        self.at = at
    }
}

public struct Acknowledgement: Sendable, Hashable, Codable {
    /// Who acknowledged (a user name, or an email address).
    public var by: String
    /// How: `web`, `email`, `cli`, `api`.
    public var via: String
    public var note: String?
    /// From where (an IP address, a mail's Message-ID…), for the audit.
    public var from: String?
    public var at: Instant
    /// The level the incident had reached.
    public var level: Int
    /// The organisation of the person (from the contact book or the web account).
    public var organisation: String?
    public init(by: String, via: String, note: String?, from: String?, at: Instant, level: Int, organisation: String? = nil) {
        self.by = by
        self.via = via
        self.note = note
        self.from = from
        self.at = at
        self.level = level
        self.organisation = organisation
    }
}

/// Why an incident is recorded but not notified right now.
public enum IncidentHold: String, Sendable, Hashable, Codable {
    case maintenance, flapping
    /// A technical incident outside operating hours: technicians told, the chain at the next window.
    case outsideHours = "outside-hours"
}

/// One incident: at most one open per check. Carries everything needed to notify about it
/// (names, zone, who was told) so that another process (the CLI, the web server, the IMAP
/// reply handler) can acknowledge or resolve it without the configuration.
public struct Incident: Sendable, Hashable, Codable {
    public var id: Int64
    public var key: CheckKey
    public var checkName: String
    public var checkKind: String
    public var siteName: String
    public var siteNameEnglish: String
    public var zoneOffsetSeconds: Int
    public var category: IncidentCategory
    public var severity: CheckStatus
    /// English one line (logs, API); people read `text`.
    public var summary: String
    /// What is wrong as a catalogue message, and the library words behind it (nil on incidents
    /// stored before the catalogue: `summaryText` falls back to `summary`).
    public var text: Message? = nil
    public var detail: String? = nil
    public var findingCodes: [String]
    public var state: IncidentState
    public var openedAt: Instant
    /// When the problem started this time (the hard failure; a reopen moves it).
    public var since: Instant
    public var updatedAt: Instant
    public var resolvedAt: Instant?
    public var entry: EscalationEntry
    /// Highest level notified in this round (0: none, or technicians only).
    public var level: Int
    /// Increments on reopen and on ack-timeout re-escalation; part of notification keys.
    public var round: Int
    public var reminders: Int
    public var acknowledgements: Int
    public var reopenCount: Int
    public var deadline: EscalationDeadline?
    public var notified: [NotifiedRecipient]
    public var acknowledgement: Acknowledgement?
    public var ackTimeout: Seconds?
    public var hold: IncidentHold?
    /// Checks folded into this (power) incident.
    public var folded: [String]
    /// Responders already started in this occurrence of the problem (each runs at most once);
    /// emptied when the incident reopens, so that they act again in the new round.
    public var responders: [String]
    /// Findings of another kind that appeared after the incident opened (added lines, never a
    /// silent change of subject): code → first message.
    public var addedFindings: [String: String]?
    /// What the incident is about: the summary it opened with.
    public var subject: String?
    /// The same as a catalogue message, for the Vietnamese subject line (nil on older incidents).
    public var subjectText: Message? = nil
    /// The measured value behind the first notice ("47 °C", "3 of 8 cards").
    public var value: String?
    /// Decisions recorded on the incident (escalation to the Committee…).
    public var decisions: [IncidentDecision]?

    public var isOpen: Bool { state != .resolved }

    /// What is wrong, in the catalogue's terms.
    public var summaryText: Message { text ?? .untranslated(summary) }

    /// Takes the description of the problem from a result.
    public mutating func describe(_ result: CheckResult) {
        summary = result.summary
        text = result.text
        detail = result.detail.isEmpty ? nil : result.detail
    }

    public var zone: ZoneOffset { ZoneOffset(identifier: "UTC+\(zoneOffsetSeconds / 3600)", offsetSeconds: zoneOffsetSeconds) }
}

// MARK: - Output

/// A hard state change of a check (soft changes are stored with every result).
public struct StateChange: Sendable, Hashable, Codable {
    public var key: CheckKey
    public var from: CheckStatus
    public var to: CheckStatus
    public var at: Instant
    /// Why no incident followed, if none did (`unreachable: parent …`, `folded into power incident`…).
    public var note: String?
    public init(key: CheckKey, from: CheckStatus, to: CheckStatus, at: Instant, note: String? = nil) {
        self.key = key
        self.from = from
        self.to = to
        self.at = at
        self.note = note
    }
}

/// One timeline entry before it is chained and stored.
public struct TimelineEvent: Sendable, Hashable, Codable {
    public var at: Instant
    public var site: String
    public var checkID: String?
    public var incidentID: Int64?
    /// `opened`, `escalated`, `acknowledged`, `resolved`, `notified`, `state`, `flapping-started`…
    public var kind: String
    /// Who or what: `engine`, a user, `maintenance`, a responder.
    public var actor: String
    /// English, for the audit trail and the CLI; people read `message` rendered in Vietnamese.
    public var text: String
    /// What happened as a catalogue message (`timeline.<kind>…`); nil on entries written before
    /// the catalogue, which show `text`.
    public var message: Message?

    public init(at: Instant, site: String, checkID: String? = nil, incidentID: Int64? = nil, kind: String, actor: String = "engine", text: String) {
        self.at = at
        self.site = site
        self.checkID = checkID
        self.incidentID = incidentID
        self.kind = kind
        self.actor = actor
        self.text = text
    }

    /// Who acted, as a person reads it (issue 15): the engine is "hệ thống", a responder
    /// "tự động xử lý: name", `maintenance` "bảo trì"; a person's own name as is.
    public static func actorMessage(_ actor: String) -> Message {
        if actor == "engine" { return Message("actor.engine") }
        if actor == "maintenance" { return Message("actor.maintenance") }
        if actor.hasPrefix("responder:") { return Message("actor.responder", ["name": .text(String(actor.dropFirst("responder:".count)))]) }
        // "NAME (VIA, ADDRESS)" from a refused link or form: the channel in words, "unknown" as such.
        if actor.hasSuffix(")"), let open = actor.lastIndex(of: "("), let comma = actor[open...].firstIndex(of: ",") {
            let name = actor[..<open].trimmingWhitespace(), via = String(actor[actor.index(after: open)..<comma])
            let address = actor[actor.index(after: comma)...].dropLast().trimmingWhitespace()
            // Only a known channel: a person's own name may hold "(…, …)".
            guard Self.channels.contains(via) else { return .untranslated(actor) }
            return Message("actor.via", ["name": name == "unknown" ? .message(Message("actor.unknown")) : .text(name),
                                         "via": .message(channelMessage(via)), "address": .text(address)])
        }
        return .untranslated(actor)
    }

    /// How an action reached Watchpost ("cli", "link", "email", "web", "api"), in words.
    public static func channelMessage(_ via: String) -> Message {
        let v = via.trimmingWhitespace()
        return channels.contains(v) ? ActionChannel(via: v).message : .untranslated(via)
    }

    /// The channel ids actions are recorded with (`ActionChannel` names them).
    static let channels: Set<String> = ["web", "link", "reply", "email", "cli", "api"]

    /// An event told as a catalogue message; `text` keeps its English rendering.
    public init(at: Instant, site: String, checkID: String? = nil, incidentID: Int64? = nil, kind: String, actor: String = "engine", message: Message) {
        self.init(at: at, site: site, checkID: checkID, incidentID: incidentID, kind: kind, actor: actor, text: Catalogue.render(message, .en))
        self.message = message
    }

    /// The event in one language (falls back to the stored English text for old entries).
    public func rendered(_ language: Language, zone: ZoneOffset) -> String {
        message.map { Catalogue.render($0, language, zone: zone) } ?? text
    }

    /// Every timeline kind Watchpost writes. Each has a title `timeline.kind.<kind>` in the
    /// catalogue; the catalogue coverage test fails when a kind is written that is not listed here
    /// or has no title.
    public static let kinds: [String] = [
        "state", "severity", "opened", "reopened", "folded", "held", "released", "responder-started", "responder-succeeded",
        "responder-failed", "waiting", "reachable", "flapping-started", "flapping-stopped", "resolved", "notified", "escalated",
        "reminder", "ack-expired", "acknowledged", "note", "refused", "maintenance-started", "maintenance-stopped", "delivery-failed",
        "informed", "escalated-by-decision", "finding-added", "responded", "respond-failed",
    ]
}

/// "Run responder NAME for incident N": the daemon builds the action and runs it.
public struct ResponderInvocation: Sendable, Hashable, Codable {
    public var incidentID: Int64
    public var responder: String
    /// The incident's round when it started: a responder runs once per round (responder_run key).
    public var round: Int
    public var key: CheckKey
    public var timeout: Seconds
    public var at: Instant
}

/// Everything one engine step decided, in order.
public struct EngineOutput: Sendable, Hashable {
    public var stateChanges: [StateChange] = []
    /// Incidents created or changed by this step, in their new form.
    public var incidents: [Incident] = []
    public var timeline: [TimelineEvent] = []
    public var notifications: [NotificationRequest] = []
    public var responders: [ResponderInvocation] = []

    public init() {}

    public var isEmpty: Bool { stateChanges.isEmpty && incidents.isEmpty && timeline.isEmpty && notifications.isEmpty && responders.isEmpty }

    public mutating func append(_ o: EngineOutput) {
        stateChanges += o.stateChanges
        for i in o.incidents { touch(i) }
        timeline += o.timeline
        notifications += o.notifications
        responders += o.responders
    }

    /// Records an incident's latest form (one entry per incident).
    public mutating func touch(_ i: Incident) {
        if let at = incidents.firstIndex(where: { $0.id == i.id }) { incidents[at] = i } else { incidents.append(i) }
    }
}

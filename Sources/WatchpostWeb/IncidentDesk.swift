// The web's view of incidents: what the pages, the JSON API, /metrics and the acknowledgement
// links need from the incident engine, as a protocol. The daemon plugs in an adapter over the
// engine's incident service (Sources/watchpost/Wiring+Web.swift); the web never decides an
// incident's state itself, it asks the engine to acknowledge, resolve or annotate.
import WatchpostCore

/// One incident as shown and served (JSON field names are the API's; see docs/api.md).
public struct IncidentView: Sendable, Hashable, Codable {
    public var id: Int64
    public var site: String
    public var check: String
    public var checkName: String
    public var category: IncidentCategory
    /// Worst status seen: WARNING, CRITICAL, UNKNOWN.
    public var severity: CheckStatus
    /// `triggered`, `acknowledged`, `resolved`.
    public var state: String
    public var summary: String
    /// The summary as a catalogue message (pages show it in Vietnamese); nil from older desks.
    public var summaryText: Message? = nil
    public var openedAt: Instant
    public var since: Instant
    public var resolvedAt: Instant?
    /// Highest escalation level notified so far (0: technicians only / none).
    public var level: Int
    public var acknowledgedBy: String?
    public var acknowledgedVia: String?
    public var acknowledgedAt: Instant?
    public var acknowledgementNote: String?
    /// Addresses that were notified (an acknowledgement link is only honoured for them).
    public var notified: [String]
    /// The policy roles of each notified address (an acknowledgement link asks the one policy).
    public var notifiedRoles: [String: [PartyRole]] = [:]
    /// Whether a Department user already put it to the Committee (who, why).
    public var committeeDecision: String? = nil

    public init(id: Int64, site: String, check: String, checkName: String, category: IncidentCategory, severity: CheckStatus, state: String,
                summary: String, openedAt: Instant, since: Instant, resolvedAt: Instant? = nil, level: Int = 0, acknowledgedBy: String? = nil,
                acknowledgedVia: String? = nil, acknowledgedAt: Instant? = nil, acknowledgementNote: String? = nil, notified: [String] = []) {
        self.id = id
        self.site = site
        self.check = check
        self.checkName = checkName
        self.category = category
        self.severity = severity
        self.state = state
        self.summary = summary
        self.openedAt = openedAt
        self.since = since
        self.resolvedAt = resolvedAt
        self.level = level
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgedVia = acknowledgedVia
        self.acknowledgedAt = acknowledgedAt
        self.acknowledgementNote = acknowledgementNote
        self.notified = notified
    }

    public var isOpen: Bool { state != "resolved" }
    public var isAcknowledged: Bool { state == "acknowledged" }
}

extension IncidentView {
    /// What is wrong in one language (the catalogue message, else the stored line).
    func summary(_ language: Language, zone: ZoneOffset) -> String { summaryText.map { Catalogue.render($0, language, zone: zone) } ?? summary }
}

public struct TimelineItem: Sendable, Hashable, Codable {
    public var at: Instant
    public var kind: String
    public var actor: String
    public var text: String
    /// The event as a catalogue message (pages show it in Vietnamese, then English); nil for
    /// entries written before the catalogue.
    public var message: Message?

    public init(at: Instant, kind: String, actor: String, text: String, message: Message? = nil) {
        self.at = at
        self.kind = kind
        self.actor = actor
        self.text = text
        self.message = message
    }
}

/// Who acts on an incident, how, and from where (recorded with the acknowledgement).
public struct IncidentActor: Sendable, Hashable {
    /// A user's login, or the recipient address a link was made for.
    public var name: String
    /// `web`, `link`, `api`, `cli`.
    public var via: String
    /// The client's address (or `local` for the CLI).
    public var address: String
    /// The person's organisation, named in every notice.
    public var organisation: String?
    /// The person's roles (a comment is not mailed back to the commenter's own body).
    public var roles: [PartyRole]

    public init(name: String, via: String, address: String, organisation: String? = nil, roles: [PartyRole] = []) {
        self.name = name
        self.via = via
        self.address = address
        self.organisation = organisation
        self.roles = roles
    }
}

/// What the web needs from the incident engine. Errors are `WatchpostError`s: `.notFound` for
/// an unknown incident, `.usage` for an action the incident's state does not allow (resolving a
/// resolved incident…), with a message the page shows as it is.
public protocol IncidentDesk: Sendable {
    /// Open incidents first (newest first), then resolved ones (newest first), at most `limit`.
    func incidents(limit: Int) async throws(WatchpostError) -> [IncidentView]
    func incident(_ id: Int64) async throws(WatchpostError) -> IncidentView?
    func timeline(_ id: Int64) async throws(WatchpostError) -> [TimelineItem]
    func acknowledge(_ id: Int64, by actor: IncidentActor, note: String?) async throws(WatchpostError) -> IncidentView
    func resolve(_ id: Int64, by actor: IncidentActor, note: String?) async throws(WatchpostError) -> IncidentView
    func addNote(_ id: Int64, by actor: IncidentActor, text: String) async throws(WatchpostError)
    /// Records a refused attempt on the incident's timeline (forged, expired, used link…).
    func recordRefusal(_ id: Int64, by actor: IncidentActor, reason: Message) async
    /// A Department user puts the incident to the Provincial People's Committee (`note`: why).
    func escalateToCommittee(_ id: Int64, by actor: IncidentActor, note: String) async throws(WatchpostError) -> IncidentView
    /// A person runs a restoring action (`led-restore`) on `check` (`SITE/CHECK`) for incident
    /// `id`: recorded on its timeline, never judged an un-commanded change (RestoringActions).
    func respond(_ id: Int64, action: String, check: String, by actor: IncidentActor, note: String?) async throws(WatchpostError) -> RestoringOutcome
}

/// What a restoring action came to: whether the device confirmed it, and the text to show.
public struct RestoringOutcome: Sendable, Hashable {
    public var succeeded: Bool
    public var message: Message
    public init(succeeded: Bool, message: Message) {
        self.succeeded = succeeded
        self.message = message
    }
}

/// Runs restoring actions for the web (the daemon's `ManualResponse`, the same code as
/// `watchpost respond`).
public protocol RestoringActions: Sendable {
    func restore(_ action: String, check: String, incidentID: Int64, by: String, via: String, note: String?) async throws(WatchpostError) -> RestoringOutcome
}

extension IncidentDesk {
    public func escalateToCommittee(_ id: Int64, by actor: IncidentActor, note: String) async throws(WatchpostError) -> IncidentView {
        throw WatchpostError(.configuration, "this incident desk cannot escalate to the Committee")
    }
    public func respond(_ id: Int64, action: String, check: String, by actor: IncidentActor, note: String?) async throws(WatchpostError) -> RestoringOutcome {
        throw WatchpostError(.configuration, Catalogue.render(Message("web.respond.unavailable"), .en))
    }
}

// The public API of incidents for every part of Watchpost and every process: the daemon, the
// CLI (`watchpost ack`, `watchpost maintenance`), the web server, the IMAP reply handler and the
// reports. It works on the database alone (no configuration needed): each change is one
// transaction that updates the incident, appends the timeline and queues the notifications.
import WatchpostCore

/// Acknowledge, resolve, annotate and read incidents; manage ad-hoc maintenance; verify the audit
/// timeline.
///
/// Works from inside the daemon or from any other process opening the same database. The running
/// daemon honours changes made elsewhere: every write moves a revision number in the database,
/// and the daemon's engine reloads incidents and maintenance windows whenever the revision is not
/// the one it wrote last — before it acts on a result and at least every `pollInterval` (2 s) for
/// escalation timers. So an acknowledgement from the web server stops the next escalation step
/// even if that step is due a second later.
///
/// Every call takes the time explicitly (`at:`) so that callers with a `ManualClock` test exactly.
public struct IncidentService: Sendable {
    public let store: Store
    /// Where acknowledgements and resolutions are told at notice level (the daemon's journal).
    public let logger: Logger?

    public init(store: Store, logger: Logger? = nil) {
        self.store = store
        self.logger = logger
    }

    /// Acknowledges incident `incidentID`: stops escalation, starts the ack timeout (after which
    /// it escalates again unless resolved or re-acknowledged), and queues a message to everyone
    /// already notified saying who acknowledged, when, how and with what note.
    /// - Parameters:
    ///   - by: who (user name or email address)
    ///   - via: `web`, `email`, `cli`, `api`
    ///   - note: free text shown to everyone notified
    ///   - from: where from (IP address, Message-ID…), kept for the audit
    /// - Throws: `.notFound` for an unknown incident, `.usage` when it is already resolved.
    @discardableResult
    public func acknowledge(incidentID: Int64, by: String, via: String, note: String? = nil, from: String? = nil, at: Instant,
                            organisation: String? = nil) async throws(WatchpostError) -> Incident {
        let change = try await store.acknowledgeIncident(incidentID, by: by, via: via, note: note, from: from, at: at, organisation: organisation)
        let incident = change.incident
        logger?.notice("incident acknowledged", [("incident", String(incidentID)), ("site", incident.key.site), ("check", incident.key.check),
                                                 ("by", by), ("via", via), ("note", note ?? "")])
        logQueued(change)
        return incident
    }

    /// A Department user puts the incident to `level` (the Provincial People's Committee, a level
    /// with `by_decision = true`): one message to the Committee naming who and why, a notice to
    /// everyone notified, the decision on the timeline. `note` (why) is required.
    @discardableResult
    public func escalate(incidentID: Int64, to level: EscalationLevel, by: String, organisation: String?, via: String, note: String,
                         at: Instant) async throws(WatchpostError) -> Incident {
        let change = try await store.escalateIncident(incidentID, to: level, by: by, organisation: organisation, via: via, note: note, at: at)
        logger?.notice("incident put to the Provincial People's Committee", [("incident", String(incidentID)), ("by", by), ("via", via), ("note", note)])
        logQueued(change)
        return change.incident
    }

    /// A comment: on the timeline and told to everyone notified but the commenter's own body
    /// (the Committee may comment). `roles`: the commenter's.
    public func comment(incidentID: Int64, by: String, organisation: String?, via: String, text: String, at: Instant,
                        roles: [PartyRole] = []) async throws(WatchpostError) {
        let change = try await store.commentOnIncident(incidentID, by: by, organisation: organisation, via: via, text: text, at: at, roles: roles)
        logger?.notice("incident commented", [("incident", String(incidentID)), ("by", by), ("via", via), ("text", text)])
        logQueued(change)
    }

    /// Resolves by hand and tells everyone notified. If the check is still failing, the daemon
    /// reopens the incident after `fail_after` further failing results.
    @discardableResult
    public func resolve(incidentID: Int64, by: String, via: String, note: String? = nil, at: Instant, organisation: String? = nil) async throws(WatchpostError) -> Incident {
        let change = try await store.resolveIncident(incidentID, by: by, via: via, note: note, at: at, organisation: organisation)
        let incident = change.incident
        logger?.notice("incident resolved", [("incident", String(incidentID)), ("site", incident.key.site), ("check", incident.key.check),
                                             ("by", by), ("via", via), ("note", note ?? "")])
        logQueued(change)
        return incident
    }

    /// One line per message a person's action queued, as the engine logs its own.
    func logQueued(_ change: Store.IncidentChange) {
        for n in change.queued {
            logger?.notice("message queued", [("event", n.event.rawValue), ("incident", n.incidentID.map(String.init) ?? "-"), ("site", n.site),
                                              ("level", n.level.map(String.init) ?? "-"), ("to", n.recipient.address)])
        }
    }

    /// Adds a note to the incident's timeline (nobody is notified).
    public func addNote(incidentID: Int64, by: String, note: String, at: Instant) async throws(WatchpostError) {
        try await store.addIncidentNote(incidentID, by: by, note: note, at: at)
    }

    public func openIncidents() async throws(WatchpostError) -> [Incident] { try await store.openIncidents() }

    /// Open incidents first (newest first), then resolved ones (newest first), at most `limit`.
    public func recentIncidents(limit: Int) async throws(WatchpostError) -> [Incident] { try await store.recentIncidents(limit: limit) }

    /// Writes a refused attempt to the incident's timeline (nothing else changes).
    public func recordRefusal(incidentID: Int64, by: String, via: String, from: String?, reason: String, at: Instant) async throws(WatchpostError) {
        try await store.recordIncidentRefusal(incidentID, by: by, via: via, from: from, reason: reason, at: at)
    }

    public func incident(_ id: Int64) async throws(WatchpostError) -> Incident? { try await store.incident(id) }

    /// Incidents open at any time in [from, to), optionally of one site (for reports and pages).
    public func incidents(site: String? = nil, from: Instant, to: Instant) async throws(WatchpostError) -> [Incident] {
        try await store.incidents(site: site, from: from, to: to)
    }

    public func acknowledgements(incidentID: Int64) async throws(WatchpostError) -> [Acknowledgement] {
        try await store.acknowledgements(incidentID: incidentID)
    }

    /// The timeline of one incident, or the latest `limit` entries of the whole timeline.
    public func timeline(incidentID: Int64? = nil, limit: Int = 10_000) async throws(WatchpostError) -> [TimelineEntry] {
        try await store.timeline(incidentID: incidentID, limit: limit)
    }

    /// Starts an ad-hoc maintenance window: technical incidents of the covered checks are recorded
    /// but not notified or escalated (security ones only if `includesSecurity`); a problem still
    /// present at the end is notified then.
    @discardableResult
    public func startMaintenance(site: String?, checks: [String] = [], from start: Instant, until end: Instant, reason: String,
                                 includesSecurity: Bool = false, by: String) async throws(WatchpostError) -> StoredMaintenance {
        try await store.startMaintenance(site: site, checks: checks, start: start, end: end, reason: reason, includesSecurity: includesSecurity, by: by)
    }

    @discardableResult
    public func stopMaintenance(id: Int64, by: String, at: Instant) async throws(WatchpostError) -> StoredMaintenance {
        try await store.stopMaintenance(id: id, by: by, at: at)
    }

    public func maintenanceWindows(activeAt: Instant? = nil) async throws(WatchpostError) -> [StoredMaintenance] {
        try await store.maintenanceWindows(activeAt: activeAt)
    }

    /// Checks the hash chain of the whole timeline; reports the first entry edited, inserted or deleted.
    public func verifyTimeline() async throws(WatchpostError) -> TimelineVerification { try await store.verifyTimeline() }
}

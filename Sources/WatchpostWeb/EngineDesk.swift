// The incident desk over the incident engine's `IncidentService`: the web reads incidents and
// timelines (from the read-only connection when one is given) and asks the engine to acknowledge,
// resolve and annotate (through the writer). The engine's daemon notices these changes through
// its revision number and stops or restarts escalation itself.
import WatchpostCore
import WatchpostStore

public struct EngineDesk: IncidentDesk {
    let writer: IncidentService
    let reader: IncidentService
    let store: Store
    let clock: any WatchpostClock
    /// Resolved incidents shown besides the open ones (the board shows only open ones).
    let recent: Seconds
    /// The level a site's chain reaches only by decision (the Committee), from the configuration.
    let decisionLevel: @Sendable (String) -> EscalationLevel?
    /// Runs restoring actions (nil: the web offers none).
    let restoring: (any RestoringActions)?

    public init(store: Store, reader: Store? = nil, clock: any WatchpostClock, recent: Seconds = .hours(24 * 30), logger: Logger? = nil,
                decisionLevel: @escaping @Sendable (String) -> EscalationLevel? = { _ in nil }, restoring: (any RestoringActions)? = nil) {
        self.restoring = restoring
        self.store = store
        writer = IncidentService(store: store, logger: logger)
        self.reader = IncidentService(store: reader ?? store)
        self.clock = clock
        self.recent = recent
        self.decisionLevel = decisionLevel
    }

    public static func view(_ i: Incident) -> IncidentView {
        var v = IncidentView(id: i.id, site: i.key.site, check: i.key.check, checkName: i.checkName, category: i.category, severity: i.severity,
                     state: i.state.rawValue, summary: i.summary, openedAt: i.openedAt, since: i.since, resolvedAt: i.resolvedAt, level: i.level,
                     acknowledgedBy: i.acknowledgement?.by, acknowledgedVia: i.acknowledgement?.via, acknowledgedAt: i.acknowledgement?.at,
                     acknowledgementNote: i.acknowledgement?.note, notified: i.notified.map(\.recipient.address))
        v.summaryText = i.summaryText
        var roles: [String: [PartyRole]] = [:]
        for n in i.notified { roles[n.recipient.address.lowercased(), default: []] += n.recipient.roles ?? [] }
        v.notifiedRoles = roles
        // The organisation beside the person, unless the organisation acted itself ("Sở … (Sở …)").
        v.committeeDecision = i.decisions?.first { $0.to == "committee" }.map { d in
            "\(d.by)\(d.organisation.flatMap { $0 == d.by ? nil : " (\($0))" } ?? ""): \(d.note)"
        }
        return v
    }

    public func incidents(limit: Int) async throws(WatchpostError) -> [IncidentView] {
        let now = clock.now()
        let all = try await reader.incidents(from: now - recent, to: now + .hours(24))
        let sorted = all.sorted { ($0.isOpen ? 1 : 0, $0.openedAt, $0.id) > ($1.isOpen ? 1 : 0, $1.openedAt, $1.id) }
        return sorted.prefix(limit).map(EngineDesk.view)
    }

    public func incident(_ id: Int64) async throws(WatchpostError) -> IncidentView? {
        try await reader.incident(id).map(EngineDesk.view)
    }

    public func timeline(_ id: Int64) async throws(WatchpostError) -> [TimelineItem] {
        try await reader.timeline(incidentID: id).map { TimelineItem(at: $0.event.at, kind: $0.event.kind, actor: $0.event.actor, text: $0.event.text, message: $0.event.message) }
    }

    public func acknowledge(_ id: Int64, by actor: IncidentActor, note: String?) async throws(WatchpostError) -> IncidentView {
        EngineDesk.view(try await writer.acknowledge(incidentID: id, by: actor.name, via: actor.via, note: note, from: actor.address, at: clock.now(),
                                                     organisation: actor.organisation))
    }

    public func resolve(_ id: Int64, by actor: IncidentActor, note: String?) async throws(WatchpostError) -> IncidentView {
        EngineDesk.view(try await writer.resolve(incidentID: id, by: actor.name, via: actor.via, note: note, at: clock.now(), organisation: actor.organisation))
    }

    public func addNote(_ id: Int64, by actor: IncidentActor, text: String) async throws(WatchpostError) {
        try await writer.comment(incidentID: id, by: actor.name, organisation: actor.organisation, via: actor.via, text: text, at: clock.now(),
                                 roles: actor.roles)
    }

    public func escalateToCommittee(_ id: Int64, by actor: IncidentActor, note: String) async throws(WatchpostError) -> IncidentView {
        guard let inc = try await writer.incident(id) else { throw WatchpostError(.notFound, "no incident #\(id)") }
        guard let level = decisionLevel(inc.key.site) else {
            throw WatchpostError(.configuration, "the chain of \(inc.key.site) has no level reached by decision (by_decision = true)",
                                 hint: "add [level N] notify = org:… by_decision = true to alerts/chains/*.conf")
        }
        return EngineDesk.view(try await writer.escalate(incidentID: id, to: level, by: actor.name, organisation: actor.organisation, via: actor.via,
                                                         note: note, at: clock.now()))
    }

    public func respond(_ id: Int64, action: String, check: String, by actor: IncidentActor, note: String?) async throws(WatchpostError) -> RestoringOutcome {
        guard let restoring else { throw WatchpostError(.configuration, Catalogue.render(Message("web.respond.unavailable"), .en)) }
        guard try await writer.incident(id) != nil else { throw WatchpostError(.notFound, "no incident #\(id)") }
        // The person and their organisation, once (issue 14 point 6), as on the other notices.
        let by = actor.organisation.flatMap { $0.isEmpty || $0 == actor.name ? nil : "\(actor.name) (\($0))" } ?? actor.name
        return try await restoring.restore(action, check: check, incidentID: id, by: by, via: actor.via, note: note)
    }

    public func recordRefusal(_ id: Int64, by actor: IncidentActor, reason: Message) async {
        guard let i = try? await writer.incident(id) else { return }
        try? await store.appendTimeline([TimelineEvent(at: clock.now(), site: i.key.site, checkID: i.key.check, incidentID: id,
                                                       kind: "refused", actor: "\(actor.name) (\(actor.via), \(actor.address))",
                                                       message: Message("timeline.refused.web", ["reason": .message(reason)]))])
    }
}

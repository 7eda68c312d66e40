// Reads incident, power and content facts for reports from the tables of other capabilities
// (incident engine: migration 2; power: history measurements; broadcast log: migration 20) when
// this database has them. A database without them yields nil, and the report says there is no
// data rather than reporting zero.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostBroadcast

public struct StoreIncidentSource: IncidentSource {
    public let store: Store
    /// With it, the content section also gives the approvals (programme test, renewals, next
    /// due date) from the site's archive of approvals and the Department's key.
    public let configuration: WatchpostConfiguration?
    public init(store: Store, configuration: WatchpostConfiguration? = nil) {
        self.store = store
        self.configuration = configuration
    }

    public func incidents(site: String, from: Instant, to: Instant) async throws(WatchpostError) -> [IncidentFacts]? {
        guard try await store.hasTable("incident") else { return nil }
        return try await store.reportIncidents(site: site, from: from, to: to)
    }

    public func onBattery(site: String, check: String, from: Int64, to: Int64, coverage: [TimeSpan]) async throws(WatchpostError) -> StateTimeline? {
        try await store.onBatteryTimeline(site: site, checkID: check, from: from, to: to, coverage: coverage)
    }

    /// Incidents opened in [from, to), with who was informed (the incident's notified list), the
    /// first acknowledgement, and from the audit timeline the notes, responder outcomes and how
    /// the incident ended.
    public func incidentRecords(site: String, from: Instant, to: Instant) async throws(WatchpostError) -> [IncidentRecord]? {
        guard try await store.hasTable("incident") else { return nil }
        var out: [IncidentRecord] = []
        for i in try await store.incidents(site: site, from: from, to: to) where i.openedAt >= from && i.openedAt < to {
            let acks = try await store.acknowledgements(incidentID: i.id)
            let entries = try await store.timeline(incidentID: i.id, limit: 1000)
            var informed: [IncidentRecord.Informed] = []
            // Level 0 holds both the site's technicians and the units told at once (a security
            // incident's Department): label each by what it is (issue 15), from the contact book.
            let technicianOrgs = Set(configuration?.site(site)?.technicians ?? [])
            for n in i.notified where !informed.contains(where: { $0.name == n.recipient.displayName && $0.level == n.level }) {
                let org = configuration?.contacts.people[n.recipient.contactID]?.organisation ?? n.recipient.contactID
                informed.append(.init(name: n.recipient.displayName.isEmpty ? n.recipient.address : n.recipient.displayName, level: n.level,
                                      technicians: configuration == nil || n.level != 0 ? nil : technicianOrgs.contains(org)))
            }
            var actions: [IncidentRecord.Action] = []
            var ending: IncidentRecord.Ending?
            var level = i.level
            for e in entries.map(\.event) {
                switch e.kind {
                case "note": actions.append(.init(kind: .note, at: e.at, who: e.actor, text: e.text))
                case "responder-succeeded", "responder-failed":
                    let name = e.actor.hasPrefix("responder:") ? String(e.actor.dropFirst(10)) : e.actor
                    let outcome = e.text.hasPrefix(name + ": ") ? String(e.text.dropFirst(name.count + 2)) : e.text
                    actions.append(.init(kind: .responder, at: e.at, who: name, text: outcome))
                case "escalated":
                    if let r = e.text.firstRange(of: "level "), let n = Int(e.text[r.upperBound...].prefix(while: { $0.isNumber })) { level = max(level, n) }
                case "resolved":
                    // "resolved by X: reason"; the engine's own resolution is a recovery.
                    let reason = e.text.firstRange(of: ": ").map { String(e.text[$0.upperBound...]) } ?? e.text
                    ending = .init(at: e.at, by: e.actor == "engine" ? nil : e.actor, reason: reason)
                default: break
                }
            }
            for a in acks { if let note = a.note, !note.isEmpty { actions.append(.init(kind: .note, at: a.at, who: a.by, text: note)) } }
            actions.sort { $0.at < $1.at }
            if ending == nil, let r = i.resolvedAt { ending = .init(at: r, by: nil, reason: "") }
            let first = acks.min { $0.at < $1.at }
            out.append(IncidentRecord(id: i.id, checkID: i.key.check, checkName: i.checkName, checkKind: i.checkKind, summary: Catalogue.render(i.summaryText, .vi, zone: i.zone),
                                      category: i.category, severity: i.severity, findingCodes: i.findingCodes, opened: i.openedAt,
                                      informed: informed, taken: first.map { .init(by: $0.by, at: $0.at, via: $0.via) },
                                      highestLevel: level, actions: actions, ending: ending))
        }
        return out.sorted { ($0.opened, $0.id) < ($1.opened, $1.id) }
    }

    /// Plays that started in [from, to) from the broadcast log, and (with the configuration) the
    /// approvals of the period; nil when there is neither.
    public func contentFigures(site: String, from: Instant, to: Instant) async throws(WatchpostError) -> ContentFigures? {
        guard try await store.hasTable("broadcast_log") else { return nil }
        let totals = try await store.broadcastItemTotals(site: site, from: from, to: to)
        var f = ContentFigures()
        // An item is one path with one content hash: the log keeps a row per item and approval
        // (manifest, approved or not, reason), which must not count it twice.
        var items = DistinctItems()
        for t in totals {
            let seconds = t.shownMilliseconds / 1000
            f.plays += t.plays
            items.insert(path: t.item.path, sha256: t.item.sha256)
            f.shownSeconds += seconds
            switch t.item.approval {
            case .approved: break
            case .notApproved: f.unapprovedPlays += t.plays
            case .notChecked: f.notCheckedPlays += t.plays
            }
            // By name, not id (issue 15): "tiếng Lào", the supplier's name from alerts/contacts.conf.
            for l in (t.item.languages.isEmpty ? [""] : t.item.languages) { f.byLanguage[l.isEmpty ? "" : Names.language(l, .vi), default: 0] += seconds }
            f.bySource[organisationName(t.item.source ?? ""), default: 0] += seconds
        }
        f.items = items.count
        if let configuration, let profile = configuration.site(site) {
            f.approvals = try await WatchpostBroadcast.ContentFigures.approvals(site: profile, from: from, to: to, asOf: to, configuration: configuration, store: store)
            // The 7.8 line names the suppliers ("Báo Điện Biên Phủ"), not their ids.
            if var a = f.approvals {
                for k in a.programmeTests.indices { a.programmeTests[k].test.sources = a.programmeTests[k].test.sources.map(organisationName) }
                f.approvals = a
            }
        }
        guard !totals.isEmpty || f.approvals.map({ $0.current != nil || !$0.renewals.isEmpty }) == true else { return nil }
        return f
    }

    /// An organisation's name from the contact book; its id when the book does not know it.
    func organisationName(_ id: String) -> String {
        id.isEmpty ? "" : configuration?.contacts.organisations[id]?.name ?? id
    }

    /// The problem finding codes of each check of `site` now.
    public func currentFindings(site: String) async throws(WatchpostError) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for s in try await store.checkStates() where s.site == site {
            out[s.checkID] = s.result?.findings.filter(\.status.isProblem).map(\.code) ?? []
        }
        return out
    }
}

// Email replies acting on incidents through the incident engine's `IncidentService` (the same
// functions the web server and the CLI use, each one transaction with its timeline entry and
// the notifications that tell everyone notified). Who may acknowledge, resolve, comment or put an
// incident to the Committee by email follows the one acknowledgement policy (WatchpostCore
// `IncidentPolicy`), with the roles of the sender's organisation in the contact book — the same
// answer as on the web, by link and on the command line.
import WatchpostCore
import WatchpostConfig
import WatchpostStore

public struct IncidentServiceActions: IncidentActions {
    let service: IncidentService
    let contacts: ContactBook
    /// The level of a site's chain reached only by decision (the Committee).
    let decisionLevel: @Sendable (String) -> EscalationLevel?

    public init(service: IncidentService, contacts: ContactBook, decisionLevel: @escaping @Sendable (String) -> EscalationLevel? = { _ in nil }) {
        self.service = service
        self.contacts = contacts
        self.decisionLevel = decisionLevel
    }

    public func escalate(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult {
        do {
            guard let inc = try await service.incident(incident) else { return .refused(Self.refusal("reply.refused.no-incident", incident)) }
            guard inc.isOpen else { return .refused(Self.refusal("reply.refused.resolved", incident)) }
            if let no = check(address, .escalateToCommittee, inc) { return no }
            guard !note.trimmingWhitespace().isEmpty else {
                return .refused(Self.refusal("reply.refused.escalate-needs-reason", incident))
            }
            guard let level = decisionLevel(inc.key.site) else { return .refused(Self.refusal("reply.refused.no-committee-level", incident)) }
            let w = who(address)
            try await service.escalate(incidentID: incident, to: level, by: w.name, organisation: w.organisation, via: "email", note: note, at: at)
            return .done
        } catch {
            if let r = refusal(error) { return r }
            throw error
        }
    }

    /// A refusal told to the sender: Vietnamese, then English (Catalogue+Escalation.swift).
    static func refusal(_ key: MessageKey, _ incident: Int64) -> String {
        Catalogue.bilingual(Message(key, ["id": .int(incident)]))
    }

    /// Roles of the organisations an address belongs to (its own address or a person's).
    func roles(of address: String) -> Set<OrganisationRole> {
        let a = address.lowercased()
        return Set(contacts.organisations.values.filter { $0.addresses.contains { $0.lowercased() == a } }.flatMap(\.roles))
    }

    func parties(of address: String) -> [PartyRole] { roles(of: address).compactMap(\.party).sorted { $0.rawValue < $1.rawValue } }

    /// The person's name (a person's address) or the address itself, and the organisation.
    func who(_ address: String) -> (name: String, organisation: String?) {
        let p = contacts.party(address)
        return (p.flatMap { $0.name != $0.organisation ? $0.name : nil } ?? address, p?.organisation)
    }

    func check(_ address: String, _ action: IncidentAction, _ inc: Incident) -> IncidentActionResult? {
        let d = IncidentPolicy.decide(parties(of: address), action, category: inc.category)
        return d.allowed ? nil : .refused("\(d.reason) / \(d.reasonEnglish)")
    }

    func refusal(_ e: WatchpostError) -> IncidentActionResult? {
        e.code == .usage || e.code == .notFound ? .refused(e.message) : nil
    }

    public func acknowledge(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult {
        do {
            guard let inc = try await service.incident(incident) else { return .refused(Self.refusal("reply.refused.no-incident", incident)) }
            guard inc.isOpen else { return .refused(Self.refusal("reply.refused.resolved", incident)) }
            if let no = check(address, .acknowledge, inc) { return no }
            let w = who(address)
            try await service.acknowledge(incidentID: incident, by: w.name, via: "email", note: note.isEmpty ? nil : note, from: "email reply from \(address)", at: at,
                                          organisation: w.organisation)
            return .done
        } catch {
            if let r = refusal(error) { return r }
            throw error
        }
    }

    public func resolve(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult {
        do {
            guard let inc = try await service.incident(incident) else { return .refused(Self.refusal("reply.refused.no-incident", incident)) }
            guard inc.isOpen else { return .refused(Self.refusal("reply.refused.resolved", incident)) }
            if let no = check(address, .resolve, inc) { return no }
            let w = who(address)
            try await service.resolve(incidentID: incident, by: w.name, via: "email", note: note.isEmpty ? nil : note, at: at, organisation: w.organisation)
            return .done
        } catch {
            if let r = refusal(error) { return r }
            throw error
        }
    }

    public func addNote(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult {
        do {
            guard let inc = try await service.incident(incident) else { return .refused(Self.refusal("reply.refused.no-incident", incident)) }
            if let no = check(address, .comment, inc) { return no }
            let w = who(address)
            try await service.comment(incidentID: incident, by: w.name, organisation: w.organisation, via: "email", text: note, at: at,
                                      roles: parties(of: address))
            return .done
        } catch {
            if let r = refusal(error) { return r }
            throw error
        }
    }
}

// Adapter from the incident engine's service (WatchpostStore.IncidentService) to what the mail
// reply handler (`IncidentActions`) asks of it (the web's is WatchpostWeb.EngineDesk). It acts
// through the same service as the CLI, so the running engine honours it within its poll interval.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostMail

/// Email replies: acknowledge, resolve (technicians, operators and the Department only — the
/// organisations that can know the fault is repaired), or a note.
struct EngineIncidentActions: IncidentActions {
    let service: IncidentService
    let contacts: ContactBook

    static let mayResolve: Set<OrganisationRole> = [.technician, .operator, .department]

    func roles(of address: String) -> Set<OrganisationRole> {
        let a = address.lowercased()
        var roles = Set<OrganisationRole>()
        for o in contacts.organisations.values where o.addresses.contains(where: { $0.lowercased() == a }) { roles.formUnion(o.roles) }
        return roles
    }

    func run(_ body: () async throws(WatchpostError) -> Void) async throws(WatchpostError) -> IncidentActionResult {
        do { try await body(); return .done } catch where error.code == .usage || error.code == .notFound { return .refused(error.message) }
    }

    func acknowledge(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult {
        try await run { () async throws(WatchpostError) in
            _ = try await service.acknowledge(incidentID: incident, by: address, via: "email", note: note.isEmpty ? nil : note, from: address, at: at)
        }
    }

    func resolve(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult {
        guard !roles(of: address).isDisjoint(with: Self.mayResolve) else {
            return .refused("only technicians, the operator and the Department may resolve by email; acknowledge instead (reply ACK)")
        }
        return try await run { () async throws(WatchpostError) in
            _ = try await service.resolve(incidentID: incident, by: address, via: "email", note: note.isEmpty ? nil : note, at: at)
        }
    }

    func addNote(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult {
        try await run { () async throws(WatchpostError) in try await service.addNote(incidentID: incident, by: address, note: note, at: at) }
    }
}

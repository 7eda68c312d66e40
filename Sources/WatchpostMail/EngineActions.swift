// Email replies acting on incidents through the incident engine's `IncidentService` (the same
// functions the web server and the CLI use, each one transaction with its timeline entry and
// the notifications that tell everyone notified). Who may resolve by email follows the web's
// rule: the security forces resolve security incidents; technical incidents resolve themselves
// when the check recovers. Anyone who received the notification may acknowledge it.
import WatchpostCore
import WatchpostConfig
import WatchpostStore

public struct IncidentServiceActions: IncidentActions {
    let service: IncidentService
    let contacts: ContactBook

    public init(service: IncidentService, contacts: ContactBook) {
        self.service = service
        self.contacts = contacts
    }

    /// Roles of the organisations an address belongs to (its own address or a person's).
    func roles(of address: String) -> Set<OrganisationRole> {
        let a = address.lowercased()
        return Set(contacts.organisations.values.filter { $0.addresses.contains { $0.lowercased() == a } }.flatMap(\.roles))
    }

    func refusal(_ e: WatchpostError) -> IncidentActionResult? {
        e.code == .usage || e.code == .notFound ? .refused(e.message) : nil
    }

    public func acknowledge(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult {
        do {
            guard let inc = try await service.incident(incident) else { return .refused("sự cố #\(incident) không tồn tại / no incident #\(incident)") }
            guard inc.isOpen else { return .refused("sự cố #\(incident) đã được đóng / incident #\(incident) is already resolved") }
            try await service.acknowledge(incidentID: incident, by: address, via: "email", note: note.isEmpty ? nil : note, from: "email reply", at: at)
            return .done
        } catch {
            if let r = refusal(error) { return r }
            throw error
        }
    }

    public func resolve(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult {
        do {
            guard let inc = try await service.incident(incident) else { return .refused("sự cố #\(incident) không tồn tại / no incident #\(incident)") }
            guard inc.isOpen else { return .refused("sự cố #\(incident) đã được đóng / incident #\(incident) is already resolved") }
            let r = roles(of: address)
            guard inc.category == .security && r.contains(.security) else {
                return .refused(inc.category == .technical
                    ? "sự cố kỹ thuật tự đóng khi thiết bị phục hồi / technical incidents resolve when the check recovers"
                    : "chỉ lực lượng an ninh đóng sự cố an ninh / only the security forces resolve security incidents")
            }
            try await service.resolve(incidentID: incident, by: address, via: "email", note: note.isEmpty ? nil : note, at: at)
            return .done
        } catch {
            if let r = refusal(error) { return r }
            throw error
        }
    }

    public func addNote(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult {
        do {
            try await service.addNote(incidentID: incident, by: address, note: "email: \(note)", at: at)
            return .done
        } catch {
            if let r = refusal(error) { return r }
            throw error
        }
    }
}

// Who may do what on the web. Incident actions (acknowledge, resolve, comment, escalate to the
// Committee, run a restoring action) are decided by the one acknowledgement policy in
// WatchpostCore (`IncidentPolicy`), which the acknowledgement links, email replies and the CLI
// ask too; this file only adds what is the web's own:
//   admin         manage users; read everything
// Everybody signed in may read the status board, incidents, timelines, reports and /metrics.
import WatchpostCore
import WatchpostStore

public enum WebAction: String, Sendable, CaseIterable {
    case read, acknowledge, resolve, note, escalate, respond, manageUsers = "manage-users"
    /// Record in the registers; answer feedback and decide proposals (issue #18).
    case writeRegisters = "write-registers", decideRegisters = "decide-registers"

    var incidentAction: IncidentAction? {
        switch self {
        case .acknowledge: return .acknowledge
        case .resolve: return .resolve
        case .note: return .comment
        case .escalate: return .escalateToCommittee
        case .respond: return .respond
        case .read, .manageUsers, .writeRegisters, .decideRegisters: return nil
        }
    }
}

public struct Decision: Sendable, Hashable {
    public var allowed: Bool
    /// Why not (Vietnamese / English), shown on the 403 page and logged.
    public var reason: String
    static let yes = Decision(allowed: true, reason: "")
}

public enum AccessPolicy {
    public static func decide(_ role: UserRole, _ action: WebAction, category: IncidentCategory? = nil) -> Decision {
        switch action {
        case .read:
            return .yes
        case .manageUsers:
            return role == .admin ? .yes : Decision(allowed: false, reason: PageText.text("web.policy.admins_only", ["role": .text("\(role)")]))
        case .writeRegisters, .decideRegisters:
            let act: RegisterAction = action == .writeRegisters ? .write : .decide
            if RegisterPolicy.allows(role.party, act) { return .yes }
            // Roles by their names ("Đơn vị vận hành"), not their ids ("operator").
            let allowed = RegisterPolicy.roles(allowedTo: act).map { Message(MessageKey("role." + $0.rawValue)) }
            return Decision(allowed: false, reason: Catalogue.bilingual(Message(act == .decide ? "registers.role.decide_only" : "registers.role.write_only",
                                                                        ["role": .message(Message(MessageKey("role." + role.rawValue))), "allowed": .list(allowed)])))
        default:
            guard let act = action.incidentAction else { return Decision(allowed: false, reason: "unknown action") }
            let d = IncidentPolicy.decide([role.party], act, category: category ?? .security)
            return d.allowed ? .yes : Decision(allowed: false, reason: "\(d.reason) / \(d.reasonEnglish)")
        }
    }
}

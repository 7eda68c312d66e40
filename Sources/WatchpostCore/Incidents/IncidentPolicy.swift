// The one acknowledgement policy: who may acknowledge, resolve, comment on, escalate or act on
// which incidents. The web pages, the one-click links, email replies and the CLI all ask this
// table, with the roles of the person acting (a web user's role, or the roles of the contact an
// address belongs to), so an answer never depends on the channel.
//
// Grounded in the decisions:
// - operator: runs the cluster — Vũng Áng: the Economic Zone Board (2432 Art. 4.2, 8.1);
//   Tây Trang: the border-guard post and the provincial Border Guard Command (32/2018 7.2.1, 7.2.3).
//   Acknowledges and resolves both categories: it must report and handle every incident.
// - security: police and border guard (2432 Art. 9, 10; 32/2018 7.2.3, 7.3) — security incidents.
// - technician: keeps the equipment working — technical incidents.
// - department: receives every report and proposes the handling (2432 Art. 8.1; 32/2018 7.1.3,
//   7.2.3) — both categories, and it alone decides to put a matter to the Provincial People's
//   Committee (32/2018 7.1.3, last paragraph).
// - committee: is informed and may comment; it cannot silence a chain.
// - admin: manages accounts; reads everything.

/// A person's role towards incidents (web users have one; contacts may have several).
public enum PartyRole: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case `operator`, security, technician, department, committee, admin
    public var description: String { rawValue }
}

public enum IncidentAction: String, Sendable, Hashable, CaseIterable {
    case acknowledge, resolve, comment
    /// Put the incident to the Provincial People's Committee.
    case escalateToCommittee = "escalate"
    /// Run a restoring action (e.g. `led-restore`) for the check.
    case respond
}

public struct PolicyDecision: Sendable, Hashable {
    public var allowed: Bool
    public var reason: String
    public var reasonEnglish: String
    public static let yes = PolicyDecision(allowed: true, reason: "", reasonEnglish: "")
}

public enum IncidentPolicy {
    /// The table, in one place. Resolving a technical incident by hand is left to the operator and
    /// the Department: the engine resolves it when the check recovers.
    static func allows(_ role: PartyRole, _ action: IncidentAction, _ category: IncidentCategory) -> Bool {
        switch (action, role) {
        case (.comment, .admin): return false
        case (.comment, _): return true
        case (.acknowledge, .operator), (.acknowledge, .department): return true
        case (.acknowledge, .security): return category == .security
        case (.acknowledge, .technician): return category == .technical
        case (.resolve, .operator), (.resolve, .department): return true
        case (.resolve, .security): return category == .security
        case (.escalateToCommittee, .department): return true
        case (.respond, .operator), (.respond, .technician): return true
        default: return false
        }
    }

    public static func roles(allowedTo action: IncidentAction, category: IncidentCategory) -> [PartyRole] {
        PartyRole.allCases.filter { allows($0, action, category) }
    }

    public static func decide(_ roles: [PartyRole], _ action: IncidentAction, category: IncidentCategory) -> PolicyDecision {
        if roles.contains(where: { allows($0, action, category) }) { return .yes }
        let who: MessageValue = roles.isEmpty ? .message(Message("policy.no-role")) : .text(roles.map(\.rawValue).joined(separator: ", "))
        let allowed = MessageValue.text(Self.roles(allowedTo: action, category: category).map(\.rawValue).joined(separator: ", "))
        let message: Message
        if roles == [.committee] && (action == .acknowledge || action == .resolve) {
            message = Message("policy.refused.committee", ["allowed": allowed])
        } else {
            let what = Message(MessageKey("policy.action." + action.rawValue), ["category": .message(category.message)])
            message = Message("policy.refused", ["roles": who, "action": .message(what), "allowed": allowed])
        }
        return PolicyDecision(allowed: false, reason: Catalogue.render(message, .vi), reasonEnglish: Catalogue.render(message, .en))
    }
}

/// Channels a person acts through, named in every notice.
public enum ActionChannel: String, Sendable, Hashable, Codable, CaseIterable {
    case web, link, reply, cli, api

    public init(via: String) {
        switch via {
        case "web": self = .web
        case "link": self = .link
        case "email", "reply": self = .reply
        case "api": self = .api
        default: self = .cli
        }
    }

    /// The channel's name as a catalogue message (`channel.web` …).
    public var message: Message { Message(MessageKey("channel." + rawValue)) }
    public var vietnamese: String { Catalogue.render(message, .vi) }
    public var english: String { Catalogue.render(message, .en) }
}

// The role table people read in README "Accounts and roles" and docs/api.md, generated from the
// policy the pages, the API, the links, the replies and the CLI ask (`AccessPolicy`, which asks
// `IncidentPolicy` and `RegisterPolicy`), so the documents cannot drift from what the code does:
// a test compares them with this table. The words come from the catalogue (`roles.table.*`).
import WatchpostCore
import WatchpostStore

public enum RoleTable {
    /// A Markdown table, one row per role.
    public static func markdown(_ language: Language = .en) -> String {
        func t(_ key: String) -> String { Catalogue.render(Message(MessageKey(key)), language) }
        func byCategory(_ role: UserRole, _ action: WebAction) -> String { t(scopeKey(role, action) ?? "roles.table.no") }
        func yes(_ allowed: Bool) -> String { t(allowed ? "roles.table.yes" : "roles.table.no") }
        let header = ["role", "read", "acknowledge", "resolve", "comment", "escalate", "respond", "registers", "users"].map { t("roles.table." + $0) }
        var lines = ["| " + header.joined(separator: " | ") + " |", "|" + String(repeating: "---|", count: header.count)]
        for role in UserRole.allCases {
            let registers = [(WebAction.writeRegisters, "roles.table.write"), (.decideRegisters, "roles.table.decide")]
                .filter { AccessPolicy.decide(role, $0.0).allowed }.map { t($0.1) }
            let cells = [
                "`\(role.rawValue)` (\(t("role." + role.rawValue)))",
                AccessPolicy.decide(role, .read).allowed ? t("roles.table.everything") : t("roles.table.no"),
                byCategory(role, .acknowledge), byCategory(role, .resolve), byCategory(role, .note),
                yes(AccessPolicy.decide(role, .escalate, category: .security).allowed || AccessPolicy.decide(role, .escalate, category: .technical).allowed),
                yes(AccessPolicy.decide(role, .respond, category: .security).allowed || AccessPolicy.decide(role, .respond, category: .technical).allowed),
                registers.isEmpty ? t("roles.table.no") : registers.joined(separator: ", "),
                yes(AccessPolicy.decide(role, .manageUsers).allowed),
            ]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// One line per role for `watchpost user add --help`: the role, its label and what the policy
    /// lets it do (the same cells as the table, only those allowed), so the help cannot contradict
    /// the policy (review of issue #14: it left out `operator` and said the Department only reads).
    public static func roleLines(_ language: Language) -> [String] {
        func t(_ key: String) -> String { Catalogue.render(Message(MessageKey(key)), language) }
        func scope(_ role: UserRole, _ action: WebAction) -> String? { scopeKey(role, action).map(t) }
        return UserRole.allCases.map { role in
            var can: [String] = []
            if AccessPolicy.decide(role, .read).allowed { can.append("\(t("roles.table.read")) \(t("roles.table.everything"))") }
            for (action, key) in [(WebAction.acknowledge, "roles.table.acknowledge"), (.resolve, "roles.table.resolve"), (.note, "roles.table.comment")] {
                if let s = scope(role, action) { can.append("\(t(key)) \(s)") }
            }
            if scope(role, .escalate) != nil { can.append(t("roles.table.escalate")) }
            if scope(role, .respond) != nil { can.append(t("roles.table.respond")) }
            let registers = [(WebAction.writeRegisters, "roles.table.write"), (.decideRegisters, "roles.table.decide")]
                .filter { AccessPolicy.decide(role, $0.0).allowed }.map { t($0.1) }
            if !registers.isEmpty { can.append("\(t("roles.table.registers")): \(registers.joined(separator: ", "))") }
            if AccessPolicy.decide(role, .manageUsers).allowed { can.append(t("roles.table.users")) }
            return "  \(role.rawValue) (\(t("role." + role.rawValue))): \(can.joined(separator: "; "))"
        }
    }

    /// The catalogue key of the incidents a role may act on (nil: none).
    static func scopeKey(_ role: UserRole, _ action: WebAction) -> String? {
        let security = AccessPolicy.decide(role, action, category: .security).allowed
        let technical = AccessPolicy.decide(role, action, category: .technical).allowed
        switch (security, technical) {
        case (true, true): return "roles.table.both"
        case (true, false): return "roles.table.security"
        case (false, true): return "roles.table.technical"
        case (false, false): return nil
        }
    }

    /// The markers around the generated table in the documents.
    public static let begin = "<!-- role-table: generated from the policy (RoleTable.markdown); a test keeps it equal -->"
    public static let end = "<!-- /role-table -->"
}

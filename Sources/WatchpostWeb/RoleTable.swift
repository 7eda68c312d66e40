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
        func byCategory(_ role: UserRole, _ action: WebAction) -> String {
            let security = AccessPolicy.decide(role, action, category: .security).allowed
            let technical = AccessPolicy.decide(role, action, category: .technical).allowed
            switch (security, technical) {
            case (true, true): return t("roles.table.both")
            case (true, false): return t("roles.table.security")
            case (false, true): return t("roles.table.technical")
            case (false, false): return t("roles.table.no")
            }
        }
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

    /// The markers around the generated table in the documents.
    public static let begin = "<!-- role-table: generated from the policy (RoleTable.markdown); a test keeps it equal -->"
    public static let end = "<!-- /role-table -->"
}

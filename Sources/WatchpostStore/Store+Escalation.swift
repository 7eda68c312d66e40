// Escalation by decision and the operator role (issue 14, migration 10): decisions a Department
// user takes on an incident (putting it to the Provincial People's Committee) are kept in a table
// of their own for the audit, besides the incident's timeline; web accounts may have the role
// `operator` (the operating unit: the Vũng Áng Board, the Tây Trang border-guard post).
import WatchpostCore
import SQLite

extension Migrations {
    /// SQLite cannot change a CHECK constraint in place: the account table is rebuilt with the
    /// `operator` role allowed (sessions are dropped with it; people sign in again).
    static let escalation = Migration(version: 10, name: "escalation decisions and the operator role", sql: """
        CREATE TABLE incident_decision (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL,
            to_level TEXT NOT NULL,
            by_whom TEXT NOT NULL,
            organisation TEXT,
            via TEXT NOT NULL,
            note TEXT NOT NULL,
            at_ms INTEGER NOT NULL
        );
        CREATE INDEX incident_decision_by_incident ON incident_decision (incident_id);
        CREATE TABLE web_user_v10 (
            id INTEGER PRIMARY KEY,
            login TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('operator', 'technician', 'security', 'department', 'committee', 'admin')),
            email TEXT,
            password_hash TEXT NOT NULL,
            api_token_hash TEXT UNIQUE,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until_ms INTEGER NOT NULL DEFAULT 0,
            created_ms INTEGER NOT NULL,
            password_changed_ms INTEGER NOT NULL
        );
        INSERT INTO web_user_v10 SELECT id, login, display_name, role, email, password_hash, api_token_hash, failed_logins,
            locked_until_ms, created_ms, password_changed_ms FROM web_user;
        DROP TABLE web_user;
        ALTER TABLE web_user_v10 RENAME TO web_user;
        """)
}

extension Store {
    /// Puts incident `id` to a level reached by decision (the Committee) and records the decision.
    public func escalateIncident(_ id: Int64, to level: EscalationLevel, by: String, organisation: String?, via: String, note: String,
                                 at: Instant) throws(WatchpostError) -> IncidentChange {
        try mutateIncident(id) { inc in
            let step = try inc.escalateByDecision(to: level, by: by, organisation: organisation, via: via, note: note, at: at)
            try db.run("INSERT INTO incident_decision (incident_id, to_level, by_whom, organisation, via, note, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       id, "committee", by, organisation, ActionChannel(via: via).rawValue, note.trimmingWhitespace(), at.milliseconds)
            return step
        }
    }

    /// A comment told to everyone notified (who, organisation, channel, note).
    @discardableResult
    public func commentOnIncident(_ id: Int64, by: String, organisation: String?, via: String, text: String, at: Instant,
                                  roles: [PartyRole] = []) throws(WatchpostError) -> IncidentChange {
        try mutateIncident(id) { inc in inc.comment(by: by, organisation: organisation, via: via, text: text, at: at, roles: roles) }
    }

    /// Records a restoring action a person ran for a check (never an un-commanded change).
    public func recordResponse(site: String, checkID: String, incidentID: Int64?, action: String, by: String, via: String, note: String?,
                               succeeded: Bool, outcome: String, at: Instant) throws(WatchpostError) {
        let kind = succeeded ? "responded" : "respond-failed"
        var params: [String: MessageValue] = ["by": .text(by), "action": .text(action), "via": .message(ActionChannel(via: via).message), "outcome": .text(outcome)]
        let trimmed = note?.trimmingWhitespace() ?? ""
        if !trimmed.isEmpty { params["note"] = .text(trimmed) }
        let message = Message(MessageKey("timeline." + kind + (trimmed.isEmpty ? "" : ".note")), params)
        try appendTimeline([TimelineEvent(at: at, site: site, checkID: checkID, incidentID: incidentID, kind: kind, actor: by, message: message)])
    }
}

// Migration 22 (content, issue 16; s7 review): a responder runs once per round of an incident,
// not once per incident. A second unapproved play within the reopening window (an hour) reopens
// the incident as a new round, and the content responder must black the screen out again; the
// old key (incident, responder) kept its second run out of the table. Rows written before get
// round 0 (the round they ran in was not recorded).
//
// SQLite cannot change a table's UNIQUE key in place: the table is rebuilt. The first statement
// adds the column to the old table so that the store sees whether this migration was applied
// (`Store.firstTableExists`: versions land in any order, and a database already at a later
// version must still get it); the rebuilt table keeps the name, so it is never re-run.
extension Migrations {
    static let responderRounds = Migration(version: 22, name: "responder runs per round", sql: """
        ALTER TABLE responder_run ADD COLUMN round INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE responder_run RENAME TO responder_run_v2;
        CREATE TABLE responder_run (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incident (id),
            responder TEXT NOT NULL,
            round INTEGER NOT NULL DEFAULT 0,
            started_ms INTEGER NOT NULL,
            finished_ms INTEGER,
            state TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
            outcome TEXT,
            UNIQUE (incident_id, responder, round)
        );
        INSERT INTO responder_run (id, incident_id, responder, round, started_ms, finished_ms, state, outcome)
            SELECT id, incident_id, responder, round, started_ms, finished_ms, state, outcome FROM responder_run_v2;
        DROP TABLE responder_run_v2;
        """)
}

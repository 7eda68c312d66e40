// Migration 41 (registers, #18): the operating plan's history. `operating_plan` holds each day's
// current plan; every change to it (set, closed, removed) is also kept here in the order made,
// so the schedule applies each from the moment it was made (Tây Trang 7.2.1.b): a closure
// recorded at 14:00 does not rewrite the hours of that morning, which keep the plan they had.
// The plans stored before this migration become its first changes, at the instant each was set.
extension Migrations {
    static let planHistory = Migration(version: 41, name: "operating plan history", sql: """
        CREATE TABLE operating_plan_changes (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            date TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('hours', 'closed', 'cleared')),
            windows TEXT NOT NULL,
            reason TEXT NOT NULL,
            set_by TEXT NOT NULL,
            set_ms INTEGER NOT NULL
        );
        CREATE INDEX operating_plan_changes_site ON operating_plan_changes (site, date);
        INSERT INTO operating_plan_changes (site, date, kind, windows, reason, set_by, set_ms)
            SELECT site, date, kind, windows, reason, set_by, set_ms FROM operating_plan ORDER BY set_ms;
        """)
}

// Migration 30 (reports, range 30–39): the record of scheduled reports learns the reporting
// calendar — reports per site and of every kind (monthly, half-yearly, yearly, ad hoc), with the
// exact days each covered, since a period is no longer always a calendar month or year. Rows
// written before (`monthly/2026-10`, `yearly/2026`, for every site at once) are kept as they are;
// the report service still honours them so that a period already mailed is not mailed again.
import WatchpostCore
import SQLite

extension Migrations {
    // The first table this migration creates must be the one that stays: the store re-applies a
    // migration whose first created table is missing (versions land in any order), so a
    // build-then-rename (`report_sent_v30` → `report_sent`) would be re-run at every start and
    // copy the rows back without their site.
    static let reportCalendar = Migration(version: 30, name: "reporting calendar", sql: """
        ALTER TABLE report_sent RENAME TO report_sent_v7;
        CREATE TABLE report_sent (
            key TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('monthly', 'half-yearly', 'yearly', 'ad-hoc')),
            -- NULL for rows from before the calendar (one report for every site).
            site TEXT,
            period TEXT NOT NULL,
            first_day TEXT,
            last_day TEXT,
            queued_ms INTEGER NOT NULL,
            messages INTEGER NOT NULL CHECK (messages >= 0),
            CHECK (first_day IS NULL OR last_day IS NULL OR first_day <= last_day)
        );
        INSERT INTO report_sent (key, kind, period, queued_ms, messages)
            SELECT key, kind, period, queued_ms, messages FROM report_sent_v7;
        DROP TABLE report_sent_v7;
        """)

    /// `watchpost db check`: each row's key names its own kind, site and period.
    static var reportCalendarInvariants: (String, (SQLiteConnection) throws -> [String]) { ("report_sent", { db in
        try db.query("""
            SELECT key, kind, period FROM report_sent
            WHERE (site IS NULL AND key != kind || '/' || period) OR (site IS NOT NULL AND key != kind || '/' || site || '/' || period)
            """).map {
            "report_sent \($0[0].string ?? "?"): key does not match kind \($0[1].string ?? "?") and period \($0[2].string ?? "?")"
        }
    }) }
}

/// One scheduled report queued, as recorded.
public struct SentReport: Sendable, Hashable {
    public var key: String
    public var kind: String
    public var site: String?
    public var period: String
    public var firstDay: String?
    public var lastDay: String?
    public var queuedAt: Instant
    public var messages: Int
}

extension Store {
    /// Queues a site's report messages and records the period in one transaction (after a crash
    /// either both happened or neither did). False when the key — or `legacyKey`, the key the
    /// same period had before the calendar — was already recorded.
    @discardableResult
    public func queueSiteReport(key: String, legacyKey: String?, kind: String, site: String, period: ReportPeriod,
                                requests: [NotificationRequest]) throws(WatchpostError) -> Bool {
        let now = clock.now().milliseconds
        return try transaction { db in
            for k in [key] + (legacyKey.map { [$0] } ?? []) where try !db.query("SELECT 1 FROM report_sent WHERE key = ?", k).isEmpty { return false }
            let n = try Store.enqueue(requests, in: db)
            try db.run("INSERT INTO report_sent (key, kind, site, period, first_day, last_day, queued_ms, messages) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       key, kind, site, period.label, period.firstDay.description, period.lastDay.description, now, n)
            return true
        }
    }

    /// Every scheduled report recorded, newest first.
    public func sentReports(limit: Int = 1000) throws(WatchpostError) -> [SentReport] {
        do {
            return try db.query("SELECT key, kind, site, period, first_day, last_day, queued_ms, messages FROM report_sent ORDER BY queued_ms DESC, key LIMIT ?", limit).map {
                SentReport(key: $0[0].string ?? "", kind: $0[1].string ?? "", site: $0[2].string, period: $0[3].string ?? "",
                           firstDay: $0[4].string, lastDay: $0[5].string, queuedAt: Instant(milliseconds: $0[6].int ?? 0), messages: Int($0[7].int ?? 0))
            }
        } catch { throw storageError("cannot read report_sent", error) }
    }
}

// Migration 31 (reports, range 30–39): what a Department's console fetched from the other boxes
// (issue #17 point 4, Tây Trang Điều 8.2). The last answer of each box per period is kept, so a
// box offline for days is still reported with its last known figures, and every attempt to
// reach a box is recorded (last contact, last attempt, why it failed), so the board can say so.
import WatchpostCore
import SQLite

extension Migrations {
    static let remoteBoxes = Migration(version: 31, name: "remote boxes", sql: """
        -- The last successful answer of each box for each period (JSON, as the box sent it).
        CREATE TABLE remote_summary (
            remote TEXT NOT NULL,
            period TEXT NOT NULL,
            fetched_ms INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (remote, period)
        );
        -- One row per box: when it last answered, when it was last tried, and why that failed.
        CREATE TABLE remote_contact (
            remote TEXT PRIMARY KEY,
            last_attempt_ms INTEGER NOT NULL,
            last_success_ms INTEGER,
            last_error TEXT,
            failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0)
        );
        """)
}

/// What the console knows of one box's reachability.
public struct RemoteContact: Sendable, Hashable {
    public var remote: String
    public var lastAttempt: Instant
    /// nil: the box has never answered.
    public var lastSuccess: Instant?
    /// Why the last attempt failed; nil when it succeeded.
    public var lastError: String?
    /// Failed attempts in a row.
    public var failures: Int

    public init(remote: String, lastAttempt: Instant, lastSuccess: Instant?, lastError: String?, failures: Int) {
        self.remote = remote
        self.lastAttempt = lastAttempt
        self.lastSuccess = lastSuccess
        self.lastError = lastError
        self.failures = failures
    }
}

/// One cached answer of a box.
public struct RemoteSummaryRecord: Sendable, Hashable {
    public var remote: String
    public var period: String
    public var fetchedAt: Instant
    public var body: String
}

extension Store {
    /// Records a successful fetch: its body for `period` and the box's contact time, together.
    public func recordRemoteSuccess(remote: String, period: String, body: String, at: Instant) throws(WatchpostError) {
        try transaction { db in
            try db.run("INSERT INTO remote_summary (remote, period, fetched_ms, body) VALUES (?, ?, ?, ?) ON CONFLICT (remote, period) DO UPDATE SET fetched_ms = excluded.fetched_ms, body = excluded.body",
                       remote, period, at.milliseconds, body)
            try db.run("INSERT INTO remote_contact (remote, last_attempt_ms, last_success_ms, last_error, failures) VALUES (?, ?, ?, NULL, 0) ON CONFLICT (remote) DO UPDATE SET last_attempt_ms = excluded.last_attempt_ms, last_success_ms = excluded.last_success_ms, last_error = NULL, failures = 0",
                       remote, at.milliseconds, at.milliseconds)
        }
    }

    /// Records a failed attempt; the cached figures and the last contact time are kept.
    public func recordRemoteFailure(remote: String, error: String, at: Instant) throws(WatchpostError) {
        try transaction { db in
            try db.run("INSERT INTO remote_contact (remote, last_attempt_ms, last_success_ms, last_error, failures) VALUES (?, ?, NULL, ?, 1) ON CONFLICT (remote) DO UPDATE SET last_attempt_ms = excluded.last_attempt_ms, last_error = excluded.last_error, failures = remote_contact.failures + 1",
                       remote, at.milliseconds, String(error.prefix(2000)))
        }
    }

    /// Every box's contact record.
    public func remoteContacts() throws(WatchpostError) -> [RemoteContact] {
        do {
            return try db.query("SELECT remote, last_attempt_ms, last_success_ms, last_error, failures FROM remote_contact ORDER BY remote").map {
                RemoteContact(remote: $0[0].string ?? "", lastAttempt: Instant(milliseconds: $0[1].int ?? 0), lastSuccess: $0[2].int.map { Instant(milliseconds: $0) },
                              lastError: $0[3].string, failures: Int($0[4].int ?? 0))
            }
        } catch { throw storageError("cannot read remote_contact", error) }
    }

    /// The cached answers for `period`, one per box.
    public func remoteSummaries(period: String) throws(WatchpostError) -> [RemoteSummaryRecord] {
        do {
            return try db.query("SELECT remote, period, fetched_ms, body FROM remote_summary WHERE period = ? ORDER BY remote", period).map {
                RemoteSummaryRecord(remote: $0[0].string ?? "", period: $0[1].string ?? "", fetchedAt: Instant(milliseconds: $0[2].int ?? 0), body: $0[3].string ?? "")
            }
        } catch { throw storageError("cannot read remote_summary", error) }
    }
}

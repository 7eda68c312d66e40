// WatchpostStore owns the database: schema and migrations, check states and compact probe
// history, the monitor's own run records (heartbeats), and — in files of their own — incidents,
// the hash-chained timeline, the outbox and users. One `Store` actor is the only writer in the
// daemon; it runs on a thread of its own because every write may wait for fsync.
import WatchpostCore
import SQLite
import Posix

/// One schema step. Versions are allotted per capability so that parallel work never collides:
/// 1 foundation, 2 incidents and timeline, 3 outbox, 4 users and web, 5 content, 6 power,
/// 7 reports, 8 LED. A database is migrated in version order at start.
public struct Migration: Sendable {
    public var version: Int64
    public var name: String
    public var sql: String
    public init(version: Int64, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

public enum Migrations {
    /// Every migration the binary knows, in order.
    public static var all: [Migration] { [foundation, incidents, mail, reports, users, escalation, userOrganisation, broadcastLog, broadcastBlackout, reportCalendar, remoteBoxes, registers, planHistory, logRelay, timelineMessages, sentMailBodies, responderRounds].sorted { $0.version < $1.version } }
    public static var latestVersion: Int64 { all.last?.version ?? 0 }

    static let foundation = Migration(version: 1, name: "foundation", sql: """
        CREATE TABLE check_state (
            site TEXT NOT NULL,
            check_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3),
            hard INTEGER NOT NULL DEFAULT 1 CHECK (hard IN (0, 1)),
            attempts INTEGER NOT NULL DEFAULT 0,
            since_ms INTEGER NOT NULL,
            last_ms INTEGER NOT NULL,
            summary TEXT NOT NULL,
            result_json TEXT NOT NULL,
            PRIMARY KEY (site, check_id)
        );
        -- Compact history: every status change, plus one sample per check per sample interval.
        CREATE TABLE history (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            check_id TEXT NOT NULL,
            at_ms INTEGER NOT NULL,
            status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3),
            change INTEGER NOT NULL CHECK (change IN (0, 1)),
            summary TEXT NOT NULL,
            measurements_json TEXT NOT NULL DEFAULT '[]'
        );
        CREATE INDEX history_by_check ON history (site, check_id, at_ms);
        CREATE INDEX history_by_time ON history (at_ms);
        -- One row per daemon run; last_alive_ms moves with each heartbeat. Reports use the gaps
        -- between runs as "no data", never as up or down.
        CREATE TABLE monitor_run (
            id INTEGER PRIMARY KEY,
            pid INTEGER NOT NULL,
            started_ms INTEGER NOT NULL,
            last_alive_ms INTEGER NOT NULL,
            stopped_ms INTEGER,
            CHECK (last_alive_ms >= started_ms)
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        -- The durable outbox: a notification is committed here (with the incident change that
        -- caused it) before any send is attempted; `key` makes queueing idempotent.
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            event TEXT NOT NULL,
            site TEXT NOT NULL,
            incident_id INTEGER,
            check_id TEXT,
            level INTEGER,
            recipient_address TEXT NOT NULL,
            recipient_name TEXT NOT NULL,
            recipient_contact TEXT NOT NULL,
            template TEXT NOT NULL,
            fields_json TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_ms INTEGER NOT NULL,
            last_error TEXT,
            message_id TEXT,
            sent_ms INTEGER
        );
        CREATE INDEX outbox_due ON outbox (state, next_attempt_ms);
        """)
}

/// The current state of one check as stored.
public struct StoredCheckState: Sendable, Hashable, Codable {
    public var site: String
    public var checkID: String
    public var kind: String
    public var status: CheckStatus
    public var hard: Bool
    public var attempts: Int
    public var since: Instant
    public var last: Instant
    public var summary: String
    public var result: CheckResult?
}

public struct HistoryEntry: Sendable, Hashable {
    public var site: String
    public var checkID: String
    public var at: Instant
    public var status: CheckStatus
    public var change: Bool
    public var summary: String
}

public struct MonitorRun: Sendable, Hashable {
    public var id: Int64
    public var pid: Int32
    public var started: Instant
    public var lastAlive: Instant
    public var stopped: Instant?
}

/// The database, opened once per process. All access goes through this actor.
public actor Store {
    /// A thread of its own; or, for a heavy read's store (HeavyReads), the blocking pool.
    private let executor: any SerialExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    /// The store's thread ends with it (a reload makes new stores; their threads must not pile up).
    deinit { (executor as? DedicatedThreadExecutor)?.shutdown() }

    /// The connection; extensions in this module (incidents, outbox, users…) use it directly.
    let db: SQLiteConnection
    public nonisolated let path: String
    let clock: any WatchpostClock
    var currentRun: Int64?
    /// Set once the reserve was given up to a full disk: from then on only changes of state are
    /// stored for check results (no periodic samples), leaving the space to incidents.
    public private(set) var lowOnSpace = false
    /// The size of the reserve this process gave up, until it is made again.
    private var releasedReserveBytes: Int64?
    /// The WAL's size limit (`journal_size_limit`): 64 KiB on a volume under 64 MiB, else 256 KiB.
    /// It only cuts the file after a checkpoint, so a transaction must itself stay under it:
    /// large writes go in pieces (`compactForSpace`, message parts in the outbox).
    public private(set) var walLimit: Int64 = 262_144
    private var lastSample: [String: Instant] = [:]

    /// Opens the database, switches it to WAL and applies pending migrations. Refuses a database
    /// written by a newer Watchpost, which this binary would misread.
    public init(path: String, clock: any WatchpostClock, readOnly: Bool = false) throws(WatchpostError) {
        try self.init(path: path, clock: clock, readOnly: readOnly, executor: DedicatedThreadExecutor(name: "store"))
    }

    /// A store whose queries run on `executor` (a heavy read's: `PoolExecutor`).
    init(path: String, clock: any WatchpostClock, readOnly: Bool, executor: any SerialExecutor) throws(WatchpostError) {
        self.path = path
        self.clock = clock
        self.executor = executor
        do {
            if !readOnly, let dir = path.lastIndex(of: "/").map({ String(path[..<$0]) }), !dir.isEmpty {
                try? FileSystem.makeDirectories(dir)
            }
            // The database holds password hashes, session and API token digests and used links:
            // owner only (0600). SQLite gives the -wal and -shm files the database's own mode.
            var reserveGivenUpBefore = false
            if !readOnly, path != ":memory:" {
                let existed = (FileSystem.size(of: path) ?? 0) > 0
                try FileSystem.createPrivateFile(path)
                for p in [path, path + "-wal", path + "-shm"] { try FileSystem.restrictToOwner(p) }
                // The reserve is made when there is room; a box that starts on a full disk has none.
                // A reserve smaller than `minimumRoom` would hold nothing an incident step needs:
                // on a disk that nearly full none is made now, but as soon as there is room.
                if let free = try? FileSystem.space(at: path).free, StorageReserve.size(free: free) >= StorageReserve.minimumRoom {
                    try? FileSystem.preallocate(StorageReserve.path(forDatabase: path), bytes: StorageReserve.size(free: free))
                }
                // The record of accepted messages (Store+AcceptedMail): 8 KiB, made while there is room.
                try? FileSystem.preallocate(AcceptedMailRecord.path(forDatabase: path), bytes: AcceptedMailRecord.slots * AcceptedMailRecord.slotSize)
                // A database without its reserve: a process before this one gave it up to a full
                // disk and was stopped (kill -9) before it could make it again, and the disk is
                // still too full for one now. This process makes it again as soon as there is room,
                // before periodic samples resume (#19 review s6: a restart on the full disk ran on
                // without a reserve for good).
                reserveGivenUpBefore = existed && !FileSystem.exists(StorageReserve.path(forDatabase: path))
            }
            let conn = try SQLiteConnection(path: path, readOnly: readOnly)
            db = conn
            // A reader's query ends when its caller gives up (a web request past its deadline is
            // cancelled; #19 review s8: its work went on for minutes).
            if readOnly { conn.interruptWhenTaskCancelled() }
            lowOnSpace = reserveGivenUpBefore
            let version = try conn.userVersion
            if version > Migrations.latestVersion {
                throw WatchpostError(.schemaTooNew,
                    "database \(path) has schema version \(version), newer than this binary understands (\(Migrations.latestVersion))",
                    hint: "run the Watchpost version that wrote it, or restore a backup made for this version")
            }
            if !readOnly {
                // A new database gives freed pages back to the filesystem on request (issue #19):
                // pages of dropped mail bodies are reused, and when the disk fills they are
                // returned (incremental_vacuum) so the WAL can grow. It must be set before the
                // first table is made; on an older database it changes nothing.
                // On a volume of a few MiB (#19 review s6) a new database takes 1 KiB pages: its
                // hundred-odd tables and indexes, one page each at least, took 450 KiB of a 2 MiB
                // volume in 4 KiB pages before anything was recorded. The WAL is kept to 64 KiB.
                let tiny = (try? FileSystem.space(at: path).total).map { $0 < 64 << 20 } ?? false
                if version == 0, tiny { try conn.execute("PRAGMA page_size=1024") }
                if version == 0 { try conn.execute("PRAGMA auto_vacuum=INCREMENTAL") }
                let mode = try conn.enableWAL()
                if mode != "wal" { throw WatchpostError(.storage, "database \(path) cannot use WAL (journal mode is \(mode))") }
                // A bounded WAL (issue #19): a checkpoint every 64 pages (256 KiB) and the file cut
                // back to 256 KiB after it, instead of SQLite's 1,000 pages (4 MiB), which alone
                // filled a 2 MiB volume before the disk-full reserve could help.
                // On a volume of a few MiB a quarter of that (#19 review s6: 360-536 KiB of WAL on
                // a 2 MiB volume): a checkpoint every 64 KiB, the file cut back to 64 KiB.
                let pageSize = max(512, try conn.query("PRAGMA page_size").first?[0].int ?? 4096)
                if tiny {
                    // Measured in diskfull.sh (#19, session 9: an strace of every WAL write): with
                    // a checkpoint only once a commit left 64 KiB, a storm's next transaction
                    // (50-78 pages) began at page 57-64, 113-170 KiB in all; and a checkpoint that
                    // a reader's snapshot cut short let the next transactions append instead of
                    // starting the WAL again (401 KiB in the s8 review). So a checkpoint after any
                    // commit that leaves 8 KiB, and from 32 KiB on it waits (at most 250 ms) for
                    // the reader rather than let the WAL grow.
                    conn.setCheckpointPolicy(CheckpointPolicy(afterFrames: Int32(max(1, 8192 / pageSize)), waitAboveFrames: Int32(max(1, 32768 / pageSize)),
                                                              waitForReadersMilliseconds: 250))
                } else {
                    try conn.execute("PRAGMA wal_autocheckpoint=64")
                }
                try conn.execute(tiny ? "PRAGMA journal_size_limit=65536" : "PRAGMA journal_size_limit=262144")
                walLimit = tiny ? 65_536 : 262_144
                // FULL: incident, acknowledgement and outbox commits must survive power loss.
                try conn.setSynchronous(.full)
                try conn.execute("PRAGMA foreign_keys=ON")
                // Versions are allotted per capability and land in any order: a database may be at
                // version 7 without version 2. A migration at or below the stored version whose
                // first table is missing was never applied, so it is applied now.
                for m in Migrations.all where try m.version > version || !Store.firstTableExists(of: m, in: conn) {
                    try conn.transaction {
                        try conn.execute(m.sql)
                        try conn.setUserVersion(max(m.version, try conn.userVersion))
                    }
                }
            } else if version < Migrations.latestVersion {
                throw WatchpostError(.storage, "database \(path) is at schema \(version) but this binary expects \(Migrations.latestVersion)",
                                     hint: "start the daemon once (watchpost run) so it can migrate the database")
            }
        } catch let e as WatchpostError {
            throw e
        } catch {
            throw WatchpostError(.storage, "cannot open database \(path): \(error)", hint: "check the path in watchpost.conf [daemon] database and its folder's permissions")
        }
    }

    /// Whether the first table a migration creates exists (true for a migration that creates none).
    /// A migration that only adds a column (`ALTER TABLE t ADD COLUMN c`) counts as applied when
    /// that column exists: 50 landed after 70, so a database at 70 would otherwise never get it.
    /// A migration that opens with such a column and then rebuilds the table (22: a new UNIQUE
    /// key, which SQLite cannot change in place) is judged by that first column the same way.
    static func firstTableExists(of m: Migration, in conn: SQLiteConnection) throws -> Bool {
        let create = m.sql.firstRange(of: "CREATE TABLE ")
        if let r = m.sql.firstRange(of: "ALTER TABLE "), create.map({ r.lowerBound < $0.lowerBound }) ?? true {
            let words = m.sql[r.upperBound...].split(whereSeparator: \.isWhitespace).prefix(4).map(String.init)
            if words.count == 4, words[1] == "ADD", words[2] == "COLUMN" {
                let column = words[3].filter { $0 != ";" }
                return try conn.query("SELECT name FROM pragma_table_info(?)", words[0]).contains { $0["name"].string == column }
            }
            if create == nil { return true }
        }
        guard let r = m.sql.firstRange(of: "CREATE TABLE ") else { return true }
        var name = m.sql[r.upperBound...].prefix { !$0.isWhitespace && $0 != "(" }
        if name.uppercased() == "IF" { return true }
        if name.hasPrefix("\"") { name = name.dropFirst().prefix { $0 != "\"" } }
        return try !conn.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", String(name)).isEmpty
    }

    func storageError(_ what: String, _ error: any Error) -> WatchpostError {
        WatchpostError(.storage, "\(what): \(error)")
    }

    public var schemaVersion: Int64 { (try? db.userVersion) ?? 0 }

    // MARK: - Check states and history

    /// Records one result: updates the check's current state, and appends to history when the
    /// status changed or the sample interval has passed since the last stored sample.
    public func record(site: String, checkID: String, kind: String, result: CheckResult, hard: Bool = true,
                       attempts: Int = 0, sampleInterval: Seconds) throws(WatchpostError) {
        let key = "\(site)/\(checkID)"
        let at = result.startedAt
        do {
            let json = try JSONCoding.string(result)
            try db.transaction {
                let prev = try db.query("SELECT status, since_ms FROM check_state WHERE site = ? AND check_id = ?", site, checkID).first
                let prevStatus = prev?["status"].int.map { Int($0) }
                let changed = prevStatus != result.status.rawValue
                let since = changed ? at.milliseconds : prev?["since_ms"].int ?? at.milliseconds
                try db.run("""
                    INSERT INTO check_state (site, check_id, kind, status, hard, attempts, since_ms, last_ms, summary, result_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (site, check_id) DO UPDATE SET kind = excluded.kind, status = excluded.status,
                      hard = excluded.hard, attempts = excluded.attempts, since_ms = excluded.since_ms,
                      last_ms = excluded.last_ms, summary = excluded.summary, result_json = excluded.result_json
                    """, site, checkID, kind, result.status.rawValue, hard, attempts, since, at.milliseconds, result.summary, json)
                let due = !shortOfRoom() && (lastSample[key].map { at - $0 >= sampleInterval } ?? true)
                if changed || due {
                    let m = try JSONCoding.string(result.measurements)
                    try db.run("INSERT INTO history (site, check_id, at_ms, status, change, summary, measurements_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               site, checkID, at.milliseconds, result.status.rawValue, changed, result.summary, m)
                    lastSample[key] = at
                }
            }
        } catch {
            throw storageError("cannot record result of \(key)", error)
        }
    }

    public func checkStates() throws(WatchpostError) -> [StoredCheckState] {
        do {
            return try db.query("SELECT * FROM check_state ORDER BY site, check_id").map { r in
                StoredCheckState(
                    site: r["site"].string ?? "", checkID: r["check_id"].string ?? "", kind: r["kind"].string ?? "",
                    status: CheckStatus(rawValue: Int(r["status"].int ?? 3)) ?? .unknown, hard: r["hard"].int == 1,
                    attempts: Int(r["attempts"].int ?? 0), since: Instant(milliseconds: r["since_ms"].int ?? 0),
                    last: Instant(milliseconds: r["last_ms"].int ?? 0), summary: r["summary"].string ?? "",
                    result: r["result_json"].string.flatMap { try? JSONCoding.decode(CheckResult.self, from: $0) })
            }
        } catch { throw storageError("cannot read check states", error) }
    }

    /// History of one check (or every check when `checkID` is nil) in [from, to).
    public func history(site: String, checkID: String? = nil, from: Instant, to: Instant) throws(WatchpostError) -> [HistoryEntry] {
        do {
            var sql = "SELECT site, check_id, at_ms, status, change, summary FROM history WHERE site = ? AND at_ms >= ? AND at_ms < ?"
            var args: [any SQLBindable] = [site, from.milliseconds, to.milliseconds]
            if let checkID { sql += " AND check_id = ?"; args.append(checkID) }
            sql += " ORDER BY at_ms, id"
            return try db.query(sql, arguments: args).map { r in
                HistoryEntry(site: r["site"].string ?? "", checkID: r["check_id"].string ?? "", at: Instant(milliseconds: r["at_ms"].int ?? 0),
                             status: CheckStatus(rawValue: Int(r["status"].int ?? 3)) ?? .unknown, change: r["change"].int == 1,
                             summary: r["summary"].string ?? "")
            }
        } catch { throw storageError("cannot read history", error) }
    }

    /// Deletes history samples older than `before`, keeping each check's last entry before that
    /// point so that its state at the start of the retained period stays known.
    @discardableResult
    public func pruneHistory(before: Instant) throws(WatchpostError) -> Int {
        do {
            try db.run("""
                DELETE FROM history WHERE at_ms < ? AND id NOT IN (
                  SELECT MAX(id) FROM history WHERE at_ms < ? GROUP BY site, check_id)
                """, before.milliseconds, before.milliseconds)
            return db.changes
        } catch { throw storageError("cannot prune history", error) }
    }

    /// Removes the stored state of checks no longer configured.
    public func forgetChecks(except keep: Set<String>) throws(WatchpostError) {
        do {
            for s in try checkStates() where !keep.contains("\(s.site)/\(s.checkID)") {
                try db.run("DELETE FROM check_state WHERE site = ? AND check_id = ?", s.site, s.checkID)
            }
        } catch let e as WatchpostError { throw e } catch { throw storageError("cannot forget checks", error) }
    }

    // MARK: - Monitor runs (heartbeats)

    public func beginRun(pid: Int32) throws(WatchpostError) {
        let now = clock.now().milliseconds
        do {
            try db.run("INSERT INTO monitor_run (pid, started_ms, last_alive_ms) VALUES (?, ?, ?)", pid, now, now)
            currentRun = db.lastInsertRowID
        } catch { throw storageError("cannot record daemon start", error) }
    }

    public func heartbeat() throws(WatchpostError) {
        guard let run = currentRun else { return }
        do { try db.run("UPDATE monitor_run SET last_alive_ms = ? WHERE id = ?", clock.now().milliseconds, run) }
        catch { throw storageError("cannot record heartbeat", error) }
    }

    public func endRun() throws(WatchpostError) {
        guard let run = currentRun else { return }
        let now = clock.now().milliseconds
        do { try db.run("UPDATE monitor_run SET last_alive_ms = ?, stopped_ms = ? WHERE id = ?", now, now, run) }
        catch { throw storageError("cannot record daemon stop", error) }
        currentRun = nil
    }

    public func monitorRuns(from: Instant, to: Instant) throws(WatchpostError) -> [MonitorRun] {
        do {
            return try db.query("SELECT * FROM monitor_run WHERE last_alive_ms >= ? AND started_ms < ? ORDER BY started_ms", from.milliseconds, to.milliseconds).map { r in
                MonitorRun(id: r["id"].int ?? 0, pid: Int32(r["pid"].int ?? 0), started: Instant(milliseconds: r["started_ms"].int ?? 0),
                           lastAlive: Instant(milliseconds: r["last_alive_ms"].int ?? 0), stopped: r["stopped_ms"].int.map { Instant(milliseconds: $0) })
            }
        } catch { throw storageError("cannot read monitor runs", error) }
    }

    // MARK: - Outbox (queueing; delivery belongs to WatchpostMail)

    /// Queues notifications inside the caller's transaction. A request whose key is already
    /// queued is skipped, so replaying a step never notifies twice. Returns how many were new.
    @discardableResult
    public static func enqueue(_ requests: [NotificationRequest], in db: SQLiteConnection) throws -> Int {
        var added = 0
        for r in requests {
            let fields = try JSONCoding.string(r.fields)
            try db.run("""
                INSERT INTO outbox (key, event, site, incident_id, check_id, level, recipient_address, recipient_name,
                  recipient_contact, template, fields_json, created_ms, next_attempt_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING
                """, r.key, r.event.rawValue, r.site, r.incidentID, r.checkID, r.level, r.recipient.address, r.recipient.displayName,
                r.recipient.contactID, r.template, fields, r.createdAt.milliseconds, r.createdAt.milliseconds)
            added += db.changes
        }
        return added
    }

    /// Queues notifications in a transaction of their own.
    @discardableResult
    public func enqueue(_ requests: [NotificationRequest]) throws(WatchpostError) -> Int {
        try transaction { db in try Store.enqueue(requests, in: db) }
    }

    // MARK: - Checks of the database itself

    /// Invariant checks that modules add (incidents, timeline, outbox…): each returns problems.
    /// A module adds its check to this list in its own file.
    static var invariantChecks: [(String, (SQLiteConnection) throws -> [String])] { [Migrations.usersInvariants, Migrations.mailInvariants, Migrations.reportCalendarInvariants, Migrations.registerInvariants] + incidentInvariantChecks }

    /// `PRAGMA integrity_check` plus the application's own invariants. Empty means healthy.
    public func verify() throws(WatchpostError) -> [String] {
        do {
            var problems = try db.integrityCheck().filter { $0 != "ok" }
            problems += try db.query("PRAGMA foreign_key_check").map { "foreign key violation in \($0[0].string ?? "?") row \($0[1].int ?? 0)" }
            problems += try db.query("SELECT site, check_id FROM check_state WHERE last_ms < since_ms").map {
                "check_state \($0[0].string ?? "")/\($0[1].string ?? ""): last result is older than its state change"
            }
            problems += try db.query("SELECT id FROM monitor_run WHERE stopped_ms IS NOT NULL AND stopped_ms < started_ms").map {
                "monitor_run \($0[0].int ?? 0): stopped before it started"
            }
            for (name, check) in Store.invariantChecks {
                problems += try check(db).map { "\(name): \($0)" }
            }
            return problems
        } catch { throw storageError("cannot verify database", error) }
    }

    /// Runs `body` inside one transaction on the store's connection (for modules' own tables).
    /// Whether an error is SQLite's "database or disk is full" (SQLITE_FULL, 13).
    static func isDiskFull(_ error: any Error) -> Bool {
        if let e = error as? SQLiteError { return e.code & 0xFF == 13 }
        return String(describing: error).contains("disk is full")
    }

    /// Gives the reserve back to the filesystem after a write found the disk full. Returns
    /// whether there was a reserve to give (the caller then retries its write once).
    func releaseReserve(after error: any Error) -> Bool {
        guard Store.isDiskFull(error), !readOnlyPath else { return false }
        let reserve = StorageReserve.path(forDatabase: path)
        lowOnSpace = true
        guard FileSystem.exists(reserve) else { return false }
        releasedReserveBytes = FileSystem.size(of: reserve) ?? 0
        FileSystem.remove(reserve)
        compactForSpace()
        return true
    }

    /// Gives back what the database holds but no longer needs (issue #19, review s5: a storm
    /// filled a 2 MiB volume with notices in seconds, 3 KB of template fields each, 0.7 MiB in
    /// all): the fields of notices already sent or given up (their message's digest stands for
    /// them, as for the body: migration 50), then the WAL cut back to nothing and the free pages
    /// returned to the file system (a database made with incremental auto_vacuum).
    public func compactForSpace() {
        guard !readOnlyPath else { return }
        // The WAL first, while the room just given back is there: frames left in it when the disk
        // is full can never be moved into a database file that cannot grow (review s5: 404 KiB stuck).
        try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        // In pieces of 8 rows (3 KB of fields each), each its own transaction and checkpointed:
        // the storm's 300 rows in one UPDATE wrote every page of the table to the WAL at once
        // (188-336 KiB on a 2 MiB volume, #19 review s7), past its limit and into the room.
        for _ in 0..<10_000 {
            guard (try? db.execute("""
                UPDATE outbox SET fields_json = '{}' WHERE id IN (
                  SELECT id FROM outbox WHERE state IN ('sent', 'failed') AND fields_json != '{}' LIMIT 8)
                """)) != nil, db.changes > 0 else { break }
            try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        // The free pages go back 32 at a time: one incremental_vacuum moves pages and writes them
        // all to the WAL in one transaction.
        for _ in 0..<10_000 {
            guard let pages = try? db.query("PRAGMA freelist_count").first?[0].int, pages > 0,
                  (try? db.execute("PRAGMA incremental_vacuum(32)")) != nil else { break }
            try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            if (try? db.query("PRAGMA freelist_count").first?[0].int) == pages { break }
        }
        try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    /// Free bytes on the database's file system (nil when it cannot be asked).
    public func freeBytes() -> Int64? { try? FileSystem.space(at: path).free }

    /// Whether writes that can wait should wait (periodic history samples, fields of notices
    /// already sent): the reserve is given up, or the free room is under `StorageReserve.floor`,
    /// which is kept for incident steps. A volume that cannot be asked is not short.
    public func shortOfRoom() -> Bool {
        guard !readOnlyPath else { return false }
        if lowOnSpace { return true }
        return (roomForWriting() ?? .max) < StorageReserve.floor
    }

    /// Room a write can use: the file system's free bytes and the database's own free pages.
    public func roomForWriting() -> Int64? {
        guard !readOnlyPath, let free = freeBytes() else { return nil }
        let pages = (try? db.query("PRAGMA freelist_count").first?[0].int) ?? 0
        let size = (try? db.query("PRAGMA page_size").first?[0].int) ?? 4096
        return free + pages * size
    }

    /// Makes the reserve again once the disk that filled has room (the daemon asks on every
    /// timer tick and every outbox pass, BEFORE the steps held back are written: written first,
    /// they took the room back and the reserve was never made again, #19 review s7): a quarter of the free space, at most
    /// the size given up, as soon as there are two `minimumRoom`s free. (It used to wait for twice
    /// the size given up, which never came back once the storm's own records had taken part of
    /// it: the box then ran without a reserve for good; #19 review, s5.) Periodic samples resume.
    /// Returns whether it was made.
    public func restoreReserveIfRoom() -> Bool {
        guard !readOnlyPath, lowOnSpace else { return false }
        let reserve = StorageReserve.path(forDatabase: path)
        var free = freeBytes() ?? 0
        if free < 2 * StorageReserve.minimumRoom {
            compactForSpace()
            free = freeBytes() ?? 0
        }
        guard free >= 2 * StorageReserve.minimumRoom else { return false }
        if !FileSystem.exists(reserve) {
            // At least `minimumRoom`: a reserve smaller than that holds nothing an incident step needs.
            let released = releasedReserveBytes.map { max($0, StorageReserve.minimumRoom) } ?? (1 << 20)
            let size = max(StorageReserve.minimumRoom, min(released, StorageReserve.size(free: free)))
            guard (try? FileSystem.preallocate(reserve, bytes: size)) != nil else { return false }
        }
        makeAcceptedMailRecord()
        lowOnSpace = false
        releasedReserveBytes = nil
        return true
    }

    var readOnlyPath: Bool { path == ":memory:" }

    public func transaction<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws(WatchpostError) -> T {
        do { return try db.transaction { try body(db) } }
        catch let e as WatchpostError { throw e }
        catch { throw storageError("transaction failed", error) }
    }

    /// Read access to the connection without a transaction.
    public func read<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws(WatchpostError) -> T {
        do { return try body(db) }
        catch let e as WatchpostError { throw e }
        catch { throw storageError("read failed", error) }
    }
}

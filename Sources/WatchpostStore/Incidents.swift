// Incidents in the database (migration 2): incidents with their escalation deadlines
// (wall-clock, stored), acknowledgements, maintenance windows, responder runs, and the
// hash-chained timeline (Timeline.swift). An engine step's incidents, deadlines, timeline and
// notifications are committed in ONE transaction, so a notification is never queued for a
// change that was not stored, and a replayed step finds its notifications already queued (the
// outbox key is unique) and sends nothing twice.
import WatchpostCore
import SQLite

extension Migrations {
    static let incidents = Migration(version: 2, name: "incidents", sql: """
        CREATE TABLE incident (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            check_id TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('triggered', 'acknowledged', 'resolved')),
            category TEXT NOT NULL CHECK (category IN ('technical', 'security')),
            severity INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 3),
            opened_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            resolved_ms INTEGER,
            level INTEGER NOT NULL,
            round INTEGER NOT NULL,
            hold TEXT,
            -- The next escalation step, on the wall clock: survives restarts.
            deadline_ms INTEGER,
            deadline_kind TEXT CHECK (deadline_kind IN ('escalate', 'reminder', 'ackTimeout')),
            deadline_level INTEGER,
            summary TEXT NOT NULL,
            -- The whole incident (who was notified, acknowledgement, folded checks…) as JSON.
            data_json TEXT NOT NULL,
            CHECK ((deadline_ms IS NULL) = (deadline_kind IS NULL)),
            CHECK ((state = 'resolved') = (resolved_ms IS NOT NULL))
        );
        -- At most one open incident per check, enforced by the database itself.
        CREATE UNIQUE INDEX incident_one_open ON incident (site, check_id) WHERE state != 'resolved';
        CREATE INDEX incident_deadline ON incident (deadline_ms) WHERE deadline_ms IS NOT NULL;
        CREATE INDEX incident_by_time ON incident (site, opened_ms);
        CREATE TABLE incident_ack (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incident (id),
            by_whom TEXT NOT NULL,
            via TEXT NOT NULL,
            note TEXT,
            origin TEXT,
            at_ms INTEGER NOT NULL,
            level INTEGER NOT NULL
        );
        CREATE INDEX incident_ack_by_incident ON incident_ack (incident_id);
        CREATE TABLE maintenance_window (
            id INTEGER PRIMARY KEY,
            site TEXT,
            checks TEXT NOT NULL DEFAULT '',
            start_ms INTEGER NOT NULL,
            end_ms INTEGER NOT NULL,
            reason TEXT NOT NULL,
            security INTEGER NOT NULL DEFAULT 0 CHECK (security IN (0, 1)),
            created_by TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            stopped_ms INTEGER,
            CHECK (end_ms > start_ms)
        );
        CREATE TABLE responder_run (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incident (id),
            responder TEXT NOT NULL,
            started_ms INTEGER NOT NULL,
            finished_ms INTEGER,
            state TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
            outcome TEXT,
            UNIQUE (incident_id, responder)
        );
        CREATE TABLE timeline (
            seq INTEGER PRIMARY KEY,
            at_ms INTEGER NOT NULL,
            site TEXT NOT NULL,
            check_id TEXT,
            incident_id INTEGER,
            kind TEXT NOT NULL,
            actor TEXT NOT NULL,
            text TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX timeline_by_incident ON timeline (incident_id, seq);
        INSERT OR IGNORE INTO meta (key, value) VALUES ('engine_rev', '0');
        INSERT OR IGNORE INTO meta (key, value) VALUES ('timeline_head', '0:0000000000000000000000000000000000000000000000000000000000000000');
        """)
}

/// What the engine needs from the database to resume: incidents that are open or may still be
/// reopened, the ad-hoc maintenance windows, and the revision it is in step with.
public struct EngineSnapshot: Sendable {
    public var incidents: [Incident]
    public var maintenance: [MaintenanceWindow]
    public var nextIncidentID: Int64
    public var revision: Int64
}

/// An ad-hoc maintenance window as stored.
public struct StoredMaintenance: Sendable, Hashable {
    public var id: Int64
    public var window: MaintenanceWindow
    public var createdAt: Instant
    public var stoppedAt: Instant?
}

extension Store {

    // MARK: - Rows

    static func saveIncident(_ inc: Incident, in db: SQLiteConnection) throws {
        let json = try JSONCoding.string(inc)
        try db.run("""
            INSERT INTO incident (id, site, check_id, state, category, severity, opened_ms, updated_ms, resolved_ms, level, round, hold,
              deadline_ms, deadline_kind, deadline_level, summary, data_json)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, category = excluded.category, severity = excluded.severity,
              updated_ms = excluded.updated_ms, resolved_ms = excluded.resolved_ms, level = excluded.level, round = excluded.round,
              hold = excluded.hold, deadline_ms = excluded.deadline_ms, deadline_kind = excluded.deadline_kind,
              deadline_level = excluded.deadline_level, summary = excluded.summary, data_json = excluded.data_json
            """, inc.id, inc.key.site, inc.key.check, inc.state.rawValue, inc.category.rawValue, inc.severity.rawValue,
            inc.openedAt.milliseconds, inc.updatedAt.milliseconds, inc.resolvedAt?.milliseconds, inc.level, inc.round, inc.hold?.rawValue,
            inc.deadline?.at.milliseconds, inc.deadline?.kind.rawValue, inc.deadline?.level, inc.summary, json)
    }

    static func decodeIncident(_ row: SQLRow) throws -> Incident {
        try JSONCoding.decode(Incident.self, from: row["data_json"].string ?? "")
    }

    static func loadIncident(_ id: Int64, in db: SQLiteConnection) throws -> Incident? {
        try db.query("SELECT data_json FROM incident WHERE id = ?", id).first.map(decodeIncident)
    }

    static func revision(in db: SQLiteConnection) throws -> Int64 {
        Int64(try db.query("SELECT value FROM meta WHERE key = 'engine_rev'").first?[0].string ?? "0") ?? 0
    }

    /// Every change to incidents or maintenance moves the revision, so the daemon's engine knows
    /// when another process (or another part of the daemon) changed them and reloads.
    @discardableResult
    static func bumpRevision(in db: SQLiteConnection) throws -> Int64 {
        let next = try revision(in: db) + 1
        try db.run("INSERT INTO meta (key, value) VALUES ('engine_rev', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", String(next))
        return next
    }

    static func writeStep(_ inc: Incident, _ step: IncidentStep, in db: SQLiteConnection) throws {
        try saveIncident(inc, in: db)
        try appendTimeline(step.timeline, in: db)
        try enqueue(step.notifications, in: db)
    }

    // MARK: - The engine's side

    public func engineRevision() throws(WatchpostError) -> Int64 {
        do { return try Store.revision(in: db) } catch { throw storageError("cannot read engine revision", error) }
    }

    /// Open incidents, those resolved within `reopenWindow` before `now`, and current ad-hoc windows.
    public func loadEngineSnapshot(now: Instant, reopenWindow: Seconds) throws(WatchpostError) -> EngineSnapshot {
        do {
            return try db.transaction {
                let rows = try db.query("SELECT data_json FROM incident WHERE state != 'resolved' OR resolved_ms >= ? ORDER BY id",
                                        (now - reopenWindow).milliseconds)
                let incidents = try rows.map(Store.decodeIncident)
                let next = (try db.query("SELECT MAX(id) FROM incident").first?[0].int ?? 0) + 1
                return EngineSnapshot(incidents: incidents, maintenance: try Store.maintenanceWindows(activeAt: nil, in: db, after: now).map(\.window),
                                      nextIncidentID: next, revision: try Store.revision(in: db))
            }
        } catch { throw storageError("cannot load incidents", error) }
    }

    /// Commits one engine step: incidents (with deadlines), timeline, responder runs and the
    /// notifications, in one transaction. Returns the new revision, or nil — committing nothing —
    /// when the revision is no longer `expectedRevision` (another process changed incidents
    /// meanwhile: reload and recompute).
    /// `heldByDisk`: the step waited in memory for a full disk; its notices are marked so
    /// (`OutboxRow.heldByDisk`), as are those of a step written only by giving up the reserve.
    public func commitEngineStep(_ out: EngineOutput, expectedRevision: Int64?, heldByDisk: Bool = false) throws(WatchpostError) -> Int64? {
        do { return try commitEngineStepOnce(out, expectedRevision: expectedRevision, heldByDisk: heldByDisk) } catch {
            // Disk full: the reserve goes so that the incident is recorded (issue #19), once.
            guard releaseReserve(after: error) else { throw storageError("cannot commit incident step", error) }
            do { return try commitEngineStepOnce(out, expectedRevision: expectedRevision, heldByDisk: true) } catch {
                throw storageError("cannot commit incident step (disk full even after releasing the reserve)", error)
            }
        }
    }

    private func commitEngineStepOnce(_ out: EngineOutput, expectedRevision: Int64?, heldByDisk: Bool) throws -> Int64? {
        do {
            return try db.transaction { () throws -> Int64? in
                if let expectedRevision, try Store.revision(in: db) != expectedRevision { return nil }
                for inc in out.incidents { try Store.saveIncident(inc, in: db) }
                try Store.appendTimeline(out.timeline, in: db)
                for r in out.responders {
                    try db.run("INSERT INTO responder_run (incident_id, responder, round, started_ms, state) VALUES (?, ?, ?, ?, 'running') ON CONFLICT DO NOTHING",
                               r.incidentID, r.responder, r.round, r.at.milliseconds)
                }
                try Store.enqueue(out.notifications, in: db)
                if heldByDisk {
                    for n in out.notifications {
                        try db.run("UPDATE outbox SET last_error = ? WHERE key = ? AND state = 'queued'", OutboxRow.heldByDisk, n.key)
                    }
                }
                return try out.incidents.isEmpty ? Store.revision(in: db) : Store.bumpRevision(in: db)
            }
        }
    }

    // MARK: - People and other processes (IncidentService)

    /// Loads an incident, applies a lifecycle step to it and commits the incident, its timeline
    /// and notifications together.
    /// An incident after a person's action and the messages the action queued.
    public struct IncidentChange: Sendable {
        public var incident: Incident
        public var queued: [NotificationRequest]
    }

    /// Applies `body` to the incident in one transaction; returns the incident after it and the
    /// messages the step queued (for the caller's log).
    func mutateIncident(_ id: Int64, _ body: (inout Incident) throws -> IncidentStep) throws(WatchpostError) -> IncidentChange {
        do {
            return try db.transaction {
                guard var inc = try Store.loadIncident(id, in: db) else {
                    throw WatchpostError(.notFound, "no incident #\(id)", hint: "watchpost status lists the open incidents")
                }
                let step = try body(&inc)
                try Store.writeStep(inc, step, in: db)
                try Store.bumpRevision(in: db)
                return IncidentChange(incident: inc, queued: step.notifications)
            }
        } catch let e as WatchpostError { throw e } catch { throw storageError("cannot update incident #\(id)", error) }
    }

    public func acknowledgeIncident(_ id: Int64, by: String, via: String, note: String?, from: String?, at: Instant,
                                    organisation: String? = nil) throws(WatchpostError) -> IncidentChange {
        try mutateIncident(id) { inc in
            let step = try inc.acknowledge(by: by, via: via, note: note, from: from, at: at, organisation: organisation)
            try db.run("INSERT INTO incident_ack (incident_id, by_whom, via, note, origin, at_ms, level) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       id, by, via, note, from, at.milliseconds, inc.level)
            return step
        }
    }

    public func resolveIncident(_ id: Int64, by: String, via: String, note: String?, at: Instant, organisation: String? = nil) throws(WatchpostError) -> IncidentChange {
        try mutateIncident(id) { inc in
            guard inc.isOpen else { throw WatchpostError(.usage, "incident #\(id) is already resolved") }
            return inc.resolve(by: by, reason: Incident.resolutionReason(note: note), at: at, via: via, organisation: organisation, note: note)
        }
    }

    public func addIncidentNote(_ id: Int64, by: String, note: String, at: Instant) throws(WatchpostError) {
        _ = try mutateIncident(id) { inc in inc.note(by: by, text: note, at: at) }
    }

    /// `round`: the incident's round the run started in (`ResponderInvocation.round`), which
    /// names its row — a reopened incident runs its responders again, in rows of their own.
    public func recordResponderOutcome(incidentID: Int64, responder: String, round: Int, succeeded: Bool, outcome: String, at: Instant) throws(WatchpostError) {
        _ = try mutateIncident(incidentID) { inc in
            try db.run("""
                INSERT INTO responder_run (incident_id, responder, round, started_ms, finished_ms, state, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (incident_id, responder, round) DO UPDATE SET finished_ms = excluded.finished_ms, state = excluded.state, outcome = excluded.outcome
                """, incidentID, responder, round, at.milliseconds, at.milliseconds, succeeded ? "succeeded" : "failed", outcome)
            return inc.responderFinished(responder, succeeded: succeeded, outcome: outcome, at: at)
        }
    }

    /// Responder runs that never finished (the daemon died while they ran): recorded as failed,
    /// never re-run — an action runs at most once per round of an incident.
    public func failInterruptedResponders(at: Instant) throws(WatchpostError) -> Int {
        let rows: [SQLRow]
        do { rows = try db.query("SELECT incident_id, responder, round FROM responder_run WHERE state = 'running'") } catch { throw storageError("cannot read responder runs", error) }
        for r in rows {
            try recordResponderOutcome(incidentID: r[0].int ?? 0, responder: r[1].string ?? "", round: Int(r[2].int ?? 0), succeeded: false,
                                       outcome: "interrupted: the daemon stopped while it ran; not repeated", at: at)
        }
        return rows.count
    }

    public func incident(_ id: Int64) throws(WatchpostError) -> Incident? {
        do { return try Store.loadIncident(id, in: db) } catch { throw storageError("cannot read incident #\(id)", error) }
    }

    public func openIncidents() throws(WatchpostError) -> [Incident] {
        do { return try db.query("SELECT data_json FROM incident WHERE state != 'resolved' ORDER BY id").map(Store.decodeIncident) }
        catch { throw storageError("cannot read incidents", error) }
    }

    /// Incidents of a site (or all) that were open at some time in [from, to) — for reports.
    public func incidents(site: String?, from: Instant, to: Instant) throws(WatchpostError) -> [Incident] {
        do {
            var sql = "SELECT data_json FROM incident WHERE opened_ms < ? AND (resolved_ms IS NULL OR resolved_ms >= ?)"
            var args: [any SQLBindable] = [to.milliseconds, from.milliseconds]
            if let site { sql += " AND site = ?"; args.append(site) }
            return try db.query(sql + " ORDER BY id", arguments: args).map(Store.decodeIncident)
        } catch { throw storageError("cannot read incidents", error) }
    }

    /// Open incidents first (newest first), then resolved ones (newest first), at most `limit`.
    public func recentIncidents(limit: Int) throws(WatchpostError) -> [Incident] {
        do {
            return try db.query("SELECT data_json FROM incident ORDER BY (state = 'resolved'), id DESC LIMIT ?", limit).map(Store.decodeIncident)
        } catch { throw storageError("cannot read incidents", error) }
    }

    /// Records a refused attempt (forged or expired link, a reply without a valid token…).
    public func recordIncidentRefusal(_ id: Int64, by: String, via: String, from: String?, reason: String, at: Instant) throws(WatchpostError) {
        do {
            try db.transaction {
                guard try Store.loadIncident(id, in: db) != nil else { return }
                try Store.appendTimeline([TimelineEvent(at: at, site: try db.query("SELECT site FROM incident WHERE id = ?", id).first?[0].string ?? "",
                                                        checkID: try db.query("SELECT check_id FROM incident WHERE id = ?", id).first?[0].string,
                                                        incidentID: id, kind: "refused", actor: by,
                                                        message: Message("timeline.refused", ["via": .text(via + (from.map { ", \($0)" } ?? "")), "reason": .text(reason)]))], in: db)
            }
        } catch { throw storageError("cannot record refusal on incident #\(id)", error) }
    }

    public func acknowledgements(incidentID: Int64) throws(WatchpostError) -> [Acknowledgement] {
        do {
            return try db.query("SELECT by_whom, via, note, origin, at_ms, level FROM incident_ack WHERE incident_id = ? ORDER BY id", incidentID).map {
                Acknowledgement(by: $0[0].string ?? "", via: $0[1].string ?? "", note: $0[2].string, from: $0[3].string,
                                at: Instant(milliseconds: $0[4].int ?? 0), level: Int($0[5].int ?? 0))
            }
        } catch { throw storageError("cannot read acknowledgements", error) }
    }

    /// The earliest stored escalation deadline of an open incident that is not held.
    public func nextDeadline() throws(WatchpostError) -> Instant? {
        do {
            return try db.query("SELECT MIN(deadline_ms) FROM incident WHERE state != 'resolved' AND hold IS NULL AND deadline_ms IS NOT NULL")
                .first?[0].int.map { Instant(milliseconds: $0) }
        } catch { throw storageError("cannot read deadlines", error) }
    }

    // MARK: - Maintenance windows (ad hoc)

    static func maintenanceWindows(activeAt: Instant?, in db: SQLiteConnection, after: Instant? = nil) throws -> [StoredMaintenance] {
        var sql = "SELECT * FROM maintenance_window WHERE 1 = 1"
        var args: [any SQLBindable] = []
        if let t = activeAt { sql += " AND start_ms <= ? AND end_ms > ?"; args += [t.milliseconds, t.milliseconds] }
        if let t = after { sql += " AND end_ms > ?"; args.append(t.milliseconds) }
        return try db.query(sql + " ORDER BY id", arguments: args).map { r in
            let id = r["id"].int ?? 0
            let checks = (r["checks"].string ?? "").split(separator: ",").map(String.init)
            return StoredMaintenance(id: id, window: MaintenanceWindow(
                id: "adhoc:\(id)", site: r["site"].string, checks: checks, start: Instant(milliseconds: r["start_ms"].int ?? 0),
                end: Instant(milliseconds: r["end_ms"].int ?? 0), reason: r["reason"].string ?? "", includesSecurity: r["security"].int == 1,
                createdBy: r["created_by"].string ?? ""),
                createdAt: Instant(milliseconds: r["created_ms"].int ?? 0), stoppedAt: r["stopped_ms"].int.map { Instant(milliseconds: $0) })
        }
    }

    public func maintenanceWindows(activeAt: Instant? = nil, endingAfter: Instant? = nil) throws(WatchpostError) -> [StoredMaintenance] {
        do { return try Store.maintenanceWindows(activeAt: activeAt, in: db, after: endingAfter) } catch { throw storageError("cannot read maintenance windows", error) }
    }

    public func startMaintenance(site: String?, checks: [String], start: Instant, end: Instant, reason: String, includesSecurity: Bool, by: String) throws(WatchpostError) -> StoredMaintenance {
        guard end > start else { throw WatchpostError(.usage, "a maintenance window must end after it starts") }
        do {
            return try db.transaction {
                try db.run("INSERT INTO maintenance_window (site, checks, start_ms, end_ms, reason, security, created_by, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           site, checks.joined(separator: ","), start.milliseconds, end.milliseconds, reason, includesSecurity, by, clock.now().milliseconds)
                let id = db.lastInsertRowID
                let checkList = checks.isEmpty ? "" : " (\(checks.joined(separator: ", ")))"
                let scope: MessageValue = site.map { .text($0 + checkList) } ?? .bilingual(vi: "tất cả các cụm" + checkList, en: "all sites" + checkList)
                try Store.appendTimeline([TimelineEvent(at: clock.now(), site: site ?? "*", kind: "maintenance-started", actor: by,
                                                        message: Message(includesSecurity ? "timeline.maintenance-started.security" : "timeline.maintenance-started",
                                                                         ["window": .text("adhoc:\(id)"), "scope": scope, "from": .instant(start),
                                                                          "until": .instant(end), "reason": .text(reason)]))], in: db)
                try Store.bumpRevision(in: db)
                return try Store.maintenanceWindows(activeAt: nil, in: db).first { $0.id == id }!
            }
        } catch { throw storageError("cannot start maintenance", error) }
    }

    /// Ends an ad-hoc window now. Held incidents whose problem persists are notified by the daemon.
    public func stopMaintenance(id: Int64, by: String, at: Instant) throws(WatchpostError) -> StoredMaintenance {
        do {
            return try db.transaction {
                guard let w = try Store.maintenanceWindows(activeAt: nil, in: db).first(where: { $0.id == id }) else {
                    throw WatchpostError(.notFound, "no maintenance window \(id)", hint: "watchpost maintenance list")
                }
                // A time a person reads: in words in the site's zone, never UTC with milliseconds (issue 15).
                guard w.window.end > at else {
                    throw WatchpostError(.usage, Message("maintenance.error.already-ended", ["id": .int(id), "at": .instant(w.window.end)]),
                                         hint: Message("maintenance.error.see-list"))
                }
                let end = max(at, w.window.start + Seconds(milliseconds: 1))
                try db.run("UPDATE maintenance_window SET end_ms = ?, stopped_ms = ? WHERE id = ?", end.milliseconds, at.milliseconds, id)
                try Store.appendTimeline([TimelineEvent(at: at, site: w.window.site ?? "*", kind: "maintenance-stopped", actor: by,
                                                        message: Message("timeline.maintenance-stopped", ["window": .text("adhoc:\(id)"), "reason": .text(w.window.reason)]))], in: db)
                try Store.bumpRevision(in: db)
                var out = w
                out.window.end = end
                out.stoppedAt = at
                return out
            }
        } catch let e as WatchpostError { throw e } catch { throw storageError("cannot stop maintenance", error) }
    }
}

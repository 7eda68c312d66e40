// Report reads and the record of scheduled reports sent. Owns migration 7 (`report_sent`) and the
// fast history scan reports use: integer columns only, streamed into a `TimelineBuilder`, so a
// year of compact history for many checks is read without building a row object per sample.
import WatchpostCore
import SQLite

extension Migrations {
    static let reports = Migration(version: 7, name: "reports", sql: """
        -- One row per scheduled report queued (e.g. `monthly/2026-10/department`): the report
        -- service never queues the same period twice, even after a restart.
        CREATE TABLE report_sent (
            key TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('monthly', 'yearly')),
            period TEXT NOT NULL,
            queued_ms INTEGER NOT NULL,
            messages INTEGER NOT NULL CHECK (messages >= 0)
        );
        -- Reports read only the rows that change a check's state; this index holds just those.
        CREATE INDEX history_changes ON history (site, check_id, at_ms) WHERE change = 1;
        """)
}

extension Store {
    /// The monitor's coverage (merged run spans, whole seconds) overlapping [from, to).
    public func monitorCoverage(from: Instant, to: Instant) throws(WatchpostError) -> [TimeSpan] {
        let runs = try monitorRuns(from: from, to: to)
        return WatchpostCore.monitorCoverage(runs: runs.map { (startedMs: $0.started.milliseconds, lastAliveMs: $0.lastAlive.milliseconds) })
    }

    /// A check's state timeline over [from, to) seconds from its compact history.
    public func checkTimeline(site: String, checkID: String, from: Int64, to: Int64, coverage: [TimeSpan],
                              mapping: StatusMapping) throws(WatchpostError) -> StateTimeline {
        do {
            let before = try db.query("SELECT at_ms, status FROM history WHERE site = ? AND check_id = ? AND at_ms < ? ORDER BY at_ms DESC, id DESC LIMIT 1",
                                      site, checkID, from * 1000).first.flatMap { r -> (atMs: Int64, status: CheckStatus)? in
                guard let at = r[0].int, let s = r[1].int.flatMap({ CheckStatus(rawValue: Int($0)) }) else { return nil }
                return (at, s)
            }
            var builder = TimelineBuilder(from: from, to: to, coverage: coverage, mapping: mapping, before: before)
            // Only rows that can change the state are read: status changes (`change = 1`, through
            // the partial index `history_changes`) and the first row of each stretch of monitoring
            // that starts in the period (a restart may resume in the same status, stored with
            // change = 0). Samples in between repeat the state, so skipping them is exact and reads
            // thousands of rows instead of millions.
            var rows: [(id: Int64, atMs: Int64, status: Int64)] = []
            try db.forEachIntegerRow("SELECT id, at_ms, status FROM history WHERE site = ? AND check_id = ? AND change = 1 AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id",
                                     arguments: [site, checkID, from * 1000, to * 1000]) { row in rows.append((row[0], row[1], row[2])) }
            for span in coverage where span.end > from && span.start < to {
                try db.forEachIntegerRow("SELECT id, at_ms, status FROM history WHERE site = ? AND check_id = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id LIMIT 1",
                                         arguments: [site, checkID, max(span.start, from) * 1000, min(span.end, to) * 1000]) { row in rows.append((row[0], row[1], row[2])) }
            }
            rows.sort { ($0.atMs, $0.id) < ($1.atMs, $1.id) }
            var lastID: Int64 = .min
            for r in rows where r.id != lastID {
                builder.add(atMs: r.atMs, status: CheckStatus(rawValue: Int(r.status)) ?? .unknown)
                lastID = r.id
            }
            return builder.finish()
        } catch let e as WatchpostError { throw e } catch { throw storageError("cannot read history of \(site)/\(checkID)", error) }
    }

    /// On-battery timeline of a UPS check (down = on battery) from the `on_battery` measurement
    /// (seconds on battery so far) the power probes store with each history row: a row reading
    /// n > 0 at t means on battery since t − n. Rows without the measurement count as unknown.
    /// Returns nil when the check has no such readings at all.
    public func onBatteryTimeline(site: String, checkID: String, from: Int64, to: Int64, coverage: [TimeSpan]) throws(WatchpostError) -> StateTimeline? {
        do {
            // Start a day early so that a cut already running at `from` is seen from its row.
            var builder = TimelineBuilder(from: from, to: to, coverage: coverage)
            var sawReading = false
            var last: Int64 = .min
            try db.forEachIntegerRow("""
                SELECT at_ms, CAST(COALESCE((SELECT json_extract(m.value, '$.value') FROM json_each(history.measurements_json) AS m
                                             WHERE json_extract(m.value, '$.name') = 'on_battery'), -1) * 1000 AS INTEGER)
                FROM history WHERE site = ? AND check_id = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id
                """, arguments: [site, checkID, (from - 86_400) * 1000, to * 1000]) { row in
                let at = row[0], onBatteryMs = row[1]
                if onBatteryMs < 0 { builder.add(atMs: at, status: .unknown); last = at; return }
                sawReading = true
                if onBatteryMs > 0 {
                    builder.add(atMs: max(last, at - onBatteryMs), status: .critical)
                    builder.add(atMs: at, status: .critical)
                } else {
                    builder.add(atMs: at, status: .ok)
                }
                last = at
            }
            return sawReading ? builder.finish() : nil
        } catch let e as WatchpostError { throw e } catch { throw storageError("cannot read UPS history of \(site)/\(checkID)", error) }
    }

    /// Incidents of a site open at some time in [from, to), as reports count them: the first
    /// acknowledgement from `incident_ack`, the highest level reached in any round from the
    /// timeline's `escalated` entries (and the incident's current level), and content violations
    /// (security incidents with a security-relevant content or player finding: `ContentViolation`).
    public func reportIncidents(site: String, from: Instant, to: Instant) throws(WatchpostError) -> [IncidentFacts] {
        let list = try incidents(site: site, from: from, to: to)
        guard !list.isEmpty else { return [] }
        do {
            var firstAck: [Int64: Int64] = [:]
            var reached: [Int64: Int] = [:]
            let ids = list.map { String($0.id) }.joined(separator: ",")
            for r in try db.query("SELECT incident_id, MIN(at_ms) FROM incident_ack WHERE incident_id IN (\(ids)) GROUP BY incident_id") {
                if let id = r[0].int, let at = r[1].int { firstAck[id] = at }
            }
            for r in try db.query("SELECT incident_id, text FROM timeline WHERE kind = 'escalated' AND incident_id IN (\(ids))") {
                // "escalated to level N (…)"
                guard let id = r[0].int, let text = r[1].string, let range = text.firstRange(of: "level ") else { continue }
                if let n = Int(text[range.upperBound...].prefix(while: { $0.isNumber })) { reached[id] = max(reached[id] ?? 0, n) }
            }
            return list.map { i in
                IncidentFacts(id: i.id, site: i.key.site, checkID: i.key.check, category: i.category, severity: i.severity, opened: i.openedAt,
                              firstAcknowledged: firstAck[i.id].map { Instant(milliseconds: $0) }, resolved: i.resolvedAt,
                              highestLevel: max(i.level, reached[i.id] ?? 0),
                              contentViolation: ContentViolation.isViolation(category: i.category, findingCodes: i.findingCodes))
            }
        } catch { throw storageError("cannot read incident figures", error) }
    }

    /// Whether a table exists (reports use tables of other capabilities only when present).
    public func hasTable(_ name: String) throws(WatchpostError) -> Bool {
        do { return try !db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).isEmpty }
        catch { throw storageError("cannot read schema", error) }
    }

    /// Whether a scheduled report with this key was already queued.
    public func reportSent(key: String) throws(WatchpostError) -> Bool {
        do { return try !db.query("SELECT 1 FROM report_sent WHERE key = ?", key).isEmpty }
        catch { throw storageError("cannot read report_sent", error) }
    }

    /// Queues a scheduled report's messages and remembers the period, in one transaction: after a
    /// crash either both happened or neither did. Returns false when the key was already recorded.
    @discardableResult
    public func queueReport(key: String, kind: String, period: String, requests: [NotificationRequest]) throws(WatchpostError) -> Bool {
        let now = clock.now().milliseconds
        return try transaction { db in
            if try !db.query("SELECT 1 FROM report_sent WHERE key = ?", key).isEmpty { return false }
            let n = try Store.enqueue(requests, in: db)
            try db.run("INSERT INTO report_sent (key, kind, period, queued_ms, messages) VALUES (?, ?, ?, ?, ?)", key, kind, period, now, n)
            return true
        }
    }
}

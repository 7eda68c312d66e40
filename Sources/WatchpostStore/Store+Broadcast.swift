// The broadcast log's rows (migration 20): plays and gaps, and the items they reference. The
// recorder (WatchpostBroadcast) decides what to write; this file only stores and reads.
import WatchpostCore
import SQLite

/// An item as the player played it, with the approval that covered it when it started.
public struct BroadcastItem: Sendable, Hashable, Codable {
    public var path: String
    public var name: String
    /// Lower-case hex; empty when the player reports no hash.
    public var sha256: String
    public var size: Int64?
    public var approved: Bool
    /// Why it was not approved (a finding code such as player.unapproved-item); empty when approved.
    public var reason: String
    /// The approving manifest: its archive id, key id, approval time and sequence.
    public var manifestID: String
    public var keyID: String
    public var approvedAt: Instant?
    public var sequence: Int64?
    public var title: String?
    public var source: String?
    public var languages: [String]
    public var month: String?
    public var kind: String?

    public init(path: String, name: String, sha256: String = "", size: Int64? = nil, approved: Bool, reason: String = "",
                manifestID: String = "", keyID: String = "", approvedAt: Instant? = nil, sequence: Int64? = nil,
                title: String? = nil, source: String? = nil, languages: [String] = [], month: String? = nil, kind: String? = nil) {
        self.path = path
        self.name = name
        self.sha256 = sha256
        self.size = size
        self.approved = approved
        self.reason = reason
        self.manifestID = manifestID
        self.keyID = keyID
        self.approvedAt = approvedAt
        self.sequence = sequence
        self.title = title
        self.source = source
        self.languages = languages
        self.month = month
        self.kind = kind
    }
}

extension BroadcastItem {
    /// Whether the play was approved when it started, as the log, the report and the CSV/JSON say it.
    public enum Approval: String, Sendable, Hashable, Codable {
        case approved
        case notApproved = "not-approved"
        /// The approval could not be checked: the media share (and the manifest in it) or the
        /// Department's key could not be read. Not a refusal (review of #16, session 5).
        case notChecked = "not-checked"
    }

    /// The reasons (finding codes) that mean the approval could not be checked at all.
    public static let notCheckedReasons: Set<String> = ["content.folder-unavailable", "content.public-key-unreadable"]

    public var approval: Approval {
        approved ? .approved : Self.notCheckedReasons.contains(reason) ? .notChecked : .notApproved
    }
}

/// Why nothing approved was on the screen for a while.
public enum BroadcastGap: String, Sendable, Hashable, Codable, CaseIterable {
    /// The player's status interface did not answer.
    case playerUnreachable = "player-unreachable"
    /// The player answered but played nothing, in operating hours.
    case nothingPlaying = "nothing-playing"
    /// The LED screen was dark in operating hours (blacked out, or failed).
    case screenDark = "screen-dark"
    /// The monitor itself was not running (between a crash or stop and the next start).
    case notObserved = "not-observed"
    /// The screen was blacked out by command (the content responder's led-blackout, or a
    /// person's `respond led-blackout`), from the command to the restore; tied to the play it
    /// stopped.
    case blackedOut = "blacked-out"
}

/// A blackout by command, as the broadcast log records it on its `blacked-out` gap.
public struct BroadcastBlackout: Sendable, Hashable {
    /// The play that was on when the screen went dark (nil: nothing was playing).
    public var stoppedPlayID: Int64?
    public var stoppedPath: String?
    public var stoppedStarted: Instant?
    /// The responder's name, or the person who ran `respond led-blackout`.
    public var by: String
    public var incidentID: Int64?

    public init(stoppedPlayID: Int64? = nil, stoppedPath: String? = nil, stoppedStarted: Instant? = nil, by: String, incidentID: Int64? = nil) {
        self.stoppedPlayID = stoppedPlayID
        self.stoppedPath = stoppedPath
        self.stoppedStarted = stoppedStarted
        self.by = by
        self.incidentID = incidentID
    }
}

/// A command that blacked out or restored a screen, read back from the incident tables.
public struct ScreenCommand: Sendable, Hashable {
    public var at: Instant
    public var blackout: Bool
    /// The responder's name, or the person.
    public var by: String
    public var incidentID: Int64?
    /// A responder's run: the start of the check run whose result called it (the engine stamps
    /// the run with it). nil for a person's command.
    public var calledBy: Instant?

    public init(at: Instant, blackout: Bool, by: String, incidentID: Int64?, calledBy: Instant? = nil) {
        self.at = at
        self.blackout = blackout
        self.by = by
        self.incidentID = incidentID
        self.calledBy = calledBy
    }
}

/// One row of the broadcast log.
public struct BroadcastEntry: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable { case play, gap }
    public var id: Int64
    public var site: String
    public var player: String
    public var kind: Kind
    public var started: Instant
    /// nil while open.
    public var ended: Instant?
    public var lastSeen: Instant
    public var item: BroadcastItem?
    public var gap: BroadcastGap?
    /// Plays: how long the screen was dark during it (operating hours).
    public var darkMilliseconds: Int64
    /// `blacked-out` gaps: who commanded it and the play it stopped.
    public var blackout: BroadcastBlackout? = nil

    /// The end, or the last time it was seen while open.
    public var end: Instant { ended ?? lastSeen }
    public var isOpen: Bool { ended == nil }
}

extension Store {
    static let broadcastColumns = """
        l.id, l.site, l.player, l.entry, l.started_ms, l.ended_ms, l.last_seen_ms, l.gap, l.dark_ms,
        i.path, i.name, i.sha256, i.size, i.approved, i.reason, i.manifest_id, i.key_id, i.approved_at_ms, i.sequence,
        i.title, i.source, i.languages, i.month, i.kind, l.item_id,
        l.stopped_play_id, l.stopped_path, l.stopped_started_ms, l.commanded_by, l.incident_id
        """
    /// The number of columns of `broadcastColumns` (sums selected after them start here).
    static let broadcastColumnCount = 30

    /// Reads a row selected with `broadcastColumns` (by position: a year of rows is a million).
    static func broadcastEntry(_ r: SQLRow, items: inout [Int64: BroadcastItem]) -> BroadcastEntry {
        var item: BroadcastItem?
        // One item value per item id: every play of it shares the same strings.
        if let id = r[24].int, let known = items[id] {
            item = known
        } else if let path = r[9].string {
            let langs = r[21].string.map { $0.split(separator: ",").map(String.init) } ?? []
            item = BroadcastItem(path: path, name: r[10].string ?? path, sha256: r[11].string ?? "", size: r[12].int,
                                 approved: r[13].int == 1, reason: r[14].string ?? "", manifestID: r[15].string ?? "",
                                 keyID: r[16].string ?? "", approvedAt: r[17].int.map(Instant.init(milliseconds:)),
                                 sequence: r[18].int, title: r[19].string, source: r[20].string, languages: langs,
                                 month: r[22].string, kind: r[23].string)
            if let id = r[24].int { items[id] = item }
        }
        var entry = BroadcastEntry(id: r[0].int ?? 0, site: r[1].string ?? "", player: r[2].string ?? "",
                                   kind: r[3].string == "gap" ? .gap : .play, started: Instant(milliseconds: r[4].int ?? 0),
                                   ended: r[5].int.map(Instant.init(milliseconds:)), lastSeen: Instant(milliseconds: r[6].int ?? 0),
                                   item: item, gap: r[7].string.flatMap(BroadcastGap.init(rawValue:)), darkMilliseconds: r[8].int ?? 0)
        if let by = r[28].string {
            entry.blackout = BroadcastBlackout(stoppedPlayID: r[25].int, stoppedPath: r[26].string, stoppedStarted: r[27].int.map(Instant.init(milliseconds:)),
                                               by: by, incidentID: r[29].int)
        }
        return entry
    }

    /// Entries of one player still open (normally at most one; more only after a crash mid-write).
    public func openBroadcastEntries(site: String, player: String) throws(WatchpostError) -> [BroadcastEntry] {
        do {
            return try db.query("""
                SELECT \(Store.broadcastColumns) FROM broadcast_log l LEFT JOIN broadcast_item i ON i.id = l.item_id
                WHERE l.site = ? AND l.player = ? AND l.ended_ms IS NULL ORDER BY l.started_ms
                """, site, player).map { r in var c: [Int64: BroadcastItem] = [:]; return Store.broadcastEntry(r, items: &c) }
        } catch { throw storageError("cannot read the open broadcast log entries", error) }
    }

    func broadcastItemID(_ item: BroadcastItem) throws -> Int64 {
        let key: [any SQLBindable] = [item.path, item.sha256, item.manifestID, item.approved, item.reason]
        if let id = try db.query("SELECT id FROM broadcast_item WHERE path = ? AND sha256 = ? AND manifest_id = ? AND approved = ? AND reason = ?",
                                 arguments: key).first?["id"].int { return id }
        try db.run("""
            INSERT INTO broadcast_item (path, name, sha256, size, approved, reason, manifest_id, key_id, approved_at_ms, sequence,
                                        title, source, languages, month, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, item.path, item.name, item.sha256, item.size, item.approved, item.reason, item.manifestID, item.keyID,
                   item.approvedAt?.milliseconds, item.sequence, item.title, item.source,
                   item.languages.isEmpty ? nil : item.languages.joined(separator: ","), item.month, item.kind)
        return db.lastInsertRowID
    }

    /// Opens a play. Idempotent on (site, player, start): a second call returns the same row.
    public func beginPlay(site: String, player: String, started: Instant, seen: Instant, item: BroadcastItem) throws(WatchpostError) -> Int64 {
        do {
            return try db.transaction {
                let itemID = try broadcastItemID(item)
                return try insertBroadcast(site: site, player: player, entry: "play", started: started, seen: seen, itemID: itemID, gap: nil)
            }
        } catch { throw storageError("cannot record a play of \(item.path)", error) }
    }

    /// Puts another item on a play row: the approval judged after the play started (it could
    /// not be checked then), or the item's hash once known.
    public func replaceBroadcastItem(id: Int64, item: BroadcastItem) throws(WatchpostError) {
        do {
            try db.transaction {
                let itemID = try broadcastItemID(item)
                try db.run("UPDATE broadcast_log SET item_id = ? WHERE id = ? AND entry = 'play'", itemID, id)
            }
        } catch { throw storageError("cannot record the approval of \(item.path)", error) }
    }

    /// Opens a gap. Idempotent on (site, player, start).
    public func beginGap(site: String, player: String, started: Instant, seen: Instant, gap: BroadcastGap) throws(WatchpostError) -> Int64 {
        do {
            return try db.transaction {
                try insertBroadcast(site: site, player: player, entry: "gap", started: started, seen: seen, itemID: nil, gap: gap.rawValue)
            }
        } catch { throw storageError("cannot record a \(gap.rawValue) gap", error) }
    }

    private func insertBroadcast(site: String, player: String, entry: String, started: Instant, seen: Instant, itemID: Int64?, gap: String?) throws -> Int64 {
        try db.run("""
            INSERT INTO broadcast_log (site, player, entry, started_ms, last_seen_ms, item_id, gap) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (site, player, entry, started_ms) DO NOTHING
            """, site, player, entry, started.milliseconds, max(seen, started).milliseconds, itemID, gap)
        guard let id = try db.query("SELECT id FROM broadcast_log WHERE site = ? AND player = ? AND entry = ? AND started_ms = ?",
                                    site, player, entry, started.milliseconds).first?["id"].int else {
            throw WatchpostError(.storage, "broadcast log row vanished after insert")
        }
        return id
    }

    /// Opens a `blacked-out` gap from the command's time, tied to the play it stopped.
    /// Idempotent on (site, player, start): a second call returns the same row.
    public func beginBlackout(site: String, player: String, started: Instant, seen: Instant, blackout: BroadcastBlackout) throws(WatchpostError) -> Int64 {
        do {
            return try db.transaction {
                let id = try insertBroadcast(site: site, player: player, entry: "gap", started: started, seen: seen, itemID: nil, gap: BroadcastGap.blackedOut.rawValue)
                try db.run("""
                    UPDATE broadcast_log SET stopped_play_id = ?, stopped_path = ?, stopped_started_ms = ?, commanded_by = ?, incident_id = ?
                    WHERE id = ? AND commanded_by IS NULL
                    """, blackout.stoppedPlayID, blackout.stoppedPath, blackout.stoppedStarted?.milliseconds, blackout.by, blackout.incidentID, id)
                return id
            }
        } catch { throw storageError("cannot record a blackout", error) }
    }

    /// The play of one player on at `at` (started at or before it, not ended before it).
    public func broadcastPlay(site: String, player: String, at: Instant) throws(WatchpostError) -> BroadcastEntry? {
        do {
            return try db.query("""
                SELECT \(Store.broadcastColumns) FROM broadcast_log l LEFT JOIN broadcast_item i ON i.id = l.item_id
                WHERE l.site = ? AND l.player = ? AND l.entry = 'play' AND l.started_ms <= ? AND l.started_ms >= ? - 86400000
                  AND COALESCE(l.ended_ms, l.last_seen_ms) >= ? ORDER BY l.started_ms DESC LIMIT 1
                """, site, player, at.milliseconds, at.milliseconds, at.milliseconds).first.map { r in
                var c: [Int64: BroadcastItem] = [:]
                return Store.broadcastEntry(r, items: &c)
            }
        } catch { throw storageError("cannot read the broadcast log", error) }
    }

    /// The newest command that blacked out, and the newest that restored, the screen of
    /// `site`'s LED check `check`: runs of the named responders that succeeded (at their end:
    /// a run is stamped with the start of the check run that called it, before that check even
    /// asked the player — review of #16, session 6: the gap then began before the unapproved item
    /// and was laid on the play before it; by its end the write is done), and people's `respond led-blackout` / `respond led-restore` on that
    /// check (the timeline).
    public func latestScreenCommands(site: String, check: String, blackoutResponders: [String],
                                     restoreResponders: [String]) throws(WatchpostError) -> (blackout: ScreenCommand?, restore: ScreenCommand?) {
        do {
            func newest(responders: [String], action: String, blackout: Bool) throws(SQLiteError) -> ScreenCommand? {
                var best: ScreenCommand?
                if !responders.isEmpty {
                    let marks = responders.map { _ in "?" }.joined(separator: ", ")
                    let args: [any SQLBindable] = [site] + responders
                    if let r = try db.query("""
                        SELECT COALESCE(r.finished_ms, r.started_ms) AS done_ms, r.responder, r.incident_id, r.started_ms FROM responder_run r JOIN incident i ON i.id = r.incident_id
                        WHERE i.site = ? AND r.state = 'succeeded' AND r.responder IN (\(marks)) ORDER BY done_ms DESC, r.id DESC LIMIT 1
                        """, arguments: args).first {
                        best = ScreenCommand(at: Instant(milliseconds: r[0].int ?? 0), blackout: blackout, by: r[1].string ?? "", incidentID: r[2].int,
                                             calledBy: r[3].int.map(Instant.init(milliseconds:)))
                    }
                }
                if let r = try db.query("""
                    SELECT at_ms, actor, incident_id FROM timeline WHERE site = ? AND check_id = ? AND kind = 'responded' AND text LIKE ?
                    ORDER BY at_ms DESC, seq DESC LIMIT 1
                    """, site, check, action + " %").first {
                    let c = ScreenCommand(at: Instant(milliseconds: r[0].int ?? 0), blackout: blackout, by: r[1].string ?? "", incidentID: r[2].int)
                    if best.map({ c.at >= $0.at }) ?? true { best = c }
                }
                return best
            }
            return (try newest(responders: blackoutResponders, action: "led-blackout", blackout: true),
                    try newest(responders: restoreResponders, action: "led-restore", blackout: false))
        } catch { throw storageError("cannot read the screen commands", error) }
    }

    /// Moves an open entry's last-seen time (and adds dark time to a play).
    public func touchBroadcast(id: Int64, seen: Instant, addDark: Seconds = .zero) throws(WatchpostError) {
        do {
            try db.run("UPDATE broadcast_log SET last_seen_ms = MAX(last_seen_ms, ?), dark_ms = dark_ms + ? WHERE id = ? AND ended_ms IS NULL",
                       seen.milliseconds, max(0, addDark.milliseconds), id)
        } catch { throw storageError("cannot update the broadcast log", error) }
    }

    /// Closes an entry at `at` (never before its start).
    public func closeBroadcast(id: Int64, at: Instant) throws(WatchpostError) {
        do {
            try db.run("""
                UPDATE broadcast_log SET ended_ms = MAX(started_ms, ?), last_seen_ms = MAX(last_seen_ms, MAX(started_ms, ?))
                WHERE id = ? AND ended_ms IS NULL
                """, at.milliseconds, at.milliseconds, id)
        } catch { throw storageError("cannot close a broadcast log entry", error) }
    }

    /// Entries that overlap [from, to), oldest first: those starting inside, and one still running
    /// at `from` that started up to 31 days before it. `path` limits plays to one item (gaps are
    /// then left out).
    public func broadcastEntries(site: String?, from: Instant, to: Instant, path: String? = nil, limit: Int? = nil) throws(WatchpostError) -> [BroadcastEntry] {
        var out: [BroadcastEntry] = []
        try forEachBroadcastEntry(site: site, from: from, to: to, path: path, limit: limit) { out.append($0) }
        return out
    }

    /// The same entries streamed to `body` without collecting them (a year is a million rows).
    public func forEachBroadcastEntry(site: String?, from: Instant, to: Instant, path: String? = nil, limit: Int? = nil,
                                      _ body: (BroadcastEntry) throws -> Void) throws(WatchpostError) {
        try Store.forEachBroadcastEntry(in: db, site: site, from: from, to: to, path: path, limit: limit, body)
    }

    /// `forEachBroadcastEntry` on any connection (a heavy read's own, on the blocking pool: `HeavyReads`).
    static func forEachBroadcastEntry(in db: SQLiteConnection, site: String?, from: Instant, to: Instant, path: String?, limit: Int?,
                                      _ body: (BroadcastEntry) throws -> Void) throws(WatchpostError) {
        do {
            var filter = ""
            var tail: [any SQLBindable] = []
            // `+l.site`: the time index, not the (site, player, entry, started_ms) key (#19, s10: for
            // `site=` SQLite took the key, read all 2.3 M plays of the site and sorted them: 6.2 s a
            // page of 1,000; by time 0.1 s a page of 10,000).
            if let site { filter += " AND +l.site = ?"; tail.append(site) }
            if let path { filter += " AND i.path = ?"; tail.append(path) }
            var items: [Int64: BroadcastItem] = [:]
            var left = limit.map { max(0, $0) } ?? Int.max
            try db.forEachRow("""
                SELECT \(Store.broadcastColumns) FROM broadcast_log l LEFT JOIN broadcast_item i ON i.id = l.item_id
                WHERE l.started_ms < ? AND l.started_ms >= ? AND COALESCE(l.ended_ms, l.last_seen_ms) > ?\(filter) ORDER BY l.started_ms, l.id
                """, arguments: [from.milliseconds, from.milliseconds - 31 * 86_400_000, from.milliseconds] + tail) { r in
                guard left > 0 else { return }
                left -= 1
                try body(Store.broadcastEntry(r, items: &items))
            }
            guard left > 0 else { return }
            try db.forEachRow("""
                SELECT \(Store.broadcastColumns) FROM broadcast_log l LEFT JOIN broadcast_item i ON i.id = l.item_id
                WHERE l.started_ms >= ? AND l.started_ms < ?\(filter) ORDER BY l.started_ms, l.id LIMIT \(left == Int.max ? -1 : left)
                """, arguments: [from.milliseconds, to.milliseconds] + tail) { try body(Store.broadcastEntry($0, items: &items)) }
        } catch let e as WatchpostError { throw e } catch { throw WatchpostError(.storage, "cannot read the broadcast log: \(error)") }
    }

    /// One page of the log for the API: the entries overlapping [from, to), at most `limit` of
    /// those that start in it, and where the next page starts (nil: this is the last). Every
    /// entry comes once when the `next` times are followed, whatever overlaps what (review of
    /// #16, session 6: with limit=1 a blacked-out gap overlapping plays sent the same play on
    /// every page, for ever):
    /// - entries that began before `from` and run past it come first and are not counted against
    ///   `limit` (a few per player: the play, a dark gap, a blackout) — unless the page is
    ///   `continued` (`from` is an earlier page's `next`): the entries running then were on the
    ///   earlier pages. A caller's own `from` that happens to be an entry's start (a whole day
    ///   whose first play starts at midnight) is not a continuation: it was taken for one, and
    ///   the rows overlapping it were dropped (s7 review of #16);
    /// - a page is never cut between entries that start at the same millisecond, so `next` is
    ///   always later than every start on the page.
    public func broadcastPage(site: String?, from: Instant, to: Instant, path: String? = nil, limit: Int,
                              continued: Bool = false) throws(WatchpostError) -> (entries: [BroadcastEntry], next: Instant?) {
        try Store.broadcastPage(in: db, site: site, from: from, to: to, path: path, limit: limit, continued: continued)
    }

    /// `broadcastPage` on any connection (a heavy read's own, on the blocking pool: `HeavyReads`).
    static func broadcastPage(in db: SQLiteConnection, site: String?, from: Instant, to: Instant, path: String?, limit: Int,
                              continued: Bool) throws(WatchpostError) -> (entries: [BroadcastEntry], next: Instant?) {
        do {
            var filter = ""
            var tail: [any SQLBindable] = []
            // `+l.site`: the time index, not the (site, player, entry, started_ms) key (#19, s10: for
            // `site=` SQLite took the key, read all 2.3 M plays of the site and sorted them: 6.2 s a
            // page of 1,000; by time 0.1 s a page of 10,000).
            if let site { filter += " AND +l.site = ?"; tail.append(site) }
            if let path { filter += " AND i.path = ?"; tail.append(path) }
            let limit = max(1, limit)
            var items: [Int64: BroadcastItem] = [:]
            func starting(_ a: Instant, _ b: Instant, limit: Int?) throws -> [BroadcastEntry] {
                try db.query("""
                    SELECT \(Store.broadcastColumns) FROM broadcast_log l LEFT JOIN broadcast_item i ON i.id = l.item_id
                    WHERE l.started_ms >= ? AND l.started_ms < ?\(filter) ORDER BY l.started_ms, l.id LIMIT \(limit ?? -1)
                    """, arguments: [a.milliseconds, b.milliseconds] + tail).map { Store.broadcastEntry($0, items: &items) }
            }
            var out: [BroadcastEntry] = []
            if !continued {
                out = try db.query("""
                    SELECT \(Store.broadcastColumns) FROM broadcast_log l LEFT JOIN broadcast_item i ON i.id = l.item_id
                    WHERE l.started_ms < ? AND l.started_ms >= ? AND COALESCE(l.ended_ms, l.last_seen_ms) > ?\(filter) ORDER BY l.started_ms, l.id
                    """, arguments: [from.milliseconds, from.milliseconds - 31 * 86_400_000, from.milliseconds] + tail).map { Store.broadcastEntry($0, items: &items) }
            }
            var page = try starting(from, to, limit: limit + 1)
            guard page.count > limit else { return (out + page, nil) }
            let cut = page[limit].started
            guard page[limit - 1].started == cut else {
                page.removeLast(page.count - limit)
                return (out + page, cut)
            }
            // Entries sharing the start at the cut all go on this page.
            let sameStart = try starting(cut, cut + Seconds(milliseconds: 1), limit: nil)
            page = page.filter { $0.started < cut } + sameStart
            let next = try starting(cut + Seconds(milliseconds: 1), to, limit: 1).first?.started
            return (out + page, next)
        } catch let e as WatchpostError { throw e } catch { throw WatchpostError(.storage, "cannot read the broadcast log: \(error)") }
    }

    /// Per item: plays that started in [from, to), and milliseconds shown (each play clipped to
    /// the period, less its dark time). For the monthly figures.
    public func broadcastItemTotals(site: String, from: Instant, to: Instant) throws(WatchpostError) -> [(item: BroadcastItem, plays: Int, shownMilliseconds: Int64)] {
        do {
            return try db.query(Store.itemTotalsSQL, to.milliseconds, from.milliseconds, site, from.milliseconds, to.milliseconds).map { r in
                var c: [Int64: BroadcastItem] = [:]
                let e = Store.broadcastEntry(r, items: &c)
                return (e.item ?? BroadcastItem(path: "", name: "", approved: false), Int(r[Store.broadcastColumnCount].int ?? 0), r[Store.broadcastColumnCount + 1].int ?? 0)
            }
        } catch { throw storageError("cannot sum the broadcast log", error) }
    }

    /// `+site`: the time index, not the (site, player, entry, started_ms) key, which made SQLite read
    /// every play of the site whatever the period. The sums are made per item_id first and joined
    /// to the items (and one play of each, for the entry's columns) afterwards: grouping the rows
    /// with all of the item's columns sorted 2.3 M wide rows (#19, s10, 2.3 M plays on one site,
    /// load 11–15: a year 21.4 s → 4.8 s, a month 1.72 s → 0.45 s; same items and sums).
    static let itemTotalsSQL = """
        SELECT \(Store.broadcastColumns), t.plays, t.shown
        FROM (SELECT item_id, MIN(id) AS first_id, COUNT(*) AS plays,
                     SUM(MAX(0, MIN(COALESCE(ended_ms, last_seen_ms), ?) - MAX(started_ms, ?) - dark_ms)) AS shown
              FROM broadcast_log
              WHERE +site = ? AND entry = 'play' AND started_ms >= ? AND started_ms < ?
              GROUP BY item_id) t
        JOIN broadcast_log l ON l.id = t.first_id JOIN broadcast_item i ON i.id = t.item_id
        ORDER BY i.path
        """

    /// `+site`, as above: the time index (#19, s10, 2.3 M plays: a year 1.35 s → 0.71 s, a month 0.58 s → 0.17 s).
    static let gapTotalsSQL = """
        SELECT gap, SUM(MAX(0, MIN(COALESCE(ended_ms, last_seen_ms), ?) - MAX(started_ms, ?))) AS total
        FROM broadcast_log WHERE +site = ? AND entry = 'gap' AND started_ms < ? AND started_ms >= ? - 2678400000
          AND COALESCE(ended_ms, last_seen_ms) > ? GROUP BY gap
        """

    /// Milliseconds of each gap reason in [from, to) (gaps clipped to the period).
    public func broadcastGapTotals(site: String, from: Instant, to: Instant) throws(WatchpostError) -> [BroadcastGap: Int64] {
        do {
            var out: [BroadcastGap: Int64] = [:]
            for r in try db.query(Store.gapTotalsSQL, to.milliseconds, from.milliseconds, site, to.milliseconds, from.milliseconds, from.milliseconds) {
                if let g = r["gap"].string.flatMap(BroadcastGap.init(rawValue:)) { out[g] = r["total"].int ?? 0 }
            }
            return out
        } catch { throw storageError("cannot sum the broadcast log gaps", error) }
    }

    /// Deletes entries that ended before `before` and the items no entry references any more.
    public func pruneBroadcastLog(before: Instant) throws(WatchpostError) -> Int {
        do {
            return try db.transaction {
                try db.run("DELETE FROM broadcast_log WHERE ended_ms IS NOT NULL AND ended_ms < ?", before.milliseconds)
                let n = db.changes
                if n > 0 { try db.run("DELETE FROM broadcast_item WHERE id NOT IN (SELECT DISTINCT item_id FROM broadcast_log WHERE item_id IS NOT NULL)") }
                return n
            }
        } catch { throw storageError("cannot prune the broadcast log", error) }
    }
}

extension Store {
    /// The last stored result of one check and when it ran (the broadcast log reads the screen
    /// check's); nil when the check has never run.
    public func lastResult(site: String, checkID: String) throws(WatchpostError) -> (Instant, CheckResult?)? {
        do {
            guard let r = try db.query("SELECT last_ms, result_json FROM check_state WHERE site = ? AND check_id = ?", site, checkID).first else { return nil }
            let result = r["result_json"].string.flatMap { try? JSONCoding.decode(CheckResult.self, from: $0) }
            return (Instant(milliseconds: r["last_ms"].int ?? 0), result)
        } catch { throw storageError("cannot read the state of \(site)/\(checkID)", error) }
    }
}

extension Store {
    /// The end the log wrote for the `blacked-out` gap of `player` that began at `since` (the
    /// blackout commanded then): `.some(nil)` while it is open, nil when there is none. One
    /// lookup by the row's unique start, whatever the blackout's length.
    public func blackedOutEnd(site: String, player: String, since: Instant) throws(WatchpostError) -> Instant?? {
        do {
            guard let r = try db.query("""
                SELECT ended_ms FROM broadcast_log WHERE site = ? AND player = ? AND entry = 'gap' AND started_ms = ? AND gap = 'blacked-out'
                """, site, player, since.milliseconds).first else { return nil }
            return .some(r[0].int.map { Instant(milliseconds: $0) })
        } catch { throw storageError("cannot read the broadcast log", error) }
    }

    /// The first time after `since` that the check `check` of `site` ran with no problem (status
    /// OK or WARNING: no critical finding — for the LED check, no `screen-dark`) at a time
    /// `judged` accepts, from its history; and the newest history row, to go on from. `judged`:
    /// whether a run then judged the picture at all — outside operating hours the LED check does
    /// not, and its OK then says nothing of a lit screen (review of #16, session 6: a commanded
    /// blackout was logged as ended at closing time). With `afterRow` only the rows written since
    /// that row are read (a blackout may last days: the logger asks every poll).
    public func firstRunWithoutProblem(site: String, check: String, since: Instant, afterRow: Int64?,
                                       judged: @Sendable (Instant) -> Bool = { _ in true }) throws(WatchpostError) -> (at: Instant?, lastRow: Int64) {
        do {
            let top = try db.query("SELECT COALESCE(MAX(id), 0) FROM history").first?[0].int ?? 0
            let rows: [SQLRow]
            if let afterRow {
                // The unary + keeps the planner on the row id range (a handful of new rows),
                // not on the (site, check_id, at_ms) index from the command on.
                rows = try db.query("""
                    SELECT at_ms FROM history WHERE id > ? AND id <= ? AND +site = ? AND +check_id = ? AND +at_ms > ? AND +status IN (0, 1)
                    ORDER BY at_ms
                    """, afterRow, top, site, check, since.milliseconds)
            } else {
                rows = try db.query("""
                    SELECT at_ms FROM history WHERE site = ? AND check_id = ? AND at_ms > ? AND status IN (0, 1) AND id <= ? ORDER BY at_ms
                    """, site, check, since.milliseconds, top)
            }
            let at = rows.lazy.compactMap { $0[0].int }.first { judged(Instant(milliseconds: $0)) }
            return (at.map { Instant(milliseconds: $0) }, top)
        } catch { throw storageError("cannot read the history of \(site)/\(check)", error) }
    }
}

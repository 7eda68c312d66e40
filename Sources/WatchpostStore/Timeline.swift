// The audit timeline: every state change, incident step, notification queued, acknowledgement,
// responder outcome and maintenance change, appended in the same transaction as the change it
// records. Entries are hash-chained: each stores the SHA-256 of the previous entry and its own
// SHA-256 over (previous hash, sequence number, fields), and `meta.timeline_head` holds the last
// sequence number and hash, so an entry edited, inserted or deleted — even the last one — is found.
import WatchpostCore
import SQLite
import Crypto

/// One stored timeline entry.
public struct TimelineEntry: Sendable, Hashable {
    public var seq: Int64
    public var event: TimelineEvent
    public var previousHash: String
    public var hash: String
}

/// A point of the timeline held outside the box: the head's sequence number and hash, carried by
/// every outgoing notice and report (`HASH@SEQ`). Whoever rewrites the history must also rewrite
/// every recipient's mailbox: `watchpost audit verify --anchor HASH@SEQ` checks the local chain
/// still contains that entry.
public struct TimelineAnchor: Sendable, Hashable, CustomStringConvertible {
    public var seq: Int64
    public var hash: String
    public init(seq: Int64, hash: String) { self.seq = seq; self.hash = hash }

    /// `HASH@SEQ`.
    public var description: String { "\(hash)@\(seq)" }

    /// Parses `HASH@SEQ` (64 lowercase hex digits, a sequence number ≥ 0).
    public init?(parsing text: String) {
        let parts = text.trimmingWhitespace().split(separator: "@")
        guard parts.count == 2, let seq = Int64(parts[1]), seq >= 0 else { return nil }
        let hash = parts[0].lowercased()
        guard hash.utf8.count == 64, hash.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else { return nil }
        self.init(seq: seq, hash: hash)
    }
}

/// What `watchpost audit verify` found.
public struct TimelineVerification: Sendable, Hashable {
    public var entries: Int
    /// The first problem: which entry, and whether it was edited, inserted or deleted.
    /// The first problem as catalogue text; `firstProblem` is its English rendering.
    public var problem: Message?
    public var firstProblem: String? { problem.map { Catalogue.render($0, .en) } }
    public var problemSeq: Int64?
    public var isIntact: Bool { problem == nil }

    public init(entries: Int, problem: Message? = nil, problemSeq: Int64? = nil) {
        self.entries = entries
        self.problem = problem
        self.problemSeq = problemSeq
    }
}

extension Store {
    static let genesisHash = String(repeating: "0", count: 64)

    /// SHA-256 over length-prefixed fields, so that no two different entries hash alike. The
    /// message (migration 70) is a field only when present: entries written before still verify.
    static func timelineHash(previous: String, seq: Int64, _ e: TimelineEvent, messageJSON: String?) -> String {
        let h = SHA256Hasher()
        for field in [previous, String(seq), String(e.at.milliseconds), e.site, e.checkID ?? "\u{0}", e.incidentID.map(String.init) ?? "\u{0}",
                      e.kind, e.actor, e.text] + (messageJSON.map { [$0] } ?? []) {
            h.update("\(field.utf8.count):")
            h.update(field)
        }
        return Hex.encode(h.finalize())
    }

    static func timelineHead(in db: SQLiteConnection) throws -> (Int64, String) {
        let v = try db.query("SELECT value FROM meta WHERE key = 'timeline_head'").first?[0].string ?? "0:\(genesisHash)"
        let parts = v.split(separator: ":", maxSplits: 1)
        return (Int64(parts.first ?? "0") ?? 0, parts.count > 1 ? String(parts[1]) : genesisHash)
    }

    /// Appends inside the caller's transaction.
    static func appendTimeline(_ events: [TimelineEvent], in db: SQLiteConnection) throws {
        guard !events.isEmpty else { return }
        var (seq, prev) = try timelineHead(in: db)
        for e in events {
            seq += 1
            let json = messageJSON(e.message)
            let hash = timelineHash(previous: prev, seq: seq, e, messageJSON: json)
            try db.run("INSERT INTO timeline (seq, at_ms, site, check_id, incident_id, kind, actor, text, message_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       seq, e.at.milliseconds, e.site, e.checkID, e.incidentID, e.kind, e.actor, e.text, json, prev, hash)
            prev = hash
        }
        try db.run("UPDATE meta SET value = ? WHERE key = 'timeline_head'", "\(seq):\(prev)")
    }

    public func appendTimeline(_ events: [TimelineEvent]) throws(WatchpostError) {
        try transaction { db in try Store.appendTimeline(events, in: db) }
    }

    /// Sorted keys: the same message always gives the same JSON (it is hashed).
    static func messageJSON(_ m: Message?) -> String? {
        guard let m else { return nil }
        return try? JSONCoding.string(m)
    }

    static func entry(_ r: SQLRow) -> TimelineEntry {
        var event = TimelineEvent(
            at: Instant(milliseconds: r["at_ms"].int ?? 0), site: r["site"].string ?? "", checkID: r["check_id"].string,
            incidentID: r["incident_id"].int, kind: r["kind"].string ?? "", actor: r["actor"].string ?? "", text: r["text"].string ?? "")
        event.message = r["message_json"].string.flatMap { try? JSONCoding.decode(Message.self, from: $0) }
        return TimelineEntry(seq: r["seq"].int ?? 0, event: event, previousHash: r["prev_hash"].string ?? "", hash: r["hash"].string ?? "")
    }

    /// The timeline of one incident (or all of it), oldest first.
    public func timeline(incidentID: Int64? = nil, limit: Int = 10_000) throws(WatchpostError) -> [TimelineEntry] {
        do {
            if let incidentID {
                return try db.query("SELECT * FROM timeline WHERE incident_id = ? ORDER BY seq LIMIT ?", incidentID, limit).map(Store.entry)
            }
            return try db.query("SELECT * FROM (SELECT * FROM timeline ORDER BY seq DESC LIMIT ?) ORDER BY seq", limit).map(Store.entry)
        } catch { throw storageError("cannot read the timeline", error) }
    }

    static func verifyTimeline(in db: SQLiteConnection) throws -> TimelineVerification {
        var prev = genesisHash
        var expected: Int64 = 1
        var count = 0
        var problem: (Message, Int64)? = nil
        func n(_ v: Int64) -> MessageValue { .int(v) }
        try db.forEachRow("SELECT * FROM timeline ORDER BY seq") { r in
            guard problem == nil else { return }
            let e = entry(r)
            count += 1
            let recomputed = timelineHash(previous: e.previousHash, seq: e.seq, e.event, messageJSON: r["message_json"].string)
            if e.seq > expected {
                problem = (e.seq - expected == 1 ? Message("audit.timeline.deleted_one", ["seq": n(expected), "next": n(e.seq), "previous": n(expected - 1)])
                                                 : Message("audit.timeline.deleted_many", ["first": n(expected), "last": n(e.seq - 1), "next": n(e.seq), "previous": n(expected - 1)]),
                           expected)
            } else if recomputed != e.hash {
                problem = (Message("audit.timeline.edited", ["seq": n(e.seq), "kind": .text(e.event.kind), "at": .instant(e.event.at)]), e.seq)
            } else if e.previousHash != prev {
                problem = (Message("audit.timeline.inserted", ["seq": n(e.seq), "previous": n(e.seq - 1)]), e.seq)
            }
            prev = e.hash
            expected = e.seq + 1
        }
        if problem == nil {
            let (headSeq, headHash) = try timelineHead(in: db)
            let last = expected - 1
            if headSeq > last {
                problem = (headSeq - last == 1 ? Message("audit.timeline.last_deleted", ["seq": n(headSeq)])
                                               : Message("audit.timeline.last_many_deleted", ["first": n(last + 1), "last": n(headSeq)]), last + 1)
            } else if headSeq < last {
                problem = (Message("audit.timeline.appended", ["seq": n(headSeq + 1)]), headSeq + 1)
            } else if headHash != prev {
                problem = (Message("audit.timeline.end_replaced", ["seq": n(last)]), last)
            }
        }
        return TimelineVerification(entries: count, problem: problem?.0, problemSeq: problem?.1)
    }

    /// Walks the whole chain; reports the first entry edited, inserted or deleted. With an anchor
    /// (from a notice or report sent earlier), also proves the chain still holds that entry.
    public func verifyTimeline(anchor: TimelineAnchor? = nil) throws(WatchpostError) -> TimelineVerification {
        do {
            var v = try Store.verifyTimeline(in: db)
            guard v.isIntact, let anchor else { return v }
            if anchor.seq == 0 {
                if anchor.hash != Store.genesisHash { v.problem = Message("audit.timeline.anchor_genesis"); v.problemSeq = 0 }
                return v
            }
            guard let stored = try db.query("SELECT hash FROM timeline WHERE seq = ?", anchor.seq).first?[0].string else {
                v.problem = Message("audit.timeline.anchor_missing", ["seq": .int(anchor.seq)])
                v.problemSeq = anchor.seq
                return v
            }
            if stored != anchor.hash {
                v.problem = Message("audit.timeline.anchor_differs", ["seq": .int(anchor.seq), "anchor": .text(anchor.description)])
                v.problemSeq = anchor.seq
            }
            return v
        } catch { throw storageError("cannot verify the timeline", error) }
    }

    /// The timeline's current head, for outgoing notices and reports.
    public func timelineAnchor() throws(WatchpostError) -> TimelineAnchor {
        do {
            let (seq, hash) = try Store.timelineHead(in: db)
            return TimelineAnchor(seq: seq, hash: hash)
        } catch { throw storageError("cannot read the timeline head", error) }
    }

    /// Invariants of incidents and the timeline for `watchpost db check`.
    static var incidentInvariantChecks: [(String, (SQLiteConnection) throws -> [String])] { [
        ("timeline", { db in
            let v = try verifyTimeline(in: db)
            return v.firstProblem.map { [$0] } ?? []
        }),
        ("incidents", { db in
            var problems: [String] = []
            problems += try db.query("SELECT site, check_id, COUNT(*) FROM incident WHERE state != 'resolved' GROUP BY site, check_id HAVING COUNT(*) > 1").map {
                "\($0[0].string ?? "")/\($0[1].string ?? ""): \($0[2].int ?? 0) open incidents (at most one allowed)"
            }
            problems += try db.query("SELECT id FROM incident WHERE state = 'resolved' AND deadline_ms IS NOT NULL").map {
                "incident #\($0[0].int ?? 0): resolved but still has an escalation deadline"
            }
            problems += try db.query("SELECT id FROM incident WHERE state = 'acknowledged' AND id NOT IN (SELECT incident_id FROM incident_ack)").map {
                "incident #\($0[0].int ?? 0): acknowledged without an acknowledgement record"
            }
            problems += try db.query("SELECT id FROM incident WHERE json_extract(data_json, '$.id') != id OR json_extract(data_json, '$.state') != state").map {
                "incident #\($0[0].int ?? 0): stored document disagrees with its columns"
            }
            problems += try db.query("SELECT DISTINCT incident_id FROM outbox WHERE incident_id IS NOT NULL AND incident_id NOT IN (SELECT id FROM incident)").map {
                "outbox refers to missing incident #\($0[0].int ?? 0)"
            }
            return problems
        }),
    ] }
}

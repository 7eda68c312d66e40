// The mail module's tables (migration 3) and the outbox delivery steps. Queueing lives in
// Store.swift (`Store.enqueue`); this file owns what happens after: grouping queued rows into
// one composed message per recipient (`mail_message`, whose bytes are stored so that a resend is
// byte-identical and carries the same Message-ID; once accepted only their SHA-256 stays), the send/retry/failure bookkeeping, the
// replies read from IMAP (`mail_inbound`), reply tokens already used, and the last run of the
// scheduled mails (digest, heartbeat).
//
// Delivery states. An outbox row is `queued` until it is grouped into a message, then `sending`
// (with `message_ref`) until the server accepts that message, then `sent`; or `failed` when the
// server refused it permanently (5xx). The window between the server's acceptance and our commit
// of `sent` is unavoidable (SMTP has no two-phase commit): a crash inside it leaves the message
// `sending`, and it is sent again on restart — with the same stored bytes and Message-ID, so mail
// clients and the recipients see a duplicate they can recognise, never a different message.
import WatchpostCore
import SQLite
import Crypto

extension Migrations {
    static let mail = Migration(version: 3, name: "mail", sql: """
        -- One composed email: every outbox row for one recipient within the group window.
        CREATE TABLE mail_message (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL UNIQUE,
            recipient_address TEXT NOT NULL,
            site TEXT NOT NULL,
            subject TEXT NOT NULL,
            data BLOB NOT NULL,
            created_ms INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'sending' CHECK (state IN ('sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_ms INTEGER NOT NULL,
            last_error TEXT,
            sent_ms INTEGER,
            CHECK (state != 'sent' OR sent_ms IS NOT NULL)
        );
        CREATE INDEX mail_message_due ON mail_message (state, next_attempt_ms);
        CREATE INDEX mail_message_by_recipient ON mail_message (recipient_address, created_ms);
        ALTER TABLE outbox ADD COLUMN message_ref INTEGER REFERENCES mail_message(id);
        CREATE INDEX outbox_by_message ON outbox (message_ref);
        CREATE INDEX outbox_by_incident ON outbox (incident_id, recipient_address);
        -- Replies read from the IMAP mailbox, by Message-ID: a reply is handled once, also when
        -- the process died after handling it but before flagging it on the server.
        CREATE TABLE mail_inbound (
            message_id TEXT PRIMARY KEY,
            uid INTEGER,
            from_address TEXT NOT NULL,
            received_ms INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        -- Acknowledgement tokens already used by a reply (fingerprints, never the tokens).
        CREATE TABLE reply_token_use (
            fingerprint TEXT PRIMARY KEY,
            incident_id INTEGER NOT NULL,
            recipient TEXT NOT NULL,
            used_ms INTEGER NOT NULL,
            action TEXT NOT NULL
        );
        -- Last time each scheduled mail (digest, heartbeat) went out, per site.
        CREATE TABLE mail_schedule (name TEXT PRIMARY KEY, last_ms INTEGER NOT NULL);
        """)

    static var mailInvariants: (String, (SQLiteConnection) throws -> [String]) { ("outbox", { db in
        var out: [String] = []
        out += try db.query("SELECT id FROM outbox WHERE state = 'sending' AND message_ref IS NULL").map {
            "row \($0[0].int ?? 0) is sending but belongs to no message"
        }
        out += try db.query("SELECT o.id FROM outbox o JOIN mail_message m ON m.id = o.message_ref WHERE o.state = 'sent' AND m.state != 'sent'").map {
            "row \($0[0].int ?? 0) is marked sent but its message is not"
        }
        out += try db.query("SELECT id FROM mail_message WHERE id NOT IN (SELECT message_ref FROM outbox WHERE message_ref IS NOT NULL)").map {
            "message \($0[0].int ?? 0) carries no notification"
        }
        return out
    }) }
}

/// One queued outbox row, as the mail worker reads it.
public struct OutboxRow: Sendable, Hashable {
    public var id: Int64
    public var request: NotificationRequest
    public var state: String
    public var attempts: Int
    public var lastError: String?
    public var messageRef: Int64?

    /// The `last_error` of a queued notice whose delivery a full disk held back (its step was
    /// held in memory, or its message waited for room or went in parts): it is not new traffic,
    /// and goes in the next digest whatever the hourly limits (README, "Mail").
    public static let heldByDisk = "held back: disk full"
    public var heldByDisk: Bool { state == "queued" && lastError == OutboxRow.heldByDisk }

    public init(id: Int64, request: NotificationRequest, state: String = "queued", attempts: Int = 0, lastError: String? = nil, messageRef: Int64? = nil) {
        self.id = id
        self.request = request
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
        self.messageRef = messageRef
    }
}

/// One composed email waiting to be (re)sent.
public struct OutgoingMail: Sendable, Hashable {
    public var id: Int64
    public var messageID: String
    public var recipient: String
    public var site: String
    public var subject: String
    public var data: [UInt8]
    public var attempts: Int
    public var createdAt: Instant
}

/// A composed email ready to be stored (the worker renders it; the store only keeps bytes).
public struct ComposedMail: Sendable, Hashable {
    public var messageID: String
    public var recipient: String
    public var site: String
    public var subject: String
    public var data: [UInt8]
    public var rowIDs: [Int64]
    public init(messageID: String, recipient: String, site: String, subject: String, data: [UInt8], rowIDs: [Int64]) {
        self.messageID = messageID
        self.recipient = recipient
        self.site = site
        self.subject = subject
        self.data = data
        self.rowIDs = rowIDs
    }
}

/// Counts for `watchpost status` and tests.
public struct OutboxSummary: Sendable, Hashable {
    public var queued = 0, sending = 0, sent = 0, failed = 0
    public init(queued: Int = 0, sending: Int = 0, sent: Int = 0, failed: Int = 0) {
        self.queued = queued
        self.sending = sending
        self.sent = sent
        self.failed = failed
    }
}

extension Store {
    static func outboxRow(_ r: SQLRow) -> OutboxRow {
        let fields = (r["fields_json"].string).flatMap { try? JSONCoding.decode([String: String].self, from: $0) } ?? [:]
        let req = NotificationRequest(
            key: r["key"].string ?? "", event: NotificationRequest.Event(rawValue: r["event"].string ?? "") ?? .test,
            site: r["site"].string ?? "", incidentID: r["incident_id"].int, checkID: r["check_id"].string,
            level: r["level"].int.map { Int($0) },
            recipient: NotificationRecipient(address: r["recipient_address"].string ?? "", displayName: r["recipient_name"].string ?? "",
                                             contactID: r["recipient_contact"].string ?? ""),
            template: r["template"].string ?? "", fields: fields, createdAt: Instant(milliseconds: r["created_ms"].int ?? 0))
        return OutboxRow(id: r["id"].int ?? 0, request: req, state: r["state"].string ?? "", attempts: Int(r["attempts"].int ?? 0),
                         lastError: r["last_error"].string, messageRef: r["message_ref"].int)
    }

    /// Queued rows not yet grouped into a message, oldest first.
    public func queuedNotifications(limit: Int = 5000) throws(WatchpostError) -> [OutboxRow] {
        do {
            return try db.query("SELECT * FROM outbox WHERE state = 'queued' ORDER BY created_ms, id LIMIT ?", limit).map(Store.outboxRow)
        } catch { throw storageError("cannot read the outbox", error) }
    }

    /// Rows of one message or every row, for tests and `watchpost status`.
    public func outboxRows(message: Int64? = nil) throws(WatchpostError) -> [OutboxRow] {
        do {
            if let message { return try db.query("SELECT * FROM outbox WHERE message_ref = ? ORDER BY id", message).map(Store.outboxRow) }
            return try db.query("SELECT * FROM outbox ORDER BY id").map(Store.outboxRow)
        } catch { throw storageError("cannot read the outbox", error) }
    }

    public func outboxSummary() throws(WatchpostError) -> OutboxSummary {
        do {
            var s = OutboxSummary()
            for r in try db.query("SELECT state, COUNT(*) FROM outbox GROUP BY state") {
                let n = Int(r[1].int ?? 0)
                switch r[0].string {
                case "queued": s.queued = n
                case "sending": s.sending = n
                case "sent": s.sent = n
                case "failed": s.failed = n
                default: break
                }
            }
            return s
        } catch { throw storageError("cannot count the outbox", error) }
    }

    /// Stores a composed message and moves its rows from `queued` to `sending`, in one
    /// transaction: after this commit the message is what will be sent, byte for byte.
    @discardableResult
    public func storeComposed(_ mail: ComposedMail, now: Instant) throws(WatchpostError) -> Int64 {
        try transaction { db in
            try db.run("""
                INSERT INTO mail_message (message_id, recipient_address, site, subject, data, created_ms, next_attempt_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, mail.messageID, mail.recipient, mail.site, mail.subject, mail.data, now.milliseconds, now.milliseconds)
            let id = db.lastInsertRowID
            for row in mail.rowIDs {
                try db.run("UPDATE outbox SET state = 'sending', message_ref = ? WHERE id = ? AND state = 'queued'", id, row)
                if db.changes != 1 { throw WatchpostError(.storage, "outbox row \(row) was not queued any more") }
            }
            return id
        }
    }

    /// Marks queued notices as held back by a full disk (`OutboxRow.heldByDisk`).
    public func markHeldByDisk(_ rowIDs: [Int64]) throws(WatchpostError) {
        guard !rowIDs.isEmpty else { return }
        try transaction { db in
            for id in rowIDs { try db.run("UPDATE outbox SET last_error = ? WHERE id = ? AND state = 'queued'", OutboxRow.heldByDisk, id) }
        }
    }

    /// Messages due for a (re)send, oldest first.
    public func dueMail(now: Instant, limit: Int) throws(WatchpostError) -> [OutgoingMail] {
        do {
            // Oldest first, and never past an older message to the same recipient: when anything
            // for a recipient is due, that recipient's older waiting messages come along first, so
            // notices about one incident reach each person in the order they were made (a
            // "resolved" once arrived 58 s before its "triggered" after an outage).
            return try db.query("""
                SELECT * FROM mail_message WHERE state = 'sending'
                  AND recipient_address IN (SELECT recipient_address FROM mail_message WHERE state = 'sending' AND next_attempt_ms <= ?)
                ORDER BY id LIMIT ?
                """, now.milliseconds, limit).map { r in
                OutgoingMail(id: r["id"].int ?? 0, messageID: r["message_id"].string ?? "", recipient: r["recipient_address"].string ?? "",
                             site: r["site"].string ?? "", subject: r["subject"].string ?? "", data: r["data"].bytes ?? [],
                             attempts: Int(r["attempts"].int ?? 0), createdAt: Instant(milliseconds: r["created_ms"].int ?? 0))
            }
        } catch { throw storageError("cannot read due mail", error) }
    }

    /// When the next message or queued row needs attention (nil: nothing pending).
    public func nextMailWake() throws(WatchpostError) -> Instant? {
        do {
            let a = try db.query("SELECT MIN(next_attempt_ms) FROM mail_message WHERE state = 'sending'").first?[0].int
            let b = try db.query("SELECT MIN(created_ms) FROM outbox WHERE state = 'queued'").first?[0].int
            return [a, b].compactMap { $0 }.min().map { Instant(milliseconds: $0) }
        } catch { throw storageError("cannot read the outbox", error) }
    }

    /// The server answers again: every message waiting for a retry slot is due now, so the
    /// backlog goes out at once (in order) instead of each at its own backoff.
    @discardableResult
    public func releaseWaitingMail(now: Instant) throws(WatchpostError) -> Int {
        do {
            try db.run("UPDATE mail_message SET next_attempt_ms = ? WHERE state = 'sending' AND next_attempt_ms > ?", now.milliseconds, now.milliseconds)
            return Int(try db.query("SELECT changes()").first?[0].int ?? 0)
        } catch { throw storageError("cannot release waiting mail", error) }
    }

    /// The server accepted the message: it and its rows are sent. Its body is not needed any more
    /// (it is never sent again): it is replaced by its SHA-256 (migration 50), so the database
    /// does not grow by a whole message for every one sent.
    public func markMailSent(_ id: Int64, now: Instant) throws(WatchpostError) {
        try transaction { db in
            let body = try db.query("SELECT data FROM mail_message WHERE id = ?", id).first?["data"].bytes ?? []
            let digest = SHA256Hasher()
            digest.update(body)
            try db.run("UPDATE mail_message SET state = 'sent', sent_ms = ?, attempts = attempts + 1, last_error = NULL, data = X'', body_sha256 = ? WHERE id = ?",
                       now.milliseconds, Hex.encode(digest.finalize()), id)
            // Short of space, the sent notices' template fields go at once (their message's digest
            // stands for them, as compactForSpace does), not only at the next compaction.
            // So they go at once on a small volume (under 64 MiB, a 64 KiB WAL) too: there the
            // queued notices' fields were most of what a storm left (#19 review s7). In the same
            // statement: a second UPDATE rewrote each row (3 KB of fields, overflow pages) once
            // more, in the WAL of one transaction.
            let dropFields = shortOfRoom() || walLimit <= 65_536
            try db.run("""
                UPDATE outbox SET state = 'sent', sent_ms = ?, attempts = attempts + 1, last_error = NULL,
                  message_id = (SELECT message_id FROM mail_message WHERE id = ?), fields_json = CASE WHEN ? THEN '{}' ELSE fields_json END
                WHERE message_ref = ?
                """, now.milliseconds, id, dropFields, id)
        }
    }

    /// A transient failure (server unreachable, 4xx): try again at `next`.
    public func markMailRetry(_ id: Int64, next: Instant, error: String) throws(WatchpostError) {
        try transaction { db in
            try db.run("UPDATE mail_message SET attempts = attempts + 1, next_attempt_ms = ?, last_error = ? WHERE id = ?", next.milliseconds, error, id)
            try db.run("UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?, last_error = ? WHERE message_ref = ?", next.milliseconds, error, id)
        }
    }

    /// A permanent failure (5xx): the message and its rows are failed, and `reports` (the
    /// technicians' notice) are queued in the same transaction, so the failure is never lost.
    public func markMailFailed(_ id: Int64, now: Instant, error: String, reports: [NotificationRequest]) throws(WatchpostError) {
        try transaction { db in
            try db.run("UPDATE mail_message SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?", error, id)
            try db.run("UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE message_ref = ?", error, id)
            // Recorded in the incidents' audit timeline, in the same transaction.
            var events: [TimelineEvent] = []
            for r in try db.query("SELECT DISTINCT o.site, o.check_id, o.incident_id, m.recipient_address FROM outbox o JOIN mail_message m ON m.id = o.message_ref WHERE o.message_ref = ? AND o.incident_id IS NOT NULL", id) {
                events.append(TimelineEvent(at: now, site: r[0].string ?? "", checkID: r[1].string, incidentID: r[2].int, kind: "delivery-failed", actor: "mail",
                                            message: Message("timeline.delivery-failed", ["to": .text(r[3].string ?? ""), "error": .text("\(error)")])))
            }
            try Store.appendTimeline(events, in: db)
            try Store.enqueue(reports, in: db)
        }
    }

    /// Messages sent (or being sent) to an address since `since`: the per-recipient rate limit.
    public func mailCount(to address: String, since: Instant) throws(WatchpostError) -> Int {
        do {
            return Int(try db.query("SELECT COUNT(*) FROM mail_message WHERE recipient_address = ? AND created_ms >= ?", address, since.milliseconds).first?[0].int ?? 0)
        } catch { throw storageError("cannot count mail", error) }
    }

    /// Message-IDs already used for these incidents to this recipient, oldest first: the
    /// `References` of the next message so that one incident's messages thread together.
    public func threadMessageIDs(incidents: [Int64], recipient: String) throws(WatchpostError) -> [String] {
        guard !incidents.isEmpty else { return [] }
        do {
            let marks = incidents.map { _ in "?" }.joined(separator: ",")
            var args: [any SQLBindable] = incidents
            args.append(recipient)
            return try db.query("""
                SELECT DISTINCT m.message_id, m.id FROM mail_message m JOIN outbox o ON o.message_ref = m.id
                WHERE o.incident_id IN (\(marks)) AND m.recipient_address = ? AND m.state != 'failed' ORDER BY m.id
                """, arguments: args).compactMap { $0[0].string }
        } catch { throw storageError("cannot read mail threads", error) }
    }

    /// The outbox row (and its message) a notification key was delivered in, for tests and tools.
    public func mailMessage(id: Int64) throws(WatchpostError) -> OutgoingMail? {
        do {
            return try db.query("SELECT * FROM mail_message WHERE id = ?", id).first.map { r in
                OutgoingMail(id: r["id"].int ?? 0, messageID: r["message_id"].string ?? "", recipient: r["recipient_address"].string ?? "",
                             site: r["site"].string ?? "", subject: r["subject"].string ?? "", data: r["data"].bytes ?? [],
                             attempts: Int(r["attempts"].int ?? 0), createdAt: Instant(milliseconds: r["created_ms"].int ?? 0))
            }
        } catch { throw storageError("cannot read mail", error) }
    }

    // MARK: Replies

    /// Incidents of the messages with these Message-IDs that were sent to `recipient` (a reply's
    /// In-Reply-To/References lead back to what it answers).
    public func incidents(ofMessageIDs ids: [String], recipient: String) throws(WatchpostError) -> [Int64] {
        guard !ids.isEmpty else { return [] }
        do {
            var args: [any SQLBindable] = ids
            args.append(recipient.lowercased())
            let marks = ids.map { _ in "?" }.joined(separator: ",")
            return try db.query("SELECT DISTINCT o.incident_id FROM outbox o JOIN mail_message m ON m.id = o.message_ref "
                + "WHERE m.message_id IN (\(marks)) AND lower(m.recipient_address) = ? AND o.incident_id IS NOT NULL ORDER BY o.incident_id",
                arguments: args).compactMap { $0[0].int }
        } catch { throw storageError("cannot read mail threads", error) }
    }

    /// The outcome recorded for an inbound message, if it was handled before.
    public func inboundOutcome(messageID: String) throws(WatchpostError) -> String? {
        do { return try db.query("SELECT outcome FROM mail_inbound WHERE message_id = ?", messageID).first?[0].string }
        catch { throw storageError("cannot read inbound mail", error) }
    }

    /// Records a handled reply; with `token`, also that the token is now used. Runs `body` (the
    /// incident change, e.g. the acknowledgement) in the same transaction when given.
    public func recordInbound(messageID: String, uid: Int64?, from: String, now: Instant, outcome: String, detail: String,
                              tokenUses: [(fingerprint: String, incident: Int64, recipient: String, action: String)] = []) throws(WatchpostError) {
        try transaction { db in
            try db.run("INSERT OR IGNORE INTO mail_inbound (message_id, uid, from_address, received_ms, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
                       messageID, uid, from, now.milliseconds, outcome, detail)
            for t in tokenUses {
                try db.run("INSERT OR IGNORE INTO reply_token_use (fingerprint, incident_id, recipient, used_ms, action) VALUES (?, ?, ?, ?, ?)",
                           t.fingerprint, t.incident, t.recipient, now.milliseconds, t.action)
            }
        }
    }

    public func replyTokenUsed(_ fingerprint: String) throws(WatchpostError) -> Bool {
        do { return try !db.query("SELECT 1 FROM reply_token_use WHERE fingerprint = ?", fingerprint).isEmpty }
        catch { throw storageError("cannot read token uses", error) }
    }

    // MARK: Scheduled mail

    public func lastScheduledMail(_ name: String) throws(WatchpostError) -> Instant? {
        do { return try db.query("SELECT last_ms FROM mail_schedule WHERE name = ?", name).first?[0].int.map { Instant(milliseconds: $0) } }
        catch { throw storageError("cannot read the mail schedule", error) }
    }

    /// Records a scheduled mail's run and queues its notifications in one transaction.
    public func recordScheduledMail(_ name: String, at: Instant, requests: [NotificationRequest]) throws(WatchpostError) {
        try transaction { db in
            try db.run("INSERT INTO mail_schedule (name, last_ms) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET last_ms = excluded.last_ms", name, at.milliseconds)
            try Store.enqueue(requests, in: db)
        }
    }
}

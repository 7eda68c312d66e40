// Users and the web (migration 4): accounts with roles and password hashes, per-user API token
// hashes, login sessions, the record of used acknowledgement links (so a link works once), and
// the web audit log of refusals. Password hashing itself lives in WatchpostAuth; this file only
// stores and reads what it is given.
import WatchpostCore
import SQLite

extension Migrations {
    static let users = Migration(version: 4, name: "users and web", sql: """
        CREATE TABLE web_user (
            id INTEGER PRIMARY KEY,
            login TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('technician', 'security', 'department', 'committee', 'admin')),
            email TEXT,
            password_hash TEXT NOT NULL,
            -- SHA-256 (hex) of the user's API bearer token; the token itself is shown once.
            api_token_hash TEXT UNIQUE,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until_ms INTEGER NOT NULL DEFAULT 0,
            created_ms INTEGER NOT NULL,
            password_changed_ms INTEGER NOT NULL
        );
        -- Sessions are stored by the SHA-256 of the cookie value, so a copy of the database
        -- does not hand out live sessions.
        CREATE TABLE web_session (
            token_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES web_user(id) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL,
            address TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            expires_ms INTEGER NOT NULL,
            CHECK (expires_ms > created_ms)
        );
        CREATE INDEX web_session_by_user ON web_session (user_id);
        -- One row per acknowledgement link that was used: a link acknowledges once.
        CREATE TABLE ack_link_use (
            fingerprint TEXT PRIMARY KEY,
            incident_id INTEGER NOT NULL,
            recipient TEXT NOT NULL,
            level INTEGER NOT NULL,
            used_ms INTEGER NOT NULL,
            address TEXT NOT NULL,
            note TEXT
        );
        -- Every refusal (and every state-changing web action) with its reason.
        CREATE TABLE web_audit (
            id INTEGER PRIMARY KEY,
            at_ms INTEGER NOT NULL,
            address TEXT NOT NULL,
            user TEXT,
            action TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('allowed', 'refused')),
            status INTEGER NOT NULL,
            reason TEXT NOT NULL,
            incident_id INTEGER
        );
        CREATE INDEX web_audit_by_time ON web_audit (at_ms);
        """)

    static var usersInvariants: (String, (SQLiteConnection) throws -> [String]) { ("web", { db in
        var problems: [String] = []
        problems += try db.query("SELECT token_hash FROM web_session WHERE expires_ms <= created_ms").map { _ in
            "web_session: a session expires before it was created"
        }
        problems += try db.query("SELECT login FROM web_user WHERE password_hash NOT LIKE 'pbkdf2-sha256$%'").map {
            "web_user \($0[0].string ?? "?"): password is not stored as a PBKDF2-SHA256 hash"
        }
        problems += try db.query("SELECT fingerprint FROM ack_link_use WHERE length(fingerprint) <> 32").map {
            "ack_link_use \($0[0].string ?? "?"): fingerprint is not 16 bytes of hex"
        }
        return problems
    }) }
}

public enum UserRole: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The operating unit (the Vũng Áng Economic Zone Board, the Tây Trang border-guard post).
    case `operator`
    case technician, security, department, committee, admin

    public var description: String { rawValue }

    /// The acknowledgement policy's role (WatchpostCore `IncidentPolicy`).
    public var party: PartyRole {
        switch self {
        case .operator: return .operator
        case .technician: return .technician
        case .security: return .security
        case .department: return .department
        case .committee: return .committee
        case .admin: return .admin
        }
    }

    /// The built-in label; the web shows the configured one (`[role NAME]` in alerts/contacts.conf) when set.
    public var vietnamese: String {
        switch self {
        case .operator: return "Đơn vị vận hành"
        case .technician: return "Kỹ thuật viên"
        case .security: return "Lực lượng an ninh (công an, biên phòng)"
        case .department: return "Sở Thông tin và Truyền thông"
        case .committee: return "Ủy ban nhân dân tỉnh"
        case .admin: return "Quản trị"
        }
    }
}

public struct WebUser: Sendable, Hashable, Codable {
    public var id: Int64
    public var login: String
    public var displayName: String
    public var role: UserRole
    public var email: String?
    public var passwordHash: String
    public var hasAPIToken: Bool
    public var failedLogins: Int
    public var lockedUntil: Instant
    public var created: Instant
    public var passwordChanged: Instant
    /// The organisation the account acts for (`user add --org`), named in notices with the person.
    public var organisation: String? = nil
}

public struct WebSession: Sendable, Hashable {
    public var tokenHash: String
    public var user: WebUser
    public var csrfToken: String
    public var address: String
    public var created: Instant
    public var expires: Instant
}

public struct AckLinkUse: Sendable, Hashable {
    public var fingerprint: String
    public var incidentID: Int64
    public var recipient: String
    public var level: Int
    public var used: Instant
    public var address: String
    public var note: String?

    public init(fingerprint: String, incidentID: Int64, recipient: String, level: Int, used: Instant, address: String, note: String?) {
        self.fingerprint = fingerprint
        self.incidentID = incidentID
        self.recipient = recipient
        self.level = level
        self.used = used
        self.address = address
        self.note = note
    }
}

public struct WebAuditEntry: Sendable, Hashable, Codable {
    public var at: Instant
    public var address: String
    public var user: String?
    public var action: String
    public var allowed: Bool
    public var status: Int
    public var reason: String
    public var incidentID: Int64?

    public init(at: Instant, address: String, user: String?, action: String, allowed: Bool, status: Int, reason: String, incidentID: Int64? = nil) {
        self.at = at
        self.address = address
        self.user = user
        self.action = action
        self.allowed = allowed
        self.status = status
        self.reason = reason
        self.incidentID = incidentID
    }
}

extension Store {
    static func user(from r: SQLRow) -> WebUser {
        WebUser(id: r["id"].int ?? 0, login: r["login"].string ?? "", displayName: r["display_name"].string ?? "",
                role: UserRole(rawValue: r["role"].string ?? "") ?? .department, email: r["email"].string,
                passwordHash: r["password_hash"].string ?? "", hasAPIToken: !(r["api_token_hash"].isNull),
                failedLogins: Int(r["failed_logins"].int ?? 0), lockedUntil: Instant(milliseconds: r["locked_until_ms"].int ?? 0),
                created: Instant(milliseconds: r["created_ms"].int ?? 0), passwordChanged: Instant(milliseconds: r["password_changed_ms"].int ?? 0))
    }

    // MARK: - Users

    public func users() throws(WatchpostError) -> [WebUser] {
        do { return try db.query("SELECT * FROM web_user ORDER BY login").map { try withOrganisation(Store.user(from: $0)) } }
        catch { throw storageError("cannot list users", error) }
    }

    public func user(login: String) throws(WatchpostError) -> WebUser? {
        do { return try db.query("SELECT * FROM web_user WHERE login = ?", login).first.map { try withOrganisation(Store.user(from: $0)) } }
        catch { throw storageError("cannot read user \(login)", error) }
    }

    public func user(apiTokenHash: String) throws(WatchpostError) -> WebUser? {
        do { return try db.query("SELECT * FROM web_user WHERE api_token_hash = ?", apiTokenHash).first.map { try withOrganisation(Store.user(from: $0)) } }
        catch { throw storageError("cannot look up API token", error) }
    }

    /// Adds an account. Refuses a login that exists already (case-insensitively).
    @discardableResult
    public func addUser(login: String, displayName: String, role: UserRole, email: String?, passwordHash: String) throws(WatchpostError) -> WebUser {
        let now = clock.now().milliseconds
        do {
            if try db.query("SELECT id FROM web_user WHERE login = ?", login).first != nil {
                throw WatchpostError(.usage, "user '\(login)' exists already", hint: "use 'watchpost user passwd \(login)' to change the password")
            }
            try db.run("""
                INSERT INTO web_user (login, display_name, role, email, password_hash, created_ms, password_changed_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, login, displayName, role.rawValue, email, passwordHash, now, now)
            return try db.query("SELECT * FROM web_user WHERE id = ?", db.lastInsertRowID).first.map(Store.user(from:))!
        } catch let e as WatchpostError { throw e } catch { throw storageError("cannot add user \(login)", error) }
    }

    /// Sets a new password hash, clears the lockout and ends every session of the user.
    public func setPassword(login: String, passwordHash: String) throws(WatchpostError) {
        let now = clock.now().milliseconds
        do {
            try db.transaction {
                try db.run("UPDATE web_user SET password_hash = ?, password_changed_ms = ?, failed_logins = 0, locked_until_ms = 0 WHERE login = ?",
                           passwordHash, now, login)
                guard db.changes == 1 else { throw WatchpostError(.notFound, "no user '\(login)'", hint: "see 'watchpost user list'") }
                try db.run("DELETE FROM web_session WHERE user_id = (SELECT id FROM web_user WHERE login = ?)", login)
            }
        } catch let e as WatchpostError { throw e } catch { throw storageError("cannot set password of \(login)", error) }
    }

    public func setAPITokenHash(login: String, hash: String?) throws(WatchpostError) {
        do {
            try db.run("UPDATE web_user SET api_token_hash = ? WHERE login = ?", hash, login)
            guard db.changes == 1 else { throw WatchpostError(.notFound, "no user '\(login)'", hint: "see 'watchpost user list'") }
        } catch let e as WatchpostError { throw e } catch { throw storageError("cannot set API token of \(login)", error) }
    }

    /// Removes an account and its sessions. Refuses to remove the last admin.
    public func removeUser(login: String) throws(WatchpostError) {
        do {
            try db.transaction {
                guard let u = try db.query("SELECT * FROM web_user WHERE login = ?", login).first.map(Store.user(from:)) else {
                    throw WatchpostError(.notFound, "no user '\(login)'", hint: "see 'watchpost user list'")
                }
                if u.role == .admin, (try db.query("SELECT count(*) FROM web_user WHERE role = 'admin'").first?[0].int ?? 0) <= 1,
                   (try db.query("SELECT count(*) FROM web_user").first?[0].int ?? 0) > 1 {
                    throw WatchpostError(.usage, "'\(login)' is the last admin; add another admin first")
                }
                try db.run("DELETE FROM web_user_organisation WHERE user_id = ?", u.id)
                try db.run("DELETE FROM web_user WHERE id = ?", u.id)
            }
        } catch let e as WatchpostError { throw e } catch { throw storageError("cannot remove user \(login)", error) }
    }

    /// Records a failed password for an account and, from `threshold` consecutive failures on,
    /// locks it for `lockout` doubled per further failure (capped at `maxLockout`). Returns the
    /// lock's end (or nil when not locked).
    @discardableResult
    public func recordFailedLogin(login: String, threshold: Int, lockout: Seconds, maxLockout: Seconds) throws(WatchpostError) -> Instant? {
        let now = clock.now()
        do {
            return try db.transaction { () throws -> Instant? in
                guard let u = try db.query("SELECT * FROM web_user WHERE login = ?", login).first.map(Store.user(from:)) else { return nil }
                let failures = u.failedLogins + 1
                var until: Instant? = nil
                if failures >= threshold {
                    let doublings = min(failures - threshold, 16)
                    let span = min(maxLockout.milliseconds, lockout.milliseconds << Int64(doublings))
                    until = now + Seconds(milliseconds: span)
                }
                try db.run("UPDATE web_user SET failed_logins = ?, locked_until_ms = ? WHERE id = ?", failures, until?.milliseconds ?? 0, u.id)
                return until
            }
        } catch { throw storageError("cannot record failed login", error) }
    }

    public func recordSuccessfulLogin(login: String) throws(WatchpostError) {
        do { try db.run("UPDATE web_user SET failed_logins = 0, locked_until_ms = 0 WHERE login = ?", login) }
        catch { throw storageError("cannot record login", error) }
    }

    // MARK: - Sessions

    public func createSession(tokenHash: String, login: String, csrfToken: String, address: String, lifetime: Seconds) throws(WatchpostError) {
        let now = clock.now()
        do {
            try db.transaction {
                try db.run("DELETE FROM web_session WHERE expires_ms <= ?", now.milliseconds)
                try db.run("""
                    INSERT INTO web_session (token_hash, user_id, csrf_token, address, created_ms, expires_ms)
                    SELECT ?, id, ?, ?, ?, ? FROM web_user WHERE login = ?
                    """, tokenHash, csrfToken, address, now.milliseconds, (now + lifetime).milliseconds, login)
                guard db.changes == 1 else { throw WatchpostError(.notFound, "no user '\(login)'") }
            }
        } catch let e as WatchpostError { throw e } catch { throw storageError("cannot create session", error) }
    }

    /// The live session for a cookie's hash (nil when unknown or expired).
    public func session(tokenHash: String) throws(WatchpostError) -> WebSession? {
        do {
            guard let r = try db.query("""
                SELECT s.token_hash AS s_hash, s.csrf_token AS s_csrf, s.address AS s_address, s.created_ms AS s_created,
                       s.expires_ms AS s_expires, u.* FROM web_session s JOIN web_user u ON u.id = s.user_id
                WHERE s.token_hash = ? AND s.expires_ms > ?
                """, tokenHash, clock.now().milliseconds).first else { return nil }
            return WebSession(tokenHash: r["s_hash"].string ?? "", user: try withOrganisation(Store.user(from: r)), csrfToken: r["s_csrf"].string ?? "",
                              address: r["s_address"].string ?? "", created: Instant(milliseconds: r["s_created"].int ?? 0),
                              expires: Instant(milliseconds: r["s_expires"].int ?? 0))
        } catch { throw storageError("cannot read session", error) }
    }

    public func endSession(tokenHash: String) throws(WatchpostError) {
        do { try db.run("DELETE FROM web_session WHERE token_hash = ?", tokenHash) }
        catch { throw storageError("cannot end session", error) }
    }

    // MARK: - Acknowledgement links

    public func ackLinkUse(fingerprint: String) throws(WatchpostError) -> AckLinkUse? {
        do {
            return try db.query("SELECT * FROM ack_link_use WHERE fingerprint = ?", fingerprint).first.map { r in
                AckLinkUse(fingerprint: r["fingerprint"].string ?? "", incidentID: r["incident_id"].int ?? 0, recipient: r["recipient"].string ?? "",
                           level: Int(r["level"].int ?? 0), used: Instant(milliseconds: r["used_ms"].int ?? 0),
                           address: r["address"].string ?? "", note: r["note"].string)
            }
        } catch { throw storageError("cannot read link use", error) }
    }

    /// Marks a link used. Returns false when it was used already (the caller then refuses).
    public func claimAckLink(_ use: AckLinkUse) throws(WatchpostError) -> Bool {
        do {
            try db.run("""
                INSERT INTO ack_link_use (fingerprint, incident_id, recipient, level, used_ms, address, note)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO NOTHING
                """, use.fingerprint, use.incidentID, use.recipient, use.level, use.used.milliseconds, use.address, use.note)
            return db.changes == 1
        } catch { throw storageError("cannot record link use", error) }
    }

    /// Forgets a claim when the acknowledgement it was for could not be recorded.
    public func releaseAckLink(fingerprint: String) throws(WatchpostError) {
        do { try db.run("DELETE FROM ack_link_use WHERE fingerprint = ?", fingerprint) }
        catch { throw storageError("cannot release link use", error) }
    }

    // MARK: - Audit

    public func audit(_ e: WebAuditEntry) throws(WatchpostError) {
        do {
            try db.run("INSERT INTO web_audit (at_ms, address, user, action, outcome, status, reason, incident_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       e.at.milliseconds, e.address, e.user, e.action, e.allowed ? "allowed" : "refused", e.status, e.reason, e.incidentID)
        } catch { throw storageError("cannot write audit entry", error) }
    }

    public func auditEntries(limit: Int = 100) throws(WatchpostError) -> [WebAuditEntry] {
        do {
            return try db.query("SELECT * FROM web_audit ORDER BY id DESC LIMIT ?", limit).map { r in
                WebAuditEntry(at: Instant(milliseconds: r["at_ms"].int ?? 0), address: r["address"].string ?? "", user: r["user"].string,
                              action: r["action"].string ?? "", allowed: r["outcome"].string == "allowed", status: Int(r["status"].int ?? 0),
                              reason: r["reason"].string ?? "", incidentID: r["incident_id"].int)
            }
        } catch { throw storageError("cannot read audit log", error) }
    }
}

extension Store {
    /// Outbox rows per state (`queued`, `sending`, `sent`, `failed`), for /metrics.
    public func outboxCounts() throws(WatchpostError) -> [String: Int] {
        do {
            var out: [String: Int] = ["queued": 0, "sending": 0, "sent": 0, "failed": 0]
            for r in try db.query("SELECT state, count(*) AS n FROM outbox GROUP BY state") {
                out[r["state"].string ?? "?"] = Int(r["n"].int ?? 0)
            }
            return out
        } catch { throw storageError("cannot count the outbox", error) }
    }
}

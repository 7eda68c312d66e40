// CLI for the web's accounts: `watchpost user add | passwd | remove | list | token`. Passwords
// are read without echo from the terminal (or one line from a pipe) and only their PBKDF2 hash
// is stored; API tokens are shown once and stored as SHA-256.
import WatchpostCommandLine
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostAuth
import WatchpostWeb
import Posix
import WatchpostHost


func readNewPassword(login: String) throws(WatchpostError) -> String {
    guard let first = Terminal.readSecret(prompt: "New password for \(login): ") else {
        throw WatchpostError(.usage, "no password given", hint: "type it when asked, or pipe one line: printf '%s\\n' \"$PASSWORD\" | watchpost user add …")
    }
    if let weak = PasswordHash.weakness(first, login: login) { throw WatchpostError(.usage, "password refused: \(weak)") }
    if Terminal.inputIsTerminal {
        guard Terminal.readSecret(prompt: "Repeat it: ") == first else { throw WatchpostError(.usage, "the two passwords differ; nothing changed") }
    }
    return first
}

func requireLogin(_ args: Arguments, _ usage: String) throws(WatchpostError) -> String {
    guard let login = args.positionals.first else { throw WatchpostError(.usage, "name the user: \(usage)") }
    return login
}

let userAddCommand = Command(
    name: "user add", summary: "add a web account (roles: \(UserRole.allCases.map(\.rawValue).joined(separator: ", ")))",
    help: """
    Usage: watchpost user add LOGIN --role ROLE --name "Full name" [--org "Organisation"] [--email ADDRESS] [--config DIR]

    Vai trò (theo chính sách tiếp nhận duy nhất):
    \(RoleTable.roleLines(.vi).joined(separator: "\n"))

    Roles (from the one acknowledgement policy):
    \(RoleTable.roleLines(.en).joined(separator: "\n"))

    --org names the organisation the person acts for (shown with the name in every
    acknowledgement, escalation, comment and restoring-action notice and on the timeline);
    without it, the organisation of the contact whose address is --email, else the role's label.
    The password is asked twice without echo, or read as one line from a pipe; at least
    \(PasswordHash.minimumLength) characters. It is stored as PBKDF2-HMAC-SHA256 with
    \(PasswordHash.iterations) iterations.
    """,
    valuedOptions: ["config", "role", "name", "email", "org"],
    run: { args in
        try args.allowOnly(["config", "role", "name", "email", "org"])
        let usage = "watchpost user add LOGIN --role ROLE --name NAME [--org ORGANISATION]"
        let login = try requireLogin(args, usage)
        guard isValidLogin(login) else { throw WatchpostError(.usage, "'\(login)' is not a valid login", hint: "letters, digits, '.', '_', '-'; 2–64 characters") }
        guard let roleName = args.value("role"), let role = UserRole(rawValue: roleName) else {
            throw WatchpostError(.usage, "--role must be one of \(UserRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let name = args.value("name").map(FreeText.clean) ?? login
        if let e = args.value("email"), !isValidEmail(e) { throw WatchpostError(.usage, "'\(e)' is not an email address") }
        let (_, store) = try openStore(args, createIfMissing: true)
        if try await store.user(login: login) != nil { throw WatchpostError(.usage, "user '\(login)' exists already", hint: "watchpost user passwd \(login)") }
        let password = try readNewPassword(login: login)
        let hash = try await runBlocking { try PasswordHash.make(password) }
        try await store.addUser(login: login, displayName: name, role: role, email: args.value("email"), passwordHash: hash)
        if let org = args.value("org") { try await store.setUserOrganisation(login: login, organisation: org) }
        out("added \(login) (\(role))\(args.value("org").map { ", \($0)" } ?? "")")
        return 0
    })

let userPasswdCommand = Command(
    name: "user passwd", summary: "set a web account's password (ends its sessions, lifts a lockout)",
    help: """
    Usage: watchpost user passwd LOGIN [--config DIR]

    Asks for the new password twice without echo (or reads one line from a pipe). Every session
    of the user ends and a login lockout is lifted.
    """,
    valuedOptions: ["config"],
    run: { args in
        try args.allowOnly(["config"])
        let login = try requireLogin(args, "watchpost user passwd LOGIN")
        let (_, store) = try openStore(args, createIfMissing: true)
        guard try await store.user(login: login) != nil else { throw WatchpostError(.notFound, "no user '\(login)'", hint: "see watchpost user list") }
        let password = try readNewPassword(login: login)
        let hash = try await runBlocking { try PasswordHash.make(password) }
        try await store.setPassword(login: login, passwordHash: hash)
        out("password of \(login) changed; its sessions ended")
        return 0
    })

let userRemoveCommand = Command(
    name: "user remove", summary: "remove a web account and its sessions",
    help: "Usage: watchpost user remove LOGIN [--config DIR]\n\nRefuses to remove the last admin while other accounts exist.",
    valuedOptions: ["config"],
    run: { args in
        try args.allowOnly(["config"])
        let login = try requireLogin(args, "watchpost user remove LOGIN")
        let (_, store) = try openStore(args, createIfMissing: true)
        try await store.removeUser(login: login)
        out("removed \(login)")
        return 0
    })

let userListCommand = Command(
    name: "user list", summary: "list web accounts with their roles",
    help: "Usage: watchpost user list [--config DIR] [--json]",
    valuedOptions: ["config"],
    run: { args in
        try args.allowOnly(["config", "json"])
        let (_, store) = try openStore(args, createIfMissing: true)
        let users = try await store.users()
        let now = SystemClock().now()
        if args.has("json") {
            for u in users { out("{\"login\":\"\(jsonEscape(u.login))\",\"name\":\"\(jsonEscape(u.displayName))\",\"organisation\":\(u.organisation.map { "\"\(jsonEscape($0))\"" } ?? "null"),\"role\":\"\(u.role)\",\"api_token\":\(u.hasAPIToken),\"locked\":\(u.lockedUntil > now)}") }
            return 0
        }
        out("LOGIN                ROLE         API-TOKEN  NAME")
        for u in users {
            let lock = u.lockedUntil > now ? "  (locked until \(ZoneOffset.hoChiMinh.format(u.lockedUntil)))" : ""
            out("\(u.login.padded(20)) \(u.role.rawValue.padded(12)) \((u.hasAPIToken ? "yes" : "no").padded(10)) \(u.displayName)\(u.organisation.map { " — \($0)" } ?? "")\(lock)")
        }
        if users.isEmpty { out("(no users yet: watchpost user add LOGIN --role admin --name NAME)") }
        return 0
    })

let userTokenCommand = Command(
    name: "user token", summary: "issue (or --revoke) a user's API bearer token",
    help: """
    Usage: watchpost user token LOGIN [--revoke] [--config DIR]

    Prints a new bearer token for the JSON API and /metrics (shown once; only its SHA-256 is
    stored). A new token replaces the old one. --revoke removes it.
    """,
    valuedOptions: ["config"],
    run: { args in
        try args.allowOnly(["config", "revoke"])
        let login = try requireLogin(args, "watchpost user token LOGIN")
        let (_, store) = try openStore(args, createIfMissing: true)
        if args.has("revoke") {
            try await store.setAPITokenHash(login: login, hash: nil)
            out("API token of \(login) revoked")
            return 0
        }
        let token = try WebSecret.token(prefix: "wpt_")
        try await store.setAPITokenHash(login: login, hash: WebSecret.digest(token))
        out(token)
        return 0
    })

func jsonEscape(_ s: String) -> String {
    var o = ""
    for c in s.unicodeScalars {
        switch c {
        case "\"": o += "\\\""
        case "\\": o += "\\\\"
        case "\n": o += "\\n"
        default:
            if c.value < 0x20 { o += unicodeEscape(c.value) } else { o.unicodeScalars.append(c) }
        }
    }
    return o
}

func unicodeEscape(_ v: UInt32) -> String {
    let h = String(v, radix: 16)
    return "\\u" + String(repeating: "0", count: max(0, 4 - h.count)) + h
}

let webCommands = [userAddCommand, userPasswdCommand, userRemoveCommand, userListCommand, userTokenCommand]

/// `watchpost ack|resolve ID --as USER`: acts as a web account, under the same role rules as the
/// pages and the API (a refusal names the reason and is written to the web audit log).
func actingAccount(_ args: Arguments, store: Store, action: WebAction, incidentID: Int64) async throws(WatchpostError) -> String? {
    guard let login = args.value("as") else { return nil }
    guard let user = try await store.user(login: login) else {
        throw WatchpostError(.notFound, "no web account '\(login)'", hint: "see watchpost user list")
    }
    guard let incident = try await IncidentService(store: store).incident(incidentID) else {
        throw WatchpostError(.notFound, Message("cli.incident.not_found", ["id": .text("\(incidentID)")]), hint: Message("cli.incident.not_found_hint"))
    }
    let d = AccessPolicy.decide(user.role, action, category: incident.category)
    if !d.allowed {
        try? await store.audit(WebAuditEntry(at: SystemClock().now(), address: "cli", user: user.login, action: "\(action.rawValue) incident \(incidentID)",
                                             allowed: false, status: 403, reason: d.reason, incidentID: incidentID))
        throw WatchpostError(.permission, "\(login) may not \(action.rawValue) incident \(incidentID): \(d.reason)")
    }
    return user.login
}

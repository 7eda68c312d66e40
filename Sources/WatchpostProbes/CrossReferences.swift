// What `watchpost check` verifies beyond each file's own syntax: that the things the
// configuration names exist — plugins (executable), the content check's public key, the web
// server's certificate and key (the key readable by its owner only), the responders' action
// kinds, the checks they name and the finding codes they react to. This module sees every probe
// module, so it is where those names can be checked. A typo here used to be accepted silently
// (an `on_findings` typo quietly disabled the content blackout).
import WatchpostCore
import WatchpostConfig
import WatchpostContent
import WatchpostPlayer
import Posix

public enum CrossReferences {
    /// Responder action kinds `ResponderCatalog.make` knows.
    public static let responderActions = ["command", "led-blackout", "led-restore", "led-brightness"]

    /// Every problem as `file:line: key: message`.
    public static func diagnostics(_ config: WatchpostConfiguration) -> [ConfigDiagnostic] {
        var out: [ConfigDiagnostic] = []
        func path(_ p: String) -> String { p.hasPrefix("/") ? p : "\(config.root)/\(p)" }
        for site in config.sites {
            for c in site.checks where c.enabled {
                let s = c.parameters
                switch c.kind {
                case "exec":
                    let cmd = s.string("command")
                    if cmd.contains("/"), !FileSystem.isExecutableFile(path(cmd)) {
                        out.append(.init(file: s.file, line: s.lineOf("command"), key: "command",
                                         Message("config.plugin.missing", ["command": .text(cmd), "path": .text(path(cmd))])))
                    }
                case "content", "player":
                    if let key = s.value("public_key"), !FileSystem.isReadableFile(path(key)) {
                        out.append(.init(file: s.file, line: s.lineOf("public_key"), key: "public_key", missingContentKey(key, at: path(key))))
                    } else if let key = s.value("public_key"), let why = ManifestLoader.publicKeyProblem(at: path(key)) {
                        // Garbage, an empty file or the private key in its place passed `check`
                        // and failed only in the probe (#19 review, s5, defect 3).
                        out.append(.init(file: s.file, line: s.lineOf("public_key"), key: "public_key",
                                         Message("config.content_key.invalid", ["key": .text(key), "path": .text(path(key)), "reason": .text(why)])))
                    }
                default: break
                }
            }
            let checkIDs = Set(site.checks.map(\.id))
            for s in site.sections where s.type == "responder" && s.bool("enabled", default: true) {
                let action = s.string("action")
                if !action.isEmpty, !responderActions.contains(action) {
                    out.append(.init(file: s.file, line: s.lineOf("action"), key: "action",
                                     Message("config.responder.unknown_action", ["action": .text(action), "hint": hint(action, responderActions)])))
                }
                if let named = s.value("check"), !checkIDs.contains(named) {
                    out.append(.init(file: s.file, line: s.lineOf("check"), key: "check",
                                     Message("config.responder.unknown_check", ["check": .text(named), "site": .text(site.id), "hint": hint(named, Array(checkIDs))])))
                }
                if action == "command", let cmd = s.value("command"), !FileSystem.isExecutableFile(path(cmd)) {
                    out.append(.init(file: s.file, line: s.lineOf("command"), key: "command",
                                     Message("config.responder.command_missing", ["command": .text(cmd), "path": .text(path(cmd))])))
                }
                // A kind misspelt here makes the responder skip every incident of that kind (a
                // content blackout silently off; #19 review, session 5).
                let kinds = CheckKinds.all.map(\.kind)
                for kind in s.list("on_kinds") where !kinds.contains(kind) {
                    out.append(.init(file: s.file, line: s.lineOf("on_kinds"), key: "on_kinds",
                                     Message("config.responder.unknown_kind", ["kind": .text(kind), "hint": hint(kind, kinds)])))
                }
                for code in s.list("on_findings") {
                    guard let known = knownCodes(prefix: code) else { continue }
                    if !known.contains(code) {
                        out.append(.init(file: s.file, line: s.lineOf("on_findings"), key: "on_findings",
                                         Message("config.responder.unknown_finding", ["code": .text(code), "hint": hint(code, Array(known))])))
                    }
                }
            }
        }
        if let web = config.section("web"), web.bool("enabled", default: true) {
            for key in ["tls_certificate", "tls_key"] {
                guard let p = web.value(key) else { continue }
                if !FileSystem.isReadableFile(path(p)) {
                    out.append(.init(file: web.file, line: web.lineOf(key), key: key, Message("config.web.file_missing", ["path": .text(p)])))
                } else if key == "tls_key", let mode = try? FileSystem.mode(of: path(p)), mode & 0o077 != 0 {
                    out.append(.init(file: web.file, line: web.lineOf(key), key: key,
                                     Message("config.web.key_mode", ["mode": .text(String(mode, radix: 8)), "path": .text(path(p))])))
                }
            }
        }
        return out.sorted()
    }

    /// The files `[daemon]` names (issue #19, review s5): the database's folder must exist or be
    /// one `watchpost run` can make (the store makes it, as it makes the default `var/`), and the
    /// secrets file must exist when the configuration needs a secret the environment does not
    /// give (`[web]` → link key, `[smtp] username` → password, `[imap]`, `[remote]` tokens).
    /// Errors, and warnings for what is fine but worth saying (a folder `run` will make, a
    /// secrets file that is missing but not needed).
    public static func daemonFiles(_ config: WatchpostConfiguration, environment: (String) -> String?) -> (errors: [ConfigDiagnostic], warnings: [Message]) {
        var errors: [ConfigDiagnostic] = []
        var warnings: [Message] = []
        let daemon = config.section("daemon")
        func line(_ key: String) -> Int { daemon.map { $0.lineOf(key) } ?? 1 }
        let database = config.daemon.database
        // `database = /tmp`: an existing folder (or device) where the file should be passed, and
        // `run` then could not open it (#19 review s6).
        if database != ":memory:", database.hasSuffix("/") || (FileSystem.exists(database) && !FileSystem.isRegularFile(database)) {
            // A folder gets a file name to add; a device, FIFO or socket (`/dev/null`) does not:
            // `/dev/null/watchpost.db` was suggested (#19 review s7).
            let folder = database.hasSuffix("/") || FileSystem.isDirectory(database)
            errors.append(.init(file: "watchpost.conf", line: line("database"), key: "database",
                                Message(folder ? "config.database.not_a_file" : "config.database.not_regular", ["path": .text(database)])))
        } else if database != ":memory:", let cut = database.lastIndex(of: "/") {
            let folder = cut == database.startIndex ? "/" : String(database[..<cut])
            if FileSystem.isDirectory(folder) {
                if !FileSystem.isWritableDirectory(folder) {
                    errors.append(.init(file: "watchpost.conf", line: line("database"), key: "database",
                                        Message("config.database.folder_unwritable", ["folder": .text(folder)])))
                }
            } else {
                // The nearest folder that exists decides whether `run` can make the rest.
                var ancestor = folder
                while !FileSystem.exists(ancestor), let up = ancestor.lastIndex(of: "/") {
                    ancestor = up == ancestor.startIndex ? "/" : String(ancestor[..<up])
                    if ancestor == "/" { break }
                }
                if FileSystem.isWritableDirectory(ancestor) {
                    warnings.append(Message("config.database.folder_made", ["folder": .text(folder)]))
                } else {
                    errors.append(.init(file: "watchpost.conf", line: line("database"), key: "database",
                                        Message("config.database.folder_missing", ["folder": .text(folder), "ancestor": .text(ancestor)])))
                }
            }
        }
        if let secrets = config.daemon.secretsFile, !FileSystem.exists(secrets) {
            var needed: [String] = []
            func fromEnvironment(_ name: Secrets.Name) -> Bool { !(environment(name.environmentVariable) ?? "").isEmpty }
            if let web = config.section("web"), web.bool("enabled", default: true), !fromEnvironment(.linkKey) { needed.append(Secrets.Name.linkKey.rawValue) }
            if config.section("smtp")?.value("username") != nil, !fromEnvironment(.smtpPassword) { needed.append(Secrets.Name.smtpPassword.rawValue) }
            if let imap = config.section("imap"), imap.bool("enabled", default: true), !fromEnvironment(.imapPassword) { needed.append(Secrets.Name.imapPassword.rawValue) }
            if config.globalSections.contains(where: { $0.type == "remote" }) { needed.append("remote.token") }
            if needed.isEmpty {
                warnings.append(Message("config.secrets.file_unused", ["file": .text(secrets)]))
            } else {
                errors.append(.init(file: "watchpost.conf", line: line("secrets"), key: "secrets",
                                    Message("config.secrets.file_missing", ["file": .text(secrets), "names": .text(needed.joined(separator: ", "))])))
            }
        }
        return (errors, warnings)
    }

    /// " (did you mean 'x'?)" for the nearest valid name, or nothing.
    static func hint(_ name: String, _ valid: [String]) -> MessageValue {
        nearest(name, in: valid).map { .message(Message("config.hint.nearest", ["name": .text($0)])) } ?? .text("")
    }

    /// A content check's public key is missing: the Department issues it; the message names the
    /// exact file to create and the command the Department makes it with (README "Installing").
    static func missingContentKey(_ key: String, at path: String) -> Message {
        let file = key.split(separator: "/").last.map(String.init) ?? key
        let prefix = file.hasSuffix(".pub") ? String(file.dropLast(4)) : file
        return Message("config.content_key.missing", ["key": .text(key), "path": .text(path), "prefix": .text(prefix)])
    }

    /// The full list of codes for a code's module prefix, when this module can know it.
    static func knownCodes(prefix code: String) -> Set<String>? {
        if code.hasPrefix("content.") { return ContentFindingCode.all }
        if code.hasPrefix("player.") { return PlayerFindingCode.all }
        return nil
    }
}

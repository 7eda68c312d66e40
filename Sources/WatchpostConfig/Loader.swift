import WatchpostCore
import Posix

/// Section kinds a site folder may hold besides the built-in ones (maintenance windows,
/// responders…). The module that owns a kind lists its schema here.
public enum SiteSections {
    public static let extra: [SectionSchema] = [ReportSections.availability, ReportSections.report, IncidentSections.maintenance, IncidentSections.responder,
                                               RegisterSections.plan, RegisterSections.inspection, RegisterSections.feedback]
}

public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Reads a configuration folder: `watchpost.conf`, `probes/<site>/*.conf`, `alerts/contacts.conf`,
/// `alerts/chains/*.conf`, `alerts/templates/*.txt`.
public struct ConfigurationLoader {
    public var root: String
    var diagnostics: [ConfigDiagnostic] = []

    public init(root: String) { self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root }

    /// Loads and validates everything; throws `ConfigurationError` listing every problem.
    /// `source` reads the files from a copy of the folder (the daemon's last-good configuration)
    /// while relative paths (database, secrets, and what modules resolve against `root`) still
    /// mean the real configuration folder.
    public static func load(root: String, source: String? = nil) throws(ConfigurationError) -> WatchpostConfiguration {
        var loader = ConfigurationLoader(root: source ?? root)
        var config = loader.loadAll()
        if !loader.diagnostics.isEmpty { throw ConfigurationError(diagnostics: loader.diagnostics.sorted()) }
        if source != nil {
            let real = ConfigurationLoader(root: root)
            config.root = real.root
            config.daemon = real.makeDaemonSettings(config.section("daemon"))
        }
        return config
    }

    /// A reload must not silently drop what the running daemon does: a cut-short watchpost.conf
    /// that lost `[smtp]`, `[imap]` or `[web]` is refused (stopping mail or the web on purpose
    /// takes a restart, which says so in the log).
    public static func refuseLostSections(running: WatchpostConfiguration, fresh: WatchpostConfiguration) throws(ConfigurationError) {
        let lost = ["smtp", "imap", "web", "mail"].filter { running.section($0) != nil && fresh.section($0) == nil }
        guard !lost.isEmpty else { return }
        throw ConfigurationError(diagnostics: lost.map {
            ConfigDiagnostic(file: "watchpost.conf", line: 0, key: $0, Message("config.reload.section_lost", ["section": .text($0)]))
        })
    }

    /// Loads as much as possible and returns the configuration with every diagnostic.
    public static func validate(root: String) -> (WatchpostConfiguration, [ConfigDiagnostic]) {
        var loader = ConfigurationLoader(root: root)
        let config = loader.loadAll()
        return (config, loader.diagnostics.sorted())
    }

    // MARK: - Files

    func relative(_ path: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    /// The largest configuration file read (1 MiB): the shipped files are a few KiB; a path
    /// pointing at a huge file or at `/dev/zero` must not grow `check` to gigabytes.
    public static let largestFile = 1 << 20

    mutating func readINI(_ path: String, required: Bool) -> INIFile? {
        guard FileSystem.exists(path) else {
            if required { diagnostics.append(.init(file: relative(path), line: 0, key: "file", Message("config.file.missing"))) }
            return nil
        }
        guard let text = readConfigurationText(path) else { return nil }
        let ini = INIFile(path: relative(path), text: text)
        diagnostics += ini.diagnostics
        return ini
    }

    /// A configuration file's text: a regular file of at most `largestFile` bytes, valid UTF-8.
    /// Anything else is a diagnostic and nil.
    mutating func readConfigurationText(_ path: String) -> String? {
        let file = relative(path)
        switch Self.readBounded(path, file: file) {
        case .success(let text): return text
        case .failure(let d): diagnostics.append(d); return nil
        }
    }

    /// `readConfigurationText` without a loader (the secrets file uses it too).
    static func readBounded(_ path: String, file: String) -> Result<String, ConfigDiagnostic> {
        let read: FileSystem.BoundedRead
        do { read = try FileSystem.readRegularFile(path, limit: largestFile) } catch {
            return .failure(.init(file: file, line: 0, key: "file", Message("config.file.unreadable", ["reason": .text(error.reason)])))
        }
        switch read {
        case .notRegularFile:
            return .failure(.init(file: file, line: 0, key: "file", Message("config.file.not_regular")))
        case .tooLarge(let limit):
            return .failure(.init(file: file, line: 0, key: "file", Message("config.file.too_large", ["limit": .int(Int64(limit / 1024))])))
        case .contents(let bytes):
            return INIFile.decode(bytes, path: file)
        }
    }

    mutating func checkSections(_ ini: INIFile, allowed: [SectionSchema]) {
        for s in ini.sections {
            if let schema = allowed.first(where: { $0.type == s.type }) {
                diagnostics += schema.validate(s)
            } else {
                let hint: MessageValue = nearest(s.type, in: allowed.map(\.type)).map { .message(Message("config.diag.hint.section", ["name": .text($0)])) } ?? .text("")
                diagnostics.append(.init(file: s.file, line: s.line, key: s.type, Message("config.diag.unknown_section", ["section": .text(s.title), "hint": hint])))
            }
        }
    }

    func listFiles(_ dir: String, suffix: String) -> [String] {
        ((try? FileSystem.listDirectory(dir)) ?? []).filter { $0.hasSuffix(suffix) }.map { "\(dir)/\($0)" }
    }

    // MARK: - Everything

    mutating func loadAll() -> WatchpostConfiguration {
        let daemonSettings: DaemonSettings
        var globals: [ConfigSection] = []
        if let ini = readINI("\(root)/watchpost.conf", required: true) {
            checkSections(ini, allowed: GlobalSections.all)
            diagnostics += GlobalSections.mailDiagnostics(ini.sections)
            globals = ini.sections
            diagnostics += Self.requiredSections(ini)
        }
        daemonSettings = makeDaemonSettings(globals.first { $0.type == "daemon" })
        let contacts = loadContacts()
        let chains = loadChains(contacts: contacts)
        let templates = loadTemplates()
        var sites: [SiteProfile] = []
        let probesDir = "\(root)/probes"
        let siteDirs = ((try? FileSystem.listDirectory(probesDir)) ?? []).filter { FileSystem.isDirectory("\(probesDir)/\($0)") }
        // A console with no cluster of its own (the Department's server, issue #17 point 4) lists
        // only `[remote ID]` boxes: it runs the web, the reads of the boxes and the consolidated
        // reports, without checks. Anything else without a site folder is a mistake.
        if siteDirs.isEmpty && !globals.contains(where: { $0.type == "remote" }) {
            diagnostics.append(.init(file: "probes", line: 0, key: "site", Message("config.diag.no_sites")))
        }
        for dir in siteDirs {
            if let site = loadSite(folder: "\(probesDir)/\(dir)", contacts: contacts, chains: chains) { sites.append(site) }
        }
        var seenSites: [String: String] = [:]
        for s in sites {
            if let other = seenSites[s.id] {
                diagnostics.append(.init(file: relative(s.folder) + "/site.conf", line: 1, key: "id", Message("config.diag.site_id_twice", ["id": .text(s.id), "other": .text("\(other)")])))
            }
            seenSites[s.id] = relative(s.folder)
        }
        return WatchpostConfiguration(root: root, daemon: daemonSettings, globalSections: globals, sites: sites,
                                      contacts: contacts, chains: chains, templates: templates)
    }

    /// The sections a `watchpost.conf` cannot do without, so that an empty or cut-short file
    /// never passes: `[daemon]` (without it the database, secrets and everything after them fall
    /// back to defaults) and `[smtp]` (without it no notice reaches anyone in an escalation
    /// chain: the monitor would watch and tell nobody, while both decisions require an incident
    /// to be reported to the Department at once — 2432/QĐ-UBND Điều 8.1, 32/2018/QĐ-UBND 7.2.3). A section cut inside loses its required
    /// keys (`[smtp] host`, `from`), which its schema reports. `[web]`, `[imap]` and `[mail]` are
    /// optional (no web pages / no email replies / the defaults); a reload that would drop one
    /// the daemon runs with is refused by `refuseLostSections`. Reported at the file's last line,
    /// where a cut-short file ends.
    static func requiredSections(_ ini: INIFile) -> [ConfigDiagnostic] {
        let end = max(1, ini.lastLine)
        return [("daemon", "config.daemon.missing"), ("smtp", "config.smtp.missing")].compactMap { section, key in
            ini.sections.contains(where: { $0.type == section }) ? nil : ConfigDiagnostic(file: ini.path, line: end, key: section, Message(MessageKey(key)))
        }
    }

    func makeDaemonSettings(_ s: ConfigSection?) -> DaemonSettings {
        var d = DaemonSettings(database: "\(root)/var/watchpost.db")
        guard let s else { return d }
        if let db = s.value("database") { d.database = db.hasPrefix("/") ? db : "\(root)/\(db)" }
        if let sec = s.value("secrets") { d.secretsFile = sec.hasPrefix("/") ? sec : "\(root)/\(sec)" }
        if let l = s.value("log_level").flatMap(LogLevel.init(name:)) { d.logLevel = l }
        d.historyRetention = s.duration("history_retention", default: d.historyRetention)
        d.sampleInterval = s.duration("sample_interval", default: d.sampleInterval)
        d.heartbeatInterval = s.duration("heartbeat_interval", default: d.heartbeatInterval)
        d.jitter = s.double("jitter", default: d.jitter)
        d.stopTimeout = s.duration("stop_timeout", default: d.stopTimeout)
        d.blockingThreads = s.int("blocking_threads", default: d.blockingThreads)
        return d
    }

    // MARK: - Contacts

    static let organisationSchema = SectionSchema(type: "organisation", named: true, keys: [
        KeySpec("name", .nonEmpty, required: true),
        KeySpec("name_en", .nonEmpty),
        KeySpec("roles", .listOf(OrganisationRole.allCases.map(\.rawValue)), required: true),
        KeySpec("email", .email),
        KeySpec("phone", .text),
        KeySpec("sites", .identifierList),
        KeySpec("notes", .text),
        KeySpec("source", .text, help: "the article of the decision that gives this body its duty, e.g. 2432/QĐ-UBND Điều 4.2"),
    ])
    static let roleSchema = SectionSchema(type: "role", named: true, keys: [
        KeySpec("name", .nonEmpty, required: true, help: "label shown for this role on the web, in Vietnamese"),
        KeySpec("name_en", .nonEmpty),
    ])
    static let personSchema = SectionSchema(type: "person", named: true, keys: [
        KeySpec("organisation", .nonEmpty, required: true),
        KeySpec("name", .nonEmpty, required: true),
        KeySpec("email", .email),
        KeySpec("phone", .text),
        KeySpec("title", .text),
    ])

    mutating func loadContacts() -> ContactBook {
        var book = ContactBook()
        guard let ini = readINI("\(root)/alerts/contacts.conf", required: true) else { return book }
        checkSections(ini, allowed: [Self.organisationSchema, Self.personSchema, Self.roleSchema])
        for s in ini.sections where s.type == "role" {
            guard let id = s.name else { continue }
            if !["operator", "security", "technician", "department", "committee", "admin"].contains(id) {
                diagnostics.append(.init(file: s.file, line: s.line, key: id, message: "no web role '\(id)' (operator, security, technician, department, committee, admin)"))
            }
            book.roleLabels[id] = RoleLabel(name: s.string("name"), nameEnglish: s.string("name_en", default: s.string("name")))
        }
        for s in ini.sections where s.type == "organisation" {
            guard let id = s.name else { continue }
            if book.organisations[id] != nil {
                diagnostics.append(.init(file: s.file, line: s.line, key: id, Message("config.diag.organisation_twice", ["id": .text(id)])))
            }
            book.organisations[id] = Organisation(
                id: id, name: s.string("name"), nameEnglish: s.string("name_en", default: s.string("name")),
                roles: s.list("roles").compactMap(OrganisationRole.init(rawValue:)),
                source: s.value("source"), email: s.value("email"), sites: s.list("sites"), people: [])
        }
        for s in ini.sections where s.type == "person" {
            guard let id = s.name else { continue }
            let orgID = s.string("organisation")
            let p = Person(id: id, name: s.string("name"), organisation: orgID, email: s.value("email"), phone: s.value("phone"))
            if book.people[id] != nil {
                diagnostics.append(.init(file: s.file, line: s.line, key: id, Message("config.diag.person_twice", ["id": .text(id)])))
            }
            book.people[id] = p
            if book.organisations[orgID] == nil {
                if !orgID.isEmpty {
                    let hint = nearest(orgID, in: Array(book.organisations.keys)).map { " (did you mean '\($0)'?)" } ?? ""
                    diagnostics.append(.init(file: s.file, line: s.lineOf("organisation"), key: "organisation",
                                             message: "no organisation '\(orgID)' in contacts\(hint)"))
                }
            } else {
                book.organisations[orgID]!.people.append(p)
            }
        }
        return book
    }

    // MARK: - Chains

    static let levelSchema = SectionSchema(type: "level", named: true, keys: [
        KeySpec("notify", .nonEmpty, required: true, help: "org:ID, person:ID or role:ROLE, comma-separated"),
        KeySpec("notify_technical", .text, help: "added for technical incidents"),
        KeySpec("notify_security", .text, help: "added for security incidents"),
        KeySpec("timeout", .duration(min: .seconds(1), max: .hours(24 * 7))),
        KeySpec("reminder", .duration(min: .seconds(1), max: .hours(24 * 7))),
        KeySpec("by_decision", .boolean, help: "reached only when a Department user decides (watchpost escalate), never by the previous level's timeout"),
        KeySpec("source", .text, help: "the article this level follows"),
        KeySpec("source_technical", .text, help: "the article behind notify_technical, cited for technical incidents only"),
        KeySpec("source_security", .text, help: "the article behind notify_security, cited for security incidents only"),
    ])
    static let informSchema = SectionSchema(type: "inform", named: true, keys: [
        KeySpec("notify", .nonEmpty, required: true, help: "org:ID, person:ID or role:ROLE, comma-separated"),
        KeySpec("when", .nonEmpty, required: true, help: "category.severity selectors, e.g. security.*, technical.critical@hours"),
        KeySpec("source", .text, help: "the article that gives the duty"),
    ])
    static let findingSchema = SectionSchema(type: "finding", named: true, keys: [
        KeySpec("category", .oneOf(IncidentCategory.allCases.map(\.rawValue)), help: "overrides the probe's security-relevant mark"),
        KeySpec("severity", .oneOf(["warning", "critical"]), help: "raises the finding's status"),
        KeySpec("inform", .text, help: "told at once besides the chain"),
        KeySpec("urgent", .boolean, help: "never waits for the operating window"),
        KeySpec("source", .text, help: "the article behind the rule"),
    ])
    static let routingSchema = SectionSchema(type: "routing", keys: [], freeKeys: .custom("level or technicians") { v in
        v == "technicians" || (Int(v).map { (1...9).contains($0) } ?? false) ? nil : Message("config.routing.level", ["value": .text(v)])
    })
    static let chainSchema = SectionSchema(type: "chain", keys: [
        KeySpec("name", .text),
        KeySpec("ack_timeout", .duration(min: .seconds(1), max: .hours(24 * 30))),
        KeySpec("reopen_within", .duration(min: .zero, max: .hours(24 * 7)), help: "a check failing again this soon after resolution reopens its incident"),
        KeySpec("hold_outside_hours", .boolean, help: "technical incidents outside operating hours reach technicians only until the next window (default true)"),
    ])

    mutating func loadChains(contacts: ContactBook) -> [String: EscalationChainConfig] {
        var chains: [String: EscalationChainConfig] = [:]
        for path in listFiles("\(root)/alerts/chains", suffix: ".conf") {
            guard let ini = readINI(path, required: true) else { continue }
            checkSections(ini, allowed: [Self.levelSchema, Self.routingSchema, Self.chainSchema, Self.informSchema, Self.findingSchema])
            let name = String(path.split(separator: "/").last!.dropLast(5))
            // The chain's id is its file's name: the same rule as every other id.
            if !isIdentifier(name) {
                diagnostics.append(.init(file: relative(path), line: max(1, ini.sections.first?.line ?? 1), key: "chain", Message("config.chain.name_not_id", ["value": .text(name)])))
            }
            var levels: [EscalationLevelConfig] = []
            for s in ini.sections where s.type == "level" {
                guard let n = s.name.flatMap({ Int($0) }), n >= 1 else {
                    diagnostics.append(.init(file: s.file, line: s.line, key: "level", Message("config.diag.level_name")))
                    continue
                }
                let notify = parseRecipients(s, key: "notify", contacts: contacts)
                let tech = parseRecipients(s, key: "notify_technical", contacts: contacts)
                let sec = parseRecipients(s, key: "notify_security", contacts: contacts)
                levels.append(EscalationLevelConfig(level: n, notify: notify, notifyTechnical: tech,
                                                    notifySecurity: sec, byDecision: s.bool("by_decision", default: false), source: s.string("source"),
                                                    sourceTechnical: s.string("source_technical"), sourceSecurity: s.string("source_security"),
                                                    timeout: s.value("timeout").flatMap { Seconds(parsing: $0) },
                                                    reminder: s.value("reminder").flatMap { Seconds(parsing: $0) }, line: s.line))
            }
            levels.sort { $0.level < $1.level }
            for (i, l) in levels.enumerated() where l.level != i + 1 {
                diagnostics.append(.init(file: relative(path), line: l.line, key: "level", Message("config.diag.level_gaps", ["level": .count(l.level)])))
                break
            }
            if levels.isEmpty {
                diagnostics.append(.init(file: relative(path), line: 0, key: "level", Message("config.diag.chain_no_level")))
            }
            for (i, l) in levels.enumerated() where l.byDecision && i == 0 {
                diagnostics.append(.init(file: relative(path), line: l.line, key: "by_decision", Message("config.diag.level1_by_decision")))
            }
            for (i, l) in levels.dropLast().enumerated() where l.timeout == nil && !levels[i + 1].byDecision {
                diagnostics.append(.init(file: relative(path), line: l.line, key: "timeout", Message("config.diag.level_needs_timeout", ["level": .count(l.level), "next": .count(l.level + 1)])))
            }
            var routing: [String: String] = [:]
            for s in ini.sections where s.type == "routing" {
                for e in s.entries {
                    let parts = e.key.split(separator: ".")
                    if parts.count != 2 || IncidentCategory(rawValue: String(parts[0])) == nil
                        || !["warning", "critical", "unknown"].contains(String(parts[1])) {
                        diagnostics.append(.init(file: s.file, line: e.line, key: e.key, Message("config.diag.routing_key")))
                    } else if let n = Int(e.value), n > levels.count {
                        diagnostics.append(.init(file: s.file, line: e.line, key: e.key, Message("config.diag.level_missing", ["level": .count(n), "count": .count(levels.count)])))
                    }
                    routing[e.key] = e.value
                }
            }
            var informs: [InformConfig] = []
            for s in ini.sections where s.type == "inform" {
                var when: [RouteSelector] = []
                for item in splitList(s.string("when")) {
                    if let sel = RouteSelector(parsing: item) { when.append(sel) } else {
                        diagnostics.append(.init(file: s.file, line: s.lineOf("when"), key: "when",
                                                 message: "'\(item)' is not a selector: category.severity (technical, security or *; warning, critical, unknown or *), optionally @hours"))
                    }
                }
                informs.append(InformConfig(name: s.name ?? "", notify: parseRecipients(s, key: "notify", contacts: contacts), when: when, source: s.string("source")))
            }
            var findings: [FindingConfig] = []
            for s in ini.sections where s.type == "finding" {
                let sev: CheckStatus? = s.value("severity").flatMap { $0 == "critical" ? .critical : $0 == "warning" ? .warning : nil }
                findings.append(FindingConfig(code: s.name ?? "", category: s.value("category").flatMap(IncidentCategory.init(rawValue:)), severity: sev,
                                              inform: parseRecipients(s, key: "inform", contacts: contacts), urgent: s.bool("urgent", default: false),
                                              source: s.string("source")))
            }
            let chainSection = ini.sections.first { $0.type == "chain" }
            let ack = chainSection?.value("ack_timeout").flatMap { Seconds(parsing: $0) }
            let reopen = chainSection?.value("reopen_within").flatMap { Seconds(parsing: $0) }
            chains[name] = EscalationChainConfig(name: name, file: relative(path), levels: levels, routing: routing, ackTimeout: ack,
                                                 reopenWindow: reopen, informs: informs, findings: findings,
                                                 holdOutsideHours: chainSection?.bool("hold_outside_hours", default: true) ?? true)
        }
        if chains.isEmpty {
            diagnostics.append(.init(file: "alerts/chains", line: 0, key: "chain", Message("config.diag.no_chain")))
        }
        return chains
    }

    mutating func parseRecipients(_ s: ConfigSection, key: String, contacts: ContactBook) -> [RecipientRef] {
        guard let e = s.entry(key) else { return [] }
        var out: [RecipientRef] = []
        for item in splitList(e.value) {
            guard let r = RecipientRef(parsing: item) else {
                diagnostics.append(.init(file: s.file, line: e.line, key: key, Message("config.diag.not_recipient", ["item": .text(item)])))
                continue
            }
            switch r {
            case .organisation(let id):
                if let org = contacts.organisations[id] {
                    if org.addresses.isEmpty {
                        diagnostics.append(.init(file: s.file, line: e.line, key: key, Message("config.diag.organisation_no_email", ["id": .text(id)])))
                    }
                } else {
                    let hint = nearest(id, in: Array(contacts.organisations.keys)).map { " (did you mean '\($0)'?)" } ?? ""
                    diagnostics.append(.init(file: s.file, line: e.line, key: key, message: "missing contact: no organisation '\(id)'\(hint)"))
                }
            case .person(let id):
                if let p = contacts.people[id] {
                    if p.email == nil { diagnostics.append(.init(file: s.file, line: e.line, key: key, Message("config.diag.person_no_email", ["id": .text(id)]))) }
                } else {
                    let hint = nearest(id, in: Array(contacts.people.keys)).map { " (did you mean '\($0)'?)" } ?? ""
                    diagnostics.append(.init(file: s.file, line: e.line, key: key, message: "missing contact: no person '\(id)'\(hint)"))
                }
            case .role: break  // resolved per site when the chain is used
            }
            out.append(r)
        }
        return out
    }

    // MARK: - Templates

    mutating func loadTemplates() -> [String: MessageTemplate] {
        var out: [String: MessageTemplate] = [:]
        for path in listFiles("\(root)/alerts/templates", suffix: ".txt") {
            guard let text = readConfigurationText(path) else { continue }
            let name = String(path.split(separator: "/").last!.dropLast(4))
            diagnostics += Self.templateDiagnostics(text: text, file: relative(path))
            out[name] = MessageTemplate(name: name, file: relative(path), text: text)
        }
        return out
    }

    /// Templates of incident events (a placeholder only some events fill is checked against these).
    static let incidentTemplates: Set<String> = ["triggered", "escalated", "reminder", "reopened", "reopened-informed", "informed", "severity-raised",
                                                 "acknowledged", "resolved", "committee-escalation", "comment", "finding-added", "incident",
                                                 "escalation-notice"]

    static func templateName(_ file: String) -> String? {
        guard let last = file.split(separator: "/").last, last.hasSuffix(".txt") else { return nil }
        return String(last.dropLast(4))
    }

    /// Unknown or unclosed `{{placeholders}}`, and placeholders the template's event leaves empty.
    public static func templateDiagnostics(text: String, file: String) -> [ConfigDiagnostic] {
        var out: [ConfigDiagnostic] = []
        var lineNo = 0
        for line in INIFile.lines(text) {
            lineNo += 1
            var rest = Substring(line)
            while let open = rest.firstRange(of: "{{") {
                guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                    out.append(.init(file: file, line: lineNo, key: "template", message: "'{{' without a closing '}}'"))
                    break
                }
                var name = rest[open.upperBound..<close.lowerBound].trimmingWhitespace()
                if name.hasPrefix("#") || name.hasPrefix("/") { name.removeFirst() }  // {{#list}} … {{/list}} sections
                if !TemplatePlaceholders.known.contains(name) {
                    let hint = nearest(name, in: Array(TemplatePlaceholders.known)).map { " (did you mean '\($0)'?)" } ?? ""
                    out.append(.init(file: file, line: lineNo, key: name, message: "unknown placeholder\(hint)"))
                } else if let only = TemplatePlaceholders.filledOnlyBy[name], let template = templateName(file), Self.incidentTemplates.contains(template),
                          !only.contains(template) {
                    out.append(.init(file: file, line: lineNo, key: name,
                                     message: "placeholder '\(name)' is empty in '\(template)' messages (only \(only.sorted().joined(separator: ", ")) fill it)"))
                }
                rest = rest[close.upperBound...]
            }
        }
        return out
    }
}

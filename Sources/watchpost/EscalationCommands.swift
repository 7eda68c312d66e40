// CLI for the chain the decisions lay down: `routes` (the routing table, like `amtool config
// routes`), `escalate` (a Department user puts an incident to the Provincial People's
// Committee), `comment`, and `respond` (a person runs a restoring action such as `led-restore`,
// recorded on the timeline and never judged an un-commanded change). Who acts is checked by the
// one acknowledgement policy (WatchpostCore `IncidentPolicy`), as on the web, by link and reply.
import WatchpostCommandLine
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostProbes
import WatchpostWeb
import WatchpostDaemon
import Posix
import WatchpostHost

let escalationCommands: [Command] = [routesCommand, escalateCommand, commentCommand, respondCommand]

/// Who is acting on the command line, checked against the one policy: `--as USER` (a web
/// account and its role) or `--by NAME` (a person or organisation of alerts/contacts.conf: id,
/// name or address; else a web account's login). The organisation named with the person in
/// notices and on the timeline (issue 14 point 6): `--org` when given, else the account's
/// (`user add --org`), else the contact book's, else the role's configured label. Refused when
/// the policy does not allow `action` on `category`.
func actingParty(_ args: Arguments, config: WatchpostConfiguration, store: Store, action: IncidentAction,
                 category: IncidentCategory, what: String) async throws(WatchpostError) -> (name: String, organisation: String?, roles: [PartyRole]) {
    var name = ""
    var organisation: String? = nil
    var roles: [PartyRole] = []
    func account(_ user: WebUser) {
        name = user.displayName.isEmpty ? user.login : user.displayName
        // An account always acts for someone: its organisation, its contact's, else its role's
        // label — so --org can never credit another body (#14 review s6, defect 2).
        organisation = user.organisation ?? user.email.flatMap { config.contacts.party($0)?.organisation } ?? config.contacts.roleLabels[user.role.rawValue]?.name
            ?? Catalogue.render(Message(MessageKey("role." + user.role.rawValue)), .vi)
        roles = [user.role.party]
    }
    if let login = args.value("as") {
        guard let user = try await store.user(login: login) else { throw WatchpostError(.notFound, "no web account '\(login)'", hint: "see watchpost user list") }
        account(user)
    } else {
        guard let who = whoAmI(args) else {
            throw WatchpostError(.usage, Message("cli.who.missing"), hint: Message("cli.who.unknown_hint"))
        }
        if let party = config.contacts.party(who) {
            name = party.name
            organisation = party.organisation
            roles = party.roles
        } else if let user = try await store.user(login: who) {
            account(user)
        } else {
            throw WatchpostError(.permission, Message("cli.who.unknown", ["who": .text(who)]), hint: Message("cli.who.unknown_hint"))
        }
    }
    // --org only names the organisation of someone the contact book and the accounts leave
    // without one; it may not credit another body with the action (#14 review, session 5: the
    // Board's acknowledgement was mailed as the Department's).
    if let org = args.value("org")?.trimmingWhitespace(), !org.isEmpty {
        if let known = organisation, known != org {
            throw WatchpostError(.permission, Message("cli.org.other", ["name": .text(name), "known": .text(known), "org": .text(org)]),
                                 hint: Message("cli.org.other_hint", ["org": .text(org)]))
        }
        organisation = org
    }
    let d = IncidentPolicy.decide(roles, action, category: category)
    guard d.allowed else { throw WatchpostError(.permission, "\(name) may not \(what): \(d.reasonEnglish)", hint: d.reason) }
    return (name, organisation, roles)
}

/// "Name (Organisation)", the organisation once (an organisation acting itself is named once).
func nameWithOrganisation(_ name: String, _ organisation: String?) -> String {
    guard let o = organisation, !o.isEmpty, o != name else { return name }
    return "\(name) (\(o))"
}

func incidentArgument(_ args: Arguments, _ usage: String) throws(WatchpostError) -> Int64 {
    guard let idText = args.positionals.first, let id = Int64(idText.trimmingPrefix("#")) else {
        throw WatchpostError(.usage, "name the incident: \(usage)", hint: "watchpost incidents lists them")
    }
    return id
}

let escalateCommand = Command(
    name: "escalate", summary: "put an incident to the Provincial People's Committee (a Department decision)",
    help: """
    Usage: watchpost escalate ID --to committee (--by NAME | --as USER) [--org ORGANISATION] --note TEXT [--config DIR]

    The Department, when a matter is beyond its authority, reports it to the Provincial People's
    Committee and proposes the handling (Tây Trang 7.1.3, last paragraph; Vũng Áng Art. 6, 14).
    Only a Department user may do it. The Committee receives one message naming who decided and
    why (--note, required); everyone notified so far is told; the decision is on the timeline.
    The same as the web button "Đề xuất UBND tỉnh chỉ đạo" and an email reply "DE XUAT UBND".
    """,
    valuedOptions: ["config", "to", "by", "as", "note", "org"],
    run: { args in
        try args.allowOnly(["config", "to", "by", "as", "note", "org"])
        let id = try incidentArgument(args, "watchpost escalate ID --to committee --by NAME --note TEXT")
        guard args.value("to") == "committee" else {
            throw WatchpostError(.usage, "--to committee is the only escalation a person decides", hint: "watchpost escalate \(id) --to committee --by NAME --note TEXT")
        }
        guard let note = args.value("note"), !note.trimmingWhitespace().isEmpty else {
            throw WatchpostError(.usage, "say why: --note \"lý do và phương án đề xuất / why, and the proposed handling\"")
        }
        let (config, store) = try openStore(args, createIfMissing: false)
        let journal = CommandJournal(command: "escalate")
        let service = IncidentService(store: store, logger: journal.logger)
        guard let inc = try await service.incident(id) else { throw WatchpostError(.notFound, Message("cli.incident.not_found", ["id": .text("\(id)")]), hint: Message("cli.incident.not_found_hint")) }
        let who = try await actingParty(args, config: config, store: store, action: .escalateToCommittee, category: inc.category,
                                        what: "put incident #\(id) to the Committee")
        guard let level = config.escalationPolicy(site: inc.key.site)?.decisionLevel else {
            throw WatchpostError(.configuration, "the chain of \(inc.key.site) has no level reached by decision",
                                 hint: "add by_decision = true to the Committee's [level N] in alerts/chains/*.conf")
        }
        let after = try await service.escalate(incidentID: id, to: level, by: who.name, organisation: who.organisation, via: "cli", note: note,
                                               at: SystemClock().now())
        await journal.hand(to: store)
        out(Catalogue.bilingual(Message("cli.escalate.done", ["incident": .text(describe(after))]), separator: "\n"))
        return 0
    })

let commentCommand = Command(
    name: "comment", summary: "add a comment to an incident (told to everyone notified)",
    help: """
    Usage: watchpost comment ID (--by NAME | --as USER) [--org ORGANISATION] --note TEXT [--config DIR]

    Everyone with a role may comment, the Provincial People's Committee included; the comment is
    on the timeline and everyone notified receives it with who, organisation, channel and time.
    """,
    valuedOptions: ["config", "by", "as", "note", "org"],
    run: { args in
        try args.allowOnly(["config", "by", "as", "note", "org"])
        let id = try incidentArgument(args, "watchpost comment ID --by NAME --note TEXT")
        guard let note = args.value("note"), !note.trimmingWhitespace().isEmpty else { throw WatchpostError(.usage, "the comment is empty: --note TEXT") }
        let (config, store) = try openStore(args, createIfMissing: false)
        let journal = CommandJournal(command: "comment")
        let service = IncidentService(store: store, logger: journal.logger)
        guard let inc = try await service.incident(id) else { throw WatchpostError(.notFound, Message("cli.incident.not_found", ["id": .text("\(id)")]), hint: Message("cli.incident.not_found_hint")) }
        let who = try await actingParty(args, config: config, store: store, action: .comment, category: inc.category, what: "comment on incident #\(id)")
        try await service.comment(incidentID: id, by: who.name, organisation: who.organisation, via: "cli", text: note, at: SystemClock().now(), roles: who.roles)
        await journal.hand(to: store)
        out(Catalogue.bilingual(Message("cli.comment.done", ["id": .int(id)])))
        return 0
    })

let respondCommand = Command(
    name: "respond", summary: "run a restoring action for a check (e.g. led-restore), recorded on the timeline",
    help: """
    Usage: watchpost respond ACTION --check SITE/CHECK (--by NAME | --as USER) [--org ORGANISATION] [--note TEXT]
                             [--brightness PERCENT] [--config DIR]

    ACTION: led-restore (switch the screen back on after a blackout), led-blackout,
    led-brightness (with --brightness). The operating unit and technicians may run it. The check
    is put in maintenance for a few intervals while the action runs, so that its probe accepts the
    new state (it is never reported as an un-commanded change); the action, who ran it and why go
    on the open incident's timeline (or the check's).
    """,
    valuedOptions: ["config", "check", "by", "as", "note", "brightness", "org"],
    run: { args in
        try args.allowOnly(["config", "check", "by", "as", "note", "brightness", "org"])
        guard let action = args.positionals.first, ManualResponse.actions.contains(action) else {
            throw WatchpostError(.usage, "name the action: led-restore, led-blackout or led-brightness", hint: "watchpost respond led-restore --check SITE/CHECK --by NAME")
        }
        let (config, store) = try openStore(args, createIfMissing: false)
        guard let checkID = args.value("check"), let check = config.check(checkID), let site = config.site(check.site) else {
            throw WatchpostError(.usage, "--check must name a configured check (SITE/CHECK)", hint: "watchpost status lists them")
        }
        let service = IncidentService(store: store)
        // Who acts is checked against the category of the incident the action answers.
        let openIncidents = try await service.openIncidents()
        let open = openIncidents.first { $0.key == CheckKey(site: site.id, check: check.id) }
            ?? openIncidents.first { $0.key.site == site.id && !$0.responders.isEmpty }
        let who = try await actingParty(args, config: config, store: store, action: .respond, category: open?.category ?? .technical,
                                        what: "run \(action) at \(site.id)")
        let clock = SystemClock()
        let logger = Logger(sink: StandardErrorSink(), clock: clock, minimumLevel: .warning)
        let outcome = try await ManualResponse(configuration: config, store: store, clock: clock, logger: logger)
            .run(action, check: "\(site.id)/\(check.id)", incidentID: open?.id, brightness: args.value("brightness"), by: nameWithOrganisation(who.name, who.organisation), via: "cli", note: args.value("note"))
        out(Catalogue.bilingual(outcome.message, zone: site.zone, separator: "\n"))
        return outcome.succeeded ? 0 : 1
    })

let routesCommand = Command(
    name: "routes", summary: "print the routing table: who is informed, who must acknowledge, what each timeout does",
    help: """
    Usage: watchpost routes [--site ID] [--lang vi|en] [--config DIR]

    For each category × severity × inside/outside operating hours (and each finding rule), prints
    who is informed at once, who must acknowledge at each level, what happens at each timeout,
    who may acknowledge, and the article each rule follows — like `amtool config routes`.
    In Vietnamese; --lang en prints the English translation.
    """,
    valuedOptions: ["config", "site", "lang"],
    run: { args in
        try args.allowOnly(["config", "site", "lang"])
        guard let language = Language(rawValue: args.value("lang") ?? "vi") else { throw WatchpostError(.usage, "--lang vi or --lang en") }
        let (config, diagnostics) = ConfigurationLoader.validate(root: configRoot(args))
        if !diagnostics.isEmpty { err("note: the configuration has \(diagnostics.count) error(s); see watchpost check") }
        let sites = config.sites.filter { args.value("site") == nil || $0.id == args.value("site") }
        guard !sites.isEmpty else { throw WatchpostError(.notFound, "no site '\(args.value("site") ?? "")'", hint: config.sites.map(\.id).joined(separator: ", ")) }
        for site in sites {
            guard let policy = config.escalationPolicy(site: site.id) else { continue }
            out(RoutesText.render(site: site, policy: policy, language: language, roleLabels: config.contacts.roleLabels, contacts: config.contacts))
        }
        return 0
    })

/// The text of `watchpost routes` (also pasted in the README): every line from the catalogue, in
/// Vietnamese (the default) or English (`--lang en`).
enum RoutesText {

    static func names(_ recipients: [NotificationRecipient]) -> MessageValue {
        var out: [String] = []
        for r in recipients {
            let n = r.organisation ?? r.displayName
            if !out.contains(n) { out.append(n) }
        }
        return out.isEmpty ? .message(Message("routes.nobody")) : .text(out.joined(separator: "; "))
    }

    static func source(_ s: String, inline: Bool = false) -> MessageValue {
        s.isEmpty ? .text("") : .message(Message(inline ? "routes.source.inline" : "routes.source", ["source": .text(s)]))
    }

    /// A role's name: the configured label (`[role NAME]` in alerts/contacts.conf), else the catalogue's.
    static func roleName(_ role: PartyRole, labels: [String: RoleLabel], language: Language) -> String {
        if let l = labels[role.rawValue] { return language == .vi ? l.name : l.nameEnglish }
        return Catalogue.render(Message(MessageKey("role." + role.rawValue)), language)
    }

    /// Every row is a `Route` of `EscalationPolicy.table`, the function the engine's
    /// `notifyEntry` asks; finding rows come at each severity their probe reports them with
    /// (`FindingNatures`), with the category and severity the rule gives.
    static func render(site: SiteProfile, policy: EscalationPolicy, language: Language = .vi, roleLabels: [String: RoleLabel] = [:],
                       contacts: ContactBook = ContactBook()) -> String {
        let r = MessageRenderer(language: language, zone: site.zone)

        func line(_ key: MessageKey, _ params: [String: MessageValue] = [:]) -> String { r.render(Message(key, params)) }
        // The technicians' duty: the `source =` of their organisations in alerts/contacts.conf.
        func technicianSource(_ recipients: [NotificationRecipient]) -> String {
            var out: [String] = []
            for rc in recipients {
                let org = contacts.organisations[rc.contactID] ?? contacts.people[rc.contactID].flatMap { contacts.organisations[$0.organisation] }
                if let s = org?.source, !s.isEmpty, !out.contains(s) { out.append(s) }
            }
            return out.isEmpty ? "" : line("routes.source", ["source": .text(out.joined(separator: "; "))])
        }
        // A site without off-hours (Vũng Áng runs 24/24 h) has no "outside hours" cells.
        let alwaysOn = site.schedule.nextChange(after: Instant(seconds: 1_767_225_600)) == nil
        let regulation = site.id == "vung-ang" ? "2432/QĐ-UBND" : site.id == "tay-trang" ? "32/2018/QĐ-UBND" : "—"
        var lines = ["\(site.id) — \(language == .vi ? site.name : site.nameEnglish)", "  " + line("routes.chain", ["name": .text(policy.name), "id": .text(site.chain), "regulation": .text(regulation)])]
        if alwaysOn { lines.append("  " + line("routes.always-on")) }
        for route in policy.table(natures: FindingNatures.all) where !(alwaysOn && !route.inHours) {
            let cell = "\(route.category.rawValue).\(route.severity.description.lowercased())"
                + (route.findings.isEmpty ? "" : line("routes.finding", ["codes": .text(route.findings.joined(separator: ","))]))
                + (alwaysOn ? "" : line(route.inHours ? "routes.in-hours" : "routes.out-of-hours"))
            lines.append("")
            lines.append("  " + cell)
            // Held outside hours: the technicians now; the informed groups and the levels when
            // the window opens (the engine notifies the entry then, as in hours).
            if route.heldUntilOperatingHours {
                lines.append("    " + line("routes.technicians-now", ["names": names(route.technicians)]) + technicianSource(route.technicians))
                lines.append("    " + line("routes.held"))
            }
            // Those the entry level tells are not informed twice (the engine leaves them out).
            let entry = route.techniciansOnly && !route.heldUntilOperatingHours ? route.technicians : (route.steps.first?.recipients ?? [])
            // A body two groups inform (the Department by `[inform department]` and by a finding
            // rule) is told once, so it is printed once.
            var printed = entry
            for g in route.informed {
                let others = g.recipients.filter { r in !printed.contains { $0.address == r.address } }
                printed += others
                guard !others.isEmpty else { continue }
                let src = policy.informs.first { $0.name == g.name }?.source ?? policy.findingRules.first { "finding \($0.code)" == g.name }?.source ?? ""
                lines.append("    " + line("routes.informed", ["names": names(others), "group": .text(g.name), "source": source(src, inline: true)]))
            }
            if route.techniciansOnly && !route.heldUntilOperatingHours {
                lines.append("    " + line("routes.technicians-only", ["names": names(route.technicians)]) + technicianSource(route.technicians))
            }
            for (n, step) in route.steps.enumerated() where !(route.techniciansOnly && !route.heldUntilOperatingHours) {
                let how: Message
                if step.byDecision { how = Message("routes.by-decision") }
                else if n == 0 { how = Message("routes.must-ack") }
                else if let t = step.afterTimeout { how = Message("routes.after", ["after": .duration(t)]) }
                else { how = Message("text.untranslated", ["text": "—"]) }
                lines.append("    " + line("routes.level", ["level": .count(step.level), "names": names(step.recipients), "how": .message(how), "source": source(step.source)]))
                if step.byDecision { continue }
                let next = n + 1 < route.steps.count ? route.steps[n + 1] : nil
                if let next, !next.byDecision, next.afterTimeout == nil {
                    lines.append("      " + line("routes.no-timer", ["level": .count(next.level)]))
                }
                if next == nil || next?.byDecision == true {
                    lines.append("      " + (step.reminder.map { line("routes.last.reminder", ["every": .duration($0)]) } ?? line("routes.last")))
                }
            }
            // The article of each finding rule of the row, also when the bodies it names are
            // already at the entry level (smoke at Tây Trang: fire safety, 7.2.2).
            for code in route.findings {
                guard let rule = policy.findingRule(code), !rule.source.isEmpty else { continue }
                lines.append("    " + line("routes.finding-rule", ["code": .text(code), "source": .text(rule.source)]))
            }
            let roles = MessageValue.text(route.acknowledgedBy.map { roleName($0, labels: roleLabels, language: language) }.joined(separator: ", "))
            lines.append("    " + (route.ackTimeout.map { line("routes.may-ack.expires", ["roles": roles, "after": .duration($0)]) } ?? line("routes.may-ack", ["roles": roles])))
        }
        return lines.joined(separator: "\n")
    }
}

/// What `watchpost check` warns about without failing: a holiday list that ends within 90 days
/// (the Government announces each year's days off; an empty list makes holidays ordinary days)
/// and contacts that do not say which article gives them their duty (`source =`).
func configurationWarnings(_ config: WatchpostConfiguration, now: Instant) -> [String] {
    var out: [String] = []
    for site in config.sites {
        let holidays = site.schedule.exceptions.compactMap { d, e -> CivilDate? in if case .holiday = e { return d }; return nil }
        guard let last = holidays.max() else { continue }
        let today = site.zone.localDate(of: now)
        let days = last.daysSinceEpoch - today.daysSinceEpoch
        if days < 90 {
            let file = site.folder.split(separator: "/").suffix(2).joined(separator: "/") + "/schedule.conf"
            out.append(Catalogue.bilingual(Message(days < 0 ? "config.warn.holidays-past" : "config.warn.holidays-ending",
                                                   ["file": .text(file), "last": .date(last), "days": .int(Int64(days))])))
        }
    }
    for o in config.contacts.organisations.values.sorted(by: { $0.id < $1.id }) where (o.source ?? "").isEmpty {
        out.append(Catalogue.bilingual(Message("config.warn.no-source", ["id": .text(o.id)])))
    }
    return out
}

// CLI for the chain the decisions lay down: `routes` (the routing table, like `amtool config
// routes`), `escalate` (a Department user puts an incident to the Provincial People's
// Committee), `comment`, and `respond` (a person runs a restoring action such as `led-restore`,
// recorded on the timeline and never judged an un-commanded change). Who acts is checked by the
// one acknowledgement policy (WatchpostCore `IncidentPolicy`), as on the web, by link and reply.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostProbes
import WatchpostWeb
import Posix

let escalationCommands: [Command] = [routesCommand, escalateCommand, commentCommand, respondCommand]

/// Who is acting on the command line, checked against the one policy: `--as USER` (a web
/// account and its role) or `--by NAME` (a person or organisation of alerts/contacts.conf:
/// id, name or address). Refused when the policy does not allow `action` on `category`.
func actingParty(_ args: Arguments, config: WatchpostConfiguration, store: Store, action: IncidentAction,
                 category: IncidentCategory, what: String) async throws(WatchpostError) -> (name: String, organisation: String?) {
    var name: String
    var organisation: String?
    var roles: [PartyRole]
    if let login = args.value("as") {
        guard let user = try await store.user(login: login) else { throw WatchpostError(.notFound, "no web account '\(login)'", hint: "see watchpost user list") }
        name = user.displayName.isEmpty ? user.login : user.displayName
        organisation = user.email.flatMap { config.contacts.party($0)?.organisation } ?? config.contacts.roleLabels[user.role.rawValue]?.name
        roles = [user.role.party]
    } else {
        let who = args.value("by") ?? whoAmI(args)
        guard let party = config.contacts.party(who) else {
            throw WatchpostError(.permission, "who is '\(who)'? --by must name a person or organisation of alerts/contacts.conf (id, name or address)",
                                 hint: "or act as a web account: --as USER")
        }
        name = party.name
        organisation = party.organisation
        roles = party.roles
    }
    let d = IncidentPolicy.decide(roles, action, category: category)
    guard d.allowed else { throw WatchpostError(.permission, "\(name) may not \(what): \(d.reasonEnglish)", hint: d.reason) }
    return (name, organisation)
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
    Usage: watchpost escalate ID --to committee (--by NAME | --as USER) --note TEXT [--config DIR]

    The Department, when a matter is beyond its authority, reports it to the Provincial People's
    Committee and proposes the handling (Tây Trang 7.1.3, last paragraph; Vũng Áng Art. 6, 14).
    Only a Department user may do it. The Committee receives one message naming who decided and
    why (--note, required); everyone notified so far is told; the decision is on the timeline.
    The same as the web button "Đề xuất UBND tỉnh chỉ đạo" and an email reply "DE XUAT UBND".
    """,
    valuedOptions: ["config", "to", "by", "as", "note"],
    run: { args in
        try args.allowOnly(["config", "to", "by", "as", "note"])
        let id = try incidentArgument(args, "watchpost escalate ID --to committee --by NAME --note TEXT")
        guard args.value("to") == "committee" else {
            throw WatchpostError(.usage, "--to committee is the only escalation a person decides", hint: "watchpost escalate \(id) --to committee --by NAME --note TEXT")
        }
        guard let note = args.value("note"), !note.trimmingWhitespace().isEmpty else {
            throw WatchpostError(.usage, "say why: --note \"lý do và phương án đề xuất / why, and the proposed handling\"")
        }
        let (config, store) = try openStore(args, createIfMissing: false)
        let service = IncidentService(store: store)
        guard let inc = try await service.incident(id) else { throw WatchpostError(.notFound, "no incident #\(id)", hint: "watchpost incidents lists them") }
        let who = try await actingParty(args, config: config, store: store, action: .escalateToCommittee, category: inc.category,
                                        what: "put incident #\(id) to the Committee")
        guard let level = config.escalationPolicy(site: inc.key.site)?.decisionLevel else {
            throw WatchpostError(.configuration, "the chain of \(inc.key.site) has no level reached by decision",
                                 hint: "add by_decision = true to the Committee's [level N] in alerts/chains/*.conf")
        }
        let after = try await service.escalate(incidentID: id, to: level, by: who.name, organisation: who.organisation, via: "cli", note: note,
                                               at: SystemClock().now())
        out("put to the Provincial People's Committee: \(describe(after))")
        return 0
    })

let commentCommand = Command(
    name: "comment", summary: "add a comment to an incident (told to everyone notified)",
    help: """
    Usage: watchpost comment ID (--by NAME | --as USER) --note TEXT [--config DIR]

    Everyone with a role may comment, the Provincial People's Committee included; the comment is
    on the timeline and everyone notified receives it with who, organisation, channel and time.
    """,
    valuedOptions: ["config", "by", "as", "note"],
    run: { args in
        try args.allowOnly(["config", "by", "as", "note"])
        let id = try incidentArgument(args, "watchpost comment ID --by NAME --note TEXT")
        guard let note = args.value("note"), !note.trimmingWhitespace().isEmpty else { throw WatchpostError(.usage, "the comment is empty: --note TEXT") }
        let (config, store) = try openStore(args, createIfMissing: false)
        let service = IncidentService(store: store)
        guard let inc = try await service.incident(id) else { throw WatchpostError(.notFound, "no incident #\(id)") }
        let who = try await actingParty(args, config: config, store: store, action: .comment, category: inc.category, what: "comment on incident #\(id)")
        try await service.comment(incidentID: id, by: who.name, organisation: who.organisation, via: "cli", text: note, at: SystemClock().now())
        out("comment added to #\(id)")
        return 0
    })

let respondCommand = Command(
    name: "respond", summary: "run a restoring action for a check (e.g. led-restore), recorded on the timeline",
    help: """
    Usage: watchpost respond ACTION --check SITE/CHECK (--by NAME | --as USER) [--note TEXT]
                             [--brightness PERCENT] [--config DIR]

    ACTION: led-restore (switch the screen back on after a blackout), led-blackout,
    led-brightness (with --brightness). The operating unit and technicians may run it. The check
    is put in maintenance for a few intervals while the action runs, so that its probe accepts the
    new state (it is never reported as an un-commanded change); the action, who ran it and why go
    on the open incident's timeline (or the check's).
    """,
    valuedOptions: ["config", "check", "by", "as", "note", "brightness"],
    run: { args in
        try args.allowOnly(["config", "check", "by", "as", "note", "brightness"])
        guard let action = args.positionals.first, ["led-restore", "led-blackout", "led-brightness"].contains(action) else {
            throw WatchpostError(.usage, "name the action: led-restore, led-blackout or led-brightness", hint: "watchpost respond led-restore --check SITE/CHECK --by NAME")
        }
        let (config, store) = try openStore(args, createIfMissing: false)
        guard let checkID = args.value("check"), let check = config.check(checkID), let site = config.site(check.site) else {
            throw WatchpostError(.usage, "--check must name a configured check (SITE/CHECK)", hint: "watchpost status lists them")
        }
        let service = IncidentService(store: store)
        // The incident the action answers: the check's own, else one at the site whose responder acted.
        let openIncidents = try await service.openIncidents()
        let open = openIncidents.first { $0.key == CheckKey(site: site.id, check: check.id) }
            ?? openIncidents.first { $0.key.site == site.id && !$0.responders.isEmpty }
        let who = try await actingParty(args, config: config, store: store, action: .respond, category: open?.category ?? .technical,
                                        what: "run \(action) at \(site.id)")
        let clock = SystemClock()
        let now = clock.now()
        let note = args.value("note")
        // A short window on the check: the probe adopts the restored state as its baseline.
        let window = max(check.interval * 3, .minutes(2))
        let w = try await service.startMaintenance(site: site.id, checks: [check.id], from: now, until: now + window,
                                                   reason: "\(action) by \(who.name)\(note.map { ": \($0)" } ?? "")", by: who.name)
        var entries = [ConfigEntry(key: "check", value: check.id, line: 0)]
        if let b = args.value("brightness") { entries.append(ConfigEntry(key: "brightness", value: b, line: 0)) }
        let section = ConfigSection(type: "responder", name: "cli", file: "(command line)", line: 0, entries: entries)
        let logger = Logger(sink: StandardErrorSink(), clock: clock, minimumLevel: .warning)
        let performer = try ResponderCatalog.make(kind: action, section: section, environment: ProbeEnvironment(configuration: config, site: site, logger: logger))
        var succeeded = true
        var outcome: String
        do { outcome = try await performer.perform(deadline: now + .seconds(30), clock: clock) } catch {
            succeeded = false
            outcome = String(describing: error)
        }
        try await store.recordResponse(site: site.id, checkID: check.id, incidentID: open?.id, action: action, by: who.name, via: "cli", note: note,
                                       succeeded: succeeded, outcome: outcome, at: clock.now())
        if !succeeded { _ = try? await service.stopMaintenance(id: w.id, by: who.name, at: clock.now()) }
        out("\(action) \(succeeded ? "done" : "FAILED"): \(outcome)")
        return succeeded ? 0 : 1
    })

let routesCommand = Command(
    name: "routes", summary: "print the routing table: who is informed, who must acknowledge, what each timeout does",
    help: """
    Usage: watchpost routes [--site ID] [--config DIR]

    For each category × severity × inside/outside operating hours (and each finding rule), prints
    who is informed at once, who must acknowledge at each level, what happens at each timeout,
    who may acknowledge, and the article each rule follows — like `amtool config routes`.
    """,
    valuedOptions: ["config", "site"],
    run: { args in
        try args.allowOnly(["config", "site"])
        let (config, diagnostics) = ConfigurationLoader.validate(root: configRoot(args))
        if !diagnostics.isEmpty { err("note: the configuration has \(diagnostics.count) error(s); see watchpost check") }
        let sites = config.sites.filter { args.value("site") == nil || $0.id == args.value("site") }
        guard !sites.isEmpty else { throw WatchpostError(.notFound, "no site '\(args.value("site") ?? "")'", hint: config.sites.map(\.id).joined(separator: ", ")) }
        for site in sites {
            guard let policy = config.escalationPolicy(site: site.id) else { continue }
            out(RoutesText.render(site: site, policy: policy))
        }
        return 0
    })

/// The text of `watchpost routes` (also pasted in the README).
enum RoutesText {
    static func names(_ recipients: [NotificationRecipient]) -> String {
        var out: [String] = []
        for r in recipients {
            let n = r.organisation ?? r.displayName
            if !out.contains(n) { out.append(n) }
        }
        return out.isEmpty ? "(không ai / nobody)" : out.joined(separator: "; ")
    }

    static func duration(_ s: Seconds) -> String {
        let m = s.milliseconds / 60_000
        return m % 60 == 0 ? "\(m / 60)h" : "\(m)m"
    }

    static func render(site: SiteProfile, policy: EscalationPolicy) -> String {
        // A site without off-hours (Vũng Áng runs 24/24 h) has no "outside hours" cells.
        let alwaysOn = site.schedule.nextChange(after: Instant(seconds: 1_767_225_600)) == nil
        var lines = ["\(site.id) — \(site.name)", "  chuỗi / chain: \(policy.name) (\(site.chain)); quy định / regulation: \(site.id == "vung-ang" ? "2432/QĐ-UBND" : site.id == "tay-trang" ? "32/2018/QĐ-UBND" : "—")"]
        if alwaysOn { lines.append("  vận hành 24/24 h: không có ngoài giờ / runs 24/24 h: no out-of-hours cells") }
        for route in policy.table() where !(alwaysOn && !route.inHours) {
            let cell = "\(route.category.rawValue).\(route.severity.description.lowercased())"
                + (route.findings.isEmpty ? "" : " [finding \(route.findings.joined(separator: ","))]")
                + (alwaysOn ? "" : route.inHours ? " — trong giờ / in hours" : " — ngoài giờ / out of hours")
            lines.append("")
            lines.append("  \(cell)")
            for g in route.informed {
                let source = policy.informs.first { $0.name == g.name }?.source ?? policy.findingRules.first { "finding \($0.code)" == g.name }?.source ?? ""
                lines.append("    thông báo ngay / informed at once: \(names(g.recipients))  [\(g.name)\(source.isEmpty ? "" : ": \(source)")]")
            }
            if route.heldUntilOperatingHours {
                lines.append("    kỹ thuật viên ngay / technicians at once: \(names(route.technicians))")
                lines.append("    giữ đến giờ hoạt động / held: the chain below hears at the start of the next operating window if still open")
            } else if route.techniciansOnly {
                lines.append("    chỉ kỹ thuật viên / technicians only: \(names(route.technicians)); không leo thang / no escalation")
                continue
            }
            for (n, step) in route.steps.enumerated() {
                let how: String
                if step.byDecision { how = "chỉ khi Sở quyết định / only by a Department decision (watchpost escalate ID --to committee)" }
                else if n == 0 { how = "phải xác nhận / must acknowledge" }
                else if let t = step.afterTimeout { how = "sau \(duration(t)) chưa xác nhận / after \(duration(t)) without acknowledgement" }
                else { how = "—" }
                lines.append("    cấp / level \(step.level): \(names(step.recipients))  — \(how)\(step.source.isEmpty ? "" : "  [\(step.source)]")")
                if step.byDecision { continue }
                let next = n + 1 < route.steps.count ? route.steps[n + 1] : nil
                if let next, !next.byDecision, next.afterTimeout == nil {
                    lines.append("      (không có hẹn giờ tới cấp \(next.level) / no timer to level \(next.level))")
                }
                if next == nil || next?.byDecision == true {
                    lines.append("      hết cấp tự động\(step.reminder.map { "; nhắc lại mỗi \(duration($0))" } ?? "") / last automatic level\(step.reminder.map { "; reminder every \(duration($0))" } ?? "; no reminder")")
                }
            }
            lines.append("    được xác nhận / may acknowledge: \(route.acknowledgedBy.map(\.rawValue).joined(separator: ", "))\(route.ackTimeout.map { "; hết hiệu lực sau / expires after \(duration($0))" } ?? "")")
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
            out.append("\(site.folder.split(separator: "/").suffix(2).joined(separator: "/"))/schedule.conf: holidays: the list ends on \(last) (\(days < 0 ? "already past" : "in \(days) day(s)")): add next year's public holidays and days off when the Government announces them")
        }
    }
    for o in config.contacts.organisations.values.sorted(by: { $0.id < $1.id }) where (o.source ?? "").isEmpty {
        out.append("alerts/contacts.conf: organisation \(o.id): no source = naming the article of the decision that gives it its duty")
    }
    return out
}

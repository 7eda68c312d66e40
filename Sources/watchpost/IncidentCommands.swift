// CLI for incidents: `incidents`, `ack`, `resolve`, `maintenance start|stop|list`, `audit verify`,
// and the open-incident lines of `watchpost status`. Every change goes through IncidentService,
// so the running daemon picks it up (it watches the database revision).
import WatchpostCommandLine
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import Posix
import WatchpostHost

let incidentCommands: [Command] = [incidentsCommand, ackCommand, resolveCommand, maintenanceStartCommand, maintenanceStopCommand,
                                   maintenanceListCommand, auditVerifyCommand]


/// Who runs the command: --by, else the login the shell names. Nil when nothing names anyone (a
/// service or a bare container): a record then says "unnamed command-line user" in words rather
/// than the channel's id "cli" (issue 15 review s6, point 4).
func whoAmI(_ args: Arguments) -> String? {
    (args.value("by") ?? CurrentProcess.environment("SUDO_USER") ?? CurrentProcess.environment("USER")).map(FreeText.clean)
}

/// `whoAmI`, or the catalogue's words for nobody named, for records that need a name.
func whoAmIOrUnnamed(_ args: Arguments) -> String {
    whoAmI(args) ?? MessageRenderer(language: .vi).render("cli.who.unnamed")
}

/// One incident in Vietnamese, times in the site's zone (issue 15); --json keeps the machine form.
func describe(_ i: Incident) -> String {
    let vi = MessageRenderer(language: .vi, zone: i.zone)
    var p: [String: MessageValue] = ["id": .int(i.id), "key": .text(i.key.description), "category": .text(i.category.vietnamese),
                                     "status": .message(i.severity.message), "state": .message(Message(MessageKey("cli.state." + i.state.rawValue))),
                                     "since": .tableTime(i.since), "summary": .message(i.summaryText), "level": "", "next": "", "ack": ""]
    if i.level > 0 { p["level"] = .message(Message("cli.incident.level", ["level": .int(Int64(i.level))])) }
    else if !i.notified.isEmpty { p["level"] = .message(Message("cli.incident.technicians")) }
    if let d = i.deadline { p["next"] = .message(Message("cli.incident.next", ["at": .tableTime(d.at)])) }
    if let a = i.acknowledgement, i.state == .acknowledged {
        // Who, for which organisation, by which channel in words (issue 14 point 6: the line
        // named the person only, and the channel by its id "(cli)").
        let by = a.organisation.map { $0.isEmpty || $0 == a.by ? a.by : "\(a.by) (\($0))" } ?? a.by
        p["ack"] = .message(Message("cli.incident.acked", ["by": .text(ConsoleText.escaped(by, oneLine: true)), "via": .message(ActionChannel(via: a.via).message)]))
    }
    var s = vi.render("cli.incident.line", p)
    // Why notices wait and which checks share the incident, in words (the line ended with raw
    // ids "[outside-hours]" "[led-controller]"; #15 review s6). Check ids stay: they are what
    // the technician types next (`watchpost probe`, checks.conf).
    if let h = i.hold { s += vi.render(MessageKey("cli.incident.hold." + h.rawValue)) }
    if !i.folded.isEmpty { s += vi.render("cli.incident.folded", ["checks": .text(i.folded.joined(separator: ", "))]) }
    return s
}

/// A maintenance window as one line, in Vietnamese and the site's zone.
func describeMaintenance(id: String, _ w: MaintenanceWindow, zone: ZoneOffset, now: Instant, by: String? = nil, stopped: Instant? = nil) -> String {
    let vi = MessageRenderer(language: .vi, zone: zone)
    var p: [String: MessageValue] = [
        "id": .text(id), "site": w.site.map { .text($0) } ?? .message(Message("cli.maintenance.all_sites")),
        "start": .tableTime(w.start), "end": .tableTime(w.end), "active": w.isActive(at: now) ? .message(Message("cli.maintenance.active")) : "",
        "checks": .text((w.checks.isEmpty ? vi.render("cli.maintenance.all_checks") : w.checks.joined(separator: ",")) + (w.includesSecurity ? vi.render("cli.maintenance.security") : "")),
        "reason": .text(w.reason),
    ]
    var line = vi.render("cli.maintenance.line", p)
    if let by {
        p = ["by": .text(by), "stopped": stopped.map { .message(Message("cli.maintenance.stopped", ["at": .tableTime($0)])) } ?? ""]
        line += vi.render("cli.maintenance.by", p)
    }
    return line
}

/// `watchpost status`: the open incidents after the check states.
func incidentStatusLines(store: Store, config: WatchpostConfiguration) async -> [String] {
    guard let open = try? await store.openIncidents() else { return [] }
    let vi = MessageRenderer(language: .vi)
    var lines = ["", vi.render("cli.incidents.open")]
    if open.isEmpty { lines.append(vi.render("cli.incidents.none")) }
    lines += open.map(describe)
    let now = SystemClock().now()
    if let active = try? await store.maintenanceWindows(activeAt: now), !active.isEmpty {
        lines += ["", vi.render("cli.maintenance.title")] + active.map {
            describeMaintenance(id: "adhoc:\($0.id)", $0.window, zone: config.site($0.window.site ?? "")?.zone ?? config.sites.first?.zone ?? .hoChiMinh, now: now)
        }
    }
    return lines
}

let incidentsCommand = Command(
    name: "incidents", summary: "list incidents, or show one with its timeline",
    help: """
    Usage: watchpost incidents [ID] [--all] [--config DIR] [--json]

    Without ID: the open incidents (with --all, every incident of the last 30 days).
    With ID: the incident, its acknowledgements and its timeline.
    """,
    valuedOptions: ["config"],
    run: { args in
        try args.allowOnly(["config", "all", "json"])
        let (_, store) = try openStore(args, createIfMissing: false)
        let service = IncidentService(store: store)
        if let idText = args.positionals.first {
            guard let id = Int64(idText.trimmingPrefix("#")), let inc = try await service.incident(id) else {
                throw WatchpostError(.notFound, Message("cli.incident.not_found", ["id": .text(idText)]), hint: Message("cli.incident.not_found_hint"))
            }
            out(describe(inc))
            for e in try await service.timeline(incidentID: id) {
                // One line per event: a line break inside a note is shown as \n, never a new line
                // that reads as another event.
                let actor = ConsoleText.escaped(Catalogue.render(TimelineEvent.actorMessage(e.event.actor), .vi, zone: inc.zone), oneLine: true)
                let text = ConsoleText.escaped(e.event.message.map { Catalogue.render($0, .vi, zone: inc.zone) } ?? e.event.text, oneLine: true)
                out("  \(HumanFormat.tableTime(e.event.at, zone: inc.zone))  \(actor.padded(10)) \(text)")
            }
            return 0
        }
        let now = SystemClock().now()
        let list = args.has("all") ? try await service.incidents(from: now - .hours(24 * 30), to: now + .seconds(1)) : try await service.openIncidents()
        if args.has("json") {
            out(try JSONCoding.string(list, options: [.pretty]))
            return 0
        }
        if list.isEmpty { out(MessageRenderer(language: .vi).render("cli.incidents.none")) }
        for i in list { out(describe(i)) }
        return 0
    })

let ackCommand = Command(
    name: "ack", summary: "acknowledge an incident (stops escalation; everyone notified is told)",
    help: """
    Usage: watchpost ack ID [--as USER | --by NAME] [--org ORGANISATION] [--note TEXT] [--config DIR]

    Acknowledges incident ID as NAME via the command line. NAME is a person or organisation of
    alerts/contacts.conf (id, name or address) or a web account's login; --as USER acts as that web
    account. The organisation named with the person: --org, else the account's or contact's. Either way the
    one acknowledgement policy decides (as on the web, by link and by reply): the operating unit
    and the Department acknowledge everything, security forces security incidents, technicians
    technical ones; the Provincial People's Committee cannot. Escalation stops; everyone notified
    gets a message saying who (and their organisation) acknowledged, when, how and the note.
    """,
    valuedOptions: ["config", "note", "by", "as", "org"],
    run: { args in
        try args.allowOnly(["config", "note", "by", "as", "org"])
        guard let idText = args.positionals.first, let id = Int64(idText.trimmingPrefix("#")) else {
            throw WatchpostError(.usage, "name the incident: watchpost ack ID", hint: "watchpost incidents lists them")
        }
        let (config, store) = try openStore(args, createIfMissing: false)
        guard let current = try await IncidentService(store: store).incident(id) else { throw WatchpostError(.notFound, Message("cli.incident.not_found", ["id": .text("\(id)")]), hint: Message("cli.incident.not_found_hint")) }
        let who = try await actingParty(args, config: config, store: store, action: .acknowledge, category: current.category, what: "acknowledge incident #\(id)")
        let journal = CommandJournal(command: "ack")
        let inc = try await IncidentService(store: store, logger: journal.logger)
            .acknowledge(incidentID: id, by: who.name, via: "cli", note: args.value("note").map(FreeText.clean),
                         from: "host:\(CurrentProcess.environment("HOSTNAME") ?? "local")", at: SystemClock().now(), organisation: who.organisation)
        await journal.hand(to: store)
        out(MessageRenderer(language: .vi).render("cli.ack.done", ["incident": .text(describe(inc))]))
        return 0
    })

let resolveCommand = Command(
    name: "resolve", summary: "resolve an incident by hand (everyone notified is told)",
    help: """
    Usage: watchpost resolve ID [--as USER | --by NAME] [--org ORGANISATION] [--note TEXT] [--config DIR]

    NAME is a person or organisation of alerts/contacts.conf; --as USER acts as that web account.
    The one acknowledgement policy decides, as on the web, by link and by reply.

    If the check is still failing, the incident reopens after fail_after further failing results.
    """,
    valuedOptions: ["config", "note", "by", "as", "org"],
    run: { args in
        try args.allowOnly(["config", "note", "by", "as", "org"])
        guard let idText = args.positionals.first, let id = Int64(idText.trimmingPrefix("#")) else {
            throw WatchpostError(.usage, "name the incident: watchpost resolve ID")
        }
        let (config, store) = try openStore(args, createIfMissing: false)
        guard let current = try await IncidentService(store: store).incident(id) else { throw WatchpostError(.notFound, Message("cli.incident.not_found", ["id": .text("\(id)")]), hint: Message("cli.incident.not_found_hint")) }
        let who = try await actingParty(args, config: config, store: store, action: .resolve, category: current.category, what: "resolve incident #\(id)")
        let journal = CommandJournal(command: "resolve")
        let inc = try await IncidentService(store: store, logger: journal.logger)
            .resolve(incidentID: id, by: who.name, via: "cli", note: args.value("note").map(FreeText.clean), at: SystemClock().now(), organisation: who.organisation)
        await journal.hand(to: store)
        out(MessageRenderer(language: .vi).render("cli.resolve.done", ["incident": .text(describe(inc))]))
        return 0
    })

let maintenanceStartCommand = Command(
    name: "maintenance start", summary: "start an ad-hoc maintenance window (technical incidents are recorded, not escalated)",
    help: """
    Usage: watchpost maintenance start --for DURATION --reason TEXT [--site ID] [--checks A,B] [--security] [--by NAME] [--config DIR]
           watchpost maintenance start --until YYYY-MM-DDTHH:MM --reason TEXT …

    From now until the end, incidents of the covered checks (default: every check of the site;
    --site defaults to the only site, or every site) are recorded but nobody is notified and
    nothing escalates. Security incidents still escalate unless --security is given. A problem
    still present when the window ends is notified then.
    """,
    valuedOptions: ["config", "for", "until", "reason", "site", "checks", "by"],
    run: { args in
        try args.allowOnly(["config", "for", "until", "reason", "site", "checks", "security", "by"])
        let (config, store) = try openStore(args, createIfMissing: false)
        guard let reason = args.value("reason").map(FreeText.clean), !reason.trimmingWhitespace().isEmpty else {
            throw WatchpostError(.usage, "say why: --reason \"replacing the UPS battery\"")
        }
        let now = SystemClock().now()
        let site = args.value("site") ?? (config.sites.count == 1 ? config.sites[0].id : nil)
        if let site, config.site(site) == nil {
            throw WatchpostError(.notFound, "no site '\(site)'", hint: "sites: \(config.sites.map(\.id).joined(separator: ", "))")
        }
        let checks = args.value("checks").map(splitList) ?? []
        for c in checks where site.flatMap({ config.site($0)?.check(c) }) == nil && config.check(c) == nil {
            throw WatchpostError(.notFound, "no check '\(c)'\(site.map { " at \($0)" } ?? "")")
        }
        let end: Instant
        if let f = args.value("for") {
            guard let d = Seconds(parsing: f), d > .zero else { throw WatchpostError(.usage, "--for \(f) is not a duration (write e.g. 30m, 2h)") }
            end = now + d
        } else if let u = args.value("until") {
            let offset = site.flatMap { config.site($0)?.zone.offsetSeconds } ?? ZoneOffset.hoChiMinh.offsetSeconds
            guard let t = Instant.parse(u, defaultOffset: offset), t > now else { throw WatchpostError(.usage, "--until \(u) is not a future date and time (YYYY-MM-DDTHH:MM)") }
            end = t
        } else {
            throw WatchpostError(.usage, "say how long: --for 2h, or --until 2026-11-24T18:00")
        }
        let w = try await IncidentService(store: store).startMaintenance(site: site, checks: checks, from: now, until: end, reason: reason,
                                                                         includesSecurity: args.has("security"), by: whoAmIOrUnnamed(args))
        let zone = site.flatMap { config.site($0)?.zone } ?? config.sites.first?.zone ?? .hoChiMinh
        out(MessageRenderer(language: .vi).render("cli.maintenance.started") + " " + describeMaintenance(id: "adhoc:\(w.id)", w.window, zone: zone, now: now))
        return 0
    })

let maintenanceStopCommand = Command(
    name: "maintenance stop", summary: "end an ad-hoc maintenance window now",
    help: """
    Usage: watchpost maintenance stop ID [--by NAME] [--config DIR]

    Problems still present are notified at once.
    """,
    valuedOptions: ["config", "by"],
    run: { args in
        try args.allowOnly(["config", "by"])
        guard let idText = args.positionals.first, let id = Int64(idText.trimmingPrefix("adhoc:")) else {
            throw WatchpostError(.usage, "name the window: watchpost maintenance stop ID", hint: "watchpost maintenance list")
        }
        let (_, store) = try openStore(args, createIfMissing: false)
        let w = try await IncidentService(store: store).stopMaintenance(id: id, by: whoAmIOrUnnamed(args), at: SystemClock().now())
        out(MessageRenderer(language: .vi).render("cli.maintenance.stopped_now", ["id": .text("adhoc:\(w.id)"), "reason": .text(w.window.reason)]))
        return 0
    })

let maintenanceListCommand = Command(
    name: "maintenance list", summary: "list maintenance windows (profile and ad hoc), current and future",
    help: "Usage: watchpost maintenance list [--all] [--config DIR]",
    valuedOptions: ["config"],
    run: { args in
        try args.allowOnly(["config", "all"])
        let (config, store) = try openStore(args, createIfMissing: false)
        let now = SystemClock().now()
        var lines: [String] = []
        for site in EngineSettings(configuration: config).sites {
            for w in site.maintenance where args.has("all") || w.end > now {
                lines.append(describeMaintenance(id: w.id, w, zone: site.zone, now: now))
            }
        }
        for s in try await IncidentService(store: store).maintenanceWindows() where args.has("all") || s.window.end > now {
            let w = s.window
            let zone = config.site(w.site ?? "")?.zone ?? config.sites.first?.zone ?? .hoChiMinh
            lines.append(describeMaintenance(id: "adhoc:\(s.id)", w, zone: zone, now: now, by: w.createdBy, stopped: s.stoppedAt))
        }
        out(lines.isEmpty ? MessageRenderer(language: .vi).render("cli.maintenance.none") : lines.joined(separator: "\n"))
        return 0
    })

let auditVerifyCommand = Command(
    name: "audit verify", summary: "verify the hash chain of the incident timeline",
    help: """
    Usage: watchpost audit verify [--config DIR] [--anchor HASH@SEQ]

    Recomputes the SHA-256 chain of every timeline entry. Prints 'ok' and exits 0, or names the
    first entry that was edited, inserted or deleted and exits 1. With --anchor (the "Timeline
    anchor" line of any notice or report Watchpost sent), also proves that the chain still holds
    that entry unchanged: a history rewritten and re-hashed on the box fails here.
    """,
    valuedOptions: ["config", "anchor"],
    run: { args in
        try args.allowOnly(["config", "anchor"])
        var anchor: TimelineAnchor?
        if let text = args.value("anchor") {
            guard let a = TimelineAnchor(parsing: text) else {
                throw WatchpostError(.usage, Message("audit.verify.bad_anchor", ["anchor": .text(text)]), hint: Message("audit.verify.bad_anchor_hint"))
            }
            anchor = a
        }
        let (config, _) = ConfigurationLoader.validate(root: configRoot(args))
        guard FileSystem.exists(config.daemon.database) else {
            throw WatchpostError(.notFound, Message("audit.verify.no_database", ["path": .text(config.daemon.database)]))
        }
        let store = try Store(path: config.daemon.database, clock: SystemClock(), readOnly: true)
        let v = try await store.verifyTimeline(anchor: anchor)
        // Vietnamese first, then English, one line each (scripts match either).
        let verdict: Message
        if let p = v.problem {
            verdict = Message("audit.verify.tampered", ["problem": .message(p)])
        } else if let anchor {
            verdict = Message("audit.verify.ok_anchor", ["entries": .int(Int64(v.entries)), "anchor": .text(anchor.description)])
        } else {
            verdict = Message("audit.verify.ok", ["entries": .int(Int64(v.entries))])
        }
        out(Catalogue.render(verdict, .vi))
        out(Catalogue.render(verdict, .en))
        if v.problem != nil { return 1 }
        return 0
    })

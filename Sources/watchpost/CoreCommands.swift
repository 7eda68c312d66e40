import WatchpostCommandLine
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostProbes
import WatchpostDaemon
import WatchpostWeb
import Posix
import WatchpostHost
import WatchpostMail

let runCommand = Command(
    name: "run", summary: "run the monitor daemon (foreground; systemd Type=notify)",
    help: """
    Usage: watchpost run [--config DIR]

    Runs every enabled check of every site on its schedule, records results and incidents in the
    database, and sends notifications. Logs go to standard error, one line per event.
    Signals: SIGTERM/SIGINT stop within 2 s; SIGHUP reloads the configuration (an invalid new
    configuration is refused and the running one kept). Under systemd it reports readiness and
    pings the watchdog through NOTIFY_SOCKET.
    """,
    valuedOptions: ["config"],
    run: { args in
        try args.allowOnly(["config"])
        let clock = SystemClock()
        let logger = Logger(sink: StandardErrorSink(), clock: clock)
        return await DaemonRunner(configRoot: configRoot(args), clock: clock, logger: logger,
                                  pipelineFactory: productPipeline, serviceFactories: productServices).run()
    })

let checkCommand = Command(
    name: "check", summary: "validate the configuration and print every error",
    help: """
    Usage: watchpost check [--config DIR] [--quiet]

    Reads watchpost.conf, probes/<site>/ and alerts/ and prints every problem as
    file:line: key: message. Exits 0 when the configuration is valid, 1 otherwise.
    """,
    valuedOptions: ["config"],
    run: { args in
        try args.allowOnly(["config", "quiet"])
        let root = configRoot(args)
        let (config, diagnostics) = ConfigurationLoader.validate(root: root)
        // Names that point elsewhere (plugins, keys, certificates, responders' checks and codes)
        // are checked once the files themselves parsed.
        let daemonFiles = CrossReferences.daemonFiles(config, environment: { CurrentProcess.environment($0) })
        // The web server's TLS pair is loaded as the daemon will load it (a renewed certificate
        // whose key does not match fails here, not at the next start).
        var problems = (diagnostics + CrossReferences.diagnostics(config) + WebSettings.tlsDiagnostics(config) + daemonFiles.errors).map(\.description)
        for w in daemonFiles.warnings { out("warning: \(Catalogue.bilingual(w))") }
        // Secrets are checked too (mode 0600), without printing any of them.
        do {
            let secrets = try Secrets.load(file: config.daemon.secretsFile)
            // A console's box without its token: the daemon would refuse to start (RemoteBoxService).
            for b in config.remotes where secrets.revealRemoteToken(b.id) == nil {
                problems.append("\(config.daemon.secretsFile ?? "secrets"):0: remote.\(b.id).token: "
                                + Catalogue.bilingual(Message("fleet.start.no_token", ["box": .text(b.id)])) + " ("
                                + Catalogue.render(Message("fleet.start.no_token_hint", ["box": .text(b.id), "url": .text(b.url)]), .vi) + ")")
            }
            // What the mail service refuses when the daemon builds it (an [smtp] username
            // without its password): the daemon would not start from this configuration.
            problems += MailSettings.startDiagnostics(config, secrets: secrets).map(\.description)
        } catch { problems.append("\(config.daemon.secretsFile ?? "secrets"):0: secrets: \(String(describing: error))") }
        for w in configurationWarnings(config, now: SystemClock().now()) { out("warning: \(w)") }
        if problems.isEmpty {
            if !args.has("quiet") {
                let checks = config.allChecks.count
                out("ok: \(config.sites.count) site(s) (\(config.sites.map(\.id).joined(separator: ", "))), \(checks) check(s), \(config.contacts.organisations.count) organisation(s), \(config.chains.count) chain(s), \(config.templates.count) template(s)")
            }
            return 0
        }
        for p in problems { out(p) }
        err(MessageRenderer(language: .vi).render("cli.check.errors", ["count": .count(problems.count), "root": .text(root)]))
        return 1
    })

let statusCommand = Command(
    name: "status", summary: "show the state of every check and the open incidents",
    help: """
    Usage: watchpost status [--config DIR] [--json]

    Reads the database (while the daemon runs, too) and prints each check's state, since when,
    and its last result, problems first.
    """,
    valuedOptions: ["config"],
    run: { args in
        try args.allowOnly(["config", "json"])
        let (config, _) = ConfigurationLoader.validate(root: configRoot(args))
        guard FileSystem.exists(config.daemon.database) else {
            throw WatchpostError(.notFound, "no database at \(config.daemon.database)", hint: "start the daemon first: watchpost run")
        }
        let store = try Store(path: config.daemon.database, clock: SystemClock(), readOnly: true)
        let states = try await store.checkStates()
        if args.has("json") {
            out(try JSONCoding.string(states, options: [.pretty]))
            return 0
        }
        out(renderStatus(states: states, config: config, extra: await statusExtras(store: store, config: config)))
        return 0
    })

func renderStatus(states: [StoredCheckState], config: WatchpostConfiguration, extra: [String]) -> String {
    let zone = config.sites.first?.zone ?? .hoChiMinh
    // Vietnamese, times in the site's zone (issue 15); --json keeps the machine form.
    let vi = MessageRenderer(language: .vi, zone: zone)
    var lines = [vi.render("cli.status.header")]
    let sorted = states.sorted { ($0.status.severityRank, $1.site, $1.checkID) > ($1.status.severityRank, $0.site, $0.checkID) }
    for s in sorted {
        let key = "\(s.site)/\(s.checkID)"
        let state = s.hard ? s.status.vietnamese : vi.render("cli.status.soft", ["status": .text(s.status.vietnamese)])
        let summary = s.result.map { vi($0.text) } ?? s.summary
        lines.append("\(key.padded(35)) \(state.padded(15)) \(HumanFormat.tableTime(s.since, zone: zone).padded(17)) \(summary)")
    }
    if states.isEmpty { lines.append(vi.render("cli.status.none")) }
    return (lines + extra).joined(separator: "\n")
}

extension String {
    func padded(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}

let probeCommand = Command(
    name: "probe", summary: "run one check once and print its result (technician's diagnostic)",
    help: """
    Usage: watchpost probe <check-id | site/check-id> [--config DIR] [--json]

    Runs the configured check once, now, and prints its status, summary, measurements and facts.
    Exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (as a Nagios plugin).
    """ + adHocProbeHelp(),
    valuedOptions: Set(["config"]).union(adHocProbeOptions()),
    run: { args in
        if let sub = args.positionals.first, let adHoc = adHocProbes()[sub] { return try await adHoc(args) }
        try args.allowOnly(["config", "json"])
        guard let id = args.positionals.first else { throw WatchpostError(.usage, "name a check: watchpost probe <check-id>") }
        let config: WatchpostConfiguration
        do { config = try ConfigurationLoader.load(root: configRoot(args)) } catch {
            throw WatchpostError(.configuration, "the configuration has errors:\n" + String(describing: error), hint: "run watchpost check")
        }
        guard let check = config.check(id), let site = config.site(check.site) else {
            let all = config.allChecks.map { "\($0.site)/\($0.id)" }
            throw WatchpostError(.notFound, "no check '\(id)'", hint: "known checks: \(all.joined(separator: ", "))")
        }
        let clock = SystemClock()
        let logger = Logger(sink: StandardErrorSink(), clock: clock, minimumLevel: .warning)
        let probe = try ProbeCatalog.make(check, environment: ProbeEnvironment(configuration: config, site: site, logger: logger, clock: clock, devices: DeviceConnections()))
        let now = clock.now()
        let result = await runProbe(probe, context: ProbeContext(clock: clock, deadline: probe.deadline(startingAt: now, timeout: check.timeout), scheduledOn: site.schedule.isOn(at: now)),
                                    label: "\(site.id)/\(check.id)")
        await probe.shutdown()
        printResult(result, json: args.has("json"), zone: site.zone)
        return Int32(result.status.rawValue)
    })

let dbCheckCommand = Command(
    name: "db check", summary: "check the database: SQLite integrity and Watchpost's own invariants",
    help: """
    Usage: watchpost db check [--config DIR]

    Runs PRAGMA integrity_check and the application's invariants (states, runs, incidents,
    timeline hash chain, outbox). Prints 'ok' and exits 0, or lists each problem and exits 1.
    """,
    valuedOptions: ["config"],
    run: { args in
        try args.allowOnly(["config"])
        let (config, _) = ConfigurationLoader.validate(root: configRoot(args))
        guard FileSystem.exists(config.daemon.database) else { throw WatchpostError(.notFound, "no database at \(config.daemon.database)") }
        let store = try Store(path: config.daemon.database, clock: SystemClock(), readOnly: true)
        let problems = try await store.verify()
        if problems.isEmpty { out("ok: \(config.daemon.database) (schema \(await store.schemaVersion))"); return 0 }
        for p in problems { out(p) }
        return 1
    })

/// Opens the configured database for a command that writes (ack, maintenance, users…).
/// `createIfMissing` lets set-up commands such as `user add` run before the daemon's first start;
/// the others refuse, since a missing database then means a wrong --config.
func openStore(_ args: Arguments, createIfMissing: Bool) throws -> (WatchpostConfiguration, Store) {
    let (config, _) = ConfigurationLoader.validate(root: configRoot(args))
    guard createIfMissing || FileSystem.exists(config.daemon.database) else {
        throw WatchpostError(.notFound, "no database at \(config.daemon.database)", hint: "start the daemon first: watchpost run")
    }
    return (config, try Store(path: config.daemon.database, clock: SystemClock()))
}

let versionCommand = Command(
    name: "version", summary: "print the version and the C libraries in use",
    help: "Usage: watchpost version", valuedOptions: [],
    run: { _ in
        out("watchpost \(watchpostVersion)")
        out("  schema \(Migrations.latestVersion)")
        for library in linkedCLibraries() { out("  \(library.name) \(library.version)") }
        return 0
    })

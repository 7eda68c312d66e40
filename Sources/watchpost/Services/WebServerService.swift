// Wires the embedded web server into the daemon: reads `[web]`, the link key from the secrets,
// opens a second read-only connection for page reads (so page views never queue behind the
// writer's fsync), starts the HTTP(S) listener at start-up (a port in use stops the daemon with
// a clear error) and stops it on shutdown. A reload (or an operating-plan change) that leaves
// the listener's settings as they were keeps the listener, its sockets and its connections and
// swaps only the application behind it: web users see no refusal and no 503.
import WatchpostCommandLine
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostDaemon
import WatchpostWeb
import WatchpostAuth
import HTTPServer
import Posix
import Synchronization

/// The incident engine as the web sees it: writes through the daemon's store, reads through the
/// web's read-only connection.
func incidentDesk(_ ctx: DaemonContext, reader: Store) -> any IncidentDesk {
    EngineDesk(store: ctx.store, reader: reader, clock: ctx.clock, logger: ctx.logger.with("service", "web"), decisionLevel: decisionLevels(ctx.configuration),
               restoring: ManualResponse(configuration: ctx.configuration, store: ctx.store, clock: ctx.clock, logger: ctx.logger.with("service", "web"), devices: ctx.devices))
}

/// The Committee's level of each site's chain (reached only by a Department decision).
func decisionLevels(_ config: WatchpostConfiguration) -> @Sendable (String) -> EscalationLevel? {
    let levels = Dictionary(uniqueKeysWithValues: config.sites.map { ($0.id, config.escalationPolicy(site: $0.id)?.decisionLevel) })
    return { site in levels[site] ?? nil }
}

/// The listener kept from one configuration to the next while its settings are unchanged, with
/// the application that answers its requests (swapped at a reload).
extension WebMemory {
    static let keptName = "web.memory"
}

/// The name under which the daemon keeps its `HeavyReads` across reloads.
let keptHeavyReads = "web.heavy-reads"

final class WebFront: Sendable {
    static let keptName = "web"
    /// The application the listener's handler asks (its own object: the handler does not hold the front).
    final class AppSlot: Sendable {
        let app: Mutex<WebApp>
        init(_ app: WebApp) { self.app = Mutex(app) }
        var current: WebApp { app.withLock { $0 } }
    }
    /// Identifies the service that owns the listener now.
    final class Owner: Sendable {}
    let settings: HTTPServerSettings
    private let slot: AppSlot
    private let server = Mutex<HTTPServer?>(nil)
    /// The service that owns the listener now: only it stops the listener when it is stopped.
    private let owner = Mutex<ObjectIdentifier?>(nil)
    private let stopped = Atomic<Bool>(false)

    /// Binds the listener now (a busy port is an error for the caller).
    init(settings: HTTPServerSettings, app: WebApp) throws(WatchpostError) {
        self.settings = settings
        slot = AppSlot(app)
        try bind()
    }

    /// Without binding: the listener of a changed `[web]` on the old one's port binds in `run`,
    /// once the old listener has freed the address.
    init(unboundSettings: HTTPServerSettings, app: WebApp) {
        self.settings = unboundSettings
        slot = AppSlot(app)
    }

    var isBound: Bool { server.withLock { $0 != nil } }
    var isStopped: Bool { stopped.load(ordering: .sequentiallyConsistent) }
    var listener: HTTPServer? { server.withLock { $0 } }

    func bind() throws(WatchpostError) {
        guard !isBound else { return }
        let slot = self.slot
        let made: HTTPServer
        do {
            made = try HTTPServer(settings: settings, handler: { request in await slot.current.handle(request) })
        } catch let e {
            throw WatchpostError(.configuration, "web server: \(e.message)", hint: "check [web] listen / tls_certificate / tls_key in watchpost.conf")
        }
        server.withLock { $0 = made }
    }

    func own(_ by: Owner, app newApp: WebApp?) {
        if let newApp { slot.app.withLock { $0 = newApp } }
        owner.withLock { $0 = ObjectIdentifier(by) }
    }
    func isOwned(by: Owner) -> Bool { owner.withLock { $0 == ObjectIdentifier(by) } }

    func logListening(_ log: Logger, baseURL: String) {
        guard let server = listener else { return }
        log.notice("web server listening", [("address", "\(settings.host):\(server.port)"), ("tls", server.isTLS ? "yes" : "no"),
                                            ("base_url", baseURL)])
    }

    func stop() async {
        stopped.store(true, ordering: .sequentiallyConsistent)
        await listener?.stop()
    }
}

struct WebServerService: TakeoverService {
    let name = "web"
    let front: WebFront
    /// The application of this configuration, swapped into a kept listener by `takeOver()`.
    let app: WebApp
    let adopts: Bool
    let baseURL: String
    let id = WebFront.Owner()
    let kept: KeptParts
    let logger: Logger

    func takeOver() {
        guard adopts else { return }
        front.own(id, app: app)
        logger.notice("web server kept: same [web] settings, the new configuration answers from now on")
    }

    func run() async throws {
        if !adopts {
            // A new listener: its own, and the one later configurations may keep. Said to be
            // listening only now that its configuration runs: a listener bound by a reload that
            // was then refused (another section failed) never reaches this line.
            if !front.isBound { try front.bind() }
            front.logListening(logger, baseURL: baseURL)
            front.own(id, app: nil)
            kept.set(WebFront.keptName, front)
        }
        await waitUntilCancelled()
        // Taken over by the next configuration's service: the listener goes on serving.
        guard front.isOwned(by: id) else { return }
        // Stopped by the group (shutdown, or a reload that changed the listener): requests in
        // flight still get their answer.
        await front.stop()
        logger.notice("web server stopped")
    }
}

let webServiceFactory: ServiceFactory = { ctx throws(WatchpostError) in
    guard let settings = WebSettings.from(ctx.configuration) else { return [] }
    let log = ctx.logger.with("service", "web")
    let key = ctx.secrets.reveal(.linkKey).map(linkKeyBytes)
    if key == nil { log.warning("no web.link_key in the secrets: acknowledgement links will be refused") }
    let reader = (try? Store(path: ctx.configuration.daemon.database, clock: ctx.clock, readOnly: true)) ?? ctx.store
    // Failed logins and locks belong to the process: every configuration's application shares them.
    let memory = ctx.kept.value(WebMemory.keptName, as: WebMemory.self) ?? {
        let made = WebMemory()
        ctx.kept.set(WebMemory.keptName, made)
        return made
    }()
    // The bound on heavy reads belongs to the process too (a reload must not double it), while the database stays the same.
    let heavyReads = ctx.kept.value(keptHeavyReads, as: HeavyReads.self).flatMap { $0.path == reader.path ? $0 : nil } ?? {
        let made = HeavyReads(store: reader, clock: ctx.clock)
        ctx.kept.set(keptHeavyReads, made)
        return made
    }()
    let app = WebApp(store: ctx.store, reader: reader, desk: incidentDesk(ctx, reader: reader), configuration: ctx.configuration, settings: settings,
                     linkKey: key, clock: ctx.clock, logger: log, processMetrics: daemonProcessMetrics(ctx),
                     previousLinkKeys: ctx.previousLinkKeys.map(linkKeyBytes), remoteToken: { [secrets = ctx.secrets] in secrets.revealRemoteToken($0) }, memory: memory,
                     heavyReads: heavyReads,
                     // The listener serving now (kept across reloads; made after this application).
                     answerTimes: { [kept = ctx.kept] in kept.value(WebFront.keptName, as: WebFront.self)?.listener?.answerTimes })
    let serverSettings = try settings.serverSettings()
    let running = ctx.kept.value(WebFront.keptName, as: WebFront.self).flatMap { $0.isStopped ? nil : $0 }
    if let running, running.settings == serverSettings {
        return [WebServerService(front: running, app: app, adopts: true, baseURL: settings.baseURL, kept: ctx.kept, logger: log)]
    }
    let front: WebFront
    if let running, running.settings.port == serverSettings.port, serverSettings.port != 0 {
        // Same port, other settings (TLS, address, limits): the running listener holds the port until it stops.
        // First prove the new settings can listen — a TLS key that loads and matches its
        // certificate, an address that exists — on a port of the kernel's choosing, so that a bad
        // key refuses the reload and the running listener goes on serving (#21 review s6: the old
        // listener was stopped, the new one could never listen, and the configuration was kept as
        // last-good). The trial listener is stopped when it goes out of scope (nothing connects
        // to a port nobody was told), and the log calls it a trial, not the web server listening.
        var trial = serverSettings
        trial.port = 0
        let tried = try WebFront(settings: trial, app: app)
        log.info("web server: new [web] settings tried on a trial listener, closed again; the running listener serves until the switch",
                 [("trial_address", "\(trial.host):\(tried.listener?.port ?? 0)"), ("tls", serverSettings.tlsCertificatePEM == nil ? "no" : "yes")])
        front = WebFront(unboundSettings: serverSettings, app: app)
    } else {
        front = try WebFront(settings: serverSettings, app: app)
    }
    return [WebServerService(front: front, app: app, adopts: false, baseURL: settings.baseURL, kept: ctx.kept, logger: log)]
}

/// The daemon's own gauges for /metrics: the blocking pool, probes stuck past their deadline,
/// resident memory.
func daemonProcessMetrics(_ ctx: DaemonContext) -> @Sendable () -> [ProcessMetric] {
    let stuck = ctx.stuckProbes
    let clock = ctx.clock
    return {
        let pool = BlockingPool.process.usage
        let now = clock.now()
        var out = [
            ProcessMetric("watchpost_blocking_pool_threads", "Threads of the bounded pool for blocking C calls", Double(pool.threads)),
            ProcessMetric("watchpost_blocking_pool_busy", "Pool threads inside a call now", Double(pool.busy)),
            ProcessMetric("watchpost_blocking_pool_queued", "Calls waiting for a pool thread", Double(pool.queued)),
            ProcessMetric("watchpost_blocking_pool_stuck_threads", "Pool threads still inside a call whose caller gave up at its deadline", Double(pool.abandoned)),
        ]
        for (key, since) in stuck.snapshot.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            out.append(ProcessMetric("watchpost_probe_stuck_seconds", "How long a check's probe has been stuck past its deadline (not started again meanwhile)",
                                     labels: [("site", parts.first ?? key), ("check", parts.count > 1 ? parts[1] : "")], (now - since).double))
        }
        if let kb = CurrentProcess.residentKilobytes() {
            out.append(ProcessMetric("watchpost_resident_memory_bytes", "Resident set size of the daemon", Double(kb) * 1024))
        }
        return out
    }
}

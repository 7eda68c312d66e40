// Wires the embedded web server into the daemon: reads `[web]`, the link key from the secrets,
// opens a second read-only connection for page reads (so page views never queue behind the
// writer's fsync), starts the HTTP(S) listener at start-up (a port in use stops the daemon with
// a clear error) and stops it on shutdown.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostDaemon
import WatchpostWeb
import WatchpostAuth
import HTTPServer
import Posix

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

struct WebServerService: DaemonService {
    let name = "web"
    let server: HTTPServer
    let logger: Logger

    func run() async throws {
        await waitUntilCancelled()
        // Stopped by the group (shutdown or reload): requests in flight still get their answer.
        await server.stop()
        logger.notice("web server stopped")
    }
}

let webServiceFactory: ServiceFactory = { ctx throws(WatchpostError) in
    guard let settings = WebSettings.from(ctx.configuration) else { return [] }
    let log = ctx.logger.with("service", "web")
    let key = ctx.secrets.reveal(.linkKey).map(linkKeyBytes)
    if key == nil { log.warning("no web.link_key in the secrets: acknowledgement links will be refused") }
    let reader = (try? Store(path: ctx.configuration.daemon.database, clock: ctx.clock, readOnly: true)) ?? ctx.store
    let app = WebApp(store: ctx.store, reader: reader, desk: incidentDesk(ctx, reader: reader), configuration: ctx.configuration, settings: settings,
                     linkKey: key, clock: ctx.clock, logger: log, processMetrics: daemonProcessMetrics(ctx),
                     previousLinkKeys: ctx.previousLinkKeys.map(linkKeyBytes))
    let server: HTTPServer
    do {
        server = try HTTPServer(settings: try settings.serverSettings(), handler: { await app.handle($0) })
    } catch let e as HTTPServerError {
        throw WatchpostError(.configuration, "web server: \(e.message)", hint: "check [web] listen / tls_certificate / tls_key in watchpost.conf")
    } catch let e as WatchpostError {
        throw e
    } catch {
        throw WatchpostError(.configuration, "web server: \(error)")
    }
    log.notice("web server listening", [("address", "\(settings.host):\(server.port)"), ("tls", server.isTLS ? "yes" : "no"), ("base_url", settings.baseURL)])
    return [WebServerService(server: server, logger: log)]
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

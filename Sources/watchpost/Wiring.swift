import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostDaemon

/// The result pipeline of the product daemon. The incident engine replaces the plain store here.
let productPipeline: PipelineFactory = { ctx in
    StoreResultPipeline(store: ctx.store, sampleInterval: ctx.configuration.daemon.sampleInterval, logger: ctx.logger)
}

/// Services the product daemon runs besides the checks (outbox worker, web server, timers…).
let productServices: [ServiceFactory] = [
    { ctx in [ReportService(context: ctx)] },
    webServiceFactory,
]

/// Extra lines for `watchpost status` (open incidents, …).
func statusExtras(store: Store, config: WatchpostConfiguration) async -> [String] { [] }

/// Ad-hoc probes: `watchpost probe led --host …`, `probe ups …`, `probe net …`. Each probe module
/// adds an entry (name → handler), its options and a help paragraph.
func adHocProbes() -> [String: @Sendable (Arguments) async throws -> Int32] {
    ["ups": upsAdHocProbe, "net": netAdHocProbe]
}
func adHocProbeOptions() -> Set<String> { upsProbeOptions.union(netProbeOptions) }
func adHocProbeHelp() -> String { upsProbeHelp + netProbeHelp }

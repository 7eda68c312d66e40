// The product's registration list for the daemon's composition root
// (Sources/WatchpostDaemon/CompositionRoot/): the result pipeline and one line per module's
// service factory. The root builds them from the configuration at start and on every reload;
// the service group (Sources/WatchpostDaemon/Services/) supervises and stops them.
//
// Where each service lives:
//   Sources/WatchpostDaemon/Services/  the service group itself, check scheduler, heartbeat,
//                                      watchdog, memory trim, incident timer, reports,
//                                      operating-plan watch, feedback reminders, the
//                                      Department console's remote boxes
//   Sources/watchpost/Services/        web server, mail (outbox, scheduled mail, IMAP
//                                      replies), broadcast log — the services whose modules
//                                      the daemon module does not link
import WatchpostCommandLine
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostDaemon
import WatchpostMail

/// The result pipeline of the product daemon: results go through the incident engine (which
/// stores them too).
let productPipeline: PipelineFactory = IncidentWiring.pipeline

/// Services the product daemon runs besides the checks (outbox worker, web server, timers…).
/// An operating-plan change rebuilds only those marked `.followsThePlan`: they judge by the
/// sites' schedules with the plan laid over them (the web's board and availability, the
/// broadcast log's operating hours). The reports read the plan from the store for each report,
/// the incident timers reach the engine (which gets the plan through the pipeline); mail, IMAP
/// replies, remote boxes and feedback reminders do not use the schedule.
let productServices: [ServiceRegistration] = [
    // First: a console that refuses its configuration (a [remote ID] without its token) refuses
    // before the web server below starts listening.
    .init(.independentOfThePlan, remoteBoxServices),
    .init(.independentOfThePlan, { ctx in [ReportService(context: ctx)] }),
    .init(.followsThePlan, webServiceFactory),
    .init(.independentOfThePlan, IncidentWiring.services),
    .init(.independentOfThePlan, mailServices),
    .init(.followsThePlan, broadcastLogServices),
    .init(.independentOfThePlan, { ctx in [FeedbackReminderService(context: ctx)] }),
]

/// The Department's console (issue #17 point 4): a service only when `[remote ID]` boxes are configured.
let remoteBoxServices: ServiceFactory = { ctx throws(WatchpostError) in
    if ctx.configuration.remotes.isEmpty { return [] }
    let service = try RemoteBoxService(context: ctx)
    return [service]
}

/// Extra lines for `watchpost status` (open incidents, …).
func statusExtras(store: Store, config: WatchpostConfiguration) async -> [String] {
    await incidentStatusLines(store: store, config: config)
}

/// Ad-hoc probes: `watchpost probe led --host …`, `probe ups …`, `probe net …`. Each probe module
/// adds an entry (name → handler), its options and a help paragraph.
func adHocProbes() -> [String: @Sendable (Arguments) async throws -> Int32] {
    ["ups": upsAdHocProbe, "net": netAdHocProbe, "led": runLEDProbe]
}
func adHocProbeOptions() -> Set<String> { upsProbeOptions.union(netProbeOptions).union(ledProbeOptions) }
func adHocProbeHelp() -> String { upsProbeHelp + netProbeHelp + ledProbeHelp }

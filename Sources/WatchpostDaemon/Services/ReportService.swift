// The daemon service that queues scheduled report emails (each site's reporting calendar) into
// the outbox. What is due and how it is built live in WatchpostReports.ScheduledReports; this
// only wakes up, asks, and logs. Idempotent per period through the store's `report_sent` table.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostReports

public struct ReportService: DaemonService {
    public let name = "reports"
    let configuration: WatchpostConfiguration
    let store: Store
    let clock: any WatchpostClock
    let logger: Logger
    /// How often it looks: reports are due at a minute of a day, so a minute is precise enough.
    let interval: Seconds

    public init(context: DaemonContext, interval: Seconds = .minutes(1)) {
        configuration = context.configuration
        store = context.store
        clock = context.clock
        logger = context.logger.with("service", "reports")
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isCancelled {
            await runOnce()
            try await clock.sleep(for: interval)
        }
    }

    /// One look: queues what is due. Errors are logged and retried at the next look (nothing is
    /// recorded as sent unless its messages were queued in the same transaction).
    public func runOnce() async {
        do {
            // Each report is read and drawn on a reader of its own on the blocking pool; only its
            // short writes come to this store, the daemon's writer (#19 s11).
            let configuration = configuration
            let keys = try await ScheduledReports.runDue(at: clock.now(), configuration: configuration, store: store,
                                                         incidentSource: { reader in StoreIncidentSource(store: reader, configuration: configuration) })
            for k in keys { logger.info("report queued", [("report", k)]) }
        } catch {
            logger.error("cannot queue scheduled report", [("error", error.description)])
        }
    }
}

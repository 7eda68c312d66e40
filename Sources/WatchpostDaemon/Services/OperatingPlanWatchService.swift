// The operating-plan watcher: the operating unit changes a day's hours or records a closure
// from the web or `watchpost plan` (Tây Trang 7.2.1.b), which writes the database, not the
// configuration folder. This service notices the change (the plan's revision, polled every
// few seconds) and asks the group to apply it: the running configuration with the new plan laid
// over it goes to the checks (their loops kept), the engine and the services (the web server
// keeps its listener), so the schedule, the judging of dark screens, operating-hours routing and
// the reports follow the plan from that moment. The configuration folder is not read again.
import WatchpostCore
import WatchpostConfig
import WatchpostStore

public struct OperatingPlanWatchService: Service {
    public let name = "operating-plan"
    let store: Store
    let group: ServiceGroup
    let clock: any WatchpostClock
    /// The revision the running configuration was built from.
    let seen: String
    let logger: Logger
    let interval: Seconds

    public init(store: Store, group: ServiceGroup, clock: any WatchpostClock, seen: String, logger: Logger, interval: Seconds = .seconds(5)) {
        self.store = store
        self.group = group
        self.clock = clock
        self.seen = seen
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        var last = seen
        while !Task.isCancelled {
            try await clock.sleep(for: interval)
            let now = await Self.revision(store, logger)
            guard now != last, !now.isEmpty else { continue }
            last = now
            logger.notice("operating plan changed: applying it to the schedule", [("revision", now)])
            group.requestPlanUpdate()
        }
    }

    /// The plan's revision ("" when it cannot be read: the next poll tries again).
    static func revision(_ store: Store, _ log: Logger) async -> String {
        do { return try await store.planRevision() } catch {
            log.warning("cannot read the operating plan", [("error", error.description)])
            return ""
        }
    }

    /// `config` with the stored plan laid over each site's schedule (unchanged when the plan
    /// cannot be read: the profile's schedule is the safe default).
    static func applyPlan(to config: WatchpostConfiguration, store: Store, log: Logger) async -> WatchpostConfiguration {
        do { return config.applyingPlan(try await store.planChanges()) } catch {
            log.error("cannot read the operating plan; the profile's schedule applies", [("error", error.description)])
            return config
        }
    }
}

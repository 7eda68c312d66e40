// The watchdog service: pings systemd's watchdog (WATCHDOG_USEC) at half its interval, but only
// while every service of the group is healthy and the store answers. A service that keeps
// failing, or a wedged store thread, therefore stops the pings and systemd restarts the daemon.
import WatchpostCore
import WatchpostStore
import Posix

public struct WatchdogService: Service {
    public let name = "watchdog"
    let notifier: SystemdNotifier
    let interval: Seconds
    let store: Store
    let group: ServiceGroup
    let clock: any WatchpostClock
    let logger: Logger

    public init(notifier: SystemdNotifier, interval: Seconds, store: Store, group: ServiceGroup, clock: any WatchpostClock, logger: Logger) {
        self.notifier = notifier
        self.interval = interval
        self.store = store
        self.group = group
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        var withheld = false
        while !Task.isCancelled {
            try await clock.sleep(for: Seconds(milliseconds: max(500, interval.milliseconds / 2)))
            // A wedged store thread means a wedged daemon: this await never returns, no ping.
            _ = await store.schemaVersion
            let sick = await group.unhealthyServices
            if !sick.isEmpty {
                if !withheld {
                    logger.warning("watchdog not fed: a service is unhealthy",
                                   [("services", sick.map(\.name).joined(separator: ",")), ("reason", sick[0].reason)])
                }
                withheld = true
                continue
            }
            if withheld { logger.notice("watchdog fed again: every service is healthy") }
            withheld = false
            do { try notifier.notify("WATCHDOG=1") } catch { logger.warning("watchdog ping failed", [("error", error.description)]) }
        }
    }
}

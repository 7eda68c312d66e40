// The heartbeat service: records that the monitor is alive (reports tell "no data" from
// "down" with it) and prunes history past its retention once an hour.
import WatchpostCore
import WatchpostStore

public struct HeartbeatService: Service {
    public let name = "heartbeat"
    let store: Store
    let clock: any WatchpostClock
    let interval: Seconds
    let retention: Seconds
    let logger: Logger

    public init(store: Store, clock: any WatchpostClock, interval: Seconds, retention: Seconds, logger: Logger) {
        self.store = store
        self.clock = clock
        self.interval = interval
        self.retention = retention
        self.logger = logger
    }

    public func run() async throws {
        var lastPrune = Instant(milliseconds: 0)
        while !Task.isCancelled {
            try await clock.sleep(for: interval)
            do {
                try await store.heartbeat()
                if clock.now() - lastPrune >= .hours(1) {
                    lastPrune = clock.now()
                    let n = try await store.pruneHistory(before: clock.now() - retention)
                    if n > 0 { logger.info("pruned history", [("rows", String(n))]) }
                }
            } catch {
                logger.error("heartbeat failed", [("error", error.description)])
            }
        }
    }
}

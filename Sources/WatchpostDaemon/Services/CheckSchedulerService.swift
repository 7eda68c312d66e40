// The check scheduler as a service: its loops run while the service runs; cancelling the
// service stops every loop (a probe stuck in C is left behind, never awaited).
import WatchpostCore

public struct CheckSchedulerService: Service {
    public let name = "checks"
    let scheduler: CheckScheduler

    public init(scheduler: CheckScheduler) { self.scheduler = scheduler }

    public func run() async throws {
        // The loops were started by `apply` (at start-up and reload); this only owns their end.
        await waitUntilCancelled()
        await scheduler.stopAll()
    }
}

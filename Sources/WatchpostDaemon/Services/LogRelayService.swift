// The log relay: commands that act on incidents (`watchpost ack`, `resolve`, `escalate`,
// `comment`) run in the operator's terminal and leave their notice lines in the store; this
// service writes them into the daemon's log every few seconds, so `journalctl -u watchpost`
// shows a CLI acknowledgement and the messages it queued like one made on the web (#21 point 6).
import WatchpostCore
import WatchpostStore

public struct LogRelayService: Service {
    public let name = "log-relay"
    let store: Store
    let clock: any WatchpostClock
    let logger: Logger
    let interval: Seconds

    public init(store: Store, clock: any WatchpostClock, logger: Logger, interval: Seconds = .seconds(2)) {
        self.store = store
        self.clock = clock
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isCancelled {
            await relayOnce()
            try await clock.sleep(for: interval)
        }
    }

    /// Writes the lines waiting in the store as they are (each already says when, what and `from=cli`).
    func relayOnce() async {
        do {
            for line in try await store.takeRelayedLog() { logger.sink.write(line: line) }
        } catch {
            logger.warning("cannot read the commands' log lines", [("error", error.description)])
        }
    }
}

// The incident timer service: escalation deadlines, acknowledgement and maintenance windows
// reach the incident engine (IncidentPipeline.swift) on the wall clock.
import WatchpostCore

/// Fires escalation deadlines on the wall clock: sleeps until the engine's next deadline, and
/// at most `pollInterval`, so that acknowledgements and maintenance windows written by other
/// processes take effect within it.
public struct IncidentTimerService: DaemonService {
    public let name = "incident-timer"
    let processor: IncidentProcessor
    let clock: any WatchpostClock
    let pollInterval: Seconds

    public init(processor: IncidentProcessor, clock: any WatchpostClock, pollInterval: Seconds = .seconds(2)) {
        self.processor = processor
        self.clock = clock
        self.pollInterval = pollInterval
    }

    public func run() async throws {
        while !Task.isCancelled {
            let next = await processor.tick()
            let poll = clock.now() + pollInterval
            try await clock.sleep(until: next.map { min($0, poll) } ?? poll)
        }
    }
}

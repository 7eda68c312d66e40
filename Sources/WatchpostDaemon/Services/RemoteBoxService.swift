// The Department's console (issue #17 point 4): reads every `[remote ID]` box's summary on the
// box's own cadence (`poll`), each box in a loop of its own, so a box that is slow or gone never
// delays another. Fetching and caching live in WatchpostReports.FleetFetch; this only loops.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostReports

public struct RemoteBoxService: DaemonService {
    public let name = "remote-boxes"
    let boxes: [RemoteBox]
    let secrets: Secrets
    let store: Store
    let clock: any WatchpostClock
    let logger: Logger

    /// Refuses a `[remote ID]` without its token in the secrets file (named, with the fix).
    public init(context: DaemonContext) throws(WatchpostError) {
        boxes = context.configuration.remotes
        secrets = context.secrets
        store = context.store
        clock = context.clock
        logger = context.logger.with("service", "remote-boxes")
        for b in boxes where secrets.revealRemoteToken(b.id) == nil {
            throw WatchpostError(.secrets, Message("fleet.start.no_token", ["box": .text(b.id)]),
                                 hint: Message("fleet.start.no_token_hint", ["box": .text(b.id), "url": .text(b.url)]))
        }
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for box in boxes {
                group.addTask { await self.loop(box) }
            }
        }
    }

    func loop(_ box: RemoteBox) async {
        // Each site's yearly report by its calendar is read at the first poll, then at most once
        // a minute: it costs the box more reports, and the plain year is what the board shows.
        var calendarRead: Instant?
        while !Task.isCancelled {
            let now = clock.now()
            let withCalendar = calendarRead.map { now - $0 >= FleetFetch.calendarInterval } ?? true
            let answered = await FleetFetch.pollAll([box], secrets: secrets, periods: FleetFetch.periods(at: now, zone: .hoChiMinh, withCalendar: withCalendar),
                                                    store: store, clock: clock, logger: logger)
            if withCalendar && !answered.isEmpty { calendarRead = now }
            if !answered.isEmpty { logger.debug("remote box read", [("remote", box.id)]) }
            do { try await clock.sleep(for: box.poll) } catch { return }
        }
    }
}

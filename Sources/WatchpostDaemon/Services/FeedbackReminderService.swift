// Reminds feedback from the public left unanswered past the site's age (`[feedback]
// remind_after`, default 7 days): to the Department when it was forwarded, to the operating
// unit when it was not (Tây Trang 7.2.5). Each reminder's outbox key names the reminder period,
// so a restart or a second pass never sends the same reminder twice.
import WatchpostCore
import WatchpostConfig
import WatchpostStore

public struct FeedbackReminderService: Service {
    public let name = "feedback-reminders"
    let store: Store
    let configuration: WatchpostConfiguration
    let clock: any WatchpostClock
    let logger: Logger
    let interval: Seconds

    public init(context ctx: DaemonContext, interval: Seconds = .minutes(15)) {
        store = ctx.store
        configuration = ctx.configuration
        clock = ctx.clock
        logger = ctx.logger.with("service", "feedback-reminders")
        self.interval = interval
    }

    /// One pass: queues the reminders due now; returns how many were new.
    public func remindOnce() async -> Int {
        let now = clock.now()
        let base = configuration.section("web")?.value("base_url")
        do {
            var requests: [NotificationRequest] = []
            for f in try await store.openFeedback() {
                guard let site = configuration.site(f.site) else { continue }
                requests += RegisterNotices.reminders(f, site: site, contacts: configuration.contacts, now: now, webBase: base)
            }
            guard !requests.isEmpty else { return 0 }
            let added = try await store.enqueue(requests)
            if added > 0 { logger.notice("feedback reminders queued", [("messages", String(added))]) }
            return added
        } catch {
            logger.error("cannot queue feedback reminders", [("error", error.description)])
            return 0
        }
    }

    public func run() async throws {
        while !Task.isCancelled {
            _ = await remindOnce()
            try await clock.sleep(for: interval)
        }
    }
}

// Scheduled mail: the digest of open problems and the heartbeat ("Watchpost at <site> is
// alive") at the times of [mail] digest_at / heartbeat_at, in each site's time zone, so that
// silence is never mistaken for health. Each run is recorded with its notifications in one
// transaction (and outbox keys name the occurrence), so a restart never sends one twice; an
// occurrence missed by more than an hour (the box was off) is skipped, not sent late.
import WatchpostCore
import WatchpostConfig
import WatchpostStore

public struct ScheduledMail: Sendable {
    let store: Store
    let clock: any WatchpostClock
    let settings: MailSettings
    let configuration: WatchpostConfiguration
    let logger: Logger

    public init(store: Store, clock: any WatchpostClock, settings: MailSettings, configuration: WatchpostConfiguration, logger: Logger) {
        self.store = store
        self.clock = clock
        self.settings = settings
        self.configuration = configuration
        self.logger = logger
    }

    public var isConfigured: Bool { !settings.digestAt.isEmpty || !settings.heartbeatAt.isEmpty }

    public func run() async throws {
        while !Task.isCancelled {
            await tick()
            try await clock.sleep(for: .seconds(20))
        }
    }

    /// The latest occurrence of any of `times` at or before `now`, in `zone`.
    public static func lastOccurrence(of times: [TimeOfDay], zone: ZoneOffset, now: Instant) -> Instant? {
        guard !times.isEmpty else { return nil }
        let local = now.seconds + Int64(zone.offsetSeconds)
        let day = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        var best: Instant?
        for d in [day, day - 1] {
            for t in times {
                let at = Instant(seconds: d * 86_400 + Int64(t.secondsOfDay) - Int64(zone.offsetSeconds))
                if at <= now, best.map({ at > $0 }) ?? true { best = at }
            }
        }
        return best
    }

    func recipients(_ explicit: [String], site: SiteProfile) -> [NotificationRecipient] {
        if !explicit.isEmpty { return explicit.map { NotificationRecipient(address: $0, displayName: $0, contactID: "mail") } }
        return site.technicians.compactMap { configuration.contacts.organisations[$0] }.flatMap { org in
            org.addresses.map { NotificationRecipient(address: $0, displayName: org.name, contactID: org.id) }
        }
    }

    /// Queues whatever scheduled mail is due now. Returns the names of the runs queued.
    @discardableResult
    public func tick() async -> [String] {
        var done: [String] = []
        let now = clock.now()
        for site in configuration.sites {
            for (kind, times, to) in [("digest", settings.digestAt, settings.digestTo), ("heartbeat", settings.heartbeatAt, settings.heartbeatTo)] {
                guard let occurrence = ScheduledMail.lastOccurrence(of: times, zone: site.zone, now: now) else { continue }
                let name = "\(kind)/\(site.id)"
                do {
                    if let last = try await store.lastScheduledMail(name), last >= occurrence { continue }
                    if now - occurrence > .hours(1) {
                        try await store.recordScheduledMail(name, at: occurrence, requests: [])
                        logger.notice("scheduled mail skipped: missed by more than an hour", [("mail", name), ("was_due", occurrence.description)])
                        continue
                    }
                    let fields = try await content(kind: kind, site: site, at: occurrence)
                    let requests = recipients(to, site: site).map { r in
                        NotificationRequest(key: "\(name)/\(occurrence.milliseconds)/\(r.address)", event: kind == "digest" ? .digest : .heartbeat,
                                            site: site.id, recipient: r, template: kind, fields: fields, createdAt: now)
                    }
                    try await store.recordScheduledMail(name, at: occurrence, requests: requests)
                    logger.info("scheduled mail queued", [("mail", name), ("recipients", String(requests.count))])
                    done.append(name)
                } catch {
                    logger.error("scheduled mail failed", [("mail", name), ("error", error.description)])
                }
            }
        }
        return done
    }

    /// Fields for the digest (the site's open incidents, oldest first) or the heartbeat (check counts).
    func content(kind: String, site: SiteProfile, at: Instant) async throws(WatchpostError) -> [String: String] {
        let states = try await store.checkStates().filter { $0.site == site.id }
        let problems = states.filter { $0.status.isProblem }
        let open = try await store.openIncidents().filter { $0.key.site == site.id }
        var f: [String: String] = ["time": HumanFormat.dateTime(at, .vi, zone: site.zone), "time_en": HumanFormat.dateTime(at, .en, zone: site.zone), "checks_ok": String(states.count - problems.count),
                                   "checks_problem": String(problems.count), "count": String(open.count)]
        if kind == "digest" {
            for language in [Language.vi, .en] {
                let words = MessageRenderer(language: language, zone: site.zone)
                f[language == .vi ? "incidents" : "incidents_en"] = open.isEmpty ? "—" : open.map { i in
                    let ack = i.acknowledgement.map { Message("mail.digest.acknowledged", ["by": .text($0.by)]) } ?? Message("mail.digest.not_acknowledged")
                    return words(Message("mail.digest.item", ["id": .int(i.id), "check": .text(i.checkName), "status": .message(i.severity.message),
                                                              "summary": .message(i.summaryText), "since": .instant(i.since), "level": .int(Int64(i.level)),
                                                              "ack": .message(ack)]))
                }.joined(separator: "\n")
            }
        }
        return f
    }
}

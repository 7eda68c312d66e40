// The daemon's mail services, built from [smtp], [mail] and [imap] by the composition root at
// start and on every reload: the outbox worker, the scheduled mail and the IMAP reply poller.
import WatchpostCommandLine
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostMail
import WatchpostDaemon
import WatchpostAuth

/// Email: the outbox worker (and, with [mail] digest_at/heartbeat_at, the scheduled mail). Off
/// without an [smtp] section; notifications then stay queued in the outbox.
let mailServices: ServiceFactory = { ctx in
    guard let settings = try MailSettings.from(ctx.configuration, secrets: ctx.secrets) else {
        ctx.logger.warning("no [smtp] section: notifications are queued in the outbox but not sent")
        return []
    }
    let worker = OutboxWorker(store: ctx.store, clock: ctx.clock, settings: settings, configuration: ctx.configuration,
                              logger: ctx.logger.with("service", "outbox"))
    var services: [any DaemonService] = [NamedService(name: worker.name, details: [("smtp", "\(settings.smtp.host):\(settings.smtp.port)")],
                                                      body: { try await worker.run() })]
    let scheduled = ScheduledMail(store: ctx.store, clock: ctx.clock, settings: settings, configuration: ctx.configuration,
                                  logger: ctx.logger.with("service", "scheduled-mail"))
    if scheduled.isConfigured { services.append(NamedService(name: "scheduled-mail", body: { try await scheduled.run() })) }
    if let imap = settings.imap {
        // Replies act through the incident engine's service, like the web server and the CLI.
        let log = ctx.logger.with("service", "replies")
        if settings.linkKey == nil { log.warning("no web.link_key secret: replies cannot be verified, so ACK by email will be refused") }
        let processor = ReplyProcessor(store: ctx.store, clock: ctx.clock, linkKey: settings.linkKey,
                                       actions: IncidentServiceActions(service: IncidentService(store: ctx.store, logger: log), contacts: ctx.configuration.contacts,
                                                                       decisionLevel: decisionLevels(ctx.configuration)),
                                       configuration: ctx.configuration, logger: log, previousLinkKeys: ctx.previousLinkKeys.map(linkKeyBytes))
        let poller = ReplyPoller(endpoint: imap, mailbox: settings.imapMailbox, interval: settings.imapPollInterval, processor: processor,
                                 clock: ctx.clock, logger: log)
        services.append(NamedService(name: "replies", body: { try await poller.run() }))
    }
    return services
}

// `watchpost mail test`: sends one test message through the configured [smtp] server and, on
// failure, prints the server's reply and what to check.
import WatchpostCommandLine
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostMail
import WatchpostDaemon
import WatchpostAuth
import Curl
import Posix
import WatchpostHost

let mailTestCommand = Command(
    name: "mail test", summary: "send a test email through [smtp] and show the server's answer",
    help: """
    Usage: watchpost mail test --to ADDRESS [--config DIR] [--site SITE]

    Sends one bilingual test message (from templates/test.txt) to ADDRESS through the [smtp]
    server of watchpost.conf, directly (not through the outbox). On failure prints the server's
    reply lines and what to check. Exit 0 when the server accepted the message, 1 otherwise.
    """,
    valuedOptions: ["config", "to", "site"],
    run: { args in
        try args.allowOnly(["config", "to", "site"])
        guard let to = args.value("to"), isValidEmail(to) else { throw WatchpostError(.usage, "give the address to send to: --to someone@example.org") }
        let config: WatchpostConfiguration
        do { config = try ConfigurationLoader.load(root: configRoot(args)) } catch {
            throw WatchpostError(.configuration, "the configuration has errors:\n" + String(describing: error), hint: "run watchpost check")
        }
        let secrets = try Secrets.load(file: config.daemon.secretsFile)
        guard let settings = try MailSettings.from(config, secrets: secrets) else {
            throw WatchpostError(.configuration, "watchpost.conf has no [smtp] section", hint: "add [smtp] with host and from (see README, Email)")
        }
        let clock = SystemClock()
        let site = args.value("site") ?? config.sites.first?.id ?? "watchpost"
        let now = clock.now()
        let request = NotificationRequest(key: "test/\(now.milliseconds)/\(to)", event: .test, site: site,
                                          recipient: NotificationRecipient(address: to, displayName: to, contactID: "test"),
                                          template: "test", fields: [:], createdAt: now)
        let (mail, _) = MailComposer(settings: settings, configuration: config).compose(rows: [OutboxRow(id: 0, request: request)], now: now, thread: [])
        out("sending test message to \(to) through \(settings.smtp) …")
        let from = settings.fromAddress, endpoint = settings.smtp, helo = settings.helo
        let outcome: SMTPOutcome = try await runBlocking {
            do throws(CurlError) { return try SMTPConnection(endpoint: endpoint, heloName: helo).send(from: from, to: [to], data: mail.data) }
            catch { return SMTPOutcome(accepted: false, replyCode: 0, serverReplies: [], error: error, connectionFailed: true) }
        }
        if outcome.accepted {
            out("ok: the server accepted the message (\(outcome.lastReply.isEmpty ? String(outcome.replyCode) : outcome.lastReply))")
            out("  Message-ID: <\(mail.messageID)>")
            return 0
        }
        out("FAILED: \(DeliveryVerdict.describe(outcome))")
        if !outcome.serverReplies.isEmpty {
            out("server replies:")
            for l in outcome.serverReplies.suffix(12) { out("  \(l)") }
        }
        out("check: \(DeliveryVerdict.advice(outcome, endpoint: settings.smtp))")
        return 1
    })

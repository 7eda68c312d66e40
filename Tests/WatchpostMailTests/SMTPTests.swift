import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostMail
import Curl
import Posix

/// libcurl SMTP against Debian's aiosmtpd on loopback: plain, STARTTLS and implicit TLS with a
/// CA made in the test; headers and the Vietnamese subject checked with Python's own decoder.
@Suite("SMTP against aiosmtpd", .serialized)
struct SMTPTests {
    func composed(to: String = "bp@taytrang.example.org", settings: MailSettings, config: WatchpostConfiguration, thread: [String] = []) -> (ComposedMail, MailMessage) {
        let t = Instant(seconds: 1_795_481_411)
        return MailComposer(settings: settings, configuration: config).compose(rows: [OutboxRow(id: 1, request: request("k-\(to)", to: to, at: t))], now: t, thread: thread)
    }

    func send(_ endpoint: MailEndpoint, _ mail: ComposedMail) async throws -> SMTPOutcome {
        try await runBlocking {
            do throws(CurlError) { return try SMTPConnection(endpoint: endpoint).send(from: "watchpost@taytrang.example.org", to: [mail.recipient], data: mail.data) }
            catch { return SMTPOutcome(accepted: false, replyCode: 0, serverReplies: [], error: error, connectionFailed: true) }
        }
    }

    func checkArrived(_ sink: MailSink, _ mail: ComposedMail, _ message: MailMessage) async throws {
        let got = try #require(sink.messages.first)
        let parsed = ParsedMail(got)
        try await expectEqual(pythonDecodedHeader(got, "Subject"), message.subject, "Python decodes the Vietnamese subject back exactly")
        try await expectEqual(pythonDecodedHeader(got, "To"), "Đồn Biên phòng Tây Trang <bp@taytrang.example.org>")
        try await expectEqual(pythonDecodedHeader(got, "From"), "Giám sát Cụm TTĐN Tây Trang <watchpost@taytrang.example.org>")
        expectEqual(parsed.subject, message.subject)
        expectEqual(parsed.messageID, mail.messageID)
        expectEqual(parsed.header("date"), "Tue, 24 Nov 2026 07:50:11 +0700")
        expectEqual(parsed.header("x-envelope-to"), "bp@taytrang.example.org")
        #expect(parsed.text.contains("Mất kết nối bộ điều khiển LED"))
    }

    @Test func plainToLoopback() async throws {
        let dir = try makeTemporaryFolder("wp-sink")
        let sink = try await MailSink(dir: dir)
        let cfg = try await MailTestConfig(smtpPort: sink.port)
        defer { cfg.cleanup(); removeTree(dir); removeTree(dir + ".log") }
        let (config, settings) = try cfg.load()
        expectEqual(settings.smtp.security, .none)
        let (mail, message) = composed(settings: settings, config: config)
        let outcome = try await send(settings.smtp, mail)
        #expect(outcome.accepted, "\(outcome.serverReplies)")
        try await checkArrived(sink, mail, message)
    }

    @Test func startTLSWithTestCA() async throws {
        let ca = try await TestCA()
        let dir = try makeTemporaryFolder("wp-sink")
        let sink = try await MailSink(dir: dir, arguments: ["--tls", ca.certFile, ca.keyFile, "--require-starttls"])
        let cfg = try await MailTestConfig(smtpPort: sink.port, extraSMTP: "ca_file = \(ca.caFile)")
        defer { cfg.cleanup(); removeTree(dir); removeTree(dir + ".log"); removeTree(ca.dir) }
        let (config, settings) = try cfg.load()
        expectEqual(settings.smtp.security, .starttls, "STARTTLS is the default")
        let (mail, message) = composed(settings: settings, config: config)
        let outcome = try await send(settings.smtp, mail)
        #expect(outcome.accepted, "\(outcome.serverReplies) \(String(describing: outcome.error))")
        try await checkArrived(sink, mail, message)

        // Without the CA the certificate is refused: a clear error, nothing accepted.
        var untrusted = settings.smtp
        untrusted.caFile = "/etc/ssl/certs/ca-certificates.crt"
        guard FileSystem.exists(untrusted.caFile ?? "") else {
            throw MissingRequirement("the system CA bundle \(untrusted.caFile ?? "") is missing: install the Debian package ca-certificates (make test installs TEST_PACKAGES)")
        }
        let refused = try await send(untrusted, mail)
        #expect(!refused.accepted)
        if case .retry(let why) = DeliveryVerdict.classify(refused) { #expect(why.contains("curl")) } else { Issue.record("a TLS failure must be retried, not dropped") }
        #expect(DeliveryVerdict.advice(refused, endpoint: untrusted).contains("certificate") || DeliveryVerdict.advice(refused, endpoint: untrusted).contains("ca_file"))
    }

    @Test func starttlsRequiredRefusesAPlainOnlyServer() async throws {
        let dir = try makeTemporaryFolder("wp-sink")
        let sink = try await MailSink(dir: dir)
        defer { removeTree(dir); removeTree(dir + ".log") }
        let endpoint = MailEndpoint(host: "127.0.0.1", port: sink.port, security: .starttls, connectTimeoutMilliseconds: 2000, timeoutMilliseconds: 3000)
        let cfg = try await MailTestConfig(smtpPort: sink.port)
        defer { cfg.cleanup() }
        let (config, settings) = try cfg.load()
        let outcome = try await send(endpoint, composed(settings: settings, config: config).0)
        #expect(!outcome.accepted)
        expectEqual(outcome.error?.code, CurlError.useSSLFailed, "\(String(describing: outcome.error))")
        #expect(sink.messages.isEmpty, "nothing was sent in clear")
    }

    @Test func implicitTLSWithTestCA() async throws {
        let ca = try await TestCA()
        let dir = try makeTemporaryFolder("wp-sink")
        let sink = try await MailSink(dir: dir, arguments: ["--smtps", ca.certFile, ca.keyFile])
        let cfg = try await MailTestConfig(smtpPort: sink.port, extraSMTP: "tls = implicit\nca_file = \(ca.caFile)")
        defer { cfg.cleanup(); removeTree(dir); removeTree(dir + ".log"); removeTree(ca.dir) }
        let (config, settings) = try cfg.load()
        expectEqual(settings.smtp.security, .implicit)
        let (mail, message) = composed(settings: settings, config: config, thread: ["wp.first@taytrang.example.org"])
        let outcome = try await send(settings.smtp, mail)
        #expect(outcome.accepted, "\(outcome.serverReplies) \(String(describing: outcome.error))")
        try await checkArrived(sink, mail, message)
        let parsed = ParsedMail(try #require(sink.messages.first))
        expectEqual(parsed.header("in-reply-to"), "<wp.first@taytrang.example.org>")
    }

    @Test func mailTestCommandPrintsTheServersReply() async throws {
        let watchpost = try TestPaths.watchpost()
        let dir = try makeTemporaryFolder("wp-sink")
        let sink = try await MailSink(dir: dir, arguments: ["--reject", "nobody@taytrang.example.org"])
        let cfg = try await MailTestConfig(smtpPort: sink.port)
        defer { cfg.cleanup(); removeTree(dir); removeTree(dir + ".log") }
        let ok = await shell("timeout 30 '\(watchpost)' mail test --config '\(cfg.dir)' --to kythuat@taytrang.example.org")
        expectEqual(ok.0, 0, "\(ok.1)")
        #expect(ok.1.contains("accepted"))
        let bad = await shell("timeout 30 '\(watchpost)' mail test --config '\(cfg.dir)' --to nobody@taytrang.example.org")
        expectEqual(bad.0, 1)
        #expect(bad.1.contains("550 5.1.1"), "\(bad.1)")
        #expect(bad.1.contains("check:"), "\(bad.1)")
        sink.stopNow()
        let down = await shell("timeout 30 '\(watchpost)' mail test --config '\(cfg.dir)' --to kythuat@taytrang.example.org")
        expectEqual(down.0, 1)
        #expect(down.1.contains("nothing accepts connections"), "\(down.1)")
    }
}

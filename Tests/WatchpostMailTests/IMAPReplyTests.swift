import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostMail
import WatchpostAuth
import Curl
import Posix
import Glibc
import Synchronization

/// Dovecot with a throw-away configuration on a loopback port (Debian's dovecot-imapd, as root).
final class Dovecot {
    let dir: String
    let port: Int
    let pid: pid_t
    var maildir: String { "\(dir)/mail/watchpost/Maildir" }

    init() async throws {
        dir = try makeTemporaryFolder("wp-dovecot")
        port = try freeTCPPort()
        await shell("chmod 755 '\(dir)' && mkdir -p '\(dir)/run' '\(dir)/state' '\(dir)/mail/watchpost/Maildir/new' '\(dir)/mail/watchpost/Maildir/cur' '\(dir)/mail/watchpost/Maildir/tmp'")
        try FileSystem.writeAtomically("\(dir)/passwd", "watchpost:{PLAIN}secret\n")
        try FileSystem.writeAtomically("\(dir)/dovecot.conf", """
            protocols = imap
            listen = 127.0.0.1
            base_dir = \(dir)/run
            state_dir = \(dir)/state
            log_path = \(dir)/dovecot.log
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u \(dir)/passwd
            }
            userdb {
              driver = static
              args = uid=nobody gid=nogroup home=\(dir)/mail/%u
            }
            mail_location = maildir:\(dir)/mail/%u/Maildir
            service imap-login {
              inet_listener imap {
                port = \(port)
              }
            }
            service anvil {
              chroot =
            }
            default_internal_user = nobody
            default_login_user = nobody
            """)
        await shell("chown -R nobody:nogroup '\(dir)/mail'")
        let dovecotBinary = try requireTool("dovecot", debianPackage: "dovecot-imapd")
        pid = try spawnProcess(dovecotBinary, ["-F", "-c", "\(dir)/dovecot.conf"], log: "\(dir)/out.log")
        let port = self.port, dir = self.dir
        do {
            try await waitForPort(port, detail: { "dovecot: \((try? FileSystem.readText("\(dir)/out.log")) ?? "") \((try? FileSystem.readText("\(dir)/dovecot.log")) ?? "")" })
        } catch {
            await stopProcess(pid)
            throw error
        }
    }

    private var counter = 0
    /// Delivers a message into the mailbox, as an MTA would.
    func deliver(_ text: String) async throws {
        counter += 1
        let name = "\(maildir)/new/\(1_795_481_000 + counter).M\(counter).test"
        try FileSystem.writeAtomically(name, text.replacingOccurrences(of: "\n", with: "\r\n"))
        await shell("chown nobody:nogroup '\(name)'")
    }

    deinit {
        killAndReap(pid)
        removeTree(dir)
    }
}

/// Records what replies asked the incident engine to do (the engine's own tests cover the engine).
final class RecordingActions: IncidentActions {
    let calls = Mutex<[String]>([])
    var all: [String] { calls.withLock { $0 } }
    func acknowledge(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult {
        calls.withLock { $0.append("ack #\(incident) by \(address): \(note)") }
        return .done
    }
    func resolve(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult {
        calls.withLock { $0.append("resolve #\(incident) by \(address): \(note)") }
        return .refused("technical incidents resolve when the check recovers")
    }
    func addNote(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult {
        calls.withLock { $0.append("note #\(incident) by \(address): \(note)") }
        return .done
    }
}

@Suite("Acknowledgement by reply over IMAP (dovecot)", .serialized)
struct IMAPReplyTests {
    @Test func repliesActOnceAndForgeriesChangeNothing() async throws {
        try requireRoot("dovecot's throw-away instance hands the mailbox to the nobody user")
        let dovecot = try await Dovecot()
        let cfg = try await MailTestConfig(smtpPort: try freeTCPPort(), imap: "host = 127.0.0.1\nport = \(dovecot.port)\ninsecure = true\nusername = watchpost\npoll_interval = 5s")
        defer { cfg.cleanup() }
        let (config, settings) = try cfg.load()
        let clock = ManualClock(now: Instant(seconds: 1_795_481_411))
        let store = try Store(path: "\(cfg.dir)/var/watchpost.db", clock: clock)
        let actions = RecordingActions()
        let logs = MemoryLogSink()
        let processor = ReplyProcessor(store: store, clock: clock, linkKey: settings.linkKey, actions: actions, configuration: config,
                                       logger: Logger(sink: logs, clock: clock))
        let poller = ReplyPoller(endpoint: try #require(settings.imap), mailbox: "INBOX", interval: .seconds(5), processor: processor,
                                 clock: clock, logger: Logger(sink: logs, clock: clock))

        // The original notification, as the border-guard post received it.
        let bp = "truc-ban@bdbp-taytrang.example.org", police = "truc-ban@congan-dienbien.example.org"
        let original = request("inc-42/triggered/r1.L1/\(bp)", to: bp, incident: 42, at: clock.now())
        let (mail, message) = MailComposer(settings: settings, configuration: config).compose(rows: [OutboxRow(id: 1, request: original)], now: clock.now(), thread: [])
        let token = try #require(ReplyParser.tokens(in: ParsedMail(mail.data).text).first)
        let originalText = ParsedMail(mail.data).text
        func reply(from: String, id: String, body: String, tokenText: String = token) -> String {
            replyMail(from: from, id: id, subject: message.subject, inReplyTo: mail.messageID, body: body,
                      quoting: originalText.replacingOccurrences(of: token, with: tokenText))
        }
        var tampered = Array(token)
        tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
        let expired = AckToken(incidentID: 42, level: 1, recipient: bp, expires: clock.now() - .hours(1)).signed(key: try #require(settings.linkKey))

        try await dovecot.deliver(reply(from: bp, id: "r1", body: "XÁC NHẬN: đã cử kỹ thuật viên\nsẽ có mặt lúc 9 giờ."))
        try await dovecot.deliver(reply(from: bp, id: "r2", body: "Ack"))
        try await dovecot.deliver(reply(from: police, id: "r3", body: "ACK"))
        try await dovecot.deliver(reply(from: bp, id: "r4", body: "ACK", tokenText: String(tampered)))
        try await dovecot.deliver(reply(from: bp, id: "r5", body: "ack", tokenText: expired))
        try await dovecot.deliver(reply(from: bp, id: "r6", body: "Điện lưới khu vực bị cắt, đang liên hệ điện lực."))
        try await dovecot.deliver(reply(from: bp, id: "r7", body: "ĐÃ XỬ LÝ"))

        let outcomes = try await poller.pollOnce()
        expectEqual(outcomes.count, 7)
        expectEqual(outcomes.first, .acknowledged([42]))
        #expect(outcomes.contains(.rejected("this code has already been used")))
        #expect(outcomes.contains(.rejected("the code was issued to another address, not \(police)")))
        #expect(outcomes.contains(.rejected("the code is not valid (altered or forged)")))
        #expect(outcomes.contains { if case .rejected(let w) = $0 { return w.contains("expired") } else { return false } })
        #expect(outcomes.contains(.noted([42])))
        expectEqual(outcomes.last, .rejected("#42: technical incidents resolve when the check recovers"))
        // Exactly one acknowledgement, with the rest of the first paragraph as its note, and one note.
        expectEqual(actions.all.filter { $0.hasPrefix("ack") }, ["ack #42 by \(bp): đã cử kỹ thuật viên sẽ có mặt lúc 9 giờ."])
        expectEqual(actions.all.filter { $0.hasPrefix("note") }, ["note #42 by \(bp): Điện lưới khu vực bị cắt, đang liên hệ điện lực."])
        // Rejected replies from known contacts get a short answer, queued in the outbox.
        let answers = try await store.outboxRows().filter { $0.request.event == .replyRejected }
        expectEqual(answers.count, 5)
        expectEqual(Set(answers.map(\.request.recipient.address)), [bp, police])
        expectEqual(logs.all.filter { $0.contains("changed nothing") }.count, 5)

        // Everything is flagged on the server: a second pass finds nothing.
        #expect(try await poller.pollOnce().isEmpty)

        // Handled but not flagged (the daemon died in between): the next pass only flags it.
        try await dovecot.deliver(reply(from: bp, id: "r8", body: "ACK lần nữa"))
        let imap = IMAPSession(endpoint: try #require(settings.imap), mailbox: "INBOX")
        let uid = try #require(try await imap.searchUIDs("UNKEYWORD \(ReplyPoller.doneKeyword)").first)
        _ = try await processor.handle(try await imap.fetch(uid: uid), uid: uid)
        let before = actions.all.count
        let again = try await poller.pollOnce()
        expectEqual(again, [.duplicate], "\(again)")
        expectEqual(actions.all.count, before, "nothing acted twice")
        #expect(try await poller.pollOnce().isEmpty)
    }
}

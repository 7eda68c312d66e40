// The reply keyword "ĐỀ XUẤT UBND" over IMAP, live (never checked before, review of issue #14):
// the Department's reply is delivered into a real dovecot mailbox, the real poller fetches it,
// the real reply processor and incident service put the incident to the Provincial People's
// Committee — exactly one message naming who and why — and the reply is flagged, so a second
// pass does nothing more. The police's reply with the same keyword is refused.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostMail
import Posix

@Suite("Escalation to the Committee by reply over IMAP (dovecot)", .serialized, .timeLimit(.minutes(1)))
struct CommitteeReplyIMAPTests {
    @Test func departmentReplyOverIMAPReachesTheCommitteeOnce() async throws {
        try requireRoot("dovecot's throw-away instance hands the mailbox to the nobody user")
        let dovecot = try await Dovecot()
        let cfg = try await MailTestConfig(smtpPort: try freeTCPPort(), imap: "host = 127.0.0.1\nport = \(dovecot.port)\ninsecure = true\nusername = watchpost\npoll_interval = 5s")
        defer { cfg.cleanup() }
        let (config, settings) = try cfg.load()
        let t0 = try #require(Instant.parse("2026-11-24T09:00:00+07:00"))
        let clock = ManualClock(now: t0)
        let store = try Store(path: "\(cfg.dir)/var/watchpost.db", clock: clock)
        let department = "thongtindoingoai@stttt-dienbien.example.org"
        let police = "truc-ban@congan-dienbien.example.org"
        let committee = "vanphong@ubnd-dienbien.example.org"

        // A security incident opened by the engine at Tây Trang, in operating hours.
        let incidentID = try await CommitteeReplyTests.openSecurityIncident(config: config, store: store, at: t0)
        let rows = try await store.outboxRows()
        let toDepartment = try #require(rows.first { $0.request.recipient.address == department })
        let toPolice = try #require(rows.first { $0.request.recipient.address == police })
        #expect(!rows.contains { $0.request.recipient.address == committee })

        let composer = MailComposer(settings: settings, configuration: config)
        func reply(to row: OutboxRow, from: String, id: String, body: String) -> String {
            let (mail, message) = composer.compose(rows: [row], now: t0, thread: [])
            return replyMail(from: from, id: id, subject: message.subject, inReplyTo: mail.messageID, body: body, quoting: ParsedMail(mail.data).text)
        }
        let why = "Vượt thẩm quyền của Sở: đề nghị UBND tỉnh chỉ đạo công an điều tra"
        try await dovecot.deliver(reply(to: toPolice, from: police, id: "imap-p1", body: "ĐỀ XUẤT UBND: công an đề xuất"))
        try await dovecot.deliver(reply(to: toDepartment, from: department, id: "imap-d1", body: "ĐỀ XUẤT UBND: \(why)"))

        let logs = MemoryLogSink()
        let actions = IncidentServiceActions(service: IncidentService(store: store), contacts: config.contacts,
                                             decisionLevel: { site in config.escalationPolicy(site: site)?.decisionLevel })
        let processor = ReplyProcessor(store: store, clock: clock, linkKey: settings.linkKey, actions: actions, configuration: config,
                                       logger: Logger(sink: logs, clock: clock))
        let poller = ReplyPoller(endpoint: try #require(settings.imap), mailbox: "INBOX", interval: .seconds(5), processor: processor,
                                 clock: clock, logger: Logger(sink: logs, clock: clock))
        let outcomes = try await poller.pollOnce()
        expectEqual(outcomes.count, 2, "\(outcomes)")
        #expect(outcomes.contains(.escalated([incidentID])), "\(outcomes)")
        #expect(outcomes.contains { if case .rejected(let w) = $0 { return w.contains("đề xuất UBND tỉnh chỉ đạo") } else { return false } }, "\(outcomes)")

        let incident = try #require(try await store.incident(incidentID))
        expectEqual(incident.decisions?.count, 1)
        expectEqual(incident.decisions?.first?.via, "reply")
        expectEqual(incident.decisions?.first?.note, why)
        let toCommittee = try await store.outboxRows().filter { $0.request.recipient.address == committee }
        expectEqual(toCommittee.count, 1, "\(toCommittee.map(\.request.key))")
        let mail = ParsedMail(composer.compose(rows: [try #require(toCommittee.first)], now: t0, thread: []).0.data).text
        #expect(mail.contains(why))
        #expect(mail.contains("Sở Thông tin và Truyền thông tỉnh Điện Biên"))
        #expect(!mail.contains("Sở Thông tin và Truyền thông tỉnh Điện Biên (Sở Thông tin và Truyền thông tỉnh Điện Biên)"), "the organisation named twice")
        // Flagged on the server: a second pass finds nothing and sends nothing more.
        #expect(try await poller.pollOnce().isEmpty)
        try await expectEqual(store.outboxRows().filter { $0.request.recipient.address == committee }.count, 1)
    }
}

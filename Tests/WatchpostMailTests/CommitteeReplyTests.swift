// The email-reply keyword "ĐỀ XUẤT UBND" (issue #14 point 2): the Department, told at once of a
// security incident, replies to its notice and the incident goes to the Provincial People's
// Committee — exactly one message naming who and why — through the real reply processor, the
// real incident service and the one policy. The police (who may acknowledge a security
// incident) may not take that decision; a decision without a reason is refused.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostMail
import WatchpostAuth
import Posix

@Suite("Escalation to the Committee by email reply", .serialized, .timeLimit(.minutes(1)))
struct CommitteeReplyTests {
    /// The real engine opens a security incident at Tây Trang (unapproved content) and its notices
    /// are committed to the outbox; returns the incident's id.
    static func openSecurityIncident(config: WatchpostConfiguration, store: Store, at t0: Instant) async throws -> Int64 {
        var engineSettings = EngineSettings(configuration: config)
        let i = try #require(engineSettings.sites.firstIndex { $0.id == "tay-trang" })
        let key = CheckKey(site: "tay-trang", check: "content")
        engineSettings.sites[i].checks = [CheckSpec(key: key, name: "Nội dung / Content", kind: "content", category: .security, failAfter: 1, recoverAfter: 1)]
        var engine = IncidentEngine(settings: EngineSettings(sites: [engineSettings.sites[i]]))
        let opened = engine.handle(CheckResult.from(findings: [Finding(.critical, code: "content-unapproved", untranslated: "ads.mp4 not approved", securityRelevant: true)],
                                                    ok: .untranslated(""), startedAt: t0), for: key)
        _ = try await store.commitEngineStep(opened, expectedRevision: nil)
        return try #require(opened.incidents.first?.id)
    }

    let department = "thongtindoingoai@stttt-dienbien.example.org"
    let police = "truc-ban@congan-dienbien.example.org"
    let committee = "vanphong@ubnd-dienbien.example.org"

    @Test func departmentReplyPutsTheIncidentToTheCommittee() async throws {
        // Replies enabled ([imap] set; nothing connects to it here): notices say how to reply.
        let cfg = try await MailTestConfig(smtpPort: try freeTCPPort(), imap: "host = 127.0.0.1\nport = 9\ninsecure = true\nusername = watchpost")
        defer { cfg.cleanup() }
        let (config, settings) = try cfg.load()
        // Tuesday 09:00 at Tây Trang: in operating hours.
        let t0 = try #require(Instant.parse("2026-11-24T09:00:00+07:00"))
        let clock = ManualClock(now: t0)
        let store = try Store(path: "\(cfg.dir)/var/watchpost.db", clock: clock)

        // The engine opens a security incident and queues its notices.
        let incidentID = try await Self.openSecurityIncident(config: config, store: store, at: t0)
        let rows = try await store.outboxRows()
        #expect(!rows.contains { $0.request.recipient.address == committee }, "the Committee hears nothing before a decision")
        let toDepartment = try #require(rows.first { $0.request.recipient.address == department }, "the Department is told at once")
        let toPolice = try #require(rows.first { $0.request.recipient.address == police })

        let composer = MailComposer(settings: settings, configuration: config)
        func reply(to row: OutboxRow, from: String, id: String, body: String) throws -> [UInt8] {
            let (mail, message) = composer.compose(rows: [row], now: t0, thread: [])
            return Array(replyMail(from: from, id: id, subject: message.subject, inReplyTo: mail.messageID, body: body, quoting: ParsedMail(mail.data).text)
                .replacingOccurrences(of: "\n", with: "\r\n").utf8)
        }
        // The Department's notice carries its code and says how to put the matter to the Committee.
        let departmentMail = ParsedMail(composer.compose(rows: [toDepartment], now: t0, thread: []).0.data).text
        // For information: a reference for the reply, not an acknowledgement code (issue 15).
        #expect(departmentMail.contains("Mã tham chiếu sự cố (giữ nguyên khi trả lời thư): v1.") && departmentMail.contains("Incident reference (keep it when replying): v1."), "\(departmentMail)")
        #expect(!departmentMail.contains("Mã tiếp nhận") && !departmentMail.contains("TIẾP NHẬN (có thể"), "\(departmentMail)")
        #expect(departmentMail.contains("ĐỀ XUẤT UBND"))

        let actions = IncidentServiceActions(service: IncidentService(store: store), contacts: config.contacts,
                                             decisionLevel: { site in config.escalationPolicy(site: site)?.decisionLevel })
        let processor = ReplyProcessor(store: store, clock: clock, linkKey: settings.linkKey, actions: actions, configuration: config,
                                       logger: Logger(sink: MemoryLogSink(), clock: clock))

        // The police may not decide for the Department.
        let byPolice = try await processor.handle(try reply(to: toPolice, from: police, id: "p1", body: "ĐỀ XUẤT UBND\nCần UBND tỉnh chỉ đạo"))
        guard case .rejected(let policeWhy) = byPolice else { Issue.record("police reply: \(byPolice)"); return }
        #expect(policeWhy.contains("đề xuất UBND tỉnh chỉ đạo"), "\(policeWhy)")
        // Without a reason, refused.
        let bare = try await processor.handle(try reply(to: toDepartment, from: department, id: "d1", body: "DE XUAT UBND"))
        guard case .rejected(let bareWhy) = bare else { Issue.record("bare reply: \(bare)"); return }
        #expect(bareWhy.contains("cần ghi lý do"), "\(bareWhy)")
        #expect(try await store.incident(incidentID)?.decisions ?? [] == [])
        #expect(!(try await store.outboxRows()).contains { $0.request.recipient.address == committee })

        // The Department decides, with its reason.
        let why = "Nội dung trái phép tại cửa khẩu quốc tế, vượt thẩm quyền của Sở"
        let decided = try await processor.handle(try reply(to: toDepartment, from: department, id: "d2", body: "ĐỀ XUẤT UBND: \(why)"))
        expectEqual(decided, .escalated([incidentID]))
        let incident = try #require(try await store.incident(incidentID))
        expectEqual(incident.decisions?.count, 1)
        expectEqual(incident.decisions?.first?.via, "reply")
        expectEqual(incident.decisions?.first?.note, why)
        expectEqual(incident.decisions?.first?.organisation?.isEmpty, false)
        let toCommittee = try await store.outboxRows().filter { $0.request.recipient.address == committee }
        expectEqual(toCommittee.count, 1)
        expectEqual(toCommittee.first?.request.event, .committeeEscalation)
        expectEqual(toCommittee.first?.request.fields["decision"], why)
        expectEqual(toCommittee.first?.request.fields["via"], "trả lời thư")
        let committeeMail = ParsedMail(composer.compose(rows: [try #require(toCommittee.first)], now: t0, thread: []).0.data).text
        #expect(committeeMail.contains(why))
        #expect(committeeMail.contains(incident.decisions?.first?.by ?? "?"))
        let timeline = try await store.timeline(incidentID: incidentID)
        #expect(timeline.contains { $0.event.kind == "escalated-by-decision" })
        // The same reply again changes nothing and sends nothing more.
        #expect(try await processor.handle(try reply(to: toDepartment, from: department, id: "d3", body: "ĐỀ XUẤT UBND: lần hai")) != .escalated([incidentID]))
        try await expectEqual(store.outboxRows().filter { $0.request.recipient.address == committee }.count, 1)
    }
}

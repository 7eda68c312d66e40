// Issue 15: the emails a Vietnamese reader gets, made from the incident engine's own
// notifications and the shipped templates, read back with Python's email library.
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostMail
import Posix
import WatchpostTestSupport

@Suite("Vietnamese-first emails")
struct VietnameseMailTests {
    /// A security incident at Tây Trang (unapproved content playing), escalated to level 2,
    /// as the engine notifies it; composed with the shipped templates.
    func engineMails() async throws -> (config: WatchpostConfiguration, composer: MailComposer, triggered: NotificationRequest, escalated: NotificationRequest) {
        let cfg = try await MailTestConfig(smtpPort: 2525)
        defer { cfg.cleanup() }
        let (config, settings) = try cfg.load()
        var settingsForEngine = EngineSettings(configuration: try ConfigurationLoader.load(root: TestPaths.packageRoot))
        let i = try #require(settingsForEngine.sites.firstIndex { $0.id == "tay-trang" })
        settingsForEngine.sites[i].checks = [CheckSpec(key: CheckKey(site: "tay-trang", check: "content"), name: "Nội dung trình chiếu", kind: "content",
                                                       category: .security, failAfter: 1, recoverAfter: 1)]
        settingsForEngine = EngineSettings(sites: [settingsForEngine.sites[i]])
        var engine = IncidentEngine(settings: settingsForEngine)
        let t0 = Instant.parse("2026-11-24T02:00:00+07:00")!
        let finding = Finding(.critical, code: "unexpected-file", Message("finding.content.unexpected-file", ["path": .text("quang-cao.mp4")]), securityRelevant: true)
        let out = engine.handle(CheckResult.from(findings: [finding], ok: .untranslated(""), startedAt: t0), for: CheckKey(site: "tay-trang", check: "content"))
        let triggered = try #require(out.notifications.first { $0.event == .triggered })
        let escalated = try #require(engine.tick(now: t0 + .minutes(15)).notifications.first { $0.event == .escalated })
        return (config, MailComposer(settings: settings, configuration: config), triggered, escalated)
    }

    @Test func subjectsSayWhereWhichKindHowSevereAndWhatInVietnamese() async throws {
        let m = try await engineMails()
        let t0 = Instant.parse("2026-11-24T02:00:00+07:00")!
        let (_, trig) = m.composer.compose(rows: [OutboxRow(id: 1, request: m.triggered)], now: t0, thread: [])
        let what = Catalogue.render(Message("finding.content.unexpected-file", ["path": .text("quang-cao.mp4")]), .vi)
        expectEqual(trig.subject, "[Tây Trang] Sự cố #1 — an ninh thông tin — Nghiêm trọng: \(what)", "\(trig.subject)")
        let (_, esc) = m.composer.compose(rows: [OutboxRow(id: 2, request: m.escalated)], now: t0 + .minutes(15), thread: [])
        #expect(esc.subject.hasPrefix("[Tây Trang] Sự cố #1 — an ninh thông tin — Nghiêm trọng — chuyển lên cấp 2: "), "\(esc.subject)")
        // The Vietnamese part: no English sentence, no ISO 8601 time, no millisecond, no "bạn".
        for mail in [trig, esc] {
            let vi = String(mail.text.split(separator: "\n---\n", maxSplits: 1).first ?? "")
            #expect(vi.contains("Bắt đầu từ: 2 giờ 00 phút, ngày 24/11/2026"), "\(vi)")
            #expect(vi.contains("Tiếp nhận sự cố:") && vi.contains("Mã tiếp nhận:"), "\(vi)")
            for english in ["Incident", "Check", "Since", "acknowledge", "not in the approved", "Technical detail"] { #expect(!vi.contains(english), "'\(english)' in: \(vi)") }
            // (The action lines come from Catalogue+Escalation.swift, which still says "xác nhận"
            // for acknowledge against docs/glossary.md; its owner changes them.)
            #expect(!vi.contains("2026-11-24T") && !vi.contains("ms") && !vi.contains(" bạn"), "\(vi)")
            let en = String(mail.text.split(separator: "\n---\n", maxSplits: 1).last ?? "")
            #expect(en.contains("Since: 02:00 on 24/11/2026"), "\(en)")
        }
    }

    @Test func encodedWordsSplitBetweenWordsAndPythonReadsTheSubjectBack() async throws {
        let m = try await engineMails()
        let t0 = Instant.parse("2026-11-24T02:00:00+07:00")!
        let (mail, message) = m.composer.compose(rows: [OutboxRow(id: 1, request: m.escalated)], now: t0, thread: [])
        // Every encoded word but the last ends with a space: no word is cut in two.
        let raw = String(decoding: mail.data, as: UTF8.self)
        let subjectLines = raw.split(separator: "\r\n", omittingEmptySubsequences: false).drop { !$0.hasPrefix("Subject:") }
        var words: [String] = []
        for line in subjectLines {
            if !words.isEmpty && !line.hasPrefix(" ") { break }
            words.append(String(line.hasPrefix("Subject: ") ? line.dropFirst(9) : line.dropFirst()))
        }
        #expect(words.count >= 3, "\(words)")
        for w in words.dropLast() { #expect(MIME.decodeWords(w).hasSuffix(" "), "encoded word cut inside a word: \(MIME.decodeWords(w))") }
        // Python 3's two readers: the modern policy and decode_header + make_header.
        let python = try await debianPython()
        let dir = try makeTemporaryFolder("wp-vi-mail")
        defer { removeTree(dir) }
        try FileSystem.writeAtomically("\(dir)/m.eml", raw)
        let (rc, out) = await shell("""
            \(python) -c "import email,email.policy,sys
            from email.header import decode_header, make_header
            b=open('\(dir)/m.eml','rb').read()
            out=[]
            for h in ('Subject','To'):
                out.append(str(email.message_from_bytes(b,policy=email.policy.default)[h]))
                out.append(str(make_header(decode_header(email.message_from_bytes(b)[h]))))
            sys.stdout.write('\\n'.join(out))"
            """)
        try #require(rc == 0, "\(out)")
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 4 && lines[0] == message.subject && lines[1] == message.subject, "python read: \(lines) for \(message.subject)")
        // The recipient's long Vietnamese name reads back whole, with single spaces, both ways.
        let to = "\(m.escalated.recipient.displayName) <\(m.escalated.recipient.address)>"
        #expect(m.escalated.recipient.displayName.utf8.count > 45, "the test needs a name longer than one encoded word")
        #expect(lines.count == 4 && lines[2] == to && lines[3] == to, "python read: \(lines) for \(to)")
    }
}

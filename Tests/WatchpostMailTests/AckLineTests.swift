// With neither a web address nor email replies configured (the shipped watchpost.conf has no
// [web] and no [imap]), the first notice's "Tiếp nhận sự cố:" line was printed with nothing after
// it (#14 review, session 5). It now says how to acknowledge, in both languages.
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostMail
import WatchpostTestSupport

@Suite struct AckLineTests {
    @Test func withoutWebOrRepliesTheNoticeSaysHowToAcknowledge() async throws {
        let cfg = try await MailTestConfig(smtpPort: 2525)
        defer { cfg.cleanup() }
        let (config, settings) = try cfg.load()
        #expect(settings.publicURL == nil && settings.imap == nil, "this test needs neither [web] nor [imap]")
        let composer = MailComposer(settings: settings, configuration: config)
        let at = Instant.parse("2026-11-25T08:00:00+07:00")!
        let (_, mail) = composer.compose(rows: [OutboxRow(id: 1, request: request("i7/triggered/bp", to: "bp@taytrang.example.org", incident: 7, at: at))],
                                         now: at, thread: [])
        let text = mail.text
        #expect(!text.contains("Tiếp nhận sự cố: \n") && !text.contains("Acknowledge: \n"), "an empty acknowledgement line:\n\(text)")
        #expect(text.contains("Tiếp nhận sự cố: báo cho cán bộ quản trị hệ thống giám sát để ghi nhận (lệnh: watchpost ack 7"), "\(text)")
        #expect(text.contains("Acknowledge: ask the monitoring system's administrator to record it (command: watchpost ack 7"), "\(text)")
    }
}

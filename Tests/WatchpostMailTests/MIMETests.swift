import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostMail
import WatchpostAuth
import Posix

@Suite("MIME and templates")
struct MIMETests {
    let vietnamese = "[NGHIÊM TRỌNG] Cửa khẩu quốc tế Tây Trang: Bộ điều khiển LED — mất kết nối, đề nghị kiểm tra ngay"

    @Test func encodedWordsRoundTripAndStayShort() {
        let encoded = MIME.encodeWords(vietnamese)
        for word in encoded.split(separator: "\r\n ") { #expect(word.count <= 75, "\(word)") }
        #expect(encoded.allSatisfy { $0.isASCII })
        expectEqual(MIME.decodeWords(encoded), vietnamese)
        expectEqual(MIME.encodeWords("plain ascii"), "plain ascii")
        // Q-encoding and Latin-1 from other clients decode too.
        expectEqual(MIME.decodeWords("Re: =?ISO-8859-1?Q?caf=E9?= ok"), "Re: café ok")
        expectEqual(MIME.decodeWords("=?utf-8?q?X=C3=81C_NH=E1=BA=ACN?="), "XÁC NHẬN")
    }

    @Test func dateIsRFC5322InTheSiteZone() {
        // 2026-11-24T00:50:11Z is 07:50:11 in Vietnam, a Tuesday.
        expectEqual(MIME.date(Instant(seconds: 1_795_481_411), offsetSeconds: 7 * 3600), "Tue, 24 Nov 2026 07:50:11 +0700")
        expectEqual(MIME.date(Instant(seconds: 0), offsetSeconds: 0), "Thu, 1 Jan 1970 00:00:00 +0000")
    }

    @Test func mailboxQuotesOrEncodesNames() {
        expectEqual(MIME.mailbox(name: "Watchpost", address: "a@b.org"), "Watchpost <a@b.org>")
        expectEqual(MIME.mailbox(name: "Smith, John", address: "a@b.org"), "\"Smith, John\" <a@b.org>")
        #expect(MIME.mailbox(name: "Đồn Biên phòng", address: "a@b.org").hasPrefix("=?UTF-8?B?"))
    }

    @Test func composedMessageParsesBackAndIsDeterministic() async throws {
        let cfg = try await MailTestConfig(smtpPort: 2525)
        defer { cfg.cleanup() }
        let (config, settings) = try cfg.load()
        let composer = MailComposer(settings: settings, configuration: config)
        let t = Instant(seconds: 1_795_481_411)
        let rows = [OutboxRow(id: 1, request: request("k1", to: "bp@taytrang.example.org", at: t)),
                    OutboxRow(id: 2, request: request("k2", to: "bp@taytrang.example.org", incident: 43, at: t, check: "ups", summary: "UPS chạy bằng pin"))]
        let (mail, message) = composer.compose(rows: rows, now: t, thread: ["wp.old@taytrang.example.org"])
        let again = composer.compose(rows: rows, now: t, thread: ["wp.old@taytrang.example.org"]).0
        expectEqual(mail.data, again.data, "same rows, same bytes: a resend is identical")
        expectEqual(mail.messageID, composer.messageID(keys: ["k2", "k1"]))
        let parsed = ParsedMail(mail.data)
        expectEqual(parsed.subject, message.subject)
        #expect(parsed.subject.contains("2 thông báo"))
        expectEqual(parsed.header("in-reply-to"), "<wp.old@taytrang.example.org>")
        expectEqual(parsed.header("references"), "<wp.old@taytrang.example.org>")
        expectEqual(parsed.header("mime-version"), "1.0")
        expectEqual(parsed.header("content-type")?.hasPrefix("multipart/alternative"), true)
        // Vietnamese first, then English; both incidents listed; one ack code per incident.
        let text = parsed.text
        let vi = try #require(text.range(of: "Mất kết nối bộ điều khiển LED"))
        let en = try #require(text.range(of: "new incident"))
        #expect(vi.lowerBound < en.lowerBound)
        #expect(text.contains("UPS chạy bằng pin"))
        let tokens = ReplyParser.tokens(in: text)
        expectEqual(tokens.count, 2)
        let key = try #require(settings.linkKey)
        let ack = try AckToken.verify(tokens[0], key: key, now: t)
        #expect(ack.incidentID == 42 && ack.recipient == "bp@taytrang.example.org")
        #expect(String(decoding: mail.data, as: UTF8.self).contains("text/html"))
        #expect(mail.data.allSatisfy { $0 < 128 }, "7-bit clean on the wire")
    }

    @Test func templatesFillAndSplitLanguages() {
        let r = TemplateRenderer.render("[{{status_vi}}] {{site}}\n\nTrạng thái: {{status_vi}}\n---\nState: {{status}}\n", ["status_vi": "LỖI", "status": "CRITICAL", "site": "Tây Trang"])
        expectEqual(r.subject, "[LỖI] Tây Trang")
        expectEqual(r.vietnamese, "Trạng thái: LỖI")
        expectEqual(r.english, "State: CRITICAL")
    }

    /// Issue 14 review s5: the automatic resolution printed "Chi tiết kỹ thuật: —". A section
    /// `{{#x}}…{{/x}}` is kept only when x says something; a whole-line section takes its line.
    @Test func sectionsAreLeftOutWhenTheirFieldIsEmpty() {
        let t = "S\n\nA: {{a}}\n{{#detail}}Chi tiết kỹ thuật: {{detail}}{{/detail}}\nB\n---\nE {{#detail}}({{detail}}){{/detail}}."
        let without = TemplateRenderer.render(t, ["a": "1", "detail": "—"])
        expectEqual(without.vietnamese, "A: 1\nB", "\(without.vietnamese)")
        expectEqual(without.english, "E .")
        expectEqual(TemplateRenderer.render(t, ["a": "1"]).vietnamese, "A: 1\nB")
        let with = TemplateRenderer.render(t, ["a": "1", "detail": "curl 7"])
        expectEqual(with.vietnamese, "A: 1\nChi tiết kỹ thuật: curl 7\nB", "\(with.vietnamese)")
        expectEqual(with.english, "E (curl 7).")
    }

    @Test func shippedTemplatesUseOnlyKnownPlaceholders() async throws {
        let cfg = try await MailTestConfig(smtpPort: 2525)
        defer { cfg.cleanup() }
        let (config, _) = try cfg.load()
        for name in ["triggered", "escalated", "reminder", "acknowledged", "resolved", "digest", "heartbeat", "delivery-failed", "reply-rejected", "test"] {
            #expect(config.templates[name] != nil, "alerts/templates/\(name).txt")
        }
    }

    /// A notice with no technical detail and no readings prints neither line, in any shipped
    /// template ("Chi tiết kỹ thuật: —; số đo: —" was left in nine; #14 review s6).
    @Test func shippedTemplatesLeaveOutMissingDetailAndReadings() async throws {
        let cfg = try await MailTestConfig(smtpPort: 2525)
        defer { cfg.cleanup() }
        let (config, _) = try cfg.load()
        #expect(config.templates.count >= 9)
        for (name, template) in config.templates {
            let text = template.text
            let r = TemplateRenderer.render(text, ["detail": "—", "value": "—", "value_en": "—", "check": "uplink"])
            for line in (r.vietnamese + "\n" + r.english).split(separator: "\n") {
                #expect(!line.hasSuffix(": —") && !line.contains(": —;"), "\(name): \(line)")
            }
            if text.contains("{{check}}") && text.contains("{{#detail}}") {
                #expect(r.vietnamese.contains("Mã hạng mục: uplink") || r.vietnamese.contains("mã hạng mục: uplink"), "\(name): \(r.vietnamese)")
            }
        }
    }

    @Test func insecureOnlyToLoopbackOrListedHosts() async throws {
        let cfg = try await MailTestConfig(smtpPort: 2525)
        defer { cfg.cleanup() }
        let conf = try FileSystem.readText("\(cfg.dir)/watchpost.conf").replacingOccurrences(of: "host = 127.0.0.1", with: "host = mail.example.org")
        try FileSystem.writeAtomically("\(cfg.dir)/watchpost.conf", conf)
        let (_, diags) = ConfigurationLoader.validate(root: cfg.dir)
        #expect(diags.contains { $0.key == "insecure" && $0.message.contains("not loopback") }, "\(diags)")
    }
}

extension String {
    func replacingOccurrences(of a: String, with b: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: a) { out += rest[..<r.lowerBound] + b; rest = rest[r.upperBound...] }
        return out + rest
    }
    func range(of s: String) -> Range<String.Index>? { firstRange(of: s) }
}

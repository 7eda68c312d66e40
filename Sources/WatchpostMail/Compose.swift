// Turns outbox rows into one email per recipient: renders each notification's template
// (alerts/templates/<name>.txt: first line the subject, then the body, Vietnamese first and
// English after a line `---`), fills the acknowledgement link and code, groups several
// notifications into one message (all Vietnamese parts, then all English parts), adds the
// threading headers, and derives the Message-ID from the rows' keys so that it is stable.
import WatchpostCore
import Posix
import WatchpostConfig
import WatchpostStore
import WatchpostAuth
import Crypto

/// A template rendered with its fields.
public struct RenderedNotification: Sendable, Hashable {
    public var subject: String
    public var vietnamese: String
    public var english: String
}

public enum TemplateRenderer {
    /// Replaces `{{name}}` with its field (missing fields become empty). `{{#x}}…{{/x}}` keeps
    /// what is between only when `x` has something to say (not missing, empty or "—"), so a line
    /// like "Chi tiết kỹ thuật: —" is left out rather than printed empty (issue 14 point 6); a
    /// section that was a whole line takes its line break with it.
    public static func fill(_ text: String, _ fields: [String: String]) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else { out += rest[open.lowerBound...]; return out }
            let name = rest[open.upperBound..<close.lowerBound].trimmingWhitespace()
            rest = rest[close.upperBound...]
            if name.hasPrefix("#") {
                let field = String(name.dropFirst())
                let value = (fields[field] ?? "").trimmingWhitespace()
                if value.isEmpty || value == "—", let end = rest.firstRange(of: "{{/\(field)}}") {
                    rest = rest[end.upperBound...]
                    if (out.isEmpty || out.hasSuffix("\n")), rest.first == "\n" { rest = rest.dropFirst() }
                }
            } else if !name.hasPrefix("/") {
                out += fields[name] ?? ""
            }
        }
        return out + rest
    }

    /// Line 1 is the subject; after a blank line the body; a line `---` separates Vietnamese
    /// (first) from English.
    public static func render(_ template: String, _ fields: [String: String]) -> RenderedNotification {
        let filled = fill(template.replacingOccurrences("\r\n", "\n"), fields)
        var lines = filled.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let subject = lines.isEmpty ? "" : lines.removeFirst().trimmingWhitespace()
        let body = lines.joined(separator: "\n")
        var vi = body, en = ""
        if let sep = lines.firstIndex(where: { $0.trimmingWhitespace() == "---" }) {
            vi = lines[..<sep].joined(separator: "\n")
            en = lines[(sep + 1)...].joined(separator: "\n")
        }
        return RenderedNotification(subject: subject, vietnamese: vi.trimmingNewlines(), english: en.trimmingNewlines())
    }
}

extension String {
    func trimmingNewlines() -> String {
        var s = Substring(self)
        while let f = s.first, f == "\n" || f == " " { s = s.dropFirst() }
        while let l = s.last, l == "\n" || l == " " { s = s.dropLast() }
        return String(s)
    }
}

/// Builds messages from outbox rows. Pure: the caller passes the time and the thread ids.
public struct MailComposer: Sendable {
    public var settings: MailSettings
    public var configuration: WatchpostConfiguration
    /// Whether replies are read (the "reply ACK" hint is only offered then).
    public var repliesEnabled: Bool

    public init(settings: MailSettings, configuration: WatchpostConfiguration) {
        self.settings = settings
        self.configuration = configuration
        self.repliesEnabled = settings.imap != nil
    }

    /// Template used for a request: its own, else one named after its event, else `incident`.
    func template(for r: NotificationRequest) -> String {
        for name in [r.template, r.event.rawValue, MailComposer.kebab(r.event.rawValue), "incident"] {
            if let t = configuration.templates[name] { return t.text }
        }
        return MailComposer.builtinFallback
    }

    static func kebab(_ s: String) -> String {
        var out = ""
        for c in s { if c.isUppercase { out += "-" + c.lowercased() } else { out.append(c) } }
        return out
    }

    /// Used only when alerts/templates has neither the request's template nor `incident.txt`.
    static let builtinFallback = """
        [Watchpost] {{site}}: {{summary}}

        {{site}} — {{check_name}}: {{status_vi}} — {{summary}}
        ---
        {{site_en}} — {{check_name}}: {{status}} — {{summary}}
        """

    /// The signed acknowledgement token for one notification to one recipient, if a link key is set.
    public func ackToken(for r: NotificationRequest) -> String? {
        guard let key = settings.linkKey, let incident = r.incidentID,
              [.triggered, .escalated, .reminder, .reopened, .escalationNotice, .informed].contains(r.event) else { return nil }
        return AckToken(incidentID: incident, level: r.level ?? 1, recipient: r.recipient.address.lowercased(),
                        expires: r.createdAt + settings.ackTokenTTL).signed(key: key)
    }

    func fields(for r: NotificationRequest) -> [String: String] {
        var f = r.fields
        let site = configuration.site(r.site)
        f["site_id"] = f["site_id"] ?? r.site
        f["site"] = f["site"] ?? site?.name ?? r.site
        f["site_en"] = f["site_en"] ?? site?.nameEnglish ?? f["site"]
        f["recipient"] = f["recipient"] ?? r.recipient.displayName
        f["incident"] = f["incident"] ?? r.incidentID.map { "#\($0)" } ?? ""
        f["level"] = f["level"] ?? r.level.map(String.init) ?? ""
        f["event"] = f["event"] ?? r.event.rawValue
        // The place alone for subjects ("[Tây Trang] Sự cố #12 …"); the engine only knows the full name.
        if let site { f["site_short"] = site.shortName.isEmpty ? site.name : site.shortName } else if f["site_short"] == nil { f["site_short"] = f["site"] }
        let zone = site?.zone ?? .hoChiMinh
        f["time"] = f["time"] ?? HumanFormat.dateTime(r.createdAt, .vi, zone: zone)
        f["time_en"] = f["time_en"] ?? HumanFormat.dateTime(r.createdAt, .en, zone: zone)
        for (vi, en) in [("summary", "summary_en"), ("since", "since_en"), ("subject", "subject_en"), ("category", "category_en"), ("check_name", "check_name_en")] where f[en] == nil {
            f[en] = f[vi]  // a request from before issue 15 carries one form only
        }
        if let token = ackToken(for: r) {
            f["ack_code"] = token
            if f["ack_link"] == nil || f["ack_link"] == "" {
                f["ack_link"] = settings.publicURL.map { "\($0)/ack/\(token)" }
                    ?? (repliesEnabled ? Catalogue.render(Message("mail.ack.by_reply_link"), .vi) : "")
            }
        }
        if (f["ack_link_en"] ?? "").isEmpty {
            f["ack_link_en"] = settings.publicURL == nil && repliesEnabled && ackToken(for: r) != nil
                ? Catalogue.render(Message("mail.ack.by_reply_link"), .en) : f["ack_link"]
        }
        // Neither a web link nor email replies (no link key, no [web] base URL, no [imap], as
        // shipped): say how to acknowledge instead of the label with nothing after it (#14
        // review, session 5; point 6: an empty placeholder is not an empty line).
        if (f["ack_link"] ?? "").isEmpty, let id = r.incidentID {
            let how = Message("mail.ack.by_operator", ["id": .text(String(id))])
            f["ack_link"] = Catalogue.render(how, .vi)
            f["ack_link_en"] = Catalogue.render(how, .en)
        }
        return f
    }

    public func messageID(keys: [String]) -> String {
        let digest = Hex.encode(Array(SHA256Hasher.digest(keys.sorted().joined(separator: "\n")).prefix(12)))
        return "wp.\(digest).\(keys.count)@\(settings.messageIDDomain)"
    }

    /// One message for `rows` (all to the same recipient). `thread` are earlier Message-IDs of
    /// the same incidents to the same recipient, oldest first.
    /// `anchor`: the timeline head when the message is composed; shown in the text and in the
    /// `X-Watchpost-Timeline` header so every mailbox holds a point of the hash chain.
    public func compose(rows: [OutboxRow], now: Instant, thread: [String], anchor: TimelineAnchor? = nil) -> (ComposedMail, MailMessage) {
        let requests = rows.map(\.request)
        let first = requests[0]
        let site = configuration.site(first.site)
        let rendered = requests.map { TemplateRenderer.render(template(for: $0), fields(for: $0)) }
        let tokens = requests.compactMap(ackToken(for:))
        var subject: String
        if rendered.count == 1 {
            subject = rendered[0].subject
        } else {
            // The place alone, as every other subject has it ("[Tây Trang] …"), not the site's full name.
            let sites = Set(requests.map { r in configuration.site(r.site).map { $0.shortName.isEmpty ? $0.name : $0.shortName } ?? r.site }).sorted().joined(separator: ", ")
            subject = Catalogue.render(Message("mail.grouped.subject", ["site": .text(sites), "count": .count(rendered.count)]), .vi)
        }
        if subject.isEmpty { subject = "[Watchpost] \(site?.name ?? first.site)" }

        var vi: [String] = [], en: [String] = []
        if rendered.count > 1 {
            let intro = Message("mail.grouped.intro", ["count": .count(rendered.count), "recipient": .text(first.recipient.displayName)])
            vi.append(Catalogue.render(intro, .vi))
            en.append(Catalogue.render(intro, .en))
        }
        for (i, (r, req)) in zip(rendered, requests).enumerated() {
            let head = rendered.count > 1 ? "\(i + 1). \(r.subject)\n" : ""
            var v = head + r.vietnamese
            var e = head + r.english
            if let t = ackToken(for: req) {
                // A for-information notice asks for no acknowledgement ("không cần tiếp nhận"): its
                // code is only the incident's reference for a reply (the Department's "ĐỀ XUẤT UBND").
                let code = Message(req.event == .informed ? "mail.reference.code" : "mail.ack.code", ["code": .text(t)])
                v += "\n" + Catalogue.render(code, .vi)
                if !r.english.isEmpty { e += "\n" + Catalogue.render(code, .en) }
            }
            vi.append(v)
            if !r.english.isEmpty { en.append(e) }
        }
        if !tokens.isEmpty && repliesEnabled {
            if requests.contains(where: { $0.event != .informed }) {
                vi.append(Catalogue.render(Message("mail.ack.reply_hint"), .vi))
                en.append(Catalogue.render(Message("mail.ack.reply_hint"), .en))
            }
            // The Department decides whether a matter goes to the Provincial People's Committee
            // (Tây Trang 7.1.3, last paragraph): its notices say how to do it by reply.
            let roles = first.recipient.roles ?? configuration.contacts.party(first.recipient.address)?.roles ?? []
            if roles.contains(.department) {
                vi.append(Catalogue.render(Message("mail.reply.escalate-hint"), .vi))
                en.append(Catalogue.render(Message("mail.reply.escalate-hint"), .en))
            }
        }
        if let anchor {
            // A register's notice (feedback forwarded or reminded) is about no incident.
            let key: MessageKey = requests.allSatisfy { $0.event == .registerNotice } ? "mail.anchor.register" : "mail.anchor"
            vi.append(Catalogue.render(Message(key, ["anchor": .text(anchor.description)]), .vi))
            en.append(Catalogue.render(Message(key, ["anchor": .text(anchor.description)]), .en))
        }
        let rule = "\n\n" + String(repeating: "—", count: 24) + "\n\n"
        let text = vi.joined(separator: rule) + "\n\n---\n\n" + en.joined(separator: rule) + "\n\n-- \n" + Catalogue.render(Message("mail.signature"), .vi) + "\n"
        let html = MailComposer.html(vietnamese: vi, english: en)
        let keys = requests.map(\.key)
        let id = messageID(keys: keys)
        let refs = Array(thread.filter { $0 != id }.suffix(10))
        let message = MailMessage(
            fromName: settings.fromName, fromAddress: settings.fromAddress, toName: first.recipient.displayName == first.recipient.address ? "" : first.recipient.displayName, toAddress: first.recipient.address,
            subject: subject, date: now, offsetSeconds: (site?.zone ?? .hoChiMinh).offsetSeconds, messageID: id,
            inReplyTo: refs.last, references: refs,
            extraHeaders: [("Auto-Submitted", "auto-generated"), ("X-Watchpost-Site", first.site)]
                + (first.incidentID.map { [("X-Watchpost-Incident", String($0))] } ?? [])
                + (anchor.map { [("X-Watchpost-Timeline", $0.description)] } ?? []),
            text: text, html: html, attachments: MailComposer.attachments(of: requests))
        let mail = ComposedMail(messageID: id, recipient: first.recipient.address, site: first.site, subject: subject,
                                data: message.rendered(), rowIDs: rows.map(\.id))
        return (mail, message)
    }

    static func escape(_ s: String) -> String { htmlEscaped(s, apostrophe: false) }

    /// Files a request names in `attachment_pdf`, `attachment_html`, `attachment_csv` (a scheduled report writes
    /// them under the database's folder when it queues the email). A file that cannot be read
    /// is left out: the email still carries the text report and the link.
    public static func attachments(of requests: [NotificationRequest]) -> [MailAttachment] {
        var out: [MailAttachment] = []
        for r in requests {
            for (field, type) in [("attachment_pdf", "application/pdf"), ("attachment_html", "text/html; charset=utf-8"), ("attachment_csv", "text/csv; charset=utf-8")] {
                guard let path = r.fields[field], let data = try? FileSystem.readBytes(path, limit: 64 << 20) else { continue }
                let name = String(path.split(separator: "/").last ?? "report")
                if !out.contains(where: { $0.fileName == name }) { out.append(MailAttachment(fileName: name, contentType: type, data: data)) }
            }
        }
        return out
    }

    /// Escapes a line and turns http(s) URLs into links.
    static func htmlLine(_ line: String) -> String {
        var out = ""
        for (i, word) in line.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if i > 0 { out += " " }
            if word.hasPrefix("http://") || word.hasPrefix("https://") {
                let u = escape(String(word))
                out += "<a href=\"\(u)\">\(u)</a>"
            } else {
                out += escape(String(word))
            }
        }
        return out
    }

    static func html(vietnamese: [String], english: [String]) -> String {
        func block(_ parts: [String], lang: String) -> String {
            parts.map { p in
                "<div class=\"item\">" + p.split(separator: "\n", omittingEmptySubsequences: false).map { htmlLine(String($0)) }.joined(separator: "<br>\n") + "</div>"
            }.joined(separator: "\n<hr>\n").wrapped("<div lang=\"\(lang)\">", "</div>")
        }
        return """
            <!DOCTYPE html>
            <html lang="vi"><head><meta charset="utf-8"><title>Watchpost</title></head>
            <body style="font-family: sans-serif; line-height: 1.4">
            \(block(vietnamese, lang: "vi"))
            <hr style="border: 0; border-top: 2px solid #888">
            \(block(english, lang: "en"))
            <p style="color: #666">Watchpost</p>
            </body></html>
            """
    }
}

extension String {
    func wrapped(_ a: String, _ b: String) -> String { a + "\n" + self + "\n" + b }
}

// RFC 5322 / MIME for Watchpost's mail: composing bilingual UTF-8 messages (RFC 2047 encoded
// Subject and display names, multipart/alternative text + HTML, Date, Message-ID, threading
// headers) and reading replies (header unfolding, encoded words, multipart, quoted-printable and
// base64 bodies). Composition is deterministic — the same input gives the same bytes — so a
// message stored in the outbox and sent again is identical, Message-ID included.
import WatchpostCore
import Crypto

public enum MIME {
    // MARK: Base64 (standard alphabet, for MIME)

    static let b64 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func base64(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(b64[Int(b0 >> 2)])
            out.append(b64[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? b64[Int((b1 & 15) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? b64[Int(b2 & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes base64, ignoring whitespace and line breaks; nil on any other invalid character.
    public static func decodeBase64(_ text: some StringProtocol) -> [UInt8]? {
        var vals: [UInt8] = []
        for c in text.utf8 {
            if c == UInt8(ascii: "=") { break }
            if c == 13 || c == 10 || c == 32 || c == 9 { continue }
            guard let v = b64.firstIndex(of: c) else { return nil }
            vals.append(UInt8(v))
        }
        var out: [UInt8] = []
        var i = 0
        while i + 1 < vals.count {
            out.append(vals[i] << 2 | vals[i + 1] >> 4)
            if i + 2 < vals.count { out.append((vals[i + 1] & 15) << 4 | vals[i + 2] >> 2) }
            if i + 3 < vals.count { out.append((vals[i + 2] & 3) << 6 | vals[i + 3]) }
            i += 4
        }
        return out
    }

    /// Base64 in lines of 76 characters, CRLF-separated (RFC 2045).
    static func base64Lines(_ bytes: [UInt8]) -> String {
        let s = Array(base64(bytes))
        var lines: [String] = []
        var i = 0
        while i < s.count { lines.append(String(s[i..<min(i + 76, s.count)])); i += 76 }
        return lines.joined(separator: "\r\n")
    }

    // MARK: RFC 2047 encoded words

    static func needsEncoding(_ s: String) -> Bool {
        s.unicodeScalars.contains { $0.value > 126 || ($0.value < 32 && $0 != "\t") } || s.contains("=?")
    }

    /// A header value as one or more `=?UTF-8?B?…?=` words (each at most 75 characters), folded
    /// with CRLF + space; plain ASCII is returned unchanged. Words break only after a space, the
    /// space kept inside the earlier encoded word: readers drop the folding whitespace between
    /// encoded words, and one that does not (or shows each word apart) still never cuts a
    /// Vietnamese word in two ("Đ iện Biên"). Only a single word longer than one encoded word
    /// (45 bytes) is split, between characters.
    public static func encodeWords(_ s: String) -> String {
        guard needsEncoding(s) else { return s }
        let limit = 45  // 45 bytes → 60 base64 characters + 12 of framing
        var words: [String] = []
        var chunk: [UInt8] = []
        func flush() { if !chunk.isEmpty { words.append("=?UTF-8?B?\(base64(chunk))?=") }; chunk = [] }
        // Tokens: a word with the spaces that follow it.
        var tokens: [String] = []
        var current = ""
        for ch in s {
            if ch != " " && current.last == " " { tokens.append(current); current = "" }
            current.append(ch)
        }
        if !current.isEmpty { tokens.append(current) }
        for token in tokens {
            let bytes = Array(token.utf8)
            if chunk.count + bytes.count <= limit { chunk += bytes; continue }
            flush()
            if bytes.count <= limit { chunk = bytes; continue }
            for ch in token {  // one word too long for an encoded word: split between characters
                let b = Array(String(ch).utf8)
                if chunk.count + b.count > limit { flush() }
                chunk += b
            }
        }
        flush()
        return words.joined(separator: "\r\n ")
    }

    /// A display name (an RFC 5322 phrase) as one encoded word. Readers treat the whitespace
    /// between encoded words of a phrase differently (Python's default policy keeps it, so a
    /// name split after "phòng " reads "phòng  tỉnh", and one split inside a word "Đ iện"): one
    /// word reads the same everywhere. A name too long for one header line is split as a subject.
    public static func encodePhrase(_ s: String) -> String {
        let bytes = Array(s.utf8)
        return bytes.count <= 600 ? "=?UTF-8?B?\(base64(bytes))?=" : encodeWords(s)
    }

    /// `Display Name <address>` with the name encoded or quoted as needed.
    public static func mailbox(name: String, address: String) -> String {
        let n = name.trimmingWhitespace()
        if n.isEmpty { return "<\(address)>" }
        if needsEncoding(n) { return "\(encodePhrase(n)) <\(address)>" }
        let specials = "()<>[]:;@\\,.\""
        if n.contains(where: { specials.contains($0) }) {
            return "\"\(n.replacingOccurrences("\\", "\\\\").replacingOccurrences("\"", "\\\""))\" <\(address)>"
        }
        return "\(n) <\(address)>"
    }

    /// Decodes every RFC 2047 encoded word (B and Q, UTF-8 or Latin-1/ASCII) in a header value;
    /// whitespace between adjacent encoded words is dropped as the RFC says.
    public static func decodeWords(_ s: String) -> String {
        var out = ""
        var rest = Substring(s)
        var lastWasWord = false
        while let start = rest.range(of: "=?") {
            let before = rest[..<start.lowerBound]
            guard let word = parseWord(rest[start.lowerBound...]) else {
                out += before + "=?"
                rest = rest[start.upperBound...]
                lastWasWord = false
                continue
            }
            if !(lastWasWord && before.allSatisfy({ $0.isWhitespace })) { out += before }
            out += word.text
            rest = word.rest
            lastWasWord = true
        }
        return out + rest
    }

    private static func parseWord(_ s: Substring) -> (text: String, rest: Substring)? {
        // =?charset?X?text?=
        let parts = s.dropFirst(2).split(separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[3].hasPrefix("="), !parts[2].contains(" ") else { return nil }
        let charset = parts[0].lowercased(), enc = parts[1].uppercased(), text = parts[2]
        var bytes: [UInt8]
        if enc == "B" { guard let b = decodeBase64(text) else { return nil }; bytes = b }
        else if enc == "Q" { bytes = decodeQuotedPrintable(String(text).replacingOccurrences("_", " "), headerMode: true) }
        else { return nil }
        let decoded = charset.hasPrefix("utf-8") || charset == "utf8" || charset == "us-ascii"
            ? String(decoding: bytes, as: UTF8.self) : String(bytes.map { Character(UnicodeScalar($0)) })
        bytes = []
        return (decoded, parts[3].dropFirst())
    }

    // MARK: Quoted-printable

    public static func decodeQuotedPrintable(_ s: String, headerMode: Bool = false) -> [UInt8] {
        let b = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 65...70: return c - 55
            case 97...102: return c - 87
            default: return nil
            }
        }
        while i < b.count {
            if b[i] == UInt8(ascii: "=") {
                if i + 2 < b.count {
                    if b[i + 1] == 13 && b[i + 2] == 10 { i += 3; continue }  // soft line break
                    if let h = hex(b[i + 1]), let l = hex(b[i + 2]) { out.append(h << 4 | l); i += 3; continue }
                }
                if i + 1 < b.count && b[i + 1] == 10 { i += 2; continue }
                if i + 1 == b.count { i += 1; continue }
            }
            out.append(b[i])
            i += 1
        }
        _ = headerMode
        return out
    }

    // MARK: Dates

    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// RFC 5322 date-time, e.g. `Tue, 24 Nov 2026 07:50:11 +0700`.
    public static func date(_ t: Instant, offsetSeconds: Int) -> String {
        let local = t.seconds + Int64(offsetSeconds)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secs = Int(local - days * 86_400)
        let d = CivilDate(daysSinceEpoch: days)
        let sign = offsetSeconds >= 0 ? "+" : "-"
        let off = abs(offsetSeconds) / 60
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekdays[d.isoWeekday - 1]), \(d.day) \(months[d.month - 1]) \(d.year) \(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)) \(sign)\(two(off / 60))\(two(off % 60))"
    }
}

/// One outgoing message, in both languages, text and HTML.
public struct MailMessage: Sendable, Hashable {
    public var fromName: String
    public var fromAddress: String
    public var toName: String
    public var toAddress: String
    public var subject: String
    public var date: Instant
    public var offsetSeconds: Int
    /// Without angle brackets: `wp.1a2b…@watchpost.example.org`.
    public var messageID: String
    public var inReplyTo: String?
    public var references: [String]
    public var extraHeaders: [(String, String)]
    public var text: String
    public var html: String
    /// Files sent with the message (a report's PDF and CSV).
    public var attachments: [MailAttachment] = []

    public init(fromName: String, fromAddress: String, toName: String, toAddress: String, subject: String, date: Instant,
                offsetSeconds: Int = 7 * 3600, messageID: String, inReplyTo: String? = nil, references: [String] = [],
                extraHeaders: [(String, String)] = [], text: String, html: String, attachments: [MailAttachment] = []) {
        self.attachments = attachments
        self.fromName = fromName
        self.fromAddress = fromAddress
        self.toName = toName
        self.toAddress = toAddress
        self.subject = subject
        self.date = date
        self.offsetSeconds = offsetSeconds
        self.messageID = messageID
        self.inReplyTo = inReplyTo
        self.references = references
        self.extraHeaders = extraHeaders
        self.text = text
        self.html = html
    }

    public static func == (a: MailMessage, b: MailMessage) -> Bool { a.rendered() == b.rendered() }
    public func hash(into h: inout Hasher) { h.combine(rendered()) }

    /// The message as sent: CRLF line endings, 7-bit clean (bodies in base64).
    public func rendered() -> [UInt8] {
        // The boundary derives from the Message-ID so that the same message renders identically.
        let boundary = "=_wp_" + Hex.encode(Array(SHA256Hasher.digest(messageID).prefix(12)))
        var h: [String] = []
        h.append("From: \(MIME.mailbox(name: fromName, address: fromAddress))")
        h.append("To: \(MIME.mailbox(name: toName, address: toAddress))")
        h.append("Subject: \(MIME.encodeWords(subject))")
        h.append("Date: \(MIME.date(date, offsetSeconds: offsetSeconds))")
        h.append("Message-ID: <\(messageID)>")
        if let r = inReplyTo { h.append("In-Reply-To: <\(r)>") }
        if !references.isEmpty { h.append("References: " + references.map { "<\($0)>" }.joined(separator: "\r\n ")) }
        for (k, v) in extraHeaders { h.append("\(k): \(MIME.encodeWords(v))") }
        h.append("MIME-Version: 1.0")
        // With attachments: multipart/mixed holding the text/HTML alternative, then each file.
        let mixed = "=_wpm_" + Hex.encode(Array(SHA256Hasher.digest(messageID).prefix(12)))
        if attachments.isEmpty {
            h.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        } else {
            h.append("Content-Type: multipart/mixed; boundary=\"\(mixed)\"")
        }
        var body = h.joined(separator: "\r\n") + "\r\n\r\n"
        body += "This is a multi-part message in MIME format.\r\n"
        if !attachments.isEmpty {
            body += "\r\n--\(mixed)\r\nContent-Type: multipart/alternative; boundary=\"\(boundary)\"\r\n\r\n"
        }
        for (type, content) in [("text/plain", text), ("text/html", html)] {
            body += "\r\n--\(boundary)\r\n"
            body += "Content-Type: \(type); charset=UTF-8\r\n"
            body += "Content-Transfer-Encoding: base64\r\n\r\n"
            body += MIME.base64Lines(Array(content.replacingOccurrences("\r\n", "\n").replacingOccurrences("\n", "\r\n").utf8)) + "\r\n"
        }
        body += "\r\n--\(boundary)--\r\n"
        for a in attachments {
            body += "\r\n--\(mixed)\r\n"
            body += "Content-Type: \(a.contentType); name=\"\(a.fileName)\"\r\n"
            body += "Content-Disposition: attachment; filename=\"\(a.fileName)\"\r\n"
            body += "Content-Transfer-Encoding: base64\r\n\r\n"
            body += MIME.base64Lines(a.data) + "\r\n"
        }
        if !attachments.isEmpty { body += "\r\n--\(mixed)--\r\n" }
        return Array(body.utf8)
    }
}

/// A file sent with a message. `fileName` is ASCII (the report's file names are).
public struct MailAttachment: Sendable, Hashable {
    public var fileName: String
    public var contentType: String
    public var data: [UInt8]
    public init(fileName: String, contentType: String, data: [UInt8]) { self.fileName = fileName; self.contentType = contentType; self.data = data }
}

/// A received message, parsed enough to act on a reply.
public struct ParsedMail: Sendable, Hashable {
    /// Unfolded headers, names lower-cased, in order.
    public var headers: [(name: String, value: String)]
    /// The plain-text body (the text/plain part of a multipart message; HTML stripped as a fallback).
    public var text: String

    public static func == (a: ParsedMail, b: ParsedMail) -> Bool { a.text == b.text && a.headers.map { "\($0.name):\($0.value)" } == b.headers.map { "\($0.name):\($0.value)" } }
    public func hash(into h: inout Hasher) { h.combine(text) }

    public func header(_ name: String) -> String? { headers.first { $0.name == name.lowercased() }?.value }
    public var subject: String { MIME.decodeWords(header("subject") ?? "") }
    public var messageID: String? { header("message-id").map { $0.trimmingWhitespace().trimmingCharacters(in: "<>") } }
    /// The bare address of From, lower-cased.
    public var fromAddress: String? { header("from").map(ParsedMail.address(in:)) }

    static func address(in value: String) -> String {
        var v = value
        if let lt = v.lastIndex(of: "<"), let gt = v.lastIndex(of: ">"), lt < gt { v = String(v[v.index(after: lt)..<gt]) }
        return v.trimmingWhitespace().lowercased()
    }

    public init(headers: [(name: String, value: String)], text: String) {
        self.headers = headers
        self.text = text
    }

    /// Parses RFC 5322 bytes (CRLF or LF line endings).
    public init(_ bytes: [UInt8]) {
        let raw = String(decoding: bytes, as: UTF8.self).replacingOccurrences("\r\n", "\n")
        let (headers, body) = ParsedMail.splitHeaders(raw)
        self.headers = headers
        self.text = ParsedMail.textBody(headers: headers, body: body)
    }

    static func splitHeaders(_ raw: String) -> ([(name: String, value: String)], String) {
        var headers: [(name: String, value: String)] = []
        let sep = raw.range(of: "\n\n")
        let head = sep.map { String(raw[..<$0.lowerBound]) } ?? raw
        let body = sep.map { String(raw[$0.upperBound...]) } ?? ""
        for line in head.split(separator: "\n", omittingEmptySubsequences: false) {
            if (line.hasPrefix(" ") || line.hasPrefix("\t")), !headers.isEmpty {
                headers[headers.count - 1].value += " " + line.trimmingWhitespace()
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]).trimmingWhitespace().lowercased(), String(line[line.index(after: colon)...]).trimmingWhitespace()))
            }
        }
        return (headers, body)
    }

    static func parameter(_ name: String, in value: String) -> String? {
        for part in value.split(separator: ";").dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0].trimmingWhitespace().lowercased() == name {
                return kv[1].trimmingWhitespace().trimmingCharacters(in: "\"")
            }
        }
        return nil
    }

    static func decodeBody(_ body: String, encoding: String?) -> String {
        switch encoding?.lowercased().trimmingWhitespace() {
        case "base64": return String(decoding: MIME.decodeBase64(body) ?? Array(body.utf8), as: UTF8.self)
        case "quoted-printable": return String(decoding: MIME.decodeQuotedPrintable(body.replacingOccurrences("\n", "\r\n")), as: UTF8.self).replacingOccurrences("\r\n", "\n")
        default: return body
        }
    }

    static func textBody(headers: [(name: String, value: String)], body: String, depth: Int = 0) -> String {
        let type = headers.first { $0.name == "content-type" }?.value ?? "text/plain"
        let lower = type.lowercased()
        let encoding = headers.first { $0.name == "content-transfer-encoding" }?.value
        if lower.hasPrefix("multipart/"), depth < 5, let boundary = parameter("boundary", in: type) {
            var parts: [([(name: String, value: String)], String)] = []
            for chunk in body.components(separatedBy: "--\(boundary)").dropFirst() {
                if chunk.hasPrefix("--") { break }
                let c = chunk.hasPrefix("\n") ? String(chunk.dropFirst()) : chunk
                parts.append(splitHeaders(c))
            }
            // Prefer text/plain; otherwise the first part that yields text.
            if let plain = parts.first(where: { ($0.0.first { $0.name == "content-type" }?.value ?? "text/plain").lowercased().hasPrefix("text/plain") }) {
                return textBody(headers: plain.0, body: plain.1, depth: depth + 1)
            }
            for p in parts {
                let t = textBody(headers: p.0, body: p.1, depth: depth + 1)
                if !t.isEmpty { return t }
            }
            return ""
        }
        let decoded = decodeBody(body, encoding: encoding)
        if lower.hasPrefix("text/html") { return stripHTML(decoded) }
        return decoded
    }

    static func stripHTML(_ s: String) -> String {
        var out = ""
        var inTag = false
        var tag = ""
        for ch in s {
            if ch == "<" { inTag = true; tag = ""; continue }
            if ch == ">" && inTag {
                inTag = false
                let t = tag.lowercased()
                if t.hasPrefix("br") || t.hasPrefix("/p") || t.hasPrefix("/div") || t.hasPrefix("/blockquote") { out += "\n" }
                continue
            }
            if inTag { tag.append(ch) } else { out.append(ch) }
        }
        return out.replacingOccurrences("&nbsp;", " ").replacingOccurrences("&lt;", "<").replacingOccurrences("&gt;", ">")
            .replacingOccurrences("&quot;", "\"").replacingOccurrences("&amp;", "&")
    }
}

extension String {
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        guard !a.isEmpty, contains(a) else { return self }
        return components(separatedBy: a).joined(separator: b)
    }

    func components(separatedBy sep: String) -> [String] {
        var out: [String] = []
        var rest = Substring(self)
        while let r = rest.range(of: sep) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }

    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

extension Substring {
    func range(of needle: String) -> Range<Substring.Index>? { firstRange(of: needle) }
}
extension String {
    func range(of needle: String) -> Range<String.Index>? { firstRange(of: needle) }
}

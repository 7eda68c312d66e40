// Mail transfers over libcurl: SMTP submission (one connection reused for a batch of messages)
// and the few IMAP commands reply polling needs (search, fetch, flag). This file owns the
// protocol-level settings (TLS mode, CA bundle, timeouts, credentials) and turns libcurl's
// outcome into values the mail module can classify: accepted, the server's reply code, and the
// server's reply lines, so that an operator sees exactly what the server said.

/// How a mail connection is protected.
public enum MailSecurity: String, Sendable, Hashable, CaseIterable {
    /// Plain connection upgraded with STARTTLS; refusing to continue without it (the default).
    case starttls
    /// TLS from the first byte (`smtps://`, `imaps://`).
    case implicit
    /// No TLS at all: only allowed by configuration (`insecure = true`) to loopback or listed hosts.
    case none
}

/// Where and how to connect. Values only; no secret is ever printed (see `description`).
public struct MailEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var security: MailSecurity
    public var caFile: String?
    public var username: String?
    public var password: String?
    public var connectTimeoutMilliseconds: Int
    /// Limit on one whole transfer (one message, one IMAP command).
    public var timeoutMilliseconds: Int

    public init(host: String, port: Int, security: MailSecurity, caFile: String? = nil, username: String? = nil, password: String? = nil,
                connectTimeoutMilliseconds: Int = 10_000, timeoutMilliseconds: Int = 60_000) {
        self.host = host
        self.port = port
        self.security = security
        self.caFile = caFile
        self.username = username
        self.password = password
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    func url(scheme plain: String, tls: String, path: String = "") -> String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(security == .implicit ? tls : plain)://\(h):\(port)\(path)"
    }

    public var description: String {
        "\(host):\(port) (\(security.rawValue)\(username.map { ", user \($0)" } ?? ""))"
    }

    func configure(_ easy: CurlEasy, url: String) throws(CurlError) {
        try easy.set(.url, url)
        switch security {
        case .starttls: try easy.setUseSSL(.all)  // CURLUSESSL_ALL: fail rather than send in clear
        case .implicit: try easy.setUseSSL(.all)
        case .none: try easy.setUseSSL(.none)
        }
        if let caFile { try easy.set(.caInfo, caFile) }
        if let username { try easy.set(.userName, username) }
        if let password { try easy.set(.password, password) }
        try easy.setConnectTimeout(milliseconds: connectTimeoutMilliseconds)
        try easy.setTimeout(milliseconds: timeoutMilliseconds)
        // A server that accepts the connection and then says nothing is caught by this too.
        try easy.setLong(.serverResponseTimeout, max(1, timeoutMilliseconds / 1000))
    }
}

/// The outcome of one SMTP transaction (one message).
public struct SMTPOutcome: Sendable {
    /// The server accepted the message (250 after the end of DATA).
    public var accepted: Bool
    /// The last reply code the server sent (0 when there was none: no connection, TLS failure…).
    public var replyCode: Int
    /// The server's reply lines, as received (multi-line replies included).
    public var serverReplies: [String]
    /// libcurl's error, when the transaction failed.
    public var error: CurlError?
    /// Whether the failure happened before any SMTP dialogue (resolve, connect, TLS).
    public var connectionFailed: Bool
    public init(accepted: Bool, replyCode: Int, serverReplies: [String], error: CurlError?, connectionFailed: Bool) {
        self.accepted = accepted
        self.replyCode = replyCode
        self.serverReplies = serverReplies
        self.error = error
        self.connectionFailed = connectionFailed
    }

    /// The server's last reply line (what to show an operator).
    public var lastReply: String { serverReplies.last ?? "" }
}

/// One SMTP connection, reused for every message sent through it (libcurl keeps the connection
/// of an easy handle open between transfers). Blocking: use it from one dedicated thread.
public final class SMTPConnection {
    public let endpoint: MailEndpoint
    private let easy: CurlEasy
    /// Name announced in EHLO (libcurl sends the URL's path as the EHLO name).
    public let heloName: String

    public init(endpoint: MailEndpoint, heloName: String = "watchpost") throws(CurlError) {
        self.endpoint = endpoint
        self.heloName = heloName
        easy = try CurlEasy()
        try endpoint.configure(easy, url: endpoint.url(scheme: "smtp", tls: "smtps", path: "/\(heloName)"))
        try easy.setUploadEnabled(true)
    }

    /// Sends one message to the given envelope recipients. `data` is the RFC 5322 message with
    /// CRLF line endings; libcurl dot-stuffs it.
    public func send(from: String, to recipients: [String], data: [UInt8]) -> SMTPOutcome {
        do {
            try easy.set(.mailFrom, "<\(from)>")
            try easy.setList(.mailRecipients, recipients.map { "<\($0)>" })
            try easy.setInfileSize(data.count)
            easy.setUploadBody(data)
            try easy.perform()
            return SMTPOutcome(accepted: true, replyCode: easy.responseCode, serverReplies: replyLines(), error: nil, connectionFailed: false)
        } catch {
            let code = easy.responseCode
            let connectionLevel = [CurlError.couldNotResolve, CurlError.couldNotConnect, CurlError.peerFailedVerification,
                                   CurlError.useSSLFailed, 35 /* SSL connect error */].contains(error.code) && code == 0
            return SMTPOutcome(accepted: false, replyCode: code, serverReplies: replyLines(), error: error, connectionFailed: connectionLevel)
        }
    }

    private func replyLines() -> [String] {
        // For SMTP and IMAP libcurl hands every server reply line to the header callback.
        easy.responseHeaders.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" }).map(String.init)
    }
}

/// IMAP commands over one reused libcurl handle: enough to poll a mailbox for replies and flag
/// what has been handled. Blocking: use it from one dedicated thread.
public final class IMAPConnection {
    public let endpoint: MailEndpoint
    public let mailbox: String
    private let easy: CurlEasy

    public init(endpoint: MailEndpoint, mailbox: String) throws(CurlError) {
        self.endpoint = endpoint
        self.mailbox = mailbox
        easy = try CurlEasy()
        try endpoint.configure(easy, url: mailboxURL())
        easy.setMaxResponseBytes(8 * 1024 * 1024)
    }

    private func mailboxURL(_ suffix: String = "") -> String {
        endpoint.url(scheme: "imap", tls: "imaps", path: "/" + percentEncodePath(mailbox) + suffix)
    }

    /// Runs a command on the selected mailbox and returns its untagged response lines.
    public func command(_ text: String) throws(CurlError) -> [String] {
        try easy.set(.url, mailboxURL())
        try easy.set(.customRequest, text)
        try easy.perform()
        return String(decoding: easy.responseBody, as: UTF8.self).split(whereSeparator: { $0 == "\r\n" || $0 == "\n" }).map(String.init)
    }

    /// UIDs of messages matching an IMAP SEARCH criterion, e.g. `UNKEYWORD $WatchpostDone`.
    public func searchUIDs(_ criteria: String) throws(CurlError) -> [Int64] {
        var uids: [Int64] = []
        for line in try command("UID SEARCH \(criteria)") where line.hasPrefix("* SEARCH") {
            uids += line.dropFirst("* SEARCH".count).split(separator: " ").compactMap { Int64($0) }
        }
        return uids
    }

    /// The whole message (RFC 5322 bytes) with the given UID.
    public func fetch(uid: Int64) throws(CurlError) -> [UInt8] {
        try easy.clearCustomRequest()
        try easy.set(.url, mailboxURL(";UID=\(uid)"))
        try easy.perform()
        return easy.responseBody
    }

    /// Adds flags or keywords, e.g. `$WatchpostDone \Seen`.
    public func addFlags(uid: Int64, _ flags: String) throws(CurlError) {
        _ = try command("UID STORE \(uid) +FLAGS (\(flags))")
    }

    private func percentEncodePath(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(UnicodeScalar(b))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~/".contains(c)) { out.append(c) } else { out += "%" + String(b, radix: 16, uppercase: true).leftPad(2) }
        }
        return out
    }
}

extension String {
    fileprivate func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

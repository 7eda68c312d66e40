// The mail module's settings, read from the [smtp], [imap] and [mail] sections of
// watchpost.conf (schemas in WatchpostConfig/Sections+Mail.swift) and the secrets file.
import WatchpostCore
import WatchpostConfig
import Curl
import WatchpostAuth

public struct MailSettings: Sendable {
    public var smtp: MailEndpoint
    public var fromAddress: String
    public var fromName: String
    public var helo: String
    public var imap: MailEndpoint?
    public var imapMailbox: String = "INBOX"
    public var imapPollInterval: Seconds = .seconds(60)
    public var groupWindow: Seconds = .seconds(30)
    public var maxPerHour = 20
    /// Messages about one incident to one recipient per hour: a wall in a fault storm updates
    /// its incident's list of cards many times, and the recipient hears of it at this pace;
    /// held notifications go out grouped in the next allowed message.
    public var maxPerIncidentPerHour = 6
    public var retryInitial: Seconds = GlobalSections.defaultRetryInitial
    public var retryMax: Seconds = GlobalSections.defaultRetryMax
    public var publicURL: String?
    public var ackTokenTTL: Seconds = .hours(24 * 7)
    public var digestAt: [TimeOfDay] = []
    public var heartbeatAt: [TimeOfDay] = []
    public var digestTo: [String] = []
    public var heartbeatTo: [String] = []
    public var batchSize = 200
    /// The link-signing key (secrets `web.link_key`); without it no acknowledgement token is made.
    public var linkKey: [UInt8]?

    public init(smtp: MailEndpoint, fromAddress: String, fromName: String = "Watchpost", helo: String = "watchpost") {
        self.smtp = smtp
        self.fromAddress = fromAddress
        self.fromName = fromName
        self.helo = helo
    }

    /// Domain used on the right of Message-IDs.
    public var messageIDDomain: String {
        fromAddress.split(separator: "@").last.map(String.init) ?? "watchpost.invalid"
    }

    static func endpoint(_ s: ConfigSection, password: String?, plainPort: Int, tlsPort: Int, insecurePort: Int) throws(WatchpostError) -> MailEndpoint {
        let host = s.string("host")
        let insecure = s.bool("insecure", default: false)
        let security: MailSecurity = insecure ? .none : (s.value("tls") == "implicit" ? .implicit : .starttls)
        if insecure && !(isLoopbackHost(host) || s.list("insecure_hosts").contains(host)) {
            throw WatchpostError(.configuration, "[\(s.type)] insecure = true is only allowed to loopback or a host listed in insecure_hosts (host is \(host))")
        }
        let port = s.int("port", default: security == .none ? insecurePort : (security == .implicit ? tlsPort : plainPort))
        return MailEndpoint(host: host, port: port, security: security, caFile: s.value("ca_file"), username: s.value("username"),
                            password: s.value("username") == nil ? nil : password,
                            connectTimeoutMilliseconds: Int(s.duration("connect_timeout", default: .seconds(10)).milliseconds),
                            timeoutMilliseconds: Int(s.duration("timeout", default: .seconds(60)).milliseconds))
    }

    static func usernameWithoutPassword(_ smtp: ConfigSection, secrets: Secrets) -> Bool {
        smtp.value("username") != nil && secrets.reveal(.smtpPassword) == nil
    }

    /// `watchpost check`: what `from` refuses when the daemon builds its mail service and the
    /// configuration's own checks do not see (they do not read the secrets), at the line that
    /// causes it. An [smtp] username without its password passed `check`, then the daemon
    /// refused to start (#21 review s7).
    public static func startDiagnostics(_ config: WatchpostConfiguration, secrets: Secrets) -> [ConfigDiagnostic] {
        guard let s = config.section("smtp"), usernameWithoutPassword(s, secrets: secrets) else { return [] }
        return [ConfigDiagnostic(file: s.file, line: s.lineOf("username"), key: "username", Message("config.smtp.no_password"))]
    }

    /// Nil when there is no [smtp] section (mail is off).
    public static func from(_ config: WatchpostConfiguration, secrets: Secrets) throws(WatchpostError) -> MailSettings? {
        guard let s = config.section("smtp") else { return nil }
        if usernameWithoutPassword(s, secrets: secrets) {
            throw WatchpostError(.secrets, Message("config.smtp.no_password"), hint: Message("config.smtp.no_password_hint"))
        }
        var m = MailSettings(smtp: try endpoint(s, password: secrets.reveal(.smtpPassword), plainPort: 587, tlsPort: 465, insecurePort: 25),
                             fromAddress: s.string("from"), fromName: s.string("from_name", default: "Watchpost"),
                             helo: s.string("helo", default: "watchpost"))
        if let i = config.section("imap") {
            m.imap = try endpoint(i, password: secrets.reveal(.imapPassword), plainPort: 143, tlsPort: 993, insecurePort: 143)
            m.imapMailbox = i.string("mailbox", default: "INBOX")
            m.imapPollInterval = i.duration("poll_interval", default: m.imapPollInterval)
        }
        if let g = config.section("mail") {
            m.groupWindow = g.duration("group_window", default: m.groupWindow)
            m.maxPerHour = g.int("max_per_hour", default: m.maxPerHour)
            m.maxPerIncidentPerHour = g.int("max_per_incident_per_hour", default: m.maxPerIncidentPerHour)
            m.retryInitial = g.duration("retry_initial", default: m.retryInitial)
            m.retryMax = g.duration("retry_max", default: m.retryMax)
            m.publicURL = g.value("public_url").map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            m.ackTokenTTL = g.duration("ack_token_ttl", default: m.ackTokenTTL)
            m.digestAt = g.list("digest_at").compactMap { TimeOfDay(parsing: $0, allowSeconds: false) }
            m.heartbeatAt = g.list("heartbeat_at").compactMap { TimeOfDay(parsing: $0, allowSeconds: false) }
            m.digestTo = g.list("digest_to")
            m.heartbeatTo = g.list("heartbeat_to")
            m.batchSize = g.int("batch_size", default: m.batchSize)
        }
        // Links point at the web server's public address unless [mail] names another one.
        if m.publicURL == nil, let base = config.section("web")?.value("base_url") {
            m.publicURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        }
        m.linkKey = secrets.reveal(.linkKey).map(linkKeyBytes)
        return m
    }
}

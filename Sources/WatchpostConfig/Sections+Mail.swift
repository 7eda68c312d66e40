// Schemas of the mail sections of watchpost.conf: [smtp] (outgoing), [imap] (replies) and
// [mail] (grouping, rate limits, retries, links, scheduled mail). The mail module reads them;
// `watchpost check` validates them here, including the rule that plain (unencrypted) mail is
// only allowed with `insecure = true` and only to loopback or an explicitly listed host.
import WatchpostCore

extension GlobalSections {
    static func serverKeys(defaultPort: String) -> [KeySpec] {
        [
            KeySpec("host", .host, required: true, help: "mail server host name or address"),
            KeySpec("port", .port, help: "default \(defaultPort)"),
            KeySpec("tls", .oneOf(["starttls", "implicit"]), help: "starttls (default) or implicit (TLS from the first byte)"),
            KeySpec("insecure", .boolean, help: "allow a plain connection without TLS (only to loopback or insecure_hosts)"),
            KeySpec("insecure_hosts", .text, help: "non-loopback hosts a plain connection is allowed to, comma-separated"),
            KeySpec("username", .nonEmpty, help: "login; the password comes from the secrets file"),
            KeySpec("ca_file", .nonEmpty, help: "CA bundle (PEM) to verify the server's certificate"),
            KeySpec("connect_timeout", .duration(min: .seconds(1), max: .minutes(5))),
            KeySpec("timeout", .duration(min: .seconds(1), max: .minutes(30)), help: "limit for one message or command"),
        ]
    }

    /// `insecure = true` is refused unless the host is loopback or listed in `insecure_hosts`.
    static func insecureRule(_ s: ConfigSection) -> [ConfigDiagnostic] {
        guard s.bool("insecure", default: false), let host = s.value("host") else { return [] }
        let listed = s.list("insecure_hosts")
        if isLoopbackHost(host) || listed.contains(host) { return [] }
        return [.init(file: s.file, line: s.lineOf("insecure"), key: "insecure",
                      Message("config.mail.insecure_not_loopback", ["protocol": .text(s.type.uppercased()), "host": .text(host)]))]
    }

    public static let smtp = SectionSchema(type: "smtp", keys: serverKeys(defaultPort: "587, or 465 with tls = implicit, 25 when insecure") + [
        KeySpec("from", .email, required: true, help: "sender address"),
        KeySpec("from_name", .nonEmpty, help: "sender display name"),
        KeySpec("helo", .host, help: "name announced in EHLO"),
    ])

    public static let imap = SectionSchema(type: "imap", keys: serverKeys(defaultPort: "143, or 993 with tls = implicit") + [
        KeySpec("mailbox", .nonEmpty, help: "folder where replies arrive (default INBOX)"),
        KeySpec("poll_interval", .duration(min: .seconds(5), max: .hours(1))),
    ])

    public static let mail = SectionSchema(type: "mail", keys: [
        KeySpec("group_window", .duration(min: .zero, max: .minutes(30)), help: "notifications for one recipient within this window go out as one message"),
        KeySpec("max_per_hour", .integer(1...1000), help: "messages per recipient per hour"),
        KeySpec("max_per_incident_per_hour", .integer(1...1000), help: "messages about one incident per recipient per hour (a fault storm)"),
        KeySpec("retry_initial", .duration(min: .seconds(1), max: .hours(1)), help: "first retry delay after a temporary failure"),
        KeySpec("retry_max", .duration(min: .seconds(1), max: .hours(24)), help: "longest retry delay"),
        KeySpec("public_url", .custom("URL") { v in v.hasPrefix("http://") || v.hasPrefix("https://") ? nil : Message("config.url.scheme", ["value": .text(v)]) },
                help: "base URL of the web interface, for acknowledgement links"),
        KeySpec("ack_token_ttl", .duration(min: .hours(1), max: .hours(24 * 90))),
        KeySpec("digest_at", .custom("times") { v in splitList(v).allSatisfy { TimeOfDay(parsing: $0, allowSeconds: false) != nil } ? nil : Message("config.value.not_times", ["value": .text(v), "example": .text("07:30, 16:30")]) }),
        KeySpec("heartbeat_at", .custom("times") { v in splitList(v).allSatisfy { TimeOfDay(parsing: $0, allowSeconds: false) != nil } ? nil : Message("config.value.not_times", ["value": .text(v), "example": .text("08:00")]) }),
        KeySpec("digest_to", .emailList, help: "default: each site's technicians"),
        KeySpec("heartbeat_to", .emailList, help: "default: each site's technicians"),
        KeySpec("batch_size", .integer(1...10_000), help: "messages sent over one connection before the worker yields"),
    ])

    /// The retry delays when [mail] does not set them (WatchpostMail's settings start from these).
    public static let defaultRetryInitial: Seconds = .seconds(30)
    public static let defaultRetryMax: Seconds = .minutes(30)

    /// Cross-key rules of the mail sections.
    public static func mailDiagnostics(_ sections: [ConfigSection]) -> [ConfigDiagnostic] {
        sections.filter { $0.type == "smtp" || $0.type == "imap" }.flatMap(insecureRule) + sections.filter { $0.type == "mail" }.flatMap(retryOrderRule)
    }

    /// The first retry may not wait longer than the longest: the delay doubles from
    /// `retry_initial` up to `retry_max`, so a larger start was silently cut to the maximum
    /// (#19 review s8). Said at whichever of the two the file sets (retry_initial when both).
    static func retryOrderRule(_ s: ConfigSection) -> [ConfigDiagnostic] {
        guard s.value("retry_initial") != nil || s.value("retry_max") != nil else { return [] }
        guard let initial = s.value("retry_initial").map({ Seconds(parsing: $0) }) ?? defaultRetryInitial,
              let maximum = s.value("retry_max").map({ Seconds(parsing: $0) }) ?? defaultRetryMax, initial > maximum else { return [] }
        let key = s.value("retry_initial") != nil ? "retry_initial" : "retry_max"
        return [.init(file: s.file, line: s.lineOf(key), key: key,
                      Message("config.mail.retry_order", ["initial": .text(initial.description), "max": .text(maximum.description)]))]
    }
}

/// 127.0.0.0/8, ::1 and localhost.
public func isLoopbackHost(_ h: String) -> Bool {
    h == "localhost" || h == "::1" || h == "[::1]" || (h.hasPrefix("127.") && h.split(separator: ".").count == 4 && h.split(separator: ".").allSatisfy { UInt8($0) != nil })
}

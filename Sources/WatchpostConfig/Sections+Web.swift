// The `[web]` section of watchpost.conf: the embedded web server (acknowledgement links, pages,
// JSON API, /metrics). WatchpostWeb turns a validated section into its settings.
import WatchpostCore

extension GlobalSections {
    public static let web = SectionSchema(type: "web", keys: [
        KeySpec("enabled", .boolean, help: "run the web server inside the daemon (default true when [web] exists)"),
        KeySpec("listen", .custom("address:port", { v in
            let (h, p) = splitHostPort(v)
            guard let p, (0...65_535).contains(p) else { return Message("config.listen.no_port", ["value": .text(v)]) }
            let numeric = h.contains(":") || (h.split(separator: ".").count == 4 && h.split(separator: ".").allSatisfy { UInt8($0) != nil })
            return numeric ? nil : Message("config.listen.not_numeric", ["host": .text(h)])
        }), help: "address and port to listen on"),
        KeySpec("base_url", .custom("URL", { v in
            (v.hasPrefix("http://") || v.hasPrefix("https://")) && !v.contains(" ") ? nil : Message("config.url.scheme", ["value": .text(v)])
        }), help: "public address of the box as people reach it (links in emails point here)"),
        KeySpec("tls_certificate", .nonEmpty, help: "PEM certificate chain; with tls_key switches on HTTPS"),
        KeySpec("tls_key", .nonEmpty, help: "PEM private key (keep it mode 0600)"),
        KeySpec("session_lifetime", .duration(min: .minutes(5), max: .hours(24 * 30)), help: "how long a login lasts"),
        KeySpec("connection_timeout", .duration(min: .seconds(1), max: .minutes(10)), help: "idle or slow connections are closed after this"),
        KeySpec("max_body", .integer(1024...(16 * 1024 * 1024)), help: "largest request body in bytes"),
        KeySpec("max_connections", .integer(1...10_000)),
        KeySpec("max_connections_per_address", .integer(1...10_000)),
        KeySpec("threads", .integer(1...16), help: "HTTP threads (epoll)"),
        KeySpec("trusted_proxies", .text, help: "addresses of reverse proxies whose X-Forwarded-For is believed"),
        KeySpec("login_attempts_per_address", .integer(1...10_000), help: "failed logins per address per 15 minutes"),
        KeySpec("login_attempts_per_account", .integer(1...1_000), help: "consecutive failed logins before an account is locked"),
    ])
}

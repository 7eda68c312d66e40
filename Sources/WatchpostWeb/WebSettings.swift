// WatchpostWeb owns the embedded web: acknowledgement links, accounts and roles, pages, JSON API
// and metrics. This file: the settings read from `[web]` in watchpost.conf.
import WatchpostCore
import WatchpostConfig
import HTTPServer
import Posix

public struct WebSettings: Sendable {
    public var enabled = true
    public var host = "127.0.0.1"
    public var port = 8080
    /// Public base URL, without a trailing slash: `https://watchpost.example.org`.
    public var baseURL = "http://127.0.0.1:8080"
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    public var sessionLifetime: Seconds = .hours(12)
    public var connectionTimeout: Seconds = .seconds(15)
    public var maxBody = 64 * 1024
    public var maxConnections = 512
    /// Low enough that a handful of addresses trickling connections cannot take all of
    /// `maxConnections` (seen: 520 slow connections from 9 addresses stopped the board).
    public var maxConnectionsPerAddress = 16
    public var threads = 2
    public var trustedProxies: Set<String> = []
    /// Failed logins allowed per client address in `loginWindow` before it is refused.
    public var loginAttemptsPerAddress = 20
    /// Consecutive failed logins of one account from one address before that pair is locked
    /// (1 min, doubling up to 1 h); other addresses, the real user's included, are not affected.
    public var loginAttemptsPerAccount = 5
    public var loginWindow: Seconds = .minutes(15)
    public var accountLockout: Seconds = .minutes(1)
    public var accountMaxLockout: Seconds = .hours(1)
    /// Rows (audit entries, timeline refusals) written per minute for requests nobody signed in
    /// for; the rest are counted in one summary row.
    public var anonymousRowsPerMinute = 60
    /// A request not answered by then gets 503 "try again" (a stuck database read must not hold
    /// the connection for ever); the server's `stop()` waits as long for requests in progress.
    public var requestDeadline: Seconds = .seconds(15)

    public init() {}

    /// Reads `[web]`; file paths are relative to the configuration folder. Returns nil when the
    /// section is missing or `enabled = false`.
    public static func from(_ config: WatchpostConfiguration) -> WebSettings? {
        guard let s = config.section("web") else { return nil }
        var w = WebSettings()
        w.enabled = s.bool("enabled", default: true)
        guard w.enabled else { return nil }
        if let l = s.value("listen") {
            let (h, p) = splitHostPort(l)
            w.host = h
            w.port = p ?? 8080
        }
        let scheme = s.value("tls_certificate") != nil ? "https" : "http"
        let shownHost = w.host.contains(":") ? "[\(w.host)]" : w.host
        w.baseURL = s.value("base_url") ?? "\(scheme)://\(shownHost):\(w.port)"
        while w.baseURL.hasSuffix("/") { w.baseURL.removeLast() }
        func path(_ p: String?) -> String? { p.map { $0.hasPrefix("/") ? $0 : "\(config.root)/\($0)" } }
        w.tlsCertificateFile = path(s.value("tls_certificate"))
        w.tlsKeyFile = path(s.value("tls_key"))
        w.sessionLifetime = s.duration("session_lifetime", default: w.sessionLifetime)
        w.connectionTimeout = s.duration("connection_timeout", default: w.connectionTimeout)
        w.maxBody = s.int("max_body", default: w.maxBody)
        w.maxConnections = s.int("max_connections", default: w.maxConnections)
        w.maxConnectionsPerAddress = s.int("max_connections_per_address", default: w.maxConnectionsPerAddress)
        w.threads = s.int("threads", default: w.threads)
        w.trustedProxies = Set(s.list("trusted_proxies"))
        w.loginAttemptsPerAddress = s.int("login_attempts_per_address", default: w.loginAttemptsPerAddress)
        w.loginAttemptsPerAccount = s.int("login_attempts_per_account", default: w.loginAttemptsPerAccount)
        return w
    }

    /// The HTTP server's settings, reading the certificate and key files.
    public func serverSettings() throws(WatchpostError) -> HTTPServerSettings {
        var s = HTTPServerSettings(host: host, port: port)
        if tlsCertificateFile != nil || tlsKeyFile != nil {
            guard let certFile = tlsCertificateFile, let keyFile = tlsKeyFile else {
                throw WatchpostError(.configuration, "[web] needs both tls_certificate and tls_key for HTTPS",
                                     hint: "set both, or neither and put a TLS reverse proxy in front (see README)")
            }
            let certificate: String, key: String
            do {
                certificate = try FileSystem.readText(certFile)
                key = try FileSystem.readText(keyFile)
            } catch {
                throw WatchpostError(.configuration, "cannot read the TLS certificate or key: \(error.reason)", hint: "check [web] tls_certificate / tls_key")
            }
            // Proved before anything listens: a bad pair refuses the start or the reload here, in
            // the TLS library's words, instead of as a listener that cannot start (#21 review s6).
            if let why = HTTPServer.tlsPairProblem(certificatePEM: certificate, keyPEM: key) {
                throw WatchpostError(.configuration, Self.tlsPairMessage(certificate: certFile, key: keyFile, detail: why))
            }
            s.tlsCertificatePEM = certificate
            s.tlsKeyPEM = key
        }
        s.connectionTimeoutSeconds = Int(max(1, connectionTimeout.wholeSeconds))
        s.maxBodyBytes = maxBody
        s.maxConnections = maxConnections
        s.maxConnectionsPerAddress = maxConnectionsPerAddress
        s.threads = threads
        s.handlerTimeoutSeconds = Int(max(1, requestDeadline.wholeSeconds))
        s.shuttingDownText = Catalogue.bilingual(Message("web.restarting")) + "\n"
        return s
    }

    static func tlsPairMessage(certificate: String, key: String, detail: String) -> Message {
        Message("config.web.tls_pair", ["certificate": .text(certificate), "key": .text(key), "detail": .text(detail)])
    }

    /// `watchpost check`: the `[web]` TLS certificate and key load together as the server will
    /// load them (files that cannot be read are named by the cross-references already). One
    /// problem, on the `tls_key` line.
    public static func tlsDiagnostics(_ config: WatchpostConfiguration) -> [ConfigDiagnostic] {
        guard let web = from(config), let certFile = web.tlsCertificateFile, let keyFile = web.tlsKeyFile,
              let section = config.section("web"),
              let certificate = try? FileSystem.readText(certFile), let key = try? FileSystem.readText(keyFile),
              let why = HTTPServer.tlsPairProblem(certificatePEM: certificate, keyPEM: key) else { return [] }
        return [ConfigDiagnostic(file: section.file, line: section.lineOf("tls_key"), key: "tls_key",
                                 tlsPairMessage(certificate: certFile, key: keyFile, detail: why))]
    }

    /// Whether cookies get `Secure`: under TLS here, or behind a TLS proxy (https base URL).
    public var secureCookies: Bool { tlsCertificateFile != nil || baseURL.hasPrefix("https://") }
}

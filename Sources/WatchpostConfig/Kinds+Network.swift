// The configuration of the reachability checks (module WatchpostNetwork): `icmp` (echo, like
// check_icmp/fping), `tcp` (connect, like check_tcp) and `http` (HTTP(S) through libcurl, like
// check_http). Every target of one check is probed at once.
import WatchpostCore

extension CheckKinds {
    /// Limits that keep one check's sockets and memory bounded.
    public static let maxNetworkTargets = 1024
    public static let maxEchoCount = 100

    static let resolveKeys: [KeySpec] = [
        KeySpec("address_family", .oneOf(["any", "ipv4", "ipv6"]), help: "which addresses a name may resolve to (default any)"),
        KeySpec("resolve_timeout", .duration(min: Seconds(milliseconds: 100), max: .seconds(60)), help: "time limit for name resolution, separate from the probe's (default 2s)"),
    ]

    static func tooMany(_ count: Int) -> Message {
        Message("config.targets.too_many", ["count": .int(Int64(count)), "limit": .int(Int64(maxNetworkTargets))])
    }

    static let hostList = ValueKind.custom("host list") { v in
        let items = splitList(v)
        if items.isEmpty { return Message("config.targets.no_host") }
        if items.count > maxNetworkTargets { return tooMany(items.count) }
        return items.first { !isValidHost($0) }.map { Message("config.value.not_host", ["value": .text($0)]) }
    }

    static let hostPortList = ValueKind.custom("host:port list") { v in
        let items = splitList(v)
        if items.isEmpty { return Message("config.targets.no_host_port") }
        if items.count > maxNetworkTargets { return tooMany(items.count) }
        for item in items {
            let (h, p) = splitHostPort(item)
            if !isValidHost(h) { return Message("config.value.not_host", ["value": .text(h)]) }
            guard let p else { return Message("config.targets.needs_port", ["value": .text(item), "host": .text(h)]) }
            if !(1...65_535).contains(p) { return Message("config.targets.port_range", ["value": .text(item)]) }
        }
        return nil
    }

    static let urlList = ValueKind.custom("URL list") { v in
        let items = splitList(v)
        if items.isEmpty { return Message("config.targets.no_url") }
        if items.count > maxNetworkTargets {
            return Message("config.targets.too_many_urls", ["count": .int(Int64(items.count)), "limit": .int(Int64(maxNetworkTargets))])
        }
        for item in items {
            guard let u = WebAddress(parsing: item) else { return Message("config.targets.not_url", ["value": .text(item)]) }
            if !isValidHost(u.host) { return Message("config.targets.url_host", ["host": .text(u.host), "value": .text(item)]) }
        }
        return nil
    }

    static let statusList = ValueKind.custom("status codes") { v in
        StatusCodeSet(parsing: v) == nil ? Message("config.http.status_list", ["value": .text(v)]) : nil
    }

    /// ICMP echo to one or more hosts (IPv4 and IPv6).
    public static let icmp = CheckKindSchema(kind: "icmp", summary: "ICMP echo (ping) to one or more hosts", keys: [
        KeySpec("targets", hostList, required: true, help: "hosts to ping, comma-separated"),
        KeySpec("count", .integer(1...maxEchoCount), help: "echoes per target (default 3)"),
        KeySpec("echo_interval", .duration(min: Seconds(milliseconds: 10), max: .seconds(60)), help: "time between echoes to one target (default 1s)"),
        KeySpec("echo_timeout", .duration(min: Seconds(milliseconds: 10), max: .seconds(60)), help: "how long to wait for each reply (default 1s)"),
        KeySpec("spacing", .duration(min: .zero, max: .seconds(1)), help: "minimum time between any two echoes sent (fping -i; default: spread over echo_interval, at most 10ms)"),
        KeySpec("payload_size", .integer(0...65_000), help: "data bytes per echo (default 56)"),
        KeySpec("socket", .oneOf(["auto", "datagram", "raw"]), help: "ICMP socket kind (default auto: datagram, then raw)"),
        KeySpec("rtt_warning", .duration(min: .zero, max: .seconds(60)), help: "average round trip for WARNING (default 200ms)"),
        KeySpec("rtt_critical", .duration(min: .zero, max: .seconds(60)), help: "average round trip for CRITICAL (default 500ms)"),
        KeySpec("loss_warning", .integer(0...100), help: "packet loss % for WARNING (default 40)"),
        KeySpec("loss_critical", .integer(0...100), help: "packet loss % for CRITICAL (default 80)"),
    ] + resolveKeys, validate: { section in
        var out: [ConfigDiagnostic] = []
        let count = section.int("count", default: 3)
        let interval = section.duration("echo_interval", default: .seconds(1))
        let echoTimeout = section.duration("echo_timeout", default: .seconds(1))
        let targets = section.list("targets").count
        if targets * count > 65_536 {
            out.append(.init(file: section.file, line: section.lineOf("count"), key: "count", Message("config.icmp.too_many_echoes", ["targets": .count(targets), "count": .count(count)])))
        }
        // The check's own timeout must leave room for the echoes; say so now rather than have
        // every run cut short.
        if let t = section.value("timeout").flatMap({ Seconds(parsing: $0) }) {
            let needed = interval * Int64(count - 1) + echoTimeout
            if t < needed {
                out.append(.init(file: section.file, line: section.lineOf("timeout"), key: "timeout",
                                 Message("config.icmp.timeout_too_short", ["timeout": .text("\(t)"), "gaps": .count(count - 1), "interval": .text("\(interval)"), "echo_timeout": .text("\(echoTimeout)"), "needed": .text("\(needed)")])))
            }
        }
        out += thresholdOrder(section, "rtt_warning", "rtt_critical", duration: true)
        out += thresholdOrder(section, "loss_warning", "loss_critical", duration: false)
        return out
    })

    /// TCP connect to host:port targets.
    public static let tcp = CheckKindSchema(kind: "tcp", summary: "TCP connect to one or more host:port", keys: [
        KeySpec("targets", hostPortList, help: "host:port targets, comma-separated ([v6]:port for IPv6)"),
        KeySpec("host", .host, help: "one host (with port; instead of targets, as check_tcp -H)"),
        KeySpec("port", .port, help: "the port for host"),
        KeySpec("connect_timeout", .duration(min: Seconds(milliseconds: 10), max: .seconds(300)), help: "time limit for each connect (default: the check's timeout)"),
        KeySpec("connect_warning", .duration(min: .zero, max: .seconds(300)), help: "connect time for WARNING"),
        KeySpec("connect_critical", .duration(min: .zero, max: .seconds(300)), help: "connect time for CRITICAL"),
    ] + resolveKeys, validate: { section in
        var out = thresholdOrder(section, "connect_warning", "connect_critical", duration: true)
        let hasTargets = section.has("targets"), hasHost = section.has("host"), hasPort = section.has("port")
        if hasTargets && (hasHost || hasPort) {
            out.append(.init(file: section.file, line: section.lineOf("host"), key: hasHost ? "host" : "port", Message("config.tcp.targets_or_host")))
        } else if !hasTargets && !(hasHost && hasPort) {
            out.append(.init(file: section.file, line: section.line, key: hasHost ? "port" : "targets",
                             hasHost ? Message("config.tcp.host_needs_port") : Message("config.tcp.targets_missing", ["check": .text(section.name ?? "")])))
        }
        return out
    })

    /// The `host:port` targets of a tcp check, from `targets` or from `host` and `port`.
    public static func tcpTargets(_ section: ConfigSection) -> [String] {
        if section.has("targets") { return section.list("targets") }
        let h = section.string("host").trimmingWhitespace(), p = section.string("port").trimmingWhitespace()
        return [h.contains(":") ? "[\(h)]:\(p)" : "\(h):\(p)"]
    }

    /// HTTP(S) requests through libcurl.
    public static let http = CheckKindSchema(kind: "http", summary: "HTTP(S) request: status, time to first byte, body text, certificate expiry", keys: [
        KeySpec("url", urlList, required: true, help: "http:// or https:// URLs, comma-separated"),
        KeySpec("method", .oneOf(["GET", "HEAD"]), help: "request method (default GET)"),
        KeySpec("expect_status", statusList, help: "acceptable status codes (default 200-399)"),
        KeySpec("expect_body", .nonEmpty, help: "text the body must contain"),
        KeySpec("ttfb_warning", .duration(min: .zero, max: .seconds(300)), help: "time to first byte for WARNING"),
        KeySpec("ttfb_critical", .duration(min: .zero, max: .seconds(300)), help: "time to first byte for CRITICAL"),
        KeySpec("cert_warning_days", .integer(0...3650), help: "days before certificate expiry for WARNING (default 30)"),
        KeySpec("cert_critical_days", .integer(0...3650), help: "days before certificate expiry for CRITICAL (default 7)"),
        KeySpec("verify_tls", .boolean, help: "verify the server certificate and name (default true)"),
        KeySpec("ca_file", .nonEmpty, help: "CA bundle (PEM) to verify against instead of the system's"),
        KeySpec("follow_redirects", .boolean, help: "follow up to 5 redirects (default false)"),
    ] + resolveKeys, validate: { section in
        var out = thresholdOrder(section, "ttfb_warning", "ttfb_critical", duration: true)
        let w = section.int("cert_warning_days", default: 30), c = section.int("cert_critical_days", default: 7)
        if section.has("cert_warning_days") || section.has("cert_critical_days"), c > w {
            out.append(.init(file: section.file, line: section.lineOf("cert_critical_days"), key: "cert_critical_days",
                             Message("config.http.cert_days_order", ["critical": .count(c), "warning": .count(w)])))
        }
        return out
    })

    /// A warning limit must not be stricter than the critical one.
    static func thresholdOrder(_ section: ConfigSection, _ warn: String, _ crit: String, duration: Bool) -> [ConfigDiagnostic] {
        guard let w = section.value(warn), let c = section.value(crit) else { return [] }
        let wv = duration ? Seconds(parsing: w).map { Double($0.milliseconds) } : Double(w.trimmingWhitespace())
        let cv = duration ? Seconds(parsing: c).map { Double($0.milliseconds) } : Double(c.trimmingWhitespace())
        guard let wv, let cv, wv > cv else { return [] }
        return [ConfigDiagnostic(file: section.file, line: section.lineOf(warn), key: warn, Message("config.threshold.order", ["warning": .text("\(w)"), "critical_key": .text(crit), "critical": .text("\(c)")]))]
    }
}

/// An http(s) URL split into what the probe needs (host to resolve, port, TLS or not).
public struct WebAddress: Sendable, Hashable {
    public var url: String
    public var tls: Bool
    public var host: String
    public var port: Int

    public init?(parsing text: String) {
        let v = text.trimmingWhitespace()
        let lower = v.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") { tls = true; rest = v.dropFirst(8) }
        else if lower.hasPrefix("http://") { tls = false; rest = v.dropFirst(7) }
        else { return nil }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.isEmpty || authority.contains("@") || v.contains(" ") { return nil }
        let (h, p) = splitHostPort(String(authority))
        if let p, !(1...65_535).contains(p) { return nil }
        url = v
        host = h
        port = p ?? (tls ? 443 : 80)
    }
}

/// Acceptable HTTP status codes: `200-299, 301, 302`.
public struct StatusCodeSet: Sendable, Hashable, CustomStringConvertible {
    public var ranges: [ClosedRange<Int>]

    public init(ranges: [ClosedRange<Int>]) { self.ranges = ranges }

    public init?(parsing text: String) {
        var out: [ClosedRange<Int>] = []
        for item in splitList(text) {
            let parts = item.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
            guard (1...2).contains(parts.count), let lo = Int(parts[0]), let hi = Int(parts.last!),
                  (100...599).contains(lo), (100...599).contains(hi), lo <= hi else { return nil }
            out.append(lo...hi)
        }
        if out.isEmpty { return nil }
        ranges = out
    }

    public func contains(_ code: Int) -> Bool { ranges.contains { $0.contains(code) } }

    public var description: String { ranges.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ", ") }
}

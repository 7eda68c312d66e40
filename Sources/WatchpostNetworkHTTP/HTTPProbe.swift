// The `http` check: every URL requested at once through libcurl's multi interface (one thread),
// judged on status code, time to first byte, expected body text and TLS certificate expiry.
import WatchpostCore
import WatchpostConfig
import WatchpostNetwork
import Curl
import Posix

public struct HTTPProbe: Probe {
    public struct Settings: Sendable, Hashable {
        public var urls: [String]
        public var method = "GET"
        public var expectStatus = StatusCodeSet(ranges: [200...399])
        public var expectBody: String?
        public var ttfbWarning: Seconds?
        public var ttfbCritical: Seconds?
        public var certWarningDays = 30
        public var certCriticalDays = 7
        public var verifyTLS = true
        public var caFile: String?
        public var followRedirects = false
        public var family: AddressFamilyPreference = .any
        public var resolveTimeout = Seconds(2)
        public init(urls: [String]) { self.urls = urls }
    }

    public let settings: Settings

    public init(settings: Settings) { self.settings = settings }

    public init(check: CheckDefinition, root: String = ".") {
        let p = check.parameters
        var s = Settings(urls: p.list("url"))
        s.method = p.string("method", default: "GET")
        s.expectStatus = p.value("expect_status").flatMap { StatusCodeSet(parsing: $0) } ?? s.expectStatus
        s.expectBody = p.value("expect_body")
        s.ttfbWarning = p.value("ttfb_warning").flatMap { Seconds(parsing: $0) }
        s.ttfbCritical = p.value("ttfb_critical").flatMap { Seconds(parsing: $0) }
        s.certWarningDays = p.int("cert_warning_days", default: 30)
        s.certCriticalDays = p.int("cert_critical_days", default: 7)
        s.verifyTLS = p.bool("verify_tls", default: true)
        s.caFile = p.value("ca_file").map { $0.hasPrefix("/") ? $0 : "\(root)/\($0)" }
        s.followRedirects = p.bool("follow_redirects", default: false)
        s.family = p.addressFamily
        s.resolveTimeout = p.duration("resolve_timeout", default: .seconds(2))
        settings = s
    }

    /// What one request found (built on the transfer thread, handed back as a value).
    struct Exchange: Sendable {
        var error: CurlError?
        var status = 0
        var firstByte = 0.0
        var total = 0.0
        var bodyContainsExpected: Bool?
        var certificateExpiry: String?
        var primaryIP: String?
    }

    struct Request: Sendable {
        var address: WebAddress
        var resolvedIP: IPAddress?
        var verify: Bool
    }

    public func run(_ context: ProbeContext) async -> CheckResult {
        let start = context.clock.now()
        let s = settings
        let addresses = s.urls.compactMap { WebAddress(parsing: $0) }
        var findings: [Finding] = []
        var failed: [String] = []
        var facts: [String: String] = [:]
        let single = s.urls.count == 1
        let (_, left) = monotonicDeadline(context)
        let resolved = await resolveAll(addresses.map(\.host), family: s.family, timeout: min(s.resolveTimeout, left))
        var requests: [Request] = []
        for a in addresses {
            switch resolved[a.host] ?? .failure(ResolutionError(host: a.host, kind: .other, detail: "not resolved")) {
            case .failure(let e): findings.append(dnsFinding(e)); failed.append(a.url)
            case .success(let ips): requests.append(Request(address: a, resolvedIP: ips[0], verify: s.verifyTLS))
            }
        }
        var measurements: [Measurement] = []
        if !requests.isEmpty {
            let (_, timeLeft) = monotonicDeadline(context)
            let exchanges = await Self.perform(requests, settings: s, timeout: timeLeft)
            // A certificate that fails verification is fetched again unverified, only to say why
            // (expired N days ago, or expires in N days but is not trusted).
            let retry = requests.indices.filter { requests[$0].address.tls && exchanges[$0].error?.code == CurlError.peerFailedVerification }
            var unverifiedExpiry: [Int: String] = [:]
            if !retry.isEmpty {
                let (_, again) = monotonicDeadline(context)
                if again.milliseconds > 100 {
                    let second = await Self.perform(retry.map { var r = requests[$0]; r.verify = false; return r }, settings: s, timeout: again)
                    for (k, i) in retry.enumerated() { unverifiedExpiry[i] = second[k].certificateExpiry }
                }
            }
            let now = context.clock.now()
            for (i, r) in requests.enumerated() {
                let url = r.address.url
                let e = exchanges[i]
                let suffix = single ? "" : "[\(url)]"
                if let ip = (e.primaryIP.flatMap { $0.isEmpty ? nil : $0 }) ?? r.resolvedIP?.description, ip != r.address.host { facts[single ? "address" : "address[\(url)]"] = ip }
                let expiry = e.certificateExpiry ?? unverifiedExpiry[i]
                var certDays: Int?
                if let text = expiry, let when = Self.parseCertificateDate(text) {
                    // Whole days left, rounded down; an expired certificate counts at least one day.
                    let diff = (when - now).milliseconds
                    let days = Int(diff >= 0 ? diff / 86_400_000 : -((-diff + 86_399_999) / 86_400_000))
                    certDays = days
                    measurements.append(Measurement("cert_days" + suffix, Double(days), unit: "d"))
                    facts[single ? "cert_expires" : "cert_expires[\(url)]"] = text
                }
                if let err = e.error {
                    failed.append(url)
                    findings.append(Self.finding(for: err, url: url, certDays: certDays))
                    continue
                }
                measurements.append(Measurement("status" + suffix, Double(e.status)))
                measurements.append(Measurement("ttfb" + suffix, e.firstByte * 1000, unit: "ms"))
                measurements.append(Measurement("total_time" + suffix, e.total * 1000, unit: "ms"))
                var bad = false
                if !s.expectStatus.contains(e.status) {
                    findings.append(Finding(.critical, code: NetworkFindingCode.status, Message("finding.network.status", ["url": .text(url), "status": .count(e.status), "expected": .text("\(s.expectStatus)")])))
                    bad = true
                }
                if let want = s.expectBody, e.bodyContainsExpected == false {
                    findings.append(Finding(.critical, code: NetworkFindingCode.body, Message("finding.network.body", ["url": .text(url), "text": .text(want)])))
                    bad = true
                }
                let ttfbMs = e.firstByte * 1000
                if let c = s.ttfbCritical, ttfbMs >= Double(c.milliseconds) {
                    findings.append(Finding(.critical, code: NetworkFindingCode.ttfb, Message("finding.network.ttfb", ["url": .text(url), "value": .number(ttfbMs, digits: 0), "limit": .number(c.double * 1000, digits: 0)])))
                } else if let w = s.ttfbWarning, ttfbMs >= Double(w.milliseconds) {
                    findings.append(Finding(.warning, code: NetworkFindingCode.ttfb, Message("finding.network.ttfb", ["url": .text(url), "value": .number(ttfbMs, digits: 0), "limit": .number(w.double * 1000, digits: 0)])))
                }
                if let d = certDays {
                    if d < 0 { findings.append(Finding(.critical, code: NetworkFindingCode.tlsExpiry, Message("finding.network.tls-expiry.expired", ["url": .text(url), "days": .count(-d)]))) }
                    else if d <= s.certCriticalDays { findings.append(Finding(.critical, code: NetworkFindingCode.tlsExpiry, Message("finding.network.tls-expiry", ["url": .text(url), "days": .count(d), "limit": .count(s.certCriticalDays)]))) }
                    else if d <= s.certWarningDays { findings.append(Finding(.warning, code: NetworkFindingCode.tlsExpiry, Message("finding.network.tls-expiry", ["url": .text(url), "days": .count(d), "limit": .count(s.certWarningDays)]))) }
                }
                if bad { failed.append(url) }
            }
        }
        if !failed.isEmpty { facts["failed_hop"] = failed.joined(separator: ", ") }
        let statuses = measurements.filter { $0.name.hasPrefix("status") }.map { Int($0.value) }
        let ttfb = measurements.filter { $0.name.hasPrefix("ttfb") }.map(\.value).max()
        let ok = single ? Message("network.ok.http", ["url": .text(s.urls[0]), "status": .count(statuses.first ?? 0), "value": ttfb.map { .number($0, digits: 0) } ?? "—"])
                        : Message("network.ok.http-many", ["total": .count(s.urls.count), "value": ttfb.map { .number($0, digits: 0) } ?? "—"])
        return CheckResult.from(findings: findings, ok: ok, measurements: measurements, facts: facts,
                                startedAt: start, duration: context.clock.now() - start)
    }

    static func finding(for err: CurlError, url: String, certDays: Int?) -> Finding {
        switch err.code {
        case CurlError.couldNotResolve:
            return Finding(.critical, code: NetworkFindingCode.dns, Message("finding.network.dns", ["host": .text(url)]), detail: "\(err)")
        case CurlError.couldNotConnect:
            return Finding(.critical, code: NetworkFindingCode.connect, Message("finding.network.connect", ["url": .text(url)]), detail: "\(err)")
        case CurlError.operationTimedOut:
            return Finding(.critical, code: NetworkFindingCode.timeout, Message("finding.network.timeout.http", ["url": .text(url)]), detail: "\(err)")
        case CurlError.peerFailedVerification:
            if let d = certDays, d < 0 {
                return Finding(.critical, code: NetworkFindingCode.tlsExpiry, Message("finding.network.tls-expiry.expired", ["url": .text(url), "days": .count(-d)]), detail: "\(err)")
            }
            return Finding(.critical, code: NetworkFindingCode.tlsVerify, Message("finding.network.tls-verify", ["url": .text(url)]), detail: "\(err)")
        default:
            return Finding(.critical, code: NetworkFindingCode.http, Message("finding.network.http", ["url": .text(url)]), detail: "\(err)")
        }
    }

    /// Runs the requests at once on a thread of their own.
    static func perform(_ requests: [Request], settings s: Settings, timeout: Seconds) async -> [Exchange] {
        let ms = max(1, Int(timeout.milliseconds))
        let outcome = try? await runBlocking { () -> [Exchange] in
            var easies: [CurlEasy?] = []
            var setupErrors: [Int: CurlError] = [:]
            for (i, r) in requests.enumerated() {
                do throws(CurlError) {
                    let e = try CurlEasy()
                    try e.set(.url, r.address.url)
                    try e.set(.proxy, "")
                    try e.set(.userAgent, "watchpost-http-check")
                    if let ip = r.resolvedIP, IPAddress(parsing: r.address.host) == nil {
                        // Resolved already, with a time limit of its own: curl must not resolve again.
                        try e.set(.resolve, "\(r.address.host):\(r.address.port):\(ip.isIPv6 ? "[\(ip)]" : ip.description)")
                    }
                    try e.setTimeout(milliseconds: ms)
                    try e.setConnectTimeout(milliseconds: ms)
                    try e.setVerifyPeer(r.verify)
                    if let ca = s.caFile { try e.set(.caInfo, ca) }
                    if r.address.tls { try e.setCertificateInfo(true) }
                    try e.setFollowRedirects(s.followRedirects)
                    if s.method == "HEAD" { try e.setNoBody(true) }
                    e.setMaxResponseBytes(4 * 1024 * 1024)
                    easies.append(e)
                } catch {
                    setupErrors[i] = error
                    easies.append(nil)
                }
            }
            let results = CurlMulti.performAll(easies.compactMap { $0 })
            var out: [Exchange] = []
            var k = 0
            for (i, maybe) in easies.enumerated() {
                guard let e = maybe else { out.append(Exchange(error: setupErrors[i])); continue }
                var x = Exchange(error: results[k])
                k += 1
                x.status = e.responseCode
                x.firstByte = e.time(.startTransfer)
                x.total = e.time(.total)
                x.primaryIP = e.primaryIP
                if let want = s.expectBody { x.bodyContainsExpected = String(decoding: e.responseBody, as: UTF8.self).contains(want) }
                x.certificateExpiry = e.certificateInfo.first?["Expire date"]?.trimmingWhitespace()
                out.append(x)
            }
            return out
        }
        return outcome ?? requests.map { _ in Exchange(error: CurlError(code: -1, name: "cannot start the transfer thread", detail: "")) }
    }

    /// OpenSSL's ASN1_TIME print form, as libcurl's CERTINFO gives it: `Jan  1 00:00:00 2027 GMT`.
    public static func parseCertificateDate(_ text: String) -> Instant? {
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count >= 4 else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let mi = months.firstIndex(of: parts[0]), let day = Int(parts[1]), let year = Int(parts[3]),
              let tod = TimeOfDay(parsing: parts[2]) else { return nil }
        let date = CivilDate(year: year, month: mi + 1, day: day)
        return Instant(seconds: date.daysSinceEpoch * 86_400 + Int64(tod.secondsOfDay))
    }
}

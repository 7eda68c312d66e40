// WatchpostNetwork owns the reachability probes that need no C library: ICMP echo, TCP connect,
// name resolution with its own time limit, and probing every target of a check at once. The
// statistics and the judging of results are pure Swift here; the sockets live in Posix. The HTTP(S)
// probe, which needs libcurl, is in WatchpostNetworkHTTP, so that the small `watchpost-probe`
// program links this module without libcurl's tree (bench/network).
import WatchpostCore
import WatchpostConfig
import Posix

/// Round-trip statistics of one target's echoes, as ping and fping print them.
public struct PingStatistics: Sendable, Hashable {
    public var sent: Int
    public var received: Int
    /// Milliseconds; nil when nothing came back.
    public var minimum: Double?
    public var average: Double?
    public var maximum: Double?
    /// Mean deviation as iputils ping computes it: sqrt(mean(rtt²) − mean(rtt)²).
    public var deviation: Double?

    public init(sent: Int, roundTripsMilliseconds rtts: [Double]) {
        self.sent = sent
        received = rtts.count
        guard !rtts.isEmpty else { return }
        let n = Double(rtts.count)
        let mean = rtts.reduce(0, +) / n
        let meanSquare = rtts.reduce(0) { $0 + $1 * $1 } / n
        minimum = rtts.min()
        maximum = rtts.max()
        average = mean
        deviation = max(0, meanSquare - mean * mean).squareRoot()
    }

    /// Lost echoes in percent (0 when nothing was sent).
    public var lossPercent: Double { sent == 0 ? 0 : Double(sent - min(received, sent)) * 100 / Double(sent) }
}

/// WARNING/CRITICAL limits on loss and average round trip (check_icmp's -w 200,40% -c 500,80%).
public struct PingThresholds: Sendable, Hashable {
    public var rttWarning: Seconds = Seconds(milliseconds: 200)
    public var rttCritical: Seconds = Seconds(milliseconds: 500)
    public var lossWarning: Double = 40
    public var lossCritical: Double = 80
    public init() {}

    /// Findings for one target. Loss is judged before round trip: a host that answers nothing has
    /// no round trip to speak of.
    public func judge(_ s: PingStatistics, target: String) -> [Finding] {
        let loss = s.lossPercent
        if s.received == 0 {
            return [Finding(.critical, code: NetworkFindingCode.loss, Message("finding.network.loss.total", ["target": .text(target), "sent": .count(s.sent)]))]
        }
        var out: [Finding] = []
        let lossText = Message("finding.network.loss", ["target": .text(target), "value": .number(loss, digits: 1),
                                                        "lost": .count(s.sent - s.received), "sent": .count(s.sent)])
        if loss >= lossCritical { out.append(Finding(.critical, code: NetworkFindingCode.loss, lossText)) }
        else if loss >= lossWarning { out.append(Finding(.warning, code: NetworkFindingCode.loss, lossText)) }
        if let avg = s.average {
            func rtt(_ limit: Seconds) -> Message {
                Message("finding.network.rtt", ["target": .text(target), "value": .number(avg, digits: 1), "limit": .number(limit.double * 1000, digits: 0)])
            }
            if avg >= Double(rttCritical.milliseconds) { out.append(Finding(.critical, code: NetworkFindingCode.rtt, rtt(rttCritical))) }
            else if avg >= Double(rttWarning.milliseconds) { out.append(Finding(.warning, code: NetworkFindingCode.rtt, rtt(rttWarning))) }
        }
        return out
    }
}

/// Numbers for people: at most three decimals, no trailing zeros.
package func format(_ v: Double) -> String {
    let scaled = (v * 1000).rounded() / 1000
    if scaled == scaled.rounded() { return String(Int64(scaled)) }
    var s = String(scaled)
    if let dot = s.firstIndex(of: "."), s.distance(from: dot, to: s.endIndex) > 4 { s = String(s[...s.index(dot, offsetBy: 3)]) }
    return s
}

/// Resolves many names at once, at most `width` lookups in flight (each lookup that is not a
/// numeric address holds a thread while it runs).
package func resolveAll(_ hosts: [String], family: AddressFamilyPreference, timeout: Seconds, width: Int = 32) async -> [String: Result<[IPAddress], ResolutionError>] {
    var out: [String: Result<[IPAddress], ResolutionError>] = [:]
    // Numeric addresses (most ping targets) are answered here, without a task each.
    var names: Set<String> = []
    for h in hosts where out[h] == nil {
        if let numeric = NameResolver.numeric(h, family: family) { out[h] = numeric } else { names.insert(h) }
    }
    let unique = names.sorted()
    if unique.isEmpty { return out }
    await withTaskGroup(of: (String, Result<[IPAddress], ResolutionError>).self) { group in
        var next = 0
        func add() {
            let h = unique[next]
            next += 1
            group.addTask { (h, await NameResolver.resolve(h, family: family, timeout: timeout.duration)) }
        }
        while next < unique.count && next < width { add() }
        while let (h, r) = await group.next() {
            out[h] = r
            if next < unique.count { add() }
        }
    }
    return out
}

/// The finding for a name that did not resolve: code `dns`, never loss.
package func dnsFinding(_ e: ResolutionError) -> Finding {
    Finding(.critical, code: NetworkFindingCode.dns, Message("finding.network.dns", ["host": .text(e.host)]), detail: e.description)
}

/// The finding codes of the icmp, tcp and http checks; each has `finding.network.<code>`.
public enum NetworkFindingCode {
    public static let loss = "loss"
    public static let rtt = "rtt"
    public static let dns = "dns"
    public static let permission = "permission"
    public static let unreachable = "unreachable"
    public static let refused = "refused"
    public static let timeout = "timeout"
    public static let connectTime = "connect-time"
    public static let connect = "connect"
    public static let status = "status"
    public static let body = "body"
    public static let ttfb = "ttfb"
    public static let tlsExpiry = "tls-expiry"
    public static let tlsVerify = "tls-verify"
    public static let http = "http"

    public static let all = [loss, rtt, dns, permission, unreachable, refused, timeout, connectTime, connect, status, body, ttfb, tlsExpiry, tlsVerify, http]
}

/// Monotonic deadline for a blocking loop from the probe's wall-clock deadline (the probe's
/// clock may be a test clock; only the time left counts).
package func monotonicDeadline(_ context: ProbeContext, cap: Seconds? = nil) -> (UInt64, Seconds) {
    var left = context.deadline - context.clock.now()
    if let cap, cap < left { left = cap }
    if left.milliseconds < 0 { left = .zero }
    return (monotonicNanoseconds() + UInt64(left.milliseconds) * 1_000_000, left)
}

extension ConfigSection {
    package var addressFamily: AddressFamilyPreference { AddressFamilyPreference(rawValue: string("address_family", default: "any")) ?? .any }
}

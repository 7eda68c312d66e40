// `probe net`, the technician's ad-hoc reachability probe — ICMP echo to one or more hosts, or a
// TCP connect (--port), or an HTTP(S) request (--url) — without a configuration. Shared by
// `watchpost probe net` and the small `watchpost-probe net` (which has no libcurl, so no --url).
import WatchpostCore
import WatchpostConfig
import WatchpostNetwork
import WatchpostHost
import Posix

public let netProbeOptions: Set<String> = ["target", "count", "interval", "spacing", "timeout", "size", "socket", "family", "port", "url", "resolve-timeout"]

public let netProbeHelp = """


Ad-hoc network probe (no configuration needed):
  watchpost probe net --target HOST[,HOST…] [--target HOST…] [--count N] [--interval 1s]
                      [--timeout 1s] [--spacing 10ms] [--size 56] [--socket auto|datagram|raw]
                      [--family any|ipv4|ipv6] [--resolve-timeout 2s] [--json]
      ICMP echo to every target at once (one socket, like fping); prints loss and round trips.
  watchpost probe net --target HOST --port N [--timeout 5s] [--json]     TCP connect
  watchpost probe net --url URL [--timeout 10s] [--json]                  HTTP(S) request
"""

func durationOption(_ args: Arguments, _ name: String, default d: Seconds) throws(WatchpostError) -> Seconds {
    guard let v = args.value(name) else { return d }
    guard let s = Seconds(parsing: v) else { throw WatchpostError(.usage, "--\(name) \(v) is not a duration (e.g. 500ms, 1s)") }
    return s
}

/// Makes the HTTP(S) probe for `--url`: `watchpost` passes its libcurl probe (WatchpostNetworkHTTP);
/// `watchpost-probe`, which links no libcurl, passes nil and names `watchpost probe net --url`.
public typealias URLProbeMaker = @Sendable (_ url: String, _ family: AddressFamilyPreference, _ resolveTimeout: Seconds) -> any Probe

/// `probe net`: ICMP echo to every target at once, a TCP connect (`--port`) or an HTTP(S) request
/// (`--url`, through `urlProbe`); prints the result and returns its status as the exit code.
public func runNetworkProbe(_ args: Arguments, urlProbe: URLProbeMaker?) async throws -> Int32 {
    try await NetworkProbeRequest(args, urlProbe: urlProbe).run()
}

/// What `probe net`'s options ask for: the probe, the time it may take, the output.
public struct NetworkProbeRequest: Sendable {
    public let probe: any Probe
    public let budget: Seconds
    public let json: Bool

    /// Runs the probe, prints its result and returns its status as the exit code.
    public func run() async -> Int32 {
        let clock = SystemClock()
        return printed(await probe.run(ProbeContext(clock: clock, deadline: clock.now() + budget)))
    }

    /// The same, on the calling thread, when the probe is ICMP echo to IP addresses only
    /// (`ICMPProbe.runOnThisThread`); nil, having done nothing, for anything else.
    public func runOnThisThread() -> Int32? {
        guard let icmp = probe as? ICMPProbe else { return nil }
        let clock = SystemClock()
        return icmp.runOnThisThread(ProbeContext(clock: clock, deadline: clock.now() + budget)).map(printed)
    }

    func printed(_ result: CheckResult) -> Int32 {
        printResult(result, json: json, zone: .hoChiMinh)
        return Int32(result.status.rawValue)
    }
}

extension NetworkProbeRequest {
    public init(_ args: Arguments, urlProbe: URLProbeMaker?) throws {
        try args.allowOnly(netProbeOptions.union(["json"]))
        let targets = (args.options["target"] ?? []).flatMap(splitList)
        for t in targets where !isValidHost(t) { throw WatchpostError(.usage, "'\(t)' is not a host name or IP address") }
        let family = try AddressFamilyPreference(rawValue: args.value("family") ?? "any")
            .orThrow(WatchpostError(.usage, "--family must be any, ipv4 or ipv6"))
        let resolveTimeout = try durationOption(args, "resolve-timeout", default: .seconds(2))
        let probe: any Probe
        let budget: Seconds
        if let url = args.value("url") {
            guard WebAddress(parsing: url) != nil else { throw WatchpostError(.usage, "'\(url)' is not an http:// or https:// URL") }
            guard let urlProbe else { throw WatchpostError(.usage, Message("cli.probe.url_needs_watchpost")) }
            probe = urlProbe(url, family, resolveTimeout)
            budget = try durationOption(args, "timeout", default: .seconds(10)) + resolveTimeout
        } else if let portText = args.value("port") {
            guard let port = Int(portText), (1...65_535).contains(port) else { throw WatchpostError(.usage, "--port must be 1–65535") }
            guard !targets.isEmpty else { throw WatchpostError(.usage, "name a host: --target HOST --port \(port)") }
            var s = TCPProbe.Settings(targets: targets.map { $0.contains(":") ? "[\($0)]:\(port)" : "\($0):\(port)" })
            s.family = family
            s.resolveTimeout = resolveTimeout
            let t = try durationOption(args, "timeout", default: .seconds(5))
            s.connectTimeout = t
            probe = TCPProbe(settings: s)
            budget = t + resolveTimeout
        } else {
            guard !targets.isEmpty else { throw WatchpostError(.usage, "name a host: watchpost probe net --target HOST", hint: "see watchpost probe --help") }
            var s = ICMPProbe.Settings(targets: targets)
            guard let count = Int(args.value("count") ?? "3"), (1...CheckKinds.maxEchoCount).contains(count) else {
                throw WatchpostError(.usage, "--count must be 1–\(CheckKinds.maxEchoCount)")
            }
            guard targets.count * count <= 65_536 else { throw WatchpostError(.usage, "at most 65536 echoes per run") }
            s.count = count
            s.echoInterval = try durationOption(args, "interval", default: .seconds(1))
            s.echoTimeout = try durationOption(args, "timeout", default: .seconds(1))
            if args.value("spacing") != nil { s.spacing = try durationOption(args, "spacing", default: .zero) }
            guard let size = Int(args.value("size") ?? "56"), (0...ICMPEcho.maxPayload).contains(size) else {
                throw WatchpostError(.usage, "--size must be 0–\(ICMPEcho.maxPayload)")
            }
            s.payloadSize = size
            s.socket = try ICMPSocketPreference(rawValue: args.value("socket") ?? "auto").orThrow(WatchpostError(.usage, "--socket must be auto, datagram or raw"))
            s.family = family
            s.resolveTimeout = resolveTimeout
            probe = ICMPProbe(settings: s)
            // Every echo's slot, plus the last reply's wait, plus resolution, plus a margin.
            let sends = Seconds(milliseconds: s.effectiveSpacing.milliseconds * Int64(targets.count * count))
            budget = max(s.echoInterval * Int64(count - 1), sends) + s.echoTimeout + resolveTimeout + .seconds(1)
        }
        self.probe = probe
        self.budget = budget
        json = args.has("json")
    }
}

extension Optional {
    public func orThrow(_ e: WatchpostError) throws(WatchpostError) -> Wrapped {
        guard let v = self else { throw e }
        return v
    }
}

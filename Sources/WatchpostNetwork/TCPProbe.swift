// The `tcp` check: a connect to every host:port at once (one poll loop), judged on whether the
// port answers and how fast.
import WatchpostCore
import WatchpostConfig
import Posix

public struct TCPProbe: Probe {
    public struct Settings: Sendable, Hashable {
        /// `host:port` as configured.
        public var targets: [String]
        public var connectTimeout: Seconds?
        public var connectWarning: Seconds?
        public var connectCritical: Seconds?
        public var family: AddressFamilyPreference = .any
        public var resolveTimeout = Seconds(2)
        public init(targets: [String]) { self.targets = targets }
    }

    public let settings: Settings

    public init(settings: Settings) { self.settings = settings }

    public init(check: CheckDefinition) {
        let p = check.parameters
        var s = Settings(targets: CheckKinds.tcpTargets(p))
        s.connectTimeout = p.value("connect_timeout").flatMap { Seconds(parsing: $0) }
        s.connectWarning = p.value("connect_warning").flatMap { Seconds(parsing: $0) }
        s.connectCritical = p.value("connect_critical").flatMap { Seconds(parsing: $0) }
        s.family = p.addressFamily
        s.resolveTimeout = p.duration("resolve_timeout", default: .seconds(2))
        settings = s
    }

    public func run(_ context: ProbeContext) async -> CheckResult {
        let start = context.clock.now()
        let s = settings
        let split = s.targets.map { t -> (String, String, Int) in let (h, p) = splitHostPort(t); return (t, h, p ?? 0) }
        let (_, left) = monotonicDeadline(context)
        let resolved = await resolveAll(split.map(\.1), family: s.family, timeout: min(s.resolveTimeout, left))
        var findings: [Finding] = []
        var failed: [String] = []
        var connects: [TCPConnector.Target] = []
        var connectLabels: [String] = []
        var facts: [String: String] = [:]
        let single = s.targets.count == 1
        let (_, remaining) = monotonicDeadline(context)
        let limit = min(s.connectTimeout ?? remaining, remaining)
        for (label, host, port) in split {
            switch resolved[host] ?? .failure(ResolutionError(host: host, kind: .other, detail: "not resolved")) {
            case .failure(let e): findings.append(dnsFinding(e)); failed.append(label)
            case .success(let addresses):
                connects.append(TCPConnector.Target(address: addresses[0], port: UInt16(port), timeout: limit.duration))
                connectLabels.append(label)
                if addresses[0].description != host { facts[single ? "address" : "address[\(label)]"] = addresses[0].description }
            }
        }
        var measurements: [Measurement] = []
        var slowest: (Double, String)?
        if !connects.isEmpty {
            let list = connects
            let outcomes = (try? await runBlocking { TCPConnector.connectAll(list) }) ?? list.map { _ in .failed(SystemError(call: "pthread_create", errno: 11)) }
            for (i, o) in outcomes.enumerated() {
                let label = connectLabels[i]
                let suffix = single ? "" : "[\(label)]"
                switch o {
                case .connected(let ns):
                    let ms = Double(ns) / 1_000_000
                    measurements.append(Measurement("connect_time" + suffix, ms, unit: "ms"))
                    if slowest == nil || ms > slowest!.0 { slowest = (ms, label) }
                    if let c = s.connectCritical, ms >= Double(c.milliseconds) {
                        findings.append(Finding(.critical, code: NetworkFindingCode.connectTime, Message("finding.network.connect-time", ["target": .text(label), "value": .number(ms, digits: 1), "limit": .number(c.double * 1000, digits: 0)])))
                    } else if let w = s.connectWarning, ms >= Double(w.milliseconds) {
                        findings.append(Finding(.warning, code: NetworkFindingCode.connectTime, Message("finding.network.connect-time", ["target": .text(label), "value": .number(ms, digits: 1), "limit": .number(w.double * 1000, digits: 0)])))
                    }
                case .refused:
                    findings.append(Finding(.critical, code: NetworkFindingCode.refused, Message("finding.network.refused", ["target": .text(label), "port": .count(connects[i].port)])))
                    failed.append(label)
                case .timedOut:
                    findings.append(Finding(.critical, code: NetworkFindingCode.timeout, Message("finding.network.timeout", ["target": .text(label), "limit": .duration(limit)])))
                    failed.append(label)
                case .failed(let e):
                    findings.append(Finding(.critical, code: NetworkFindingCode.unreachable, Message("finding.network.unreachable", ["target": .text(label)]), detail: e.reason))
                    failed.append(label)
                }
            }
        }
        if !failed.isEmpty { facts["failed_hop"] = failed.joined(separator: ", ") }
        let ok = single ? Message("network.ok.tcp", ["target": .text(s.targets[0]), "value": slowest.map { .number($0.0, digits: 1) } ?? "—"])
                        : Message("network.ok.tcp-many", ["total": .count(s.targets.count), "target": .text(slowest?.1 ?? "—"),
                                                          "value": slowest.map { .number($0.0, digits: 1) } ?? "—"])
        return CheckResult.from(findings: findings, ok: ok, measurements: measurements, facts: facts,
                                startedAt: start, duration: context.clock.now() - start)
    }
}

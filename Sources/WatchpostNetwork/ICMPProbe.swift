// The `icmp` check: echoes to every target at once through one socket per address family,
// judged on loss and average round trip.
import WatchpostCore
import WatchpostConfig
import Posix

public struct ICMPProbe: Probe {
    public struct Settings: Sendable, Hashable {
        public var targets: [String]
        public var count = 3
        public var echoInterval = Seconds(1)
        public var echoTimeout = Seconds(1)
        /// nil: spread the first echoes over echo_interval, at most 10 ms apart.
        public var spacing: Seconds?
        public var payloadSize = 56
        public var socket: ICMPSocketPreference = .auto
        public var family: AddressFamilyPreference = .any
        public var resolveTimeout = Seconds(2)
        public var thresholds = PingThresholds()

        public init(targets: [String]) { self.targets = targets }

        /// fping's 10 ms between any two echoes, tightened so that one round of echoes to every
        /// target fits in a quarter of the reply timeout and within echo_interval: 200 targets
        /// then finish in about one timeout (plus the intervals), not in 2 s of spacing.
        public var effectiveSpacing: Seconds {
            if let spacing { return spacing }
            let n = Int64(max(1, targets.count))
            return Seconds(milliseconds: max(0, min(10, echoInterval.milliseconds / n, echoTimeout.milliseconds / (4 * n))))
        }
    }

    public let settings: Settings

    public init(settings: Settings) { self.settings = settings }

    public init(check: CheckDefinition) {
        let p = check.parameters
        var s = Settings(targets: p.list("targets"))
        s.count = p.int("count", default: 3)
        s.echoInterval = p.duration("echo_interval", default: .seconds(1))
        s.echoTimeout = p.duration("echo_timeout", default: .seconds(1))
        s.spacing = p.value("spacing").flatMap { Seconds(parsing: $0) }
        s.payloadSize = p.int("payload_size", default: 56)
        s.socket = ICMPSocketPreference(rawValue: p.string("socket", default: "auto")) ?? .auto
        s.family = p.addressFamily
        s.resolveTimeout = p.duration("resolve_timeout", default: .seconds(2))
        s.thresholds.rttWarning = p.duration("rtt_warning", default: s.thresholds.rttWarning)
        s.thresholds.rttCritical = p.duration("rtt_critical", default: s.thresholds.rttCritical)
        s.thresholds.lossWarning = p.double("loss_warning", default: s.thresholds.lossWarning)
        s.thresholds.lossCritical = p.double("loss_critical", default: s.thresholds.lossCritical)
        settings = s
    }

    public func run(_ context: ProbeContext) async -> CheckResult {
        let start = context.clock.now()
        let (_, left) = monotonicDeadline(context)
        let round = EchoRound(settings, await resolveAll(settings.targets, family: settings.family, timeout: min(settings.resolveTimeout, left)))
        var outcome: Result<ICMPRun, ICMPPermissionError>?
        if !round.plans.isEmpty {
            let (deadline, _) = monotonicDeadline(context)
            let s = settings, plans = round.plans
            do {
                outcome = try await runBlocking { Self.echo(plans, s, deadline: deadline) }
            } catch {
                outcome = .failure(ICMPPermissionError(detail: "cannot start the echo thread: \(error)", group: ICMPSocket.effectiveGroup))
            }
        }
        return round.result(outcome, settings, startedAt: start, duration: context.clock.now() - start)
    }

    /// The whole probe on the calling thread, when every target is an IP address (nothing to
    /// resolve); nil when a name needs resolving (that takes the blocking pool and its deadline,
    /// `run`). For a one-shot program with nothing else to do, `watchpost-probe net`: its one
    /// blocking loop needs no task, no hop to Swift's shared threads and no pool thread — five
    /// thread starts, ≈ 0.7 ms and 30 page faults of a ≈ 30 ms run (bench/network/README.md).
    /// Same result as `run` (NetworkLiveTests compares them).
    public func runOnThisThread(_ context: ProbeContext) -> CheckResult? {
        let start = context.clock.now()
        var resolved: [String: Result<[IPAddress], ResolutionError>] = [:]
        for t in settings.targets {
            guard let numeric = NameResolver.numeric(t, family: settings.family) else { return nil }
            resolved[t] = numeric
        }
        let round = EchoRound(settings, resolved)
        let outcome = round.plans.isEmpty ? nil : Self.echo(round.plans, settings, deadline: monotonicDeadline(context).0)
        return round.result(outcome, settings, startedAt: start, duration: context.clock.now() - start)
    }

    /// The echo loop: blocking, until every echo is answered or timed out, or `deadline`.
    static func echo(_ plans: [EchoPlan], _ s: Settings, deadline: UInt64) -> Result<ICMPRun, ICMPPermissionError> {
        do throws(ICMPPermissionError) {
            let r = try ICMPEcho.run(plans, spacing: s.effectiveSpacing, preference: s.socket, deadline: deadline)
            return .success(ICMPRun(kind: r.kind, outcomes: r.outcomes))
        } catch { return .failure(error) }
    }
}

/// One probe run between resolving and judging: the echo plans for the targets that resolved,
/// and the findings and facts of those that did not.
struct EchoRound {
    var plans: [EchoPlan] = []
    var planTargets: [String] = []
    var findings: [Finding] = []
    var facts: [String: String] = [:]
    var failedHops: [String] = []
    let single: Bool

    init(_ s: ICMPProbe.Settings, _ resolved: [String: Result<[IPAddress], ResolutionError>]) {
        single = s.targets.count == 1
        for t in s.targets {
            switch resolved[t] ?? .failure(ResolutionError(host: t, kind: .other, detail: "not resolved")) {
            case .failure(let e): findings.append(dnsFinding(e)); failedHops.append(t)
            case .success(let addresses):
                plans.append(EchoPlan(address: addresses[0], count: s.count, interval: s.echoInterval, timeout: s.echoTimeout, payloadSize: s.payloadSize))
                planTargets.append(t)
                if addresses[0].description != t { facts[single ? "address" : "address[\(t)]"] = addresses[0].description }
            }
        }
    }

    /// The check's result from the echo run (nil: no target resolved, nothing was sent).
    func result(_ outcome: Result<ICMPRun, ICMPPermissionError>?, _ s: ICMPProbe.Settings, startedAt start: Instant, duration: Seconds) -> CheckResult {
        var findings = findings, facts = facts, failedHops = failedHops
        var measurements: [Measurement] = []
        var worstAverage: (Double, String)?
        var answering = 0
        switch outcome {
        case nil: break
        case .failure(let e)?:
            findings.append(Finding(.unknown, code: NetworkFindingCode.permission, Message("finding.network.permission", ["group": .text(String(e.group))]), detail: e.detail))
        case .success(let run)?:
            facts["socket"] = run.kind.rawValue
            for (i, o) in run.outcomes.enumerated() {
                let t = planTargets[i]
                let label = plans[i].address.description == t ? t : "\(t) (\(plans[i].address))"
                let stats = PingStatistics(sent: o.sent, roundTripsMilliseconds: o.roundTrips.map { Double($0) / 1_000_000 })
                let suffix = single ? "" : "[\(t)]"
                measurements.append(Measurement("loss" + suffix, stats.lossPercent, unit: "%"))
                if let mn = stats.minimum, let avg = stats.average, let mx = stats.maximum, let dev = stats.deviation {
                    measurements += [Measurement("rtt_min" + suffix, mn, unit: "ms"), Measurement("rtt_avg" + suffix, avg, unit: "ms"),
                                     Measurement("rtt_max" + suffix, mx, unit: "ms"), Measurement("rtt_mdev" + suffix, dev, unit: "ms")]
                    if worstAverage == nil || avg > worstAverage!.0 { worstAverage = (avg, t) }
                    answering += 1
                }
                var targetFindings = s.thresholds.judge(stats, target: label)
                if stats.received == 0, let why = o.icmpErrors.first ?? o.sendErrors.first {
                    // Say which hop answered for the dead target: the router that reported it.
                    let by = o.reportedBy.map { " (reported by \($0))" } ?? ""
                    targetFindings = [Finding(.critical, code: NetworkFindingCode.unreachable, Message("finding.network.unreachable", ["target": .text(label)]),
                                              detail: "\(why)\(by)")]
                    if let r = o.reportedBy { facts[single ? "reported_by" : "reported_by[\(t)]"] = r.description }
                }
                if targetFindings.contains(where: { $0.status == .critical }) { failedHops.append(t) }
                findings += targetFindings
            }
        }
        if !failedHops.isEmpty { facts["failed_hop"] = failedHops.joined(separator: ", ") }
        if !single { measurements.insert(Measurement("targets_answering", Double(answering)), at: 0) }
        let okSummary: Message
        if single, let m = measurements.first(where: { $0.name == "rtt_avg" }) {
            okSummary = Message("network.ok.icmp", ["target": .text(s.targets[0]), "count": .count(s.count), "value": .number(m.value, digits: 1)])
        } else if let w = worstAverage {
            okSummary = Message("network.ok.icmp-many", ["total": .count(s.targets.count), "target": .text(w.1), "value": .number(w.0, digits: 1)])
        } else {
            okSummary = Message("network.ok.all", ["total": .count(s.targets.count)])
        }
        return CheckResult.from(findings: findings, ok: okSummary, measurements: measurements, facts: facts, startedAt: start, duration: duration)
    }
}


/// One echo run's result, handed back from the echo thread.
struct ICMPRun: Sendable {
    var kind: ICMPSocketKind
    var outcomes: [EchoOutcome]
}

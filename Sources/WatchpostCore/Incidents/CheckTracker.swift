// The state machine of one check: soft and hard states (Nagios max_check_attempts, Monit "for N
// cycles"), Icinga 2 flapping detection, and the operating-hours judgement of results of checks
// that follow the site schedule. Kept small and allocation-free: it runs for every result.

/// What one result changed about a check, beyond its raw status.
public struct Observation: Sendable, Hashable {
    public var hardChanged = false
    public var hardFrom: CheckStatus = .ok
    public var hardTo: CheckStatus = .ok
    public var flappingStarted = false
    public var flappingStopped = false
    /// The check went from down (raw or hard) to fully up: children and folded checks may be released.
    public var becameUp = false
    public var isEmpty: Bool { !hardChanged && !flappingStarted && !flappingStopped && !becameUp }
}

public struct CheckTracker: Sendable, Hashable, Codable {
    public var lastStatus: CheckStatus = .ok
    public var hardStatus: CheckStatus = .ok
    /// Consecutive failing results (soft attempts).
    public var failStreak = 0
    public var okStreak = 0
    /// The last 20 results: bit i set when result i changed the state.
    var flapBits: UInt32 = 0
    var flapIndex: Int = 0
    var seen: Int = 0
    public var flapping = false
    /// Percent, as Icinga 2 computes it.
    public var flapValue: Double = 0
    /// Hard-failed while a parent was down: no incident of its own.
    public var unreachable = false
    /// Hard-failed while the site's power was down: folded into the power incident.
    public var folded = false
    /// For the site's power check: the last result said on battery / low battery / unreachable.
    public var powerDown = false

    public init() {}

    public var isDown: Bool { lastStatus.isProblem || hardStatus.isProblem }

    /// Icinga 2 weights, 0.8 for the oldest of the 20 results to 1.15 for the newest.
    static let weights: [Double] = (0..<20).map { 0.8 + 0.35 * Double($0) / 19 }

    /// Applies one (already judged) status.
    public mutating func observe(_ status: CheckStatus, failAfter: Int, recoverAfter: Int, flapping policy: FlappingPolicy) -> Observation {
        var o = Observation()
        let wasDown = isDown
        // Flapping: Icinga 2 counts raw state changes over the last 20 results.
        if policy.enabled {
            let changed = seen > 0 && status != lastStatus
            let bit: UInt32 = 1 << UInt32(flapIndex)
            if changed { flapBits |= bit } else { flapBits &= ~bit }
            flapIndex = flapIndex == 19 ? 0 : flapIndex + 1
            if seen < 20 { seen += 1 }
            if flapBits == 0 {
                flapValue = 0
            } else {
                var sum = 0.0
                // The oldest result sits at flapIndex (the next slot to overwrite).
                for i in 0..<20 where flapBits & (1 << UInt32((flapIndex + i) % 20)) != 0 { sum += CheckTracker.weights[i] }
                flapValue = sum / 20 * 100
            }
            if !flapping && flapValue > policy.high { flapping = true; o.flappingStarted = true }
            else if flapping && flapValue < policy.low { flapping = false; o.flappingStopped = true }
        } else if flapping {
            flapping = false
            o.flappingStopped = true
        }
        lastStatus = status
        if status.isProblem {
            failStreak += 1
            okStreak = 0
            if hardStatus.isProblem {
                if status != hardStatus { o.hardChanged = true; o.hardFrom = hardStatus; o.hardTo = status; hardStatus = status }
            } else if failStreak >= failAfter {
                o.hardChanged = true; o.hardFrom = .ok; o.hardTo = status; hardStatus = status
            }
        } else {
            okStreak += 1
            failStreak = 0
            if hardStatus.isProblem && okStreak >= recoverAfter {
                o.hardChanged = true; o.hardFrom = hardStatus; o.hardTo = .ok; hardStatus = .ok
            }
        }
        if wasDown && !isDown { o.becameUp = true }
        return o
    }
}

/// Which results of the power check mean "the site has no mains power" (and so explain a dark
/// screen or an unreachable controller): the power probe's codes `onbatt`, `lowbatt`, `commbad`
/// (UPS unreachable — the cabinet may be dark) and `fsd`. A power check without findings (an exec
/// plugin) counts as down whenever it reports a problem.
public enum PowerFindings {
    public static let downCodes: Set<String> = ["onbatt", "lowbatt", "lowcharge", "commbad", "fsd"]

    public static func isDown(_ r: CheckResult, status: CheckStatus) -> Bool {
        guard status.isProblem else { return false }
        let problems = r.findings.filter { $0.status.isProblem }
        if problems.isEmpty { return true }
        return problems.contains { downCodes.contains($0.code) }
    }

    /// What a loss of mains explains in a check marked `explained_by_power`: the device gone
    /// (unreachable, no answer, no signal), the receiving cards and the picture gone with their
    /// supply, the cabinet fans stopped. Smoke, an open door, heat, an unapproved file are not
    /// explained by an outage — they may be its cause or happen during it — and must reach those
    /// responsible for them (Tây Trang 7.2.2 fire safety; 7.2.3 security), never fold into the
    /// power incident unseen (issue 14: a cabinet smoke during mains loss was folded).
    public static let explainedCodes: Set<String> = ["unreachable", "protocol-error", "no-signal", "cards-missing", "screen-dark", "screen-off",
                                                     "fan-stopped", "player.unreachable", "loss", "timeout", "refused"]

    /// Whether a failing result of an `explained_by_power` check is explained by the power being
    /// down: a result without findings (the probe could not reach or judge the device), or one
    /// whose every problem finding power explains and none of which is security-relevant.
    public static func explains(_ r: CheckResult) -> Bool {
        r.findings.allSatisfy { f in !f.status.isProblem || (explainedCodes.contains(f.code) && !f.securityRelevant) }
    }
}

/// Judges a result of a check that follows the site's operating hours. Probes report what they
/// see; the engine decides what it means at that moment (see README "Incidents and escalation"):
/// - a finding `screen-dark` (or `screen-off`) is a problem inside operating hours and expected
///   outside them (it is dropped);
/// - a finding `screen-lit` (informational) outside hours becomes a WARNING
///   `screen-lit-outside-hours`; a probe may also report `screen-lit-outside-hours` itself, which
///   the engine drops inside hours;
/// - security-relevant findings are never changed: security runs 24/7.
public enum OperatingHoursJudge {
    public static let darkCodes: Set<String> = ["screen-dark", "screen-off"]
    public static let litCode = "screen-lit"
    public static let litOutsideHoursCode = "screen-lit-outside-hours"

    /// Returns the result as the engine should see it, or nil when it needs no change.
    public static func judge(_ r: CheckResult, scheduledOn: Bool) -> CheckResult? {
        guard !r.findings.isEmpty else { return nil }
        var changed = false
        var findings: [Finding] = []
        findings.reserveCapacity(r.findings.count)
        for f in r.findings {
            if f.securityRelevant { findings.append(f); continue }
            if !scheduledOn && darkCodes.contains(f.code) { changed = true; continue }
            if scheduledOn && f.code == litOutsideHoursCode { changed = true; continue }
            if !scheduledOn && f.code == litCode {
                changed = true
                findings.append(Finding(.warning, code: litOutsideHoursCode, Message("finding.schedule.screen-lit-outside-hours")))
                continue
            }
            findings.append(f)
        }
        guard changed else { return nil }
        let ok = scheduledOn ? r.text : Message("check.ok.outside-hours")
        return CheckResult.from(findings: findings, ok: findings.contains { $0.status.isProblem } ? r.text : ok,
                                measurements: r.measurements, facts: r.facts, startedAt: r.startedAt, duration: r.duration)
    }
}

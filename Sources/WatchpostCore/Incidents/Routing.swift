// The routing table: for an incident's category, severity, the operating hours and its findings,
// who is *informed* at once (no acknowledgement needed, never silenced by someone else's
// acknowledgement), who must *acknowledge* at each escalation level and what each level's timeout
// does, which levels are reached only by a person's decision (the Provincial People's Committee,
// Tây Trang 7.1.3), and whether the incident waits for the next operating window.
//
// Pure values: the configuration module fills `EscalationPolicy` from alerts/chains/*.conf, the
// engine asks `route(...)` when it opens an incident, `watchpost routes` prints `table()`, and a
// unit test enumerates every cell for both shipped profiles.

/// Which incidents a rule applies to: `security.*`, `technical.critical`, `technical.critical@hours`, `*`.
public struct RouteSelector: Sendable, Hashable, Codable, CustomStringConvertible {
    public var category: IncidentCategory?
    public var severity: CheckStatus?
    /// Only inside the site's operating hours.
    public var onlyInHours: Bool

    public init(category: IncidentCategory? = nil, severity: CheckStatus? = nil, onlyInHours: Bool = false) {
        self.category = category
        self.severity = severity
        self.onlyInHours = onlyInHours
    }

    public init?(parsing raw: String) {
        var s = Substring(raw.trimmingWhitespace())
        var hours = false
        if s.hasSuffix("@hours") { hours = true; s = s.dropLast(6) }
        if s == "*" { self.init(onlyInHours: hours); return }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        var cat: IncidentCategory? = nil
        if parts[0] != "*" { guard let c = IncidentCategory(rawValue: String(parts[0])) else { return nil }; cat = c }
        var sev: CheckStatus? = nil
        switch parts[1] {
        case "*": sev = nil
        case "warning": sev = .warning
        case "critical": sev = .critical
        case "unknown": sev = .unknown
        default: return nil
        }
        self.init(category: cat, severity: sev, onlyInHours: hours)
    }

    public func matches(category c: IncidentCategory, severity s: CheckStatus, inHours: Bool) -> Bool {
        if let category, category != c { return false }
        if let severity, severity != s { return false }
        if onlyInHours && !inHours { return false }
        return true
    }

    public var description: String {
        "\(category?.rawValue ?? "*").\(severity.map { $0.description.lowercased() } ?? "*")\(onlyInHours ? "@hours" : "")"
    }
}

/// A group told at once (`[inform NAME]`): it needs no acknowledgement and hears of every
/// acknowledgement, escalation and resolution afterwards.
public struct InformRule: Sendable, Hashable, Codable {
    public var name: String
    public var recipients: [NotificationRecipient]
    public var when: [RouteSelector]
    /// The article that gives the duty (e.g. "2432/QĐ-UBND Điều 8.1").
    public var source: String

    public init(name: String, recipients: [NotificationRecipient], when: [RouteSelector], source: String = "") {
        self.name = name
        self.recipients = recipients
        self.when = when
        self.source = source
    }

    public func applies(category: IncidentCategory, severity: CheckStatus, inHours: Bool) -> Bool {
        when.contains { $0.matches(category: category, severity: severity, inHours: inHours) }
    }
}

/// What a finding means for routing, whatever check reported it (`[finding CODE]`): smoke is
/// CRITICAL and goes to those responsible for fire safety, an open cabinet door is a security
/// matter, an expired manifest is the Department's own task.
public struct FindingRule: Sendable, Hashable, Codable {
    public var code: String
    /// Overrides the probe's `securityRelevant` mark for this finding.
    public var category: IncidentCategory?
    /// Raises (never lowers) the finding's status.
    public var severity: CheckStatus?
    /// Told at once besides the chain (power company, fire safety, the Department…).
    public var inform: [NotificationRecipient]
    /// Never waits for the operating window (threatens the equipment).
    public var urgent: Bool
    public var source: String

    public init(code: String, category: IncidentCategory? = nil, severity: CheckStatus? = nil, inform: [NotificationRecipient] = [],
                urgent: Bool = false, source: String = "") {
        self.code = code
        self.category = category
        self.severity = severity
        self.inform = inform
        self.urgent = urgent
        self.source = source
    }
}

/// What a probe says of a finding before any chain rule: the severities it reports it with and
/// whether it marks it security-relevant. The probe modules describe their codes
/// (`FindingNatures` in WatchpostProbes); `watchpost routes` prints one row per severity.
public struct FindingNature: Sendable, Hashable {
    public var severities: [CheckStatus]
    public var securityRelevant: Bool

    public init(severities: [CheckStatus], securityRelevant: Bool = false) {
        self.severities = severities
        self.securityRelevant = securityRelevant
    }
}

/// One escalation step of a route.
public struct RouteStep: Sendable, Hashable {
    public var level: Int
    public var recipients: [NotificationRecipient]
    /// Reached when the previous level's timeout passes without acknowledgement (nil: the
    /// entry level, or reached only by decision).
    public var afterTimeout: Seconds?
    /// Reached only when a Department user decides it (`watchpost escalate`, the web button, a reply).
    public var byDecision: Bool
    public var reminder: Seconds?
    public var source: String
}

/// One cell of the routing table.
public struct Route: Sendable, Hashable {
    public var category: IncidentCategory
    public var severity: CheckStatus
    public var inHours: Bool
    /// Finding codes the route was computed for (empty: any finding without a rule).
    public var findings: [String]
    /// Told at once: (rule name, recipients).
    public var informed: [(name: String, recipients: [NotificationRecipient])]
    /// Technicians only, no escalation.
    public var techniciansOnly: Bool
    public var technicians: [NotificationRecipient]
    /// The incident is recorded and the technicians told; the rest of the chain hears at the start
    /// of the next operating window if it is still open.
    public var heldUntilOperatingHours: Bool
    public var steps: [RouteStep]
    /// Who may acknowledge (silence escalation): roles of the acknowledgement policy.
    public var acknowledgedBy: [PartyRole]
    public var ackTimeout: Seconds?

    public static func == (a: Route, b: Route) -> Bool {
        a.category == b.category && a.severity == b.severity && a.inHours == b.inHours && a.findings == b.findings
            && a.informed.map(\.name) == b.informed.map(\.name) && a.informed.map(\.recipients) == b.informed.map(\.recipients)
            && a.techniciansOnly == b.techniciansOnly && a.technicians == b.technicians && a.heldUntilOperatingHours == b.heldUntilOperatingHours
            && a.steps == b.steps && a.acknowledgedBy == b.acknowledgedBy && a.ackTimeout == b.ackTimeout
    }
    public func hash(into h: inout Hasher) { h.combine(category); h.combine(severity); h.combine(inHours); h.combine(findings) }

    /// Every address told at once (informed groups), each once.
    public var informedRecipients: [NotificationRecipient] {
        var out: [NotificationRecipient] = []
        for g in informed { for r in g.recipients where !out.contains(where: { $0.address == r.address }) { out.append(r) } }
        return out
    }
}

extension EscalationPolicy {
    /// The severities a route is computed for.
    public static let severities: [CheckStatus] = [.warning, .critical, .unknown]

    /// The rule for a finding code, if the chain has one.
    public func findingRule(_ code: String) -> FindingRule? { findingRules.first { $0.code == code } }

    /// Applies the chain's finding rules to a result: a finding's category (security-relevant or
    /// not) and a raised status. Returns nil when nothing changes (the hot path).
    public func classify(_ r: CheckResult) -> CheckResult? {
        guard !findingRules.isEmpty, !r.findings.isEmpty else { return nil }
        var changed = false
        var findings = r.findings
        for (n, f) in findings.enumerated() {
            guard let rule = findingRule(f.code) else { continue }
            if let c = rule.category, (c == .security) != f.securityRelevant { findings[n].securityRelevant = c == .security; changed = true }
            if let s = rule.severity, f.status.isProblem, s > f.status { findings[n].status = s; changed = true }
        }
        guard changed else { return nil }
        let worst = findings.map(\.status).max() ?? .ok
        return CheckResult(status: max(worst, r.status == .ok ? worst : r.status), summary: r.summary, measurements: r.measurements, facts: r.facts,
                           findings: findings, startedAt: r.startedAt, duration: r.duration)
    }

    /// The route of an incident. `findings` are the problem finding codes (rules add informed
    /// groups and may make the incident urgent).
    public func route(category: IncidentCategory, severity: CheckStatus, inHours: Bool, findings: [String] = []) -> Route {
        let rules = findings.compactMap(findingRule)
        var informed: [(name: String, recipients: [NotificationRecipient])] = []
        let urgent = rules.contains(where: \.urgent)
        let entry = self.entry(category: category, severity: severity)
        // Outside operating hours a technical incident that does not threaten the equipment
        // reaches the technicians only; the rest of the chain hears at the next window.
        // A technicians-only entry is held too when a group would be informed in hours (the
        // operating unit hears of every technical incident): it hears at the window.
        let informedInHours = informs.contains { $0.applies(category: category, severity: severity, inHours: true) }
        let held = category == .technical && !inHours && !urgent && holdOutsideHours && (entry != .techniciansOnly || informedInHours)
        // A held incident reaches the informed groups when the window opens (the engine then
        // notifies the entry as in hours): the route lists those, after the technicians.
        let hoursForRules = inHours || urgent || held
        for rule in informs where rule.applies(category: category, severity: severity, inHours: hoursForRules) {
            informed.append((rule.name, rule.recipients))
        }
        for rule in rules where !rule.inform.isEmpty { informed.append(("finding \(rule.code)", rule.inform)) }
        var steps: [RouteStep] = []
        if case .level(let first) = entry {
            var previousTimeout: Seconds? = nil
            for l in levels where l.number >= first {
                let recips = l.recipients(for: category)
                steps.append(RouteStep(level: l.number, recipients: recips, afterTimeout: l.number == first || l.byDecision ? nil : previousTimeout,
                                       byDecision: l.byDecision, reminder: l.reminder, source: l.source(for: category)))
                previousTimeout = l.timeout
            }
        }
        return Route(category: category, severity: severity, inHours: inHours, findings: findings, informed: informed,
                     techniciansOnly: entry == .techniciansOnly || held, technicians: technicians,
                     heldUntilOperatingHours: held, steps: steps,
                     acknowledgedBy: IncidentPolicy.roles(allowedTo: .acknowledge, category: category), ackTimeout: ackTimeout)
    }

    /// The category and severity an incident of one finding has after the chain's rule, for a
    /// finding the probe reports with `status` and `securityRelevant` — what `classify` does.
    public func effect(ofFinding code: String, status: CheckStatus, securityRelevant: Bool) -> (category: IncidentCategory, severity: CheckStatus) {
        let rule = findingRule(code)
        let category = rule?.category ?? (securityRelevant ? .security : .technical)
        var severity = status
        if let s = rule?.severity, status.isProblem, s > status { severity = s }
        return (category, severity)
    }

    /// Every cell: category × severity × inside/outside operating hours, then, for each finding
    /// rule, one row per severity its probe reports it with (`natures`; a code no probe describes
    /// gets a row for WARNING and one for CRITICAL), with the category and severity the rule
    /// gives — the route the engine takes for an incident of that finding.
    public func table(natures: [String: FindingNature] = [:]) -> [Route] {
        var out: [Route] = []
        for c in IncidentCategory.allCases {
            for s in Self.severities {
                for h in [true, false] { out.append(route(category: c, severity: s, inHours: h)) }
            }
        }
        for rule in findingRules {
            let nature = natures[rule.code] ?? FindingNature(severities: [.warning, .critical], securityRelevant: false)
            var cells: [(IncidentCategory, CheckStatus)] = []
            for status in nature.severities where status.isProblem {
                let e = effect(ofFinding: rule.code, status: status, securityRelevant: nature.securityRelevant)
                if !cells.contains(where: { $0 == e }) { cells.append(e) }
            }
            for (c, s) in cells {
                for h in [true, false] { out.append(route(category: c, severity: s, inHours: h, findings: [rule.code])) }
            }
        }
        return out
    }

    /// The first level reached only by decision (the Committee), if the chain has one.
    public var decisionLevel: EscalationLevel? { levels.first(where: \.byDecision) }
}

extension EscalationLevel {
    /// Everyone this level notifies for an incident of `category`.
    /// The level's article with the one behind its category's added recipients ("7.2.1, 7.2.3"
    /// and, for security, "7.3, 7.7").
    public func source(for category: IncidentCategory) -> String {
        let extra = category == .technical ? technicalSource : securitySource
        guard !extra.isEmpty else { return source }
        guard !source.isEmpty else { return extra }
        return source + ", " + extra
    }

    public func recipients(for category: IncidentCategory) -> [NotificationRecipient] {
        var out = recipients
        for r in (category == .technical ? technicalRecipients : securityRecipients) where !out.contains(where: { $0.address == r.address }) { out.append(r) }
        return out
    }
}

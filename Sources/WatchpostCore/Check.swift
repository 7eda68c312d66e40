/// The outcome of one probe run, in the vocabulary of Nagios and Icinga.
public enum CheckStatus: Int, Sendable, Hashable, Codable, Comparable, CaseIterable, CustomStringConvertible {
    case ok = 0, warning = 1, critical = 2, unknown = 3

    public static func < (a: CheckStatus, b: CheckStatus) -> Bool { a.severityRank < b.severityRank }

    /// Ordering for "worst of": critical > warning > unknown > ok.
    public var severityRank: Int {
        switch self {
        case .ok: return 0
        case .unknown: return 1
        case .warning: return 2
        case .critical: return 3
        }
    }

    public var description: String {
        switch self {
        case .ok: return "OK"
        case .warning: return "WARNING"
        case .critical: return "CRITICAL"
        case .unknown: return "UNKNOWN"
        }
    }

    public var vietnamese: String {
        switch self {
        case .ok: return "Bình thường"
        case .warning: return "Cảnh báo"
        case .critical: return "Nghiêm trọng"
        case .unknown: return "Không xác định"
        }
    }

    public init?(name: String) {
        guard let s = CheckStatus.allCases.first(where: { $0.description == name.uppercased() }) else { return nil }
        self = s
    }

    public var isProblem: Bool { self != .ok }
}

/// A measured quantity with its unit, e.g. `temperature 41.5 °C`, `rtt_avg 0.8 ms`.
public struct Measurement: Sendable, Hashable, Codable {
    public var name: String
    public var value: Double
    public var unit: String

    public init(_ name: String, _ value: Double, unit: String = "") {
        self.name = name
        self.value = value
        self.unit = unit
    }
}

extension Measurement {
    /// The largest magnitude a measurement may have (10^15). Every sensor, counter and timing this
    /// monitor reads is far below it; a bigger value is a broken or hostile plugin, and values near
    /// 9.2×10^18 trap when turned into whole numbers for display.
    public static let largestMagnitude: Double = 1e15

    /// Finite and within ±`largestMagnitude`.
    public var isWithinBounds: Bool { value.isFinite && abs(value) <= Self.largestMagnitude }
}

/// Whether a check's failures are a technical fault or an information-security event.
/// The regulations route the two differently.
public enum IncidentCategory: String, Sendable, Hashable, Codable, CaseIterable {
    case technical, security

    public var vietnamese: String { self == .technical ? "Sự cố kỹ thuật" : "Sự cố an ninh thông tin" }
    /// The English translation shown after the Vietnamese (never the raw id "security").
    public var english: String { self == .technical ? "Technical incident" : "Information-security incident" }
}

/// One finding inside a result, e.g. "receiving card 3 on port 1 missing" or "file ads.mp4 is not
/// approved". Security-relevant findings make the incident a security incident.
/// `text` is a catalogue message (Vietnamese and English, parameters typed); `detail` holds a
/// library's own words (curl, libusb, errno) for the separate "Chi tiết kỹ thuật / Technical
/// detail" line — never part of a sentence a person reads.
public struct Finding: Sendable, Hashable, Codable {
    public var status: CheckStatus
    public var code: String
    public var text: Message
    public var detail: String
    public var securityRelevant: Bool

    public init(_ status: CheckStatus, code: String, _ text: Message, detail: String = "", securityRelevant: Bool = false) {
        self.status = status
        self.code = code
        self.text = text
        self.detail = detail
        self.securityRelevant = securityRelevant
    }

    /// A text that is not ours to translate (a plugin's first output line): shown as is.
    public init(_ status: CheckStatus, code: String, untranslated text: String, securityRelevant: Bool = false) {
        self.init(status, code: code, Message.untranslated(text), securityRelevant: securityRelevant)
    }

    /// English, with the technical detail in brackets: for logs, the CLI and the JSON API.
    public var message: String { Catalogue.render(text, .en) + (detail.isEmpty ? "" : " (\(detail))") }

    enum CodingKeys: String, CodingKey { case status, code, text, detail, securityRelevant, message }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        status = try c.decode(CheckStatus.self, forKey: .status)
        code = try c.decode(String.self, forKey: .code)
        securityRelevant = try c.decodeIfPresent(Bool.self, forKey: .securityRelevant) ?? false
        detail = try c.decodeIfPresent(String.self, forKey: .detail) ?? ""
        // Rows written before the catalogue carry only the English `message`.
        if let t = try c.decodeIfPresent(Message.self, forKey: .text) { text = t } else {
            text = .untranslated(try c.decodeIfPresent(String.self, forKey: .message) ?? code)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(code, forKey: .code)
        try c.encode(text, forKey: .text)
        try c.encode(detail, forKey: .detail)
        try c.encode(securityRelevant, forKey: .securityRelevant)
        try c.encode(message, forKey: .message)
    }
}

/// What one probe run found. Probes never throw: an unreachable device is a result
/// (CRITICAL with a message that says what to check), not an error.
public struct CheckResult: Sendable, Hashable, Codable {
    public var status: CheckStatus
    /// One line for people: what is wrong, or that all is well, as a catalogue message.
    public var text: Message
    /// Library words behind the result (curl, libusb, errno), for the technical-detail line.
    public var detail: String
    public var measurements: [Measurement]
    /// Facts about the device: model, firmware, serial…
    public var facts: [String: String]
    public var findings: [Finding]
    public var startedAt: Instant
    public var duration: Seconds

    public init(status: CheckStatus, text: Message, detail: String = "", measurements: [Measurement] = [], facts: [String: String] = [:],
                findings: [Finding] = [], startedAt: Instant, duration: Seconds = .zero) {
        self.status = status
        self.text = text
        self.detail = detail
        self.measurements = measurements
        self.facts = facts
        self.findings = findings
        self.startedAt = startedAt
        self.duration = duration
    }

    /// A result whose one line is not ours to translate (a plugin's output).
    public init(status: CheckStatus, summary: String, measurements: [Measurement] = [], facts: [String: String] = [:],
                findings: [Finding] = [], startedAt: Instant, duration: Seconds = .zero) {
        self.init(status: status, text: .untranslated(summary), measurements: measurements, facts: facts, findings: findings,
                  startedAt: startedAt, duration: duration)
    }

    /// The one line in English with the technical detail in brackets (logs, CLI, JSON API);
    /// people read `text` rendered in Vietnamese, and the detail on a line of its own.
    public var summary: String { Catalogue.render(text, .en) + (detail.isEmpty ? "" : " (\(detail))") }

    public var isSecurityRelevant: Bool { findings.contains { $0.securityRelevant && $0.status.isProblem } }

    public func measurement(_ name: String) -> Double? { measurements.first { $0.name == name }?.value }

    /// The fact naming measurements refused at the probe boundary.
    public static let refusedMeasurementsFact = "refused_measurements"

    /// This result as it may enter the daemon: measurements that are not finite or exceed
    /// ±`Measurement.largestMagnitude` are dropped (never stored, never shown) and named in the
    /// `refused_measurements` fact so the plugin's author can see what was refused.
    public func boundedAtProbeBoundary() -> CheckResult {
        guard measurements.contains(where: { !$0.isWithinBounds }) else { return self }
        var r = self
        let refused = measurements.filter { !$0.isWithinBounds }
        r.measurements = measurements.filter(\.isWithinBounds)
        r.facts[Self.refusedMeasurementsFact] = refused.prefix(8).map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
        return r
    }

    /// Builds a result whose status is the worst of its findings (OK when there are none).
    public static func from(findings: [Finding], ok: Message, measurements: [Measurement] = [], facts: [String: String] = [:],
                            startedAt: Instant, duration: Seconds = .zero) -> CheckResult {
        let worst = findings.map(\.status).max() ?? .ok
        let problems = findings.filter { $0.status == worst && worst.isProblem }
        let text: Message = problems.isEmpty ? ok : problems.count == 1 ? problems[0].text : Message.joined(problems.map(\.text))
        var details: [String] = []
        for p in problems where !p.detail.isEmpty && !details.contains(p.detail) { details.append(p.detail) }
        return CheckResult(status: worst, text: text, detail: details.joined(separator: "; "), measurements: measurements, facts: facts,
                           findings: findings, startedAt: startedAt, duration: duration)
    }

    enum CodingKeys: String, CodingKey { case status, text, detail, measurements, facts, findings, startedAt, duration, summary }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        status = try c.decode(CheckStatus.self, forKey: .status)
        if let t = try c.decodeIfPresent(Message.self, forKey: .text) { text = t } else {
            text = .untranslated(try c.decodeIfPresent(String.self, forKey: .summary) ?? "")
        }
        detail = try c.decodeIfPresent(String.self, forKey: .detail) ?? ""
        measurements = try c.decodeIfPresent([Measurement].self, forKey: .measurements) ?? []
        facts = try c.decodeIfPresent([String: String].self, forKey: .facts) ?? [:]
        findings = try c.decodeIfPresent([Finding].self, forKey: .findings) ?? []
        startedAt = try c.decode(Instant.self, forKey: .startedAt)
        duration = try c.decodeIfPresent(Seconds.self, forKey: .duration) ?? .zero
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(text, forKey: .text)
        try c.encode(detail, forKey: .detail)
        try c.encode(measurements, forKey: .measurements)
        try c.encode(facts, forKey: .facts)
        try c.encode(findings, forKey: .findings)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(duration, forKey: .duration)
        try c.encode(summary, forKey: .summary)
    }
}

/// What a probe knows about the moment it runs.
public struct ProbeContext: Sendable {
    public var clock: any WatchpostClock
    /// The run must finish by then; the scheduler abandons it after that.
    public var deadline: Instant
    /// Whether the site's schedule says the screen should be on now.
    public var scheduledOn: Bool
    /// Whether a maintenance window is open for this check.
    public var inMaintenance: Bool

    public init(clock: any WatchpostClock, deadline: Instant, scheduledOn: Bool = true, inMaintenance: Bool = false) {
        self.clock = clock
        self.deadline = deadline
        self.scheduledOn = scheduledOn
        self.inMaintenance = inMaintenance
    }
}

/// The one seam between the daemon and every device family (as NUT's driver contract): a probe is
/// built from its configuration, runs once per cycle, and is shut down when the configuration
/// changes. The daemon knows nothing of protocols.
public protocol Probe: Sendable {
    /// Runs one check. Must return by `context.deadline` and must not block the shared task
    /// threads (blocking C calls belong on threads of their own).
    func run(_ context: ProbeContext) async -> CheckResult
    /// Releases connections and devices. Called once, when the check is removed or reconfigured.
    func shutdown() async
    /// How long after the check's timeout the scheduler still waits for this probe. A probe that
    /// stops its own work at the timeout (the exec probe kills the plugin) gets this time to
    /// return its own result, which names what hung, before the scheduler's generic "did not
    /// answer": on a loaded machine the kill and the reaping can take longer than a few
    /// milliseconds (#13 review, s8). Zero for the others.
    var timeoutGrace: Seconds { get }
}

extension Probe {
    public func shutdown() async {}
    public var timeoutGrace: Seconds { .zero }

    /// The scheduler's hard deadline for a run starting at `start` with the check's `timeout`.
    public func deadline(startingAt start: Instant, timeout: Seconds) -> Instant { start + timeout + timeoutGrace }
}

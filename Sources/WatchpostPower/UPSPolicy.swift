// Power events and policy, pure and clock-injected: turns successive UPS readings (or failures to
// read) into NUT's events (ONBATT debounced, ONLINE, LOWBATT, REPLBATT, OVERLOAD, COMMBAD/COMMOK)
// and into findings with stable codes that the incident engine keys on (power inhibition, the
// shutdown responder). "UPS unreachable" is its own state, never "on battery".
import WatchpostCore

/// Thresholds, as apcupsd and NUT name them.
public struct UPSPolicy: Sendable, Hashable {
    /// How long OB must last before ONBATT (apcupsd ONBATTERYDELAY is 6 s; the issue asks 5 s).
    public var onBatteryDelay: Seconds = .seconds(5)
    /// On battery with charge at or below this → warning `lowcharge`.
    public var chargeWarning: Double? = 50
    /// On battery with charge at or below this → `lowbatt` (apcupsd BATTERYLEVEL 5 %).
    public var chargeLow: Double? = 20
    /// On battery with runtime at or below this → `lowbatt` (apcupsd MINUTES 3).
    public var runtimeLow: Seconds? = .minutes(3)

    public init() {}
}

/// NUT's (upsmon's) notification events.
public enum UPSEvent: String, Sendable, Hashable, CaseIterable {
    case online = "ONLINE", onBattery = "ONBATT", lowBattery = "LOWBATT", forcedShutdown = "FSD",
         commOK = "COMMOK", commBad = "COMMBAD", replaceBattery = "REPLBATT", overload = "OVERLOAD"
}

/// Finding codes the power probe emits (documented in the README; the engine matches on them).
public enum UPSFindingCode {
    /// On battery for longer than the debounce delay (WARNING). Feeds power inhibition.
    public static let onBattery = "onbatt"
    /// On battery, within the debounce delay (OK; informational).
    public static let onBatteryPending = "onbatt-pending"
    /// On battery and the UPS says LB / FSD / shutdown imminent, or charge/runtime at or below the
    /// configured minimum (CRITICAL). The shutdown responder triggers on it.
    public static let lowBattery = "lowbatt"
    /// On battery with charge at or below `charge_warning` (WARNING).
    public static let lowCharge = "lowcharge"
    /// On mains but the battery is still low after an outage (WARNING; no shutdown).
    public static let lowBatteryOnline = "lowbatt-online"
    public static let replaceBattery = "replbatt"
    public static let overload = "overload"
    public static let alarm = "alarm"
    /// The UPS cannot be read: cable, USB, upsd (CRITICAL). Not on battery.
    public static let commBad = "commbad"

    /// Every code, for the catalogue test (each has `finding.power.<code>`).
    public static let all = [onBattery, onBatteryPending, lowBattery, lowCharge, lowBatteryOnline, replaceBattery, overload, alarm, commBad]
}

/// What the monitor remembers between polls.
public struct UPSMonitor: Sendable {
    public var policy: UPSPolicy
    public private(set) var onBatterySince: Instant?
    public private(set) var onBatteryAnnounced = false
    /// nil before the first poll.
    public private(set) var communicating: Bool?
    public private(set) var lowBatteryAnnounced = false
    public private(set) var previousStatus: Set<UPSStatusFlag> = []
    public private(set) var lastReading: UPSReading?

    public init(policy: UPSPolicy) { self.policy = policy }

    public struct Evaluation: Sendable {
        public var findings: [Finding]
        public var events: [UPSEvent]
        public var summary: Message
        public var onBatterySeconds: Double
    }

    /// One poll's outcome → findings and the events that happened now.
    public mutating func evaluate(_ outcome: Result<UPSReading, WatchpostError>, at now: Instant) -> Evaluation {
        var events: [UPSEvent] = []
        switch outcome {
        case .failure(let error):
            if communicating != false { events.append(.commBad) }
            communicating = false
            let hint = error.hint.map { " — \($0)" } ?? ""
            let f = Finding(.critical, code: UPSFindingCode.commBad, Message("finding.power.commbad"), detail: error.message + hint)
            return Evaluation(findings: [f], events: events, summary: f.text, onBatterySeconds: onBatterySince.map { (now - $0).double } ?? 0)
        case .success(let reading):
            if communicating == false { events.append(.commOK) }
            communicating = true
            lastReading = reading
            return judge(reading, at: now, events: events)
        }
    }

    private mutating func judge(_ r: UPSReading, at now: Instant, events initial: [UPSEvent]) -> Evaluation {
        var events = initial
        var findings: [Finding] = []
        let status = r.status
        let onBattery = status.contains(.onBattery)
        let charge = r.number("battery.charge")
        let runtime = r.number("battery.runtime")

        if onBattery {
            if onBatterySince == nil { onBatterySince = now }
        } else {
            if onBatteryAnnounced { events.append(.online) }
            onBatterySince = nil
            onBatteryAnnounced = false
        }
        let onFor = onBatterySince.map { now - $0 } ?? .zero
        var details: [Message] = []
        if let charge { details.append(Message("power.charge", ["value": .number(charge, digits: 0)])) }
        if let runtime { details.append(Message("power.runtime", ["value": .duration(Seconds(clampingSeconds: runtime))])) }
        let detail: MessageValue = details.isEmpty ? "" : .message(Message("power.reading", ["items": .list(details)]))

        if onBattery {
            if onFor >= policy.onBatteryDelay {
                if !onBatteryAnnounced { events.append(.onBattery); onBatteryAnnounced = true }
                findings.append(Finding(.warning, code: UPSFindingCode.onBattery,
                                        Message("finding.power.onbatt", ["duration": .duration(onFor), "reading": detail])))
            } else {
                findings.append(Finding(.ok, code: UPSFindingCode.onBatteryPending,
                                        Message("finding.power.onbatt-pending", ["duration": .duration(onFor), "delay": .duration(policy.onBatteryDelay)])))
            }
        }

        // Low battery: the UPS's own flag, or our thresholds while on battery.
        var lowReasons: [Message] = []
        if status.contains(.lowBattery) { lowReasons.append(Message("power.low.flag")) }
        if status.contains(.forcedShutdown) { lowReasons.append(Message("power.low.fsd")) }
        if onBattery, let charge, let low = policy.chargeLow, charge <= low {
            lowReasons.append(Message("power.low.charge", ["value": .number(charge, digits: 0), "limit": .number(low, digits: 0)]))
        }
        if onBattery, let runtime, let low = policy.runtimeLow, runtime <= low.double {
            lowReasons.append(Message("power.low.runtime", ["value": .duration(Seconds(clampingSeconds: runtime)), "limit": .duration(low)]))
        }
        if !lowReasons.isEmpty && (onBattery || status.contains(.forcedShutdown)) {
            if !lowBatteryAnnounced { events.append(status.contains(.forcedShutdown) ? .forcedShutdown : .lowBattery); lowBatteryAnnounced = true }
            findings.append(Finding(.critical, code: UPSFindingCode.lowBattery, Message("finding.power.lowbatt", ["reasons": .list(lowReasons), "reading": detail])))
        } else {
            lowBatteryAnnounced = false
            if status.contains(.lowBattery) {
                findings.append(Finding(.warning, code: UPSFindingCode.lowBatteryOnline, Message("finding.power.lowbatt-online", ["reading": detail])))
            } else if onBattery, let charge, let warn = policy.chargeWarning, charge <= warn {
                findings.append(Finding(.warning, code: UPSFindingCode.lowCharge, Message("finding.power.lowcharge", ["value": .number(charge, digits: 0), "limit": .number(warn, digits: 0)])))
            }
        }
        if status.contains(.replaceBattery) {
            if !previousStatus.contains(.replaceBattery) { events.append(.replaceBattery) }
            findings.append(Finding(.warning, code: UPSFindingCode.replaceBattery, Message("finding.power.replbatt")))
        }
        if status.contains(.overload) {
            if !previousStatus.contains(.overload) { events.append(.overload) }
            findings.append(Finding(.warning, code: UPSFindingCode.overload, Message("finding.power.overload", ["load": .text(r["ups.load"] ?? "?")])))
        }
        if let alarm = r["ups.alarm"], !alarm.isEmpty {
            findings.append(Finding(.warning, code: UPSFindingCode.alarm, Message("finding.power.alarm"), detail: alarm))
        }
        previousStatus = status
        var parts = [Message(onBattery ? "power.ok.on-battery" : "power.ok.on-mains", ["flags": .text(r["ups.status"] ?? "?")])]
        parts += details
        if let load = r["ups.load"] { parts.append(Message("power.load", ["value": .text(load)])) }
        return Evaluation(findings: findings, events: events, summary: Message("power.ok", ["items": .list(parts)]), onBatterySeconds: onFor.double)
    }
}


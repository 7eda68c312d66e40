// Turns a controller status into findings, measurements and facts (pure, clock-free), and keeps
// the baseline against which un-commanded changes of kill, lock, input and brightness are judged.
// Finding codes are stable: the incident engine keys operating-hours logic on them (README).
import WatchpostCore
import Synchronization

/// The judged settings of one `novastar` check.
public struct NovaStarSettings: Sendable, Hashable {
    public var endpoint: NovaStarEndpoint
    public var layout: ControllerLayout
    public var requestTimeout: Seconds = .seconds(1)
    public var temperature: ClosedRange<Double> = -20...70
    public var humidity: ClosedRange<Double> = 0...85
    public var voltage: ClosedRange<Double> = 4.5...5.6
    /// Brightness band in percent, judged during scheduled hours; nil = not judged.
    public var brightness: ClosedRange<Double>?
    /// A fan that reports fewer revolutions than this is stopped.
    public var fanMinRPM: Int = 1
    /// Judge the screen against the site's operating hours (dark outside them is normal).
    public var followsSchedule: Bool = true

    public init(endpoint: NovaStarEndpoint, layout: ControllerLayout) {
        self.endpoint = endpoint
        self.layout = layout
    }
}

/// Finding codes of the LED probe.
public enum LEDFindingCode {
    public static let unreachable = "unreachable"
    public static let protocolError = "protocol-error"
    public static let noSignal = "no-signal"
    public static let cardsMissing = "cards-missing"
    public static let screenDark = "screen-dark"
    public static let screenFrozen = "screen-frozen"
    public static let testPattern = "test-pattern"
    public static let screenLitOutsideHours = "screen-lit-outside-hours"
    public static let temperature = "temperature"
    public static let humidity = "humidity"
    public static let voltage = "voltage"
    public static let fanStopped = "fan-stopped"
    public static let smoke = "smoke"
    public static let doorOpen = "door-open"
    public static let backupPath = "backup-path"
    public static let brightness = "brightness"
    public static let unexpectedChange = "unexpected-change"
}

/// The screen state that must not change behind Watchpost's back during operating hours.
public struct ScreenBaseline: Sendable, Hashable, Codable {
    public var kill: Bool
    public var lock: Bool
    public var input: Int?
    public var brightnessRaw: Int?

    public init(kill: Bool, lock: Bool, input: Int?, brightnessRaw: Int?) {
        self.kill = kill
        self.lock = lock
        self.input = input
        self.brightnessRaw = brightnessRaw
    }

    public init(_ s: ControllerStatus) {
        kill = s.anyKilled
        lock = s.anyLocked
        input = s.currentInputCode
        brightnessRaw = s.onlineCards.first?.brightnessRaw
    }
}

/// Writes Watchpost itself made (responder actions), so that the probe does not report them as
/// un-commanded changes. One process-wide ledger, keyed by endpoint.
public final class NovaStarCommandLedger: Sendable {
    public static let shared = NovaStarCommandLedger()
    public struct Commanded: Sendable, Hashable {
        public var kill: Bool?
        public var brightnessRaw: Int?
    }
    private let entries = Mutex<[String: Commanded]>([:])
    public init() {}
    public func record(endpoint: String, kill: Bool? = nil, brightnessRaw: Int? = nil) {
        entries.withLock { e in
            var c = e[endpoint] ?? Commanded()
            if let kill { c.kill = kill }
            if let brightnessRaw { c.brightnessRaw = brightnessRaw }
            e[endpoint] = c
        }
    }
    public func commanded(endpoint: String) -> Commanded { entries.withLock { $0[endpoint] ?? Commanded() } }
}

public struct LEDEvaluation: Sendable {
    public var findings: [Finding]
    public var measurements: [Measurement]
    public var facts: [String: String]
    public var baseline: ScreenBaseline?
}

public enum NovaStarEvaluator {
    static func fmt(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    static func band(_ b: ClosedRange<Double>) -> String {
        let lo = b.lowerBound.isFinite ? fmt(b.lowerBound) : ""
        let hi = b.upperBound.isFinite ? fmt(b.upperBound) : ""
        return "\(lo)..\(hi)"
    }

    /// Judges one status. `scheduledOn` already accounts for `followsSchedule` (24/7 sites pass
    /// true). Returns the new baseline for change detection.
    public static func evaluate(_ s: ControllerStatus, settings: NovaStarSettings, scheduledOn: Bool, inMaintenance: Bool,
                                baseline old: ScreenBaseline?, commanded: NovaStarCommandLedger.Commanded) -> LEDEvaluation {
        var f: [Finding] = []
        var m: [Measurement] = []
        var facts: [String: String] = [
            "model": s.model, "model_id": "0x" + hex4(UInt16(truncatingIfNeeded: s.modelId)), "firmware": s.firmware,
            "endpoint": s.endpoint, "input_selection": s.inputSelection,
        ]
        if !s.modelKnown { facts["model_note"] = "model id not in Watchpost's table; reported as is" }
        if let i = s.currentInput { facts["input"] = i }
        if let r = s.redundancyRaw { facts["redundancy"] = r }
        if let card = s.onlineCards.first, let fw = card.firmware { facts["receiving_card_firmware"] = fw }

        m.append(Measurement("input_signal", s.inputSignal ? 1 : 0))
        let configured = s.ports.reduce(0) { $0 + $1.configuredCards }
        m.append(Measurement("cards_configured", Double(configured)))
        m.append(Measurement("cards_online", Double(s.onlineCards.filter(\.configured).count)))
        if let b = s.brightnessPercent { m.append(Measurement("brightness", b, unit: "%")) }

        // Hardware faults: at any hour.
        let missing = s.missingCards
        if !missing.isEmpty {
            f.append(Finding(.critical, code: LEDFindingCode.cardsMissing,
                             "\(missing.count) of \(configured) receiving cards missing: \(CardIssues.list(missing.map(\.label)))"))
            facts["cards.\(LEDFindingCode.cardsMissing)"] = missing.map(\.label).joined(separator: ", ")
        }
        let extra = s.cards.filter { !$0.configured && $0.online }
        if !extra.isEmpty { facts["extra_cards"] = extra.map(\.label).joined(separator: ", ") }

        // The picture: judged during operating hours only.
        if scheduledOn {
            if !s.inputSignal { f.append(Finding(.critical, code: LEDFindingCode.noSignal, "no input signal at the sending card (player PC or video cable)")) }
            let killed = s.onlineCards.filter { $0.kill == true }
            let zero = s.onlineCards.filter { $0.kill != true && $0.brightnessRaw == 0 }
            if !killed.isEmpty {
                f.append(Finding(.critical, code: LEDFindingCode.screenDark, killed.count == s.onlineCards.count
                                 ? "screen blacked out (kill mode) on all \(killed.count) receiving cards"
                                 : "screen blacked out (kill mode) on \(killed.map(\.label).joined(separator: ", "))"))
            } else if !zero.isEmpty {
                f.append(Finding(.critical, code: LEDFindingCode.screenDark, "brightness 0 on \(zero.count == s.onlineCards.count ? "all receiving cards" : zero.map(\.label).joined(separator: ", "))"))
            }
            let locked = s.onlineCards.filter { $0.lock == true }
            if !locked.isEmpty {
                f.append(Finding(.critical, code: LEDFindingCode.screenFrozen, "picture frozen (lock mode) on \(locked.count == s.onlineCards.count ? "all receiving cards" : locked.map(\.label).joined(separator: ", "))"))
            }
            let tp = s.testPatternCards
            if !tp.isEmpty {
                f.append(Finding(.critical, code: LEDFindingCode.testPattern, "test pattern '\(tp[0].testPatternName ?? "?")' shown on \(tp.count == s.onlineCards.count ? "all receiving cards" : tp.map(\.label).joined(separator: ", "))"))
            }
            if let band = settings.brightness, let b = s.brightnessPercent, b > 0, !band.contains(b) {
                f.append(Finding(.warning, code: LEDFindingCode.brightness, "brightness \(fmt(b)) % outside \(Self.band(band)) %"))
            }
        } else if s.lit && !s.onlineCards.isEmpty {
            f.append(Finding(.warning, code: LEDFindingCode.screenLitOutsideHours, "screen lit outside operating hours (brightness \(s.brightnessPercent.map(fmt) ?? "?") %)"))
        }

        // Environment, from every card's monitoring block. A wall in a fault storm gives one
        // finding per kind listing its cards (not one per card), so the check's incident lists
        // the cards and keeps up with the list as it changes.
        var issues = CardIssues()
        var maxTemp: Double?
        for c in s.onlineCards {
            guard let mon = c.monitoring else { continue }
            let tag = "p\(c.port + 1).c\(c.index + 1)"
            if let t = mon.temperature {
                m.append(Measurement("\(tag).temperature", t, unit: "°C"))
                maxTemp = max(maxTemp ?? t, t)
                if !settings.temperature.contains(t) {
                    issues.add(LEDFindingCode.temperature, card: c.label, detail: "\(fmt(t)) °C",
                               message: "temperature \(fmt(t)) °C outside \(band(settings.temperature)) °C")
                }
            }
            if let h = mon.humidity {
                m.append(Measurement("\(tag).humidity", Double(h), unit: "%"))
                if !settings.humidity.contains(Double(h)) {
                    issues.add(LEDFindingCode.humidity, card: c.label, detail: "\(h) %", message: "humidity \(h) % outside \(band(settings.humidity)) %")
                }
            }
            if let v = mon.voltage {
                m.append(Measurement("\(tag).voltage", v, unit: "V"))
                if !settings.voltage.contains(v) {
                    issues.add(LEDFindingCode.voltage, card: c.label, detail: "\(fmt(v)) V", message: "supply \(fmt(v)) V outside \(band(settings.voltage)) V")
                }
            }
            m.append(Measurement("\(tag).module_status_faults", Double(mon.faultyModuleBytes)))
            guard mon.monitoringCardPresent else { continue }
            if let t = mon.monitoringCardTemperature {
                m.append(Measurement("\(tag).cabinet_temperature", t, unit: "°C"))
                if !settings.temperature.contains(t) {
                    issues.add(LEDFindingCode.temperature, card: c.label, detail: "cabinet \(fmt(t)) °C",
                               message: "cabinet temperature \(fmt(t)) °C outside \(band(settings.temperature)) °C")
                }
            }
            if let h = mon.monitoringCardHumidity {
                m.append(Measurement("\(tag).cabinet_humidity", Double(h), unit: "%"))
                if !settings.humidity.contains(Double(h)) {
                    issues.add(LEDFindingCode.humidity, card: c.label, detail: "cabinet \(h) %", message: "cabinet humidity \(h) % outside \(band(settings.humidity)) %")
                }
            }
            for (i, rpm) in mon.fansRPM.enumerated() {
                guard let rpm else { continue }
                m.append(Measurement("\(tag).fan\(i + 1)", Double(rpm), unit: "rpm"))
                if rpm < settings.fanMinRPM { issues.add(LEDFindingCode.fanStopped, card: c.label, detail: "fan \(i + 1)", message: "fan \(i + 1) stopped") }
            }
            // Nine rails per cabinet would flood the history: keep the lowest and the highest.
            let rails = mon.voltages.compactMap { $0 }
            if let lo = rails.min(), let hi = rails.max() {
                m.append(Measurement("\(tag).cabinet_voltage_min", lo, unit: "V"))
                m.append(Measurement("\(tag).cabinet_voltage_max", hi, unit: "V"))
            }
            if mon.smoke { issues.add(LEDFindingCode.smoke, card: c.label, detail: nil, message: "smoke detected in the cabinet") }
            if mon.doorOpen { issues.add(LEDFindingCode.doorOpen, card: c.label, detail: nil, message: "cabinet door open") }
        }
        let rolled = issues.rolledUp(settings: settings, cardsOnline: s.onlineCards.count)
        f += rolled.findings
        facts.merge(rolled.facts) { _, new in new }
        if let t = maxTemp { m.append(Measurement("temperature_max", t, unit: "°C")) }

        for p in s.ports where p.backupInUse == true {
            f.append(Finding(.warning, code: LEDFindingCode.backupPath, "output port \(p.port + 1) runs on its backup (redundant) path"))
        }

        // Un-commanded changes: during operating hours and outside maintenance, a change of kill,
        // lock, input or brightness that Watchpost did not make is kept as a security-relevant
        // finding until the state returns to the baseline (or a maintenance window absorbs it).
        let current = ScreenBaseline(s)
        var baseline = old ?? current
        if !scheduledOn || inMaintenance || s.onlineCards.isEmpty {
            baseline = s.onlineCards.isEmpty ? baseline : current
        } else {
            if current.kill != baseline.kill, commanded.kill == current.kill { baseline.kill = current.kill }
            if current.brightnessRaw != baseline.brightnessRaw, commanded.brightnessRaw == current.brightnessRaw { baseline.brightnessRaw = current.brightnessRaw }
            var changes: [(String, CheckStatus)] = []
            if current.kill != baseline.kill { changes.append((current.kill ? "screen blacked out (kill mode on)" : "kill mode switched off", .critical)) }
            if current.lock != baseline.lock { changes.append((current.lock ? "picture frozen (lock mode on)" : "lock mode switched off", .critical)) }
            if current.input != baseline.input {
                let was = baseline.input.map { NovaStarNames.input(UInt8($0)) } ?? "none"
                let now = current.input.map { NovaStarNames.input(UInt8($0)) } ?? "none"
                changes.append(("input changed from \(was) to \(now)", .critical))
            }
            if current.brightnessRaw != baseline.brightnessRaw {
                let pct = { (r: Int?) in r.map { fmt(Double($0) * 100 / 255) + " %" } ?? "?" }
                changes.append(("brightness changed from \(pct(baseline.brightnessRaw)) to \(pct(current.brightnessRaw))", .warning))
            }
            for (text, status) in changes {
                f.append(Finding(status, code: LEDFindingCode.unexpectedChange, "\(text) — not made by Watchpost, during operating hours", securityRelevant: true))
            }
        }
        return LEDEvaluation(findings: f, measurements: m, facts: facts, baseline: baseline)
    }

    /// The result when the controller cannot be polled.
    public static func failure(_ error: WatchpostError) -> Finding {
        switch error.code {
        case .network, .timeout: return Finding(.critical, code: LEDFindingCode.unreachable, "LED controller unreachable: \(error.message)")
        default: return Finding(.unknown, code: LEDFindingCode.protocolError, "LED controller poll failed: \(error.message)")
        }
    }
}

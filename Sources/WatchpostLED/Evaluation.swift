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

    /// Every code, for the catalogue test (each has `finding.led.<code>`).
    public static let all = [unreachable, protocolError, noSignal, cardsMissing, screenDark, screenFrozen, testPattern, screenLitOutsideHours,
                             temperature, humidity, voltage, fanStopped, smoke, doorOpen, backupPath, brightness, unexpectedChange]
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
/// un-commanded changes. Keyed by endpoint; the daemon's one ledger is part of its
/// `NovaStarConnections`.
public final class NovaStarCommandLedger: Sendable {
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

    /// One receiving card as a message: "cổng 1, card 3" / "port 1 card 3".
    static func card(_ c: CardStatus) -> MessageValue { .message(Message("led.card", ["port": .count(c.port + 1), "card": .count(c.index + 1)])) }
    static func cardList(_ cs: [CardStatus]) -> MessageValue { .list(cs.map { Message("led.card", ["port": .count($0.port + 1), "card": .count($0.index + 1)]) }) }
    /// A fact listing cards, every one of them: "cổng 1, card 3; cổng 2, card 1 / port 1 card 3; port 2 card 1".
    static func cardsFact(_ cs: [CardStatus]) -> String { Catalogue.bilingual(Message("led.cards.fact", ["cards": cardList(cs)])) }
    /// "all receiving cards" when every online card is affected, else the list.
    static func cards(_ cs: [CardStatus], of s: ControllerStatus) -> MessageValue {
        cs.count == s.onlineCards.count ? .message(Message("led.cards.all")) : cardList(cs)
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
        // Facts are read by people (`watchpost check`, `probe led`): words in both languages, Vietnamese
        // first, like the `model` of an unknown id; the status's own fields stay raw in `--json`.
        var facts: [String: String] = [
            "model": s.model, "model_id": "0x" + hex4(UInt16(truncatingIfNeeded: s.modelId)),
            "firmware": s.firmware == ControllerStatus.notReported ? Catalogue.bilingual(Message("led.status.not-reported")) : s.firmware,
            "endpoint": s.endpoint, "input_selection": Catalogue.bilingual(NovaStarStatusLines.selection(s.inputSelectionCode)),
        ]
        if !s.modelKnown { facts["model_note"] = Catalogue.bilingual(Message("led.model.note")) }
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
                             Message("finding.led.cards-missing", ["missing": .count(missing.count), "total": .count(configured),
                                                                   "cards": CardIssues.list(missing.map { Message("led.card-named", ["card": card($0)]) })])))
            facts["cards.\(LEDFindingCode.cardsMissing)"] = cardsFact(missing)
        }
        let extra = s.cards.filter { !$0.configured && $0.online }
        if !extra.isEmpty { facts["extra_cards"] = cardsFact(extra) }

        // The picture: judged during operating hours only.
        if scheduledOn {
            if !s.inputSignal { f.append(Finding(.critical, code: LEDFindingCode.noSignal, Message("finding.led.no-signal"))) }
            let killed = s.onlineCards.filter { $0.kill == true }
            let zero = s.onlineCards.filter { $0.kill != true && $0.brightnessRaw == 0 }
            if !killed.isEmpty {
                f.append(Finding(.critical, code: LEDFindingCode.screenDark, killed.count == s.onlineCards.count
                                 ? Message("finding.led.screen-dark", ["total": .count(killed.count)])
                                 : Message("finding.led.screen-dark.some", ["cards": cardList(killed)])))
            } else if !zero.isEmpty {
                f.append(Finding(.critical, code: LEDFindingCode.screenDark, Message("finding.led.screen-dark.brightness-zero", ["cards": cards(zero, of: s)])))
            }
            let locked = s.onlineCards.filter { $0.lock == true }
            if !locked.isEmpty {
                f.append(Finding(.critical, code: LEDFindingCode.screenFrozen, Message("finding.led.screen-frozen", ["cards": cards(locked, of: s)])))
            }
            let tp = s.testPatternCards
            if !tp.isEmpty {
                f.append(Finding(.critical, code: LEDFindingCode.testPattern, Message("finding.led.test-pattern", ["pattern": .message(NovaStarNames.testPatternMessage(tp[0].testPattern ?? 2)), "cards": cards(tp, of: s)])))
            }
            if let band = settings.brightness, let b = s.brightnessPercent, b > 0, !band.contains(b) {
                f.append(Finding(.warning, code: LEDFindingCode.brightness, Message("finding.led.brightness", ["value": .number(b, digits: 1), "band": .range(band, digits: 1)])))
            }
        } else if s.lit && !s.onlineCards.isEmpty {
            f.append(Finding(.warning, code: LEDFindingCode.screenLitOutsideHours, Message("finding.led.screen-lit-outside-hours", ["value": s.brightnessPercent.map { .number($0, digits: 1) } ?? "?"])))
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
                    issues.add(LEDFindingCode.temperature, card: c, detail: Message("led.detail.celsius", ["value": .number(t, digits: 1)]),
                               message: Message("finding.led.temperature", ["value": .number(t, digits: 1), "band": .range(settings.temperature, digits: 1)]))
                }
            }
            if let h = mon.humidity {
                m.append(Measurement("\(tag).humidity", Double(h), unit: "%"))
                if !settings.humidity.contains(Double(h)) {
                    issues.add(LEDFindingCode.humidity, card: c, detail: Message("led.detail.percent", ["value": .count(h)]),
                               message: Message("finding.led.humidity", ["value": .count(h), "band": .range(settings.humidity, digits: 0)]))
                }
            }
            if let v = mon.voltage {
                m.append(Measurement("\(tag).voltage", v, unit: "V"))
                if !settings.voltage.contains(v) {
                    issues.add(LEDFindingCode.voltage, card: c, detail: Message("led.detail.volt", ["value": .number(v, digits: 1)]),
                               message: Message("finding.led.voltage", ["value": .number(v, digits: 1), "band": .range(settings.voltage, digits: 1)]))
                }
            }
            m.append(Measurement("\(tag).module_status_faults", Double(mon.faultyModuleBytes)))
            guard mon.monitoringCardPresent else { continue }
            if let t = mon.monitoringCardTemperature {
                m.append(Measurement("\(tag).cabinet_temperature", t, unit: "°C"))
                if !settings.temperature.contains(t) {
                    issues.add(LEDFindingCode.temperature, card: c, detail: Message("led.detail.cabinet-celsius", ["value": .number(t, digits: 1)]),
                               message: Message("finding.led.temperature.cabinet", ["value": .number(t, digits: 1), "band": .range(settings.temperature, digits: 1)]))
                }
            }
            if let h = mon.monitoringCardHumidity {
                m.append(Measurement("\(tag).cabinet_humidity", Double(h), unit: "%"))
                if !settings.humidity.contains(Double(h)) {
                    issues.add(LEDFindingCode.humidity, card: c, detail: Message("led.detail.cabinet-percent", ["value": .count(h)]),
                               message: Message("finding.led.humidity.cabinet", ["value": .count(h), "band": .range(settings.humidity, digits: 0)]))
                }
            }
            for (i, rpm) in mon.fansRPM.enumerated() {
                guard let rpm else { continue }
                m.append(Measurement("\(tag).fan\(i + 1)", Double(rpm), unit: "rpm"))
                if rpm < settings.fanMinRPM {
                    issues.add(LEDFindingCode.fanStopped, card: c, detail: Message("led.detail.fan", ["fan": .count(i + 1)]),
                               message: Message("finding.led.fan-stopped", ["fan": .count(i + 1)]))
                }
            }
            // Nine rails per cabinet would flood the history: keep the lowest and the highest.
            let rails = mon.voltages.compactMap { $0 }
            if let lo = rails.min(), let hi = rails.max() {
                m.append(Measurement("\(tag).cabinet_voltage_min", lo, unit: "V"))
                m.append(Measurement("\(tag).cabinet_voltage_max", hi, unit: "V"))
            }
            if mon.smoke { issues.add(LEDFindingCode.smoke, card: c, detail: nil, message: Message("finding.led.smoke")) }
            if mon.doorOpen { issues.add(LEDFindingCode.doorOpen, card: c, detail: nil, message: Message("finding.led.door-open")) }
        }
        let rolled = issues.rolledUp(settings: settings, cardsOnline: s.onlineCards.count)
        f += rolled.findings
        facts.merge(rolled.facts) { _, new in new }
        if let t = maxTemp { m.append(Measurement("temperature_max", t, unit: "°C")) }

        for p in s.ports where p.backupInUse == true {
            f.append(Finding(.warning, code: LEDFindingCode.backupPath, Message("finding.led.backup-path", ["port": .count(p.port + 1)])))
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
            var changes: [(Message, CheckStatus)] = []
            if current.kill != baseline.kill { changes.append((Message(current.kill ? "led.change.kill-on" : "led.change.kill-off"), .critical)) }
            if current.lock != baseline.lock { changes.append((Message(current.lock ? "led.change.lock-on" : "led.change.lock-off"), .critical)) }
            if current.input != baseline.input {
                let was = baseline.input.map { NovaStarNames.input(UInt8($0)) } ?? "—"
                let now = current.input.map { NovaStarNames.input(UInt8($0)) } ?? "—"
                changes.append((Message("led.change.input", ["from": .text(was), "to": .text(now)]), .critical))
            }
            if current.brightnessRaw != baseline.brightnessRaw {
                let pct = { (r: Int?) -> MessageValue in r.map { .number(Double($0) * 100 / 255, digits: 1) } ?? "?" }
                changes.append((Message("led.change.brightness", ["from": pct(baseline.brightnessRaw), "to": pct(current.brightnessRaw)]), .warning))
            }
            for (change, status) in changes {
                f.append(Finding(status, code: LEDFindingCode.unexpectedChange, Message("finding.led.unexpected-change", ["change": .message(change)]), securityRelevant: true))
            }
        }
        return LEDEvaluation(findings: f, measurements: m, facts: facts, baseline: baseline)
    }

    /// The result when the controller cannot be polled.
    public static func failure(_ error: WatchpostError) -> Finding {
        switch error.code {
        case .network, .timeout: return Finding(.critical, code: LEDFindingCode.unreachable, Message("finding.led.unreachable"), detail: error.message)
        default: return Finding(.unknown, code: LEDFindingCode.protocolError, Message("finding.led.protocol-error"), detail: error.message)
        }
    }
}

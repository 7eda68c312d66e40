// What `watchpost probe led` prints under the result, for the technician at the controller: the
// controller, its input, each output port and each receiving card, as catalogue messages so that
// each line reads in Vietnamese and then in English (docs/glossary.md). The raw values stay in
// `--json` (the status's fields, documented in the README).
import WatchpostCore

public enum NovaStarStatusLines {
    /// One line: how deep it is indented (0 controller and ports, 1 cards) and what it says.
    public struct Line: Sendable, Hashable {
        public var depth: Int
        public var message: Message
    }

    /// The lines for one poll: the status when it was read, and the link's counters when it
    /// skipped anything (also when the status could not be read).
    public static func lines(_ status: ControllerStatus?, counters: ClientCounters) -> [Line] {
        var out = status.map(lines) ?? []
        if counters.discardedBytes > 0 || counters.wrongSerialIgnored > 0 {
            out.append(Line(depth: 0, message: Message("led.status.link", ["garbage": .count(counters.discardedBytes), "stray": .count(counters.wrongSerialIgnored)])))
        }
        return out
    }

    static func lines(_ s: ControllerStatus) -> [Line] {
        var out: [Line] = []
        let firmware: MessageValue = s.firmware == notReported ? .message(Message("led.status.not-reported")) : .text(s.firmware)
        // An unknown model's name already carries its id ("kiểu máy chưa biết (mã 0x7777)").
        out.append(Line(depth: 0, message: Message(s.modelKnown ? "led.status.controller" : "led.status.controller.unknown-model", [
            "endpoint": .text(s.endpoint), "model": NovaStarNames.senderModelForPeople(s),
            "id": .text("0x" + hex4(UInt16(truncatingIfNeeded: s.modelId))), "firmware": firmware,
        ])))
        let input: MessageValue = s.currentInput.map { .text($0) } ?? .message(Message("led.status.not-reported"))
        out.append(Line(depth: 0, message: Message(s.inputSignal ? "led.status.input.present" : "led.status.input.absent",
                                                    ["input": input, "selection": .message(selection(s.inputSelectionCode))])))
        for p in s.ports {
            let key: MessageKey = switch p.backupInUse {
            case .some(true): "led.status.port.backup"
            case .some(false): "led.status.port.primary"
            case .none: "led.status.port"
            }
            out.append(Line(depth: 0, message: Message(key, ["port": .count(p.port + 1), "online": .count(p.onlineCards), "total": .count(p.configuredCards)])))
        }
        for c in s.cards { out.append(Line(depth: 1, message: card(c))) }
        return out
    }

    /// The text the status keeps (and `--json` shows) for a register the controller did not answer.
    static let notReported = ControllerStatus.notReported

    /// The input selection register for people, from its byte (nil: the controller did not
    /// answer it): "thủ công" / "manual", "tự động (mã 0x12)" / "automatic (code 0x12)".
    static func selection(_ code: Int?) -> Message {
        guard let code else { return Message("led.status.not-reported") }
        let byte = UInt8(truncatingIfNeeded: code)
        if byte == NovaStarRegister.manualSelection { return Message("led.status.selection.manual") }
        return Message("led.status.selection.automatic", ["code": .text("0x" + hex2(byte))])
    }

    /// One receiving card: "cổng 1, card 2: kiểu 0x4, firmware 4.6.1.0, độ sáng 80% …".
    static func card(_ c: CardStatus) -> Message {
        let name = Message("led.card", ["port": .count(c.port + 1), "card": .count(c.index + 1)])
        guard c.online else {
            return Message("led.status.card.missing", ["card": .message(name), "reason": .text(c.reason ?? "-")])
        }
        var parts: [Message] = []
        if !c.configured { parts.append(Message("led.status.card.extra")) }
        parts.append(Message("led.status.card.model", ["id": .text("0x" + String(c.modelId ?? 0, radix: 16))]))
        parts.append(Message("led.status.card.firmware", ["firmware": c.firmware.map { .text($0) } ?? .message(Message("led.status.not-reported"))]))
        parts.append(c.brightnessPercent.map { Message("led.ok.brightness", ["value": .number($0, digits: 1)]) }
                     ?? Message("led.status.card.brightness-unknown"))
        if c.kill == true { parts.append(Message("led.status.card.black")) }
        if c.lock == true { parts.append(Message("led.status.card.frozen")) }
        if let t = c.testPattern, t >= 2 {
            parts.append(Message("led.status.card.test-pattern", ["pattern": .message(NovaStarNames.testPatternMessage(t))]))
        }
        if let m = c.monitoring {
            parts.append(m.temperature.map { Message("led.detail.celsius", ["value": .number($0, digits: 1)]) }
                         ?? Message("led.status.card.no-temperature"))
            if let h = m.humidity { parts.append(Message("led.status.card.humidity", ["value": .count(h)])) }
            if let v = m.voltage { parts.append(Message("led.detail.volt", ["value": .number(v, digits: 2)])) }
            if m.monitoringCardPresent {
                let temperature: MessageValue = m.monitoringCardTemperature.map { .message(Message("led.detail.celsius", ["value": .number($0, digits: 1)])) }
                    ?? .text("-")
                let fans = m.fansRPM.map { $0.map(String.init) ?? "-" }.joined(separator: "/")
                parts.append(Message("led.status.card.monitoring", ["temperature": temperature, "fans": .text(fans)]))
                if m.smoke { parts.append(Message("led.status.card.smoke")) }
                if m.doorOpen { parts.append(Message("led.status.card.door-open")) }
            }
        }
        return Message("led.status.card", ["card": .message(name), "parts": .list(parts)])
    }
}

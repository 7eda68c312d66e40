// The roll-up of per-card problems on one LED wall: every receiving card's monitoring block may
// report the same fault (a hot afternoon, a failed cabinet supply row), and a wall of 40 cards
// must then give ONE finding per kind that lists the cards — as NovaStar's own monitoring and
// field tools (kman1898/Novastar-Monitor) roll card alerts up per wall — not forty. The finding
// code stays the kind's code whatever the list holds, so the check's incident stays one incident
// and its summary follows the list. The wording is in the catalogue (table "led", keys `led.card-issue`, `led.cards-issue`, `led.kind.*`).
import WatchpostCore

struct CardIssues {
    struct Entry {
        /// The card's identity within the roll-up (not shown: people read `card`).
        var label: String
        var status: CardStatus
        var card: MessageValue
        var details: [Message]
        var messages: [Message]
    }

    private var order: [String] = []
    private var byCode: [String: [Entry]] = [:]

    /// Cards named in a message at most; the whole list goes into the facts.
    static let listedInMessage = 12

    mutating func add(_ code: String, card c: CardStatus, detail: Message?, message: Message) {
        if byCode[code] == nil { order.append(code) }
        var entries = byCode[code, default: []]
        if let i = entries.firstIndex(where: { $0.label == c.label }) {
            if let detail { entries[i].details.append(detail) }
            entries[i].messages.append(message)
        } else {
            entries.append(Entry(label: c.label, status: c, card: NovaStarEvaluator.card(c), details: detail.map { [$0] } ?? [], messages: [message]))
        }
        byCode[code] = entries
    }

    /// What the kind is, for a finding that lists several cards.
    static func kind(_ code: String, settings: NovaStarSettings) -> Message {
        switch code {
        case LEDFindingCode.temperature: return Message("led.kind.temperature", ["band": .range(settings.temperature, digits: 1)])
        case LEDFindingCode.humidity: return Message("led.kind.humidity", ["band": .range(settings.humidity, digits: 0)])
        case LEDFindingCode.voltage: return Message("led.kind.voltage", ["band": .range(settings.voltage, digits: 1)])
        case LEDFindingCode.fanStopped: return Message("led.kind.fan-stopped")
        case LEDFindingCode.smoke: return Message("led.kind.smoke")
        case LEDFindingCode.doorOpen: return Message("led.kind.door-open")
        default: return .untranslated(code)
        }
    }

    /// "a; b; c … and 5 more": at most `listedInMessage` items.
    static func list(_ items: [Message]) -> MessageValue {
        guard items.count > listedInMessage else { return .list(items) }
        return .list(Array(items.prefix(listedInMessage)) + [Message("led.cards.more", ["count": .count(items.count - listedInMessage)])])
    }

    /// One warning per kind: a single card keeps its own wording ("cổng 1, card 2: quạt 3 ngừng
    /// quay"); several cards give "<kind> trên N/M card nhận: cổng 1, card 1 (75,0 °C); …".
    /// Facts `cards.<code>` hold every card of the kind, for the web page and the API.
    func rolledUp(settings: NovaStarSettings, cardsOnline: Int) -> (findings: [Finding], facts: [String: String]) {
        var findings: [Finding] = []
        var facts: [String: String] = [:]
        for code in order {
            guard let entries = byCode[code], let first = entries.first else { continue }
            let message: Message
            if entries.count == 1 {
                message = Message("led.card-issue", ["card": first.card, "issues": .list(first.messages)])
            } else {
                let named = entries.map { e in
                    e.details.isEmpty ? Message("led.card-named", ["card": e.card]) : Message("led.card-detail", ["card": e.card, "detail": .list(e.details)])
                }
                message = Message("led.cards-issue", ["kind": .message(Self.kind(code, settings: settings)), "count": .count(entries.count),
                                                      "total": .count(cardsOnline), "cards": Self.list(named)])
            }
            findings.append(Finding(.warning, code: code, message))
            facts["cards.\(code)"] = NovaStarEvaluator.cardsFact(entries.map(\.status))
        }
        return (findings, facts)
    }
}

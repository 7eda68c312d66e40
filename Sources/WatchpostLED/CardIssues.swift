// The roll-up of per-card problems on one LED wall: every receiving card's monitoring block may
// report the same fault (a hot afternoon, a failed cabinet supply row), and a wall of 40 cards
// must then give ONE finding per kind that lists the cards — as NovaStar's own monitoring and
// field tools (kman1898/Novastar-Monitor) roll card alerts up per wall — not forty. The finding
// code stays the kind's code whatever the list holds, so the check's incident stays one incident
// and its summary follows the list. The wording lives here, in one place, for the catalogue.
import WatchpostCore

struct CardIssues {
    struct Entry {
        var card: String
        var details: [String]
        var messages: [String]
    }

    private var order: [String] = []
    private var byCode: [String: [Entry]] = [:]

    /// Cards named in a message at most; the whole list goes into the facts.
    static let listedInMessage = 12

    mutating func add(_ code: String, card: String, detail: String?, message: String) {
        if byCode[code] == nil { order.append(code) }
        var entries = byCode[code, default: []]
        if let i = entries.firstIndex(where: { $0.card == card }) {
            if let detail { entries[i].details.append(detail) }
            entries[i].messages.append(message)
        } else {
            entries.append(Entry(card: card, details: detail.map { [$0] } ?? [], messages: [message]))
        }
        byCode[code] = entries
    }

    /// What the kind is, for a finding that lists several cards.
    static func kind(_ code: String, settings: NovaStarSettings) -> String {
        switch code {
        case LEDFindingCode.temperature: return "temperature outside \(NovaStarEvaluator.band(settings.temperature)) °C"
        case LEDFindingCode.humidity: return "humidity outside \(NovaStarEvaluator.band(settings.humidity)) %"
        case LEDFindingCode.voltage: return "supply outside \(NovaStarEvaluator.band(settings.voltage)) V"
        case LEDFindingCode.fanStopped: return "fan stopped"
        case LEDFindingCode.smoke: return "smoke detected in the cabinet"
        case LEDFindingCode.doorOpen: return "cabinet door open"
        default: return code
        }
    }

    /// "a, b, c … and 5 more": at most `listedInMessage` names.
    static func list(_ names: [String]) -> String {
        guard names.count > listedInMessage else { return names.joined(separator: ", ") }
        return names.prefix(listedInMessage).joined(separator: ", ") + " … and \(names.count - listedInMessage) more"
    }

    /// One warning per kind: a single card keeps its own wording ("port 1 card 2: fan 3
    /// stopped"); several cards give "<kind> on N of M receiving cards: port 1 card 1 (75 °C), …".
    /// Facts `cards.<code>` hold every card of the kind, for the web page and the API.
    func rolledUp(settings: NovaStarSettings, cardsOnline: Int) -> (findings: [Finding], facts: [String: String]) {
        var findings: [Finding] = []
        var facts: [String: String] = [:]
        for code in order {
            guard let entries = byCode[code], let first = entries.first else { continue }
            let message: String
            if entries.count == 1 {
                message = "\(first.card): \(first.messages.joined(separator: "; "))"
            } else {
                let named = entries.map { $0.details.isEmpty ? $0.card : "\($0.card) (\($0.details.joined(separator: ", ")))" }
                message = "\(Self.kind(code, settings: settings)) on \(entries.count) of \(cardsOnline) receiving cards: \(Self.list(named))"
            }
            findings.append(Finding(.warning, code: code, message))
            facts["cards.\(code)"] = entries.map(\.card).joined(separator: ", ")
        }
        return (findings, facts)
    }
}

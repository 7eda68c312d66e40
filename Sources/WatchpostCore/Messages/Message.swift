// A `Message` is what the pure domain says to a person, before it is put into words: a key into
// the `Catalogue` and named parameters. The engine and the probes emit messages, tests assert
// keys and parameters, and only the edge (mail, web, reports, CLI) renders them in Vietnamese
// or English. Parameters are typed so that each language formats them its own way: a duration
// is "1 giờ 5 phút" in Vietnamese and "1 hour 5 minutes" in English, a voltage "4,4" or "4.4".

/// The languages every text exists in. Vietnamese comes first everywhere a person reads.
public enum Language: String, Sendable, Hashable, Codable, CaseIterable {
    case vi, en
}

/// A catalogue key, e.g. `finding.led.cards_missing`. Dotted, lower case: `<area>.<module>.<what>`.
public struct MessageKey: RawRepresentable, Sendable, Hashable, Codable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (a: MessageKey, b: MessageKey) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// One parameter value. The renderer formats it for the language and the site's zone.
public indirect enum MessageValue: Sendable, Hashable, Codable {  // Codable: compact form below
    /// Text shown as is in both languages: names, file names, addresses, identifiers.
    case text(String)
    /// Text that differs by language and is not in the catalogue (a site's two names).
    case bilingual(vi: String, en: String)
    /// A whole number, no grouping: card 3, port 8080, incident 12.
    case int(Int64)
    /// A decimal quantity with `digits` places: "4,4" in Vietnamese, "4.4" in English.
    case number(Double, digits: Int)
    /// A span of time in words, never milliseconds: "1 giờ 5 phút" / "1 hour 5 minutes".
    case duration(Seconds)
    /// A moment in words in the site's zone: "15 giờ 50 phút, ngày 01/12/2026".
    case instant(Instant)
    /// A moment for a table cell: `01/12/2026 15:50`.
    case tableTime(Instant)
    /// A calendar date: `01/12/2026`.
    case date(CivilDate)
    /// Another catalogue message rendered in the same language (a status, a category, a finding).
    case message(Message)
    /// Several messages joined with "; ".
    case list([Message])
    /// An allowed band such as a voltage range: "từ 4,5 đến 5,5" / "4.5 to 5.5"; an open end
    /// reads "tối thiểu …" / "at least …".
    case range(ClosedRange<Double>, digits: Int)
}

/// A text for a person, not yet in any language: a key and its named parameters.
public struct Message: Sendable, Hashable, Codable, CustomStringConvertible {
    public var key: MessageKey
    public var params: [String: MessageValue]

    public init(_ key: MessageKey, _ params: [String: MessageValue] = [:]) {
        self.key = key
        self.params = params
    }

    /// The key and its parameters, for logs and test failures (not for people).
    public var description: String {
        params.isEmpty ? key.rawValue : key.rawValue + " " + params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}

extension MessageValue {
    // Compact JSON: text is a plain string and a whole number a plain number (most parameters);
    // the other cases keep the keyed form Swift synthesises.
    private enum Tagged: Codable {
        case bilingual(vi: String, en: String)
        case number(Double, digits: Int)
        case duration(Seconds)
        case instant(Instant)
        case tableTime(Instant)
        case date(CivilDate)
        case message(Message)
        case list([Message])
        // Open ends are nil: JSON has no infinity.
        case range(low: Double?, high: Double?, digits: Int)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .text(s); return }
        if let n = try? c.decode(Int64.self) { self = .int(n); return }
        switch try c.decode(Tagged.self) {
        case .bilingual(let vi, let en): self = .bilingual(vi: vi, en: en)
        case .number(let v, let d): self = .number(v, digits: d)
        case .duration(let s): self = .duration(s)
        case .instant(let t): self = .instant(t)
        case .tableTime(let t): self = .tableTime(t)
        case .date(let d): self = .date(d)
        case .message(let m): self = .message(m)
        case .list(let ms): self = .list(ms)
        case .range(let lo, let hi, let d):
            let low = lo ?? -.infinity, high = hi ?? .infinity
            self = .range(low <= high ? low...high : high...low, digits: d)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .text(let s): try c.encode(s)
        case .int(let n): try c.encode(n)
        case .bilingual(let vi, let en): try c.encode(Tagged.bilingual(vi: vi, en: en))
        case .number(let v, let d):
            // A device may report NaN; JSON cannot hold it, and the reading renders as "—" anyway.
            if v.isFinite { try c.encode(Tagged.number(v, digits: d)) } else { try c.encode("—") }
        case .duration(let s): try c.encode(Tagged.duration(s))
        case .instant(let t): try c.encode(Tagged.instant(t))
        case .tableTime(let t): try c.encode(Tagged.tableTime(t))
        case .date(let d): try c.encode(Tagged.date(d))
        case .message(let m): try c.encode(Tagged.message(m))
        case .list(let ms): try c.encode(Tagged.list(ms))
        case .range(let r, let d):
            try c.encode(Tagged.range(low: r.lowerBound.isFinite ? r.lowerBound : nil, high: r.upperBound.isFinite ? r.upperBound : nil, digits: d))
        }
    }
}

extension MessageValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }

    /// A whole number from any integer type (`.count(cards.count)`).
    public static func count<I: BinaryInteger>(_ v: I) -> MessageValue { .int(Int64(clamping: v)) }
}

extension Message {
    /// Text that is not ours to translate (a plugin's output line, an operator's note): shown as
    /// is in both languages.
    public static func untranslated(_ text: String) -> Message { Message("text.untranslated", ["text": .text(text)]) }

    /// Several messages as one line, joined with "; ".
    public static func joined(_ parts: [Message]) -> Message { Message("text.list", ["items": .list(parts)]) }
}

// The message catalogue: for every `MessageKey` a Vietnamese and an English template. Every
// string a person reads (finding, status, timeline event, notice, page text, report wording)
// comes from here; Vietnamese is the text, English follows as its translation.
//
// HOW TO ADD KEYS (read this before adding one)
// 1. Pick your area's table file in this folder, e.g. `Catalogue+LED.swift` holds
//    `extension Catalogue { static let led: [Entry] = [...] }`. If your area has none, create
//    `Catalogue+<Area>.swift` the same way and add `<area>` to `Catalogue.tables` below (one line).
// 2. Add an entry:  .init("finding.led.cards_missing",
//                         vi: "Mất tín hiệu {missing}/{total} card nhận",
//                         en: "{missing} of {total} receiving cards missing"),
//    Keys are dotted lower case `<area>.<module>.<what>`. Parameters are `{name}`; both
//    languages must use exactly the same names (the catalogue test checks this).
// 3. In code, emit `Message("finding.led.cards_missing", ["missing": .int(1), "total": .int(8)])`
//    — pass typed values (`.duration`, `.instant`, `.number(v, digits: 1)`): the renderer writes
//    "4,4" / "4.4", "1 giờ 5 phút" / "1 hour 5 minutes" and times in the site's zone.
// 4. Render at the edge only: `Catalogue.render(message, .vi, zone: site.zone)` or
//    `MessageRenderer(language: .vi, zone:)`. Never concatenate English into a Vietnamese text.
// 5. Wording follows docs/glossary.md (tiếp nhận = acknowledge, hạng mục giám sát = check,
//    chuyển lên cấp = escalation; the register of letters between state bodies, no "bạn").
// The test `CatalogueTests` fails when a key lacks a language, is defined twice, or when the
// two languages use different parameter names.

public enum Catalogue {
    /// One catalogue entry: a key and its two templates.
    public struct Entry: Sendable, Hashable {
        public var key: MessageKey
        public var vi: String
        public var en: String
        public init(_ key: MessageKey, vi: String, en: String) {
            self.key = key
            self.vi = vi
            self.en = en
        }
        public func template(_ language: Language) -> String { language == .vi ? vi : en }
    }

    /// Every area's table. Each lives in its own file (`Catalogue+<Area>.swift`) so that
    /// engineers adding keys to different areas never edit the same lines.
    public static let tables: [(area: String, entries: [Entry])] = [
        ("core", core), ("incident", incident), ("escalation", escalation), ("led", led), ("power", power),
        ("network", network), ("content", content), ("player", player), ("probes", probes), ("mail", mail),
        ("web", web), ("reports", reports), ("registers", registers), ("cli", cli), ("lifecycle", lifecycle), ("fleet", fleet),
        ("hardening", hardening), ("webPages", webPages), ("language", language), ("cliHelp", cliHelp), ("readings", readings), ("configDiagnostics", configDiagnostics),
        ("configChecks", configChecks),
    ]

    /// All entries in table order (duplicates included, so the test can find them).
    public static let allEntries: [Entry] = tables.flatMap(\.entries)

    /// Lookup by key. A key defined twice keeps its first entry; the catalogue test fails on it.
    /// Built once per process, and by a short one (`watchpost-probe net`'s one summary line) for
    /// a single look-up: straight from the tables, one hash per key — the tables are walked
    /// backwards so that the first definition is the last written — and without `allEntries`'
    /// copy (bench/network/README.md: the two hashes per key and the copy were ~2.3 M
    /// instructions of a 14 M-instruction probe run).
    public static let entries: [MessageKey: Entry] = index(tables)

    /// The lookup of `tables`: each key to its first entry.
    static func index(_ tables: [(area: String, entries: [Entry])]) -> [MessageKey: Entry] {
        var count = 0
        for table in tables { count += table.entries.count }
        var out = [MessageKey: Entry](minimumCapacity: count)
        for table in tables.reversed() {
            for e in table.entries.reversed() { out[e.key] = e }
        }
        return out
    }

    public static func contains(_ key: MessageKey) -> Bool { entries[key] != nil }

    /// Renders a message in one language, times in `zone`. An unknown key renders as the key
    /// itself in brackets (visible, never a crash); a missing parameter stays `{name}`.
    public static func render(_ message: Message, _ language: Language, zone: ZoneOffset = .hoChiMinh) -> String {
        MessageRenderer(language: language, zone: zone).render(message)
    }

    public static func render(_ message: Message, language: Language, zone: ZoneOffset = .hoChiMinh) -> String {
        render(message, language, zone: zone)
    }

    /// Vietnamese, then English: "Mất kết nối / Connection lost" — for one-line places such as
    /// log lines and table cells where both are shown.
    public static func bilingual(_ message: Message, zone: ZoneOffset = .hoChiMinh, separator: String = " / ") -> String {
        render(message, .vi, zone: zone) + separator + render(message, .en, zone: zone)
    }

    /// The `{name}` parameters a template uses, in order of first appearance.
    public static func parameterNames(in template: String) -> [String] {
        var names: [String] = []
        var current: String?
        for c in template {
            if c == "{" { current = "" } else if c == "}" {
                if let n = current, !n.isEmpty, !names.contains(n) { names.append(n) }
                current = nil
            } else if current != nil {
                if c.isLetter || c.isNumber || c == "_" { current?.append(c) } else { current = nil }
            }
        }
        return names
    }
}

/// Renders messages in one language and zone; make one per email, page or report.
public struct MessageRenderer: Sendable {
    public var language: Language
    public var zone: ZoneOffset

    public init(language: Language, zone: ZoneOffset = .hoChiMinh) {
        self.language = language
        self.zone = zone
    }

    public func render(_ message: Message) -> String {
        guard let entry = Catalogue.entries[message.key] else { return "[\(message.key.rawValue)]" }
        return fill(entry.template(language), message.params)
    }

    public func callAsFunction(_ message: Message) -> String { render(message) }

    public func render(_ key: MessageKey, _ params: [String: MessageValue] = [:]) -> String { render(Message(key, params)) }

    public func format(_ value: MessageValue) -> String {
        switch value {
        case .text(let s): return s
        case .bilingual(let vi, let en): return language == .vi ? vi : en
        case .int(let n): return String(n)
        case .number(let v, let digits): return HumanFormat.number(v, digits: digits, language)
        case .duration(let s): return HumanFormat.duration(s, language)
        case .instant(let t): return HumanFormat.dateTime(t, language, zone: zone)
        case .tableTime(let t): return HumanFormat.tableTime(t, zone: zone)
        case .date(let d): return HumanFormat.date(d)
        case .message(let m): return render(m)
        case .list(let ms): return ms.map(render).joined(separator: "; ")
        case .range(let b, let digits):
            let lo = HumanFormat.number(b.lowerBound, digits: digits, language), hi = HumanFormat.number(b.upperBound, digits: digits, language)
            switch (b.lowerBound.isFinite, b.upperBound.isFinite) {
            case (true, true): return language == .vi ? "từ \(lo) đến \(hi)" : "\(lo) to \(hi)"
            case (true, false): return language == .vi ? "tối thiểu \(lo)" : "at least \(lo)"
            case (false, true): return language == .vi ? "tối đa \(hi)" : "at most \(hi)"
            case (false, false): return language == .vi ? "mọi giá trị" : "any value"
            }
        }
    }

    /// Replaces `{name}` with its formatted parameter. Parameter text is inserted as is and never
    /// re-scanned, so a file name containing "{x}" cannot pull in another parameter.
    func fill(_ template: String, _ params: [String: MessageValue]) -> String {
        guard template.contains("{") else { return template }
        var out = ""
        out.reserveCapacity(template.utf8.count + 32)
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { out += rest[open...]; return out }
            let name = String(after[..<close])
            if let v = params[name] { out += format(v) } else { out += "{" + name + "}" }
            rest = after[after.index(after: close)...]
        }
        out += rest
        return out
    }
}

// The message catalogue: for every `MessageKey` a Vietnamese and an English template. Every
// string a person reads (finding, status, timeline event, notice, page text, report wording)
// comes from here; Vietnamese is the text, English follows as its translation.
//
// HOW TO ADD KEYS (read this before adding one)
// 1. Pick your area's table file in this folder, e.g. `Catalogue+LED.swift` holds
//    `extension Catalogue { static let led: [Entry] = [...] }`. If your area has none, create
//    `Catalogue+<Area>.swift` the same way, add its line to `Catalogue.shelves` below (the area,
//    the key prefixes it answers — a key's first segment, or its first two for `finding.*` — and
//    `lookup: { <area>Lookup }`) and its `static let <area>Lookup = index(<area>)` beside the
//    others. A key in a table whose prefixes do not name it is refused by `CatalogueTests`.
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
    public static var tables: [(area: String, entries: [Entry])] { shelves.map { ($0.area, $0.entries()) } }

    /// One table, the key prefixes it answers, and its own lookup, built the first time a key
    /// routed to it is looked up. A short program renders one or two lines (`watchpost-probe
    /// net`'s summary): before, that built the lookup of all ~1 400 keys (1.75 M of its 13.5 M
    /// instructions, ≈ 30 page faults; bench/network/README.md); now it builds the one table the
    /// key's prefix names.
    struct Shelf: Sendable {
        var area: String
        /// A key belongs here only if its first segment ("network") or its first two segments
        /// ("finding.network") is listed; `CatalogueTests` refuses an entry outside its table's
        /// prefixes, so a key is always found on the shelves its prefixes name.
        var prefixes: [String]
        var entries: @Sendable () -> [Entry]
        var lookup: @Sendable () -> [MessageKey: Entry]
    }

    /// The tables in their order of precedence (a key defined twice keeps its first entry; the
    /// catalogue test fails on it). Adding a table: its file, one line here and one lookup below.
    static let shelves: [Shelf] = [
        .init(area: "core", prefixes: ["category", "check", "detail", "status", "text"], entries: { core }, lookup: { coreLookup }),
        .init(area: "incident", prefixes: ["check", "finding.schedule", "timeline"], entries: { incident }, lookup: { incidentLookup }),
        .init(area: "escalation", prefixes: ["channel", "cli", "config", "escalation", "mail", "notice", "policy", "reply", "respond", "role", "roles", "routes", "timeline", "web"],
              entries: { escalation }, lookup: { escalationLookup }),
        .init(area: "led", prefixes: ["cli", "finding.led", "led"], entries: { led }, lookup: { ledLookup }),
        .init(area: "power", prefixes: ["finding.power", "power"], entries: { power }, lookup: { powerLookup }),
        .init(area: "network", prefixes: ["finding.network", "network"], entries: { network }, lookup: { networkLookup }),
        .init(area: "content", prefixes: ["content", "finding.content", "report"], entries: { content }, lookup: { contentLookup }),
        .init(area: "player", prefixes: ["finding.player", "player"], entries: { player }, lookup: { playerLookup }),
        .init(area: "probes", prefixes: ["finding.storage", "probe", "report"], entries: { probes }, lookup: { probesLookup }),
        .init(area: "mail", prefixes: ["mail"], entries: { mail }, lookup: { mailLookup }),
        .init(area: "web", prefixes: ["web"], entries: { web }, lookup: { webLookup }),
        .init(area: "reports", prefixes: ["report"], entries: { reports }, lookup: { reportsLookup }),
        .init(area: "registers", prefixes: ["registers", "report"], entries: { registers }, lookup: { registersLookup }),
        .init(area: "cli", prefixes: ["cli"], entries: { cli }, lookup: { cliLookup }),
        .init(area: "lifecycle", prefixes: ["config", "daemon", "web"], entries: { lifecycle }, lookup: { lifecycleLookup }),
        .init(area: "fleet", prefixes: ["fleet"], entries: { fleet }, lookup: { fleetLookup }),
        .init(area: "hardening", prefixes: ["audit", "config", "report", "secrets", "web"], entries: { hardening }, lookup: { hardeningLookup }),
        .init(area: "webPages", prefixes: ["web"], entries: { webPages }, lookup: { webPagesLookup }),
        .init(area: "language", prefixes: ["actor", "content", "incident", "language", "maintenance", "notice", "report", "resolution", "timeline"],
              entries: { language }, lookup: { languageLookup }),
        .init(area: "cliHelp", prefixes: ["cli"], entries: { cliHelp }, lookup: { cliHelpLookup }),
        .init(area: "readings", prefixes: ["reading"], entries: { readings }, lookup: { readingsLookup }),
        .init(area: "configDiagnostics", prefixes: ["config"], entries: { configDiagnostics }, lookup: { configDiagnosticsLookup }),
        .init(area: "configChecks", prefixes: ["config"], entries: { configChecks }, lookup: { configChecksLookup }),
    ]

    // Each table's lookup: a `static let` is built once per process, on first use, thread-safely.
    static let coreLookup = index(core), incidentLookup = index(incident), escalationLookup = index(escalation)
    static let ledLookup = index(led), powerLookup = index(power), networkLookup = index(network)
    static let contentLookup = index(content), playerLookup = index(player), probesLookup = index(probes)
    static let mailLookup = index(mail), webLookup = index(web), reportsLookup = index(reports)
    static let registersLookup = index(registers), cliLookup = index(cli), lifecycleLookup = index(lifecycle)
    static let fleetLookup = index(fleet), hardeningLookup = index(hardening), webPagesLookup = index(webPages)
    static let languageLookup = index(language), cliHelpLookup = index(cliHelp), readingsLookup = index(readings)
    static let configDiagnosticsLookup = index(configDiagnostics), configChecksLookup = index(configChecks)

    /// Prefix → the shelves that declare it, in precedence order.
    static let routes: [String: [Int]] = {
        var out: [String: [Int]] = [:]
        for (i, shelf) in shelves.enumerated() {
            for p in shelf.prefixes { out[p, default: []].append(i) }
        }
        return out
    }()

    /// All entries in table order (duplicates included, so the test can find them).
    public static var allEntries: [Entry] { tables.flatMap(\.entries) }

    /// The entry of `key`: its first definition on the shelves its first segment and its first
    /// two segments name; nil for a key the catalogue lacks.
    public static func entry(_ key: MessageKey) -> Entry? {
        let raw = key.rawValue.utf8
        let dot = UInt8(ascii: ".")
        guard let first = raw.firstIndex(of: dot) else { return lookUp(key, on: routes[key.rawValue] ?? []) }
        let one = routes[String(key.rawValue[..<first])] ?? []
        let second = raw[raw.index(after: first)...].firstIndex(of: dot)
        let two = second.flatMap { routes[String(key.rawValue[..<$0])] } ?? []
        if two.isEmpty { return lookUp(key, on: one) }
        if one.isEmpty { return lookUp(key, on: two) }
        // Both name shelves: visit them in precedence order, as one list.
        var a = one.startIndex, b = two.startIndex
        while a < one.endIndex || b < two.endIndex {
            let i: Int
            if b == two.endIndex || (a < one.endIndex && one[a] < two[b]) { i = one[a]; a += 1 } else { i = two[b]; b += 1 }
            if let e = shelves[i].lookup()[key] { return e }
        }
        return nil
    }

    private static func lookUp(_ key: MessageKey, on shelfIndices: [Int]) -> Entry? {
        for i in shelfIndices { if let e = shelves[i].lookup()[key] { return e } }
        return nil
    }

    /// The lookup of one or more tables: each key to its first entry. Walked backwards, so that
    /// a key's first entry is the last written: one hash per key.
    static func index(_ tables: [(area: String, entries: [Entry])]) -> [MessageKey: Entry] {
        var count = 0
        for table in tables { count += table.entries.count }
        var out = [MessageKey: Entry](minimumCapacity: count)
        for table in tables.reversed() {
            for e in table.entries.reversed() { out[e.key] = e }
        }
        return out
    }

    static func index(_ entries: [Entry]) -> [MessageKey: Entry] { index([("", entries)]) }

    public static func contains(_ key: MessageKey) -> Bool { entry(key) != nil }

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
        guard let entry = Catalogue.entry(message.key) else { return "[\(message.key.rawValue)]" }
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

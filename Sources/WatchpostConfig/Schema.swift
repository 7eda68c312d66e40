import WatchpostCore

/// What a configuration value must look like.
public enum ValueKind: Sendable {
    case text
    case nonEmpty
    case integer(ClosedRange<Int>)
    case number(ClosedRange<Double>)
    case boolean
    case duration(min: Seconds, max: Seconds)
    case oneOf([String])
    case listOf([String])
    case port
    case host
    case hostPort(defaultPort: Int)
    case email
    case emailList
    case windows
    case date
    case instant
    case band
    case identifierList
    case zone
    /// Anything else: the closure returns what is wrong in the catalogue's words, or nil when the
    /// value is fine.
    case custom(String, @Sendable (String) -> Message?)

    /// Returns an error message in English, or nil.
    public func validate(_ raw: String) -> String? {
        switch problem(raw) {
        case nil: return nil
        case .message(let m)?: return Catalogue.render(m, .en)
        }
    }

    /// What is wrong with a value, in the catalogue's words (Vietnamese, then English).
    public func problem(_ raw: String) -> ValueProblem? {
        let v = raw.trimmingWhitespace()
        func m(_ key: MessageKey, _ params: [String: MessageValue] = [:]) -> ValueProblem { .message(Message(key, params)) }
        func value(_ s: String) -> [String: MessageValue] { ["value": .text(s)] }
        func hint(_ s: String, _ allowed: [String]) -> MessageValue {
            nearest(s, in: allowed).map { .message(Message("config.hint.nearest", ["name": .text($0)])) } ?? .text("")
        }
        switch self {
        case .text: return nil
        case .nonEmpty: return v.isEmpty ? m("config.value.empty") : nil
        case .integer(let r):
            guard let i = Int(v) else { return m("config.value.not_integer", value(v)) }
            return r.contains(i) ? nil : m("config.value.out_of_range", ["value": .text(String(i)), "low": .text(String(r.lowerBound)), "high": .text(String(r.upperBound))])
        case .number(let r):
            guard let d = Double(v), d.isFinite else { return m("config.value.not_number", value(v)) }
            return r.contains(d) ? nil : m("config.value.out_of_range", ["value": .text(v), "low": .text("\(r.lowerBound)"), "high": .text("\(r.upperBound)")])
        case .boolean: return parseBool(v) == nil ? m("config.value.not_boolean", value(v)) : nil
        case .duration(let lo, let hi):
            guard let d = Seconds(parsing: v) else { return m("config.value.not_duration", value(v)) }
            if d < lo { return m("config.value.too_short", ["value": .text(d.description), "limit": .text(lo.description)]) }
            if d > hi { return m("config.value.too_long", ["value": .text(d.description), "limit": .text(hi.description)]) }
            return nil
        case .oneOf(let allowed):
            if allowed.contains(v) { return nil }
            return m("config.value.not_one_of", ["value": .text(v), "allowed": .text(allowed.joined(separator: ", ")), "hint": hint(v, allowed)])
        case .listOf(let allowed):
            for item in splitList(v) where !allowed.contains(item) {
                return m("config.value.not_one_of", ["value": .text(item), "allowed": .text(allowed.joined(separator: ", ")), "hint": hint(item, allowed)])
            }
            return nil
        case .port:
            guard let p = Int(v), (1...65_535).contains(p) else { return m("config.value.not_port", value(v)) }
            return nil
        case .host: return isValidHost(v) ? nil : m("config.value.not_host", value(v))
        case .hostPort:
            let (h, p) = splitHostPort(v)
            if !isValidHost(h) { return m("config.value.not_host", value(h)) }
            if let p, !(1...65_535).contains(p) { return m("config.value.port_range", ["port": .text(String(p))]) }
            return nil
        case .email: return isValidEmail(v) ? nil : m("config.value.not_email", value(v))
        case .emailList:
            let items = splitList(v)
            if items.isEmpty { return m("config.value.no_address") }
            return items.first { !isValidEmail($0) }.map { m("config.value.not_email", value($0)) }
        case .windows:
            let items = splitList(v)
            if items.isEmpty { return m("config.value.no_window") }
            var windows: [DailyWindow] = []
            for item in items {
                guard let w = DailyWindow(parsing: item) else { return m("config.value.not_window", value(item)) }
                windows.append(w)
            }
            return OperatingSchedule.problems(in: windows).first.map { .message($0) }
        case .date: return CivilDate(parsing: v) == nil ? m("config.value.not_date", value(v)) : nil
        case .instant: return Instant.parse(v) == nil ? m("config.value.not_instant", value(v)) : nil
        case .band: return parseBand(v) == nil ? m("config.value.not_band", value(v)) : nil
        case .identifierList:
            return splitList(v).first { !isIdentifier($0) }.map { m("config.value.not_id", value($0)) }
        case .zone:
            return ZoneOffset(parsing: v) == nil
                ? m("config.value.unknown_zone", ["value": .text(v), "known": .text(ZoneOffset.knownIdentifiers.joined(separator: ", "))]) : nil
        case .custom(_, let check): return check(v).map { .message($0) }
        }
    }
}

/// What `ValueKind.problem` finds wrong with a value.
public enum ValueProblem: Sendable, Hashable {
    /// In the catalogue's words.
    case message(Message)

    public var message: Message {
        switch self { case .message(let m): return m }
    }
}

/// Longest id (of a site, a check, an organisation…): ids name things in mail subjects, URLs,
/// file names and metrics labels (#19 review s8: a 300-character check id was accepted).
public let longestIdentifier = 64

public func isIdentifier(_ s: String) -> Bool {
    !s.isEmpty && s.utf8.count <= longestIdentifier && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
}

public func isValidEmail(_ s: String) -> Bool {
    // Accept `Name <addr>` as well as a bare address.
    var addr = s.trimmingWhitespace()
    if let lt = addr.lastIndex(of: "<"), addr.hasSuffix(">") { addr = String(addr[addr.index(after: lt)..<addr.index(before: addr.endIndex)]) }
    let parts = addr.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else { return false }
    return !addr.contains(where: { $0 == " " || $0 == "," || $0 == "<" || $0 == ">" })
}

/// A host name or an IP address. Host names are ASCII (an internationalised name arrives as
/// punycode, `xn--…`), so the rules are checked once, on the bytes: anything not ASCII is refused
/// (a second copy of the rules on Characters was also wrong: `Character.isHexDigit` is true for
/// fullwidth digits, so `１::` passed as IPv6; #19 review s9). Bytes rather than Characters also
/// because a Character's properties cost a Unicode lookup each (`watchpost-probe net` spent 1.9 M
/// instructions checking 100 targets, #20).
public func isValidHost(_ s: String) -> Bool { isValidASCIIHost(Array(s.utf8)) }

/// `isValidHost` on a name's bytes: a byte ≥ 0x80 is neither letter, digit nor punctuation here.
func isValidASCIIHost(_ b: [UInt8]) -> Bool {
    func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") }
    let dot = UInt8(ascii: "."), colon = UInt8(ascii: ":"), dash = UInt8(ascii: "-")
    if b.isEmpty || b.count > 253 { return false }
    if b.contains(colon) {  // IPv6
        return b.allSatisfy { isDigit($0) || (($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "f")) || $0 == colon || $0 == dot }
    }
    // A name whose last label is all digits can only be an IPv4 address, and must be a whole,
    // valid one: `192.0.2.300` or `10.1.2` are typos, not host names.
    let labels = b.split(separator: dot, omittingEmptySubsequences: false)
    if let last = labels.last, !last.isEmpty, last.allSatisfy(isDigit) {
        return labels.count == 4 && labels.allSatisfy { l in
            !l.isEmpty && l.count <= 3 && l.allSatisfy(isDigit) && l.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } <= 255
        }
    }
    return labels.allSatisfy { l in !l.isEmpty && l.count <= 63 && l.allSatisfy { isLetter($0) || isDigit($0) || $0 == dash } && l.first != dash }
}

/// `host`, `host:port`, `[v6]:port`.
public func splitHostPort(_ s: String) -> (String, Int?) {
    let v = s.trimmingWhitespace()
    if v.hasPrefix("["), let close = v.firstIndex(of: "]") {
        let host = String(v[v.index(after: v.startIndex)..<close])
        let rest = v[v.index(after: close)...]
        return (host, rest.hasPrefix(":") ? Int(rest.dropFirst()) ?? -1 : nil)
    }
    let colons = v.filter { $0 == ":" }.count
    if colons == 1, let c = v.firstIndex(of: ":") { return (String(v[..<c]), Int(v[v.index(after: c)...]) ?? -1) }
    return (v, nil)
}

/// One allowed key of a section.
public struct KeySpec: Sendable {
    public var name: String
    public var kind: ValueKind
    public var required: Bool
    public var help: String

    public init(_ name: String, _ kind: ValueKind, required: Bool = false, help: String = "") {
        self.name = name
        self.kind = kind
        self.required = required
        self.help = help
    }
}

/// The keys a kind of section allows.
public struct SectionSchema: Sendable {
    public var type: String
    public var keys: [KeySpec]
    /// Sections whose keys are free (dates, names) and whose values share one kind.
    public var freeKeys: ValueKind?
    /// Whether the section header carries a name (`[check uplink]`).
    public var named: Bool

    public init(type: String, named: Bool = false, keys: [KeySpec], freeKeys: ValueKind? = nil) {
        self.type = type
        self.named = named
        self.keys = keys
        self.freeKeys = freeKeys
    }

    /// Checks every entry: unknown keys (with the nearest valid name), bad values, missing
    /// required keys, keys given twice.
    public func validate(_ section: ConfigSection, extraKeys: [KeySpec] = []) -> [ConfigDiagnostic] {
        var out: [ConfigDiagnostic] = []
        let all = keys + extraKeys
        var seen: [String: Int] = [:]
        func add(_ line: Int, _ key: String, _ problem: ValueProblem) {
            switch problem {
            case .message(let m): out.append(.init(file: section.file, line: line, key: key, m))
            }
        }
        let title: MessageValue = .text(section.title)
        for e in section.entries {
            if let first = seen[e.key] {
                add(e.line, e.key, .message(Message("config.key.twice", ["section": title, "first": .int(Int64(first))])))
            }
            seen[e.key] = e.line
            if let spec = all.first(where: { $0.name == e.key }) {
                if let p = spec.kind.problem(e.value) { add(e.line, e.key, p) }
            } else if let free = freeKeys {
                if let p = free.problem(e.value) { add(e.line, e.key, p) }
            } else {
                let hint: MessageValue = nearest(e.key, in: all.map(\.name)).map { .message(Message("config.hint.nearest", ["name": .text($0)])) } ?? .text("")
                add(e.line, e.key, .message(Message("config.key.unknown", ["section": title, "hint": hint])))
            }
        }
        for spec in all where spec.required && !section.has(spec.name) {
            add(section.line, spec.name, .message(Message("config.key.required", ["section": title])))
        }
        // One rule for every named section's id (checks, organisations, people, roles, responders,
        // reports, remotes, levels…): `isIdentifier`, at most `longestIdentifier` characters. Only
        // check and site ids were bounded (#19 review s9).
        if named, let name = section.name {
            if name.isEmpty {
                add(section.line, section.type, .message(Message("config.section.needs_name", ["type": .text(section.type)])))
            } else if !isIdentifier(name) {
                add(section.line, section.type, .message(Message("config.section.name_not_id", ["value": .text(name)])))
            }
        } else if named {
            add(section.line, section.type, .message(Message("config.section.needs_name", ["type": .text(section.type)])))
        }
        return out
    }
}

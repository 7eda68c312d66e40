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
    /// Anything else: the closure returns an error message, or nil when the value is fine.
    case custom(String, @Sendable (String) -> String?)

    /// Returns an error message, or nil.
    public func validate(_ raw: String) -> String? {
        let v = raw.trimmingWhitespace()
        switch self {
        case .text: return nil
        case .nonEmpty: return v.isEmpty ? "must not be empty" : nil
        case .integer(let r):
            guard let i = Int(v) else { return "'\(v)' is not a whole number" }
            return r.contains(i) ? nil : "\(i) is outside \(r.lowerBound)…\(r.upperBound)"
        case .number(let r):
            guard let d = Double(v), d.isFinite else { return "'\(v)' is not a number" }
            return r.contains(d) ? nil : "\(v) is outside \(r.lowerBound)…\(r.upperBound)"
        case .boolean: return parseBool(v) == nil ? "'\(v)' is not true or false" : nil
        case .duration(let lo, let hi):
            guard let d = Seconds(parsing: v) else { return "'\(v)' is not a duration (write e.g. 30s, 15m, 2h, 1d; at most 100 years)" }
            if d < lo { return "\(d) is shorter than the minimum \(lo)" }
            if d > hi { return "\(d) is longer than the maximum \(hi)" }
            return nil
        case .oneOf(let allowed):
            if allowed.contains(v) { return nil }
            let hint = nearest(v, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
            return "'\(v)' is not one of \(allowed.joined(separator: ", "))\(hint)"
        case .listOf(let allowed):
            for item in splitList(v) where !allowed.contains(item) {
                let hint = nearest(item, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                return "'\(item)' is not one of \(allowed.joined(separator: ", "))\(hint)"
            }
            return nil
        case .port:
            guard let p = Int(v), (1...65_535).contains(p) else { return "'\(v)' is not a port (1–65535)" }
            return nil
        case .host: return isValidHost(v) ? nil : "'\(v)' is not a host name or IP address"
        case .hostPort:
            let (h, p) = splitHostPort(v)
            if !isValidHost(h) { return "'\(h)' is not a host name or IP address" }
            if let p, !(1...65_535).contains(p) { return "port \(p) is outside 1–65535" }
            return nil
        case .email: return isValidEmail(v) ? nil : "'\(v)' is not an email address"
        case .emailList:
            let items = splitList(v)
            if items.isEmpty { return "must list at least one address" }
            return items.first { !isValidEmail($0) }.map { "'\($0)' is not an email address" }
        case .windows:
            let items = splitList(v)
            if items.isEmpty { return "must list at least one window such as 07:30-11:00" }
            var windows: [DailyWindow] = []
            for item in items {
                guard let w = DailyWindow(parsing: item) else { return "'\(item)' is not a window such as 07:30-11:00" }
                windows.append(w)
            }
            return OperatingSchedule.problems(in: windows).first
        case .date: return CivilDate(parsing: v) == nil ? "'\(v)' is not a date (YYYY-MM-DD)" : nil
        case .instant: return Instant.parse(v) == nil ? "'\(v)' is not a date and time (YYYY-MM-DDTHH:MM)" : nil
        case .band: return parseBand(v) == nil ? "'\(v)' is not a band such as 10..45 (either side may be empty)" : nil
        case .identifierList:
            return splitList(v).first { !isIdentifier($0) }.map { "'\($0)' is not an id (letters, digits, '-', '_', '.')" }
        case .zone:
            return ZoneOffset(parsing: v) == nil
                ? "unknown timezone '\(v)' (known: \(ZoneOffset.knownIdentifiers.joined(separator: ", ")), or UTC+HH:MM)" : nil
        case .custom(_, let check): return check(v)
        }
    }
}

public func isIdentifier(_ s: String) -> Bool {
    !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
}

public func isValidEmail(_ s: String) -> Bool {
    // Accept `Name <addr>` as well as a bare address.
    var addr = s.trimmingWhitespace()
    if let lt = addr.lastIndex(of: "<"), addr.hasSuffix(">") { addr = String(addr[addr.index(after: lt)..<addr.index(before: addr.endIndex)]) }
    let parts = addr.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else { return false }
    return !addr.contains(where: { $0 == " " || $0 == "," || $0 == "<" || $0 == ">" })
}

public func isValidHost(_ s: String) -> Bool {
    if s.isEmpty || s.count > 253 { return false }
    if s.contains(":") { return s.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }  // IPv6
    // A name whose last label is all digits can only be an IPv4 address, and must be a whole,
    // valid one: `192.0.2.300` or `10.1.2` are typos, not host names.
    let labels = s.split(separator: ".", omittingEmptySubsequences: false)
    if let last = labels.last, !last.isEmpty, last.allSatisfy({ $0.isASCII && $0.isNumber }) {
        return labels.count == 4 && labels.allSatisfy { l in
            !l.isEmpty && l.count <= 3 && l.allSatisfy { $0.isASCII && $0.isNumber } && (Int(l) ?? 256) <= 255
        }
    }
    return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
        !label.isEmpty && label.count <= 63 && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            && !label.hasPrefix("-")
    }
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
        for e in section.entries {
            if let first = seen[e.key] {
                out.append(.init(file: section.file, line: e.line, key: e.key, message: "given twice in \(section.title) (first on line \(first))"))
            }
            seen[e.key] = e.line
            if let spec = all.first(where: { $0.name == e.key }) {
                if let msg = spec.kind.validate(e.value) { out.append(.init(file: section.file, line: e.line, key: e.key, message: msg)) }
            } else if let free = freeKeys {
                if let msg = free.validate(e.value) { out.append(.init(file: section.file, line: e.line, key: e.key, message: msg)) }
            } else {
                let hint = nearest(e.key, in: all.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""
                out.append(.init(file: section.file, line: e.line, key: e.key, message: "unknown key in \(section.title)\(hint)"))
            }
        }
        for spec in all where spec.required && !section.has(spec.name) {
            out.append(.init(file: section.file, line: section.line, key: spec.name, message: "required in \(section.title) but missing"))
        }
        if named && (section.name ?? "").isEmpty {
            out.append(.init(file: section.file, line: section.line, key: section.type, message: "section needs a name, e.g. [\(section.type) my-name]"))
        }
        return out
    }
}

// WatchpostConfig owns reading the configuration folder (`watchpost.conf`, `probes/<site>/`,
// `alerts/`, the secrets file) into Core values. Every problem is reported with its file and
// line, all of them at once, so a technician fixes a whole file in one pass.
import WatchpostCore

/// One problem in the configuration, printed as `file:line: key: message`.
public struct ConfigDiagnostic: Error, Sendable, Hashable, CustomStringConvertible, Comparable {
    public var file: String
    public var line: Int
    public var key: String
    public var message: String

    public init(file: String, line: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// The catalogue text of the message, when it has one: `check` prints it in Vietnamese, then
    /// English; `message` holds the English rendering (logs and tests).
    public var text: Message?

    /// A diagnostic whose words come from the catalogue.
    public init(file: String, line: Int, key: String, _ text: Message) {
        self.init(file: file, line: line, key: key, message: Catalogue.render(text, .en))
        self.text = text
    }

    public var description: String {
        guard let text else { return "\(file):\(line): \(key): \(message)" }
        return "\(file):\(line): \(key): \(Catalogue.render(text, .vi)) / \(message)"
    }
    /// `file:line: key: message` in English only (logs, and tests about a rule rather than its words).
    public var englishDescription: String { "\(file):\(line): \(key): \(message)" }
    public static func < (a: ConfigDiagnostic, b: ConfigDiagnostic) -> Bool { (a.file, a.line, a.key) < (b.file, b.line, b.key) }
}

/// A `key = value` line.
public struct ConfigEntry: Sendable, Hashable {
    public var key: String
    public var value: String
    public var line: Int

    public init(key: String, value: String, line: Int) {
        self.key = key
        self.value = value
        self.line = line
    }
}

/// A `[type name]` or `[type]` section with its entries, in file order.
public struct ConfigSection: Sendable, Hashable {
    public var type: String
    public var name: String?
    public var file: String
    public var line: Int
    public var entries: [ConfigEntry]

    public init(type: String, name: String?, file: String, line: Int, entries: [ConfigEntry] = []) {
        self.type = type
        self.name = name
        self.file = file
        self.line = line
        self.entries = entries
    }

    public var title: String { name.map { "[\(type) \($0)]" } ?? "[\(type)]" }
    public func entry(_ key: String) -> ConfigEntry? { entries.last { $0.key == key } }
    public func value(_ key: String) -> String? { entry(key)?.value }
    public func has(_ key: String) -> Bool { entry(key) != nil }
    public func lineOf(_ key: String) -> Int { entry(key)?.line ?? line }

    // Typed reads. Values were validated against the schema at load time, so these return the
    // fallback only when the key is absent.
    public func string(_ key: String, default d: String = "") -> String { value(key) ?? d }
    public func duration(_ key: String, default d: Seconds) -> Seconds { value(key).flatMap { Seconds(parsing: $0) } ?? d }
    public func int(_ key: String, default d: Int) -> Int { value(key).flatMap { Int($0.trimmingWhitespace()) } ?? d }
    public func double(_ key: String, default d: Double) -> Double { value(key).flatMap { Double($0.trimmingWhitespace()) } ?? d }
    public func bool(_ key: String, default d: Bool) -> Bool { value(key).flatMap(parseBool) ?? d }
    public func list(_ key: String) -> [String] { value(key).map(splitList) ?? [] }
    /// A `min..max` band, either side optional (`..45`, `10..`).
    public func band(_ key: String) -> ClosedRange<Double>? { value(key).flatMap(parseBand) }
}

public func parseBool(_ s: String) -> Bool? {
    switch s.trimmingWhitespace().lowercased() {
    case "true", "yes", "on", "1": return true
    case "false", "no", "off", "0": return false
    default: return nil
    }
}

public func splitList(_ s: String) -> [String] {
    s.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
}

public func parseBand(_ s: String) -> ClosedRange<Double>? {
    let parts = s.trimmingWhitespace().components(separatedBy: "..")
    guard parts.count == 2 else { return nil }
    let lo = parts[0].trimmingWhitespace(), hi = parts[1].trimmingWhitespace()
    guard let l = lo.isEmpty ? -Double.infinity : Double(lo), let h = hi.isEmpty ? Double.infinity : Double(hi), l <= h else { return nil }
    return l...h
}

extension String {
    func components(separatedBy sep: String) -> [String] {
        var out: [String] = []
        var rest = Substring(self)
        while let r = rest.firstRange(of: sep) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }
}

/// Parses INI-style text: `# comment` and `; comment` lines, `[type name]` sections,
/// `key = value` entries, and trailing ` # comments` after whitespace. Entries before the first
/// section are an error, as are lines that are none of these.
public struct INIFile: Sendable {
    public var path: String
    public var sections: [ConfigSection]
    public var diagnostics: [ConfigDiagnostic]
    /// The last line that holds anything: where a file cut short ends, for a missing-section
    /// diagnostic.
    public var lastLine = 0

    public init(path: String, text: String) {
        self.path = path
        sections = []
        diagnostics = []
        var lineNo = 0
        // In Swift "\r\n" is one Character, so splitting on "\n" alone left a CRLF file as one
        // long line that began with a comment: the whole file was silently ignored.
        for raw in INIFile.lines(text) {
            lineNo += 1
            if !raw.isEmpty { lastLine = lineNo }
            var line = raw.trimmingWhitespace()
            if lineNo == 1, line.hasPrefix("\u{FEFF}") { line.removeFirst(); line = line.trimmingWhitespace() }
            if let bad = INIFile.controlCharacter(in: line) {
                // A lone CR, a NUL or another control character inside a line is refused, never
                // carried into names, addresses or mail headers.
                diagnostics.append(.init(file: path, line: lineNo, key: "text", Message("config.text.control_character", ["character": .text(bad)])))
                continue
            }
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            line = INIFile.stripTrailingComment(line)
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    diagnostics.append(.init(file: path, line: lineNo, key: "section", Message("config.diag.header_unclosed")))
                    continue
                }
                let inner = line.dropFirst().dropLast().trimmingWhitespace()
                let parts = inner.split(separator: " ", maxSplits: 1).map { $0.trimmingWhitespace() }
                guard let type = parts.first, !type.isEmpty else {
                    diagnostics.append(.init(file: path, line: lineNo, key: "section", Message("config.diag.header_empty")))
                    continue
                }
                sections.append(ConfigSection(type: type.lowercased(), name: parts.count > 1 ? parts[1] : nil, file: path, line: lineNo))
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                diagnostics.append(.init(file: path, line: lineNo, key: line, Message("config.diag.expected_key_value")))
                continue
            }
            let key = line[..<eq].trimmingWhitespace()
            let value = line[line.index(after: eq)...].trimmingWhitespace()
            guard !key.isEmpty else {
                diagnostics.append(.init(file: path, line: lineNo, key: "(empty)", Message("config.diag.missing_key")))
                continue
            }
            guard !sections.isEmpty else {
                diagnostics.append(.init(file: path, line: lineNo, key: key, Message("config.diag.entry_before_section")))
                continue
            }
            sections[sections.count - 1].entries.append(ConfigEntry(key: key, value: value, line: lineNo))
        }
    }

    /// Lines split at LF and CRLF alike.
    public static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    /// The first control character of a line (tab excepted), spelled `U+000D`, or nil.
    static func controlCharacter(in line: String) -> String? {
        guard let s = line.unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) else { return nil }
        let hex = String(s.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// The text of a configuration file's bytes: valid UTF-8, or a diagnostic naming the first
    /// line that is not (never a silently replaced character in a name or address).
    public static func decode(_ bytes: [UInt8], path: String) -> Result<String, ConfigDiagnostic> {
        if let text = String(validating: bytes, as: UTF8.self) { return .success(text) }
        var lineNo = 1
        for line in bytes.split(separator: 10, omittingEmptySubsequences: false) {
            if String(validating: line, as: UTF8.self) == nil { break }
            lineNo += 1
        }
        return .failure(.init(file: path, line: lineNo, key: "text", Message("config.text.not_utf8")))
    }

    static func stripTrailingComment(_ line: String) -> String {
        var prevSpace = false
        for i in line.indices {
            let c = line[i]
            if (c == "#" || c == ";") && prevSpace { return line[..<i].trimmingWhitespace() }
            prevSpace = c == " " || c == "\t"
        }
        return line
    }
}

/// Levenshtein distance, for "did you mean …?".
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count)
    var cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        cur[0] = i
        for j in 1...y.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[y.count]
}

public func nearest(_ word: String, in candidates: [String]) -> String? {
    candidates.min { editDistance(word, $0) < editDistance(word, $1) }
}

// What the Department says about each approved item besides its bytes (manifest format 2), and
// the sidecar file it fills in for `watchpost manifest create` (one line per item). The fields
// serve the decisions' content articles: the source organisation and programme month answer
// Tây Trang 7.8 (the newspaper and the radio-TV station supply at least one programme a month)
// and 7.1.1 (content vetted month by month); the languages answer 7.1.2 and 7.5 (Vietnamese,
// English, Lao, Thai); the month and kind answer Vũng Áng Art. 4.3.a (monthly content).
import WatchpostCore

/// The kind of an approved item.
public enum ContentKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A programme (chương trình): a produced piece — the unit Tây Trang 7.8 counts.
    case programme
    /// A video clip.
    case clip
    /// A still picture or slide.
    case still
}

/// Optional facts about one approved item. Every field is signed with the rest of the manifest.
public struct ItemMetadata: Sendable, Hashable, Codable {
    public var title: String?
    /// The supplying organisation: an id from alerts/contacts.conf (e.g. `dai-ptth-dien-bien`).
    public var source: String?
    /// Language codes (ISO 639-1, lower case): vi, en, lo, th…
    public var languages: [String]
    /// The programme month, `YYYY-MM`.
    public var month: String?
    public var kind: ContentKind?

    public init(title: String? = nil, source: String? = nil, languages: [String] = [], month: String? = nil, kind: ContentKind? = nil) {
        self.title = title
        self.source = source
        self.languages = languages
        self.month = month
        self.kind = kind
    }

    public var isEmpty: Bool { title == nil && source == nil && languages.isEmpty && month == nil && kind == nil }

    /// Fields of `other` fill the ones this one leaves empty (sidecar line over command-line defaults).
    public func filled(from other: ItemMetadata) -> ItemMetadata {
        ItemMetadata(title: title ?? other.title, source: source ?? other.source,
                     languages: languages.isEmpty ? other.languages : languages, month: month ?? other.month, kind: kind ?? other.kind)
    }

    /// The attribute lines written under the item's `file` line (two spaces, name, value).
    func lines() -> [String] {
        var out: [String] = []
        if let title { out.append("  title \(title)") }
        if let source { out.append("  source \(source)") }
        if !languages.isEmpty { out.append("  languages \(languages.joined(separator: ", "))") }
        if let month { out.append("  month \(month)") }
        if let kind { out.append("  kind \(kind.rawValue)") }
        return out
    }

    // MARK: Validation (one rule per field; the same for the manifest parser, the sidecar and flags)

    public static func checkTitle(_ v: String) -> Message? {
        if v.isEmpty { return Message("content.metadata.title_empty") }
        if v.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return Message("content.metadata.title_control") }
        if v.utf8.count > 500 { return Message("content.metadata.title_long") }
        return nil
    }

    public static func checkSource(_ v: String) -> Message? {
        let ok = !v.isEmpty && v.utf8.count <= 64 && v.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 95 }
        return ok ? nil : Message("content.metadata.source", ["text": .text(v)])
    }

    public static func parseLanguages(_ v: String) -> Result<[String], ManifestFormatError> {
        var out: [String] = []
        for part in v.split(separator: ",") {
            let code = String(part).trimmingWhitespace()
            guard (2...3).contains(code.utf8.count), code.utf8.allSatisfy({ (97...122).contains($0) }) else {
                return .failure(ManifestFormatError(line: 0, Message("content.metadata.language", ["text": .text(code)])))
            }
            if !out.contains(code) { out.append(code) }
        }
        if out.isEmpty { return .failure(ManifestFormatError(line: 0, Message("content.metadata.no_language"))) }
        return .success(out)
    }

    public static func checkMonth(_ v: String) -> Message? {
        let parts = v.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1]),
              (2000...2999).contains(y), (1...12).contains(m) else {
            return Message("content.metadata.month", ["text": .text(v)])
        }
        return nil
    }

    public static func parseKind(_ v: String) -> Result<ContentKind, ManifestFormatError> {
        guard let k = ContentKind(rawValue: v) else {
            return .failure(ManifestFormatError(line: 0, Message("content.metadata.kind", ["text": .text(v), "kinds": .text(ContentKind.allCases.map(\.rawValue).joined(separator: ", "))])))
        }
        return .success(k)
    }

    /// Sets one attribute from its manifest or sidecar spelling.
    mutating func set(_ name: String, _ value: String) -> Message? {
        switch name {
        case "title":
            if let e = Self.checkTitle(value) { return e }
            title = value
        case "source":
            if let e = Self.checkSource(value) { return e }
            source = value
        case "languages", "language":
            switch Self.parseLanguages(value) {
            case .success(let l): languages = l
            case .failure(let e): return e.text
            }
        case "month":
            if let e = Self.checkMonth(value) { return e }
            month = value
        case "kind":
            switch Self.parseKind(value) {
            case .success(let k): kind = k
            case .failure(let e): return e.text
            }
        default:
            return Message("content.metadata.unknown", ["text": .text(name)])
        }
        return nil
    }
}

/// The sidecar file the Department fills in: one line per item,
///
///     # path | title | source | languages | month | kind
///     videos/hoa-ban-2026.mp4 | Lễ hội Hoa Ban 2026 | dai-ptth-dien-bien | vi, en | 2026-03 | programme
///
/// Empty fields are allowed (`| |`); `#` starts a comment line. Paths are spelled as in the
/// manifest (relative, `ContentPath`).
public enum ManifestSidecar {
    public static func parse(_ text: String) -> Result<[String: ItemMetadata], ManifestFormatError> {
        var out: [String: ItemMetadata] = [:]
        var lineNo = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let line = String(raw).trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
            guard (2...6).contains(fields.count), !fields[0].isEmpty else {
                return .failure(ManifestFormatError(line: lineNo, Message("content.manifest.format.expected", ["form": .text("path | title | source | languages | month | kind")])))
            }
            let path = fields[0]
            if let why = ContentPath.problem(path) { return .failure(ManifestFormatError(line: lineNo, why)) }
            if out[path] != nil { return .failure(ManifestFormatError(line: lineNo, Message("content.metadata.twice", ["what": .text(path)]))) }
            var meta = ItemMetadata()
            for (name, value) in zip(["title", "source", "languages", "month", "kind"], fields.dropFirst()) where !value.isEmpty {
                if let why = meta.set(name, value) { return .failure(ManifestFormatError(line: lineNo, why)) }
            }
            out[path] = meta
        }
        return .success(out)
    }
}

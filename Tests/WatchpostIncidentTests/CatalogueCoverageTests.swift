// Every finding code and every timeline event kind has its Vietnamese and English text in the
// catalogue, and every catalogue key the sources name exists. Adding a finding code, a timeline
// kind or a `Message("…")` without its text makes these tests fail.
import Foundation
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostLED
import WatchpostPower
import WatchpostNetwork
import WatchpostContent
import WatchpostPlayer
import WatchpostProbes

struct CatalogueCoverageTests {
    /// Finding codes by module, with the key prefix their primary text lives under.
    static let findingCodes: [(prefix: String, codes: [String])] = [
        ("finding.led.", LEDFindingCode.all),
        ("finding.power.", UPSFindingCode.all),
        ("finding.network.", NetworkFindingCode.all),
        ("finding.", ContentFindingCode.all.sorted()),  // codes already read "content.…"
        ("finding.", FreshnessFindingCode.all.sorted()),
        ("finding.", PlayerFindingCode.all.sorted()),   // codes already read "player.…"
        ("finding.schedule.", [OperatingHoursJudge.litOutsideHoursCode]),
        ("finding.", StorageFindingCode.all),
    ]

    @Test func everyFindingCodeHasBothLanguages() {
        var missing: [String] = []
        for (prefix, codes) in Self.findingCodes {
            #expect(!codes.isEmpty, "no codes listed under \(prefix)")
            for code in codes {
                let key = MessageKey(prefix + code)
                guard let e = Catalogue.entry(key) else { missing.append("\(key) (code \(code))"); continue }
                if e.vi.trimmingWhitespace().isEmpty || e.en.trimmingWhitespace().isEmpty { missing.append("\(key) lacks a language") }
            }
        }
        #expect(missing.isEmpty, "finding codes without a catalogue text: \(missing)")
    }

    /// The code lists' enums by name, with their key prefix (the table above, by enum).
    static let prefixOfCodeEnum: [String: String] = [
        "LEDFindingCode": "finding.led.", "UPSFindingCode": "finding.power.", "NetworkFindingCode": "finding.network.",
        "ContentFindingCode": "finding.", "FreshnessFindingCode": "finding.", "PlayerFindingCode": "finding.", "StorageFindingCode": "finding.",
    ]

    /// Every code constant a `…FindingCode` enum declares (`static let name = "code"`), read from
    /// the source: a constant left out of the enum's `all` list is still found.
    static func declaredFindingCodes(in text: String) throws -> [(codeEnum: String, code: String)] {
        var out: [(String, String)] = []
        var current: String? = nil
        let opening = try NSRegularExpression(pattern: #"^public enum ([A-Za-z]+FindingCode)\b"#)
        let constant = try NSRegularExpression(pattern: #"^\s+(?:public )?static let ([A-Za-z0-9]+) = "([^"]+)""#)
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw), ns = line as NSString, range = NSRange(location: 0, length: ns.length)
            if let m = opening.firstMatch(in: line, range: range) { current = ns.substring(with: m.range(at: 1)); continue }
            if line.hasPrefix("}") { current = nil; continue }
            if let e = current, let m = constant.firstMatch(in: line, range: range) { out.append((e, ns.substring(with: m.range(at: 2)))) }
        }
        return out
    }

    /// Codes declared in `text` whose catalogue entry is missing, or whose enum the table lacks.
    static func codesWithoutText(in text: String, path: String) throws -> [String] {
        try declaredFindingCodes(in: text).compactMap { d in
            guard let prefix = prefixOfCodeEnum[d.codeEnum] else { return "\(d.codeEnum) (\(path)): a code list the catalogue test does not know" }
            return Catalogue.entry(MessageKey(prefix + d.code)) == nil ? "\(prefix + d.code) (\(d.codeEnum), \(path))" : nil
        }
    }

    /// Derived from the probes' code constants, not from the `all` lists (a code left out of
    /// `all` was never checked).
    @Test func everyDeclaredFindingCodeHasACatalogueText() async throws {
        try await onOwnThread { try everyDeclaredFindingCodeHasACatalogueTextOnOwnThread() }
    }

    /// The body of `everyDeclaredFindingCodeHasACatalogueText`, run on a thread of its own (WatchpostTestSupport/OwnThread.swift).
    func everyDeclaredFindingCodeHasACatalogueTextOnOwnThread() throws {
        var missing: [String] = []
        var declared = 0
        for (path, text) in try Self.sources() {
            declared += try Self.declaredFindingCodes(in: text).count
            missing += try Self.codesWithoutText(in: text, path: path)
        }
        Self.expectCovered(found: declared, atLeast: 61, "finding code constants", missing: missing, "finding codes declared without a catalogue text")
    }

    /// A scan of the sources found at least `atLeast` of `what` (it read something) and none of
    /// them is `missing` its text.
    static func expectCovered(found: Int, atLeast: Int, _ what: String, missing: [String], _ problem: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(found >= atLeast, "found only \(found) \(what)", sourceLocation: sourceLocation)
        #expect(missing.isEmpty, "\(problem): \(missing)", sourceLocation: sourceLocation)
    }

    /// The scan fails on a planted code: a constant outside `all` without a text, and a new list.
    @Test func theCodeScanCatchesACodeLeftOutOfTheList() throws {
        let planted = """
        public enum LEDFindingCode {
            public static let cardsMissing = "cards-missing"
            public static let plantedWithoutText = "planted-without-text"
            public static let all = [cardsMissing]
        }
        public enum RadioFindingCode {
            public static let silent = "silent"
        }
        """
        let found = try Self.codesWithoutText(in: planted, path: "Planted.swift")
        #expect(found.count == 2 && found[0].hasPrefix("finding.led.planted-without-text") && found[1].hasPrefix("RadioFindingCode"), "\(found)")
    }

    /// Every code passed to `Finding(` that names a string constant, wherever it is declared (an
    /// enum that is not a `…FindingCode`, a judge's own `litOutsideHoursCode`): the constant's
    /// value must have a catalogue text `finding.….<code>` (review s5 defect 6a: a code declared
    /// outside the enums was found only through the hand-made list above).
    static func findingCodesPassedWithoutText(in files: [(path: String, text: String)]) throws -> (checked: Int, missing: [String]) {
        var constants: [String: [String]] = [:]
        let constant = try NSRegularExpression(pattern: #"static let ([A-Za-z0-9_]+) = "([^"]+)""#)
        for (_, text) in files {
            let ns = text as NSString
            for m in constant.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                constants[ns.substring(with: m.range(at: 1)), default: []].append(ns.substring(with: m.range(at: 2)))
            }
        }
        let findingKeys = Catalogue.allEntries.map(\.key.rawValue).filter { $0.hasPrefix("finding.") }
        func hasText(_ code: String) -> Bool { findingKeys.contains { $0 == "finding." + code || $0.hasSuffix("." + code) } }
        var checked = 0
        var missing: [String] = []
        for (path, text) in files {
            for name in try matches(#"Finding\([^()]*?code: (?:[A-Za-z_]+\.)*([A-Za-z0-9_]+)"#, in: text) {
                guard let values = constants[name] else { continue }  // a variable (`code`): its list is checked above
                checked += 1
                if !values.contains(where: hasText) { missing.append("\(name) = \(values) (\(path))") }
            }
        }
        return (checked, missing)
    }

    @Test func everyCodePassedToAFindingHasACatalogueText() throws {
        let (checked, missing) = try Self.findingCodesPassedWithoutText(in: try Self.sources())
        Self.expectCovered(found: checked, atLeast: 41, "findings naming a code constant", missing: missing, "finding codes passed to Finding( without a catalogue text")
    }

    /// The reviewer's plant: a code declared in a judge, outside any `…FindingCode` enum.
    @Test func theFindingScanCatchesACodeDeclaredOutsideTheEnums() throws {
        let planted = """
        public enum OperatingHoursJudge {
            public static let litOutsideHoursCode = "screen-lit-outside-hours"
            public static let dimOutsideHoursCode = "screen-dim-outside-hours"
        }
        findings.append(Finding(.warning, code: litOutsideHoursCode, Message("finding.schedule.screen-lit-outside-hours")))
        findings.append(Finding(.warning, code: Self.dimOutsideHoursCode, Message("finding.schedule.screen-dim-outside-hours")))
        """
        let (checked, missing) = try Self.findingCodesPassedWithoutText(in: [("Planted.swift", planted)])
        #expect(checked == 2 && missing.count == 1 && missing[0].hasPrefix("dimOutsideHoursCode"), "\(missing)")
    }

    @Test func everyTimelineKindHasBothLanguages() {
        var missing: [String] = []
        for kind in TimelineEvent.kinds {
            let key = MessageKey("timeline.kind." + kind)
            guard let e = Catalogue.entry(key) else { missing.append(key.rawValue); continue }
            if e.vi.trimmingWhitespace().isEmpty || e.en.trimmingWhitespace().isEmpty { missing.append("\(key) lacks a language") }
        }
        #expect(missing.isEmpty, "timeline kinds without a title: \(missing)")
    }

    // MARK: Source scans: what the code writes is what the lists above hold.

    static let root = TestPaths.packageRoot

    static func sources() throws -> [(path: String, text: String)] {
        let base = root + "/Sources"
        guard let walker = FileManager.default.enumerator(atPath: base) else { throw CocoaError(.fileReadNoSuchFile) }
        var out: [(String, String)] = []
        while let rel = walker.nextObject() as? String {
            guard rel.hasSuffix(".swift") else { continue }
            out.append((rel, try String(contentsOfFile: base + "/" + rel, encoding: .utf8)))
        }
        return out
    }

    static func matches(_ pattern: String, in text: String) throws -> [String] {
        let re = try NSRegularExpression(pattern: pattern)
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
    }

    @Test func everyTimelineKindWrittenIsListed() throws {
        var unlisted: [String] = []
        let files = try Self.sources()
        #expect(files.count > 50, "found only \(files.count) source files under \(Self.root)/Sources")
        for (path, text) in files {
            let kinds = try Self.matches(#"event\("([a-z-]+)""#, in: text) + Self.matches(#"TimelineEvent\([^;]*?kind: "([a-z-]+)""#, in: text)
            for k in kinds where !TimelineEvent.kinds.contains(k) { unlisted.append("\(k) (\(path))") }
        }
        #expect(unlisted.isEmpty, "timeline kinds written but not in TimelineEvent.kinds: \(unlisted)")
    }

    @Test func findingsNameTheirCodesThroughTheCodeLists() throws {
        var literal: [String] = []
        for (path, text) in try Self.sources() {
            for code in try Self.matches(#"Finding\([^()]*code: "([^"]*)""#, in: text) { literal.append("\(code) (\(path))") }
        }
        #expect(literal.isEmpty, "findings with a literal code (add it to the module's code list): \(literal)")
    }

    @Test func everyKeyTheSourcesNameExists() throws {
        var missing: [String] = []
        var seen = 0
        for (path, text) in try Self.sources() where !path.hasPrefix("WatchpostCore/Messages/Catalogue") {
            // A literal ending in "." is a prefix completed at run time ("status." + …): skipped.
            for key in try Self.matches(#"Message(?:Key)?\("([a-z0-9_.-]+)""#, in: text) where !key.hasSuffix(".") {
                seen += 1
                if !Catalogue.contains(MessageKey(key)) { missing.append("\(key) (\(path))") }
            }
        }
        #expect(seen > 100, "only \(seen) keys found in the sources")
        #expect(missing.isEmpty, "keys used in the code but absent from the catalogue: \(missing)")
    }

    /// A Vietnamese rendering never falls back to a bracketed key or leaves a `{parameter}`.
    @Test func findingsRenderCompletelyInVietnamese() {
        let r = MessageRenderer(language: .vi)
        for e in Catalogue.allEntries where e.key.rawValue.hasPrefix("finding.") {
            var params: [String: MessageValue] = [:]
            for p in Catalogue.parameterNames(in: e.vi) { params[p] = "x" }
            let text = r.render(Message(e.key, params))
            #expect(!text.contains("{") && !text.hasPrefix("["), "\(e.key) → \(text)")
        }
    }

    // MARK: Web pages: every text a person reads is a catalogue key (issue 15).

    /// Vietnamese letters with their marks (a, e, o, u, i, y with a tone or a hat, and đ).
    static let vietnameseLetters = Set("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
        + "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ")

    /// The lines of the web module's pages that carry page text themselves instead of a catalogue
    /// key: any Vietnamese letter outside a comment, or an inline "Tiếng Việt / English" pair
    /// ("Ghi / Save" has no marked letter). Error messages for the administrator
    /// (`WatchpostError`) are English by the project's rule and are not page text.
    static func literalPageText(in text: String, path: String) throws -> [String] {
        let pair = try NSRegularExpression(pattern: #"\p{L}{2,}[.:)]? / \p{L}{2,}"#)
        var found: [String] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(raw)
            if line.trimmingWhitespace().hasPrefix("//") { continue }
            if let r = line.range(of: " // ") { line = String(line[..<r.lowerBound]) }
            let ns = line as NSString
            let hasPair = !line.contains("WatchpostError(") && pair.firstMatch(in: line, range: NSRange(location: 0, length: ns.length)) != nil
            if line.contains(where: { vietnameseLetters.contains($0) }) || hasPair {
                found.append("\(path):\(n + 1): \(line.trimmingWhitespace().prefix(120))")
            }
        }
        return found
    }

    @Test func webPagesTakeTheirTextFromTheCatalogue() throws {
        let pages = try Self.sources().filter { $0.path.hasPrefix("WatchpostWeb/") }
        #expect(pages.count > 15, "found only \(pages.count) files under Sources/WatchpostWeb")
        var literal: [String] = []
        for (path, text) in pages { literal += try Self.literalPageText(in: text, path: path) }
        #expect(literal.isEmpty, "page text written in the page instead of Catalogue+WebPages.swift (use PageText): \(literal)")
    }

    /// The scan finds what it is for: a Vietnamese label, an unmarked "vi / en" pair; and passes a
    /// key, a comment and an administrator's error.
    @Test func theLiteralScanCatchesPageText() throws {
        let page = """
        // Trang trạng thái: a comment in Vietnamese is fine.
        body += "<h2>\\(PageText.heading("web.h.checks"))</h2>"
        body += "<p class=\\"card\\">Chưa có kết quả.</p>"
        body += registerForm(submit: "Ghi / Save")
        throw WatchpostError(.configuration, "check [web] tls_certificate / tls_key")
        let x = 1 // Tây Trang 7.2.1
        """
        let found = try Self.literalPageText(in: page, path: "Probe.swift")
        #expect(found.count == 2 && found[0].hasPrefix("Probe.swift:3:") && found[1].hasPrefix("Probe.swift:4:"), "\(found)")
    }

    /// Brand and format names that read the same in both languages.
    static let sameInBothLanguages: Set<String> = ["Watchpost", "CSV", "PDF", "HTML", "API", "JSON"]

    /// Lines of the web module that put an English word between tags themselves (`<th>Since</th>`)
    /// instead of a catalogue key; command examples inside `<code>` are not page text.
    static func literalEnglishPageText(in text: String, path: String) throws -> [String] {
        let between = try NSRegularExpression(pattern: #">([^<>"\\{}();=]*[A-Za-z]{2,}[^<>"\\{}();=]*)<"#)
        var found: [String] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(raw)
            if line.trimmingWhitespace().hasPrefix("//") || line.contains("Result<") { continue }
            if let r = line.range(of: " // ") { line = String(line[..<r.lowerBound]) }
            let ns = line as NSString
            for m in between.matches(in: line, range: NSRange(location: 0, length: ns.length)) {
                let words = ns.substring(with: m.range(at: 1)).trimmingWhitespace()
                if sameInBothLanguages.contains(words) { continue }
                let before = ns.substring(to: m.range.location)
                if let tag = before.range(of: "<", options: .backwards), before[tag.lowerBound...].hasPrefix("<code") { continue }
                found.append("\(path):\(n + 1): \(words)")
            }
        }
        return found
    }

    @Test func webPagesWriteNoEnglishWordsOutsideTheCatalogue() throws {
        var literal: [String] = []
        for (path, text) in try Self.sources() where path.hasPrefix("WatchpostWeb/") { literal += try Self.literalEnglishPageText(in: text, path: path) }
        #expect(literal.isEmpty, "English page text written in the page instead of Catalogue+WebPages.swift: \(literal)")
    }

    @Test func theEnglishScanCatchesAPlantedHeading() throws {
        let page = """
        body += "<tr><th>Since</th><th>\\(PageText.html("web.t.since"))</th></tr>"
        body += "<a href=\\"/x?format=csv\\">CSV</a> <code>watchpost report --period 2026-11</code>"
        func f() -> Result<Int, Never> { .success(1) }
        """
        let found = try Self.literalEnglishPageText(in: page, path: "Planted.swift")
        expectEqual(found, ["Planted.swift:1: Since"], "\(found)")
    }

    @Test func everyPageTextKeyExists() throws {
        var missing: [String] = []
        var seen = 0
        for (path, text) in try Self.sources() where path.hasPrefix("WatchpostWeb/") {
            for key in try Self.matches(#"PageText\.(?:vi|en|text|html|head|heading)\("([a-z0-9_.-]+)""#, in: text) {
                seen += 1
                if !Catalogue.contains(MessageKey(key)) { missing.append("\(key) (\(path))") }
            }
        }
        #expect(seen > 150, "only \(seen) page-text keys found")
        #expect(missing.isEmpty, "page-text keys absent from the catalogue: \(missing)")
    }

    /// Every `watchpost` command has its one-line summary in both languages (main.swift prints it).
    @Test func everyCommandHasASummaryInTheCatalogue() throws {
        var names: [String] = []
        for (path, text) in try Self.sources() where path.hasPrefix("watchpost/") {
            names += try Self.matches(#"name: "([a-z ]+)", summary:"#, in: text)
            names += try Self.matches(#"register(?:Command|List)\("([a-z ]+)""#, in: text)
            names += try Self.matches(#"(?m)^    \("([a-z]+)", ""#, in: text)
        }
        #expect(names.count > 50, "found only \(names.count) commands: \(names)")
        let missing = names.filter { !Catalogue.contains(MessageKey("cli.summary." + $0.replacing(" ", with: "_"))) }
        #expect(missing.isEmpty, "commands without a summary in Catalogue+CLIHelp.swift: \(missing)")
    }
}

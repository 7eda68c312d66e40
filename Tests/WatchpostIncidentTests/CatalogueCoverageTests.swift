// Every finding code and every timeline event kind has its Vietnamese and English text in the
// catalogue, and every catalogue key the sources name exists. Adding a finding code, a timeline
// kind or a `Message("…")` without its text makes these tests fail.
import Foundation
import Testing
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
                guard let e = Catalogue.entries[key] else { missing.append("\(key) (code \(code))"); continue }
                if e.vi.trimmingWhitespace().isEmpty || e.en.trimmingWhitespace().isEmpty { missing.append("\(key) lacks a language") }
            }
        }
        #expect(missing.isEmpty, "finding codes without a catalogue text: \(missing)")
    }

    @Test func everyTimelineKindHasBothLanguages() {
        var missing: [String] = []
        for kind in TimelineEvent.kinds {
            let key = MessageKey("timeline.kind." + kind)
            guard let e = Catalogue.entries[key] else { missing.append(key.rawValue); continue }
            if e.vi.trimmingWhitespace().isEmpty || e.en.trimmingWhitespace().isEmpty { missing.append("\(key) lacks a language") }
        }
        #expect(missing.isEmpty, "timeline kinds without a title: \(missing)")
    }

    // MARK: Source scans: what the code writes is what the lists above hold.

    static let root = String(#filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/"))

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
}

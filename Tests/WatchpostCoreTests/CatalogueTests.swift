import Foundation
import Testing
import WatchpostTestSupport
@testable import WatchpostCore

/// The catalogue is complete: every key has both languages, is defined once, and both
/// languages use the same parameters. Finding codes and timeline kinds are checked against it
/// in `CatalogueCoverageTests`.
struct CatalogueTests {
    @Test func everyKeyHasVietnameseAndEnglish() {
        var missing: [String] = []
        for e in Catalogue.allEntries {
            if e.vi.trimmingWhitespace().isEmpty { missing.append("\(e.key) lacks Vietnamese") }
            if e.en.trimmingWhitespace().isEmpty { missing.append("\(e.key) lacks English") }
        }
        #expect(missing.isEmpty, "\(missing)")
        #expect(Catalogue.allEntries.count >= 10)
    }

    @Test func noKeyIsDefinedTwice() {
        var seen: [MessageKey: String] = [:]
        var dupes: [String] = []
        for (area, entries) in Catalogue.tables {
            for e in entries {
                if let first = seen[e.key] { dupes.append("\(e.key) in \(first) and \(area)") } else { seen[e.key] = area }
            }
        }
        #expect(dupes.isEmpty, "\(dupes)")
    }

    /// The lookup keeps a key's first entry (a key defined twice is refused above, but the lookup
    /// must not depend on that) and finds every entry of every table.
    @Test func theLookupKeepsTheFirstEntryAndFindsEveryKey() {
        let index = Catalogue.index([
            ("a", [.init("k.one", vi: "một", en: "one"), .init("k.two", vi: "hai", en: "two")]),
            ("b", [.init("k.one", vi: "MỘT", en: "ONE"), .init("k.three", vi: "ba", en: "three")]),
        ])
        expectEqual(index.count, 3)
        #expect(index["k.one"]?.vi == "một" && index["k.two"]?.en == "two" && index["k.three"]?.vi == "ba")
        var firsts: [MessageKey: Catalogue.Entry] = [:]
        for e in Catalogue.allEntries where firsts[e.key] == nil { firsts[e.key] = e }
        var wrong: [String] = []
        for (key, first) in firsts where Catalogue.entry(key) != first { wrong.append(key.rawValue) }
        #expect(wrong.isEmpty, "\(wrong)")
        #expect(Catalogue.entry("finding.network.no-such-key") == nil && Catalogue.entry("nodot") == nil && !Catalogue.contains("network"))
    }

    /// The lookup builds only the tables a key's prefix names (one summary line must not build
    /// all ~1 400 keys), so every entry must sit on a table that declares its first segment or its
    /// first two segments; otherwise it could never be found.
    @Test func everyKeyIsOnATableItsPrefixNames() {
        var stray: [String] = []
        for shelf in Catalogue.shelves {
            for e in shelf.entries() {
                let parts = e.key.rawValue.split(separator: ".", omittingEmptySubsequences: false)
                let one = String(parts[0]), two = parts.count > 1 ? one + "." + parts[1] : one
                if !shelf.prefixes.contains(one) && !shelf.prefixes.contains(two) {
                    stray.append("\(e.key) in \(shelf.area): add \"\(one)\" or \"\(two)\" to its prefixes in Catalogue.shelves")
                }
            }
        }
        #expect(stray.isEmpty, "\(stray)")
        expectEqual(Catalogue.shelves.count, Catalogue.routes.values.reduce(into: Set<Int>()) { $0.formUnion($1) }.count)
    }

    @Test func bothLanguagesUseTheSameParameters() {
        var bad: [String] = []
        for e in Catalogue.allEntries {
            let vi = Set(Catalogue.parameterNames(in: e.vi)), en = Set(Catalogue.parameterNames(in: e.en))
            if vi != en { bad.append("\(e.key): vi \(vi.sorted()) en \(en.sorted())") }
        }
        #expect(bad.isEmpty, "\(bad)")
    }

    @Test func keysAreDottedLowerCase() {
        let bad = Catalogue.allEntries.map(\.key.rawValue).filter { k in
            k.isEmpty || k.hasPrefix(".") || k.hasSuffix(".") || !k.contains(".")
                || !k.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "." || $0 == "_" || $0 == "-" }
        }
        #expect(bad.isEmpty, "\(bad)")
    }

    /// "bạn" is the register of friends, not of letters between state bodies (docs/glossary.md).
    @Test func vietnameseTextsKeepTheRegister() {
        let bad = Catalogue.allEntries.filter { e in
            let words = e.vi.lowercased().split(whereSeparator: { !$0.isLetter })
            // A request is "Đề nghị …", never "Hãy …" or "Vui lòng …" (docs/glossary.md; #15 review s6).
            return words.contains("bạn") || words.contains("hãy") || e.vi.lowercased().contains("vui lòng")
        }.map(\.key.rawValue)
        #expect(bad.isEmpty, "\(bad)")
    }

    /// Words docs/glossary.md lists under "Không dùng": an escalation is "chuyển lên cấp", never
    /// "leo thang" or "vượt cấp"; a resolution is "khắc phục", never "đóng thủ công" (review s5, 7).
    @Test func vietnameseTextsAvoidTheGlossaryRejects() {
        let rejected = ["leo thang", "vượt cấp", "đóng thủ công"]
        let bad = Catalogue.allEntries.filter { e in rejected.contains { e.vi.lowercased().contains($0) } }.map { "\($0.key): \($0.vi)" }
        #expect(bad.isEmpty, "\(bad)")
    }

    @Test func rendersParametersPerLanguage() {
        let m = Message("detail.technical", ["detail": "curl 7: Failed to connect"])
        expectEqual(Catalogue.render(m, .vi), "Chi tiết kỹ thuật: curl 7: Failed to connect")
        expectEqual(Catalogue.render(m, language: .en), "Technical detail: curl 7: Failed to connect")
        expectEqual(Catalogue.render(CheckStatus.critical.message, .vi), "Nghiêm trọng")
        expectEqual(Catalogue.render(IncidentCategory.security.shortMessage, .vi), "an ninh thông tin")
        expectEqual(Catalogue.bilingual(CheckStatus.warning.message), "Cảnh báo / Warning")
    }

    @Test func unknownKeysAndMissingParametersStayVisible() {
        expectEqual(Catalogue.render(Message("no.such.key"), .vi), "[no.such.key]")
        expectEqual(Catalogue.render(Message("detail.technical"), .en), "Technical detail: {detail}")
        // Parameter text is not re-scanned.
        let m = Message("detail.technical", ["detail": "{detail} {x"])
        expectEqual(Catalogue.render(m, .en), "Technical detail: {detail} {x")
    }

    @Test func typedParametersFollowTheLanguage() throws {
        let r = MessageRenderer(language: .vi)
        let e = MessageRenderer(language: .en)
        expectEqual(r.format(.number(4.4, digits: 1)), "4,4")
        expectEqual(e.format(.number(4.4, digits: 1)), "4.4")
        expectEqual(r.format(.duration(Seconds(milliseconds: 59_544))), "59 giây")
        expectEqual(e.format(.duration(.seconds(3900))), "1 hour 5 minutes")
        let t = try #require(Instant.parse("2026-12-01T15:50:12+07:00")) + Seconds(milliseconds: 161)
        expectEqual(r.format(.instant(t)), "15 giờ 50 phút, ngày 01/12/2026")
        expectEqual(e.format(.instant(t)), "15:50 on 01/12/2026")
        expectEqual(r.format(.tableTime(t)), "01/12/2026 15:50")
        expectEqual(r.format(.list([CheckStatus.ok.message, CheckStatus.critical.message])), "Bình thường; Nghiêm trọng")
        expectEqual(r.format(.bilingual(vi: "Tây Trang", en: "Tay Trang")), "Tây Trang")
    }

    @Test func messagesRoundTripThroughCodable() throws {
        let m = Message("detail.technical", ["detail": .message(CheckStatus.ok.message), "n": .number(1.5, digits: 1),
                                             "d": .duration(.seconds(5)), "t": .instant(Instant(seconds: 1))])
        #expect(m.description.hasPrefix("detail.technical d="))
        let data = try JSONEncoder().encode(m)
        try expectEqual(JSONDecoder().decode(Message.self, from: data), m)
        #expect(String(decoding: data, as: UTF8.self).contains("\"key\":\"detail.technical\""))
        // Text and whole numbers are plain JSON values (results with many findings stay small).
        let plain = try JSONEncoder().encode(Message("k", ["a": "x", "b": 3]))
        #expect(String(decoding: plain, as: UTF8.self).contains("\"a\":\"x\""))
        #expect(String(decoding: plain, as: UTF8.self).contains("\"b\":3"))
        try expectEqual(JSONDecoder().decode(Message.self, from: plain), Message("k", ["a": "x", "b": 3]))
    }

    /// The store writes messages with Core's own JSON coder (no Foundation in the product).
    @Test func everyParameterKindRoundTripsThroughJSONCoding() throws {
        let m = Message("k", ["t": "x", "i": 3, "b": .bilingual(vi: "Tây Trang", en: "Tay Trang"), "n": .number(4.4, digits: 1),
                              "d": .duration(.seconds(65)), "at": .instant(Instant(seconds: 1_700_000_000)), "tt": .tableTime(Instant(seconds: 5)),
                              "day": .date(CivilDate(year: 2026, month: 12, day: 1)), "m": .message(CheckStatus.ok.message),
                              "l": .list([CheckStatus.ok.message, Message("x", ["y": "z"])]), "r": .range(4.5...5.5, digits: 1),
                              "open": .range(-Double.infinity...70, digits: 0)])
        let text = try JSONCoding.string(m)
        try expectEqual(JSONCoding.decode(Message.self, from: text), m, "\(text)")
        // A NaN reading is kept as the dash it renders as, not lost with the whole result.
        let nan = try JSONCoding.string(Message("k", ["v": .number(.nan, digits: 1)]))
        try expectEqual(Catalogue.render(JSONCoding.decode(Message.self, from: nan), .vi), "[k]")
        try expectEqual(JSONCoding.decode(Message.self, from: nan).params["v"], .text("—"))
    }

    @Test func parameterNamesAreFound() {
        expectEqual(Catalogue.parameterNames(in: "{a} of {b_c} {a} {not a name} {}"), ["a", "b_c"])
    }
}

struct HumanFormatTests {
    let hcm = ZoneOffset.hoChiMinh

    @Test func dateTimeInTheSiteZone() throws {
        let t = try #require(Instant.parse("2026-12-01T08:50:12Z"))  // 15:50 in Hà Nội
        expectEqual(HumanFormat.dateTime(t, .vi, zone: hcm), "15 giờ 50 phút, ngày 01/12/2026")
        expectEqual(HumanFormat.dateTime(t, .en, zone: hcm), "15:50 on 01/12/2026")
        expectEqual(HumanFormat.tableTime(t, zone: hcm), "01/12/2026 15:50")
        expectEqual(HumanFormat.tableTime(t, zone: .utc), "01/12/2026 08:50")
        // Crossing midnight into the next local day.
        let late = try #require(Instant.parse("2026-12-31T17:05:00Z"))
        expectEqual(HumanFormat.dateTime(late, .vi, zone: hcm), "0 giờ 05 phút, ngày 01/01/2027")
        expectEqual(HumanFormat.clock(late, zone: hcm), "00:05")
        expectEqual(HumanFormat.date(CivilDate(year: 2026, month: 3, day: 9)), "09/03/2026")
    }

    @Test func durationsInWordsWithoutMilliseconds() {
        expectEqual(HumanFormat.duration(Seconds(milliseconds: 59_544), .vi), "59 giây")
        expectEqual(HumanFormat.duration(Seconds(milliseconds: 5_339), .vi), "5 giây")
        expectEqual(HumanFormat.duration(.seconds(3900), .vi), "1 giờ 5 phút")
        expectEqual(HumanFormat.duration(.seconds(2 * 86_400 + 3 * 3600 + 59), .vi), "2 ngày 3 giờ")
        expectEqual(HumanFormat.duration(.seconds(90), .vi), "1 phút 30 giây")
        expectEqual(HumanFormat.duration(.seconds(3605), .vi), "1 giờ")
        expectEqual(HumanFormat.duration(.zero, .vi), "0 giây")
        expectEqual(HumanFormat.duration(Seconds(milliseconds: 250), .vi), "dưới 1 giây")
        expectEqual(HumanFormat.duration(.seconds(-60), .vi), "1 phút")
        #expect(HumanFormat.duration(Seconds(milliseconds: .min), .vi).contains("ngày"))
        expectEqual(HumanFormat.duration(.seconds(1), .en), "1 second")
        expectEqual(HumanFormat.duration(.seconds(2 * 86_400 + 3600), .en), "2 days 1 hour")
        expectEqual(HumanFormat.duration(Seconds(milliseconds: 1), .en), "under 1 second")
        for ms in [Int64(1), 999, 1000, 59_999, 3_599_999, 86_399_999, 9_000_000_000] {
            for lang in Language.allCases {
                let s = HumanFormat.duration(Seconds(milliseconds: ms), lang)
                #expect(!s.contains("ms") && !s.contains("."), "\(ms) → \(s)")
            }
        }
    }

    @Test func decimalCommaInVietnamesePointForMachines() throws {
        expectEqual(HumanFormat.number(4.4, digits: 1, .vi), "4,4")
        expectEqual(HumanFormat.number(4.4, digits: 1, .en), "4.4")
        expectEqual(HumanFormat.number(230, digits: 0, .vi), "230")
        expectEqual(HumanFormat.number(1234.56, digits: 1, .vi), "1.234,6")
        expectEqual(HumanFormat.number(1234567.5, digits: 2, .en), "1,234,567.50")
        expectEqual(HumanFormat.number(-0.04, digits: 1, .vi), "0,0")
        expectEqual(HumanFormat.number(-2.25, digits: 1, .vi), "-2,3")
        expectEqual(HumanFormat.number(.nan, digits: 1, .vi), "—")
        expectEqual(HumanFormat.number(.infinity, digits: 1, .en), "—")
        expectEqual(HumanFormat.number(1e300, digits: 1, .en), "—")
        expectEqual(HumanFormat.number(0.5, digits: 99, .en), "0.500000")
        expectEqual(HumanFormat.percent(99.95, .vi), "99,95%")
        expectEqual(MachineFormat.decimal(4.4, digits: 1), "4.4")
        expectEqual(MachineFormat.decimal(1234.5, digits: 2), "1234.50")
        expectEqual(MachineFormat.decimal(.nan, digits: 2), "")
        let t = try #require(Instant.parse("2026-12-01T08:50:12Z")) + Seconds(milliseconds: 161)
        expectEqual(MachineFormat.timestamp(t), "2026-12-01T15:50:12+07:00")
    }
}

import Testing
import WatchpostTestSupport
import FoundationEssentials
@testable import WatchpostCore

/// Watchpost's JSON (no Foundation in the product) must write exactly what Foundation's
/// JSONEncoder writes with sorted keys, and read back what either wrote.
@Suite("JSON without Foundation")
struct JSONCodingTests {
    enum Kind: Codable, Hashable { case plain, tagged(code: Int, label: String), empty }
    struct Sample: Codable, Hashable {
        var text: String
        var number: Double
        var small: Float
        var count: Int
        var big: UInt64
        var negative: Int64
        var flag: Bool
        var missing: String?
        var present: Int?
        var list: [Int]
        var nested: [[String]]
        var byName: [String: Double]
        var byNumber: [Int: String]
        var kinds: [Kind]
        var httpURLValue: Int
        var camelCaseName: String
        var emptyObject: [String: Int]
        var emptyList: [String]
    }

    static let samples: [Sample] = [
        Sample(text: "Mất kết nối bộ điều khiển LED / path a/b \"q\" \\ \n\t\r\u{08}\u{0C}\u{01}\u{1F}\u{7F} 💥", number: 0.1, small: 0.1, count: -42,
               big: UInt64.max, negative: Int64.min, flag: true, missing: nil, present: 7, list: [1, 2, 3], nested: [[], ["x"]],
               byName: ["ups.status": 1, "p1.c10": 2.5, "p1.c2": -0.0, "Z": 1e21, "a_b": 1e-7, "é": 123456789.125],
               byNumber: [10: "ten", 2: "two"], kinds: [.plain, .tagged(code: 3, label: "x/y"), .empty], httpURLValue: 1, camelCaseName: "c",
               emptyObject: [:], emptyList: []),
        Sample(text: "", number: 100, small: 1e10, count: 0, big: 0, negative: 0, flag: false, missing: "here", present: nil, list: [],
               nested: [], byName: [:], byNumber: [:], kinds: [], httpURLValue: 0, camelCaseName: "", emptyObject: ["k": 1], emptyList: ["v"]),
    ]

    static func foundation<T: Encodable>(_ v: T, _ formatting: JSONEncoder.OutputFormatting, snake: Bool = false) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = formatting.union(.sortedKeys)
        if snake { e.keyEncodingStrategy = .convertToSnakeCase }
        return String(decoding: try e.encode(v), as: UTF8.self)
    }

    @Test(arguments: [0, 1])
    func sameBytesAsFoundation(sample: Int) throws {
        let v = Self.samples[sample]
        try expectEqual(JSONCoding.string(v), Self.foundation(v, []))
        try expectEqual(JSONCoding.string(v, options: [.pretty]), Self.foundation(v, [.prettyPrinted]))
        try expectEqual(JSONCoding.string(v, options: [.unescapedSlashes]), Self.foundation(v, [.withoutEscapingSlashes]))
        try expectEqual(JSONCoding.string(v, options: [.snakeCaseKeys, .unescapedSlashes]), Self.foundation(v, [.withoutEscapingSlashes], snake: true))
        try expectEqual(JSONCoding.string(v, options: [.snakeCaseKeys, .pretty]), Self.foundation(v, [.prettyPrinted], snake: true))
    }

    @Test(arguments: [0, 1])
    func readsBackWhatEitherWrote(sample: Int) throws {
        let v = Self.samples[sample]
        try expectEqual(JSONCoding.decode(Sample.self, from: JSONCoding.encode(v)), v)
        try expectEqual(JSONCoding.decode(Sample.self, from: Self.foundation(v, [.prettyPrinted])), v)
        let ours = try JSONCoding.encode(v)
        try expectEqual(JSONDecoder().decode(Sample.self, from: Data(ours)), v)
    }

    @Test func checkResultsAsTheStoreKeepsThem() throws {
        let r = CheckResult.from(findings: [Finding(.critical, code: "commbad", Message("finding.power.commbad"), detail: "Q1 reply is short; bytes (28): 28 32"),
                                            Finding(.warning, code: "temperature", Message("finding.led.temperature", ["value": .number(75, digits: 1), "band": .range(-20...70, digits: 1)]),
                                                    securityRelevant: true)],
                                 ok: Message("check.ok"), measurements: [Measurement("on_battery", 12.5, unit: "s"), Measurement("cards_online", 40)],
                                 facts: ["ups.status": "OB DISCHRG", "watchpost.comm": "COMMOK"], startedAt: Instant(milliseconds: 1_780_000_000_123),
                                 duration: Seconds(milliseconds: 1234))
        try expectEqual(JSONCoding.string(r), Self.foundation(r, []))
        try expectEqual(JSONCoding.string(r, options: [.pretty]), Self.foundation(r, [.prettyPrinted]))
        try expectEqual(JSONCoding.decode(CheckResult.self, from: Self.foundation(r, [])), r)
        let m = Message("finding.led.cards_missing", ["missing": .int(2), "total": .int(40), "cards": .text("port 1 card 39")])
        try expectEqual(JSONCoding.string(m), Self.foundation(m, []))
        try expectEqual(JSONCoding.decode(Message.self, from: JSONCoding.encode(m)), m)
    }

    /// What `watchpost probe net --json` prints for 100 targets (bench/network): 501 measurements,
    /// facts and findings, byte for byte as Foundation writes it, pretty and compact.
    @Test func aProbeNetResultAsFoundation() throws {
        var measurements = [Measurement("targets_answering", 99)]
        var facts = ["socket": "datagram", "failed_hop": "127.0.0.100"]
        for i in 1...100 {
            let t = "127.0.0.\(i)"
            measurements.append(Measurement("loss[\(t)]", i == 100 ? 100 : 0, unit: "%"))
            if i < 100 {
                measurements += [Measurement("rtt_min[\(t)]", 0.021 + Double(i) / 1000, unit: "ms"), Measurement("rtt_avg[\(t)]", 0.0456789 * Double(i), unit: "ms"),
                                 Measurement("rtt_max[\(t)]", 1.5, unit: "ms"), Measurement("rtt_mdev[\(t)]", 0.001234567, unit: "ms")]
            }
            if i % 10 == 0 { facts["address[host-\(i)]"] = t }
        }
        let r = CheckResult.from(findings: [Finding(.critical, code: "unreachable", Message("finding.network.unreachable", ["target": .text("127.0.0.100")]), detail: "no route")],
                                 ok: Message("network.ok.all", ["total": .int(100)]), measurements: measurements, facts: facts,
                                 startedAt: Instant(milliseconds: 1_780_000_000_123), duration: Seconds(milliseconds: 3012))
        try expectEqual(JSONCoding.string(r, options: [.pretty]), Self.foundation(r, [.prettyPrinted]))
        try expectEqual(JSONCoding.string(r), Self.foundation(r, []))
        try expectEqual(JSONCoding.decode(CheckResult.self, from: JSONCoding.encode(r, options: [.pretty])), r)
    }

    /// The direct writer of CheckResult, Finding, Measurement and Message (CheckResult+JSON.swift)
    /// writes what Foundation writes and what the generic tree writes, for every kind of message
    /// parameter, empty and filled parts, escapes and every option; not finite is refused.
    @Test func theDirectWriterAsFoundationForEveryShape() throws {
        let every: [String: MessageValue] = [
            "text": .text("a/b \"q\"\n"), "int": .int(-3), "number": .number(4.25, digits: 1), "nan": .number(.nan, digits: 1),
            "bilingual": .bilingual(vi: "Tây Trang", en: "Tay Trang"), "duration": .duration(Seconds(milliseconds: 3_723_000)),
            "instant": .instant(Instant(milliseconds: 1)), "tableTime": .tableTime(Instant(milliseconds: -1)), "date": .date(CivilDate(year: 2026, month: 12, day: 2)),
            "message": .message(Message("check.ok")), "list": .list([Message("check.ok"), Message("check.ok", ["x": .int(1)])]),
            "range": .range(4.5...5.5, digits: 1), "open": .range(-.infinity...70, digits: 0), "": .text(""), "Ä": .int(0),
        ]
        let results = [
            CheckResult(status: .unknown, text: Message("check.ok", every), detail: "d/e", startedAt: Instant(milliseconds: -5)),
            CheckResult.from(findings: [Finding(.warning, code: "c/1", Message("check.ok", every), detail: "\u{1}\t", securityRelevant: true),
                                        Finding(.ok, code: "", Message("check.ok"))],
                             ok: Message("check.ok"), measurements: [Measurement("m", -0.0), Measurement("é/ü", 1e21, unit: "°C"), Measurement("x", 0.1, unit: "\"")],
                             facts: ["b": "2", "a": "1/\\", "Ä": "u", "": "", "a b": "\u{7F}💥"], startedAt: Instant(milliseconds: 1_780_000_000_001),
                             duration: Seconds(milliseconds: 12)),
        ]
        let options: [(JSONWriteOptions, JSONEncoder.OutputFormatting)] = [([], []), ([.pretty], [.prettyPrinted]), ([.unescapedSlashes], [.withoutEscapingSlashes]),
                                                                           ([.pretty, .unescapedSlashes], [.prettyPrinted, .withoutEscapingSlashes])]
        for r in results {
            for (ours, theirs) in options {
                let direct = try JSONCoding.string(r, options: ours)
                expectEqual(direct, (try Self.foundation(r, theirs)), "\(ours.rawValue)")
                expectEqual(direct, String(decoding: try JSONCoding.encodeWithTree(r, options: ours), as: UTF8.self), "\(ours.rawValue)")
            }
            try expectEqual(JSONCoding.string(r, options: [.snakeCaseKeys]), (try Self.foundation(r, [], snake: true)))
        }
        // Each part on its own, through its own direct writer.
        let finding = try #require(results[1].findings.first)
        try expectEqual(JSONCoding.string(finding, options: [.pretty]), (try Self.foundation(finding, [.prettyPrinted])))
        try expectEqual(JSONCoding.string(results[1].measurements), (try Self.foundation(results[1].measurements, [])))
        try expectEqual(JSONCoding.string(Message("check.ok", every), options: [.pretty]), (try Self.foundation(Message("check.ok", every), [.prettyPrinted])))
        // A measurement that is not finite is refused, as Foundation refuses it.
        let nan = CheckResult(status: .ok, text: Message("check.ok"), measurements: [Measurement("m", .infinity)], startedAt: Instant(milliseconds: 0))
        #expect(throws: JSONCodingError.self) { _ = try JSONCoding.encode(nan) }
        #expect(throws: (any Error).self) { _ = try Self.foundation(nan, []) }
    }

    /// A key set twice in one container keeps its last value, as in Foundation's dictionary.
    @Test func aKeySetTwiceKeepsTheLastValue() throws {
        struct Twice: Encodable {
            enum K: String, CodingKey { case b, a, c }
            func encode(to e: any Encoder) throws {
                var c = e.container(keyedBy: K.self)
                try c.encode(1, forKey: .a)
                try c.encode("x", forKey: .b)
                try c.encode([1, 2], forKey: .a)
                var nested = c.nestedContainer(keyedBy: K.self, forKey: .c)
                try nested.encode(true, forKey: .c)
                try c.encode(3, forKey: .a)
            }
        }
        try expectEqual(JSONCoding.string(Twice()), Self.foundation(Twice(), []))
        try expectEqual(JSONCoding.string(Twice()), #"{"a":3,"b":"x","c":{"c":true}}"#)
        try expectEqual(JSONCoding.string(Twice(), options: [.pretty]), Self.foundation(Twice(), [.prettyPrinted]))
    }

    /// The coding path a value sees: its keys from the top (array positions are not keys here).
    @Test func theCodingPathNamesTheKeysFromTheTop() throws {
        final class Seen: @unchecked Sendable { var paths: [[String]] = [] }  // one thread: the test's own
        struct Recorder: Encodable {
            let seen: Seen
            func encode(to e: any Encoder) throws {
                seen.paths.append(e.codingPath.map(\.stringValue))
                var c = e.singleValueContainer()
                try c.encode(1)
            }
        }
        struct Outer: Encodable {
            let seen: Seen
            enum K: String, CodingKey { case inner, list }
            func encode(to e: any Encoder) throws {
                var c = e.container(keyedBy: K.self)
                var nested = c.nestedContainer(keyedBy: K.self, forKey: .inner)
                try nested.encode(Recorder(seen: seen), forKey: .inner)
                try c.encode([Recorder(seen: seen)], forKey: .list)
            }
        }
        let seen = Seen()
        try expectEqual(JSONCoding.string(Outer(seen: seen)), #"{"inner":{"inner":1},"list":[1]}"#)
        expectEqual(seen.paths, [["inner", "inner"], ["list"]])
    }

    @Test func snakeCaseAsFoundation() throws {
        for key in ["someValue", "HTTPServer", "x2Y", "_lead", "trail_", "aBCd", "already_Snake", "URL", "iOS12Device", "a", "ab", "aB", "ABC", "checkID", "siteNameEnglish"] {
            struct One: Encodable { let key: String; func encode(to e: any Encoder) throws { var c = e.container(keyedBy: JSONIndexKey.self); try c.encode(1, forKey: JSONIndexKey(stringValue: key)) } }
            try expectEqual(JSONCoding.string(One(key: key), options: [.snakeCaseKeys]), Self.foundation(One(key: key), [], snake: true), "\(key)")
        }
    }

    @Test func badInputIsAnErrorNeverACrash() throws {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "\"\\x\"", "\"\\ud800\"", "01x", "[1] 2", "nul", "{\"a\":}", "\"a\u{01}\"",
                    String(repeating: "[", count: 10_000)] {
            #expect(throws: JSONCodingError.self, "\(bad.prefix(20))") { _ = try JSONCoding.parse(Array(bad.utf8)) }
        }
        #expect(throws: JSONCodingError.self) { _ = try JSONCoding.decode(Sample.self, from: "{\"text\": 1}") }
        #expect(throws: JSONCodingError.self) { _ = try JSONCoding.encode([Double.infinity]) }
        try expectEqual(JSONCoding.parse(Array(" {\"a\" : [1, -2.5e3, true, null, \"\\u00e9\\ud83d\\udca5\"]} ".utf8)), .object(["a": .array([.number("1"), .number("-2.5e3"), .bool(true), .null, .string("é💥")])]))
    }
}

// An LED wall in a fault storm: many receiving cards report the same fault at once and more
// join poll after poll. The LED evaluation gives one finding per kind listing the cards, with
// the same code every time, so the engine keeps ONE incident whose summary follows the list.
import Testing
import WatchpostTestSupport
import WatchpostCore
@testable import WatchpostLED

@Suite("LED wall fault storm: one incident listing the cards")
struct StormRollupTests {
    typealias F = Fixture

    /// A 40-card wall on one port; `hot` cards read `temperature` °C (the rest 40 °C).
    static func wall(hot: Range<Int>, temperature: Double = 78, missing: Set<Int> = []) -> ControllerStatus {
        let cards = (0..<40).map { i -> CardStatus in
            var c = CardStatus(port: 0, index: i, configured: true, online: !missing.contains(i))
            c.brightnessRaw = 0xC0
            c.brightnessPercent = 75.3
            c.kill = false
            c.lock = false
            c.testPattern = 0
            c.monitoring = MonitoringBlock(temperature: hot.contains(i) ? temperature + Double(i % 3) : 40, humidity: 50, voltage: 5.0)
            return c
        }
        return ControllerStatus(endpoint: "sim", modelId: 0x620C, model: "VX1000", modelKnown: true, firmware: "1.0.0.0", inputSignal: true,
                                inputSelection: "manual", inputSelectionCode: 0x5A, currentInputCode: 0x58, currentInput: "DVI", redundancyRaw: nil, maxPacket: nil,
                                ports: [PortStatus(port: 0, configuredCards: 40, onlineCards: 40 - missing.count)], cards: cards)
    }

    static func result(_ s: ControllerStatus, at t: Instant) -> CheckResult {
        let settings = NovaStarSettings(endpoint: .tcp(host: "sim", port: 5200), layout: ControllerLayout(cardsPerPort: [40]))
        let e = NovaStarEvaluator.evaluate(s, settings: settings, scheduledOn: true, inMaintenance: false, baseline: nil, commanded: .init())
        return CheckResult.from(findings: e.findings, ok: .untranslated("LED wall healthy"), measurements: e.measurements, facts: e.facts, startedAt: t)
    }

    @Test func oneFindingPerKindListsTheCards() {
        let r = Self.result(Self.wall(hot: 0..<30), at: F.local("2026-11-25T08:00"))
        expectEqual(r.findings.map(\.code), ["temperature"])
        let message = r.findings[0].message
        #expect(message.hasPrefix("Temperature outside -20.0 to 70.0 °C on 30 of 40 receiving cards: port 1 card 1 (78.0 °C); port 1 card 2 (79.0 °C)"))
        #expect(message.hasSuffix("… and 18 more"))
        let vietnamese = Catalogue.render(r.findings[0].text, .vi)
        #expect(vietnamese.hasPrefix("Nhiệt độ ngoài mức cho phép (từ -20,0 đến 70,0 °C) trên 30/40 card nhận: cổng 1, card 1 (78,0 °C)"), "\(vietnamese)")
        #expect(vietnamese.hasSuffix("… và 18 card khác"), "\(vietnamese)")
        // The fact lists all 30, in Vietnamese then English ("cổng 1, card 1; … / port 1 card 1; …").
        let listed = r.facts["cards.temperature"]?.components(separatedBy: " / ") ?? []
        expectEqual(listed.map { $0.split(separator: ";").count }, [30, 30])
        expectEqual(listed.first?.hasPrefix("cổng 1, card 1; cổng 1, card 2;"), true, "\(listed)")
        // One card keeps its own wording.
        let one = Self.result(Self.wall(hot: 4..<5), at: F.local("2026-11-25T08:00"))
        expectEqual(one.findings.map(\.message), ["port 1 card 5: temperature 79.0 °C outside the allowed -20.0 to 70.0 °C"])
    }

    @Test func stormIsOneIncidentWhoseListIsUpdated() throws {
        var engine = IncidentEngine(settings: try F.settings([F.screen()]))
        let key = F.key("screen")
        var t = F.local("2026-11-25T08:00")
        let first = engine.handle(Self.result(Self.wall(hot: 0..<3), at: t), for: key)
        #expect(first.incidents.count == 1 && first.notifications.count > 0)
        let id = try #require(engine.openIncidents.first?.id)
        // The storm grows poll after poll, 3 → 39 cards: the same incident, its list updated,
        // and no message per card or per change of the list.
        for hot in stride(from: 7, through: 39, by: 4) {
            t = t + .seconds(30)
            let out = engine.handle(Self.result(Self.wall(hot: 0..<hot), at: t), for: key)
            #expect(out.notifications.isEmpty, "\(hot) cards: \(out.notifications.map(\.key))")
            let open = engine.openIncidents
            expectEqual(open.map(\.id), [id], "one incident for the wall, not one per card")
            expectEqual(open.first?.summary.contains("on \(hot) of 40 receiving cards"), true, "\(open.first?.summary ?? "")")
            expectEqual(open.first?.findingCodes, ["temperature"])
        }
        // Two cards drop off the wall: still the same incident, now critical, both kinds listed.
        t = t + .seconds(30)
        _ = engine.handle(Self.result(Self.wall(hot: 0..<38, missing: [38, 39]), at: t), for: key)
        let inc = try #require(engine.openIncidents.first)
        #expect(engine.openIncidents.count == 1 && inc.id == id)
        expectEqual(inc.severity, .critical)
        expectEqual(inc.summary, "2 of 40 receiving cards missing: port 1 card 39; port 1 card 40", "\(inc.summary)")
        expectEqual(Set(inc.findingCodes), ["cards-missing", "temperature"])
    }
}

// A check marked `explained_by_power` folds into the power incident only for what a loss of
// mains explains (the screen dark, the controller gone). Before, any failure of the LED
// controller during mains loss folded — a cabinet smoke (Tây Trang 7.2.2: the Border Guard
// Command answers for fire safety) or an open door (7.2.3, security) reached nobody but the
// power incident's timeline; an unplugged receiving card in the demo did the same.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig

@Suite struct PowerFoldTests {
    typealias F = Fixture

    static func ups() -> CheckSpec {
        CheckSpec(key: F.key("ups"), name: "UPS", kind: "ups", failAfter: 1, recoverAfter: 1, isPowerSource: true)
    }
    static func controller() -> CheckSpec {
        var s = F.screen()
        s.explainedByPower = true
        return s
    }
    static func onBattery(at t: Instant) -> CheckResult {
        CheckResult.from(findings: [Finding(.critical, code: "onbatt", untranslated: "mất điện lưới / on battery")], ok: .untranslated(""), startedAt: t)
    }
    static func finding(_ code: String, security: Bool = false, at t: Instant) -> CheckResult {
        CheckResult.from(findings: [Finding(.critical, code: code, untranslated: "\(code) / \(code)", securityRelevant: security)],
                         ok: .untranslated(""), startedAt: t)
    }

    @Test func smokeDuringMainsLossIsAnIncidentOfItsOwn() throws {
        var engine = IncidentEngine(settings: try F.settings([Self.ups(), Self.controller()]))
        let t = F.local("2026-11-24T09:00")
        _ = engine.handle(Self.onBattery(at: t), for: F.key("ups"))
        let smoke = engine.handle(Self.finding("smoke", at: t + .seconds(30)), for: F.key("screen"))
        let inc = try #require(engine.openIncident(for: F.key("screen")), "smoke folded into the power incident: \(engine.openIncidents.map(\.folded))")
        expectEqual(inc.findingCodes, ["smoke"])
        // The bodies responsible for fire safety (7.2.2) are told.
        #expect(smoke.notifications.contains { $0.checkID == "screen" && F.operators.contains($0.recipient.address) }, "\(smoke.notifications.map(\.key))")
        expectEqual(engine.openIncident(for: F.key("ups"))?.folded, [])
    }

    @Test func aDarkScreenFoldsThenSmokeOnTheSameCheckIsNotLost() throws {
        var engine = IncidentEngine(settings: try F.settings([Self.ups(), Self.controller()]))
        let t = F.local("2026-11-24T09:00")
        _ = engine.handle(Self.onBattery(at: t), for: F.key("ups"))
        _ = engine.handle(F.dark(at: t + .seconds(10)), for: F.key("screen"))
        #expect(engine.openIncident(for: F.key("screen")) == nil)
        expectEqual(engine.openIncident(for: F.key("ups"))?.folded, ["screen"])
        // Still dark, and now smoke: no longer explained by the outage.
        let both = CheckResult.from(findings: [Finding(.critical, code: "screen-dark", untranslated: "tối / dark"),
                                               Finding(.critical, code: "smoke", untranslated: "khói / smoke")],
                                    ok: .untranslated(""), startedAt: t + .seconds(40))
        let out = engine.handle(both, for: F.key("screen"))
        let inc = try #require(engine.openIncident(for: F.key("screen")), "smoke on a folded check was lost")
        #expect(inc.findingCodes.contains("smoke"))
        #expect(out.notifications.contains { $0.checkID == "screen" }, "\(out.notifications.map(\.key))")
        expectEqual(engine.openIncident(for: F.key("ups"))?.folded, [])
        // Power back: the power incident resolves; the smoke incident stays open until the check is well.
        _ = engine.handle(F.result(.ok, at: t + .minutes(5)), for: F.key("ups"))
        #expect(engine.openIncident(for: F.key("ups")) == nil)
        #expect(engine.openIncident(for: F.key("screen")) != nil)
    }

    @Test func anOpenDoorDuringMainsLossReachesThePolice() throws {
        var engine = IncidentEngine(settings: try F.settings([Self.ups(), Self.controller()]))
        let t = F.local("2026-11-24T09:00")
        _ = engine.handle(Self.onBattery(at: t), for: F.key("ups"))
        let out = engine.handle(Self.finding("door-open", security: true, at: t + .seconds(30)), for: F.key("screen"))
        let inc = try #require(engine.openIncident(for: F.key("screen")))
        expectEqual(inc.category, .security)
        #expect(out.notifications.contains { F.police.contains($0.recipient.address) }, "\(out.notifications.map(\.key))")
    }

    @Test func whatAnOutageExplainsStillFolds() throws {
        var engine = IncidentEngine(settings: try F.settings([Self.ups(), Self.controller()]))
        let t = F.local("2026-11-24T09:00")
        _ = engine.handle(Self.onBattery(at: t), for: F.key("ups"))
        for (n, code) in ["screen-dark", "cards-missing", "unreachable"].enumerated() {
            let out = engine.handle(Self.finding(code, at: t + .seconds(Int64(10 * (n + 1)))), for: F.key("screen"))
            #expect(!out.notifications.contains { $0.checkID == "screen" }, "\(code): \(out.notifications.map(\.key))")
        }
        #expect(engine.openIncident(for: F.key("screen")) == nil)
        expectEqual(engine.openIncident(for: F.key("ups"))?.folded, ["screen"])
    }
}

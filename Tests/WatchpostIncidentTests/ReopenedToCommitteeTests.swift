// Issue 14 review s5, defect 5: the Committee, put in the picture by the Department's decision
// (Tây Trang 7.1.3), was told the incident was resolved ("đã khắc phục") and then nothing when it
// came back, though the reopened notice to the others listed the Committee as notified; and the
// reopened notice's subject did not say it was a reopening.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig

@Suite struct ReopenedToCommitteeTests {
    typealias F = Fixture

    @Test func everyoneToldOfTheResolutionHearsThatTheProblemIsBack() throws {
        let settings = try F.settings([F.content()])
        var engine = IncidentEngine(settings: settings)
        let t0 = F.local("2026-11-24T10:00")
        _ = engine.handle(F.unapproved(at: t0), for: F.key("content"))
        // The Department puts it to the Committee (as the daemon does: the incident changed, then loaded).
        var inc = try #require(engine.openIncident(for: F.key("content")))
        let level = try #require(settings.sites[0].escalation.decisionLevel)
        _ = try inc.escalateByDecision(to: level, by: "Nguyễn Văn An", organisation: "Sở TT&TT Điện Biên", via: "web",
                                       note: "Vượt thẩm quyền của Sở", at: t0 + .minutes(10))
        engine.load(incidents: [inc], maintenance: [], nextID: 2)
        let resolved = engine.handle(F.result(.ok, at: t0 + .minutes(20)), for: F.key("content"))
        #expect(Set(resolved.notifications.filter { $0.event == .resolved }.map(\.recipient.address)).isSuperset(of: F.level3))

        let back = engine.handle(F.unapproved(at: t0 + .minutes(40)), for: F.key("content"))
        expectEqual(back.incidents.map(\.id), [1])
        // Level 1 is asked to check and acknowledge, under a subject that says it is back.
        expectEqual(back.notifications.filter { $0.event == .reopened }.map(\.key), F.keys(1, "reopened", "r1.L1", F.level1))
        // The Committee (and everyone else told before and not at level 1) hears it for information.
        let informed = back.notifications.filter { $0.template == "reopened-informed" }
        #expect(Set(F.level3).isSubset(of: Set(informed.map(\.recipient.address))), "\(back.notifications.map(\.key))")
        // The Department, informed at once of a security incident, is told it is a reopening too
        // (review s6: it got the plain "(để biết)" notice just after "đã khắc phục").
        #expect(Set(F.level2).isSubset(of: Set(informed.map(\.recipient.address))), "\(back.notifications.map { "\($0.key) \($0.template)" })")
        #expect(Set(informed.map(\.recipient.address)).isDisjoint(with: Set(F.level1)))
        // Nobody is told twice in the step.
        let addresses = back.notifications.map(\.recipient.address)
        expectEqual(addresses.count, Set(addresses).count, "\(back.notifications.map(\.key))")

        let configuration = try F.configuration()
        for name in ["reopened", "reopened-informed"] {
            let text = try #require(configuration.templates[name]?.text, "alerts/templates/\(name).txt is missing")
            let subject = String(text.prefix { $0 != "\n" })
            #expect(subject.contains("tái diễn"), "\(name): \(subject)")
        }
        let committeeMail = try #require(informed.first { F.level3.contains($0.recipient.address) })
        expectEqual(committeeMail.fields["action"]?.contains("không cần tiếp nhận"), true, "\(committeeMail.fields["action"] ?? "")")
    }

    @Test func aReopeningHeldUntilOpeningHoursTellsNobodyElseAtNightAndIsReleasedAsAReopening() throws {
        // A technical CRITICAL (the network link) in hours, resolved, back after closing time:
        // held for the technicians at night; at the opening it reaches the chain as a
        // reopening ("tái diễn"), not as a new incident (review s6, defect 1).
        let link = CheckSpec(key: F.key("link"), name: "Đường truyền / Link", kind: "ping", failAfter: 1, recoverAfter: 1)
        var engine = IncidentEngine(settings: try F.settings([link]))
        let down = { (t: Instant) in F.result(.critical, "mất kết nối / link down", findings: [Finding(.critical, code: "loss", untranslated: "mất gói / loss")], at: t) }
        _ = engine.handle(down(F.local("2026-11-25T17:00")), for: F.key("link"))
        _ = engine.handle(F.result(.ok, at: F.local("2026-11-25T17:40")), for: F.key("link"))
        let night = engine.handle(down(F.local("2026-11-25T18:20")), for: F.key("link"))
        expectEqual(engine.openIncident(for: F.key("link"))?.hold, .outsideHours, "not held: \(night.notifications.map(\.key))")
        #expect(!night.notifications.contains { $0.template == "reopened-informed" }, "\(night.notifications.map(\.key))")
        #expect(Set(night.notifications.map(\.recipient.address)).isSubset(of: Set(F.technicians)), "\(night.notifications.map(\.key))")
        let opening = engine.tick(now: F.local("2026-11-26T07:30"))
        #expect(!opening.notifications.isEmpty, "nothing released at the opening")
        #expect(!opening.notifications.contains { $0.event == .triggered }, "\(opening.notifications.map(\.key))")
        #expect(opening.notifications.contains { $0.event == .reopened }, "\(opening.notifications.map(\.key))")
        for n in opening.notifications where n.event == .informed { expectEqual(n.template, "reopened-informed", "\(n.key) \(n.template)") }
    }
}

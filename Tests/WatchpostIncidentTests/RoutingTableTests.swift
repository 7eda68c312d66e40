// The routing table of both shipped profiles, cell by cell: every site × category × severity ×
// inside/outside operating hours, then every finding rule. What it asserts is what the two
// decisions say (see alerts/chains/*.conf for the articles).
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig

@Suite("Routing table")
struct RoutingTableTests {
    struct Addresses {
        var department: String
        var committee: String
        var police: [String]
        var operators: [String]
        var technicians: String
        /// Told of CRITICAL security only (Vũng Áng Art. 10), or nil.
        var urgentOnly: String?
        var power: String?
    }

    static let sites: [String: Addresses] = [
        "vung-ang": Addresses(department: "thongtindoingoai@stttt-hatinh.example.org", committee: "vanphong@ubnd-hatinh.example.org",
                              police: ["truc-ban@congan-hatinh.example.org", "truc-ban@congan-kyanh.example.org"],
                              operators: ["vanhanh@bqlkkt-hatinh.example.org"], technicians: "kythuat@vungang.example.org",
                              urgentOnly: "chi-huy@bdbp-hatinh.example.org", power: "dieudo@dienluc-hatinh.example.org"),
        "tay-trang": Addresses(department: "thongtindoingoai@stttt-dienbien.example.org", committee: "vanphong@ubnd-dienbien.example.org",
                               police: ["truc-ban@congan-dienbien.example.org"],
                               operators: ["truc-ban@bdbp-taytrang.example.org", "chi-huy@bdbp-dienbien.example.org"],
                               technicians: "kythuat@taytrang.example.org", urgentOnly: nil, power: nil),
    ]

    func policies() throws -> [(String, EscalationPolicy)] {
        let config = try Fixture.configuration()
        return try Self.sites.keys.sorted().map { id in (id, try #require(config.escalationPolicy(site: id))) }
    }

    @Test func everyCellOfBothProfiles() throws {
        var cells = 0
        for (site, policy) in try policies() {
            let a = try #require(Self.sites[site])
            for category in IncidentCategory.allCases {
                for severity in EscalationPolicy.severities {
                    for inHours in [true, false] {
                        cells += 1
                        let r = policy.route(category: category, severity: severity, inHours: inHours)
                        let cell = "\(site) \(category.rawValue).\(severity) \(inHours ? "in" : "out of") hours"
                        let informed = r.informedRecipients.map(\.address)
                        let first = r.steps.first?.recipients.map(\.address) ?? []
                        let everyTimerStep = r.steps.filter { !$0.byDecision }.flatMap(\.recipients).map(\.address)
                        // The Committee: never informed, never reached by a timer, only by decision.
                        #expect(!informed.contains(a.committee), "\(cell)")
                        #expect(!everyTimerStep.contains(a.committee), "\(cell)")
                        if !r.techniciansOnly {
                            let decision = try #require(r.steps.first { $0.byDecision }, "\(cell): no decision level")
                            expectEqual(decision.recipients.map(\.address), [a.committee], "\(cell)")
                            #expect(decision.afterTimeout == nil, "\(cell)")
                        }
                        // The Committee and admins never silence a chain.
                        #expect(!r.acknowledgedBy.contains(.committee) && !r.acknowledgedBy.contains(.admin), "\(cell)")
                        #expect(r.acknowledgedBy.contains(.operator) && r.acknowledgedBy.contains(.department), "\(cell)")
                        switch category {
                        case .security:
                            // Security: the Department at once (2432 Art. 8.1; 32/2018 7.2.3), police at level 1, never held.
                            #expect(informed.contains(a.department), "\(cell)")
                            #expect(!r.heldUntilOperatingHours && !r.techniciansOnly, "\(cell)")
                            for p in a.police + a.operators { #expect(first.contains(p), "\(cell): \(p) not at level 1") }
                            #expect(!first.contains(a.technicians), "\(cell)")
                            if let u = a.urgentOnly { expectEqual(informed.contains(u), (severity == .critical), "\(cell): border-guard command only in urgent cases") }
                            #expect(r.acknowledgedBy.contains(.security) && !r.acknowledgedBy.contains(.technician), "\(cell)")
                        case .technical:
                            // Technical: never the police; the Department informed of CRITICAL only: at once
                            // in hours, at the start of the next window when held outside them.
                            for p in a.police { #expect(!informed.contains(p) && !everyTimerStep.contains(p), "\(cell): police told of a technical incident") }
                            if let u = a.urgentOnly { #expect(!informed.contains(u), "\(cell)") }
                            expectEqual(informed.contains(a.department), (severity == .critical), "\(cell)")
                            if severity == .critical {
                                expectEqual(r.heldUntilOperatingHours, !inHours, "\(cell)")
                                if inHours { #expect(first.contains(a.technicians) && first.contains(a.operators[0]), "\(cell)") }
                            } else {
                                #expect(r.techniciansOnly && r.steps.isEmpty, "\(cell)")
                            }
                            #expect(r.technicians.map(\.address).contains(a.technicians), "\(cell)")
                            #expect(r.acknowledgedBy.contains(.technician) && !r.acknowledgedBy.contains(.security), "\(cell)")
                        }
                    }
                }
            }
        }
        expectEqual(cells, 2 * 2 * 3 * 2)
    }

    @Test func findingRules() throws {
        for (site, policy) in try policies() {
            let a = try #require(Self.sites[site])
            for inHours in [true, false] {
                // Smoke: CRITICAL, never held, fire safety told (Tây Trang 7.2.2; Vũng Áng 8.1).
                let smoke = policy.route(category: .technical, severity: .critical, inHours: inHours, findings: ["smoke"])
                #expect(!smoke.heldUntilOperatingHours, "\(site) smoke")
                expectEqual(policy.findingRule("smoke")?.severity, .critical)
                #expect(smoke.informedRecipients.map(\.address).contains(a.department), "\(site) smoke: the Department is told even out of hours")
                // Mains loss never waits; at Vũng Áng the power company is told (Art. 4.2).
                let mains = policy.route(category: .technical, severity: .warning, inHours: inHours, findings: ["onbatt"])
                #expect(!mains.heldUntilOperatingHours)
                if let p = a.power { #expect(mains.informedRecipients.map(\.address).contains(p), "\(site) mains") }
                // An expired manifest is the Department's own task, not the police's.
                let manifest = policy.route(category: policy.findingRule("content.manifest-expired")?.category ?? .security, severity: .critical,
                                            inHours: inHours, findings: ["content.manifest-expired"])
                expectEqual(manifest.category, .technical)
                #expect(manifest.informedRecipients.map(\.address).contains(a.department))
                for p in a.police { #expect(!manifest.steps.flatMap(\.recipients).map(\.address).contains(p)) }
            }
            expectEqual(policy.findingRule("door-open")?.category, .security, "\(site): an open cabinet door is a security matter")
        }
    }

    @Test func classifyRaisesSmokeAndMarksTheDoor() throws {
        let (_, policy) = try #require(try policies().first { $0.0 == "tay-trang" })
        let t = Fixture.local("2026-11-24T10:00")
        let r = CheckResult.from(findings: [Finding(.warning, code: "smoke", untranslated: "khói / smoke"), Finding(.warning, code: "door-open", untranslated: "cửa mở / door open")],
                                 ok: .untranslated(""), startedAt: t)
        let c = try #require(policy.classify(r))
        expectEqual(c.status, .critical)
        #expect(c.isSecurityRelevant)
        #expect(policy.classify(CheckResult.from(findings: [Finding(.warning, code: "temperature", untranslated: "nóng")], ok: .untranslated(""), startedAt: t)) == nil)
    }

    @Test func oneAcknowledgementPolicy() {
        expectEqual(IncidentPolicy.decide([.committee], .acknowledge, category: .security).allowed, false)
        #expect(IncidentPolicy.decide([.committee], .comment, category: .security).allowed)
        expectEqual(IncidentPolicy.decide([.security], .acknowledge, category: .technical).allowed, false)
        #expect(IncidentPolicy.decide([.operator, .security], .acknowledge, category: .technical).allowed)
        #expect(IncidentPolicy.decide([.department], .escalateToCommittee, category: .technical).allowed)
        expectEqual(IncidentPolicy.decide([.operator], .escalateToCommittee, category: .security).allowed, false)
        #expect(IncidentPolicy.decide([.technician], .respond, category: .security).allowed)
        expectEqual(IncidentPolicy.decide([], .comment, category: .security).allowed, false, "someone the contact book does not know may not act")
    }
}

/// One incident, one problem; a severity upgrade is announced as such.
@Suite struct IncidentSubjectTests {
    typealias F = Fixture

    @Test func severityUpgradeIsAnnouncedNotEscalated() throws {
        let ups = CheckSpec(key: F.key("ups"), name: "UPS", kind: "ups-hid", failAfter: 1, recoverAfter: 1, isPowerSource: true)
        var engine = IncidentEngine(settings: try F.settings([ups]))
        let t = F.local("2026-11-24T09:00")
        let warn = CheckResult.from(findings: [Finding(.warning, code: "onbatt", untranslated: "on battery, 80 %")], ok: .untranslated(""), startedAt: t)
        let opened = engine.handle(warn, for: F.key("ups"))
        // technical.warning: the technicians, and (mains loss, never held) the operating unit and
        // the Department informed at once (32/2018 7.2.2, 7.2.3).
        #expect(opened.notifications.map(\.key) == F.keys(1, "triggered", "r0.T", F.technicians)
                + F.keys(1, "informed", "r0.I", F.operators + F.level2))
        let low = CheckResult.from(findings: [Finding(.critical, code: "lowbatt", untranslated: "low battery, 20 %")], ok: .untranslated(""), startedAt: t + .seconds(5))
        let raised = engine.handle(low, for: F.key("ups"))
        // Everyone hears "mức độ tăng lên" — the technicians told before and the level the
        // CRITICAL enters at — never "not acknowledged in time, escalated".
        #expect(raised.notifications.allSatisfy { $0.event == .severityRaised })
        expectEqual(Set(raised.notifications.map(\.recipient.address)), Set(F.technicians + F.operators + F.level2))
        expectEqual(raised.notifications.first?.fields["action"]?.hasPrefix("Mức độ tăng lên"), true)
        #expect(!raised.timeline.contains { $0.kind == "escalated" })
        expectEqual(raised.incidents.first?.deadline, EscalationDeadline(at: t + .seconds(5) + .minutes(15), kind: .escalate, level: 2))
    }

    @Test func anotherFindingIsAnAddedLineAndTheResolutionNamesTheSubject() throws {
        var spec = F.screen()
        spec.followsSchedule = false
        var engine = IncidentEngine(settings: try F.settings([spec]))
        let t = F.local("2026-11-24T09:00")
        _ = engine.handle(F.dark(at: t), for: F.key("screen"))
        let hot = CheckResult.from(findings: [Finding(.critical, code: "screen-dark", untranslated: "màn hình tối / screen dark"),
                                              Finding(.warning, code: "temperature", untranslated: "nhiệt độ 80 °C / temperature 80 °C")], ok: .untranslated(""), startedAt: t + .minutes(1))
        let added = engine.handle(hot, for: F.key("screen"))
        #expect(added.timeline.contains { $0.kind == "finding-added" && $0.text.contains("temperature") })
        // The Vietnamese line reads the Vietnamese text of what was added (it read "code: English").
        let cards = CheckResult.from(findings: [Finding(.critical, code: "screen-dark", untranslated: "màn hình tối / screen dark"),
                                                Finding(.warning, code: "temperature", untranslated: "nhiệt độ 80 °C / temperature 80 °C"),
                                                Finding(.critical, code: "cards-missing", Message("finding.led.no-signal"))], ok: .untranslated(""), startedAt: t + .minutes(2))
        let step = engine.handle(cards, for: F.key("screen"))
        let more = try #require(step.timeline.first { $0.kind == "finding-added" }?.message)
        let vi = Catalogue.render(more, .vi), noSignal = Catalogue.render(Message("finding.led.no-signal"), .vi)
        #expect(vi.contains(noSignal) && !vi.contains("cards-missing:"), "\(vi)")
        // And the email's Vietnamese part says it in Vietnamese, the English part in English.
        let fields = try #require(step.notifications.first?.fields)
        #expect(fields["added"] == noSignal && fields["added_en"] == Catalogue.render(Message("finding.led.no-signal"), .en), "\(fields)")
        #expect(added.notifications.allSatisfy { $0.event == .findingAdded })
        expectEqual(added.notifications.first?.fields["added"]?.contains("temperature"), true)
        let inc = try #require(engine.openIncident(for: F.key("screen")))
        expectEqual(inc.subject, F.dark(at: t).summary)
        // The same finding again adds nothing.
        #expect(engine.handle(hot, for: F.key("screen")).notifications.isEmpty)
        let ok = engine.handle(CheckResult.from(findings: [], ok: .untranslated("lit"), startedAt: t + .minutes(2)), for: F.key("screen"))
        expectEqual(ok.notifications.first?.fields["resolved_what"], F.dark(at: t).summary)
    }

    @Test func measuredValueIsInTheFirstNoticeAndNeverTraps() throws {
        var engine = IncidentEngine(settings: try F.settings([F.content()]))
        let t = F.local("2026-11-24T09:00")
        var r = F.unapproved(at: t)
        r.measurements = [Measurement("files", 3), Measurement("size", 12.5, unit: "MB"), Measurement("bad", .nan), Measurement("huge", 1e300)]
        let out = engine.handle(r, for: F.key("content"))
        // The metric by its catalogue name, the decimal comma; a plugin's own name ("size") as written.
        expectEqual(out.notifications.first?.fields["value"]?.hasPrefix("số tệp 3, size 12,5 MB"), true, "\(out.notifications.first?.fields["value"] ?? "")")
        expectEqual(out.notifications.first?.fields["value_en"]?.hasPrefix("files 3, size 12.5 MB"), true)
    }
}

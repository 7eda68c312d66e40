// The routing table of both shipped profiles, cell by cell: every site × category × severity ×
// inside/outside operating hours, then every finding rule. What it asserts is what the two
// decisions say (see alerts/chains/*.conf for the articles).
import Testing
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
                            #expect(decision.recipients.map(\.address) == [a.committee], "\(cell)")
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
                            if let u = a.urgentOnly { #expect(informed.contains(u) == (severity == .critical), "\(cell): border-guard command only in urgent cases") }
                            #expect(r.acknowledgedBy.contains(.security) && !r.acknowledgedBy.contains(.technician), "\(cell)")
                        case .technical:
                            // Technical: never the police; the Department at once only for CRITICAL in hours.
                            for p in a.police { #expect(!informed.contains(p) && !everyTimerStep.contains(p), "\(cell): police told of a technical incident") }
                            if let u = a.urgentOnly { #expect(!informed.contains(u), "\(cell)") }
                            #expect(informed.contains(a.department) == (severity == .critical && inHours), "\(cell)")
                            if severity == .critical {
                                #expect(r.heldUntilOperatingHours == !inHours, "\(cell)")
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
        #expect(cells == 2 * 2 * 3 * 2)
    }

    @Test func findingRules() throws {
        for (site, policy) in try policies() {
            let a = try #require(Self.sites[site])
            for inHours in [true, false] {
                // Smoke: CRITICAL, never held, fire safety told (Tây Trang 7.2.2; Vũng Áng 8.1).
                let smoke = policy.route(category: .technical, severity: .critical, inHours: inHours, findings: ["smoke"])
                #expect(!smoke.heldUntilOperatingHours, "\(site) smoke")
                #expect(policy.findingRule("smoke")?.severity == .critical)
                #expect(smoke.informedRecipients.map(\.address).contains(a.department), "\(site) smoke: the Department is told even out of hours")
                // Mains loss never waits; at Vũng Áng the power company is told (Art. 4.2).
                let mains = policy.route(category: .technical, severity: .warning, inHours: inHours, findings: ["onbatt"])
                #expect(!mains.heldUntilOperatingHours)
                if let p = a.power { #expect(mains.informedRecipients.map(\.address).contains(p), "\(site) mains") }
                // An expired manifest is the Department's own task, not the police's.
                let manifest = policy.route(category: policy.findingRule("content.manifest-expired")?.category ?? .security, severity: .critical,
                                            inHours: inHours, findings: ["content.manifest-expired"])
                #expect(manifest.category == .technical)
                #expect(manifest.informedRecipients.map(\.address).contains(a.department))
                for p in a.police { #expect(!manifest.steps.flatMap(\.recipients).map(\.address).contains(p)) }
            }
            #expect(policy.findingRule("door-open")?.category == .security, "\(site): an open cabinet door is a security matter")
        }
    }

    @Test func classifyRaisesSmokeAndMarksTheDoor() throws {
        let (_, policy) = try #require(try policies().first { $0.0 == "tay-trang" })
        let t = Fixture.local("2026-11-24T10:00")
        let r = CheckResult.from(findings: [Finding(.warning, code: "smoke", "khói / smoke"), Finding(.warning, code: "door-open", "cửa mở / door open")],
                                 okSummary: "", startedAt: t)
        let c = try #require(policy.classify(r))
        #expect(c.status == .critical)
        #expect(c.isSecurityRelevant)
        #expect(policy.classify(CheckResult.from(findings: [Finding(.warning, code: "temperature", "nóng")], okSummary: "", startedAt: t)) == nil)
    }

    @Test func oneAcknowledgementPolicy() {
        #expect(IncidentPolicy.decide([.committee], .acknowledge, category: .security).allowed == false)
        #expect(IncidentPolicy.decide([.committee], .comment, category: .security).allowed)
        #expect(IncidentPolicy.decide([.security], .acknowledge, category: .technical).allowed == false)
        #expect(IncidentPolicy.decide([.operator, .security], .acknowledge, category: .technical).allowed)
        #expect(IncidentPolicy.decide([.department], .escalateToCommittee, category: .technical).allowed)
        #expect(IncidentPolicy.decide([.operator], .escalateToCommittee, category: .security).allowed == false)
        #expect(IncidentPolicy.decide([.technician], .respond, category: .security).allowed)
        #expect(IncidentPolicy.decide([], .comment, category: .security).allowed == false, "someone the contact book does not know may not act")
    }
}

// Freshness notices and an expired approval through the real incident engine with the shipped
// profiles, chains and contacts: who is told, and that the police never are. Vũng Áng Art. 4.3.a
// (content to the Department "trước ngày 05 hàng tháng", passed to the Management Board to post);
// Tây Trang 7.1.1, 7.2.1, 7.8.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
import WatchpostContent
import Crypto
import Posix

@Suite struct FreshnessRoutingTests {
    /// The engine with only `check` of `site` from the shipped configuration.
    func engine(site: String, check: String) throws -> (IncidentEngine, CheckKey, WatchpostConfiguration) {
        let config = try ConfigurationLoader.load(root: TestPaths.packageRoot)
        var settings = EngineSettings(configuration: config)
        var spec = try #require(settings.sites.first { $0.id == site })
        spec.checks = spec.checks.filter { $0.key.check == check }
        expectEqual(spec.checks.count, 1, "\(site)/\(check) missing from the shipped profile")
        settings = EngineSettings(sites: [spec])
        return (IncidentEngine(settings: settings), CheckKey(site: site, check: check), config)
    }

    /// Organisations of `site` with the security role (police, border guard, customs) that are not
    /// also its operators.
    func police(_ config: WatchpostConfiguration, site: String) -> Set<String> {
        Set(config.contacts.organisations(withRole: .security, site: site).map(\.id))
            .subtracting(config.contacts.organisations(withRole: .operator, site: site).map(\.id))
    }

    func told(_ out: EngineOutput) -> [String] { out.notifications.map(\.recipient.contactID) }

    /// Vũng Áng, 6 December, no manifest approved in December (the installed one is from 24
    /// November): the real freshness probe with its clock on the 6th, its rules from the shipped
    /// check, its result through the engine — one notice each to the Department and the
    /// Management Board, none to the police, and nothing more while it stays so.
    @Test func vungAngOnTheSixthWithoutANewManifest() async throws {
        let (e, key, config) = try engine(site: "vung-ang", check: "content-freshness")
        var engine = e
        let check = try #require(config.check("vung-ang/content-freshness"))
        let f = try ContentFixture()  // approved 2026-11-24, valid to 2026-12-31: not expiring on the 6th
        let probe = ContentFreshnessProbe(manifestPath: f.manifestPath, publicKeyPath: f.publicKeyPath,
                                          archive: ManifestArchive(folder: f.root + "/archive"), rules: FreshnessRules(section: check.parameters),
                                          zone: .hoChiMinh)
        // The 5th: still in time, nothing.
        let fifth = ManualClock(now: Instant.parse("2026-12-05T20:00:00+07:00")!)
        let inTime = await probe.run(ProbeContext(clock: fifth, deadline: fifth.now() + .seconds(30)))
        expectEqual(inTime.status, .ok)
        #expect(engine.handle(inTime, for: key).notifications.isEmpty)

        let clock = ManualClock(now: Instant.parse("2026-12-06T08:00:00+07:00")!)
        let late = await probe.run(ProbeContext(clock: clock, deadline: clock.now() + .seconds(30)))
        expectEqual(late.findings.map(\.code), [FreshnessFindingCode.monthlyManifestLate])
        let out = engine.handle(late, for: key)
        let inc = try #require(out.incidents.first)
        #expect(out.incidents.count == 1 && inc.category == .technical && inc.severity == .warning)
        let orgs = told(out)
        expectEqual(orgs.filter { $0 == "stttt-ha-tinh" }.count, 1, "the Department: \(orgs)")
        expectEqual(orgs.filter { $0 == "bqlkkt-ha-tinh" }.count, 1, "the Management Board: \(orgs)")
        expectEqual(Set(orgs).count, orgs.count, "someone told twice: \(orgs)")
        let p = police(config, site: "vung-ang")
        #expect(!p.isEmpty)
        #expect(Set(orgs).isDisjoint(with: p), "the police told of a freshness notice: \(orgs)")

        // Still late the next day and the day after: the same incident, nobody told again.
        for hours in [1, 24, 48] {
            clock.advance(to: Instant.parse("2026-12-06T08:00:00+07:00")! + .hours(Int64(hours)))
            let again = await probe.run(ProbeContext(clock: clock, deadline: clock.now() + .seconds(30)))
            var more = engine.handle(again, for: key)
            more.append(engine.tick(now: clock.now()))
            #expect(more.notifications.isEmpty, "after \(hours) h: \(told(more))")
        }
    }

    /// An expired approval with no replacement stays an incident (CRITICAL) of the content check,
    /// technical and routed to the Department at once — never to the police — at both sites.
    @Test func anExpiredManifestIsAnIncidentForTheDepartmentNotThePolice() throws {
        for (site, department) in [("vung-ang", "stttt-ha-tinh"), ("tay-trang", "stttt-dien-bien")] {
            let (e, key, config) = try engine(site: site, check: "content")
            var engine = e
            let expired = Manifest(approvedBy: "Sở", approvedAt: Instant.parse("2026-10-01T08:00:00+07:00")!,
                                   validFrom: Instant.parse("2026-10-01T00:00:00+07:00")!, validTo: Instant.parse("2026-11-30T23:59:59+07:00")!,
                                   keyID: "k", items: [])
            // Monday 7 December, 09:00: in operating hours at both sites.
            let now = Instant.parse("2026-12-07T09:00:00+07:00")!
            let findings = ContentJudge.findings(manifest: .verdict(.expired(expired)), scan: nil, manifestPath: "approved.manifest").findings
            expectEqual(findings.map(\.code), [ContentFindingCode.manifestExpired])
            #expect(findings.allSatisfy { !$0.securityRelevant && $0.status == .critical })
            let out = engine.handle(CheckResult.from(findings: findings, ok: Message("check.ok"), startedAt: now), for: key)
            let inc = try #require(out.incidents.first, "\(site): no incident")
            #expect(inc.category == .technical && inc.severity == .critical, "\(site)")
            let orgs = told(out)
            #expect(orgs.contains(department), "\(site): the Department not told: \(orgs)")
            #expect(Set(orgs).isDisjoint(with: police(config, site: site)), "\(site): the police told of an expired approval: \(orgs)")
            // Escalation keeps to the technical chain: still no police a day later.
            let later = engine.tick(now: now + .hours(24))
            #expect(Set(told(later)).isDisjoint(with: police(config, site: site)), "\(site): \(told(later))")
        }
    }

    /// Tây Trang 7.8: the month's programme from the newspaper or the radio-TV station missing is
    /// a technical notice to the Department and the Border Guard Command, not the police.
    @Test func tayTrangMissingProgrammeGoesToTheDepartmentAndTheOperator() throws {
        let (e, key, config) = try engine(site: "tay-trang", check: "content-freshness")
        var engine = e
        let check = try #require(config.check("tay-trang/content-freshness"))
        let now = Instant.parse("2026-12-26T09:00:00+07:00")!  // 7.8: the notice comes in the month's last 7 days
        let m = Manifest(approvedBy: "Sở", approvedAt: Instant.parse("2026-12-01T08:00:00+07:00")!, validFrom: Instant.parse("2026-12-01T00:00:00+07:00")!,
                         validTo: Instant.parse("2027-01-31T23:59:59+07:00")!, keyID: "k",
                         items: [ApprovedItem(path: "v/a.mp4", sha256: String(repeating: "a", count: 64), size: 1,
                                              metadata: ItemMetadata(source: "songoaivu-dien-bien", languages: ["vi"], month: "2026-12", kind: .programme))])
        let findings = FreshnessJudge.findings(current: m, archived: [], rules: FreshnessRules(section: check.parameters), now: now, zone: .hoChiMinh)
        expectEqual(findings.map(\.code), [FreshnessFindingCode.monthlyProgrammeMissing])
        let out = engine.handle(CheckResult.from(findings: findings, ok: Message("check.ok"), startedAt: now), for: key)
        let orgs = told(out)
        #expect(orgs.filter { $0 == "stttt-dien-bien" }.count == 1 && orgs.filter { $0 == "bchbdbp-dien-bien" }.count == 1, "\(orgs)")
        #expect(Set(orgs).isDisjoint(with: police(config, site: "tay-trang")), "\(orgs)")
    }
}

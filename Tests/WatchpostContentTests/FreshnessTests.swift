import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
import WatchpostContent
import WatchpostProbes
import Crypto
import Posix

@Suite struct FreshnessTests {
    let zone = ZoneOffset.hoChiMinh

    func manifest(approved: String, from: String = "2026-11-01T00:00:00+07:00", to: String = "2026-12-31T23:59:59+07:00",
                  items: [ApprovedItem] = []) -> Manifest {
        Manifest(approvedBy: "Sở", approvedAt: Instant.parse(approved)!, validFrom: Instant.parse(from)!, validTo: Instant.parse(to)!,
                 keyID: "k", items: items, sequence: 1)
    }

    @Test func warnsSevenDaysBeforeValidToAndNotBefore() {
        let m = manifest(approved: "2026-11-01T08:00:00+07:00", to: "2026-11-30T23:59:59+07:00")
        let rules = FreshnessRules()
        #expect(FreshnessJudge.findings(current: m, archived: [], rules: rules, now: Instant.parse("2026-11-23T23:00:00+07:00")!, zone: zone).isEmpty)
        let f = FreshnessJudge.findings(current: m, archived: [], rules: rules, now: Instant.parse("2026-11-24T09:00:00+07:00")!, zone: zone)
        expectEqual(f.map(\.code), [FreshnessFindingCode.expiring])
        #expect(f.first?.status == .warning && f.first?.securityRelevant == false)
        expectEqual(f.first.map { Catalogue.render($0.text, .vi) }?.contains("Sở Thông tin và Truyền thông cần ký danh mục mới"), true)
    }

    @Test func vungAngNeedsAManifestApprovedThisMonthByTheFifth() {
        let rules = FreshnessRules(monthlyDeadlineDay: 5)
        let november = manifest(approved: "2026-11-03T08:00:00+07:00", to: "2027-01-31T23:59:59+07:00")
        // 5 December: still in time.
        #expect(FreshnessJudge.findings(current: november, archived: [], rules: rules, now: Instant.parse("2026-12-05T20:00:00+07:00")!, zone: zone).isEmpty)
        // 6 December, no new manifest: one technical notice, not security-relevant.
        let late = FreshnessJudge.findings(current: november, archived: [], rules: rules, now: Instant.parse("2026-12-06T07:00:00+07:00")!, zone: zone)
        expectEqual(late.map(\.code), [FreshnessFindingCode.monthlyManifestLate])
        #expect(late.allSatisfy { !$0.securityRelevant && $0.status == .warning })
        expectEqual(late.first?.message.contains("4.3.a"), true)
        // A manifest approved on 4 December (installed, or in the archive) clears it.
        let december = manifest(approved: "2026-12-04T10:00:00+07:00", to: "2027-01-31T23:59:59+07:00")
        #expect(FreshnessJudge.findings(current: december, archived: [november], rules: rules, now: Instant.parse("2026-12-06T07:00:00+07:00")!, zone: zone).isEmpty)
        #expect(FreshnessJudge.findings(current: november, archived: [december], rules: rules, now: Instant.parse("2026-12-06T07:00:00+07:00")!, zone: zone).isEmpty)
    }

    @Test func tayTrangNeedsOneProgrammeAMonthFromTheNewspaperOrTheStation() {
        let rules = FreshnessRules(programmeSources: ["bao-dien-bien-phu", "dai-ptth-dien-bien"])
        // 7.8 asks for one in the month: the notice comes in its last 7 days (warn_before).
        let now = Instant.parse("2026-12-26T09:00:00+07:00")!
        func item(_ sha: Character, source: String, month: String, kind: ContentKind) -> ApprovedItem {
            ApprovedItem(path: "v/\(sha).mp4", sha256: String(repeating: sha, count: 64), size: 1,
                         metadata: ItemMetadata(source: source, languages: ["vi"], month: month, kind: kind))
        }
        let without = manifest(approved: "2026-12-01T08:00:00+07:00", to: "2027-01-31T23:59:59+07:00", items: [
            item("a", source: "dai-ptth-dien-bien", month: "2026-11", kind: .programme),   // last month's
            item("b", source: "songoaivu-dien-bien", month: "2026-12", kind: .programme),  // another source
            item("c", source: "bao-dien-bien-phu", month: "2026-12", kind: .clip),         // not a programme
        ])
        let f = FreshnessJudge.findings(current: without, archived: [], rules: rules, now: now, zone: zone)
        expectEqual(f.map(\.code), [FreshnessFindingCode.monthlyProgrammeMissing])
        #expect(f.first?.securityRelevant == false && f.first?.message.contains("7.8") == true)
        // Not at 00:05 on the 1st, nor on the 10th (review of #16, session 5: it fired on the 1st of every month).
        for early in ["2026-12-01T00:05:00+07:00", "2026-12-10T09:00:00+07:00", "2026-12-24T08:59:00+07:00"] {
            #expect(FreshnessJudge.findings(current: without, archived: [], rules: rules, now: Instant.parse(early)!, zone: zone).isEmpty, "\(early)")
        }
        let with = manifest(approved: "2026-12-01T08:00:00+07:00", to: "2027-01-31T23:59:59+07:00", items: without.items + [item("d", source: "bao-dien-bien-phu", month: "2026-12", kind: .programme)])
        #expect(FreshnessJudge.findings(current: with, archived: [], rules: rules, now: now, zone: zone).isEmpty)
    }

    @Test func shippedProfilesHaveTechnicalFreshnessChecksCitingTheirArticles() throws {
        let root = TestPaths.packageRoot
        let config = try ConfigurationLoader.load(root: root)
        let tt = try #require(config.check("tay-trang/content-freshness"))
        let va = try #require(config.check("vung-ang/content-freshness"))
        #expect(tt.category == .technical && va.category == .technical)
        expectEqual(tt.parameters.list("monthly_programme_sources"), ["bao-dien-bien-phu", "dai-ptth-dien-bien"])
        expectEqual(va.parameters.string("monthly_deadline_day"), "5")
        for id in ["bao-dien-bien-phu", "dai-ptth-dien-bien"] { #expect(config.contacts.organisations[id] != nil, "\(id) missing from contacts.conf") }
        let text = try FileSystem.readText(root + "/probes/vung-ang/checks.conf")
        #expect(text.contains("4.3.a"))
        #expect(try FileSystem.readText(root + "/probes/tay-trang/checks.conf").contains("7.8"))
    }

    /// The clock of the check set to the 6th with no new manifest: one WARNING from the real probe.
    @Test func probeOnTheSixthWithoutANewManifest() async throws {
        let f = try ContentFixture()  // manifest approved 2026-11-24, valid to 2026-12-31
        let probe = ContentFreshnessProbe(manifestPath: f.manifestPath, publicKeyPath: f.publicKeyPath,
                                          archive: ManifestArchive(folder: f.root + "/archive"), rules: FreshnessRules(monthlyDeadlineDay: 5), zone: zone)
        let clock = ManualClock(now: Instant.parse("2026-12-06T08:00:00+07:00")!)
        let r = await probe.run(ProbeContext(clock: clock, deadline: clock.now() + .seconds(30)))
        expectEqual(r.status, .warning)
        expectEqual(r.findings.map(\.code), [FreshnessFindingCode.monthlyManifestLate])
        #expect(!r.findings.contains { $0.securityRelevant })
    }

    /// Review of #16, session 5: on 02/12 with the manifest expired on 30/11 the check said "OK —
    /// valid until 30/11". The expiry is the content check's incident; this one says it expired.
    @Test func anExpiredManifestIsNeverCalledValid() async throws {
        let f = try ContentFixture()  // valid to 2026-12-31
        let probe = ContentFreshnessProbe(manifestPath: f.manifestPath, publicKeyPath: f.publicKeyPath,
                                          archive: ManifestArchive(folder: f.root + "/archive"), rules: FreshnessRules(), zone: zone)
        let clock = ManualClock(now: Instant.parse("2027-01-02T08:00:00+07:00")!)
        let r = await probe.run(ProbeContext(clock: clock, deadline: clock.now() + .seconds(30)))
        expectEqual(r.text.key, "content.freshness.ok.expired", "\(r.text)")
        #expect(Catalogue.render(r.text, .vi).contains("hết hiệu lực") && !Catalogue.render(r.text, .en).contains("valid until"))
        let valid = await probe.run(ProbeContext(clock: ManualClock(now: Instant.parse("2026-12-20T08:00:00+07:00")!), deadline: clock.now() + .seconds(30)))
        expectEqual(valid.text.key, "content.freshness.ok")
    }
}

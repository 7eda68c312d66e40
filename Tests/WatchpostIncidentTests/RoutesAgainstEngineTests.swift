// `watchpost routes` must print what the engine does (review of issue #14): every row of both
// shipped profiles — category × severity × in/out of hours, and each finding rule at each
// severity its probe reports it with — is played through the real incident engine, and who the
// engine told at once, at the entry level, after the first timeout and by the window's start is
// compared with the routing table and with the text the binary prints for that row. Also the
// review's defects: mains loss reached neither the operating unit nor the Department; a comment
// was mailed back to the Committee that wrote it; notices said "Sở … (Sở …)"; an unknown
// template placeholder must fail `watchpost check` naming file:line.
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostProbes
import WatchpostTestSupport
import Posix

@Suite("Routes against the engine", .serialized)
struct RoutesAgainstEngineTests {
    static let config: WatchpostConfiguration? = try? ConfigurationLoader.load(root: TestPaths.packageRoot)

    /// One engine for a site with a single check, at a time in or out of the site's hours.
    struct Play {
        var engine: IncidentEngine
        var key: CheckKey
        var at: Instant
    }

    func play(site: SiteProfile, findings: [Finding], inHours: Bool) throws -> (Play, EngineOutput) {
        let config = try #require(Self.config)
        var settings = EngineSettings(configuration: config)
        let i = try #require(settings.sites.firstIndex { $0.id == site.id })
        let key = CheckKey(site: site.id, check: "probe")
        settings.sites[i].checks = [CheckSpec(key: key, name: "Hạng mục / Check", kind: "exec", failAfter: 1, recoverAfter: 1)]
        settings.sites[i].maintenance = []
        settings.sites[i].responders = []
        var engine = IncidentEngine(settings: EngineSettings(sites: [settings.sites[i]]))
        let at = try #require(Self.instant(site: site, inHours: inHours), "\(site.id): no instant \(inHours ? "in" : "out of") hours")
        let out = engine.handle(CheckResult.from(findings: findings, ok: .untranslated("OK"), startedAt: at), for: key)
        return (Play(engine: engine, key: key, at: at), out)
    }

    /// A Tuesday in November 2026 at 10:00 (in hours), or at 02:00 (out of hours), local time.
    static func instant(site: SiteProfile, inHours: Bool) -> Instant? {
        for day in 24...30 {
            for hour in (inHours ? [10, 14, 9, 15] : [2, 3, 23, 1]) {
                guard let t = Instant.parse("2026-11-\(day)T\(hour < 10 ? "0" : "")\(hour):00", defaultOffset: site.zone.offsetSeconds) else { continue }
                if site.schedule.isOn(at: t) == inHours { return t }
            }
        }
        return nil
    }

    /// The finding that makes an incident of the row: the rule's code at a severity its probe
    /// reports it with, or a code without a rule.
    func finding(for route: Route, policy: EscalationPolicy) throws -> Finding {
        guard let code = route.findings.first else {
            return Finding(route.severity, code: "test.no-rule", untranslated: "sự cố thử / test problem", securityRelevant: route.category == .security)
        }
        let nature = FindingNatures.all[code] ?? FindingNature(severities: [.warning, .critical])
        let status = try #require(nature.severities.first { s in
            let e = policy.effect(ofFinding: code, status: s, securityRelevant: nature.securityRelevant)
            return e.category == route.category && e.severity == route.severity
        }, "\(code): no probe severity gives \(route.category).\(route.severity)")
        return Finding(status, code: code, untranslated: "\(code) thử / test", securityRelevant: nature.securityRelevant)
    }

    static func addresses(_ out: EngineOutput, _ events: Set<NotificationRequest.Event>? = nil) -> Set<String> {
        Set(out.notifications.filter { events?.contains($0.event) ?? true }.map(\.recipient.address))
    }

    static func names(_ rs: [NotificationRecipient]) -> Set<String> { Set(rs.map { $0.organisation ?? $0.displayName }) }

    /// The blocks of `watchpost routes` output, by their heading line.
    static func blocks(_ text: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        var current: String? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("  ") && !line.hasPrefix("   ") {
                current = String(line.dropFirst(2))
                out[current!] = []
            } else if let c = current, line.hasPrefix("    ") {
                out[c]?.append(line.trimmingWhitespace())
            }
        }
        return out
    }

    @Test(arguments: ["tay-trang", "vung-ang"])
    func everyRowIsWhatTheEngineDoes(siteID: String) async throws {
        let config = try #require(Self.config)
        let site = try #require(config.site(siteID))
        let policy = try #require(config.escalationPolicy(site: siteID))
        let binary = try TestPaths.watchpost()
        let printed = await shell("'\(binary)' routes --site \(siteID) --config '\(TestPaths.packageRoot)'")
        try #require(printed.status == 0, "\(printed.output)")
        let blocks = Self.blocks(printed.output)
        // The README shows this very table.
        let readme = try FileSystem.readText("\(TestPaths.packageRoot)/README.md")
        let shown = printed.output.trimmingWhitespace()
        #expect(readme.contains("```\n\(shown)\n```"), "README's `watchpost routes --site \(siteID)` differs from the output; paste:\n\(shown)")
        let alwaysOn = Self.instant(site: site, inHours: false) == nil
        var rows = 0
        for route in policy.table(natures: FindingNatures.all) where !(alwaysOn && !route.inHours) {
            rows += 1
            let heading = "\(route.category.rawValue).\(route.severity.description.lowercased())"
                + (route.findings.isEmpty ? "" : " [phát hiện \(route.findings.joined(separator: ","))]")
                + (alwaysOn ? "" : (route.inHours ? " — trong giờ" : " — ngoài giờ"))
            let cell = "\(siteID) \(heading)"
            let lines = try #require(blocks[heading], "\(cell): not printed by watchpost routes")
            let (p, opened) = try play(site: site, findings: [try finding(for: route, policy: policy)], inHours: route.inHours)
            var engine = p.engine
            let inc = try #require(engine.openIncident(for: p.key), "\(cell): no incident")
            #expect(inc.category == route.category && inc.severity == route.severity, "\(cell): the engine opened \(inc.category).\(inc.severity)")

            // What happens at once, and (held) at the start of the next window.
            var entry = opened
            if route.heldUntilOperatingHours {
                expectEqual(Self.addresses(opened, [.triggered]), Set(route.technicians.map(\.address)), "\(cell): technicians at once")
                #expect(Self.addresses(opened, [.informed]).isEmpty, "\(cell): informed while held")
                let next = try #require(site.schedule.nextChange(after: p.at), "\(cell)")
                entry = engine.tick(now: next)
                #expect(lines.contains { $0.hasPrefix("kỹ thuật viên ngay:") }, "\(cell): \(lines)")
            }
            let told = Self.addresses(entry, [.triggered])
            let levelOne = route.techniciansOnly && !route.heldUntilOperatingHours ? route.technicians : (route.steps.first?.recipients ?? [])
            expectEqual(told, Set(levelOne.map(\.address)), "\(cell): entry told \(told.sorted()), routes says \(levelOne.map(\.address))")
            let informed = Self.addresses(entry, [.informed])
            let expectedInformed = Set(route.informedRecipients.map(\.address)).subtracting(levelOne.map(\.address))
            expectEqual(informed, expectedInformed, "\(cell): engine informed \(informed.sorted()), routes says \(expectedInformed.sorted())")

            // The printed lines name exactly those told.
            let informedLines = lines.filter { $0.hasPrefix("thông báo ngay:") }
            let allRecipients = entry.notifications.map(\.recipient)
            let informedNames = Self.names(allRecipients.filter { informed.contains($0.address) })
            for n in informedNames { #expect(informedLines.contains { $0.contains(n) }, "\(cell): '\(n)' informed by the engine, not printed: \(lines)") }
            if informed.isEmpty {
                #expect(informedLines.isEmpty, "\(cell): printed as informed, the engine informed nobody: \(informedLines)")
            }
            if route.techniciansOnly && !route.heldUntilOperatingHours {
                #expect(lines.contains { $0.hasPrefix("chỉ kỹ thuật viên:") }, "\(cell): \(lines)")
                #expect(!lines.contains { $0.hasPrefix("cấp ") }, "\(cell): levels printed for a technicians-only cell: \(lines)")
            } else if let first = route.steps.first {
                let line = try #require(lines.first { $0.hasPrefix("cấp \(first.level):") }, "\(cell): level \(first.level) not printed")
                for n in Self.names(allRecipients.filter { told.contains($0.address) }) { #expect(line.contains(n), "\(cell): '\(n)' not on \(line)") }
            }
            // Who may acknowledge: role names, never raw ids.
            let mayAck = try #require(lines.first { $0.hasPrefix("được tiếp nhận:") }, "\(cell)")
            #expect(mayAck.contains("Đơn vị vận hành") && !mayAck.contains("operator"), "\(cell): \(mayAck)")

            // The first timeout, then a day later: the Committee never by timer.
            let committee = Set(policy.decisionLevel?.recipients.map(\.address) ?? [])
            if !route.techniciansOnly || route.heldUntilOperatingHours, route.steps.count > 1, let after = route.steps[1].afterTimeout {
                let base = route.heldUntilOperatingHours ? (site.schedule.nextChange(after: p.at) ?? p.at) : p.at
                let escalated = engine.tick(now: base + after)
                expectEqual(Self.addresses(escalated, [.escalated]), Set(route.steps[1].recipients.map(\.address)), "\(cell): after \(after)")
                let line = try #require(lines.first { $0.hasPrefix("cấp \(route.steps[1].level):") }, "\(cell)")
                #expect(line.contains("sau "), "\(cell): \(line)")
            }
            let later = engine.tick(now: p.at + .hours(30))
            #expect(Self.addresses(later).isDisjoint(with: committee), "\(cell): the Committee by timer")
            #expect(Self.addresses(opened).isDisjoint(with: committee), "\(cell): the Committee at once")
        }
        #expect(rows >= (alwaysOn ? 6 : 12) + policy.findingRules.count)
    }

    // Review defect 1: mains loss (`onbatt`, a WARNING) reached the technicians only.
    @Test(arguments: ["tay-trang", "vung-ang"])
    func mainsLossReachesTheOperatingUnitAndTheDepartment(siteID: String) throws {
        let config = try #require(Self.config)
        let site = try #require(config.site(siteID))
        let operators = config.contacts.recipients([.role(.operator)], site: siteID).map(\.address)
        let department = config.contacts.recipients([.role(.department)], site: siteID).map(\.address)
        // Vũng Áng Art. 4.2: Công ty Điện lực Hà Tĩnh cooperates on the power.
        let power = siteID == "vung-ang" ? config.contacts.recipients([.organisation("dienluc-ha-tinh")], site: siteID).map(\.address) : []
        try #require(!operators.isEmpty && !department.isEmpty)
        for inHours in [true, false] where Self.instant(site: site, inHours: inHours) != nil {
            let onbatt = Finding(.warning, code: "onbatt", untranslated: "mất điện lưới, UPS chạy pin / on battery")
            let (_, out) = try play(site: site, findings: [onbatt], inHours: inHours)
            let told = Self.addresses(out)
            for a in operators + department + power { #expect(told.contains(a), "\(siteID) \(inHours ? "in" : "out of") hours: \(a) not told of mains loss") }
            for a in try #require(config.escalationPolicy(site: siteID)).technicians.map(\.address) { #expect(told.contains(a), "\(siteID): technician \(a) not told") }
            // A technical matter: never the police.
            let police = config.contacts.recipients([.organisation(siteID == "vung-ang" ? "ca-ha-tinh" : "ca-dien-bien")], site: siteID).map(\.address)
            for a in police { #expect(!told.contains(a), "\(siteID): police told of mains loss") }
            // Every informed group cites an article.
            let policy = try #require(config.escalationPolicy(site: siteID))
            expectEqual(policy.findingRule("onbatt")?.source.contains(siteID == "vung-ang" ? "4.2" : "7.2.2"), true)
        }
    }

    // Review defect 7: the Committee was mailed its own comment; "Sở … (Sở …)" in notices.
    @Test func aCommentIsNotMailedBackAndAnOrganisationIsNamedOnce() throws {
        let config = try #require(Self.config)
        let site = try #require(config.site("tay-trang"))
        let unapproved = Finding(.critical, code: "content-unapproved", untranslated: "tệp lạ / unapproved file", securityRelevant: true)
        let (p, _) = try play(site: site, findings: [unapproved], inHours: true)
        var inc = try #require(p.engine.openIncident(for: p.key))
        let committee = try #require(config.escalationPolicy(site: "tay-trang")?.decisionLevel)
        let department = "Sở Thông tin và Truyền thông tỉnh Điện Biên"
        let decided = try inc.escalateByDecision(to: committee, by: department, organisation: department, via: "cli", note: "vượt thẩm quyền", at: p.at + .minutes(1))
        let toCommittee = try #require(decided.notifications.first { $0.event == .committeeEscalation })
        expectEqual(toCommittee.fields["who"], department, "\(toCommittee.fields["who"] ?? "")")
        #expect(!(toCommittee.fields["action"] ?? "").contains("(\(department))"), "\(toCommittee.fields["action"] ?? "")")
        let committeeName = "Ủy ban nhân dân tỉnh Điện Biên"
        let committeeAddress = try #require(committee.recipients.first?.address)
        // From the command line (--by ubnd-dien-bien): named as the organisation.
        let cli = inc.comment(by: committeeName, organisation: committeeName, via: "cli", text: "Đề nghị báo cáo kết quả", at: p.at + .minutes(2))
        #expect(!cli.notifications.isEmpty)
        #expect(!cli.notifications.contains { $0.recipient.address == committeeAddress }, "the Committee is not mailed its own comment")
        #expect(cli.notifications.contains { $0.recipient.address == "thongtindoingoai@stttt-dienbien.example.org" })
        expectEqual(cli.notifications.first?.fields["who"], committeeName)
        // On the web, a Committee account named by its role's label.
        let web = inc.comment(by: "Văn phòng UBND", organisation: "Ủy ban nhân dân tỉnh", via: "web", text: "Đề nghị báo cáo", at: p.at + .minutes(3), roles: [.committee])
        #expect(!web.notifications.contains { $0.recipient.address == committeeAddress })
        expectEqual(web.notifications.first?.fields["who"], "Ủy ban nhân dân tỉnh (Văn phòng UBND)")
        // Someone else's comment still reaches the Committee once it was told.
        let other = inc.comment(by: "Lò Thị Mai", organisation: "Đồn Biên phòng cửa khẩu Quốc tế Tây Trang", via: "cli", text: "Đã xử lý", at: p.at + .minutes(4))
        #expect(other.notifications.contains { $0.recipient.address == committeeAddress })
    }

    // Never checked before: an unknown placeholder, or one the event leaves empty, is a
    // configuration error at `watchpost check`, naming the file and the line.
    @Test func unknownTemplatePlaceholderFailsCheckNamingFileAndLine() async throws {
        let binary = try TestPaths.watchpost()
        let root = try makeTemporaryFolder("wp-placeholder")
        defer { removeTree(root) }
        // The shipped alerts and site profiles, one plain check, no secrets needed.
        try await copyShippedSites(["tay-trang", "vung-ang"], into: root)
        for site in ["tay-trang", "vung-ang"] {
            try FileSystem.writeAtomically("\(root)/probes/\(site)/checks.conf", "[check alive]\nkind = exec\nname = Sống / Alive\ncommand = /bin/true\n")
        }
        try FileSystem.writeAtomically("\(root)/watchpost.conf", "[daemon]\ndatabase = \(root)/watchpost.db\n[smtp]\nhost = 127.0.0.1\nport = 2525\ninsecure = true\nfrom = watchpost@example.org\n")
        let clean = await shell("'\(binary)' check --config '\(root)'")
        let template = "\(root)/alerts/templates/acknowledged.txt"
        let text = try FileSystem.readText(template)
        let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
        try FileSystem.writeAtomically(template, text + "Người xử lý: {{nguoi_xu_ly}}\n")
        let triggered = "\(root)/alerts/templates/triggered.txt"
        try FileSystem.writeAtomically(triggered, try FileSystem.readText(triggered).replacingOccurrences(of: "Đề nghị: {{action}}", with: "Đề nghị: {{action}} {{decision}}"))
        let broken = await shell("'\(binary)' check --config '\(root)'")
        #expect(broken.status != 0, "check passed with an unknown placeholder: \(broken.output)")
        #expect(broken.output.contains("alerts/templates/acknowledged.txt:\(lineCount)"), "\(broken.output)")
        #expect(broken.output.contains("nguoi_xu_ly"), "\(broken.output)")
        #expect(broken.output.contains("alerts/templates/triggered.txt:") && broken.output.contains("decision"), "\(broken.output)")
        // The same copy without the edits passes: only the edits make it fail.
        expectEqual(clean.status, 0, "\(clean.output)")
    }

    // Review of issue #14, defect 2: a security finding added to a technical incident held outside
    // operating hours told nobody until the window opened (the hold was checked before the
    // category switched). Security incidents are never held (point 4): the hold ends, the
    // security chain is told at once, and the technicians hear of the added line.
    // Tây Trang only: Vũng Áng runs 24/24 h and holds nothing.
    @Test func aSecurityFindingOnAHeldIncidentIsToldAtOnce() throws {
        let siteID = "tay-trang"
        let config = try #require(Self.config)
        let site = try #require(config.site(siteID))
        try #require(Self.instant(site: site, inHours: false) != nil, "\(siteID): no time outside operating hours")
        let noSignal = Finding(.critical, code: "no-signal", untranslated: "mất tín hiệu / no signal")
        let (p, opened) = try play(site: site, findings: [noSignal], inHours: false)
        var engine = p.engine
        let held = try #require(engine.openIncident(for: p.key))
        try #require(held.category == .technical && held.hold == .outsideHours, "\(siteID): \(held.category), hold \(String(describing: held.hold))")
        let technicians = Set(try #require(config.escalationPolicy(site: siteID)).technicians.map(\.address))
        expectEqual(Self.addresses(opened), technicians)
        let changed = Finding(.critical, code: "unexpected-change", untranslated: "thay đổi không do Watchpost / change not made by Watchpost",
                              securityRelevant: true)
        let later = p.at + .minutes(2)
        let out = engine.handle(CheckResult.from(findings: [noSignal, changed], ok: .untranslated("OK"), startedAt: later), for: p.key)
        let inc = try #require(engine.openIncident(for: p.key))
        expectEqual(inc.category, .security, "\(siteID): still \(inc.category)")
        #expect(inc.hold == nil, "\(siteID): still held")
        let route = try #require(config.escalationPolicy(site: siteID)).route(category: .security, severity: .critical, inHours: false,
                                                                               findings: ["no-signal", "unexpected-change"])
        let chain = Set(route.informedRecipients.map(\.address) + (route.steps.first?.recipients.map(\.address) ?? []))
        let told = Self.addresses(out)
        #expect(!chain.isEmpty && chain.isSubset(of: told), "\(siteID): security chain not told at once: \(chain.subtracting(told).sorted())")
        #expect(technicians.isSubset(of: Self.addresses(out, [.findingAdded])), "\(siteID): technicians not told of the added line")
        let police = config.contacts.recipients([.organisation(siteID == "vung-ang" ? "ca-ha-tinh" : "ca-dien-bien")], site: siteID).map(\.address)
        #expect(!police.isEmpty && Set(police).isSubset(of: told), "\(siteID): police not told")
        #expect(out.timeline.contains { $0.kind == "released" }, "\(siteID): no timeline line for the end of the hold")
    }
}

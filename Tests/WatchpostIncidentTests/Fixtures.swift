import WatchpostCore
import WatchpostConfig
import WatchpostTestSupport

/// The shipped configuration (contacts, chains, the Tây Trang schedule) with test checks.
enum Fixture {
    static let root = TestPaths.packageRoot

    static func configuration() throws -> WatchpostConfiguration { try ConfigurationLoader.load(root: root) }

    static let tayTrang = "tay-trang"

    static func key(_ check: String) -> CheckKey { CheckKey(site: tayTrang, check: check) }

    /// Engine settings for Tây Trang with `checks` instead of the profile's.
    static func settings(_ checks: [CheckSpec], maintenance: [MaintenanceWindow] = [], responders: [ResponderSpec] = [],
                         chain: ((inout EscalationPolicy) -> Void)? = nil) throws -> EngineSettings {
        var s = EngineSettings(configuration: try configuration())
        let i = s.sites.firstIndex { $0.id == tayTrang }!
        s.sites[i].checks = checks
        s.sites[i].maintenance = maintenance
        s.sites[i].responders = responders
        chain?(&s.sites[i].escalation)
        return EngineSettings(sites: [s.sites[i]])
    }

    static func content(failAfter: Int = 1) -> CheckSpec {
        CheckSpec(key: key("content"), name: "Nội dung trình chiếu / Content", kind: "content", category: .security, failAfter: failAfter, recoverAfter: 1)
    }

    static func screen(failAfter: Int = 1) -> CheckSpec {
        CheckSpec(key: key("screen"), name: "Màn hình LED / LED screen", kind: "led", failAfter: failAfter, recoverAfter: 1, followsSchedule: true)
    }

    /// `2026-11-24T02:00` in Asia/Ho_Chi_Minh (a Tuesday).
    static func local(_ s: String) -> Instant { Instant.parse(s, defaultOffset: 7 * 3600)! }

    static func result(_ status: CheckStatus, _ summary: String = "", findings: [Finding] = [], at t: Instant) -> CheckResult {
        CheckResult(status: status, summary: summary.isEmpty ? status.description : summary, findings: findings, startedAt: t)
    }

    static func unapproved(at t: Instant) -> CheckResult {
        CheckResult.from(findings: [Finding(.critical, code: "content-unapproved", untranslated: "tệp ads.mp4 chưa được phê duyệt / ads.mp4 not approved", securityRelevant: true)],
                         ok: .untranslated(""), startedAt: t)
    }

    static func dark(at t: Instant) -> CheckResult {
        CheckResult.from(findings: [Finding(.critical, code: "screen-dark", untranslated: "màn hình tối / screen dark")], ok: .untranslated("màn hình sáng / screen lit"), startedAt: t)
    }

    // Addresses of the shipped contacts.
    /// The operators (7.2.1, 7.2.3): the provincial Border Guard Command and the Tây Trang post.
    static let operators = ["chi-huy@bdbp-dienbien.example.org", "truc-ban@bdbp-taytrang.example.org", "mai.lt@bdbp-taytrang.example.org"]
    /// Police (7.3) and the customs branch (7.7): security incidents only.
    static let police = ["truc-ban@congan-dienbien.example.org", "chicuc@haiquan-taytrang.example.org"]
    /// Level 1 of a security incident.
    static let level1 = operators + police
    static let technicians = ["kythuat@taytrang.example.org", "binh.tv@taytrang.example.org"]
    static let level2 = ["thongtindoingoai@stttt-dienbien.example.org"]
    static let level3 = ["vanphong@ubnd-dienbien.example.org"]

    static func keys(_ id: Int64, _ event: String, _ step: String, _ addresses: [String]) -> [String] {
        addresses.map { "inc-\(id)/\(event)/\(step)/\($0)" }
    }
}

// The `content-freshness` check: whether the Department renews its approval in time. Technical
// notices (WARNING, not security-relevant) meant for the Department and the operating unit:
//   - the manifest's valid-to is less than `warn_before` (default 7 days) away;
//   - Vũng Áng, Decision 2432/QĐ-UBND Art. 4.3.a: content for the month reaches the Department
//     "trước ngày 05 hàng tháng" (before the 5th of each month) to be edited and passed to the
//     Board for broadcast — from the day after `monthly_deadline_day` a month with no manifest
//     approved in it gets a notice;
//   - Tây Trang, Decision 32/2018/QĐ-UBND 7.8: Báo Điện Biên Phủ and the provincial radio-TV
//     station supply "ít nhất có 01 chương trình/tháng" (at least one programme a month); with
//     7.1.1 (the Department vets content month by month) — a month whose approved manifests list
//     no programme (kind programme, programme month this month) from those sources gets a notice.
// An expired manifest with no replacement is the content check's `content.manifest-expired`
// (CRITICAL, not security-relevant): this check does not repeat it.
import WatchpostCore
import WatchpostConfig
import Crypto
import Posix

public enum FreshnessFindingCode {
    public static let expiring = "content.freshness.expiring"
    public static let monthlyManifestLate = "content.freshness.monthly-manifest-late"
    public static let monthlyProgrammeMissing = "content.freshness.monthly-programme-missing"
    public static let noManifest = "content.freshness.no-manifest"
    /// Every freshness code: technical notices for the Department and the operating unit.
    public static let all: Set<String> = [expiring, monthlyManifestLate, monthlyProgrammeMissing, noManifest]
}

public struct FreshnessRules: Sendable, Hashable {
    public var warnBefore: Seconds = .hours(24 * 7)
    /// Day of the month by which a manifest approved in that month is due (nil: no monthly rule).
    public var monthlyDeadlineDay: Int?
    /// Organisations whose programmes count (empty: no programme rule).
    public var programmeSources: [String] = []
    public var programmeCount: Int = 1

    public init(warnBefore: Seconds = .hours(24 * 7), monthlyDeadlineDay: Int? = nil, programmeSources: [String] = [], programmeCount: Int = 1) {
        self.warnBefore = warnBefore
        self.monthlyDeadlineDay = monthlyDeadlineDay
        self.programmeSources = programmeSources
        self.programmeCount = programmeCount
    }

    /// The rules of a `content-freshness` check section.
    public init(section p: ConfigSection) {
        self.init(warnBefore: p.duration("warn_before", default: .hours(24 * 7)),
                  monthlyDeadlineDay: p.value("monthly_deadline_day").flatMap { Int($0.trimmingWhitespace()) },
                  programmeSources: p.list("monthly_programme_sources"), programmeCount: p.int("monthly_programme_count", default: 1))
    }
}

/// Judges the current manifest and the archive against the rules. Pure.
public enum FreshnessJudge {
    /// `current`: the installed manifest when its signature is good and it is not a replay;
    /// `archived`: every accepted manifest (verified).
    public static func findings(current: Manifest?, archived: [Manifest], rules: FreshnessRules, now: Instant, zone: ZoneOffset) -> [Finding] {
        guard let current else {
            return [Finding(.unknown, code: FreshnessFindingCode.noManifest, Message("finding.content.freshness.no-manifest"))]
        }
        var out: [Finding] = []
        if now <= current.validTo && current.validTo - now <= rules.warnBefore {
            out.append(Finding(.warning, code: FreshnessFindingCode.expiring,
                               Message("finding.content.freshness.expiring", ["valid_to": .instant(current.validTo), "left": .duration(current.validTo - now)])))
        }
        let today = zone.localDate(of: now)
        let monthStart = zone.startOf(CivilDate(year: today.year, month: today.month, day: 1))
        let monthText = String(today.description.prefix(7))
        var all = archived
        if !all.contains(current) { all.append(current) }
        if let day = rules.monthlyDeadlineDay, today.day > day {
            let newest = all.map(\.approvedAt).max() ?? current.approvedAt
            if newest < monthStart {
                out.append(Finding(.warning, code: FreshnessFindingCode.monthlyManifestLate,
                                   Message("finding.content.freshness.monthly-manifest-late",
                                           ["month": .text(monthForPeople(monthText)), "day": .int(Int64(day)), "approved_at": .instant(newest)])))
            }
        }
        // 7.8 asks for one programme in the month, not by any day of it: the notice comes when the
        // month's end is `warn_before` away or less and none is approved yet (review of #16,
        // session 5: it fired at 00:05 on the 1st of every month).
        let monthEnd = zone.startOf(today.month == 12 ? CivilDate(year: today.year + 1, month: 1, day: 1) : CivilDate(year: today.year, month: today.month + 1, day: 1))
        if !rules.programmeSources.isEmpty && monthEnd - now <= rules.warnBefore {
            let sources = Set(rules.programmeSources)
            var programmes = Set<String>()
            for m in all where m.validTo >= monthStart && m.validFrom <= now {
                for i in m.items where i.metadata.kind == .programme && i.metadata.month == monthText && i.metadata.source.map(sources.contains) == true {
                    programmes.insert(i.sha256)
                }
            }
            if programmes.count < rules.programmeCount {
                out.append(Finding(.warning, code: FreshnessFindingCode.monthlyProgrammeMissing,
                                   Message("finding.content.freshness.monthly-programme-missing",
                                           ["month": .text(monthForPeople(monthText)), "sources": .text(rules.programmeSources.joined(separator: ", "))])))
            }
        }
        return out
    }
}

extension ManifestArchive {
    /// Every archived manifest whose file still hashes to its name and carries a good signature.
    public func verifiedManifests(publicKey: [UInt8]) -> [Manifest] {
        entries().compactMap { e in
            guard let bytes = try? bytes(of: e), ManifestArchive.id(of: bytes) == e.id else { return nil }
            return ManifestVerdict.judge(bytes: bytes, publicKey: publicKey, at: Instant(milliseconds: 0)).trustedManifest
        }
    }
}

public struct ContentFreshnessProbe: Probe {
    public let manifestPath: String
    public let publicKeyPath: String
    public let archive: ManifestArchive?
    public let rules: FreshnessRules
    public let zone: ZoneOffset

    public init(manifestPath: String, publicKeyPath: String, archive: ManifestArchive?, rules: FreshnessRules, zone: ZoneOffset) {
        self.manifestPath = manifestPath
        self.publicKeyPath = publicKeyPath
        self.archive = archive
        self.rules = rules
        self.zone = zone
    }

    /// From a `content-freshness` check: the manifest and key of its content check.
    public init(check: CheckDefinition, site: SiteProfile, root: String, databasePath: String) throws(WatchpostError) {
        let p = check.parameters
        let ref = p.string("content_check")
        guard let content = site.check(ref), content.kind == "content" else {
            throw WatchpostError(.configuration, "\(p.file):\(p.lineOf("content_check")): content_check: no content check '\(ref)' at site \(site.id)")
        }
        let settings = ContentCheckSettings(check: content, root: root, databasePath: databasePath)
        self.init(manifestPath: settings.manifestPath, publicKeyPath: settings.publicKeyPath, archive: settings.archive,
                  rules: FreshnessRules(section: p),
                  zone: site.zone)
    }

    public func run(_ context: ProbeContext) async -> CheckResult {
        let start = context.clock.now()
        let (manifestPath, publicKeyPath, archive) = (self.manifestPath, self.publicKeyPath, self.archive)
        let loaded = try? await runBlocking { () -> (ManifestLoader.Reading, [Manifest]) in
            let reading = ManifestLoader.read(manifest: manifestPath, publicKey: publicKeyPath, now: start, archive: archive)
            let key = (try? FileSystem.readText(publicKeyPath)).flatMap { try? Ed25519.publicKey(fromPEM: $0) }
            return (reading, key.map { archive?.verifiedManifests(publicKey: $0) ?? [] } ?? [])
        }
        let current = loaded?.0.accepted
        let findings = FreshnessJudge.findings(current: current, archived: loaded?.1 ?? [], rules: rules, now: start, zone: zone)
        var facts: [String: String] = [:]
        if let m = current {
            facts["valid_to"] = m.validTo.iso8601(offsetSeconds: zone.offsetSeconds)
            facts["approved_at"] = m.approvedAt.iso8601(offsetSeconds: zone.offsetSeconds)
            if let s = m.sequence { facts["sequence"] = String(s) }
        }
        // An expired manifest is the content check's incident; this one does not repeat it, but
        // never calls it valid (review of #16, session 5: "valid until 30/11" on 02/12).
        let ok = current.map { Message($0.validTo < start ? "content.freshness.ok.expired" : "content.freshness.ok", ["valid_to": .instant($0.validTo)]) } ?? Message("check.ok")
        return CheckResult.from(findings: findings, ok: ok, facts: facts, startedAt: start, duration: context.clock.now() - start)
    }
}

// Monthly content figures for the reports (issue 16, point 5), one function the reports module
// calls: `ContentFigures.month(...)`. From the broadcast log, the archive of approvals and the
// incidents:
//   - items approved (in a manifest in force during the month) and items shown (approved plays);
//   - hours shown per source organisation and per language (Tây Trang 7.1.2, 7.5: Vietnamese,
//     English, Lao, Thai) — an item in two languages counts for both;
//   - the Tây Trang 7.8 test: at least N programmes for the month from the newspaper or the
//     radio-TV station, approved and shown;
//   - each renewal (a manifest approved in the month) against its deadlines: the monthly day
//     (Vũng Áng Art. 4.3.a) and the previous manifest's valid-to; time not covered by any approval;
//   - content violations: incidents with a security-relevant content or player finding only
//     (an offline player or an expired approval is not a content violation).
import WatchpostCore
import WatchpostConfig
import WatchpostContent
import WatchpostPlayer
import WatchpostStore
import Crypto
import Posix

public struct ContentMonthFigures: Sendable, Hashable, Codable {
    public struct Renewal: Sendable, Hashable, Codable {
        public var approvedAt: Instant
        public var sequence: Int64?
        public var validFrom: Instant
        public var validTo: Instant
        /// The earlier of the monthly deadline and the previous approval's valid-to (nil: none).
        public var deadline: Instant?
        public var onTime: Bool
    }

    public struct ProgrammeTest: Sendable, Hashable, Codable {
        public var sources: [String]
        public var required: Int
        /// Distinct programmes for the month from those sources in approved manifests, and shown.
        public var approved: Int
        public var shown: Int
        /// At least `required` shown (Tây Trang 7.8).
        public var passed: Bool
        /// True when the broadcast log holds nothing of the month (no play, no gap: the box was
        /// not there yet): the test has no data, it is not failed (review of #16, session 5).
        public var noData: Bool? = nil
        /// True when the log holds only `not-observed` time for the month (the monitor was not
        /// running): nothing was observed, so the test is neither met nor failed.
        public var notObserved: Bool? = nil
    }

    public var site: String
    public var from: Instant
    public var to: Instant
    public var itemsApproved: Int
    public var itemsShown: Int
    public var plays: Int
    public var unapprovedPlays: Int
    /// Plays whose approval could not be checked (the share unreadable): not in `unapprovedPlays`.
    public var notCheckedPlays: Int = 0
    public var secondsShown: Int64
    public var secondsBySource: [String: Int64]
    public var secondsByLanguage: [String: Int64]
    public var gapSeconds: [String: Int64]
    public var programmeTest: ProgrammeTest?
    public var renewals: [Renewal]
    /// Seconds of the month no accepted manifest covered.
    public var uncoveredSeconds: Int64
    public var contentViolations: Int
}

public enum ContentFigures {
    /// Key used for hours of items without a source or language in their metadata.
    public static let unspecified = "-"

    /// The figures of `site` for [from, to) (normally one local month).
    /// - Parameters:
    ///   - archive/publicKey: the site's archive of approvals and the Department's key (only
    ///     manifests whose signature verifies count).
    ///   - rules: the site's freshness rules (monthly deadline day, programme sources and count).
    public static func month(site: String, from: Instant, to: Instant, zone: ZoneOffset, store: Store, archive: ManifestArchive,
                             publicKey: [UInt8], rules: FreshnessRules) async throws(WatchpostError) -> ContentMonthFigures {
        let totals = try await store.broadcastItemTotals(site: site, from: from, to: to)
        let gaps = try await store.broadcastGapTotals(site: site, from: from, to: to)
        let manifests = archive.verifiedManifests(publicKey: publicKey).sorted { ($0.effectiveSequence, $0.approvedAt) < ($1.effectiveSequence, $1.approvedAt) }
        let inForce = manifests.filter { $0.validFrom < to && $0.validTo >= from }
        let approvedItems = Set(inForce.flatMap { $0.items.map { "\($0.path)\u{0}\($0.sha256)" } })

        var bySource: [String: Int64] = [:], byLanguage: [String: Int64] = [:]
        var shownItems = DistinctItems()
        var plays = 0, unapproved = 0, notChecked = 0
        var shown: Int64 = 0
        var shownProgrammes = Set<String>()
        let monthText = String(zone.localDate(of: from).description.prefix(7))
        let sources = Set(rules.programmeSources)
        for t in totals {
            plays += t.plays
            switch t.item.approval {
            case .approved: break
            case .notApproved: unapproved += t.plays; continue
            case .notChecked: notChecked += t.plays; continue
            }
            let seconds = t.shownMilliseconds / 1000
            shown += seconds
            shownItems.insert(path: t.item.path, sha256: t.item.sha256)
            bySource[t.item.source ?? unspecified, default: 0] += seconds
            if t.item.languages.isEmpty { byLanguage[unspecified, default: 0] += seconds }
            for l in t.item.languages { byLanguage[l, default: 0] += seconds }
            if t.item.kind == ContentKind.programme.rawValue, t.item.month == monthText, let s = t.item.source, sources.contains(s), t.shownMilliseconds > 0 {
                shownProgrammes.insert(t.item.sha256.isEmpty ? t.item.path : t.item.sha256)
            }
        }

        var programmeTest: ContentMonthFigures.ProgrammeTest?
        if !rules.programmeSources.isEmpty {
            var approvedProgrammes = Set<String>()
            for m in inForce {
                for i in m.items where i.metadata.kind == .programme && i.metadata.month == monthText && i.metadata.source.map(sources.contains) == true {
                    approvedProgrammes.insert(i.sha256)
                }
            }
            programmeTest = .init(sources: rules.programmeSources, required: rules.programmeCount, approved: approvedProgrammes.count,
                                  shown: shownProgrammes.count, passed: shownProgrammes.count >= rules.programmeCount)
        }

        var renewals: [ContentMonthFigures.Renewal] = []
        var previous: Manifest?
        for m in manifests {
            defer { previous = m }
            guard m.approvedAt >= from && m.approvedAt < to else { continue }
            var deadline = previous.map(\.validTo)
            if let day = rules.monthlyDeadlineDay {
                let d = zone.localDate(of: m.approvedAt)
                let monthly = zone.startOf(CivilDate(year: d.year, month: d.month, day: day)) + .hours(24)
                deadline = deadline.map { min($0, monthly) } ?? monthly
            }
            renewals.append(.init(approvedAt: m.approvedAt, sequence: m.sequence, validFrom: m.validFrom, validTo: m.validTo,
                                  deadline: deadline, onTime: deadline.map { m.approvedAt <= $0 } ?? true))
        }

        // Time of the month outside every accepted manifest's validity.
        var covered: Int64 = 0
        var cursor = from
        for m in inForce.sorted(by: { $0.validFrom < $1.validFrom }) {
            let start = max(cursor, m.validFrom), end = min(to, m.validTo)
            if end > start { covered += (end - start).milliseconds; cursor = end }
        }
        let uncovered = max(0, (to - from).milliseconds - covered) / 1000

        let incidents = try await store.incidents(site: site, from: from, to: to)
        let violations = incidents.filter { isContentViolation(category: $0.category, findingCodes: $0.findingCodes) }.count

        return ContentMonthFigures(site: site, from: from, to: to, itemsApproved: approvedItems.count, itemsShown: shownItems.count, plays: plays,
                                   unapprovedPlays: unapproved, notCheckedPlays: notChecked, secondsShown: shown, secondsBySource: bySource, secondsByLanguage: byLanguage,
                                   gapSeconds: Dictionary(uniqueKeysWithValues: gaps.map { ($0.key.rawValue, $0.value / 1000) }),
                                   programmeTest: programmeTest, renewals: renewals, uncoveredSeconds: uncovered, contentViolations: violations)
    }

    /// A content violation: a security incident with a security-relevant content or player
    /// finding. An offline player, a missing share or an expired approval is not one.
    public static func isContentViolation(category: IncidentCategory, findingCodes: [String]) -> Bool {
        ContentViolation.isViolation(category: category, findingCodes: findingCodes)
    }

    /// The figures of one configured site for one local month (`2026-11`): the archive next to the
    /// database, the Department's key from the site's player or content check, the rules from its
    /// content-freshness check. Nil when the site has no content or player check.
    public static func month(site: SiteProfile, month: String, configuration: WatchpostConfiguration, store: Store) async throws(WatchpostError) -> ContentMonthFigures? {
        let parts = month.split(separator: "-")
        guard parts.count == 2, let y = Int(parts[0]), let m = Int(parts[1]), (1...12).contains(m) else {
            throw WatchpostError(.usage, "month '\(month)' is not YYYY-MM")
        }
        guard let keyPath = departmentKeyPath(site: site, configuration: configuration) else { return nil }
        let key: [UInt8]
        do { key = try Ed25519.publicKey(fromPEM: try FileSystem.readText(keyPath)) } catch {
            throw WatchpostError(.crypto, Catalogue.bilingual(Message("content.error.public_key", ["path": .text(keyPath), "reason": .text("\(error)")])))
        }
        let rules = site.checks.first(where: { $0.kind == "content-freshness" }).map { FreshnessRules(section: $0.parameters) } ?? FreshnessRules()
        let first = CivilDate(year: y, month: m, day: 1)
        let next = m == 12 ? CivilDate(year: y + 1, month: 1, day: 1) : CivilDate(year: y, month: m + 1, day: 1)
        return try await Self.month(site: site.id, from: site.zone.startOf(first), to: site.zone.startOf(next), zone: site.zone, store: store,
                                    archive: ManifestArchive(databasePath: configuration.daemon.database, site: site.id), publicKey: key, rules: rules)
    }

    /// The Department's public key of a site: the one its player (else content) check uses.
    public static func departmentKeyPath(site: SiteProfile, configuration: WatchpostConfiguration) -> String? {
        if let player = site.checks.first(where: { $0.kind == "player" }),
           let path = (try? PlayerCheckSettings(check: player, site: site, root: configuration.root))?.publicKeyPath {
            return path
        }
        return site.checks.first(where: { $0.kind == "content" }).map {
            ContentCheckSettings(check: $0, root: configuration.root, databasePath: configuration.daemon.database).publicKeyPath
        }
    }
}

/// What a report of any period says about approvals (issue 16 point 5, #16 review defect 3):
/// the Tây Trang 7.8 programme test for each month of the period, every renewal in the period
/// against its deadline (Vũng Áng Art. 4.3.a: before the 5th of each month; Tây Trang 7.1.1: month
/// by month, the previous approval's valid-to), the approval in force at the end and when the
/// next one is due.
public struct ContentApprovalFigures: Sendable, Hashable, Codable {
    public struct MonthProgrammes: Sendable, Hashable, Codable {
        /// `2026-11`.
        public var month: String
        public var test: ContentMonthFigures.ProgrammeTest
    }

    public struct Current: Sendable, Hashable, Codable {
        public var sequence: Int64?
        public var approvedAt: Instant
        public var validTo: Instant
    }

    /// One calendar month of the period: plays, distinct items shown of those approved, hours.
    public struct MonthFigures: Sendable, Hashable, Codable {
        public var month: String
        public var plays: Int
        public var itemsApproved: Int
        public var itemsShown: Int
        public var secondsShown: Int64
        /// Nothing in the broadcast log for the month (the box was not there yet).
        public var noData: Bool
        /// Only `not-observed` time in the log for the month (the monitor was not running): not
        /// observed, no figures (review of #16, session 5: counted as data).
        public var notObserved: Bool? = nil
    }

    /// Empty when the site has no programme rule (only Tây Trang has one).
    public var programmeTests: [MonthProgrammes]
    public var renewals: [ContentMonthFigures.Renewal]
    /// The newest accepted approval in force at the period's reference time (nil: none).
    public var current: Current?
    /// When the next approval is due: the earlier of the current one's valid-to and the next
    /// monthly deadline (Vũng Áng Art. 4.3.a) of a month with no approval yet.
    public var nextDue: Instant?
    /// The site's monthly day (Vũng Áng: 5), nil when the site has none.
    public var monthlyDeadlineDay: Int?
    /// Each month of the period (review of #16, session 5: items approved were never shown and a
    /// yearly report had no monthly figure but the 7.8 line).
    public var months: [MonthFigures]? = nil
}

extension ContentFigures {
    /// The approval figures of `site` for [from, to). `asOf` is the reference time for the
    /// current approval and the next due date (the period's end, or now while it runs).
    public static func approvals(site: String, from: Instant, to: Instant, asOf: Instant, zone: ZoneOffset, store: Store, archive: ManifestArchive,
                                 publicKey: [UInt8], rules: FreshnessRules) async throws(WatchpostError) -> ContentApprovalFigures {
        let manifests = archive.verifiedManifests(publicKey: publicKey).sorted { ($0.effectiveSequence, $0.approvedAt) < ($1.effectiveSequence, $1.approvedAt) }
        // Each calendar month of the period, clipped to it: its own programme test.
        var tests: [ContentApprovalFigures.MonthProgrammes] = []
        var renewals: [ContentMonthFigures.Renewal] = []
        var months: [ContentApprovalFigures.MonthFigures] = []
        var cursor = from
        var guardMonths = 0
        while cursor < to && guardMonths < 400 {
            guardMonths += 1
            let d = zone.localDate(of: cursor)
            let next = zone.startOf(d.month == 12 ? CivilDate(year: d.year + 1, month: 1, day: 1) : CivilDate(year: d.year, month: d.month + 1, day: 1))
            let end = min(next, to)
            let f = try await month(site: site, from: cursor, to: end, zone: zone, store: store, archive: archive, publicKey: publicKey, rules: rules)
            let observed = f.gapSeconds.filter { $0.key != BroadcastGap.notObserved.rawValue }
            let noData = f.plays == 0 && f.gapSeconds.values.allSatisfy({ $0 <= 0 })
            let notObserved = f.plays == 0 && !noData && observed.values.allSatisfy({ $0 <= 0 })
            months.append(.init(month: String(d.description.prefix(7)), plays: f.plays, itemsApproved: f.itemsApproved, itemsShown: f.itemsShown,
                                secondsShown: f.secondsShown, noData: noData, notObserved: notObserved ? true : nil))
            if var t = f.programmeTest {
                if noData { t.noData = true }
                if notObserved { t.notObserved = true }
                tests.append(.init(month: String(d.description.prefix(7)), test: t))
            }
            renewals += f.renewals
            cursor = end
        }
        // The last moment of the period (its end is exclusive), or `asOf` if earlier.
        let reference = min(asOf, to - Seconds(milliseconds: 1))
        let inForce = manifests.filter { $0.validFrom <= reference && $0.approvedAt <= reference }
        let current = inForce.last.map { ContentApprovalFigures.Current(sequence: $0.sequence, approvedAt: $0.approvedAt, validTo: $0.validTo) }
        var due = current?.validTo
        if let day = rules.monthlyDeadlineDay {
            // The first month from the reference one with no approval in it yet.
            var m = zone.localDate(of: reference)
            for _ in 0..<24 {
                let start = zone.startOf(CivilDate(year: m.year, month: m.month, day: 1))
                let next = zone.startOf(m.month == 12 ? CivilDate(year: m.year + 1, month: 1, day: 1) : CivilDate(year: m.year, month: m.month + 1, day: 1))
                if !manifests.contains(where: { $0.approvedAt >= start && $0.approvedAt < next }) {
                    let monthly = zone.startOf(CivilDate(year: m.year, month: m.month, day: day)) + .hours(24)
                    due = due.map { min($0, monthly) } ?? monthly
                    break
                }
                m = zone.localDate(of: next)
            }
        }
        return ContentApprovalFigures(programmeTests: tests, renewals: renewals, current: current, nextDue: due, monthlyDeadlineDay: rules.monthlyDeadlineDay,
                                      months: months)
    }

    /// The same for one configured site: its archive next to the database, the Department's key
    /// of its player or content check, the rules of its content-freshness check. Nil when the site
    /// has no content or player check or its key cannot be read.
    public static func approvals(site: SiteProfile, from: Instant, to: Instant, asOf: Instant, configuration: WatchpostConfiguration,
                                 store: Store) async throws(WatchpostError) -> ContentApprovalFigures? {
        guard let keyPath = departmentKeyPath(site: site, configuration: configuration),
              let text = try? FileSystem.readText(keyPath), let key = try? Ed25519.publicKey(fromPEM: text) else { return nil }
        let rules = site.checks.first(where: { $0.kind == "content-freshness" }).map { FreshnessRules(section: $0.parameters) } ?? FreshnessRules()
        return try await approvals(site: site.id, from: from, to: to, asOf: asOf, zone: site.zone, store: store,
                                   archive: ManifestArchive(databasePath: configuration.daemon.database, site: site.id), publicKey: key, rules: rules)
    }
}

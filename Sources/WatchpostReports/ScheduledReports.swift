// Scheduled report emails: the monthly summary to the Department and the yearly report (default
// 25/11, configurable in `[reports] yearly_date`) to each site's operating unit and the
// Department. Decides what is due at a given instant (pure) and queues it through the outbox
// together with a `report_sent` row, so each period is queued exactly once even across restarts.
import WatchpostCore
import WatchpostConfig
import WatchpostStore

public struct DueReport: Sendable, Hashable {
    public enum Kind: String, Sendable { case monthly, yearly }
    public var kind: Kind
    public var period: ReportPeriod
    /// Idempotency key: `monthly/2026-10`, `yearly/2026`.
    public var key: String { "\(kind.rawValue)/\(period.label)" }
}

public enum ScheduledReports {
    /// Reports due at `now` (local time in `zone`): last month's summary from `monthly_day` at
    /// `send_at`; this year's report from `yearly_date` at `send_at` until the year ends. Only the
    /// latest period of each kind is due, so a fresh install never mails a backlog.
    public static func due(at now: Instant, schedule: ReportSchedule, zone: ZoneOffset) -> [DueReport] {
        let today = zone.localDate(of: now)
        let time = zone.localTime(of: now)
        var out: [DueReport] = []
        if schedule.monthly {
            let reached = today.day > schedule.monthlyDay || (today.day == schedule.monthlyDay && time >= schedule.sendAt)
            let (y, m) = today.month == 1 ? (today.year - 1, 12) : (today.year, today.month - 1)
            if reached { out.append(DueReport(kind: .monthly, period: .month(y, m))) }
        }
        if schedule.yearly {
            let sendDay = CivilDate(year: today.year, month: schedule.yearlyMonth, day: schedule.yearlyDay)
            if sendDay < today || (sendDay == today && time >= schedule.sendAt) {
                // Up to the day before the send date: the figures in the email do not move.
                let last = sendDay == CivilDate(year: today.year, month: 1, day: 1) ? sendDay : sendDay.adding(days: -1)
                out.append(DueReport(kind: .yearly, period: ReportPeriod(firstDay: CivilDate(year: today.year, month: 1, day: 1), lastDay: last, label: String(today.year))))
            }
        }
        return out
    }

    /// Builds and queues every due report not queued before. Returns the keys queued now.
    @discardableResult
    public static func runDue(at now: Instant, configuration config: WatchpostConfiguration, store: Store,
                              incidentSource: any IncidentSource) async throws(WatchpostError) -> [String] {
        let schedule = ReportSchedule(section: config.section("reports"))
        let zone = config.sites.first?.zone ?? .hoChiMinh
        var queued: [String] = []
        for d in due(at: now, schedule: schedule, zone: zone) {
            if try await store.reportSent(key: d.key) { continue }
            let (from, to) = d.period.bounds(in: zone)
            if try await store.monitorRuns(from: Instant(seconds: from), to: Instant(seconds: to)).isEmpty {
                // The monitor did not run at all in the period (e.g. installed after it): there is
                // nothing to report, and mailing a page of "no data" would only be noise.
                try await store.queueReport(key: d.key, kind: d.kind.rawValue, period: d.period.label, requests: [])
                continue
            }
            var bySite: [String: SiteReport] = [:]
            for s in config.sites {
                bySite[s.id] = try await ReportBuilder.build(site: s, period: d.period, store: store, now: now, incidentSource: incidentSource)
            }
            let requests = messages(for: d, reports: bySite, configuration: config, now: now)
            if try await store.queueReport(key: d.key, kind: d.kind.rawValue, period: d.period.label, requests: requests) { queued.append(d.key) }
        }
        return queued
    }

    /// One message per address: the Department gets the consolidated report of the sites it
    /// serves (monthly and yearly); each operating unit gets its own site's yearly report.
    public static func messages(for d: DueReport, reports: [String: SiteReport], configuration config: WatchpostConfiguration, now: Instant) -> [NotificationRequest] {
        var out: [NotificationRequest] = []
        var seen: Set<String> = []
        func add(_ org: Organisation, sites: [SiteReport]) {
            guard !sites.isEmpty else { return }
            let text = ReportRenderer.text(sites)
            let site = sites.count == 1 ? sites[0] : nil
            let fields: [String: String] = [
                "period": Fmt.periodName(d.period),
                "report": text,
                "availability": sites.map { "\($0.siteID) \(Fmt.percent($0.site.availability))" }.joined(separator: ", "),
                "site": site?.name ?? "Các Cụm Thông tin đối ngoại",
                "site_en": site?.nameEnglish ?? "Foreign-information clusters",
                "site_name": site?.siteID ?? sites.map(\.siteID).joined(separator: ", "),
                "recipient": org.name,
            ]
            for address in org.addresses {
                let key = "report/\(d.key)/\(site?.siteID ?? "all")/\(address)"
                guard seen.insert(key).inserted else { continue }
                out.append(NotificationRequest(key: key, event: .report, site: site?.siteID ?? sites[0].siteID,
                                               recipient: NotificationRecipient(address: address, displayName: org.name, contactID: org.id),
                                               template: "report", fields: fields, createdAt: now))
            }
        }
        let departments = config.contacts.organisations.values.filter { $0.roles.contains(.department) }.sorted { $0.id < $1.id }
        for dept in departments {
            let served = config.sites.filter { dept.sites.isEmpty || dept.sites.contains($0.id) }.sorted { $0.id < $1.id }.compactMap { reports[$0.id] }
            add(dept, sites: served)
        }
        if d.kind == .yearly {
            for s in config.sites.sorted(by: { $0.id < $1.id }) {
                if let org = config.contacts.organisations[s.operatorOrganisation], let r = reports[s.id] { add(org, sites: [r]) }
            }
        }
        return out
    }
}

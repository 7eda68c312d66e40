// Scheduled report emails, from each site's reporting calendar (probes/<site>/reports.conf:
// monthly, 6-monthly, yearly; see ReportCalendarSettings). Decides what is due at a given instant
// (pure) and queues it through the outbox together with a `report_sent` row, so each period is
// queued exactly once even across restarts. Ad-hoc reports are queued on request (`queueAdHoc`).
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import Posix

public struct DueReport: Sendable, Hashable {
    public var site: String
    public var rule: ReportRule
    public var period: ReportPeriod
    public var kind: ReportKind { rule.kind }
    /// Idempotency key: `yearly/tay-trang/2026`, `half-yearly/vung-ang/2026-H2`.
    public var key: String { "\(kind.rawValue)/\(site)/\(period.label)" }
    /// The key the same period had before reports were per site (`monthly/2026-10`,
    /// `yearly/2026`): a period mailed then is not mailed again.
    public var legacyKey: String? { kind == .monthly || kind == .yearly ? "\(kind.rawValue)/\(period.label)" : nil }

    public init(site: String, rule: ReportRule, period: ReportPeriod) { self.site = site; self.rule = rule; self.period = period }
}

public enum ScheduledReports {
    /// A site's calendar: its `[report …]` sections, or the global `[reports]` defaults.
    public static func calendar(of site: SiteProfile, configuration config: WatchpostConfiguration) -> ReportCalendarSettings {
        ReportCalendarSettings(site: site, defaults: ReportSchedule(section: config.section("reports")), contacts: config.contacts)
    }

    /// Reports of `site` due at `now`: for each recurring report, the latest period whose send
    /// time has come. Only the latest, so a fresh install never mails a backlog.
    public static func due(at now: Instant, site: SiteProfile, calendar: ReportCalendarSettings) -> [DueReport] {
        calendar.rules.compactMap { rule in
            rule.cadence.latestDue(at: now, timing: rule.timing, zone: site.zone).map { DueReport(site: site.id, rule: rule, period: $0) }
        }
    }

    /// Builds and queues every due report not queued before. Returns the keys queued now.
    /// Each report is read and drawn on a reader of its own on the blocking pool
    /// (`Store.withPoolReader`); only its short writes go to `store`. `incidentSource` is made
    /// for that reader, so the incidents and broadcast figures are read there too.
    @discardableResult
    public static func runDue(at now: Instant, configuration config: WatchpostConfiguration, store: Store,
                              incidentSource: @escaping @Sendable (Store) -> any IncidentSource) async throws(WatchpostError) -> [String] {
        var queued: [String] = []
        for site in config.sites.sorted(by: { $0.id < $1.id }) {
            for d in due(at: now, site: site, calendar: calendar(of: site, configuration: config)) {
                if try await queue(d, site: site, at: now, configuration: config, store: store, incidentSource: incidentSource) { queued.append(d.key) }
            }
        }
        return queued
    }

    /// `runDue` with an incident source that reads no store of its own (`NoIncidentSource`).
    @discardableResult
    public static func runDue(at now: Instant, configuration config: WatchpostConfiguration, store: Store,
                              incidentSource: any IncidentSource) async throws(WatchpostError) -> [String] {
        try await runDue(at: now, configuration: config, store: store, incidentSource: { _ in incidentSource })
    }

    /// Queues an ad-hoc report (Tây Trang Điều 8.3; Vũng Áng Điều 6) of `site` over `period` to
    /// the recipients of the site's `rule` (default the `[report ad-hoc]` section). Returns its key,
    /// or nil when the same report was already queued. Read and drawn as `runDue`'s reports are.
    public static func queueAdHoc(site: SiteProfile, period: ReportPeriod, ruleID: String = "ad-hoc", at now: Instant,
                                  configuration config: WatchpostConfiguration, store: Store,
                                  incidentSource: @escaping @Sendable (Store) -> any IncidentSource) async throws(WatchpostError) -> String? {
        guard let rule = calendar(of: site, configuration: config).rule(ruleID) else {
            throw WatchpostError(.configuration, "site \(site.id) has no [report \(ruleID)] in its reporting calendar",
                                 hint: "add it to probes/\(site.id)/reports.conf with every = ad-hoc and recipients")
        }
        let d = DueReport(site: site.id, rule: rule, period: period)
        return try await queue(d, site: site, at: now, configuration: config, store: store, incidentSource: incidentSource, requireRun: false) ? d.key : nil
    }

    /// What the reading of a due report found.
    enum Reading: Sendable {
        /// Queued before (its key or its legacy key is in report_sent).
        case queuedBefore
        /// The monitor did not run at all in the period (e.g. installed after it): there is
        /// nothing to report, and mailing a page of "no data" would only be noise.
        case neverMonitored
        /// The report, drawn: the proposals its findings call for and its messages, attachments named.
        case ready(proposals: [Proposal], requests: [NotificationRequest])
    }

    static func queue(_ d: DueReport, site: SiteProfile, at now: Instant, configuration config: WatchpostConfiguration, store: Store,
                      incidentSource: @escaping @Sendable (Store) -> any IncidentSource, requireRun: Bool = true) async throws(WatchpostError) -> Bool {
        // The reads (a year of plays is seconds of SQL) and the drawing (cairo) run on a reader
        // of their own on the blocking pool, not on `store`: the daemon's writer, which incident
        // commits, acknowledgements and the outbox need (#19 s11). report_sent is asked again
        // in the transaction that queues the messages, so a period is still queued once.
        let reading: Reading
        do {
            reading = try await store.withPoolReader { reader async throws(WatchpostError) -> Reading in
                if try await reader.reportSent(key: d.key) { return .queuedBefore }
                if let legacy = d.legacyKey, try await reader.reportSent(key: legacy) { return .queuedBefore }
                let (from, to) = d.period.bounds(in: site.zone)
                if requireRun, try await reader.monitorRuns(from: Instant(seconds: from), to: Instant(seconds: to)).isEmpty { return .neverMonitored }
                // The operating unit's plan (registers, Tây Trang 7.2.1.b) decides the hours judged, as in
                // `watchpost report`.
                var planned = site
                planned.schedule = site.schedule.applying(try await reader.planChanges(site: site.id))
                var report = try await ReportBuilder.build(site: planned, period: d.period, store: reader, now: now, incidentSource: incidentSource(reader))
                report.basis = d.rule.basis
                var requests = messages(for: d, report: report, configuration: config, now: now)
                if !requests.isEmpty {
                    let files = try attachments(for: d, report: report, configuration: config)
                    for i in requests.indices { for (k, v) in files { requests[i].fields[k] = v } }
                }
                return .ready(proposals: report.proposals, requests: requests)
            }
        } catch let e as WatchpostError {
            throw e
        } catch {
            throw WatchpostError(.storage, "cannot read the report \(d.key): \(error)", hint: "it is tried again at the next look")
        }
        switch reading {
        case .queuedBefore:
            return false
        case .neverMonitored:
            return try await store.queueSiteReport(key: d.key, legacyKey: d.legacyKey, kind: d.kind.rawValue, site: site.id, period: d.period, requests: []) && false
        case .ready(let proposals, let requests):
            // The proposals the findings call for go to the register once (issue #18, point 4).
            _ = try await SuggestedProposals.file(proposals, site: site.id, store: store, at: now)
            return try await store.queueSiteReport(key: d.key, legacyKey: d.legacyKey, kind: d.kind.rawValue, site: site.id, period: d.period, requests: requests)
        }
    }

    /// Writes the report's PDF and CSV under `<database folder>/reports/<site>/` (kept: the
    /// email may be sent later, after a restart) and returns the fields that name them.
    static func attachments(for d: DueReport, report: SiteReport, configuration config: WatchpostConfiguration) throws(WatchpostError) -> [String: String] {
        let db = config.daemon.database
        let folder = (db.contains("/") ? String(db[..<(db.lastIndex(of: "/") ?? db.startIndex)]) : ".") + "/reports/\(d.site)"
        do { try FileSystem.makeDirectories(folder) } catch {
            throw WatchpostError(.io, "cannot create \(folder): \(error)", hint: "the daemon needs to write beside its database")
        }
        let base = "\(folder)/watchpost-\(d.site)-\(d.kind.rawValue)-\(d.period.label)"
        try pdf([report], path: base + ".pdf")
        do { try FileSystem.writeAtomically(base + ".html", ReportRenderer.html([report])) } catch {
            throw WatchpostError(.io, "cannot write \(base).html: \(error)", hint: "the daemon needs to write beside its database")
        }
        do { try FileSystem.writeAtomically(base + ".csv", ReportRenderer.csv([report])) } catch {
            throw WatchpostError(.io, "cannot write \(base).csv: \(error)", hint: "the daemon needs to write beside its database")
        }
        return ["attachment_pdf": base + ".pdf", "attachment_html": base + ".html", "attachment_csv": base + ".csv"]
    }

    static func pdf(_ reports: [SiteReport], path: String) throws(WatchpostError) { try ReportRenderer.pdf(reports, path: path) }

    /// The web page of a report: `<base>/reports/<site>?period=<first>..<last>`, when the
    /// configuration names the box's public address (`[web] base_url` or `[mail] public_url`).
    public static func webLink(site: String, period: ReportPeriod, configuration config: WatchpostConfiguration) -> String? {
        guard var base = config.section("web")?.value("base_url") ?? config.section("mail")?.value("public_url") else { return nil }
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/reports/\(site)?period=\(period.firstDay)..\(period.lastDay)"
    }

    /// One message per address of each recipient organisation of the report's rule.
    public static func messages(for d: DueReport, report: SiteReport, configuration config: WatchpostConfiguration, now: Instant) -> [NotificationRequest] {
        var out: [NotificationRequest] = []
        var seen: Set<String> = []
        let link = webLink(site: d.site, period: d.period, configuration: config)
        for orgID in d.rule.recipients {
            guard let org = config.contacts.organisations[orgID] else { continue }
            var fields: [String: String] = [
                "period": Fmt.periodWithDays(d.period, .vi),
                "period_en": Fmt.periodWithDays(d.period, .en),
                "report": ReportRenderer.text([report]),
                "availability": Fmt.percent(report.site.availability),
                "availability_en": Fmt.percent(report.site.availability, comma: false),
                "site": report.name,
                "site_en": report.nameEnglish,
                "site_name": report.siteID,
                "recipient": org.name,
                "basis": d.rule.basis,
                "report_kind": d.kind.rawValue,
                "report_key": d.key,
            ]
            // Without a configured public address, the path on the box's web server.
            fields["report_link"] = link ?? "/reports/\(d.site)?period=\(d.period.firstDay)..\(d.period.lastDay)"
            if let due = d.rule.timing.dueDate(of: d.period) { fields["due"] = Fmt.date(due) }
            for address in org.addresses {
                let key = "report/\(d.key)/\(address)"
                guard seen.insert(key).inserted else { continue }
                out.append(NotificationRequest(key: key, event: .report, site: d.site,
                                               recipient: NotificationRecipient(address: address, displayName: org.name, contactID: org.id),
                                               template: "report", fields: fields, createdAt: now))
            }
        }
        return out
    }
}

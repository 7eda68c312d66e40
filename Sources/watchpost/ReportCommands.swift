// `watchpost report`: uptime reports for the Department, read from the database while the
// daemon runs. Figures come from WatchpostReports; this file only parses options and writes.
import WatchpostCommandLine
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostReports
import Posix
import WatchpostHost

let reportCommand = Command(
    name: "report", summary: "uptime report for a site or all sites (PDF, HTML, CSV or text)",
    help: """
    Usage: watchpost report (--site ID | --all-sites) (--period P | --from DATE --to DATE)
                            [--format pdf|html|csv|txt] [--out FILE] [--config DIR]
       watchpost report --site ID --period yearly|half-year|monthly [--of LABEL] [--format …]
       watchpost report --site ID (--period P | --from DATE --to DATE) --send ad-hoc
       watchpost report --consolidated [--period 2026 | 2026-H1 | 2026-03 | yearly|half-year|monthly [--of …] | --from DATE --to DATE]
                            [--format pdf|html|csv|txt] [--out FILE]

    Measures each check and the site against the operating schedule: scheduled time, available,
    down, unknown, no data (the monitor was not running), availability %, outages, incidents,
    MTTA/MTTR, escalations, content violations, time on battery.

      --period P     2026 (year), 2026-H1 / 2026-H2 (half-year), 2026-Q3, 2026-03 (month),
                     2026-03-15 (day); local dates in the site's zone; or a report of
                     the site's calendar (probes/<site>/reports.conf): yearly, half-year,
                     monthly — its exact period, from the calendar's cut-off, e.g. at
                     Tây Trang (cut-off 24/11) --period yearly --of 2026 is
                     2025-11-25..2026-11-24; --consolidated: each box's site by its own calendar
      --of LABEL     which period of that report: its label (2026, 2026-H2, 2026-03) or a day
                     it holds (2026-03-15); default the latest period that has ended
      --from/--to    first and last day included, YYYY-MM-DD
      --format F     pdf (A4, made on the box with cairo and pango; needs --out), html (A4
                     printable, SVG charts), csv (spreadsheets), txt (email); default: from the
                     --out file's extension, else txt
      --out FILE     write to FILE (atomically) instead of standard output
      --all-sites    one consolidated report of every site of this box
      --consolidated the Department's consolidated report (Tây Trang Điều 8.2) of every box in
                     the [remote ID] sections of watchpost.conf and of this box's own sites, from
                     what the running daemon last fetched from each box: a box that cannot be
                     reached is reported as such, with its last known figures and last contact.
                     A period the daemon does not keep (a half-year, a month, --from/--to…) is
                     read from every box at once (tokens from the secrets file)
      --send RULE    queue the report by email to the recipients of [report RULE] in
                     probes/<site>/reports.conf (an ad-hoc report on request: Tây Trang Điều 8.3,
                     Vũng Áng Điều 6), with its PDF and CSV attached; the daemon sends it

    The site's availability is defined in probes/<site>/site.conf:
      [availability]
      checks = screen, content, power, link   # all must be up (default: every enabled check)
      warning = up                            # or down
      power_check = ups                       # minutes on battery, power cuts
    """,
    valuedOptions: ["config", "site", "period", "from", "to", "format", "out", "send", "of"],
    run: { args in
        try args.allowOnly(["config", "site", "all-sites", "consolidated", "period", "from", "to", "format", "out", "send", "of"])
        if args.has("consolidated") { return try await consolidatedReport(args) }
        let calendarName = try calendarRequest(args)
        if calendarName != nil && args.value("site") == nil {
            throw WatchpostError(.usage, Message("report.calendar.needs_site", ["name": .text(args.value("period") ?? "")]))
        }
        var period = calendarName == nil ? try reportPeriod(args) : ReportPeriod.year(1970)
        let wantsPDF = args.value("format") == "pdf" || (args.value("format") == nil && args.value("out")?.hasSuffix(".pdf") == true)
        if wantsPDF && args.value("out") == nil { throw WatchpostError(.usage, "--format pdf needs --out FILE.pdf") }
        let format: ReportFormat
        if wantsPDF {
            format = .html
        } else if let f = args.value("format") {
            guard let x = ReportFormat(rawValue: f) else { throw WatchpostError(.usage, "--format must be pdf, html, csv or txt, not '\(f)'") }
            format = x
        } else if let o = args.value("out"), let ext = o.split(separator: ".").last.map(String.init), let x = ReportFormat(rawValue: ext), o.contains(".") {
            format = x
        } else {
            format = .txt
        }
        let config: WatchpostConfiguration
        do { config = try ConfigurationLoader.load(root: configRoot(args)) } catch {
            throw WatchpostError(.configuration, "the configuration has errors:\n" + String(describing: error), hint: "run watchpost check")
        }
        let sites: [SiteProfile]
        if args.has("all-sites") {
            guard args.value("site") == nil else { throw WatchpostError(.usage, "give --site or --all-sites, not both") }
            sites = config.sites.sorted { $0.id < $1.id }
            // A console watches no site of its own: say so and name the report it can make,
            // instead of an empty report and exit 0 (#17 review s6).
            guard !sites.isEmpty else {
                throw WatchpostError(.usage, Message("cli.report.no_sites"), hint: Message("cli.report.no_sites_hint"))
            }
        } else if let id = args.value("site") {
            guard let s = config.site(id) else {
                throw WatchpostError(.notFound, "no site '\(id)'", hint: "known sites: \(config.sites.map(\.id).sorted().joined(separator: ", "))")
            }
            sites = [s]
            // A report of the site's calendar: its exact period (reports.conf's cut-off).
            if let request = calendarName { period = try request.resolve(site: s, configuration: config, today: s.zone.localDate(of: SystemClock().now())) }
        } else {
            throw WatchpostError(.usage, "name a site with --site ID, or --all-sites", hint: "known sites: \(config.sites.map(\.id).sorted().joined(separator: ", "))")
        }
        if let rule = args.value("send") {
            guard sites.count == 1, !args.has("all-sites") else { throw WatchpostError(.usage, "--send takes one --site") }
            let (_, writable) = try openStore(args, createIfMissing: false)
            let key = try await ScheduledReports.queueAdHoc(site: sites[0], period: period, ruleID: rule, at: SystemClock().now(), configuration: config,
                                                            store: writable, incidentSource: { reader in StoreIncidentSource(store: reader, configuration: config) })
            if let key { err(Catalogue.bilingual(Message("cli.report.queued", ["key": .text(key), "rule": .text(rule)]), separator: "\n")) }
            else { err(Catalogue.bilingual(Message("cli.report.already_queued", ["rule": .text(rule), "site": .text(sites[0].id), "period": .text(period.label)]), separator: "\n")) }
            return 0
        }
        guard FileSystem.exists(config.daemon.database) else {
            throw WatchpostError(.notFound, "no database at \(config.daemon.database)", hint: "start the daemon first: watchpost run")
        }
        let store = try Store(path: config.daemon.database, clock: SystemClock(), readOnly: true)
        let now = SystemClock().now()
        var reports: [SiteReport] = []
        for var s in sites {
            // The operating unit's plan (registers, Tây Trang 7.2.1.b) decides the hours judged.
            s.schedule = s.schedule.applying(try await store.planChanges(site: s.id))
            reports.append(try await ReportBuilder.build(site: s, period: period, store: store, now: now, incidentSource: StoreIncidentSource(store: store, configuration: config)))
        }
        if wantsPDF, let path = args.value("out") {
            let pages = try ReportRenderer.pdf(reports, path: path)
            err("wrote \(path) (pdf, \(pages) pages, \(reports.count) site(s), \(period.label))")
            return 0
        }
        let text = ReportRenderer.render(reports, format: format)
        if let path = args.value("out") {
            do { try FileSystem.writeAtomically(path, text) } catch {
                throw WatchpostError(.io, "cannot write \(path): \(error)", hint: "check that the folder exists and is writable")
            }
            err("wrote \(path) (\(format.rawValue), \(reports.count) site(s), \(period.label))")
        } else {
            outText(text)
        }
        return 0
    })

/// `--period yearly|half-year|monthly [--of LABEL]`: a report of the site's calendar; nil for a
/// plain period (`--period 2026`, `--from/--to`).
func calendarRequest(_ args: Arguments) throws(WatchpostError) -> CalendarPeriodRequest? {
    guard let p = args.value("period"), CalendarPeriodRequest.isName(p) else {
        if args.value("of") != nil { throw WatchpostError(.usage, Message("report.calendar.of_needs_name")) }
        return nil
    }
    guard args.value("from") == nil && args.value("to") == nil else { throw WatchpostError(.usage, "give --period or --from/--to, not both") }
    return CalendarPeriodRequest(name: p, of: args.value("of"))
}

func reportPeriod(_ args: Arguments) throws(WatchpostError) -> ReportPeriod {
    if let p = args.value("period") {
        guard args.value("from") == nil && args.value("to") == nil else { throw WatchpostError(.usage, "give --period or --from/--to, not both") }
        guard let period = ReportPeriod(parsing: p) else {
            // The rule in words, from the catalogue (it said only "not a period": #19 review s9).
            throw WatchpostError(.usage, Message("report.period.invalid", ["period": .text(p)]))
        }
        return period
    }
    guard let f = args.value("from"), let t = args.value("to") else {
        throw WatchpostError(.usage, "give --period, or both --from and --to", hint: "e.g. --period 2026-H1 or --from 2026-01-01 --to 2026-06-30")
    }
    guard let a = CivilDate(parsing: f) else { throw WatchpostError(.usage, "--from '\(f)' is not a date (YYYY-MM-DD)") }
    guard let b = CivilDate(parsing: t) else { throw WatchpostError(.usage, "--to '\(t)' is not a date (YYYY-MM-DD)") }
    guard a <= b else { throw WatchpostError(.usage, "--from \(f) is after --to \(t)") }
    // The same bound as a FROM..TO period on the web and the API (556ac30): --from 1970-01-01
    // --to 9999-12-31 ran for minutes and took 380-480 MB here (#19, s9).
    guard let period = ReportPeriod(parsing: "\(a)..\(b)") else {
        throw WatchpostError(.usage, Message("report.range.too_long", ["from": .text(f), "to": .text(t)]))
    }
    return period
}

/// `watchpost report --consolidated`: the console's view of every box for a period (default each
/// cluster's yearly report labelled this year, by its calendar), from the daemon's cache
/// (migration 31) or read from the boxes when the daemon does not keep it; this box's own sites
/// are measured now.
func consolidatedReport(_ args: Arguments) async throws(WatchpostError) -> Int32 {
    guard args.value("site") == nil, !args.has("all-sites"), args.value("send") == nil,
          (args.value("from") == nil && args.value("to") == nil) || (args.value("period") == nil && args.value("of") == nil) else {
        throw WatchpostError(.usage, "--consolidated takes --period (a year, half-year, month or FROM..TO; or yearly|half-year|monthly [--of …]: each cluster by its own calendar) or --from/--to, --format and --out only")
    }
    let now = SystemClock().now()
    // Ad hoc (Vũng Áng Điều 6: reports when asked): --from/--to, as for one site.
    let adHoc = args.value("from") != nil || args.value("to") != nil ? try reportPeriod(args) : nil
    // Default: each cluster's yearly report labelled this year by its own calendar (Tây Trang Điều 8.2).
    let periodText = adHoc?.label ?? args.value("period") ?? "yearly"
    let of = args.value("of") ?? (adHoc == nil && args.value("period") == nil ? String(ZoneOffset.hoChiMinh.localDate(of: now).year) : nil)
    guard let period = FleetPeriod(period: periodText, of: of) else {
        if args.value("of") != nil && !CalendarPeriodRequest.isName(periodText) { throw WatchpostError(.usage, Message("report.calendar.of_needs_name")) }
        throw WatchpostError(.usage, "'\(periodText)' is not a period", hint: "use 2026, 2026-H1 or yearly [--of 2026]")
    }
    let config: WatchpostConfiguration
    do { config = try ConfigurationLoader.load(root: configRoot(args)) } catch {
        throw WatchpostError(.configuration, "the configuration has errors:\n" + String(describing: error), hint: "run watchpost check")
    }
    guard FileSystem.exists(config.daemon.database) else {
        throw WatchpostError(.notFound, "no database at \(config.daemon.database)", hint: "start the daemon first: watchpost run")
    }
    let store = try Store(path: config.daemon.database, clock: SystemClock(), readOnly: true)
    // A period the daemon does not keep (a half-year, a month, a range…) is read from the boxes
    // now, with their tokens (the web console caches such reads; this command only reads).
    let secrets = try Secrets.load(file: config.daemon.secretsFile)
    let live = FleetLiveRead(token: { secrets.revealRemoteToken($0) }, clock: SystemClock(), cache: nil)
    let view = try await FleetView.load(configuration: config, fleetPeriod: period, store: store, now: now, live: live)
    let format = args.value("format") ?? args.value("out").flatMap { o in o.contains(".") ? o.split(separator: ".").last.map(String.init) : nil } ?? "txt"
    let out = args.value("out")
    switch format {
    case "pdf":
        guard let path = out else { throw WatchpostError(.usage, "--format pdf needs --out FILE.pdf") }
        let pages = try FleetRenderer.pdf(view, path: path)
        err("wrote \(path) (pdf, \(pages) pages, \(view.remotes.count) remote box(es), \(period.key))")
        return 0
    case "html", "csv", "txt":
        let text = format == "html" ? FleetRenderer.html(view) : format == "csv" ? FleetRenderer.csv(view) : FleetRenderer.text(view)
        if let path = out {
            do { try FileSystem.writeAtomically(path, text) } catch {
                throw WatchpostError(.io, "cannot write \(path): \(error)", hint: "check that the folder exists and is writable")
            }
            err("wrote \(path) (\(format), \(view.remotes.count) remote box(es), \(period.key))")
        } else {
            outText(text)
        }
        return 0
    default:
        throw WatchpostError(.usage, "--format must be pdf, html, csv or txt, not '\(format)'")
    }
}

// The report's registers section (issue #18, point 6): what the registers hold for the site
// over the period — inspections done (Tây Trang 7.1.3; Vũng Áng 4.1), follow-up actions still
// open, feedback received, answered and open (7.2.5), maintenance and repairs done and proposals
// decided (7.1.3, 7.2.4), training held (7.1.4, 7.2.6; Vũng Áng 4.4), loans of the mobile sound
// equipment (2.2), and the operating plan's planned against operated hours (7.2.1.b) — in HTML,
// text, CSV and PDF. The figures come from `Store.registerFigures`; this file only adds the
// hours operated on the planned days (from the report's own day tallies) and renders.
import WatchpostCore
import WatchpostStore
import PDFLayout

/// The registers' figures of one site and period.
public struct RegisterReport: Sendable, Hashable {
    /// The registers' counts; `plannedSeconds` is replaced by the hours the plan's days were
    /// scheduled as each change held (see `gather`).
    public var figures: RegisterFigures
    /// Seconds the site was up on the days the plan set hours for or closed (the hours judged follow the plan).
    public var operatedOnPlannedDays: Int64
    /// Closed days whose closure was made during the day, after operating hours had begun: the
    /// hours before the closure were operating hours (Tây Trang 7.2.1.b, the plan holds "from
    /// that moment") and are counted as planned and operated, not as a closed day's nothing.
    public var closedPartWay: Int = 0
    /// Planned days of the period not begun when the report was made, with the hours the
    /// schedule holds for them now: a planned Saturday can be checked before it comes.
    public var upcoming: [(date: CivilDate, windows: [DailyWindow], entry: PlanEntry)] = []

    public static func == (a: RegisterReport, b: RegisterReport) -> Bool {
        a.figures == b.figures && a.operatedOnPlannedDays == b.operatedOnPlannedDays && a.closedPartWay == b.closedPartWay
            && a.upcoming.map(\.entry) == b.upcoming.map(\.entry) && a.upcoming.map(\.windows) == b.upcoming.map(\.windows)
    }

    public func hash(into h: inout Hasher) {
        h.combine(figures); h.combine(operatedOnPlannedDays); h.combine(closedPartWay); h.combine(upcoming.map(\.entry))
    }

    /// Reads the registers over the report's days; `days` are the report's per-day tallies and
    /// `schedule` the site's schedule. Each planned day counts the seconds the schedule held for
    /// it with every change of the plan applied from the moment it was made: a day planned
    /// 08:00–16:00 in advance counts 8 h, a Saturday of the profile's 08:00–18:00 closed at 14:00
    /// counts the 6 h run before the closure (and the hours the site was up in them).
    /// `until` is where the report's figures stop (its `to`): planned days from then on are listed as upcoming.
    static func gather(site: String, period: ReportPeriod, schedule: OperatingSchedule, days: [(date: CivilDate, tally: AvailabilityTally)],
                       until: Int64, store: Store) async throws(WatchpostError) -> RegisterReport? {
        guard let first = period.days.first, let last = period.days.last else { return nil }
        var figures = try await store.registerFigures(site: site, from: first, to: last, zone: schedule.zone)
        // Applying the changes again is harmless (a revision already there is not added twice),
        // so a caller that laid the plan over the schedule and one that did not count alike.
        let held = schedule.applying(try await store.planChanges(site: site))
        var up: [CivilDate: Int64] = [:]
        for d in days { up[d.date, default: 0] += d.tally.up }
        var planned: Int64 = 0, operated: Int64 = 0, partWay = 0, plannedDays = 0, closures = 0
        var upcoming: [(date: CivilDate, windows: [DailyWindow], entry: PlanEntry)] = []
        for e in try await store.plan(site: site, from: first, to: last) {
            let start = schedule.zone.startOf(e.date).seconds, end = schedule.zone.startOf(e.date.adding(days: 1)).seconds
            // A day not begun when the report was made is not counted but listed as upcoming:
            // "42 h planned, 0 h operated" for Saturdays still ahead misled (review of #18, s5).
            guard start < until else {
                upcoming.append((e.date, held.windows(on: e.date), e))
                continue
            }
            plannedDays += 1
            if e.change == .closed { closures += 1 }
            // Planned hours up to where the figures stop, as the operated ones.
            let seconds = held.scheduledSeconds(from: start, to: min(end, until))
            planned += seconds
            operated += up[e.date] ?? 0
            if e.change == .closed && seconds > 0 { partWay += 1 }
        }
        figures.plannedDays = plannedDays
        figures.closures = closures
        figures.plannedSeconds = planned
        var report = RegisterReport(figures: figures, operatedOnPlannedDays: operated, closedPartWay: partWay)
        report.upcoming = upcoming
        return report
    }

    /// One row per figure: label key and the value as written in the report.
    var rows: [(key: MessageKey, value: Message)] {
        let f = figures
        return [
            ("report.registers.inspections", Message("report.registers.inspections.value", ["count": .count(f.inspections), "periodic": .count(f.periodicInspections), "surprise": .count(f.surpriseInspections)])),
            ("report.registers.open_actions", Message("report.registers.count", ["count": .count(f.openActions)])),
            ("report.registers.feedback", Message("report.registers.feedback.value", ["received": .count(f.feedbackReceived), "answered": .count(f.feedbackAnswered), "open": .count(f.feedbackOpen)])),
            ("report.registers.maintenance", Message("report.registers.maintenance.value", ["count": .count(f.maintenanceDone), "cost": .number(Double(f.maintenanceCostVND), digits: 0)])),
            ("report.registers.proposals", Message("report.registers.proposals.value", ["raised": .count(f.proposalsRaised), "decided": .count(f.proposalsDecided)])),
            ("report.registers.training", Message("report.registers.training.value", ["count": .count(f.trainingSessions), "people": .count(f.trainees)])),
            ("report.registers.loans", Message("report.registers.count", ["count": .count(f.loans)])),
            ("report.registers.plan", Message(closedPartWay > 0 ? "report.registers.plan.value_part_way" : "report.registers.plan.value", [
                "days": .count(f.plannedDays), "closures": .count(f.closures), "part_way": .count(closedPartWay),
                "planned": .number(Double(f.plannedSeconds) / 3600, digits: 1), "operated": .number(Double(operatedOnPlannedDays) / 3600, digits: 1),
            ])),
        ] + upcoming.map { u -> (key: MessageKey, value: Message) in
            let hours = u.windows.isEmpty ? Message("registers.board.not_operated") : Message("registers.board.hours", [
                "windows": .text(u.windows.map(\.description).joined(separator: ", ")), "total": .duration(Seconds(u.windows.reduce(Int64(0)) { $0 + $1.length })),
            ])
            return ("report.registers.plan_upcoming", Message("report.registers.plan_upcoming.value", [
                "date": .date(u.date), "hours": .message(hours), "by": .text(u.entry.by), "reason": .text(u.entry.reason.isEmpty ? "—" : u.entry.reason),
            ]))
        }
    }
}

extension ReportRenderer {
    static func registersHTML(_ r: SiteReport) -> String {
        var h = "<div class=\"keep registers\">" + h2("report.section.registers")
        guard let reg = r.registers else { return h + noData("report.registers.no_data") + "</div>\n" }
        h += "<table>"
        for row in reg.rows {
            h += "<tr><td>\(Fmt.html(Say.vi(row.key)))<br><span class=\"note\">\(Fmt.html(Say.en(row.key)))</span></td>"
            h += "<td>\(Fmt.html(Catalogue.render(row.value, .vi)))<br><span class=\"note\">\(Fmt.html(Catalogue.render(row.value, .en)))</span></td></tr>\n"
        }
        return h + "</table>\n</div>\n"
    }

    static func registersText(_ r: SiteReport) -> [String] {
        var o = [Say.both("report.section.registers") + ":"]
        guard let reg = r.registers else { return o + ["  " + Say.both("report.registers.no_data")] }
        // Vietnamese, then the English translation on the line below.
        for row in reg.rows {
            o.append("  " + Say.vi(row.key) + ": " + Catalogue.render(row.value, .vi))
            o.append("    " + Say.en(row.key) + ": " + Catalogue.render(row.value, .en))
        }
        return o
    }

    static func registersPDF(_ r: SiteReport, _ w: DocumentBuilder) {
        headingPDF(w, "report.section.registers")
        guard let reg = r.registers else { noDataPDF(w, "report.registers.no_data"); return }
        w.table(header: [Cell(""), Cell("")], rows: reg.rows.map { row in
            [Cell(Say.vi(row.key), note: Say.en(row.key)), Cell(Catalogue.render(row.value, .vi), note: Catalogue.render(row.value, .en))]
        }, widths: [3, 2])
    }

    /// CSV of the registers: one row per site (a table of the CSV file).
    static func registersCSV(_ reports: [SiteReport]) -> [String] {
        var o = ["site,period,inspections,periodic_inspections,surprise_inspections,open_actions,feedback_received,feedback_answered,feedback_open,maintenance_done,maintenance_cost_vnd,proposals_raised,proposals_decided,training_sessions,trainees,loans,planned_days,closures,planned_s,operated_on_planned_days_s,closed_part_way_days"]
        for r in reports {
            guard let reg = r.registers else { continue }
            let f = reg.figures
            o.append(([Fmt.csv(r.siteID), Fmt.csv(r.period.label)] + [f.inspections, f.periodicInspections, f.surpriseInspections, f.openActions, f.feedbackReceived,
                f.feedbackAnswered, f.feedbackOpen, f.maintenanceDone].map(String.init) + [String(f.maintenanceCostVND)]
                + [f.proposalsRaised, f.proposalsDecided, f.trainingSessions, f.trainees, f.loans, f.plannedDays, f.closures].map(String.init)
                + [String(f.plannedSeconds), String(reg.operatedOnPlannedDays), String(reg.closedPartWay)]).joined(separator: ","))
        }
        return o
    }
}

/// Proposals Watchpost's own findings call for (issue #18, point 4; Tây Trang 7.1.3, 7.2.4: the
/// units propose maintenance and repair to the Department), filed in the proposals register so
/// the Department decides them like any other. `Proposal.compute` finds them (a UPS asking for a
/// battery, receiving cards missing in recurring incidents, a link lost again and again); this
/// files each once: a suggestion whose origin already has a pending proposal at the site is not
/// filed again, so the step may run at every report.
public enum SuggestedProposals {
    /// What the register calls a proposal of each origin: a battery or a card is a repair, a
    /// recurring link loss a matter of maintenance with the provider.
    static func kind(of origin: String) -> ProposalKind {
        origin.hasPrefix("ups.") || origin.hasPrefix("led.") ? .repair : .maintenance
    }

    /// Pure: the register proposals to file for `suggested` at `site`, given what is `existing`.
    /// Suggestions without an origin are not filed (nothing to tell a repeat by).
    public static func toFile(_ suggested: [Proposal], site: String, existing: [WatchpostCore.Proposal], at: Instant) -> [WatchpostCore.Proposal] {
        var pending = Set(existing.filter { $0.site == site && $0.decision == .pending }.map(\.origin))
        var out: [WatchpostCore.Proposal] = []
        for s in suggested where !s.origin.isEmpty && !pending.contains(s.origin) {
            pending.insert(s.origin)
            out.append(WatchpostCore.Proposal(site: site, kind: kind(of: s.origin), text: Catalogue.render(s.message, .vi), origin: s.origin,
                                              raisedBy: "watchpost", raisedAt: at))
        }
        return out
    }

    /// The report step: files what `toFile` says, each in a transaction that checks again that
    /// no pending proposal has its origin. Returns the numbers filed.
    public static func file(_ suggested: [Proposal], site: String, store: Store, at: Instant) async throws(WatchpostError) -> [Int64] {
        var ids: [Int64] = []
        for p in toFile(suggested, site: site, existing: try await store.proposals(site: site), at: at) {
            if let id = try await store.addProposal(p, unlessPendingFromSameOrigin: true) { ids.append(id) }
        }
        return ids
    }
}

// The report's sections beyond availability — incident list, weekend and holiday hours, content,
// registers, proposals — in HTML, text and CSV. Wording comes from the catalogue (table
// "reports"); every section says plainly when this box has no data for it.
import WatchpostCore
import WatchpostBroadcast

extension ReportRenderer {
    static func h2(_ key: MessageKey) -> String { "<h2>\(Fmt.html(Say.vi(key)))<small>\(Fmt.html(Say.en(key)))</small></h2>\n" }
    static func th(_ key: MessageKey) -> String { "<th>\(Fmt.html(Say.vi(key)))<small>\(Fmt.html(Say.en(key)))</small></th>" }
    static func noData(_ key: MessageKey) -> String { "<p class=\"note nodata\">\(Fmt.html(Say.vi(key)))<br>\(Fmt.html(Say.en(key)))</p>\n" }
    static func hours(_ s: Int64) -> String { Fmt.fixed(Double(s) / 3600, digits: 1).replacingDot() }
    /// Hours in the reader's notation: the decimal comma in Vietnamese, the point in the English
    /// translation line (#15 review s6: "Scheduled hours 34,2").
    static func hours(_ s: Int64, _ lang: Language) -> String { lang == .vi ? hours(s) : Fmt.fixed(Double(s) / 3600, digits: 1) }

    static func dayKindKey(_ k: DayKindHours.Kind) -> MessageKey { MessageKey("report.weekend." + k.rawValue) }

    /// HTML of the extra sections of one site.
    static func extraHTML(_ r: SiteReport) -> String {
        let z = r.zone
        var h = "<div class=\"incidents\">" + h2("report.section.incident_list")
        if let list = r.incidentList {
            if list.isEmpty { h += noData("report.incident_list.none") } else {
                h += "<table class=\"list\"><tr>" + ["report.col.when", "report.col.what", "report.col.category", "report.col.informed", "report.col.taken", "report.col.actions", "report.col.outcome"].map { th(MessageKey($0)) }.joined() + "</tr>\n"
                for i in list {
                    h += "<tr><td>#\(i.id)<br>\(Fmt.html(HumanFormat.tableTime(i.opened, zone: z)))</td>"
                    h += "<td>\(Fmt.html(i.checkName.isEmpty ? i.checkID : i.checkName))<br><span class=\"note\">\(Fmt.html(i.summary))</span></td>"
                    h += "<td>\(Fmt.html(Catalogue.render(i.category.shortMessage, .vi)))<br><span class=\"note\">\(Fmt.html(Catalogue.render(i.severity.message, .vi)))</span></td>"
                    h += "<td>\(Fmt.html(i.informedText(.vi, zone: z)))</td><td>\(Fmt.html(i.takenText(.vi, zone: z)))</td>"
                    let lines = i.actionLines(.vi, zone: z)
                    h += "<td>\(lines.isEmpty ? Fmt.html(Say.vi("report.incident.no_actions")) : lines.map(Fmt.html).joined(separator: "<br>"))</td>"
                    h += "<td>\(Fmt.html(i.endingText(.vi, zone: z)))</td></tr>\n"
                }
                h += "</table>\n"
            }
        } else {
            h += noData("report.incident_list.no_records")
        }
        h += "</div>\n<div class=\"keep\">" + h2("report.section.weekend")
        h += "<table><tr><th></th>" + ["report.col.days", "report.col.scheduled_hours", "report.col.operated_hours", "report.col.no_data_hours"].map { th(MessageKey($0)) }.joined() + th("report.col.availability_short") + "</tr>\n"
        for k in r.dayKinds {
            h += "<tr><td>\(Fmt.html(Say.vi(dayKindKey(k.kind))))<br><span class=\"note\">\(Fmt.html(Say.en(dayKindKey(k.kind))))</span></td><td>\(k.days)</td><td>\(hours(k.tally.scheduled))</td><td>\(hours(k.tally.up))</td><td>\(hours(k.tally.noData))</td><td>\(Fmt.percent(k.tally.availability, digits: 2))</td></tr>\n"
        }
        h += "</table>\n" + noData("report.weekend.plan_no_data") + "</div>\n"
        h += "<div class=\"keep\">" + h2("report.section.content")
        if let c = r.content {
            h += "<p>\(Fmt.html(Say.vi("report.content.summary", contentParams(c, .vi))))<br><span class=\"note\">\(Fmt.html(Say.en("report.content.summary", contentParams(c, .en))))</span></p>\n"
            for (key, map) in [("report.content.by_language", c.byLanguage), ("report.content.by_source", c.bySource)] {
                h += "<table><tr>\(th(MessageKey(key)))<th></th></tr>"
                for (name, secs) in map.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }) {
                    h += "<tr><td>\(Fmt.html(name.isEmpty ? Say.both("report.content.unspecified") : name))</td><td>\(hours(secs))</td></tr>"
                }
                h += "</table>\n"
            }
            let lines = approvalMessages(c)
            if !lines.isEmpty {
                h += "<ul class=\"approvals\">" + lines.map { "<li>\(Fmt.html(Catalogue.render($0, .vi, zone: z)))<br><span class=\"note\">\(Fmt.html(Catalogue.render($0, .en, zone: z)))</span></li>" }.joined() + "</ul>\n"
            }
        } else {
            h += noData("report.content.no_data")
        }
        h += "</div>\n" + registersHTML(r)
        h += "<div class=\"keep proposals\">" + h2("report.section.proposals")
        if r.proposals.isEmpty { h += noData("report.proposals.none") } else {
            h += "<p class=\"note\">\(Fmt.html(Say.both("report.proposals.intro")))</p><ol>"
            for p in r.proposals { h += "<li>\(Fmt.html(Catalogue.render(p.message, .vi, zone: z)))<br><span class=\"note\">\(Fmt.html(Catalogue.render(p.message, .en, zone: z)))</span></li>" }
            h += "</ol>\n"
        }
        return h + "</div>\n"
    }

    static func contentParams(_ c: ContentFigures, _ lang: Language) -> [String: MessageValue] {
        ["plays": .count(c.plays), "items": .count(c.items), "hours": .number(Double(c.shownSeconds) / 3600, digits: 1), "unapproved": .count(c.unapprovedPlays)]
    }

    /// The approvals of the period as lines (HTML, text and PDF): the approval in force and the
    /// next due date, every renewal against its deadline, the Tây Trang 7.8 programme test of
    /// each month. Empty when the report has no approval figures.
    static func approvalMessages(_ c: ContentFigures) -> [Message] {
        var out: [Message] = []
        // Plays while the share was unreadable: neither approved nor refused (review of #16, session 5).
        if c.notCheckedPlays > 0 { out.append(Message("report.content.not_checked", ["count": .count(c.notCheckedPlays)])) }
        guard let a = c.approvals else { return out }
        if let cur = a.current {
            out.append(Message("report.content.approval.current", ["sequence": .text(cur.sequence.map(String.init) ?? "-"),
                                                                  "approved_at": .tableTime(cur.approvedAt), "valid_to": .tableTime(cur.validTo)]))
        } else {
            out.append(Message("report.content.approval.none"))
        }
        if let due = a.nextDue {
            if let day = a.monthlyDeadlineDay {
                out.append(Message("report.content.approval.next_due.monthly", ["due": .tableTime(due), "day": .int(Int64(day))]))
            } else {
                out.append(Message("report.content.approval.next_due.valid_to", ["due": .tableTime(due)]))
            }
        }
        if a.renewals.isEmpty { out.append(Message("report.content.approval.renewals_none")) }
        for r in a.renewals {
            var p: [String: MessageValue] = ["sequence": .text(r.sequence.map(String.init) ?? "-"), "approved_at": .tableTime(r.approvedAt),
                                             "valid_from": .tableTime(r.validFrom), "valid_to": .tableTime(r.validTo)]
            if let d = r.deadline {
                p["deadline"] = .tableTime(d)
                p["verdict"] = .message(Message(r.onTime ? "report.content.approval.on_time" : "report.content.approval.late"))
                out.append(Message("report.content.approval.renewal", p))
            } else {
                out.append(Message("report.content.approval.renewal.no_deadline", p))
            }
        }
        for m in a.months ?? [] {
            out.append(m.notObserved == true ? Message("report.content.month.not_observed", ["month": .text(monthForPeople(m.month))])
                : m.noData ? Message("report.content.month.no_data", ["month": .text(monthForPeople(m.month))])
                : Message("report.content.month", ["month": .text(monthForPeople(m.month)), "plays": .count(m.plays), "shown": .count(m.itemsShown),
                                                   "approved": .count(m.itemsApproved), "hours": .number(Double(m.secondsShown) / 3600, digits: 1)]))
        }
        for t in a.programmeTests {
            let verdict: MessageKey = t.test.notObserved == true ? "report.content.programme.not_observed"
                : t.test.noData == true ? "report.content.programme.no_data"
                : t.test.passed ? "report.content.programme.passed" : "report.content.programme.failed"
            out.append(Message("report.content.programme", ["month": .text(monthForPeople(t.month)), "shown": .count(t.test.shown), "approved": .count(t.test.approved),
                                                             "sources": .text(t.test.sources.joined(separator: ", ")), "required": .count(t.test.required),
                                                             "verdict": .message(Message(verdict))]))
        }
        return out
    }

    /// Text of the extra sections (email body, `--format txt`), Vietnamese then English per line.
    static func extraText(_ r: SiteReport) -> [String] {
        let z = r.zone
        var o: [String] = []
        o.append(Say.both("report.section.incident_list") + ":")
        if let list = r.incidentList {
            if list.isEmpty { o.append("  " + Say.both("report.incident_list.none")) }
            for i in list {
                o.append("  #\(i.id) \(HumanFormat.tableTime(i.opened, zone: z)) \(i.checkName.isEmpty ? i.checkID : i.checkName) — \(Catalogue.render(i.category.shortMessage, .vi)), \(Catalogue.render(i.severity.message, .vi)): \(i.summary)")
                o.append("    \(Say.vi("report.col.informed")): \(i.informedText(.vi, zone: z))")
                o.append("    \(Say.vi("report.col.taken")): \(i.takenText(.vi, zone: z))")
                for l in i.actionLines(.vi, zone: z) { o.append("    - \(l)") }
                o.append("    \(Say.vi("report.col.outcome")): \(i.endingText(.vi, zone: z))")
            }
        } else {
            o.append("  " + Say.both("report.incident_list.no_records"))
        }
        o.append("")
        o.append(Say.both("report.section.weekend") + ":")
        // Vietnamese, then the English translation on the line below.
        for k in r.dayKinds {
            for lang in [Language.vi, .en] {
                let say = { (key: MessageKey) in Catalogue.render(Message(key), lang) }
                o.append("  " + row([say(dayKindKey(k.kind)), Catalogue.render(Message("report.weekend.day_count", ["count": .count(k.days)]), lang),
                                     "\(say("report.col.scheduled_hours")) \(hours(k.tally.scheduled, lang))", "\(say("report.col.operated_hours")) \(hours(k.tally.up, lang))"], [16, 14, 24, 24]))
            }
        }
        o.append("  " + Say.both("report.weekend.plan_no_data"))
        o.append("")
        o.append(Say.both("report.section.content") + ":")
        if let c = r.content {
            o.append("  " + Say.vi("report.content.summary", contentParams(c, .vi)))
            // Hours by language and by source, as in HTML and PDF (review of #16, session 5).
            for (key, map) in [("report.content.by_language", c.byLanguage), ("report.content.by_source", c.bySource)] where !map.isEmpty {
                let cells = map.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) })
                    .map { "\($0.key.isEmpty ? Say.vi("report.content.unspecified") : $0.key) \(hours($0.value))" }
                o.append("  " + Say.both(MessageKey(key)) + ": " + cells.joined(separator: "; "))
            }
            for m in approvalMessages(c) {
                o.append("  - " + Catalogue.render(m, .vi, zone: z))
                o.append("    " + Catalogue.render(m, .en, zone: z))
            }
        } else { o.append("  " + Say.both("report.content.no_data")) }
        o += registersText(r)
        o.append(Say.both("report.section.proposals") + ":")
        if r.proposals.isEmpty { o.append("  " + Say.both("report.proposals.none")) }
        for (n, p) in r.proposals.enumerated() { o.append("  \(n + 1). " + Catalogue.render(p.message, .vi, zone: z)) }
        o.append("")
        return o
    }

    /// CSV of the incident list: one row per incident (a third table of the CSV file).
    static func incidentCSV(_ reports: [SiteReport]) -> [String] {
        var o = ["site,incident,opened,check,category,severity,summary,informed,taken_by,taken_at,actions,resolved_at,resolved_by,outcome"]
        for r in reports {
            for i in r.incidentList ?? [] {
                o.append([Fmt.csv(r.siteID), String(i.id), r.zone.format(i.opened), Fmt.csv(i.checkID), i.category.rawValue, i.severity.severityName, Fmt.csv(i.summary),
                          Fmt.csv(i.informedText(.vi, zone: r.zone)), Fmt.csv(i.taken?.by ?? ""), i.taken.map { r.zone.format($0.at) } ?? "",
                          Fmt.csv(i.actionLines(.vi, zone: r.zone).joined(separator: "; ")), i.ending.map { r.zone.format($0.at) } ?? "",
                          Fmt.csv(i.ending?.by ?? ""), Fmt.csv(i.endingText(.vi, zone: r.zone))].joined(separator: ","))
            }
        }
        return o
    }
}

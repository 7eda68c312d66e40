// The registers' pages and CSV exports (the forms' handling is in RegisterPages.swift). Each
// page lists its register for the site and, for the roles that may write, the form to add to
// it, filled with what was typed when the last attempt was refused.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import HTTPServer

extension WebApp {
    func registerGet(_ name: String, _ who: Caller, _ site: SiteProfile, refused: RefusedForm?, message: String?,
                     status: Int = 200) async -> HTTPResponse {
        guard let role = who.user?.role else { return notFound(who) }
        let z = site.zone
        let write = RegisterAccess.mayWrite(role), decide = RegisterAccess.mayDecide(role)
        let s = "?site=\(urlEncode(site.id))"
        let csrf = esc(who.session?.csrfToken ?? "")
        func button(_ action: String, _ label: String, extra: String = "") -> String {
            "<form method=\"post\" action=\"\(esc(action))\(s)\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\">\(extra)<button type=\"submit\" class=\"secondary\">\(esc(label))</button></form>"
        }
        func vi(_ key: String) -> String { esc(Catalogue.bilingual(Message(MessageKey(key)))) }
        /// A row's form stays open when it is the one that was refused.
        func opened(_ path: String) -> String { refused?.path == path ? " open" : "" }
        func csvLink(_ n: String) -> String { "<p><a href=\"/registers/\(n).csv\(s)\">\(PageText.html("web.t.download_csv"))</a></p>" }
        do {
            switch name {
            case "", "plan":
                let plan = try await reader.plan(site: site.id, from: site.zone.localDate(of: clock.now()).adding(days: -31))
                let rows = plan.map { e -> [String] in
                    let hours: String = switch e.change {
                    case .closed: PageText.text("web.t.closed")
                    case .hours(let ws): ws.map(\.description).joined(separator: ", ") + " (" + HumanFormat.duration(Seconds(e.plannedSeconds), .vi) + ")"
                    }
                    return [esc(HumanFormat.date(e.date)), esc(hours), esc(e.reason), esc(e.by) + "<br><span class=\"muted\">" + esc(HumanFormat.tableTime(e.at, zone: z)) + "</span>"]
                }
                let policy = site.planPolicy
                let rule = policy.hours.map { PageText.text("web.plan.weekend_hours", ["low": .int(Int64($0.lowerBound)), "high": .int(Int64($0.upperBound)), "source": .text("\(policy.source)")]) }
                    ?? PageText.text("web.t.fixed_hours_only_closures")
                var body = "<p class=\"card\">\(esc(rule))</p>" + registerTable([PageText.text("web.t.date"), PageText.text("web.t.hours"), PageText.text("web.col.reason"), PageText.text("web.t.by")], rows) + csvLink("plan")
                if write {
                    body += "<h2>\(PageText.html("web.t.set_plan"))</h2>" + registerForm(action: "/registers/plan\(s)", submit: PageText.text("web.t.save"), fields: [
                        RegisterField(name: "date", label: PageText.text("web.t.date"), kind: .date),
                        RegisterField(name: "mode", label: PageText.text("web.t.kind"), kind: .select([("hours", PageText.text("web.t.operating_hours")), ("closed", PageText.text("web.t.closed_2")), ("clear", PageText.text("web.t.remove_plan"))])),
                        RegisterField(name: "hours", label: PageText.text("web.t.windows"), kind: .text, hint: "08:00-12:00, 13:30-17:30"),
                        RegisterField(name: "reason", label: PageText.text("web.col.reason"), kind: .text),
                    ], defaults: ["mode": policy.hours == nil ? "closed" : "hours"], refused: refused, who: who)
                }
                return registerPage(who, site, PageText.vi("web.t.operating_plan"), PageText.en("web.t.operating_plan"), body: body, status: status, message: message, refused: refused)

            case "inspections":
                let checklist = site.inspectionChecklist
                var body = ""
                for (i, actions) in try await reader.inspections(site: site.id).reversed() {
                    body += "<div class=\"card\"><strong>#\(i.id) \(vi("registers.inspection.kind." + i.kind.rawValue))</strong> — \(esc(HumanFormat.date(i.date)))"
                    body += i.closedAt == nil ? " <span class=\"badge warn\">\(PageText.html("web.t.open"))</span>" : " <span class=\"badge ok\">\(PageText.html("web.t.closed_3"))</span>"
                    body += "<br>\(esc(i.bodies))\(i.people.isEmpty ? "" : " · " + esc(i.people))"
                    body += "<br><span class=\"muted\">\(PageText.html("web.inspection.checked")): \(esc(i.checked.map { id in checklist.first { $0.id == id }?.label ?? id }.joined(separator: "; ")))</span>"
                    if !i.findings.isEmpty { body += "<p class=\"wrap\">\(esc(i.findings))</p>" }
                    for a in actions {
                        body += "<div>• \(esc(a.text)) — \(esc(a.owner)), \(PageText.html("web.inspection.due", ["due": esc(HumanFormat.date(a.due))])) "
                        body += a.doneAt.map { "<span class=\"badge ok\">\(PageText.html("web.action.done_at", ["at": esc(HumanFormat.tableTime($0, zone: z))]))</span>" }
                            ?? (write ? button("/registers/actions/\(a.id)/done", PageText.text("web.t.done")) : "<span class=\"badge warn\">\(PageText.html("web.t.open_2"))</span>")
                        body += "</div>"
                    }
                    if write && i.closedAt == nil {
                        body += "<details\(opened("/registers/inspections/\(i.id)/action"))><summary>\(PageText.html("web.t.add_follow_up_action"))</summary>" + registerForm(
                            action: "/registers/inspections/\(i.id)/action\(s)", submit: PageText.text("web.t.add"), fields: [
                                RegisterField(name: "text", label: PageText.text("web.t.action"), kind: .textarea),
                                RegisterField(name: "owner", label: PageText.text("web.t.owner"), kind: .text),
                                RegisterField(name: "due", label: PageText.text("web.t.due"), kind: .date),
                            ], refused: refused, who: who) + "</details>"
                        body += "<details\(opened("/registers/inspections/\(i.id)/maintenance"))><summary>\(PageText.html("web.t.start_maintenance_window"))</summary>" + registerForm(
                            action: "/registers/inspections/\(i.id)/maintenance\(s)", submit: PageText.text("web.t.start"), fields: [
                                RegisterField(name: "duration", label: PageText.text("web.t.for_how_long"), kind: .text, hint: "30m, 2h"),
                                RegisterField(name: "checks", label: PageText.text("web.t.checks_disturbed"), kind: .checkboxes(site.checks.map { ($0.id, $0.name) }),
                                              hint: PageText.text("web.t.checks_disturbed_hint")),
                            ], refused: refused, who: who) + "</details>"
                        body += button("/registers/inspections/\(i.id)/close", PageText.text("web.t.close"))
                    }
                    body += "</div>"
                }
                if body.isEmpty { body = "<p class=\"card muted\">\(PageText.html("web.t.no_inspections_recorded"))</p>" }
                body += csvLink("inspections")
                if write {
                    body += "<h2>\(PageText.html("web.t.record_inspection"))</h2>" + registerForm(action: "/registers/inspections\(s)", submit: PageText.text("web.t.save"), fields: [
                        RegisterField(name: "kind", label: PageText.text("web.t.kind"), kind: .select(InspectionKind.allCases.map { ($0.rawValue, Catalogue.bilingual(Message(MessageKey("registers.inspection.kind." + $0.rawValue)))) })),
                        RegisterField(name: "date", label: PageText.text("web.t.date"), kind: .date),
                        RegisterField(name: "bodies", label: PageText.text("web.t.inspecting_bodies"), kind: .text),
                        RegisterField(name: "people", label: PageText.text("web.t.people"), kind: .text),
                        RegisterField(name: "checked", label: PageText.text("web.t.checked"), kind: .checkboxes(checklist.map { ($0.id, $0.label) })),
                        RegisterField(name: "findings", label: PageText.text("web.t.findings"), kind: .textarea),
                    ], refused: refused, who: who)
                }
                return registerPage(who, site, PageText.vi("web.t.inspections_2"), PageText.en("web.t.inspections_2"), body: body, status: status, message: message, refused: refused)

            case "feedback":
                let items = try await reader.feedback(site: site.id).reversed()
                var body = ""
                for f in items {
                    body += "<div class=\"card\"><strong>#\(f.id)</strong> \(esc(HumanFormat.date(f.receivedOn))) · \(vi("registers.feedback.subject." + f.subject.rawValue)) · "
                    body += "<span class=\"badge \(f.state == .answered ? "ok" : "warn")\">\(vi("registers.feedback.state." + f.state.rawValue))</span>"
                    body += "<br><span class=\"muted\">\(esc(f.from.isEmpty ? PageText.text("web.t.anonymous") : f.from)) · \(vi("registers.feedback.channel." + f.channel.rawValue))\(f.item.isEmpty ? "" : " · " + esc(f.item))</span>"
                    body += "<p class=\"wrap\">\(esc(f.text))</p>"
                    if let a = f.answer { body += "<p class=\"wrap\"><strong>\(PageText.html("web.t.answer"))</strong> \(esc(a)) <span class=\"muted\">— \(esc(f.answeredBy ?? ""))</span></p>" }
                    if write && f.state == .received { body += button("/registers/feedback/\(f.id)/forward", PageText.text("web.t.forward_department")) }
                    if decide && f.state != .answered {
                        body += registerForm(action: "/registers/feedback/\(f.id)/answer\(s)", submit: PageText.text("web.t.answer_2"), fields: [
                            RegisterField(name: "answer", label: PageText.text("web.t.department_s_answer"), kind: .textarea),
                        ], refused: refused, who: who)
                    }
                    body += "</div>"
                }
                if body.isEmpty { body = "<p class=\"card muted\">\(PageText.html("web.t.no_feedback_recorded"))</p>" }
                body += csvLink("feedback")
                if write {
                    body += "<h2>\(PageText.html("web.t.record_feedback"))</h2>" + registerForm(action: "/registers/feedback\(s)", submit: PageText.text("web.t.save"), fields: [
                        RegisterField(name: "subject", label: PageText.text("web.t.about"), kind: .select(FeedbackSubject.allCases.map { ($0.rawValue, Catalogue.bilingual(Message(MessageKey("registers.feedback.subject." + $0.rawValue)))) })),
                        RegisterField(name: "channel", label: PageText.text("web.t.channel"), kind: .select(FeedbackChannel.allCases.map { ($0.rawValue, Catalogue.bilingual(Message(MessageKey("registers.feedback.channel." + $0.rawValue)))) })),
                        RegisterField(name: "date", label: PageText.text("web.t.received"), kind: .date),
                        RegisterField(name: "from", label: PageText.text("web.t.from_may_left_empty"), kind: .text),
                        RegisterField(name: "item", label: PageText.text("web.t.content_item"), kind: .text),
                        RegisterField(name: "text", label: PageText.text("web.t.text"), kind: .textarea),
                    ], refused: refused, who: who)
                }
                return registerPage(who, site, PageText.vi("web.t.feedback_from_public"), PageText.en("web.t.feedback_from_public"), body: body, status: status, message: message, refused: refused)

            case "maintenance":
                let work = try await reader.maintenanceWork(site: site.id).reversed().map { w in
                    [esc(HumanFormat.date(w.date)), esc(w.what), esc(w.who), w.costVND.map { esc(PageText.vi("web.money.dong", ["amount": .text(HumanFormat.number(Double($0), digits: 0, .vi))])) } ?? "",
                     esc(w.parts), w.incidentID.map { "<a href=\"/incidents/\($0)\">#\($0)</a>" } ?? ""]
                }
                var body = "<h2>\(PageText.html("web.t.maintenance_repairs"))</h2>" + registerTable([PageText.text("web.t.date"), PageText.text("web.t.work"), PageText.text("web.t.who"), PageText.text("web.t.cost"), PageText.text("web.t.parts"), PageText.text("web.col.incident")], work) + csvLink("maintenance")
                if write {
                    body += registerForm(action: "/registers/maintenance\(s)", submit: PageText.text("web.t.save"), fields: [
                        RegisterField(name: "date", label: PageText.text("web.t.date"), kind: .date),
                        RegisterField(name: "what", label: PageText.text("web.t.work_done"), kind: .textarea),
                        RegisterField(name: "who", label: PageText.text("web.t.who"), kind: .text),
                        RegisterField(name: "cost", label: PageText.text("web.t.cost_vnd"), kind: .number),
                        RegisterField(name: "parts", label: PageText.text("web.t.parts"), kind: .text),
                        RegisterField(name: "incident", label: PageText.text("web.t.incident_fixed_number"), kind: .number),
                    ], refused: refused, who: who)
                }
                body += "<h2>\(PageText.html("web.t.proposals"))</h2>" + csvLink("proposals")
                for p in try await reader.proposals(site: site.id).reversed() {
                    body += "<div class=\"card\"><strong>#\(p.id) \(vi("registers.proposal.kind." + p.kind.rawValue))</strong> · \(vi("registers.proposal.decision." + p.decision.rawValue))"
                    body += "<p class=\"wrap\">\(esc(p.text))</p><span class=\"muted\">\(esc(p.raisedBy)) · \(esc(p.origin))\(p.decisionNote.map { " · " + esc($0) } ?? "")</span>"
                    if decide && p.decision == .pending {
                        body += registerForm(action: "/registers/maintenance/\(p.id)/decide\(s)", submit: PageText.text("web.t.decide"), fields: [
                            RegisterField(name: "decision", label: PageText.text("web.t.decision"), kind: .select([("approved", PageText.text("web.t.approve")), ("rejected", PageText.text("web.t.reject"))])),
                            RegisterField(name: "note", label: PageText.text("web.t.note"), kind: .textarea),
                        ], refused: refused, who: who)
                    }
                    body += "</div>"
                }
                if write {
                    body += registerForm(action: "/registers/proposals\(s)", submit: PageText.text("web.t.propose"), fields: [
                        RegisterField(name: "kind", label: PageText.text("web.t.kind"), kind: .select(ProposalKind.allCases.map { ($0.rawValue, Catalogue.bilingual(Message(MessageKey("registers.proposal.kind." + $0.rawValue)))) })),
                        RegisterField(name: "text", label: PageText.text("web.t.proposal"), kind: .textarea),
                    ], refused: refused, who: who)
                }
                return registerPage(who, site, PageText.vi("web.t.maintenance_proposals_2"), PageText.en("web.t.maintenance_proposals_2"), body: body, status: status, message: message, refused: refused)

            case "training":
                let rows = try await reader.training(site: site.id).reversed().map { t in
                    [esc(HumanFormat.date(t.date)), esc(t.topic), esc(t.organiser), "\(t.attendees.count): " + esc(t.attendees.joined(separator: ", "))]
                }
                var body = registerTable([PageText.text("web.t.date"), PageText.text("web.t.topic"), PageText.text("web.t.organiser"), PageText.text("web.t.attendees")], rows) + csvLink("training")
                if write {
                    body += "<h2>\(PageText.html("web.t.record_training_session"))</h2>" + registerForm(action: "/registers/training\(s)", submit: PageText.text("web.t.save"), fields: [
                        RegisterField(name: "date", label: PageText.text("web.t.date"), kind: .date),
                        RegisterField(name: "topic", label: PageText.text("web.t.topic"), kind: .text),
                        RegisterField(name: "organiser", label: PageText.text("web.t.organiser"), kind: .text),
                        RegisterField(name: "attendees", label: PageText.text("web.t.attendees_one_per_line"), kind: .textarea),
                    ], refused: refused, who: who)
                }
                return registerPage(who, site, PageText.vi("web.t.training"), PageText.en("web.t.training"), body: body, status: status, message: message, refused: refused)

            case "equipment":
                let loans = try await reader.loans(site: site.id)
                var body = ""
                for e in try await reader.equipment(site: site.id) {
                    let out = loans.first { $0.equipmentID == e.id && $0.isOut }
                    body += "<div class=\"card\"><strong>\(esc(e.name))</strong> <span class=\"muted\">(\(esc(e.id)))</span> · \(vi("registers.equipment.state." + e.state.rawValue))"
                    body += "<br><span class=\"muted\">\(esc(e.serial)) · \(esc(e.location))</span>"
                    if write {
                        // Every stored field is in the form: what is saved is what is shown, nothing is wiped unseen.
                        let edit = "/registers/equipment/\(urlEncode(e.id))/edit"
                        body += "<details\(opened(edit))><summary>\(PageText.html("web.t.edit"))</summary>" + registerForm(action: edit + s, submit: PageText.text("web.t.save"), fields: [
                            RegisterField(name: "name", label: PageText.text("web.t.name"), kind: .text),
                            RegisterField(name: "serial", label: PageText.text("web.t.serial"), kind: .text),
                            RegisterField(name: "location", label: PageText.text("web.t.location"), kind: .text),
                            RegisterField(name: "state", label: PageText.text("web.t.state"), kind: .select(EquipmentState.allCases.map { ($0.rawValue, Catalogue.bilingual(Message(MessageKey("registers.equipment.state." + $0.rawValue)))) })),
                            RegisterField(name: "lendable", label: PageText.text("web.t.lendable_mobile_sound"), kind: .flag),
                        ], defaults: ["name": e.name, "serial": e.serial, "location": e.location, "state": e.state.rawValue, "lendable": e.lendable ? "1" : ""],
                           refused: refused, who: who) + "</details>"
                    }
                    if let out {
                        body += "<p>\(PageText.html("web.t.out_with")) <strong>\(esc(out.borrower))</strong> — \(esc(out.purpose)) · \(esc(HumanFormat.tableTime(out.lentAt, zone: z)))\(out.dueBack.map { PageText.text("web.t.due_2") + " " + esc(HumanFormat.date($0)) } ?? "")</p>"
                        if write { body += button("/registers/equipment/\(urlEncode(e.id))/return", PageText.text("web.t.returned")) }
                    } else if write && e.lendable {
                        body += "<details\(opened("/registers/equipment/\(urlEncode(e.id))/lend"))><summary>\(PageText.html("web.t.lend"))</summary>" + registerForm(action: "/registers/equipment/\(urlEncode(e.id))/lend\(s)", submit: PageText.text("web.t.lend"), fields: [
                            RegisterField(name: "borrower", label: PageText.text("web.t.borrower"), kind: .text),
                            RegisterField(name: "purpose", label: PageText.text("web.t.purpose"), kind: .text),
                            RegisterField(name: "due", label: PageText.text("web.t.due_back"), kind: .date),
                        ], refused: refused, who: who) + "</details>"
                    }
                    body += "</div>"
                }
                if body.isEmpty { body = "<p class=\"card muted\">\(PageText.html("web.t.no_equipment_recorded"))</p>" }
                body += csvLink("equipment") + "<p><a href=\"/registers/loans.csv\(s)\">\(PageText.html("web.t.loan_log_csv"))</a></p>"
                if write {
                    body += "<h2>\(PageText.html("web.t.add_equipment"))</h2>" + registerForm(action: "/registers/equipment\(s)", submit: PageText.text("web.t.save"), fields: [
                        RegisterField(name: "id", label: PageText.text("web.t.id"), kind: .text, hint: "am-thanh-luu-dong"),
                        RegisterField(name: "name", label: PageText.text("web.t.name"), kind: .text),
                        RegisterField(name: "serial", label: PageText.text("web.t.serial"), kind: .text),
                        RegisterField(name: "location", label: PageText.text("web.t.location"), kind: .text),
                        RegisterField(name: "state", label: PageText.text("web.t.state"), kind: .select(EquipmentState.allCases.map { ($0.rawValue, Catalogue.bilingual(Message(MessageKey("registers.equipment.state." + $0.rawValue)))) })),
                        RegisterField(name: "lendable", label: PageText.text("web.t.lendable_mobile_sound"), kind: .flag),
                    ], refused: refused, who: who)
                }
                return registerPage(who, site, PageText.vi("web.t.equipment"), PageText.en("web.t.equipment"), body: body, status: status, message: message, refused: refused)

            default:
                return notFound(who)
            }
        } catch {
            return registerPage(who, site, PageText.vi("web.t.registers"), PageText.en("web.t.registers"), body: "<p class=\"card error\">\(esc(error.message))</p>", status: 500)
        }
    }

    /// `/registers/<name>.csv`: one register as CSV (RFC 4180; cells that a spreadsheet would run
    /// as a formula are prefixed with ').
    func registerCSV(_ name: String, site: SiteProfile, _ who: Caller) async -> HTTPResponse {
        let z = site.zone
        func cell(_ s: String) -> String {
            var v = s
            if let f = v.first, "=+-@".contains(f) { v = "'" + v }
            return v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + v.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"" : v
        }
        var rows: [[String]]
        do {
            switch name {
            case "plan":
                rows = [["site", "date", "kind", "windows", "planned_seconds", "reason", "by", "at"]] + (try await reader.plan(site: site.id)).map { e in
                    let (kind, w): (String, String) = switch e.change { case .closed: ("closed", ""); case .hours(let ws): ("hours", ws.map(\.description).joined(separator: " ")) }
                    return [e.site, e.date.description, kind, w, String(e.plannedSeconds), e.reason, e.by, MachineFormat.timestamp(e.at, zone: z)]
                }
            case "inspections":
                rows = [["site", "id", "kind", "date", "bodies", "people", "checked", "findings", "closed_at", "action_id", "action", "owner", "due", "done_at"]]
                for (i, actions) in try await reader.inspections(site: site.id) {
                    let base = [i.site, String(i.id), i.kind.rawValue, i.date.description, i.bodies, i.people, i.checked.joined(separator: " "), i.findings,
                                i.closedAt.map { MachineFormat.timestamp($0, zone: z) } ?? ""]
                    rows.append(base + ["", "", "", "", ""])
                    for a in actions { rows.append(base + [String(a.id), a.text, a.owner, a.due.description, a.doneAt.map { MachineFormat.timestamp($0, zone: z) } ?? ""]) }
                }
            case "feedback":
                rows = [["site", "id", "received_on", "channel", "from", "subject", "item", "text", "state", "forwarded_at", "answer", "answered_by", "answered_at"]]
                    + (try await reader.feedback(site: site.id)).map { f in
                        [f.site, String(f.id), f.receivedOn.description, f.channel.rawValue, f.from, f.subject.rawValue, f.item, f.text, f.state.rawValue,
                         f.forwardedAt.map { MachineFormat.timestamp($0, zone: z) } ?? "", f.answer ?? "", f.answeredBy ?? "", f.answeredAt.map { MachineFormat.timestamp($0, zone: z) } ?? ""]
                    }
            case "maintenance":
                rows = [["site", "id", "date", "what", "who", "cost_vnd", "parts", "incident"]] + (try await reader.maintenanceWork(site: site.id)).map { w in
                    [w.site, String(w.id), w.date.description, w.what, w.who, w.costVND.map(String.init) ?? "", w.parts, w.incidentID.map(String.init) ?? ""]
                }
            case "proposals":
                // A file of its own: one table per CSV file, so a spreadsheet reads it whole.
                rows = [["site", "proposal", "kind", "text", "origin", "raised_by", "decision", "decided_by", "note"]] + (try await reader.proposals(site: site.id)).map { p in
                    [p.site, String(p.id), p.kind.rawValue, p.text, p.origin, p.raisedBy, p.decision.rawValue, p.decidedBy ?? "", p.decisionNote ?? ""]
                }
            case "training":
                rows = [["site", "id", "date", "topic", "organiser", "attendees"]] + (try await reader.training(site: site.id)).map { t in
                    [t.site, String(t.id), t.date.description, t.topic, t.organiser, t.attendees.joined(separator: "; ")]
                }
            case "equipment":
                rows = [["site", "id", "name", "serial", "location", "state", "lendable"]] + (try await reader.equipment(site: site.id)).map { e in
                    [e.site, e.id, e.name, e.serial, e.location, e.state.rawValue, e.lendable ? "1" : "0"]
                }
            case "loans":
                rows = [["site", "id", "equipment", "borrower", "purpose", "lent_at", "due_back", "returned_at", "note"]] + (try await reader.loans(site: site.id)).map { l in
                    [l.site, String(l.id), l.equipmentID, l.borrower, l.purpose, MachineFormat.timestamp(l.lentAt, zone: z), l.dueBack?.description ?? "",
                     l.returnedAt.map { MachineFormat.timestamp($0, zone: z) } ?? "", l.returnNote ?? ""]
                }
            default:
                return notFound(who)
            }
        } catch {
            return text(500, (error.message) + "\n")
        }
        let body = rows.map { $0.map(cell).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
        return HTTPResponse(status: 200, contentType: "text/csv; charset=utf-8", text: body,
                            headers: [("Content-Disposition", "attachment; filename=\"\(site.id)-\(name).csv\"")])
    }
}

extension WebApp {
    /// The status board's card of operating hours, today and the next days, per site: the hours
    /// the engine judges against (the profile's schedule with the operating plan laid over it,
    /// Tây Trang 7.2.1.b), each planned day marked with who planned it. The plan is laid over the
    /// schedule here too, so the card shows a new plan at once, marked "being applied" until the
    /// daemon has reloaded and its engine judges by it (OperatingPlanWatchService, a few seconds).
    func operatingHoursCard(days: Int64 = 7) async -> String {
        let now = clock.now()
        var html = "<h2>\(esc(Catalogue.render(Message("registers.board.title"), .vi))) <span class=\"en\">/ \(esc(Catalogue.render(Message("registers.board.title"), .en)))</span></h2><div class=\"card\" id=\"operating-hours\">"
        for site in configuration.sites {
            let today = site.zone.localDate(of: now)
            let plan = (try? await reader.plan(site: site.id, from: today, to: today.adding(days: days))) ?? []
            // Every change, each from the moment it was made: today's hours already past keep theirs.
            let planned = site.schedule.applying((try? await reader.planChanges(site: site.id)) ?? plan.map(PlanChange.init))
            if configuration.sites.count > 1 { html += "<strong>\(esc(site.name))</strong><br>" }
            for offset in 0...days {
                let day = today.adding(days: offset)
                let windows = planned.windows(on: day)
                let hours = windows.isEmpty ? Message("registers.board.not_operated") : Message("registers.board.hours", [
                    "windows": .text(windows.map(\.description).joined(separator: ", ")), "total": .duration(Seconds(windows.reduce(Int64(0)) { $0 + $1.length })),
                ])
                let entry = plan.first { $0.date == day }
                // Until the daemon has reloaded, the engine still judges the day by the old hours: say so.
                let applying = entry != nil && site.schedule.windows(on: day) != windows
                var source = entry.map { Message(applying ? "registers.board.applying" : "registers.board.planned",
                                                 ["by": .text($0.by), "reason": .text($0.reason.isEmpty ? "—" : $0.reason)]) }
                    ?? Message("registers.board.profile")
                // A change made during its own day holds from then on (Tây Trang 7.2.1.b): say from when.
                if let e = entry, site.zone.localDate(of: e.at) == day {
                    source = Message("registers.board.since", ["source": .message(source), "time": .text(TimeOfDay(secondsOfDay: site.zone.localTime(of: e.at).secondsOfDay / 60 * 60).description)])
                }
                let line = Message("registers.board.day", ["date": .date(day), "hours": .message(hours), "source": .message(source)])
                html += "<div\(entry == nil ? "" : applying ? " class=\"planned applying\"" : " class=\"planned\"") data-date=\"\(day.description)\">\(esc(Catalogue.bilingual(line, zone: site.zone)))</div>"
            }
        }
        return html + "<p class=\"muted\"><a href=\"/registers/plan\">\(esc(Catalogue.bilingual(Message("registers.board.edit"))))</a></p></div>"
    }
}

// The registers on the web (issue #18): the operating plan, inspections, feedback, maintenance
// and proposals, training, equipment and loans. Phone-friendly forms (one column, tables that
// become cards); every form is validated by WatchpostCore and, when refused, shown again with
// what was typed and each problem beside its field, so nothing typed is lost.
//
// Who may do what (Tây Trang 7.2, Vũng Áng 8): the operating unit and the technicians write;
// the Department answers feedback and decides proposals; everyone signed in reads (the
// Committee reads). Each register exports as CSV (`/registers/<name>.csv`).
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import HTTPServer

/// What a role may do with the registers: asks the one access policy (`AccessPolicy`, which
/// asks WatchpostCore's `RegisterPolicy` with the role's `PartyRole`, as incidents do).
enum RegisterAccess {
    /// Record plans, inspections, feedback, work, proposals, training, equipment and loans.
    static func mayWrite(_ role: UserRole) -> Bool { AccessPolicy.decide(role, .writeRegisters).allowed }

    /// Answer feedback, decide proposals (the Department's own tasks, Tây Trang 7.1.3, 7.2.5).
    static func mayDecide(_ role: UserRole) -> Bool { AccessPolicy.decide(role, .decideRegisters).allowed }
}

/// A form the server refused: which one (its action path, without the query), what was typed
/// (without control bytes) and each problem. Only that form shows them; the others stay empty.
struct RefusedForm {
    var path: String
    var values: [String: String]
    var problems: [FieldProblem]
}

/// One input of a register form.
struct RegisterField {
    enum Kind {
        case text, textarea, date, number
        case select([(value: String, label: String)])
        case checkboxes([(value: String, label: String)])
        case flag
    }
    var name: String
    var label: String
    var kind: Kind
    var hint: String = ""
}

extension WebApp {
    /// One form. Element ids are made from the form's action path, so the many per-row forms of a
    /// page (lend, follow-up action, answer, decide) never share one. `refused` fills the form
    /// and puts each problem beside its field only when it is this form that was refused.
    /// Inputs allow about twice the stored limit, so over-long text reaches the server and is
    /// refused with a message, kept in the form, rather than cut silently by the browser.
    func registerForm(action: String, submit: String, fields: [RegisterField], defaults: [String: String] = [:], refused: RefusedForm?, who: Caller) -> String {
        let csrf = esc(who.session?.csrfToken ?? "")
        let path = String(action.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        let mine = refused?.path == path ? refused : nil
        let values = mine?.values ?? defaults, problems = mine?.problems ?? []
        let formID = "f" + path.dropFirst("/registers".count).map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        var html = "<form method=\"post\" action=\"\(esc(action))\" class=\"card\" id=\"\(esc(formID))\"><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\">"
        let general = problems.filter { p in !fields.contains { $0.name == p.field } }
        for p in general { html += "<p class=\"error\" role=\"alert\">\(esc(Catalogue.bilingual(p.message)))</p>" }
        for f in fields {
            let v = values[f.name] ?? ""
            let errors = problems.filter { $0.field == f.name }
            let id = esc(formID + "-" + f.name)
            let invalid = errors.isEmpty ? "" : " aria-invalid=\"true\" aria-describedby=\"\(id)-error\""
            html += "<label for=\"\(id)\">\(esc(f.label))</label>"
            switch f.kind {
            case .text, .number:
                html += "<input type=\"text\" id=\"\(id)\" name=\"\(f.name)\" value=\"\(esc(v))\" maxlength=\"\(RegisterLimits.shortText * 2)\"\(f.kind.isNumber ? " inputmode=\"numeric\"" : "")\(invalid)>"
            case .date:
                // A date the browser's picker cannot hold (a refused "2026-13-45") is shown as text,
                // so what was typed stays visible beside its error.
                let type = v.isEmpty || CivilDate(parsing: v) != nil ? "date" : "text"
                html += "<input type=\"\(type)\" id=\"\(id)\" name=\"\(f.name)\" value=\"\(esc(v))\" placeholder=\"2026-12-05\"\(invalid)>"
            case .textarea:
                html += "<textarea id=\"\(id)\" name=\"\(f.name)\" rows=\"3\" maxlength=\"\(RegisterLimits.longText * 3 / 2)\"\(invalid)>\(esc(v))</textarea>"
            case .select(let options):
                html += "<select id=\"\(id)\" name=\"\(f.name)\"\(invalid)>" + options.map { o in
                    "<option value=\"\(esc(o.value))\"\(o.value == v ? " selected" : "")>\(esc(o.label))</option>"
                }.joined() + "</select>"
            case .checkboxes(let options):
                let ticked = Set(v.split(separator: ",").map(String.init))
                html += options.map { o in
                    "<div><input type=\"checkbox\" name=\"\(f.name)\" value=\"\(esc(o.value))\" id=\"\(id)-\(esc(o.value))\"\(ticked.contains(o.value) ? " checked" : "")> <label style=\"display:inline;font-weight:400\" for=\"\(id)-\(esc(o.value))\">\(esc(o.label))</label></div>"
                }.joined()
            case .flag:
                html += "<input type=\"checkbox\" id=\"\(id)\" name=\"\(f.name)\" value=\"1\"\(v == "1" ? " checked" : "")>"
            }
            if !f.hint.isEmpty { html += "<div class=\"muted\">\(esc(f.hint))</div>" }
            if !errors.isEmpty { html += "<div class=\"error\" role=\"alert\" id=\"\(id)-error\">" + errors.map { esc(Catalogue.bilingual($0.message)) }.joined(separator: "<br>") + "</div>" }
        }
        return html + "<button type=\"submit\">\(esc(submit))</button></form>"
    }

    func registerTable(_ header: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "<p class=\"card muted\">\(PageText.html("web.t.nothing_recorded_yet"))</p>" }
        let head = header.map { "<th>\(esc($0))</th>" }.joined()
        let body = rows.map { r in
            "<tr>" + r.indices.map { i in "<td data-l=\"\(esc(header[i]))\">\(r[i])</td>" }.joined() + "</tr>"
        }.joined()
        return "<table class=\"checks\"><thead><tr>\(head)</tr></thead><tbody>\(body)</tbody></table>"
    }

    /// The site the request is about: `?site=` or the only one.
    func registerSite(_ r: HTTPRequest, form: [String: String] = [:]) -> SiteProfile? {
        if let id = form["site"] ?? r.query["site"] { return configuration.site(id) }
        return configuration.sites.first
    }

    func registerNav(_ site: SiteProfile) -> String {
        let s = "?site=\(urlEncode(site.id))"
        let links = [("plan", PageText.text("web.t.operating_plan")), ("inspections", PageText.text("web.t.inspections")), ("feedback", PageText.text("web.t.feedback")),
                     ("maintenance", PageText.text("web.t.maintenance_proposals")), ("training", PageText.text("web.t.training")), ("equipment", PageText.text("web.t.equipment"))]
        let sites = configuration.sites.count > 1
            ? "<p>" + configuration.sites.map { "<a href=\"/registers?site=\(urlEncode($0.id))\">\(esc($0.name))</a>" }.joined(separator: " · ") + "</p>" : ""
        return sites + "<p class=\"card\">" + links.map { "<a href=\"/registers/\($0.0)\(s)\">\(esc($0.1))</a>" }.joined(separator: " · ") + "</p>"
    }

    /// A page of the registers. A refused form that is no longer on the page (a lend refused
    /// because the item went out meanwhile) has its problems said at the top instead.
    func registerPage(_ who: Caller, _ site: SiteProfile, _ vi: String, _ en: String, body: String, status: Int = 200, message: String? = nil,
                      refused: RefusedForm? = nil) -> HTTPResponse {
        var note = message.map { "<p class=\"card \(status >= 400 ? "error" : "notice")\" role=\"status\">\(esc($0))</p>" } ?? ""
        if let refused, !body.contains("action=\"\(esc(refused.path))?"), !body.contains("action=\"\(esc(refused.path))\"") {
            note += refused.problems.map { "<p class=\"card error\" role=\"alert\">\(esc(Catalogue.bilingual($0.message)))</p>" }.joined()
        }
        return html(page(vi, en, user: who.name, role: who.user?.role.rawValue, status: status,
                         body: "<p class=\"muted\">\(esc(site.name))</p>" + registerNav(site) + note + body))
    }

    // MARK: Routing

    func registersRoute(_ r: HTTPRequest, _ who: Caller, segments: [String]) async -> HTTPResponse {
        guard let user = who.user else { return notFound(who) }
        let form = r.method.uppercased() == "POST" ? parseForm(r.body) : [:]
        guard let site = registerSite(r, form: form) else { return notFound(who) }
        let name = segments.first ?? ""
        if r.method.uppercased() == "GET" {
            if name.hasSuffix(".csv") { return await registerCSV(String(name.dropLast(4)), site: site, who) }
            return await registerGet(name, who, site, refused: nil, message: nil)
        }
        // Writes: role first, then validation, then the store (which re-checks what it stores).
        let deciding = (name == "feedback" && segments.last == "answer") || (name == "maintenance" && segments.last == "decide")
        let decision = AccessPolicy.decide(user.role, deciding ? .decideRegisters : .writeRegisters)
        guard decision.allowed else {
            return await refusePage(r, who, status: 403, action: "POST \(r.path)", reason: decision.reason, incident: nil)
        }
        let by = user.login
        let now = clock.now()
        let today = site.zone.localDate(of: now)
        var problems: [FieldProblem] = []
        var message = ""
        func text(_ k: String) -> String { RegisterText.normalisingLineBreaks(form[k] ?? "").trimmingWhitespace() }
        func day(_ k: String, default d: CivilDate? = nil) -> CivilDate? {
            let v = text(k)
            if v.isEmpty {
                if d == nil { problems.append(FieldProblem(k, Message("registers.field.required"))) }
                return d
            }
            guard let c = CivilDate(parsing: v) else { problems.append(FieldProblem(k, Message("registers.field.bad_date", ["value": .text(v)]))); return nil }
            return c
        }
        func choice<T: RawRepresentable & CaseIterable>(_ k: String, _: T.Type) -> T? where T.RawValue == String {
            guard let v = T(rawValue: text(k)) else {
                problems.append(FieldProblem(k, Message("registers.field.bad_choice", ["value": .text(text(k)), "choices": .text(T.allCases.map(\.rawValue).joined(separator: ", "))])))
                return nil
            }
            return v
        }
        func number(_ k: String) -> Int64? {
            let v = text(k)
            if v.isEmpty { return nil }
            guard let n = Int64(v.filter { $0 != "." && $0 != " " }) else { problems.append(FieldProblem(k, Message("registers.field.bad_number", ["value": .text(v)]))); return nil }
            return n
        }
        let id = segments.count >= 2 ? segments[1] : ""
        let action = segments.count >= 3 ? segments[2] : (segments.count == 2 ? segments[1] : "")
        do {
            switch (name, segments.count) {
            case ("plan", 1):
                let date = day("date")
                let mode = text("mode")
                if mode == "clear", let date {
                    if date < today { problems.append(FieldProblem("date", Message("registers.plan.past", ["date": .date(date)]))); break }
                    guard try await store.clearPlan(site: site.id, date: date, by: by, at: now) else {
                        problems.append(FieldProblem("date", Message("registers.plan.none", ["date": .date(date)])))
                        break
                    }
                    message = Catalogue.bilingual(Message("registers.plan.cleared", ["date": .date(date)]))
                    break
                }
                var windows: [DailyWindow] = []
                if mode != "closed" {
                    let raw = text("hours")
                    let parsed = raw.split(separator: ",").map { DailyWindow(parsing: String($0).trimmingWhitespace()) }
                    if raw.isEmpty || parsed.contains(where: { $0 == nil }) { problems.append(FieldProblem("hours", Message("registers.field.bad_hours", ["value": .text(raw)]))) }
                    windows = parsed.compactMap { $0 }
                }
                let e = PlanEntry(site: site.id, date: date ?? today, change: mode == "closed" ? .closed : .hours(windows), reason: text("reason"), by: by, at: now)
                problems = FieldProblem.all(problems, OperatingPlan.problems(e, schedule: site.schedule, policy: site.planPolicy, today: today))
                guard problems.isEmpty else { break }
                try await store.setPlan(e)
                message = Catalogue.bilingual(e.message)
            case ("inspections", 1):
                // Every field is checked at once (a bad date does not hide an over-long text):
                // a refused choice or date stands in as a placeholder that is never stored.
                let kind = choice("kind", InspectionKind.self), date = day("date", default: today)
                let checked = parseFormAll(r.body)["checked"] ?? []
                let i = Inspection(site: site.id, kind: kind ?? .periodic, date: date ?? today, bodies: text("bodies"), people: text("people"), checked: checked,
                                   findings: text("findings"), createdBy: by, createdAt: now)
                problems += i.problems(checklist: site.inspectionChecklist.map(\.id), today: today)
                guard kind != nil, date != nil, problems.isEmpty else { break }
                message = saved("inspection", try await store.addInspection(i))
            case ("inspections", 3) where action == "action":
                let due = day("due")
                let a = FollowUpAction(inspectionID: Int64(id) ?? 0, text: text("text"), owner: text("owner"), due: due ?? today)
                // The same check as `watchpost inspection action`: the form's fields and the inspection (missing, closed).
                problems = FieldProblem.all(problems, try await store.followUpActionProblems(a))
                guard problems.isEmpty else { break }
                message = saved("action", try await store.addFollowUpAction(a, by: by, at: now))
            case ("inspections", 3) where action == "maintenance":
                // A maintenance window from an open inspection, for the checks it disturbs (the
                // same validation as `watchpost inspection add --maintenance`); on the timeline.
                guard let iid = Int64(id) else { return notFound(who) }
                let checks = parseFormAll(r.body)["checks"] ?? []
                let (span, wrong) = InspectionMaintenance.parse(text("duration"), checks: checks, siteChecks: site.checks.map(\.id), field: "duration", checksField: "checks")
                problems = try await wrong + store.maintenanceFromInspectionProblems(id: iid)
                guard let span, problems.isEmpty else { break }
                let reason = Catalogue.bilingual(Message("registers.inspection.maintenance", ["id": .int(iid)]))
                let w = try await store.startMaintenance(site: site.id, checks: checks, start: now, end: now + span, reason: reason, includesSecurity: false, by: by)
                message = Catalogue.bilingual(Message("registers.inspection.maintenance_started", ["id": .int(iid), "window": .text("adhoc:\(w.id)"),
                                                                                                   "until": .tableTime(now + span)]), zone: site.zone)
            case ("inspections", 3) where action == "close":
                guard let iid = Int64(id) else { break }
                try await store.closeInspection(id: iid, by: by, at: now)
                message = Catalogue.bilingual(Message("registers.inspection.closed", ["id": .int(iid)]))
            case ("actions", 3) where action == "done":
                guard let aid = Int64(id) else { break }
                try await store.completeFollowUpAction(id: aid, by: by, at: now)
                message = Catalogue.bilingual(Message("registers.action.done", ["id": .int(aid)]))
            case ("feedback", 1):
                let subject = choice("subject", FeedbackSubject.self), channel = choice("channel", FeedbackChannel.self), date = day("date", default: today)
                let f = Feedback(site: site.id, channel: channel ?? .other, receivedOn: date ?? today, from: text("from"), subject: subject ?? .operation,
                                 item: text("item"), text: text("text"), recordedBy: by, recordedAt: now)
                problems += f.problems(today: today)
                guard subject != nil, channel != nil, date != nil, problems.isEmpty else { break }
                message = saved("feedback", try await store.addFeedback(f))
            case ("feedback", 3) where action == "forward":
                guard let fid = Int64(id) else { break }
                let (contacts, base) = (configuration.contacts, settings.baseURL)
                // The mail names the person ("Nguyễn Văn A (op)"), not only the login.
                let sender = user.displayName.isEmpty ? user.login : "\(user.displayName) (\(user.login))"
                _ = try await store.advanceFeedback(id: fid, to: .forwarded, by: by, at: now) { f in
                    RegisterNotices.forward(f, site: site, contacts: contacts, by: sender, at: now, webBase: base)
                }
                message = Catalogue.bilingual(Message("registers.feedback.forwarded", ["id": .int(fid)]))
            case ("feedback", 3) where action == "answer":
                guard let fid = Int64(id) else { break }
                problems = RegisterText.problems(text("answer"), field: "answer", required: true, max: RegisterLimits.longText)
                guard problems.isEmpty else { break }
                _ = try await store.advanceFeedback(id: fid, to: .answered, answer: text("answer"), by: by, at: now)
                message = Catalogue.bilingual(Message("registers.feedback.answered", ["id": .int(fid), "answer": .text(text("answer"))]))
            case ("maintenance", 1):
                let date = day("date", default: today), cost = number("cost"), incident = number("incident")
                let w = MaintenanceWork(site: site.id, date: date ?? today, what: text("what"), who: text("who"), costVND: cost, parts: text("parts"),
                                        incidentID: incident, recordedBy: by, recordedAt: now)
                // The same check as `watchpost repair add`: the form's fields and the incident named (exists, same site).
                problems = FieldProblem.all(problems, try await store.maintenanceWorkProblems(w, today: today))
                guard problems.isEmpty else { break }
                message = saved("maintenance", try await store.addMaintenanceWork(w))
            case ("proposals", 1):
                let kind = choice("kind", ProposalKind.self)
                let p = Proposal(site: site.id, kind: kind ?? .repair, text: text("text"), raisedBy: by, raisedAt: now)
                problems = FieldProblem.all(problems, p.problems())
                guard problems.isEmpty else { break }
                message = saved("proposal", try await store.addProposal(p))
            case ("maintenance", 3) where action == "decide":
                guard let pid = Int64(id) else { return notFound(who) }
                let decision = choice("decision", ProposalDecision.self)
                if decision == .pending { problems.append(FieldProblem("decision", Message("registers.field.required"))) }
                problems += RegisterText.problems(text("note"), field: "note", required: false, max: RegisterLimits.longText)
                guard let decision, problems.isEmpty else { break }
                try await store.decideProposal(id: pid, decision: decision, note: text("note"), by: by, at: now)
                message = Catalogue.bilingual(Message("registers.proposal.decided", ["id": .int(pid), "decision": .message(Message(MessageKey("registers.proposal.decision." + decision.rawValue)))]))
            case ("training", 1):
                let date = day("date", default: today)
                let people = text("attendees").split(whereSeparator: { $0 == "," || $0 == "\n" }).map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
                let t = TrainingSession(site: site.id, date: date ?? today, topic: text("topic"), organiser: text("organiser"), attendees: people, recordedBy: by, recordedAt: now)
                problems += t.problems(today: today)
                guard date != nil, problems.isEmpty else { break }
                message = saved("training", try await store.addTraining(t))
            case ("equipment", let n) where n == 1 || (n == 3 && action == "edit"):
                // Adding (the page's form: an id already recorded is refused, so nothing stored is
                // replaced unseen) or editing one item (its own form, filled with every stored field).
                let editing = segments.count == 3
                let state = choice("state", EquipmentState.self)
                let e = EquipmentItem(id: editing ? id : text("id"), site: site.id, name: text("name"), serial: text("serial"), location: text("location"),
                                      state: state ?? .working, lendable: form["lendable"] == "1")
                problems = FieldProblem.all(problems, e.problems())
                var stored: EquipmentItem?
                if isRegisterIdentifier(e.id) { stored = try await store.equipmentItem(site: site.id, id: e.id) }
                if !editing && stored != nil { problems.append(FieldProblem("id", Message("registers.equipment.exists", ["item": .text(e.id)]))) }
                if editing && stored == nil { problems.append(FieldProblem("id", Message("registers.loan.unknown_item", ["item": .text(e.id)]))) }
                guard let state, problems.isEmpty else { break }
                try await store.putEquipment(e, by: by, at: now)
                message = Catalogue.bilingual(Message("registers.equipment.recorded", ["item": .text(e.id), "name": .text(e.name), "state": .message(Message(MessageKey("registers.equipment.state." + state.rawValue)))]))
            case ("equipment", 3) where action == "lend":
                let due: CivilDate? = text("due").isEmpty ? nil : day("due")
                let loan = EquipmentLoan(equipmentID: id, site: site.id, borrower: text("borrower"), purpose: text("purpose"), lentAt: now, dueBack: due, recordedBy: by)
                // The same check as `watchpost equipment lend`: the form's fields and the item (lendable, working, not out).
                problems = FieldProblem.all(problems, try await store.loanProblems(loan, today: today))
                guard problems.isEmpty else { break }
                _ = try await store.lend(loan, today: today)
                message = Catalogue.bilingual(Message("registers.loan.lent", ["item": .text(id), "borrower": .text(loan.borrower), "purpose": .text(loan.purpose)]))
            case ("equipment", 3) where action == "return":
                let loan = try await store.returnLoan(site: site.id, equipmentID: id, note: String(text("note").prefix(RegisterLimits.shortText)), by: by, at: now)
                message = Catalogue.bilingual(Message("registers.loan.returned", ["item": .text(id), "borrower": .text(loan.borrower)]))
            default:
                return notFound(who)
            }
        } catch {
            // The store's reason as its catalogue message: rendered once per language (it was the
            // bilingual text inside each language: "Không ghi được: X / Y / Not recorded: X / Y").
            problems.append(FieldProblem("", Message("registers.refused", ["reason": error.text.map { .message($0) } ?? .text(error.message)])))
        }
        let page = name == "proposals" ? "maintenance" : name == "actions" ? "inspections" : name
        if !problems.isEmpty {
            await audit(who, action: "POST \(r.path)", allowed: false, status: 400, reason: problems.map(\.description).joined(separator: "; "), incident: nil)
            // A one-button action (done, close, forward, return) has no form to refill: its refusal
            // is said at the top of the page. Any other form is shown again with what was typed
            // (less control bytes), each problem beside its field.
            if ["done", "close", "forward", "return"].contains(action) && segments.count == 3 {
                let said = problems.map { Catalogue.bilingual($0.message) }.joined(separator: "; ")
                return await registerGet(page, who, site, refused: nil, message: said, status: 409)
            }
            var typed = form.mapValues(RegisterText.withoutControlCharacters)
            typed["csrf"] = nil
            // A group of checkboxes sends its name once per box ticked: keep every one.
            for (field, values) in parseFormAll(r.body) where values.count > 1 { typed[field] = values.map(RegisterText.withoutControlCharacters).joined(separator: ",") }
            return await registerGet(page, who, site, refused: RefusedForm(path: r.path, values: typed, problems: problems), message: nil, status: 400)
        }
        await audit(who, action: "POST \(r.path)", allowed: true, status: 200, reason: message, incident: nil)
        return await registerGet(page, who, site, refused: nil, message: message)
    }
}

extension RegisterField.Kind {
    var isNumber: Bool { if case .number = self { return true }; return false }
}

/// Every value of each form field, in order (checkbox groups send one name several times).
func parseFormAll(_ body: [UInt8]) -> [String: [String]] {
    var out: [String: [String]] = [:]
    for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
        let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard kv.count == 2 else { continue }
        let single = parseForm(Array("\(kv[0])=\(kv[1])".utf8))
        for (k, v) in single { out[k, default: []].append(v) }
    }
    return out
}

/// "Đã ghi biên bản kiểm tra số 3 / Recorded inspection no. 3": what was saved, not only "#3".
func saved(_ what: String, _ id: Int64) -> String {
    Catalogue.bilingual(Message("registers.saved", ["what": .message(Message(MessageKey("registers.what." + what))), "id": .int(id)]))
}

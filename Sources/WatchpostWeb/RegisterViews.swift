// The registers' pages and CSV exports (the forms' handling is in RegisterPages.swift). Each
// page lists its register for the site and, for the roles that may write, the form to add to
// it, filled with what was typed when the last attempt was refused.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import HTTPServer

extension WebApp {
    func registerGet(_ name: String, _ who: Caller, _ site: SiteProfile, values: [String: String], problems: [FieldProblem], message: String?,
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
        func csvLink(_ n: String) -> String { "<p><a href=\"/registers/\(n).csv\(s)\">Tải CSV / Download CSV</a></p>" }
        do {
            switch name {
            case "", "plan":
                let plan = try await reader.plan(site: site.id, from: site.zone.localDate(of: clock.now()).adding(days: -31))
                let rows = plan.map { e -> [String] in
                    let hours: String = switch e.change {
                    case .closed: "Tạm ngừng / closed"
                    case .hours(let ws): ws.map(\.description).joined(separator: ", ") + " (" + HumanFormat.duration(Seconds(e.plannedSeconds), .vi) + ")"
                    }
                    return [esc(HumanFormat.date(e.date)), esc(hours), esc(e.reason), esc(e.by) + "<br><span class=\"muted\">" + esc(HumanFormat.tableTime(e.at, zone: z)) + "</span>"]
                }
                let policy = site.planPolicy
                let rule = policy.hours.map { "Thứ Bảy, Chủ nhật, ngày lễ: \($0.lowerBound)–\($0.upperBound) giờ/ngày (\(policy.source)). / Saturdays, Sundays, holidays: \($0.lowerBound)–\($0.upperBound) h a day." }
                    ?? "Cụm vận hành theo giờ cố định; chỉ ghi ngày tạm ngừng. / Fixed hours: only closures can be recorded."
                var body = "<p class=\"card\">\(esc(rule))</p>" + registerTable(["Ngày / Date", "Khung giờ / Hours", "Lý do / Reason", "Người đặt / By"], rows) + csvLink("plan")
                if write {
                    var v = values
                    if v["mode"] == nil { v["mode"] = policy.hours == nil ? "closed" : "hours" }
                    body += "<h2>Đặt kế hoạch / Set the plan</h2>" + registerForm(action: "/registers/plan\(s)", submit: "Ghi / Save", fields: [
                        RegisterField(name: "date", label: "Ngày / Date", kind: .date),
                        RegisterField(name: "mode", label: "Loại / Kind", kind: .select([("hours", "Giờ vận hành / Operating hours"), ("closed", "Tạm ngừng / Closed"), ("clear", "Bỏ kế hoạch / Remove the plan")])),
                        RegisterField(name: "hours", label: "Khung giờ / Windows", kind: .text, hint: "08:00-12:00, 13:30-17:30"),
                        RegisterField(name: "reason", label: "Lý do / Reason", kind: .text),
                    ], values: v, problems: problems, who: who)
                }
                return registerPage(who, site, "Kế hoạch vận hành", "Operating plan", body: body, status: status, message: message)

            case "inspections":
                let checklist = site.inspectionChecklist
                var body = ""
                for (i, actions) in try await reader.inspections(site: site.id).reversed() {
                    body += "<div class=\"card\"><strong>#\(i.id) \(vi("registers.inspection.kind." + i.kind.rawValue))</strong> — \(esc(HumanFormat.date(i.date)))"
                    body += i.closedAt == nil ? " <span class=\"badge warn\">Mở / Open</span>" : " <span class=\"badge ok\">Đã đóng / Closed</span>"
                    body += "<br>\(esc(i.bodies))\(i.people.isEmpty ? "" : " · " + esc(i.people))"
                    body += "<br><span class=\"muted\">Hạng mục / Checked: \(esc(i.checked.map { id in checklist.first { $0.id == id }?.label ?? id }.joined(separator: "; ")))</span>"
                    if !i.findings.isEmpty { body += "<p class=\"wrap\">\(esc(i.findings))</p>" }
                    for a in actions {
                        body += "<div>• \(esc(a.text)) — \(esc(a.owner)), hạn / due \(esc(HumanFormat.date(a.due))) "
                        body += a.doneAt.map { "<span class=\"badge ok\">Xong / Done \(esc(HumanFormat.tableTime($0, zone: z)))</span>" }
                            ?? (write ? button("/registers/actions/\(a.id)/done", "Đã xong / Done") : "<span class=\"badge warn\">Chưa xong / Open</span>")
                        body += "</div>"
                    }
                    if write && i.closedAt == nil {
                        body += "<details><summary>Thêm việc khắc phục / Add a follow-up action</summary>" + registerForm(
                            action: "/registers/inspections/\(i.id)/action\(s)", submit: "Thêm / Add", fields: [
                                RegisterField(name: "text", label: "Việc cần làm / Action", kind: .textarea),
                                RegisterField(name: "owner", label: "Người phụ trách / Owner", kind: .text),
                                RegisterField(name: "due", label: "Hạn / Due", kind: .date),
                            ], values: [:], problems: [], who: who) + "</details>"
                        body += button("/registers/inspections/\(i.id)/close", "Đóng biên bản / Close")
                    }
                    body += "</div>"
                }
                if body.isEmpty { body = "<p class=\"card muted\">Chưa có đợt kiểm tra nào. / No inspections recorded.</p>" }
                body += csvLink("inspections")
                if write {
                    body += "<h2>Ghi đợt kiểm tra / Record an inspection</h2>" + registerForm(action: "/registers/inspections\(s)", submit: "Ghi / Save", fields: [
                        RegisterField(name: "kind", label: "Loại / Kind", kind: .select(InspectionKind.allCases.map { ($0.rawValue, Catalogue.bilingual(Message(MessageKey("registers.inspection.kind." + $0.rawValue)))) })),
                        RegisterField(name: "date", label: "Ngày / Date", kind: .date),
                        RegisterField(name: "bodies", label: "Cơ quan kiểm tra / Inspecting bodies", kind: .text),
                        RegisterField(name: "people", label: "Thành phần / People", kind: .text),
                        RegisterField(name: "checked", label: "Hạng mục đã kiểm tra / Checked", kind: .checkboxes(checklist.map { ($0.id, $0.label) })),
                        RegisterField(name: "findings", label: "Kết quả, tồn tại / Findings", kind: .textarea),
                    ], values: values, problems: problems, who: who)
                }
                return registerPage(who, site, "Kiểm tra định kỳ, đột xuất", "Inspections", body: body, status: status, message: message)

            case "feedback":
                let items = try await reader.feedback(site: site.id).reversed()
                var body = ""
                for f in items {
                    body += "<div class=\"card\"><strong>#\(f.id)</strong> \(esc(HumanFormat.date(f.receivedOn))) · \(vi("registers.feedback.subject." + f.subject.rawValue)) · "
                    body += "<span class=\"badge \(f.state == .answered ? "ok" : "warn")\">\(vi("registers.feedback.state." + f.state.rawValue))</span>"
                    body += "<br><span class=\"muted\">\(esc(f.from.isEmpty ? "Ẩn danh / anonymous" : f.from)) · \(esc(f.channel.rawValue))\(f.item.isEmpty ? "" : " · " + esc(f.item))</span>"
                    body += "<p class=\"wrap\">\(esc(f.text))</p>"
                    if let a = f.answer { body += "<p class=\"wrap\"><strong>Trả lời / Answer:</strong> \(esc(a)) <span class=\"muted\">— \(esc(f.answeredBy ?? ""))</span></p>" }
                    if write && f.state == .received { body += button("/registers/feedback/\(f.id)/forward", "Chuyển Sở / Forward to the Department") }
                    if decide && f.state != .answered {
                        body += registerForm(action: "/registers/feedback/\(f.id)/answer\(s)", submit: "Trả lời / Answer", fields: [
                            RegisterField(name: "answer", label: "Trả lời của Sở / The Department's answer", kind: .textarea),
                        ], values: values, problems: problems.filter { $0.field == "answer" }, who: who)
                    }
                    body += "</div>"
                }
                if body.isEmpty { body = "<p class=\"card muted\">Chưa có ý kiến phản ánh nào. / No feedback recorded.</p>" }
                body += csvLink("feedback")
                if write {
                    body += "<h2>Tiếp nhận ý kiến phản ánh / Record feedback</h2>" + registerForm(action: "/registers/feedback\(s)", submit: "Ghi / Save", fields: [
                        RegisterField(name: "subject", label: "Về / About", kind: .select(FeedbackSubject.allCases.map { ($0.rawValue, Catalogue.bilingual(Message(MessageKey("registers.feedback.subject." + $0.rawValue)))) })),
                        RegisterField(name: "channel", label: "Kênh / Channel", kind: .select(FeedbackChannel.allCases.map { ($0.rawValue, $0.rawValue) })),
                        RegisterField(name: "date", label: "Ngày nhận / Received on", kind: .date),
                        RegisterField(name: "from", label: "Người phản ánh (có thể để trống) / From (may be left empty)", kind: .text),
                        RegisterField(name: "item", label: "Nội dung liên quan (tệp) / Content item", kind: .text),
                        RegisterField(name: "text", label: "Nội dung phản ánh / Text", kind: .textarea),
                    ], values: values, problems: problems.filter { $0.field != "answer" }, who: who)
                }
                return registerPage(who, site, "Ý kiến phản ánh", "Feedback from the public", body: body, status: status, message: message)

            case "maintenance":
                let work = try await reader.maintenanceWork(site: site.id).reversed().map { w in
                    [esc(HumanFormat.date(w.date)), esc(w.what), esc(w.who), w.costVND.map { esc(HumanFormat.number(Double($0), digits: 0, .vi)) + " đ" } ?? "",
                     esc(w.parts), w.incidentID.map { "<a href=\"/incidents/\($0)\">#\($0)</a>" } ?? ""]
                }
                var body = "<h2>Bảo trì, sửa chữa / Maintenance and repairs</h2>" + registerTable(["Ngày / Date", "Công việc / Work", "Người làm / Who", "Chi phí / Cost", "Vật tư / Parts", "Sự cố / Incident"], work) + csvLink("maintenance")
                if write {
                    body += registerForm(action: "/registers/maintenance\(s)", submit: "Ghi / Save", fields: [
                        RegisterField(name: "date", label: "Ngày / Date", kind: .date),
                        RegisterField(name: "what", label: "Công việc / Work done", kind: .textarea),
                        RegisterField(name: "who", label: "Người làm / Who", kind: .text),
                        RegisterField(name: "cost", label: "Chi phí (đồng) / Cost (VND)", kind: .number),
                        RegisterField(name: "parts", label: "Vật tư / Parts", kind: .text),
                        RegisterField(name: "incident", label: "Sự cố đã khắc phục (số) / Incident fixed (number)", kind: .number),
                    ], values: values, problems: problems, who: who)
                }
                body += "<h2>Đề xuất bảo trì, sửa chữa, nâng cấp / Proposals</h2>"
                for p in try await reader.proposals(site: site.id).reversed() {
                    body += "<div class=\"card\"><strong>#\(p.id) \(vi("registers.proposal.kind." + p.kind.rawValue))</strong> · \(vi("registers.proposal.decision." + p.decision.rawValue))"
                    body += "<p class=\"wrap\">\(esc(p.text))</p><span class=\"muted\">\(esc(p.raisedBy)) · \(esc(p.origin))\(p.decisionNote.map { " · " + esc($0) } ?? "")</span>"
                    if decide && p.decision == .pending {
                        body += registerForm(action: "/registers/maintenance/\(p.id)/decide\(s)", submit: "Quyết định / Decide", fields: [
                            RegisterField(name: "decision", label: "Quyết định / Decision", kind: .select([("approved", "Chấp thuận / Approve"), ("rejected", "Không chấp thuận / Reject")])),
                            RegisterField(name: "note", label: "Ghi chú / Note", kind: .textarea),
                        ], values: [:], problems: [], who: who)
                    }
                    body += "</div>"
                }
                if write {
                    body += registerForm(action: "/registers/proposals\(s)", submit: "Gửi đề xuất / Propose", fields: [
                        RegisterField(name: "kind", label: "Loại / Kind", kind: .select(ProposalKind.allCases.map { ($0.rawValue, Catalogue.bilingual(Message(MessageKey("registers.proposal.kind." + $0.rawValue)))) })),
                        RegisterField(name: "text", label: "Nội dung đề xuất / Proposal", kind: .textarea),
                    ], values: [:], problems: [], who: who)
                }
                return registerPage(who, site, "Bảo trì và đề xuất", "Maintenance and proposals", body: body, status: status, message: message)

            case "training":
                let rows = try await reader.training(site: site.id).reversed().map { t in
                    [esc(HumanFormat.date(t.date)), esc(t.topic), esc(t.organiser), "\(t.attendees.count): " + esc(t.attendees.joined(separator: ", "))]
                }
                var body = registerTable(["Ngày / Date", "Nội dung / Topic", "Đơn vị tổ chức / Organiser", "Người tham gia / Attendees"], rows) + csvLink("training")
                if write {
                    body += "<h2>Ghi buổi tập huấn / Record a training session</h2>" + registerForm(action: "/registers/training\(s)", submit: "Ghi / Save", fields: [
                        RegisterField(name: "date", label: "Ngày / Date", kind: .date),
                        RegisterField(name: "topic", label: "Nội dung / Topic", kind: .text),
                        RegisterField(name: "organiser", label: "Đơn vị tổ chức / Organiser", kind: .text),
                        RegisterField(name: "attendees", label: "Người tham gia (mỗi người một dòng) / Attendees (one per line)", kind: .textarea),
                    ], values: values, problems: problems, who: who)
                }
                return registerPage(who, site, "Tập huấn", "Training", body: body, status: status, message: message)

            case "equipment":
                let loans = try await reader.loans(site: site.id)
                var body = ""
                for e in try await reader.equipment(site: site.id) {
                    let out = loans.first { $0.equipmentID == e.id && $0.isOut }
                    body += "<div class=\"card\"><strong>\(esc(e.name))</strong> <span class=\"muted\">(\(esc(e.id)))</span> · \(vi("registers.equipment.state." + e.state.rawValue))"
                    body += "<br><span class=\"muted\">\(esc(e.serial)) · \(esc(e.location))</span>"
                    if let out {
                        body += "<p>Đang cho mượn / Out with: <strong>\(esc(out.borrower))</strong> — \(esc(out.purpose)) · \(esc(HumanFormat.tableTime(out.lentAt, zone: z)))\(out.dueBack.map { ", hẹn trả / due " + esc(HumanFormat.date($0)) } ?? "")</p>"
                        if write { body += button("/registers/equipment/\(urlEncode(e.id))/return", "Đã nhận lại / Returned") }
                    } else if write && e.lendable {
                        body += "<details><summary>Cho mượn / Lend</summary>" + registerForm(action: "/registers/equipment/\(urlEncode(e.id))/lend\(s)", submit: "Cho mượn / Lend", fields: [
                            RegisterField(name: "borrower", label: "Người mượn / Borrower", kind: .text),
                            RegisterField(name: "purpose", label: "Mục đích / Purpose", kind: .text),
                            RegisterField(name: "due", label: "Hẹn trả / Due back", kind: .date),
                        ], values: [:], problems: [], who: who) + "</details>"
                    }
                    body += "</div>"
                }
                if body.isEmpty { body = "<p class=\"card muted\">Chưa có thiết bị nào. / No equipment recorded.</p>" }
                body += csvLink("equipment") + "<p><a href=\"/registers/loans.csv\(s)\">Sổ cho mượn (CSV) / Loan log (CSV)</a></p>"
                if write {
                    body += "<h2>Thêm, cập nhật thiết bị / Add or update equipment</h2>" + registerForm(action: "/registers/equipment\(s)", submit: "Ghi / Save", fields: [
                        RegisterField(name: "id", label: "Mã / ID", kind: .text, hint: "am-thanh-luu-dong"),
                        RegisterField(name: "name", label: "Tên / Name", kind: .text),
                        RegisterField(name: "serial", label: "Số sê-ri / Serial", kind: .text),
                        RegisterField(name: "location", label: "Vị trí / Location", kind: .text),
                        RegisterField(name: "state", label: "Tình trạng / State", kind: .select(EquipmentState.allCases.map { ($0.rawValue, Catalogue.bilingual(Message(MessageKey("registers.equipment.state." + $0.rawValue)))) })),
                        RegisterField(name: "lendable", label: "Cho mượn được (âm thanh lưu động) / Lendable (mobile sound)", kind: .flag),
                    ], values: values, problems: problems, who: who)
                }
                return registerPage(who, site, "Thiết bị", "Equipment", body: body, status: status, message: message)

            default:
                return notFound(who)
            }
        } catch {
            return registerPage(who, site, "Sổ theo dõi", "Registers", body: "<p class=\"card error\">\(esc(error.message))</p>", status: 500)
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
                } + [[]] + [["site", "proposal", "kind", "text", "origin", "raised_by", "decision", "decided_by", "note"]] + (try await reader.proposals(site: site.id)).map { p in
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

    /// `GET /api/v1/registers/<name>?site=ID`: one register as JSON (every signed-in role reads).
    func apiRegister(_ r: HTTPRequest, name: String) async -> HTTPResponse {
        guard let site = registerSite(r) else { return apiError(404, "not-found", "no site '\(r.query["site"] ?? "")'") }
        do {
            switch name {
            case "plan": return json(200, try await reader.plan(site: site.id))
            case "inspections":
                return json(200, try await reader.inspections(site: site.id).map { APIInspection(inspection: $0.0, actions: $0.1) })
            case "feedback": return json(200, try await reader.feedback(site: site.id))
            case "maintenance": return json(200, try await reader.maintenanceWork(site: site.id))
            case "proposals": return json(200, try await reader.proposals(site: site.id))
            case "training": return json(200, try await reader.training(site: site.id))
            case "equipment": return json(200, try await reader.equipment(site: site.id))
            case "loans": return json(200, try await reader.loans(site: site.id))
            default:
                return apiError(404, "not-found", "registers: plan, inspections, feedback, maintenance, proposals, training, equipment, loans")
            }
        } catch {
            return apiError(500, "storage", error.message)
        }
    }
}

struct APIInspection: Encodable, Sendable {
    var inspection: Inspection
    var actions: [FollowUpAction]
}

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
                    body += "<h2>Đặt kế hoạch / Set the plan</h2>" + registerForm(action: "/registers/plan\(s)", submit: "Ghi / Save", fields: [
                        RegisterField(name: "date", label: "Ngày / Date", kind: .date),
                        RegisterField(name: "mode", label: "Loại / Kind", kind: .select([("hours", "Giờ vận hành / Operating hours"), ("closed", "Tạm ngừng / Closed"), ("clear", "Bỏ kế hoạch / Remove the plan")])),
                        RegisterField(name: "hours", label: "Khung giờ / Windows", kind: .text, hint: "08:00-12:00, 13:30-17:30"),
                        RegisterField(name: "reason", label: "Lý do / Reason", kind: .text),
                    ], defaults: ["mode": policy.hours == nil ? "closed" : "hours"], refused: refused, who: who)
                }
                return registerPage(who, site, "Kế hoạch vận hành", "Operating plan", body: body, status: status, message: message, refused: refused)

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
                        body += "<details\(opened("/registers/inspections/\(i.id)/action"))><summary>Thêm việc khắc phục / Add a follow-up action</summary>" + registerForm(
                            action: "/registers/inspections/\(i.id)/action\(s)", submit: "Thêm / Add", fields: [
                                RegisterField(name: "text", label: "Việc cần làm / Action", kind: .textarea),
                                RegisterField(name: "owner", label: "Người phụ trách / Owner", kind: .text),
                                RegisterField(name: "due", label: "Hạn / Due", kind: .date),
                            ], refused: refused, who: who) + "</details>"
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
                    ], refused: refused, who: who)
                }
                return registerPage(who, site, "Kiểm tra định kỳ, đột xuất", "Inspections", body: body, status: status, message: message, refused: refused)

            case "feedback":
                let items = try await reader.feedback(site: site.id).reversed()
                var body = ""
                for f in items {
                    body += "<div class=\"card\"><strong>#\(f.id)</strong> \(esc(HumanFormat.date(f.receivedOn))) · \(vi("registers.feedback.subject." + f.subject.rawValue)) · "
                    body += "<span class=\"badge \(f.state == .answered ? "ok" : "warn")\">\(vi("registers.feedback.state." + f.state.rawValue))</span>"
                    body += "<br><span class=\"muted\">\(esc(f.from.isEmpty ? "Ẩn danh / anonymous" : f.from)) · \(vi("registers.feedback.channel." + f.channel.rawValue))\(f.item.isEmpty ? "" : " · " + esc(f.item))</span>"
                    body += "<p class=\"wrap\">\(esc(f.text))</p>"
                    if let a = f.answer { body += "<p class=\"wrap\"><strong>Trả lời / Answer:</strong> \(esc(a)) <span class=\"muted\">— \(esc(f.answeredBy ?? ""))</span></p>" }
                    if write && f.state == .received { body += button("/registers/feedback/\(f.id)/forward", "Chuyển Sở / Forward to the Department") }
                    if decide && f.state != .answered {
                        body += registerForm(action: "/registers/feedback/\(f.id)/answer\(s)", submit: "Trả lời / Answer", fields: [
                            RegisterField(name: "answer", label: "Trả lời của Sở / The Department's answer", kind: .textarea),
                        ], refused: refused, who: who)
                    }
                    body += "</div>"
                }
                if body.isEmpty { body = "<p class=\"card muted\">Chưa có ý kiến phản ánh nào. / No feedback recorded.</p>" }
                body += csvLink("feedback")
                if write {
                    body += "<h2>Tiếp nhận ý kiến phản ánh / Record feedback</h2>" + registerForm(action: "/registers/feedback\(s)", submit: "Ghi / Save", fields: [
                        RegisterField(name: "subject", label: "Về / About", kind: .select(FeedbackSubject.allCases.map { ($0.rawValue, Catalogue.bilingual(Message(MessageKey("registers.feedback.subject." + $0.rawValue)))) })),
                        RegisterField(name: "channel", label: "Kênh / Channel", kind: .select(FeedbackChannel.allCases.map { ($0.rawValue, Catalogue.bilingual(Message(MessageKey("registers.feedback.channel." + $0.rawValue)))) })),
                        RegisterField(name: "date", label: "Ngày nhận / Received on", kind: .date),
                        RegisterField(name: "from", label: "Người phản ánh (có thể để trống) / From (may be left empty)", kind: .text),
                        RegisterField(name: "item", label: "Nội dung liên quan (tệp) / Content item", kind: .text),
                        RegisterField(name: "text", label: "Nội dung phản ánh / Text", kind: .textarea),
                    ], refused: refused, who: who)
                }
                return registerPage(who, site, "Ý kiến phản ánh", "Feedback from the public", body: body, status: status, message: message, refused: refused)

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
                    ], refused: refused, who: who)
                }
                body += "<h2>Đề xuất bảo trì, sửa chữa, nâng cấp / Proposals</h2>"
                for p in try await reader.proposals(site: site.id).reversed() {
                    body += "<div class=\"card\"><strong>#\(p.id) \(vi("registers.proposal.kind." + p.kind.rawValue))</strong> · \(vi("registers.proposal.decision." + p.decision.rawValue))"
                    body += "<p class=\"wrap\">\(esc(p.text))</p><span class=\"muted\">\(esc(p.raisedBy)) · \(esc(p.origin))\(p.decisionNote.map { " · " + esc($0) } ?? "")</span>"
                    if decide && p.decision == .pending {
                        body += registerForm(action: "/registers/maintenance/\(p.id)/decide\(s)", submit: "Quyết định / Decide", fields: [
                            RegisterField(name: "decision", label: "Quyết định / Decision", kind: .select([("approved", "Chấp thuận / Approve"), ("rejected", "Không chấp thuận / Reject")])),
                            RegisterField(name: "note", label: "Ghi chú / Note", kind: .textarea),
                        ], refused: refused, who: who)
                    }
                    body += "</div>"
                }
                if write {
                    body += registerForm(action: "/registers/proposals\(s)", submit: "Gửi đề xuất / Propose", fields: [
                        RegisterField(name: "kind", label: "Loại / Kind", kind: .select(ProposalKind.allCases.map { ($0.rawValue, Catalogue.bilingual(Message(MessageKey("registers.proposal.kind." + $0.rawValue)))) })),
                        RegisterField(name: "text", label: "Nội dung đề xuất / Proposal", kind: .textarea),
                    ], refused: refused, who: who)
                }
                return registerPage(who, site, "Bảo trì và đề xuất", "Maintenance and proposals", body: body, status: status, message: message, refused: refused)

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
                    ], refused: refused, who: who)
                }
                return registerPage(who, site, "Tập huấn", "Training", body: body, status: status, message: message, refused: refused)

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
                        body += "<details\(opened("/registers/equipment/\(urlEncode(e.id))/lend"))><summary>Cho mượn / Lend</summary>" + registerForm(action: "/registers/equipment/\(urlEncode(e.id))/lend\(s)", submit: "Cho mượn / Lend", fields: [
                            RegisterField(name: "borrower", label: "Người mượn / Borrower", kind: .text),
                            RegisterField(name: "purpose", label: "Mục đích / Purpose", kind: .text),
                            RegisterField(name: "due", label: "Hẹn trả / Due back", kind: .date),
                        ], refused: refused, who: who) + "</details>"
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
                    ], refused: refused, who: who)
                }
                return registerPage(who, site, "Thiết bị", "Equipment", body: body, status: status, message: message, refused: refused)

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
            if configuration.sites.count > 1 { html += "<strong>\(esc(site.name))</strong><br>" }
            for offset in 0...days {
                let day = today.adding(days: offset)
                let windows = site.schedule.applying(plan).windows(on: day)
                let hours = windows.isEmpty ? Message("registers.board.not_operated") : Message("registers.board.hours", [
                    "windows": .text(windows.map(\.description).joined(separator: ", ")), "total": .duration(Seconds(windows.reduce(Int64(0)) { $0 + $1.length })),
                ])
                let entry = plan.first { $0.date == day }
                // Until the daemon has reloaded, the engine still judges the day by the old hours: say so.
                let applying = entry != nil && site.schedule.windows(on: day) != windows
                let source = entry.map { Message(applying ? "registers.board.applying" : "registers.board.planned",
                                                 ["by": .text($0.by), "reason": .text($0.reason.isEmpty ? "—" : $0.reason)]) }
                    ?? Message("registers.board.profile")
                let line = Message("registers.board.day", ["date": .date(day), "hours": .message(hours), "source": .message(source)])
                html += "<div\(entry == nil ? "" : applying ? " class=\"planned applying\"" : " class=\"planned\"") data-date=\"\(day.description)\">\(esc(Catalogue.bilingual(line, zone: site.zone)))</div>"
            }
        }
        return html + "<p class=\"muted\"><a href=\"/registers/plan\">\(esc(Catalogue.bilingual(Message("registers.board.edit"))))</a></p></div>"
    }
}

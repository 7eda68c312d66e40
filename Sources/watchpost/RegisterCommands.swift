// CLI for the operating plan and the registers (issue #18): `plan`, `inspection`, `feedback`,
// `repair`, `proposal`, `training`, `equipment`. Input is validated by WatchpostCore before
// anything is written; every problem is printed with the option it belongs to, in Vietnamese
// then English, and nothing is stored. Lists print as text or CSV (`--format csv`).
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import Posix

let registerCommands: [Command] = [
    planSetCommand, planCloseCommand, planClearCommand, planListCommand,
    inspectionAddCommand, inspectionActionCommand, inspectionDoneCommand, inspectionCloseCommand, inspectionListCommand,
    feedbackAddCommand, feedbackForwardCommand, feedbackAnswerCommand, feedbackListCommand,
    repairAddCommand, repairListCommand, proposalAddCommand, proposalDecideCommand, proposalListCommand,
    trainingAddCommand, trainingListCommand,
    equipmentPutCommand, equipmentListCommand, equipmentLendCommand, equipmentReturnCommand, equipmentLoansCommand,
]

/// What every register command needs: the configuration, the store, the site, who acts, now.
struct RegisterContext {
    var config: WatchpostConfiguration
    var store: Store
    var site: SiteProfile
    var by: String
    var now: Instant
    var today: CivilDate { site.zone.localDate(of: now) }

    init(_ args: Arguments) throws {
        (config, store) = try openStore(args, createIfMissing: true)
        if let id = args.value("site") {
            guard let s = config.site(id) else {
                throw WatchpostError(.usage, "no site '\(id)'", hint: "sites: \(config.sites.map(\.id).joined(separator: ", "))")
            }
            site = s
        } else if config.sites.count == 1 {
            site = config.sites[0]
        } else {
            throw WatchpostError(.usage, "--site is needed", hint: "sites: \(config.sites.map(\.id).joined(separator: ", "))")
        }
        by = whoAmI(args)
        now = SystemClock().now()
    }
}

/// Refuses with every problem, one per line: `--field: Vietnamese / English`.
func refuse(_ problems: [FieldProblem]) throws {
    guard !problems.isEmpty else { return }
    throw WatchpostError(.usage, Catalogue.bilingual(Message("registers.invalid_input")) + "\n" + problems.map { "  --\($0.field): \(Catalogue.bilingual($0.message))" }.joined(separator: "\n"))
}

/// Typed option readers that collect problems instead of stopping at the first.
struct OptionReader {
    let args: Arguments
    var problems: [FieldProblem] = []

    mutating func text(_ name: String, required: Bool = false) -> String {
        let v = args.value(name) ?? ""
        if required && v.trimmingWhitespace().isEmpty { problems.append(FieldProblem(name, Message("registers.field.required"))) }
        return v.trimmingWhitespace()
    }

    mutating func date(_ name: String, default d: CivilDate? = nil, from value: String? = nil) -> CivilDate? {
        guard let raw = value ?? args.value(name), !raw.trimmingWhitespace().isEmpty else {
            if d == nil { problems.append(FieldProblem(name, Message("registers.field.required"))) }
            return d
        }
        guard let day = CivilDate(parsing: raw.trimmingWhitespace()) else {
            problems.append(FieldProblem(name, Message("registers.field.bad_date", ["value": .text(raw)])))
            return nil
        }
        return day
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type, default d: T? = nil) -> T? where T.RawValue == String {
        guard let raw = args.value(name) else {
            if d == nil { problems.append(FieldProblem(name, Message("registers.field.required"))) }
            return d
        }
        guard let v = T(rawValue: raw.trimmingWhitespace()) else {
            problems.append(FieldProblem(name, Message("registers.field.bad_choice", ["value": .text(raw), "choices": .text(T.allCases.map(\.rawValue).joined(separator: ", "))])))
            return nil
        }
        return v
    }

    mutating func integer(_ name: String, value: String? = nil) -> Int64? {
        guard let raw = value ?? args.value(name) else { return nil }
        guard let v = Int64(raw.trimmingWhitespace()) else {
            problems.append(FieldProblem(name, Message("registers.field.bad_number", ["value": .text(raw)])))
            return nil
        }
        return v
    }

    /// The first positional as a record number.
    mutating func id(_ name: String = "id") -> Int64 {
        guard let raw = args.positionals.first else { problems.append(FieldProblem(name, Message("registers.field.required"))); return 0 }
        return integer(name, value: raw.trimmingPrefix("#").description) ?? 0
    }

    func list(_ name: String) -> [String] {
        (args.value(name) ?? "").split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
    }
}

/// Prints rows as aligned text or as CSV (RFC 4180 quoting; a cell starting with = + - @ is
/// prefixed with ' so a spreadsheet never runs it as a formula).
func printTable(_ header: [String], _ rows: [[String]], csv: Bool) {
    if csv {
        func cell(_ s: String) -> String {
            var v = s
            if let f = v.first, "=+-@".contains(f) { v = "'" + v }
            return v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + v.replacingAll("\"", with: "\"\"") + "\"" : v
        }
        out(header.map(cell).joined(separator: ","))
        for r in rows { out(r.map(cell).joined(separator: ",")) }
        return
    }
    if rows.isEmpty { out("(không có / none)"); return }
    let widths = header.indices.map { i in min(40, ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0) }
    func line(_ cells: [String]) -> String {
        cells.indices.map { i in cells[i] + String(repeating: " ", count: max(0, widths[i] - cells[i].count)) }.joined(separator: "  ")
            .trimmingTrailingSpaces()
    }
    out(line(header))
    for r in rows { out(line(r)) }
}

func wantsCSV(_ args: Arguments) throws -> Bool {
    switch args.value("format") ?? "txt" {
    case "txt": return false
    case "csv": return true
    case let f: throw WatchpostError(.usage, "--format \(f): use txt or csv")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String { var s = self; while s.last == " " { s.removeLast() }; return s }
    func replacingAll(_ a: String, with b: String) -> String { split(separator: a, omittingEmptySubsequences: false).joined(separator: b) }
}

private let common: Set<String> = ["config", "site", "by"]
private let commonHelp = "  --site ID      the site (needed when the configuration has several)\n  --by NAME      who records it (default: the login name)\n  --config DIR   the configuration folder"

private func vi(_ m: Message, zone: ZoneOffset) -> String { Catalogue.render(m, .vi, zone: zone) }

// MARK: plan

let planSetCommand = Command(
    name: "plan set", summary: "plan a weekend day's or holiday's operating hours (Tây Trang 7.2.1.b)",
    help: """
    Usage: watchpost plan set DATE --hours 08:00-12:00,13:30-17:30 [--reason TEXT] [options]

    Sets the operating hours of one Saturday, Sunday or holiday, within the site's [plan] hours
    (probes/<site>/registers.conf; 8–10 h at Tây Trang, Art. 7.2.1.b). The schedule, the judging
    of a dark screen and the availability figures follow it; the change goes on the timeline.
    \(commonHelp)
    """,
    valuedOptions: common.union(["hours", "reason"]),
    run: { args in
        try args.allowOnly(common.union(["hours", "reason"]))
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let date = r.date("date", from: args.positionals.first ?? "")
        let raw = r.text("hours", required: true)
        let windows = raw.split(separator: ",").map { DailyWindow(parsing: String($0).trimmingWhitespace()) }
        if !raw.isEmpty && windows.contains(where: { $0 == nil }) { r.problems.append(FieldProblem("hours", Message("registers.field.bad_hours", ["value": .text(raw)]))) }
        try refuse(r.problems)
        let entry = PlanEntry(site: ctx.site.id, date: date!, change: .hours(windows.compactMap { $0 }), reason: r.text("reason"), by: ctx.by, at: ctx.now)
        try refuse(OperatingPlan.problems(entry, schedule: ctx.site.schedule, policy: ctx.site.planPolicy, today: ctx.today))
        try await ctx.store.setPlan(entry)
        out(vi(Message("registers.plan.set", ["date": .date(entry.date), "hours": .text(raw), "reason": .text(entry.reason)]), zone: ctx.site.zone))
        return 0
    })

let planCloseCommand = Command(
    name: "plan close", summary: "record a day the cluster is not operated, with the reason",
    help: """
    Usage: watchpost plan close DATE --reason TEXT [options]

    A one-off closure: the day has no operating hours, so a dark screen is not an incident and
    the day does not count against availability. The reason is required and goes on the timeline.
    \(commonHelp)
    """,
    valuedOptions: common.union(["reason"]),
    run: { args in
        try args.allowOnly(common.union(["reason"]))
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let date = r.date("date", from: args.positionals.first ?? "")
        try refuse(r.problems)
        let entry = PlanEntry(site: ctx.site.id, date: date!, change: .closed, reason: r.text("reason"), by: ctx.by, at: ctx.now)
        try refuse(OperatingPlan.problems(entry, schedule: ctx.site.schedule, policy: ctx.site.planPolicy, today: ctx.today))
        try await ctx.store.setPlan(entry)
        out(vi(Message("registers.plan.closed", ["date": .date(entry.date), "reason": .text(entry.reason)]), zone: ctx.site.zone))
        return 0
    })

let planClearCommand = Command(
    name: "plan clear", summary: "remove one day's plan (the profile's schedule applies again)",
    help: "Usage: watchpost plan clear DATE [options]\n\(commonHelp)",
    valuedOptions: common,
    run: { args in
        try args.allowOnly(common)
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let date = r.date("date", from: args.positionals.first ?? "")
        try refuse(r.problems)
        if date! < ctx.today { try refuse([FieldProblem("date", Message("registers.plan.past", ["date": .date(date!)]))]) }
        guard try await ctx.store.clearPlan(site: ctx.site.id, date: date!, by: ctx.by, at: ctx.now) else {
            throw WatchpostError(.notFound, "no plan for \(date!)")
        }
        out(vi(Message("registers.plan.cleared", ["date": .date(date!)]), zone: ctx.site.zone))
        return 0
    })

let planListCommand = Command(
    name: "plan list", summary: "the operating plan and each planned day's hours",
    help: "Usage: watchpost plan list [--from DATE] [--to DATE] [--format txt|csv] [options]\n\(commonHelp)",
    valuedOptions: common.union(["from", "to", "format"]),
    run: { args in
        try args.allowOnly(common.union(["from", "to", "format"]))
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let from = r.date("from", default: ctx.today.adding(days: -31)), to = r.date("to", default: ctx.today.adding(days: 366))
        try refuse(r.problems)
        let rows = try await ctx.store.plan(site: ctx.site.id, from: from, to: to).map { e -> [String] in
            let hours: String = switch e.change { case .closed: "tạm ngừng / closed"; case .hours(let ws): ws.map(\.description).joined(separator: ", ") }
            return [e.date.description, hours, e.change == .closed ? "—" : HumanFormat.duration(Seconds(e.plannedSeconds), .vi), e.reason, e.by, HumanFormat.tableTime(e.at, zone: ctx.site.zone)]
        }
        printTable(["Ngày/Date", "Khung giờ/Hours", "Tổng/Total", "Lý do/Reason", "Người đặt/By", "Lúc/At"], rows, csv: try wantsCSV(args))
        return 0
    })

// MARK: inspections

let inspectionAddCommand = Command(
    name: "inspection add", summary: "record a periodic or surprise inspection (Tây Trang 7.1.3, Vũng Áng 4.1)",
    help: """
    Usage: watchpost inspection add --kind periodic|surprise --bodies TEXT [--date DATE] [--people TEXT]
                                    [--checked ITEM,ITEM…] [--findings TEXT] [options]

    --checked names items of the site's checklist (probes/<site>/inspection.conf). Prints the
    inspection's number; add follow-up actions with `watchpost inspection action`.
    --maintenance 2h starts a maintenance window from now for the checks the inspection disturbs
    (--maintenance-checks A,B; default every check of the site), so they page nobody meanwhile.
    \(commonHelp)
    """,
    valuedOptions: common.union(["kind", "bodies", "date", "people", "checked", "findings", "maintenance", "maintenance-checks"]),
    run: { args in
        try args.allowOnly(common.union(["kind", "bodies", "date", "people", "checked", "findings", "maintenance", "maintenance-checks"]))
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let kind = r.choice("kind", InspectionKind.self)
        let date = r.date("date", default: ctx.today)
        try refuse(r.problems)
        let i = Inspection(site: ctx.site.id, kind: kind!, date: date!, bodies: r.text("bodies"), people: r.text("people"), checked: r.list("checked"),
                           findings: r.text("findings"), createdBy: ctx.by, createdAt: ctx.now)
        var problems = i.problems(checklist: ctx.site.inspectionChecklist.map(\.id), today: ctx.today)
        let window = args.value("maintenance").map { Seconds(parsing: $0).flatMap { $0 > .zero && $0 <= .hours(24 * 7) ? $0 : nil } }
        if case .some(nil) = window { problems.append(FieldProblem("maintenance", Message("registers.field.bad_duration", ["value": .text(args.value("maintenance") ?? "")]))) }
        let checks = r.list("maintenance-checks")
        for c in checks where ctx.site.check(c) == nil { problems.append(FieldProblem("maintenance-checks", Message("registers.field.unknown_check", ["check": .text(c)]))) }
        try refuse(problems)
        let id = try await ctx.store.addInspection(i)
        out("\(id)")
        if case .some(.some(let span)) = window {
            let reason = Catalogue.bilingual(Message("registers.inspection.maintenance", ["id": .int(id)]))
            let w = try await IncidentService(store: ctx.store).startMaintenance(site: ctx.site.id, checks: checks, from: ctx.now, until: ctx.now + span,
                                                                                 reason: reason, includesSecurity: false, by: ctx.by)
            out("maintenance adhoc:\(w.id) \(reason)")
        }
        return 0
    })

let inspectionActionCommand = Command(
    name: "inspection action", summary: "add a follow-up action to an inspection, with owner and due date",
    help: "Usage: watchpost inspection action ID --text TEXT --owner NAME --due DATE [options]\n\(commonHelp)",
    valuedOptions: common.union(["text", "owner", "due"]),
    run: { args in
        try args.allowOnly(common.union(["text", "owner", "due"]))
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let id = r.id()
        let due = r.date("due")
        try refuse(r.problems)
        let a = FollowUpAction(inspectionID: id, text: r.text("text"), owner: r.text("owner"), due: due!)
        try refuse(a.problems())
        out("\(try await ctx.store.addFollowUpAction(a, by: ctx.by, at: ctx.now))")
        return 0
    })

let inspectionDoneCommand = Command(
    name: "inspection done", summary: "mark a follow-up action done",
    help: "Usage: watchpost inspection done ACTION-ID [options]\n\(commonHelp)",
    valuedOptions: common,
    run: { args in
        try args.allowOnly(common)
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let id = r.id()
        try refuse(r.problems)
        try await ctx.store.completeFollowUpAction(id: id, by: ctx.by, at: ctx.now)
        return 0
    })

let inspectionCloseCommand = Command(
    name: "inspection close", summary: "close an inspection once its follow-up actions are done",
    help: "Usage: watchpost inspection close ID [options]\n\(commonHelp)",
    valuedOptions: common,
    run: { args in
        try args.allowOnly(common)
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let id = r.id()
        try refuse(r.problems)
        try await ctx.store.closeInspection(id: id, by: ctx.by, at: ctx.now)
        return 0
    })

let inspectionListCommand = Command(
    name: "inspection list", summary: "inspections with their follow-up actions",
    help: "Usage: watchpost inspection list [--format txt|csv] [options]\n\(commonHelp)",
    valuedOptions: common.union(["format"]),
    run: { args in
        try args.allowOnly(common.union(["format"]))
        let ctx = try RegisterContext(args)
        let z = ctx.site.zone
        var rows: [[String]] = []
        for (i, actions) in try await ctx.store.inspections(site: ctx.site.id) {
            rows.append(["\(i.id)", i.date.description, vi(Message(MessageKey("registers.inspection.kind." + i.kind.rawValue)), zone: z), i.bodies,
                         i.checked.joined(separator: " "), i.findings, i.closedAt.map { HumanFormat.tableTime($0, zone: z) } ?? "mở / open"])
            for a in actions {
                rows.append(["  \(i.id).\(a.id)", a.due.description, "việc khắc phục / action", a.owner, "", a.text,
                             a.doneAt.map { HumanFormat.tableTime($0, zone: z) } ?? "chưa xong / not done"])
            }
        }
        printTable(["Số/No", "Ngày/Date", "Loại/Kind", "Đơn vị/Bodies", "Hạng mục/Checked", "Kết quả/Findings", "Đóng/Closed"], rows, csv: try wantsCSV(args))
        return 0
    })

// MARK: feedback

let feedbackAddCommand = Command(
    name: "feedback add", summary: "record the public's feedback on the operation or the content (Tây Trang 7.2.5)",
    help: """
    Usage: watchpost feedback add --about operation|content --text TEXT [--channel in-person|phone|letter|email|other]
                                  [--date DATE] [--from NAME] [--item PATH] [options]

    --from may be left out (anonymous). Forward it to the Department with `watchpost feedback forward ID`.
    \(commonHelp)
    """,
    valuedOptions: common.union(["about", "text", "channel", "date", "from", "item"]),
    run: { args in
        try args.allowOnly(common.union(["about", "text", "channel", "date", "from", "item"]))
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let about = r.choice("about", FeedbackSubject.self)
        let channel = r.choice("channel", FeedbackChannel.self, default: .inPerson)
        let date = r.date("date", default: ctx.today)
        try refuse(r.problems)
        let f = Feedback(site: ctx.site.id, channel: channel!, receivedOn: date!, from: r.text("from"), subject: about!, item: r.text("item"),
                         text: r.text("text"), recordedBy: ctx.by, recordedAt: ctx.now)
        try refuse(f.problems(today: ctx.today))
        out("\(try await ctx.store.addFeedback(f))")
        return 0
    })

let feedbackForwardCommand = Command(
    name: "feedback forward", summary: "forward feedback to the Department (recorded on the timeline)",
    help: "Usage: watchpost feedback forward ID [options]\n\(commonHelp)",
    valuedOptions: common,
    run: { args in
        try args.allowOnly(common)
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let id = r.id()
        try refuse(r.problems)
        let (site, contacts, by, now) = (ctx.site, ctx.config.contacts, ctx.by, ctx.now)
        let base = ctx.config.section("web")?.value("base_url")
        let f = try await ctx.store.advanceFeedback(id: id, to: .forwarded, by: by, at: now) { f in
            RegisterNotices.forward(f, site: site, contacts: contacts, by: by, at: now, webBase: base)
        }
        out(vi(Message("registers.feedback.forwarded", ["id": .int(f.id)]), zone: ctx.site.zone))
        return 0
    })

let feedbackAnswerCommand = Command(
    name: "feedback answer", summary: "record the Department's answer and close the feedback",
    help: "Usage: watchpost feedback answer ID --answer TEXT [options]\n\(commonHelp)",
    valuedOptions: common.union(["answer"]),
    run: { args in
        try args.allowOnly(common.union(["answer"]))
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let id = r.id()
        let answer = r.text("answer", required: true)
        r.problems += RegisterText.problems(answer, field: "answer", required: true, max: RegisterLimits.longText).filter { $0.message.key != "registers.field.required" }
        try refuse(r.problems)
        _ = try await ctx.store.advanceFeedback(id: id, to: .answered, answer: answer, by: ctx.by, at: ctx.now)
        return 0
    })

let feedbackListCommand = Command(
    name: "feedback list", summary: "feedback from the public and where each item stands",
    help: "Usage: watchpost feedback list [--open] [--format txt|csv] [options]\n\(commonHelp)",
    valuedOptions: common.union(["format"]),
    run: { args in
        try args.allowOnly(common.union(["format", "open"]))
        let ctx = try RegisterContext(args)
        let z = ctx.site.zone
        let rows = try await ctx.store.feedback(site: ctx.site.id).filter { !args.has("open") || $0.state != .answered }.map { f in
            ["\(f.id)", f.receivedOn.description, f.channel.rawValue, f.from.isEmpty ? "(ẩn danh / anonymous)" : f.from,
             vi(Message(MessageKey("registers.feedback.subject." + f.subject.rawValue)), zone: z), f.item, f.text,
             vi(Message(MessageKey("registers.feedback.state." + f.state.rawValue)), zone: z), f.answer ?? ""]
        }
        printTable(["Số/No", "Ngày/Date", "Kênh/Channel", "Người/From", "Về/About", "Mục/Item", "Nội dung/Text", "Tình trạng/State", "Trả lời/Answer"], rows, csv: try wantsCSV(args))
        return 0
    })

// MARK: maintenance work and proposals

let repairAddCommand = Command(
    name: "repair add", summary: "log maintenance or repair work done, optionally linked to the incident it fixed",
    help: "Usage: watchpost repair add --what TEXT --who NAME [--date DATE] [--cost VND] [--parts TEXT] [--incident ID] [options]\n\(commonHelp)",
    valuedOptions: common.union(["what", "who", "date", "cost", "parts", "incident"]),
    run: { args in
        try args.allowOnly(common.union(["what", "who", "date", "cost", "parts", "incident"]))
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let date = r.date("date", default: ctx.today)
        let cost = r.integer("cost"), incident = r.integer("incident", value: args.value("incident")?.trimmingPrefix("#").description)
        try refuse(r.problems)
        if let incident, try await IncidentService(store: ctx.store).incident(incident) == nil {
            try refuse([FieldProblem("incident", Message("registers.not_found", ["what": .message(Message("registers.what.incident")), "id": .int(incident)]))])
        }
        let w = MaintenanceWork(site: ctx.site.id, date: date!, what: r.text("what"), who: r.text("who"), costVND: cost, parts: r.text("parts"),
                                incidentID: incident, recordedBy: ctx.by, recordedAt: ctx.now)
        try refuse(w.problems(today: ctx.today))
        out("\(try await ctx.store.addMaintenanceWork(w))")
        return 0
    })

let repairListCommand = Command(
    name: "repair list", summary: "maintenance and repair work done",
    help: "Usage: watchpost repair list [--format txt|csv] [options]\n\(commonHelp)",
    valuedOptions: common.union(["format"]),
    run: { args in
        try args.allowOnly(common.union(["format"]))
        let ctx = try RegisterContext(args)
        let rows = try await ctx.store.maintenanceWork(site: ctx.site.id).map { w in
            ["\(w.id)", w.date.description, w.what, w.who, w.costVND.map(String.init) ?? "", w.parts, w.incidentID.map { "#\($0)" } ?? ""]
        }
        printTable(["Số/No", "Ngày/Date", "Công việc/Work", "Người làm/Who", "Chi phí (đ)/Cost", "Vật tư/Parts", "Sự cố/Incident"], rows, csv: try wantsCSV(args))
        return 0
    })

let proposalAddCommand = Command(
    name: "proposal add", summary: "propose maintenance, repair or an upgrade for the Department to decide (Tây Trang 7.1.3, 7.2.4)",
    help: "Usage: watchpost proposal add --kind maintenance|repair|upgrade --text TEXT [--origin FINDING] [options]\n\(commonHelp)",
    valuedOptions: common.union(["kind", "text", "origin"]),
    run: { args in
        try args.allowOnly(common.union(["kind", "text", "origin"]))
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let kind = r.choice("kind", ProposalKind.self)
        try refuse(r.problems)
        let p = Proposal(site: ctx.site.id, kind: kind!, text: r.text("text"), origin: args.value("origin") ?? "manual", raisedBy: ctx.by, raisedAt: ctx.now)
        try refuse(p.problems() + RegisterText.problems(p.origin, field: "origin", required: true, max: RegisterLimits.shortText))
        out("\(try await ctx.store.addProposal(p))")
        return 0
    })

let proposalDecideCommand = Command(
    name: "proposal decide", summary: "record the Department's decision on a proposal",
    help: "Usage: watchpost proposal decide ID --decision approved|rejected [--note TEXT] [options]\n\(commonHelp)",
    valuedOptions: common.union(["decision", "note"]),
    run: { args in
        try args.allowOnly(common.union(["decision", "note"]))
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let id = r.id()
        let decision = r.choice("decision", ProposalDecision.self)
        if decision == .pending { r.problems.append(FieldProblem("decision", Message("registers.field.bad_choice", ["value": "pending", "choices": "approved, rejected"]))) }
        let note = r.text("note")
        r.problems += RegisterText.problems(note, field: "note", required: false, max: RegisterLimits.longText)
        try refuse(r.problems)
        try await ctx.store.decideProposal(id: id, decision: decision!, note: note, by: ctx.by, at: ctx.now)
        return 0
    })

let proposalListCommand = Command(
    name: "proposal list", summary: "proposals and the Department's decisions",
    help: "Usage: watchpost proposal list [--format txt|csv] [options]\n\(commonHelp)",
    valuedOptions: common.union(["format"]),
    run: { args in
        try args.allowOnly(common.union(["format"]))
        let ctx = try RegisterContext(args)
        let z = ctx.site.zone
        let rows = try await ctx.store.proposals(site: ctx.site.id).map { p in
            ["\(p.id)", HumanFormat.tableTime(p.raisedAt, zone: z), vi(Message(MessageKey("registers.proposal.kind." + p.kind.rawValue)), zone: z), p.text, p.origin,
             vi(Message(MessageKey("registers.proposal.decision." + p.decision.rawValue)), zone: z), p.decisionNote ?? ""]
        }
        printTable(["Số/No", "Lúc/At", "Loại/Kind", "Nội dung/Text", "Nguồn/Origin", "Quyết định/Decision", "Ghi chú/Note"], rows, csv: try wantsCSV(args))
        return 0
    })

// MARK: training

let trainingAddCommand = Command(
    name: "training add", summary: "record a training session and who attended (Tây Trang 7.1.4, 7.2.6; Vũng Áng 4.4)",
    help: "Usage: watchpost training add --topic TEXT --organiser NAME --attendees NAME,NAME… [--date DATE] [options]\n\(commonHelp)",
    valuedOptions: common.union(["topic", "organiser", "attendees", "date"]),
    run: { args in
        try args.allowOnly(common.union(["topic", "organiser", "attendees", "date"]))
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let date = r.date("date", default: ctx.today)
        try refuse(r.problems)
        let t = TrainingSession(site: ctx.site.id, date: date!, topic: r.text("topic"), organiser: r.text("organiser"), attendees: r.list("attendees"),
                                recordedBy: ctx.by, recordedAt: ctx.now)
        try refuse(t.problems(today: ctx.today))
        out("\(try await ctx.store.addTraining(t))")
        return 0
    })

let trainingListCommand = Command(
    name: "training list", summary: "training sessions held",
    help: "Usage: watchpost training list [--format txt|csv] [options]\n\(commonHelp)",
    valuedOptions: common.union(["format"]),
    run: { args in
        try args.allowOnly(common.union(["format"]))
        let ctx = try RegisterContext(args)
        let rows = try await ctx.store.training(site: ctx.site.id).map { t in
            ["\(t.id)", t.date.description, t.topic, t.organiser, "\(t.attendees.count)", t.attendees.joined(separator: "; ")]
        }
        printTable(["Số/No", "Ngày/Date", "Nội dung/Topic", "Đơn vị tổ chức/Organiser", "Số người/Count", "Người tham gia/Attendees"], rows, csv: try wantsCSV(args))
        return 0
    })

// MARK: equipment and loans

let equipmentPutCommand = Command(
    name: "equipment put", summary: "add or update an item of equipment (Tây Trang 2.2)",
    help: """
    Usage: watchpost equipment put ID --name TEXT [--serial TEXT] [--location TEXT]
                                   [--state working|faulty|under_repair|retired] [--lendable] [options]

    --lendable marks items that may be lent out (the mobile sound equipment).
    \(commonHelp)
    """,
    valuedOptions: common.union(["name", "serial", "location", "state"]),
    run: { args in
        try args.allowOnly(common.union(["name", "serial", "location", "state", "lendable"]))
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let state = r.choice("state", EquipmentState.self, default: .working)
        try refuse(r.problems)
        let e = EquipmentItem(id: args.positionals.first ?? "", site: ctx.site.id, name: r.text("name"), serial: r.text("serial"), location: r.text("location"),
                              state: state!, lendable: args.has("lendable"))
        try refuse(e.problems())
        try await ctx.store.putEquipment(e, by: ctx.by, at: ctx.now)
        return 0
    })

let equipmentListCommand = Command(
    name: "equipment list", summary: "the equipment inventory and who has what on loan",
    help: "Usage: watchpost equipment list [--format txt|csv] [options]\n\(commonHelp)",
    valuedOptions: common.union(["format"]),
    run: { args in
        try args.allowOnly(common.union(["format"]))
        let ctx = try RegisterContext(args)
        let open = try await ctx.store.loans(site: ctx.site.id).filter(\.isOut)
        let rows = try await ctx.store.equipment(site: ctx.site.id).map { e in
            [e.id, e.name, e.serial, e.location, vi(Message(MessageKey("registers.equipment.state." + e.state.rawValue)), zone: ctx.site.zone),
             e.lendable ? "có / yes" : "", open.first { $0.equipmentID == e.id }?.borrower ?? ""]
        }
        printTable(["Mã/ID", "Tên/Name", "Số sê-ri/Serial", "Vị trí/Location", "Tình trạng/State", "Cho mượn/Lendable", "Đang mượn/Out with"], rows, csv: try wantsCSV(args))
        return 0
    })

let equipmentLendCommand = Command(
    name: "equipment lend", summary: "lend an item (the mobile sound equipment): to whom, for what, back when",
    help: "Usage: watchpost equipment lend ID --to NAME --purpose TEXT [--due DATE] [options]\n\(commonHelp)",
    valuedOptions: common.union(["to", "purpose", "due"]),
    run: { args in
        try args.allowOnly(common.union(["to", "purpose", "due"]))
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let due: CivilDate? = args.value("due") == nil ? nil : r.date("due")
        try refuse(r.problems)
        let loan = EquipmentLoan(equipmentID: args.positionals.first ?? "", site: ctx.site.id, borrower: r.text("to"), purpose: r.text("purpose"),
                                 lentAt: ctx.now, dueBack: due, recordedBy: ctx.by)
        out("\(try await ctx.store.lend(loan, today: ctx.today))")
        return 0
    })

let equipmentReturnCommand = Command(
    name: "equipment return", summary: "record an item back from loan",
    help: "Usage: watchpost equipment return ID [--note TEXT] [options]\n\(commonHelp)",
    valuedOptions: common.union(["note"]),
    run: { args in
        try args.allowOnly(common.union(["note"]))
        let ctx = try RegisterContext(args)
        var r = OptionReader(args: args)
        let note = r.text("note")
        r.problems += RegisterText.problems(note, field: "note", required: false, max: RegisterLimits.shortText)
        try refuse(r.problems)
        try await ctx.store.returnLoan(site: ctx.site.id, equipmentID: args.positionals.first ?? "", note: note, by: ctx.by, at: ctx.now)
        return 0
    })

let equipmentLoansCommand = Command(
    name: "equipment loans", summary: "the loan log of lendable equipment",
    help: "Usage: watchpost equipment loans [--format txt|csv] [options]\n\(commonHelp)",
    valuedOptions: common.union(["format"]),
    run: { args in
        try args.allowOnly(common.union(["format"]))
        let ctx = try RegisterContext(args)
        let z = ctx.site.zone
        let rows = try await ctx.store.loans(site: ctx.site.id).map { l in
            ["\(l.id)", l.equipmentID, l.borrower, l.purpose, HumanFormat.tableTime(l.lentAt, zone: z), l.dueBack?.description ?? "",
             l.returnedAt.map { HumanFormat.tableTime($0, zone: z) } ?? "chưa trả / out", l.returnNote ?? ""]
        }
        printTable(["Số/No", "Thiết bị/Item", "Người mượn/Borrower", "Mục đích/Purpose", "Cho mượn/Lent", "Hẹn trả/Due", "Đã trả/Returned", "Ghi chú/Note"], rows, csv: try wantsCSV(args))
        return 0
    })

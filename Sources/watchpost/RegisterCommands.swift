// CLI for the operating plan and the registers (issue #18): `plan`, `inspection`, `feedback`,
// `repair`, `proposal`, `training`, `equipment`. Input is validated by WatchpostCore before
// anything is written; every problem is printed with the option it belongs to, in Vietnamese
// then English, and nothing is stored. Lists print as text or CSV (`--format csv`).
//
// Table-driven: each subcommand is one row of `registerSubcommands` — its name, summary, usage,
// options and what it does; `registerCommand` does what they all share (unknown options,
// configuration, store, site, who acts, the reader of typed options) and `registerList` what
// the lists share. Each group (`watchpost plan`) answers --help with its subcommands.
import WatchpostCommandLine
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostReports
import WatchpostWeb
import Posix
import WatchpostHost

let registerCommands: [Command] = registerSubcommands + registerGroups
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
        by = whoAmIOrUnnamed(args)
        now = SystemClock().now()
    }

    /// The context of a command that writes (`action`): who acts is an account of this box
    /// (`--by LOGIN`, default the login name) whose role the one policy lets do it, as on the
    /// web (issue #18 point 6; review of #18, session 5: `--by` was free text, so a technician
    /// could "decide as the Department"). nil `action`: a list, read by anyone on the box.
    static func open(_ args: Arguments, action: WebAction?) async throws -> RegisterContext {
        var ctx = try RegisterContext(args)
        guard let action else { return ctx }
        guard let user = try await ctx.store.user(login: ctx.by) else {
            throw WatchpostError(.permission, Message("registers.cli.no_account", ["login": .text(ctx.by)]), hint: Message("registers.cli.no_account_hint"))
        }
        let d = AccessPolicy.decide(user.role, action)
        guard d.allowed else { throw WatchpostError(.permission, d.reason) }
        ctx.by = user.login
        return ctx
    }
}

/// Refuses with every problem, one per line: `--option: Vietnamese / English`. `options` names
/// the option of a field whose name differs (the loan's `borrower` is `--to`).
func refuse(_ problems: [FieldProblem], options: [String: String] = [:]) throws {
    guard !problems.isEmpty else { return }
    throw WatchpostError(.usage, Catalogue.bilingual(Message("registers.invalid_input")) + "\n"
                         + problems.map { "  --\(options[$0.field] ?? $0.field): \(Catalogue.bilingual($0.message))" }.joined(separator: "\n"))
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

    /// The first positional as a record number, refusing when it is missing or not a number.
    mutating func requiredID() throws -> Int64 {
        let v = id()
        try refuse(problems)
        return v
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
private let commonHelp = "  --site ID      the site (needed when the configuration has several)\n  --by LOGIN     the account that records it (default: the login name); its role must allow it,\n                 as on the web: the Department answers and decides, the operating unit and\n                 technicians write\n  --config DIR   the configuration folder"

private func vi(_ m: Message, zone: ZoneOffset) -> String { Catalogue.render(m, .vi, zone: zone) }
private func vi(_ key: String, zone: ZoneOffset) -> String { vi(Message(MessageKey(key)), zone: zone) }

/// One register subcommand. `options` take a value; `flags` do not.
func registerCommand(_ name: String, _ summary: String, usage: String, details: String = "", options: Set<String> = [], flags: Set<String> = [],
                     action: WebAction? = .writeRegisters,
                     _ body: @escaping @Sendable (RegisterContext, inout OptionReader) async throws -> Void) -> Command {
    let valued = common.union(options)
    return Command(name: name, summary: summary,
                   help: "Usage: watchpost \(name) \(usage)\n" + (details.isEmpty ? "" : "\n\(details)\n") + commonHelp,
                   valuedOptions: valued,
                   run: { args in
                       try args.allowOnly(valued.union(flags))
                       let ctx = try await RegisterContext.open(args, action: action)
                       var reader = OptionReader(args: args)
                       try await body(ctx, &reader)
                       return 0
                   })
}

/// A list subcommand: its rows as aligned text or CSV (`--format txt|csv`).
func registerList(_ name: String, _ summary: String, usage: String = "", options: Set<String> = [], flags: Set<String> = [], header: [String],
                  _ rows: @escaping @Sendable (RegisterContext, inout OptionReader) async throws -> [[String]]) -> Command {
    registerCommand(name, summary, usage: usage + (usage.isEmpty ? "" : " ") + "[--format txt|csv] [options]", options: options.union(["format"]), flags: flags, action: nil) { ctx, r in
        let csv = try wantsCSV(r.args)
        let table = try await rows(ctx, &r)
        try refuse(r.problems)
        printTable(header, table, csv: csv)
    }
}

/// `watchpost plan`, `watchpost inspection`…: each group lists its subcommands (also for --help).
let registerGroups: [Command] = [
    ("plan", "the operating plan of weekend days and holidays (Tây Trang 7.2.1.b)"),
    ("inspection", "periodic and surprise inspections (Tây Trang 7.1.3, Vũng Áng 4.1)"),
    ("feedback", "the public's feedback and the Department's answers (Tây Trang 7.2.5)"),
    ("repair", "maintenance and repair work done (Tây Trang 7.1.3, 7.2.4)"),
    ("proposal", "maintenance, repair and upgrade proposals (Tây Trang 7.1.3, 7.2.4)"),
    ("training", "training sessions (Tây Trang 7.1.4, 7.2.6; Vũng Áng 4.4)"),
    ("equipment", "the equipment inventory and the loan log (Tây Trang 2.2)"),
].map { group, summary in
    let mine = registerSubcommands.filter { $0.name.hasPrefix(group + " ") }
    let width = (mine.map(\.name.count).max() ?? 0) + 2
    let help = "Usage: watchpost \(group) <subcommand> [options]     (watchpost \(group) <subcommand> --help for details)\n\n\(summary)\n\nSubcommands:\n"
        + mine.map { "  \($0.name)\(String(repeating: " ", count: width - $0.name.count))\($0.summary)" }.joined(separator: "\n")
    return Command(name: group, summary: summary, help: help, valuedOptions: [], run: { args in
        if let wrong = args.positionals.first {
            throw WatchpostError(.usage, Catalogue.bilingual(Message("registers.cli.unknown_subcommand", ["group": .text(group), "name": .text(wrong)])),
                                 hint: mine.map(\.name).joined(separator: ", "))
        }
        out(help)
        return 64
    })
}

let registerSubcommands: [Command] = [
    // MARK: plan (Tây Trang 7.2.1.b)
    registerCommand("plan set", "plan a weekend day's or holiday's operating hours (Tây Trang 7.2.1.b)",
                    usage: "DATE --hours 08:00-12:00,13:30-17:30 [--reason TEXT] [options]",
                    details: """
                    Sets the operating hours of one Saturday, Sunday or holiday, within the site's [plan] hours
                    (probes/<site>/registers.conf; 8–10 h at Tây Trang, Art. 7.2.1.b). The schedule, the judging
                    of a dark screen and the availability figures follow it; the change goes on the timeline.
                    """,
                    options: ["hours", "reason"]) { ctx, r in
        let date = r.date("date", from: r.args.positionals.first ?? "")
        let raw = r.text("hours", required: true)
        let windows = raw.split(separator: ",").map { DailyWindow(parsing: String($0).trimmingWhitespace()) }
        if !raw.isEmpty && windows.contains(where: { $0 == nil }) { r.problems.append(FieldProblem("hours", Message("registers.field.bad_hours", ["value": .text(raw)]))) }
        try await setPlan(PlanEntry(site: ctx.site.id, date: date ?? ctx.today, change: .hours(windows.compactMap { $0 }), reason: r.text("reason"), by: ctx.by, at: ctx.now),
                          ctx, read: r.problems)
    },
    registerCommand("plan close", "record a day the cluster is not operated, with the reason", usage: "DATE --reason TEXT [options]",
                    details: """
                    A one-off closure: the day has no operating hours, so a dark screen is not an incident and
                    the day does not count against availability. The reason is required and goes on the timeline.
                    """,
                    options: ["reason"]) { ctx, r in
        let date = r.date("date", from: r.args.positionals.first ?? "")
        try await setPlan(PlanEntry(site: ctx.site.id, date: date ?? ctx.today, change: .closed, reason: r.text("reason"), by: ctx.by, at: ctx.now), ctx, read: r.problems)
    },
    registerCommand("plan clear", "remove one day's plan (the profile's schedule applies again)", usage: "DATE [options]") { ctx, r in
        guard let date = r.date("date", from: r.args.positionals.first ?? "") else { return try refuse(r.problems) }
        if date < ctx.today { try refuse([FieldProblem("date", Message("registers.plan.past", ["date": .date(date)]))]) }
        guard try await ctx.store.clearPlan(site: ctx.site.id, date: date, by: ctx.by, at: ctx.now) else {
            throw WatchpostError(.notFound, Catalogue.bilingual(Message("registers.plan.none", ["date": .date(date)])))
        }
        out(vi(Message("registers.plan.cleared", ["date": .date(date)]), zone: ctx.site.zone))
    },
    registerList("plan list", "the operating plan and each planned day's hours", usage: "[--from DATE] [--to DATE]", options: ["from", "to"],
                 header: ["Ngày/Date", "Khung giờ/Hours", "Tổng/Total", "Lý do/Reason", "Người đặt/By", "Lúc/At"]) { ctx, r in
        let from = r.date("from", default: ctx.today.adding(days: -31)), to = r.date("to", default: ctx.today.adding(days: 366))
        guard r.problems.isEmpty else { return [] }
        return try await ctx.store.plan(site: ctx.site.id, from: from, to: to).map { e -> [String] in
            let hours: String = switch e.change { case .closed: "tạm ngừng / closed"; case .hours(let ws): ws.map(\.description).joined(separator: ", ") }
            return [HumanFormat.date(e.date), hours, e.change == .closed ? "—" : HumanFormat.duration(Seconds(e.plannedSeconds), .vi), e.reason, e.by, HumanFormat.tableTime(e.at, zone: ctx.site.zone)]
        }
    },

    // MARK: inspections (Tây Trang 7.1.3, Vũng Áng 4.1)
    registerCommand("inspection add", "record a periodic or surprise inspection (Tây Trang 7.1.3, Vũng Áng 4.1)",
                    usage: "--kind periodic|surprise --bodies TEXT [--date DATE] [--people TEXT] [--checked ITEM,ITEM…] [--findings TEXT] [options]",
                    details: """
                    --checked names items of the site's checklist (probes/<site>/inspection.conf). Prints the
                    inspection's number; add follow-up actions with `watchpost inspection action`.
                    --maintenance 2h starts a maintenance window from now for the checks the inspection disturbs
                    (--maintenance-checks A,B; default every check of the site), so they page nobody meanwhile.
                    """,
                    options: ["kind", "bodies", "date", "people", "checked", "findings", "maintenance", "maintenance-checks"]) { ctx, r in
        let kind = r.choice("kind", InspectionKind.self)
        let date = r.date("date", default: ctx.today)
        let i = Inspection(site: ctx.site.id, kind: kind ?? .periodic, date: date ?? ctx.today, bodies: r.text("bodies"), people: r.text("people"), checked: r.list("checked"),
                           findings: r.text("findings"), createdBy: ctx.by, createdAt: ctx.now)
        var problems = FieldProblem.all(r.problems, i.problems(checklist: ctx.site.inspectionChecklist.map(\.id), today: ctx.today))
        let checks = r.list("maintenance-checks")
        var window: Seconds?
        if let raw = r.args.value("maintenance") {
            let (span, wrong) = InspectionMaintenance.parse(raw, checks: checks, siteChecks: ctx.site.checks.map(\.id))
            window = span
            problems += wrong
        }
        try refuse(problems)
        let id = try await ctx.store.addInspection(i)
        out("\(id)")
        if let span = window {
            let reason = Catalogue.bilingual(Message("registers.inspection.maintenance", ["id": .int(id)]))
            let w = try await IncidentService(store: ctx.store).startMaintenance(site: ctx.site.id, checks: checks, from: ctx.now, until: ctx.now + span,
                                                                                 reason: reason, includesSecurity: false, by: ctx.by)
            out(Catalogue.bilingual(Message("registers.inspection.maintenance_started", ["id": .int(id), "window": .text("adhoc:\(w.id)"),
                                                                                        "until": .tableTime(ctx.now + span)]), zone: ctx.site.zone))
        }
    },
    registerCommand("inspection action", "add a follow-up action to an inspection, with owner and due date",
                    usage: "ID --text TEXT --owner NAME --due DATE [options]", options: ["text", "owner", "due"]) { ctx, r in
        let id = r.id()
        let due = r.date("due")
        let a = FollowUpAction(inspectionID: id, text: r.text("text"), owner: r.text("owner"), due: due ?? ctx.today)
        // A closed or missing inspection is said with the rest (a number that is not one is not looked up).
        var stored = a.problems()
        if !r.problems.contains(where: { $0.field == "id" }) { stored = try await ctx.store.followUpActionProblems(a) }
        try refuse(FieldProblem.all(r.problems, stored), options: ["inspection": "id"])
        out("\(try await ctx.store.addFollowUpAction(a, by: ctx.by, at: ctx.now))")
    },
    registerCommand("inspection done", "mark a follow-up action done", usage: "ACTION-ID [options]") { ctx, r in
        let id = try r.requiredID()
        try await ctx.store.completeFollowUpAction(id: id, by: ctx.by, at: ctx.now)
        out(vi(Message("registers.action.done", ["id": .int(id)]), zone: ctx.site.zone))
    },
    registerCommand("inspection close", "close an inspection once its follow-up actions are done", usage: "ID [options]") { ctx, r in
        let id = try r.requiredID()
        try await ctx.store.closeInspection(id: id, by: ctx.by, at: ctx.now)
        out(vi(Message("registers.inspection.closed", ["id": .int(id)]), zone: ctx.site.zone))
    },
    registerList("inspection list", "inspections with their follow-up actions",
                 header: ["Số/No", "Ngày/Date", "Loại/Kind", "Đơn vị/Bodies", "Thành phần/People", "Hạng mục/Checked", "Kết quả/Findings", "Đóng/Closed"]) { ctx, _ in
        let z = ctx.site.zone
        var rows: [[String]] = []
        for (i, actions) in try await ctx.store.inspections(site: ctx.site.id) {
            rows.append(["\(i.id)", HumanFormat.date(i.date), vi("registers.inspection.kind." + i.kind.rawValue, zone: z), i.bodies, i.people,
                         i.checked.joined(separator: " "), i.findings, i.closedAt.map { HumanFormat.tableTime($0, zone: z) } ?? "mở / open"])
            for a in actions {
                rows.append(["  \(i.id).\(a.id)", HumanFormat.date(a.due), "việc khắc phục / action", a.owner, "", "", a.text,
                             a.doneAt.map { HumanFormat.tableTime($0, zone: z) } ?? "chưa xong / not done"])
            }
        }
        return rows
    },

    // MARK: feedback (Tây Trang 7.2.5)
    registerCommand("feedback add", "record the public's feedback on the operation or the content (Tây Trang 7.2.5)",
                    usage: "--about operation|content --text TEXT [--channel in-person|phone|letter|email|other] [--date DATE] [--from NAME] [--item PATH] [options]",
                    details: "--from may be left out (anonymous). Forward it to the Department with `watchpost feedback forward ID`.",
                    options: ["about", "text", "channel", "date", "from", "item"]) { ctx, r in
        let about = r.choice("about", FeedbackSubject.self)
        let channel = r.choice("channel", FeedbackChannel.self, default: .inPerson)
        let date = r.date("date", default: ctx.today)
        let f = Feedback(site: ctx.site.id, channel: channel ?? .other, receivedOn: date ?? ctx.today, from: r.text("from"), subject: about ?? .operation, item: r.text("item"),
                         text: r.text("text"), recordedBy: ctx.by, recordedAt: ctx.now)
        try refuse(FieldProblem.all(r.problems, f.problems(today: ctx.today)))
        out("\(try await ctx.store.addFeedback(f))")
    },
    registerCommand("feedback forward", "forward feedback to the Department (an email from alerts/templates/feedback.txt, on the timeline)", usage: "ID [options]") { ctx, r in
        let id = try r.requiredID()
        let (site, contacts, by, now) = (ctx.site, ctx.config.contacts, ctx.by, ctx.now)
        let base = ctx.config.section("web")?.value("base_url")
        // The mail names the person ("Nguyễn Văn A (op)"), not only the login.
        let sender = try await ctx.store.user(login: by).map { $0.displayName.isEmpty ? $0.login : "\($0.displayName) (\($0.login))" } ?? by
        let f = try await ctx.store.advanceFeedback(id: id, to: .forwarded, by: by, at: now) { f in
            RegisterNotices.forward(f, site: site, contacts: contacts, by: sender, at: now, webBase: base)
        }
        out(vi(Message("registers.feedback.forwarded", ["id": .int(f.id)]), zone: ctx.site.zone))
    },
    registerCommand("feedback answer", "record the Department's answer and close the feedback", usage: "ID --answer TEXT [options]", options: ["answer"],
                    action: .decideRegisters) { ctx, r in
        let id = r.id()
        let answer = r.text("answer", required: true)
        r.problems += RegisterText.problems(answer, field: "answer", required: true, max: RegisterLimits.longText).filter { $0.message.key != "registers.field.required" }
        try refuse(r.problems)
        _ = try await ctx.store.advanceFeedback(id: id, to: .answered, answer: answer, by: ctx.by, at: ctx.now)
        out(vi(Message("registers.feedback.answered", ["id": .int(id), "answer": .text(answer)]), zone: ctx.site.zone))
    },
    registerList("feedback list", "feedback from the public and where each item stands", usage: "[--open]", flags: ["open"],
                 header: ["Số/No", "Ngày/Date", "Kênh/Channel", "Người/From", "Về/About", "Mục/Item", "Nội dung/Text", "Tình trạng/State", "Trả lời/Answer"]) { ctx, r in
        let z = ctx.site.zone, onlyOpen = r.args.has("open")
        return try await ctx.store.feedback(site: ctx.site.id).filter { !onlyOpen || $0.state != .answered }.map { f in
            ["\(f.id)", HumanFormat.date(f.receivedOn), vi("registers.feedback.channel." + f.channel.rawValue, zone: z), f.from.isEmpty ? "(ẩn danh / anonymous)" : f.from,
             vi("registers.feedback.subject." + f.subject.rawValue, zone: z), f.item, f.text, vi("registers.feedback.state." + f.state.rawValue, zone: z), f.answer ?? ""]
        }
    },

    // MARK: maintenance work and proposals (Tây Trang 7.1.3, 7.2.4)
    registerCommand("repair add", "log maintenance or repair work done, optionally linked to the incident it fixed",
                    usage: "--what TEXT --who NAME [--date DATE] [--cost VND] [--parts TEXT] [--incident ID] [options]",
                    options: ["what", "who", "date", "cost", "parts", "incident"]) { ctx, r in
        let date = r.date("date", default: ctx.today)
        let cost = r.integer("cost"), incident = r.integer("incident", value: r.args.value("incident")?.trimmingPrefix("#").description)
        let w = MaintenanceWork(site: ctx.site.id, date: date ?? ctx.today, what: r.text("what"), who: r.text("who"), costVND: cost, parts: r.text("parts"),
                                incidentID: incident, recordedBy: ctx.by, recordedAt: ctx.now)
        try await refuse(FieldProblem.all(r.problems, ctx.store.maintenanceWorkProblems(w, today: ctx.today)))
        out("\(try await ctx.store.addMaintenanceWork(w))")
    },
    registerList("repair list", "maintenance and repair work done",
                 header: ["Số/No", "Ngày/Date", "Công việc/Work", "Người làm/Who", "Chi phí (đ)/Cost", "Vật tư/Parts", "Sự cố/Incident"]) { ctx, _ in
        try await ctx.store.maintenanceWork(site: ctx.site.id).map { w in
            ["\(w.id)", HumanFormat.date(w.date), w.what, w.who, w.costVND.map(String.init) ?? "", w.parts, w.incidentID.map { "#\($0)" } ?? ""]
        }
    },
    registerCommand("proposal add", "propose maintenance, repair or an upgrade for the Department to decide (Tây Trang 7.1.3, 7.2.4)",
                    usage: "--kind maintenance|repair|upgrade --text TEXT [--origin FINDING] [options]", options: ["kind", "text", "origin"]) { ctx, r in
        let kind = r.choice("kind", ProposalKind.self)
        let p = Proposal(site: ctx.site.id, kind: kind ?? .repair, text: r.text("text"), origin: r.args.value("origin") ?? "manual", raisedBy: ctx.by, raisedAt: ctx.now)
        try refuse(FieldProblem.all(r.problems, p.problems() + RegisterText.problems(p.origin, field: "origin", required: true, max: RegisterLimits.shortText)))
        out("\(try await ctx.store.addProposal(p))")
    },
    registerCommand("proposal suggest", "file the proposals the monitor's findings call for (a UPS asking for a battery, receiving cards that keep failing)",
                    usage: "[--period 2026-12] [options]",
                    details: """
                    Builds the period's report (default: this month) and files each proposal it suggests in the
                    register, once: a suggestion whose origin already has a pending proposal is not filed again.
                    The daemon does the same when it sends a scheduled report.
                    """,
                    options: ["period"]) { ctx, r in
        let text = r.args.value("period") ?? String(ctx.today.description.prefix(7))
        guard let period = ReportPeriod(parsing: text) else {
            return try refuse([FieldProblem("period", Message("registers.field.bad_choice", ["value": .text(text), "choices": "2026-12, 2026-Q4, 2026-H2, 2026"]))])
        }
        var site = ctx.site
        site.schedule = site.schedule.applying(try await ctx.store.planChanges(site: site.id))
        let report = try await ReportBuilder.build(site: site, period: period, store: ctx.store, now: ctx.now, incidentSource: StoreIncidentSource(store: ctx.store, configuration: ctx.config))
        for id in try await SuggestedProposals.file(report.proposals, site: site.id, store: ctx.store, at: ctx.now) { out("\(id)") }
    },
    registerCommand("proposal decide", "record the Department's decision on a proposal", usage: "ID --decision approved|rejected [--note TEXT] [options]",
                    options: ["decision", "note"], action: .decideRegisters) { ctx, r in
        let id = r.id()
        let decision = r.choice("decision", ProposalDecision.self)
        if decision == .pending { r.problems.append(FieldProblem("decision", Message("registers.field.bad_choice", ["value": "pending", "choices": "approved, rejected"]))) }
        let note = r.text("note")
        r.problems += RegisterText.problems(note, field: "note", required: false, max: RegisterLimits.longText)
        guard let decision, r.problems.isEmpty else { return try refuse(r.problems) }
        try await ctx.store.decideProposal(id: id, decision: decision, note: note, by: ctx.by, at: ctx.now)
        out(vi(Message("registers.proposal.decided", ["id": .int(id), "decision": .message(Message(MessageKey("registers.proposal.decision." + decision.rawValue)))]), zone: ctx.site.zone))
    },
    registerList("proposal list", "proposals and the Department's decisions",
                 header: ["Số/No", "Lúc/At", "Loại/Kind", "Nội dung/Text", "Nguồn/Origin", "Quyết định/Decision", "Ghi chú/Note"]) { ctx, _ in
        let z = ctx.site.zone
        return try await ctx.store.proposals(site: ctx.site.id).map { p in
            ["\(p.id)", HumanFormat.tableTime(p.raisedAt, zone: z), vi("registers.proposal.kind." + p.kind.rawValue, zone: z), p.text, p.origin,
             vi("registers.proposal.decision." + p.decision.rawValue, zone: z), p.decisionNote ?? ""]
        }
    },

    // MARK: training (Tây Trang 7.1.4, 7.2.6; Vũng Áng 4.4)
    registerCommand("training add", "record a training session and who attended (Tây Trang 7.1.4, 7.2.6; Vũng Áng 4.4)",
                    usage: "--topic TEXT --organiser NAME --attendees NAME,NAME… [--date DATE] [options]", options: ["topic", "organiser", "attendees", "date"]) { ctx, r in
        let date = r.date("date", default: ctx.today)
        let t = TrainingSession(site: ctx.site.id, date: date ?? ctx.today, topic: r.text("topic"), organiser: r.text("organiser"), attendees: r.list("attendees"),
                                recordedBy: ctx.by, recordedAt: ctx.now)
        try refuse(FieldProblem.all(r.problems, t.problems(today: ctx.today)))
        out("\(try await ctx.store.addTraining(t))")
    },
    registerList("training list", "training sessions held",
                 header: ["Số/No", "Ngày/Date", "Nội dung/Topic", "Đơn vị tổ chức/Organiser", "Số người/Count", "Người tham gia/Attendees"]) { ctx, _ in
        try await ctx.store.training(site: ctx.site.id).map { t in
            ["\(t.id)", HumanFormat.date(t.date), t.topic, t.organiser, "\(t.attendees.count)", t.attendees.joined(separator: "; ")]
        }
    },

    // MARK: equipment and loans (Tây Trang 2.2)
    registerCommand("equipment put", "add an item of equipment, or change the fields given of one (Tây Trang 2.2)",
                    usage: "ID [--name TEXT] [--serial TEXT] [--location TEXT] [--state working|faulty|under_repair|retired] [--lendable|--not-lendable] [options]",
                    details: """
                    A new item needs --name; it is working and not lendable unless told otherwise. For an item
                    already recorded only the options given change: the others keep their stored values.
                    --lendable marks items that may be lent out (the mobile sound equipment); --not-lendable unmarks.
                    """,
                    options: ["name", "serial", "location", "state"], flags: ["lendable", "not-lendable"]) { ctx, r in
        let id = r.args.positionals.first ?? ""
        let state = r.args.value("state") == nil ? nil : r.choice("state", EquipmentState.self)
        if r.args.has("lendable") && r.args.has("not-lendable") {
            r.problems.append(FieldProblem("lendable", Message("registers.equipment.lendable_both")))
        }
        let args = r.args
        func given(_ name: String) -> String? { args.value(name).map { $0.trimmingWhitespace() } }
        let change = EquipmentChange(id: id, name: given("name"), serial: given("serial"), location: given("location"), state: state,
                                     lendable: r.args.has("lendable") ? true : r.args.has("not-lendable") ? false : nil)
        var existing: EquipmentItem?
        if isRegisterIdentifier(id) { existing = try await ctx.store.equipmentItem(site: ctx.site.id, id: id) }
        let e = change.applied(to: existing, site: ctx.site.id)
        try refuse(FieldProblem.all(r.problems, e.problems()))
        try await ctx.store.putEquipment(e, by: ctx.by, at: ctx.now)
        out(vi(Message("registers.equipment.recorded", ["item": .text(e.id), "name": .text(e.name), "state": .message(Message(MessageKey("registers.equipment.state." + e.state.rawValue)))]), zone: ctx.site.zone))
    },
    registerList("equipment list", "the equipment inventory and who has what on loan",
                 header: ["Mã/ID", "Tên/Name", "Số sê-ri/Serial", "Vị trí/Location", "Tình trạng/State", "Cho mượn/Lendable", "Đang mượn/Out with"]) { ctx, _ in
        let open = try await ctx.store.loans(site: ctx.site.id).filter(\.isOut)
        return try await ctx.store.equipment(site: ctx.site.id).map { e in
            [e.id, e.name, e.serial, e.location, vi("registers.equipment.state." + e.state.rawValue, zone: ctx.site.zone),
             e.lendable ? "có / yes" : "", open.first { $0.equipmentID == e.id }?.borrower ?? ""]
        }
    },
    registerCommand("equipment lend", "lend an item (the mobile sound equipment): to whom, for what, back when",
                    usage: "ID --to NAME --purpose TEXT [--due DATE] [options]", options: ["to", "purpose", "due"]) { ctx, r in
        let due: CivilDate? = r.args.value("due") == nil ? nil : r.date("due")
        let loan = EquipmentLoan(equipmentID: r.args.positionals.first ?? "", site: ctx.site.id, borrower: r.text("to"), purpose: r.text("purpose"),
                                 lentAt: ctx.now, dueBack: due, recordedBy: ctx.by)
        try await refuse(FieldProblem.all(r.problems, ctx.store.loanProblems(loan, today: ctx.today)), options: ["borrower": "to", "equipment": "id"])
        out("\(try await ctx.store.lend(loan, today: ctx.today))")
    },
    registerCommand("equipment return", "record an item back from loan", usage: "ID [--note TEXT] [options]", options: ["note"]) { ctx, r in
        let note = r.text("note")
        try refuse(RegisterText.problems(note, field: "note", required: false, max: RegisterLimits.shortText))
        let id = r.args.positionals.first ?? ""
        let loan = try await ctx.store.returnLoan(site: ctx.site.id, equipmentID: id, note: note, by: ctx.by, at: ctx.now)
        out(vi(Message("registers.loan.returned", ["item": .text(id), "borrower": .text(loan.borrower)]), zone: ctx.site.zone))
    },
    registerList("equipment loans", "the loan log of lendable equipment",
                 header: ["Số/No", "Thiết bị/Item", "Người mượn/Borrower", "Mục đích/Purpose", "Cho mượn/Lent", "Hẹn trả/Due", "Đã trả/Returned", "Ghi chú/Note"]) { ctx, _ in
        let z = ctx.site.zone
        return try await ctx.store.loans(site: ctx.site.id).map { l in
            ["\(l.id)", l.equipmentID, l.borrower, l.purpose, HumanFormat.tableTime(l.lentAt, zone: z), l.dueBack.map(HumanFormat.date) ?? "",
             l.returnedAt.map { HumanFormat.tableTime($0, zone: z) } ?? "chưa trả / out", l.returnNote ?? ""]
        }
    },
]

/// Validates a plan entry against the site's policy (with the problems found reading its
/// options), stores it and says what was planned.
private func setPlan(_ entry: PlanEntry, _ ctx: RegisterContext, read: [FieldProblem]) async throws {
    try refuse(FieldProblem.all(read, OperatingPlan.problems(entry, schedule: ctx.site.schedule, policy: ctx.site.planPolicy, today: ctx.today)))
    try await ctx.store.setPlan(entry)
    out(vi(entry.message, zone: ctx.site.zone))
}

// The registers' tables (migration 40): the operating plan, inspections and their follow-up
// actions, feedback from the public, maintenance work, proposals, training, equipment and loans.
// Every write appends its timeline entry (`register.<kind>.<what>`, the actor, the bilingual
// text) in the same transaction, so the hash chain records who changed which register when.
// Validation happens in WatchpostCore before a write; the CHECK constraints here are the last
// guard, not the user's error message.
import WatchpostCore
import SQLite

extension Migrations {
    static let registers = Migration(version: 40, name: "registers", sql: """
        -- Operating plan (Tây Trang 7.2.1.b): one row per site and day; the latest write wins.
        CREATE TABLE operating_plan (
            site TEXT NOT NULL,
            date TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('hours', 'closed')),
            windows TEXT NOT NULL,
            reason TEXT NOT NULL,
            set_by TEXT NOT NULL,
            set_ms INTEGER NOT NULL,
            PRIMARY KEY (site, date)
        );
        CREATE TABLE inspections (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('periodic', 'surprise')),
            date TEXT NOT NULL,
            bodies TEXT NOT NULL,
            people TEXT NOT NULL,
            checked TEXT NOT NULL,
            findings TEXT NOT NULL,
            closed_ms INTEGER,
            created_by TEXT NOT NULL,
            created_ms INTEGER NOT NULL
        );
        CREATE TABLE inspection_actions (
            id INTEGER PRIMARY KEY,
            inspection_id INTEGER NOT NULL REFERENCES inspections(id),
            text TEXT NOT NULL,
            owner TEXT NOT NULL,
            due TEXT NOT NULL,
            done_ms INTEGER,
            done_by TEXT
        );
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            channel TEXT NOT NULL,
            received_on TEXT NOT NULL,
            from_name TEXT NOT NULL,
            subject TEXT NOT NULL CHECK (subject IN ('operation', 'content')),
            item TEXT NOT NULL,
            text TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('received', 'forwarded', 'answered')),
            recorded_by TEXT NOT NULL,
            recorded_ms INTEGER NOT NULL,
            forwarded_ms INTEGER,
            forwarded_by TEXT,
            answer TEXT,
            answered_ms INTEGER,
            answered_by TEXT
        );
        CREATE TABLE maintenance_work (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            date TEXT NOT NULL,
            what TEXT NOT NULL,
            who TEXT NOT NULL,
            cost_vnd INTEGER CHECK (cost_vnd IS NULL OR cost_vnd >= 0),
            parts TEXT NOT NULL,
            incident_id INTEGER,
            recorded_by TEXT NOT NULL,
            recorded_ms INTEGER NOT NULL
        );
        CREATE TABLE proposals (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('maintenance', 'repair', 'upgrade')),
            text TEXT NOT NULL,
            origin TEXT NOT NULL,
            raised_by TEXT NOT NULL,
            raised_ms INTEGER NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('pending', 'approved', 'rejected')),
            decided_by TEXT,
            decided_ms INTEGER,
            decision_note TEXT
        );
        CREATE TABLE training (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            date TEXT NOT NULL,
            topic TEXT NOT NULL,
            organiser TEXT NOT NULL,
            attendees TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            recorded_ms INTEGER NOT NULL
        );
        CREATE TABLE equipment (
            site TEXT NOT NULL,
            id TEXT NOT NULL,
            name TEXT NOT NULL,
            serial TEXT NOT NULL,
            location TEXT NOT NULL,
            state TEXT NOT NULL,
            lendable INTEGER NOT NULL CHECK (lendable IN (0, 1)),
            PRIMARY KEY (site, id)
        );
        CREATE TABLE equipment_loans (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            equipment_id TEXT NOT NULL,
            borrower TEXT NOT NULL,
            purpose TEXT NOT NULL,
            lent_ms INTEGER NOT NULL,
            due_back TEXT,
            returned_ms INTEGER,
            return_note TEXT,
            recorded_by TEXT NOT NULL,
            FOREIGN KEY (site, equipment_id) REFERENCES equipment(site, id)
        );
        -- At most one open loan per item.
        CREATE UNIQUE INDEX equipment_loans_open ON equipment_loans (site, equipment_id) WHERE returned_ms IS NULL;
        """)

    /// `watchpost db check`: every follow-up action belongs to an inspection.
    static var registerInvariants: (String, (SQLiteConnection) throws -> [String]) { ("registers", { db in
        try db.query("SELECT a.id FROM inspection_actions a LEFT JOIN inspections i ON i.id = a.inspection_id WHERE i.id IS NULL").map {
            "inspection_actions \($0[0].int ?? -1): its inspection is missing"
        }
    }) }
}

/// A register write that refers to a row that is not there, or is in the wrong state; thrown
/// inside a transaction (which rolls back) and turned into a `.refused` `WatchpostError`.
struct RegisterRefusal: Error {
    var problems: [FieldProblem]
    init(_ problems: [FieldProblem]) { self.problems = problems }
}

extension WatchpostError.Code {
    /// A register change refused because of what is stored (not found, wrong state, item out on loan).
    public static let refused = WatchpostError.Code("refused")
}

extension Store {
    /// One register write in one transaction; a refusal rolls it back and says why in both languages.
    private func registerWrite<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws(WatchpostError) -> T {
        do { return try db.transaction { try body(db) } }
        catch let r as RegisterRefusal {
            // The catalogue message itself, so a page that says it again renders it once per language.
            throw WatchpostError(.refused, r.problems.count == 1 ? r.problems[0].message : Message("registers.refused.many", ["problems": .list(r.problems.map(\.message))]))
        } catch let e as WatchpostError { throw e } catch { throw storageError("cannot write the register", error) }
    }

    private func appendRegisterEvent(_ db: SQLiteConnection, site: String, kind: String, actor: String, at: Instant,
                                     incidentID: Int64? = nil, _ message: Message) throws {
        try Store.appendTimeline([TimelineEvent(at: at, site: site, incidentID: incidentID, kind: "register." + kind, actor: actor,
                                                text: Catalogue.bilingual(message))], in: db)
    }

    // MARK: Operating plan

    /// Writes (or replaces) the plan for one day. The caller has validated it with `OperatingPlan.problems`.
    public func setPlan(_ e: PlanEntry) throws(WatchpostError) {
        let windows: String = switch e.change {
        case .closed: ""
        case .hours(let ws): ws.map(\.description).joined(separator: ", ")
        }
        let message = e.message
        let kind = e.change == .closed ? "closed" : "hours"
        _ = try registerWrite { db in
            try db.run("INSERT OR REPLACE INTO operating_plan (site, date, kind, windows, reason, set_by, set_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       e.site, e.date.description, kind, windows, e.reason, e.by, e.at.milliseconds)
            try db.run("INSERT INTO operating_plan_changes (site, date, kind, windows, reason, set_by, set_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       e.site, e.date.description, kind, windows, e.reason, e.by, e.at.milliseconds)
            try appendRegisterEvent(db, site: e.site, kind: "plan.\(kind)", actor: e.by, at: e.at, message)
        }
    }

    /// Removes one day's plan (the profile's schedule applies again). Returns whether there was one.
    public func clearPlan(site: String, date: CivilDate, by: String, at: Instant) throws(WatchpostError) -> Bool {
        try registerWrite { db in
            try db.run("DELETE FROM operating_plan WHERE site = ? AND date = ?", site, date.description)
            guard db.changes > 0 else { return false }
            try db.run("INSERT INTO operating_plan_changes (site, date, kind, windows, reason, set_by, set_ms) VALUES (?, ?, 'cleared', '', '', ?, ?)",
                       site, date.description, by, at.milliseconds)
            try appendRegisterEvent(db, site: site, kind: "plan.cleared", actor: by, at: at, Message("registers.plan.cleared", ["date": .date(date)]))
            return true
        }
    }

    /// The plan of a site (every site when nil), oldest day first.
    public func plan(site: String? = nil, from: CivilDate? = nil, to: CivilDate? = nil) throws(WatchpostError) -> [PlanEntry] {
        try read { db in
            try db.query("SELECT site, date, kind, windows, reason, set_by, set_ms FROM operating_plan WHERE (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR date >= ?2) AND (?3 IS NULL OR date <= ?3) ORDER BY date, site",
                         site, from?.description, to?.description).compactMap { r -> PlanEntry? in
                guard let s = r[0].string, let d = r[1].string.flatMap(CivilDate.init(parsing:)), let kind = r[2].string else { return nil }
                let change: PlanEntry.Change = kind == "closed" ? .closed
                    : .hours((r[3].string ?? "").split(separator: ",").compactMap { DailyWindow(parsing: String($0).trimmingWhitespace()) })
                return PlanEntry(site: s, date: d, change: change, reason: r[4].string ?? "", by: r[5].string ?? "",
                                 at: Instant(milliseconds: r[6].int ?? 0))
            }
        }
    }

    /// Every change made to the plan of a site (every site when nil), in the order made: what the
    /// schedule lays over the profile, each change from its instant (Tây Trang 7.2.1.b).
    public func planChanges(site: String? = nil) throws(WatchpostError) -> [PlanChange] {
        try read { db in
            try db.query("SELECT site, date, kind, windows, reason, set_by, set_ms FROM operating_plan_changes WHERE (?1 IS NULL OR site = ?1) ORDER BY set_ms, id",
                         site).compactMap { r -> PlanChange? in
                guard let s = r[0].string, let d = r[1].string.flatMap(CivilDate.init(parsing:)), let kind = r[2].string else { return nil }
                let by = r[5].string ?? "", at = Instant(milliseconds: r[6].int ?? 0)
                switch kind {
                case "cleared": return PlanChange(clearing: d, site: s, by: by, at: at)
                case "closed": return PlanChange(PlanEntry(site: s, date: d, change: .closed, reason: r[4].string ?? "", by: by, at: at))
                default:
                    let ws = (r[3].string ?? "").split(separator: ",").compactMap { DailyWindow(parsing: String($0).trimmingWhitespace()) }
                    return PlanChange(PlanEntry(site: s, date: d, change: .hours(ws), reason: r[4].string ?? "", by: by, at: at))
                }
            }
        }
    }

    /// Changes whenever the plan does (every change is a new row of its history): the daemon
    /// polls it to reload schedules.
    public func planRevision() throws(WatchpostError) -> String {
        try read { db in
            let r = try db.query("SELECT count(*), coalesce(max(id), 0) FROM operating_plan_changes").first
            return "\(r?[0].int ?? 0):\(r?[1].int ?? 0)"
        }
    }

    // MARK: Inspections

    public func addInspection(_ i: Inspection) throws(WatchpostError) -> Int64 {
        try registerWrite { db in
            try db.run("INSERT INTO inspections (site, kind, date, bodies, people, checked, findings, closed_ms, created_by, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                       i.site, i.kind.rawValue, i.date.description, i.bodies, i.people, i.checked.joined(separator: ","), i.findings, i.createdBy, i.createdAt.milliseconds)
            let id = db.lastInsertRowID
            try appendRegisterEvent(db, site: i.site, kind: "inspection.recorded", actor: i.createdBy, at: i.createdAt, Message("registers.inspection.recorded", [
                "kind": .message(Message(MessageKey("registers.inspection.kind." + i.kind.rawValue))), "date": .date(i.date), "id": .int(id), "bodies": .text(i.bodies),
            ]))
            return id
        }
    }

    /// Every problem with a follow-up action, the form's and the inspection's (missing, or closed:
    /// an action belongs to an inspection still open), for the web and the command line alike.
    public func followUpActionProblems(_ a: FollowUpAction) throws(WatchpostError) -> [FieldProblem] {
        let mine = a.problems()
        return try read { db in try mine + Store.inspectionOpenProblems(db, id: a.inspectionID) }
    }

    /// A maintenance window is started from an inspection still open (the web's per-inspection form).
    public func maintenanceFromInspectionProblems(id: Int64) throws(WatchpostError) -> [FieldProblem] {
        try read { db in try Store.inspectionOpenProblems(db, id: id, closed: "registers.inspection.closed_no_maintenance") }
    }

    /// Nothing when inspection `id` exists and is open; else why not (`closed` says what a closed one refuses).
    static func inspectionOpenProblems(_ db: SQLiteConnection, id: Int64, closed: MessageKey = "registers.inspection.closed_no_actions") throws -> [FieldProblem] {
        guard let row = try db.query("SELECT closed_ms FROM inspections WHERE id = ?", id).first else {
            return [FieldProblem("inspection", Message("registers.not_found", ["what": .message(Message("registers.what.inspection")), "id": .int(id)]))]
        }
        if let at = row[0].int {
            return [FieldProblem("inspection", Message(closed, ["id": .int(id), "at": .tableTime(Instant(milliseconds: at))]))]
        }
        return []
    }

    /// Adds a follow-up action to an open inspection (refused, in the same transaction, when the
    /// inspection is missing or closed).
    public func addFollowUpAction(_ a: FollowUpAction, by: String, at: Instant) throws(WatchpostError) -> Int64 {
        try registerWrite { db in
            let refused = try Store.inspectionOpenProblems(db, id: a.inspectionID)
            guard refused.isEmpty, let site = try db.query("SELECT site FROM inspections WHERE id = ?", a.inspectionID).first?[0].string else {
                throw RegisterRefusal(refused)
            }
            try db.run("INSERT INTO inspection_actions (inspection_id, text, owner, due) VALUES (?, ?, ?, ?)", a.inspectionID, a.text, a.owner, a.due.description)
            let id = db.lastInsertRowID
            try appendRegisterEvent(db, site: site, kind: "action.recorded", actor: by, at: at, Message("registers.action.recorded", [
                "inspection": .int(a.inspectionID), "text": .text(a.text), "owner": .text(a.owner), "due": .date(a.due),
            ]))
            return id
        }
    }

    public func completeFollowUpAction(id: Int64, by: String, at: Instant) throws(WatchpostError) {
        _ = try registerWrite { db in
            guard let row = try db.query("SELECT i.site, a.done_ms, a.done_by FROM inspection_actions a JOIN inspections i ON i.id = a.inspection_id WHERE a.id = ?", id).first,
                  let site = row[0].string else {
                throw RegisterRefusal([FieldProblem("id", Message("registers.not_found", ["what": .message(Message("registers.what.action")), "id": .int(id)]))])
            }
            if let done = row[1].int {
                throw RegisterRefusal([FieldProblem("id", Message("registers.action.already_done", ["id": .int(id), "at": .tableTime(Instant(milliseconds: done)), "by": .text(row[2].string ?? "")]))])
            }
            try db.run("UPDATE inspection_actions SET done_ms = ?, done_by = ? WHERE id = ?", at.milliseconds, by, id)
            try appendRegisterEvent(db, site: site, kind: "action.done", actor: by, at: at, Message("registers.action.done", ["id": .int(id)]))
        }
    }

    /// Closes an inspection once every follow-up action is done.
    public func closeInspection(id: Int64, by: String, at: Instant) throws(WatchpostError) {
        _ = try registerWrite { db in
            guard let row = try db.query("SELECT site, closed_ms FROM inspections WHERE id = ?", id).first, let site = row[0].string else {
                throw RegisterRefusal([FieldProblem("id", Message("registers.not_found", ["what": .message(Message("registers.what.inspection")), "id": .int(id)]))])
            }
            if let closed = row[1].int {
                throw RegisterRefusal([FieldProblem("id", Message("registers.inspection.already_closed", ["id": .int(id), "at": .tableTime(Instant(milliseconds: closed))]))])
            }
            let open = try db.query("SELECT count(*) FROM inspection_actions WHERE inspection_id = ? AND done_ms IS NULL", id).first?[0].int ?? 0
            if open > 0 { throw RegisterRefusal([FieldProblem("actions", Message("registers.inspection.open_actions", ["count": .int(open)]))]) }
            try db.run("UPDATE inspections SET closed_ms = ? WHERE id = ?", at.milliseconds, id)
            try appendRegisterEvent(db, site: site, kind: "inspection.closed", actor: by, at: at, Message("registers.inspection.closed", ["id": .int(id)]))
        }
    }

    public func inspections(site: String?) throws(WatchpostError) -> [(Inspection, [FollowUpAction])] {
        try read { db in
            let actions = try db.query("SELECT id, inspection_id, text, owner, due, done_ms, done_by FROM inspection_actions ORDER BY id").compactMap { r -> FollowUpAction? in
                guard let id = r[0].int, let iid = r[1].int, let due = r[4].string.flatMap(CivilDate.init(parsing:)) else { return nil }
                return FollowUpAction(id: id, inspectionID: iid, text: r[2].string ?? "", owner: r[3].string ?? "", due: due,
                                      doneAt: r[5].int.map(Instant.init(milliseconds:)), doneBy: r[6].string)
            }
            return try db.query("SELECT id, site, kind, date, bodies, people, checked, findings, closed_ms, created_by, created_ms FROM inspections WHERE (?1 IS NULL OR site = ?1) ORDER BY date, id", site).compactMap { r -> (Inspection, [FollowUpAction])? in
                guard let id = r[0].int, let s = r[1].string, let kind = r[2].string.flatMap(InspectionKind.init(rawValue:)),
                      let date = r[3].string.flatMap(CivilDate.init(parsing:)) else { return nil }
                let i = Inspection(id: id, site: s, kind: kind, date: date, bodies: r[4].string ?? "", people: r[5].string ?? "",
                                   checked: (r[6].string ?? "").split(separator: ",").map(String.init), findings: r[7].string ?? "",
                                   closedAt: r[8].int.map(Instant.init(milliseconds:)), createdBy: r[9].string ?? "",
                                   createdAt: Instant(milliseconds: r[10].int ?? 0))
                return (i, actions.filter { $0.inspectionID == id })
            }
        }
    }

    // MARK: Feedback

    public func addFeedback(_ f: Feedback) throws(WatchpostError) -> Int64 {
        try registerWrite { db in
            try db.run("INSERT INTO feedback (site, channel, received_on, from_name, subject, item, text, state, recorded_by, recorded_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 'received', ?, ?)",
                       f.site, f.channel.rawValue, f.receivedOn.description, f.from, f.subject.rawValue, f.item, f.text, f.recordedBy, f.recordedAt.milliseconds)
            let id = db.lastInsertRowID
            try appendRegisterEvent(db, site: f.site, kind: "feedback.recorded", actor: f.recordedBy, at: f.recordedAt, Message("registers.feedback.recorded", [
                "id": .int(id), "subject": .message(Message(MessageKey("registers.feedback.subject." + f.subject.rawValue))), "text": .text(f.text),
            ]))
            return id
        }
    }

    /// Moves feedback from `from` to `to` (received → forwarded → answered), with the answer text.
    /// `notify` builds the notices the step sends (the forward to the Department); they are
    /// queued in the same transaction, so the state and its email never part.
    public func advanceFeedback(id: Int64, to state: FeedbackState, answer: String? = nil, by: String, at: Instant,
                                notify: @Sendable (Feedback) -> [NotificationRequest] = { _ in [] }) throws(WatchpostError) -> Feedback {
        try registerWrite { db in
            guard let row = try db.query("SELECT site, state, forwarded_by, forwarded_ms, answered_by, answered_ms FROM feedback WHERE id = ?", id).first, let site = row[0].string,
                  let current = row[1].string.flatMap(FeedbackState.init(rawValue:)) else {
                throw RegisterRefusal([FieldProblem("id", Message("registers.not_found", ["what": .message(Message("registers.what.feedback")), "id": .int(id)]))])
            }
            let allowed: Bool = switch (current, state) {
            case (.received, .forwarded), (.forwarded, .answered), (.received, .answered): true
            default: false
            }
            guard allowed else {
                // Who moved it there and when ("already done" says by whom).
                let (who, when) = current == .answered ? (row[4].string, row[5].int) : current == .forwarded ? (row[2].string, row[3].int) : (nil, nil)
                let already = current == state || current == .answered
                throw RegisterRefusal([FieldProblem("state", Message(already ? (who != nil ? "registers.feedback.already_by" : "registers.feedback.already") : "registers.feedback.wrong_state", [
                    "id": .int(id), "state": .message(Message(MessageKey("registers.feedback.state." + current.rawValue))),
                    "by": .text(who ?? ""), "at": when.map { .tableTime(Instant(milliseconds: $0)) } ?? .text("—"),
                ]))])
            }
            if state == .forwarded {
                try db.run("UPDATE feedback SET state = 'forwarded', forwarded_ms = ?, forwarded_by = ? WHERE id = ?", at.milliseconds, by, id)
                try appendRegisterEvent(db, site: site, kind: "feedback.forwarded", actor: by, at: at, Message("registers.feedback.forwarded", ["id": .int(id)]))
            } else {
                try db.run("UPDATE feedback SET state = 'answered', answer = ?, answered_ms = ?, answered_by = ? WHERE id = ?", answer ?? "", at.milliseconds, by, id)
                try appendRegisterEvent(db, site: site, kind: "feedback.answered", actor: by, at: at, Message("registers.feedback.answered", ["id": .int(id), "answer": .text(answer ?? "")]))
            }
            let updated = try Store.feedbackRows(db, where: "id = ?", [id])[0]
            _ = try Store.enqueue(notify(updated), in: db)
            return updated
        }
    }

    /// Open feedback (received or forwarded, not answered) of every site.
    public func openFeedback() throws(WatchpostError) -> [Feedback] {
        try read { db in try Store.feedbackRows(db, where: "state != 'answered'", []) }
    }

    public func feedback(site: String?) throws(WatchpostError) -> [Feedback] {
        try read { db in try Store.feedbackRows(db, where: "(?1 IS NULL OR site = ?1)", [site]) }
    }

    static func feedbackRows(_ db: SQLiteConnection, where clause: String, _ args: [any SQLBindable]) throws -> [Feedback] {
        try db.query("SELECT id, site, channel, received_on, from_name, subject, item, text, state, recorded_by, recorded_ms, forwarded_ms, forwarded_by, answer, answered_ms, answered_by FROM feedback WHERE \(clause) ORDER BY id",
                     arguments: args).compactMap { r -> Feedback? in
            guard let id = r[0].int, let site = r[1].string, let day = r[3].string.flatMap(CivilDate.init(parsing:)),
                  let subject = r[5].string.flatMap(FeedbackSubject.init(rawValue:)), let state = r[8].string.flatMap(FeedbackState.init(rawValue:)) else { return nil }
            var f = Feedback(id: id, site: site, channel: r[2].string.flatMap(FeedbackChannel.init(rawValue:)) ?? .other, receivedOn: day,
                             from: r[4].string ?? "", subject: subject, item: r[6].string ?? "", text: r[7].string ?? "", state: state,
                             recordedBy: r[9].string ?? "", recordedAt: Instant(milliseconds: r[10].int ?? 0))
            f.forwardedAt = r[11].int.map(Instant.init(milliseconds:))
            f.forwardedBy = r[12].string
            f.answer = r[13].string
            f.answeredAt = r[14].int.map(Instant.init(milliseconds:))
            f.answeredBy = r[15].string
            return f
        }
    }

    // MARK: Maintenance and proposals

    /// Every problem with a piece of work, the form's and the incident's it names (which must
    /// exist and be of the same site): the one check the web and the command line both use.
    public func maintenanceWorkProblems(_ w: MaintenanceWork, today: CivilDate) throws(WatchpostError) -> [FieldProblem] {
        let mine = w.problems(today: today)
        return try read { db in try mine + Store.linkedIncidentProblems(db, w) }
    }

    static func linkedIncidentProblems(_ db: SQLiteConnection, _ w: MaintenanceWork) throws -> [FieldProblem] {
        guard let id = w.incidentID else { return [] }
        guard let site = try db.query("SELECT site FROM incident WHERE id = ?", id).first?[0].string else {
            return [FieldProblem("incident", Message("registers.not_found", ["what": .message(Message("registers.what.incident")), "id": .int(id)]))]
        }
        if site != w.site {
            return [FieldProblem("incident", Message("registers.maintenance.incident_other_site", ["id": .int(id), "site": .text(site)]))]
        }
        return []
    }

    /// Logs work done; an incident it names is checked again in the same transaction.
    public func addMaintenanceWork(_ w: MaintenanceWork) throws(WatchpostError) -> Int64 {
        try registerWrite { db in
            let refused = try Store.linkedIncidentProblems(db, w)
            guard refused.isEmpty else { throw RegisterRefusal(refused) }
            try db.run("INSERT INTO maintenance_work (site, date, what, who, cost_vnd, parts, incident_id, recorded_by, recorded_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       w.site, w.date.description, w.what, w.who, w.costVND, w.parts, w.incidentID, w.recordedBy, w.recordedAt.milliseconds)
            let id = db.lastInsertRowID
            try appendRegisterEvent(db, site: w.site, kind: "maintenance.recorded", actor: w.recordedBy, at: w.recordedAt, incidentID: w.incidentID,
                                    Message("registers.maintenance.recorded", ["date": .date(w.date), "what": .text(w.what), "who": .text(w.who)]))
            return id
        }
    }

    public func maintenanceWork(site: String?) throws(WatchpostError) -> [MaintenanceWork] {
        try read { db in
            try db.query("SELECT id, site, date, what, who, cost_vnd, parts, incident_id, recorded_by, recorded_ms FROM maintenance_work WHERE (?1 IS NULL OR site = ?1) ORDER BY date, id", site).compactMap { r in
                guard let id = r[0].int, let s = r[1].string, let d = r[2].string.flatMap(CivilDate.init(parsing:)) else { return nil }
                return MaintenanceWork(id: id, site: s, date: d, what: r[3].string ?? "", who: r[4].string ?? "", costVND: r[5].int, parts: r[6].string ?? "",
                                       incidentID: r[7].int, recordedBy: r[8].string ?? "", recordedAt: Instant(milliseconds: r[9].int ?? 0))
            }
        }
    }

    public func addProposal(_ p: Proposal) throws(WatchpostError) -> Int64 {
        try registerWrite { db in try insertProposal(p, db) }
    }

    /// Files `p` unless a pending proposal of the site has the same origin (checked in the same
    /// transaction, so a step run twice files once); nil when it was not filed.
    public func addProposal(_ p: Proposal, unlessPendingFromSameOrigin: Bool) throws(WatchpostError) -> Int64? {
        try registerWrite { db in
            if unlessPendingFromSameOrigin,
               try !db.query("SELECT 1 FROM proposals WHERE site = ? AND origin = ? AND decision = 'pending'", p.site, p.origin).isEmpty { return nil }
            return try insertProposal(p, db)
        }
    }

    private func insertProposal(_ p: Proposal, _ db: SQLiteConnection) throws -> Int64 {
        try db.run("INSERT INTO proposals (site, kind, text, origin, raised_by, raised_ms, decision) VALUES (?, ?, ?, ?, ?, ?, 'pending')",
                   p.site, p.kind.rawValue, p.text, p.origin, p.raisedBy, p.raisedAt.milliseconds)
        let id = db.lastInsertRowID
        try appendRegisterEvent(db, site: p.site, kind: "proposal.recorded", actor: p.raisedBy, at: p.raisedAt, Message("registers.proposal.recorded", [
            "kind": .message(Message(MessageKey("registers.proposal.kind." + p.kind.rawValue))), "id": .int(id), "text": .text(p.text),
        ]))
        return id
    }

    public func decideProposal(id: Int64, decision: ProposalDecision, note: String, by: String, at: Instant) throws(WatchpostError) {
        _ = try registerWrite { db in
            guard let row = try db.query("SELECT site, decision, decided_by, decided_ms FROM proposals WHERE id = ?", id).first, let site = row[0].string else {
                throw RegisterRefusal([FieldProblem("id", Message("registers.not_found", ["what": .message(Message("registers.what.proposal")), "id": .int(id)]))])
            }
            if let earlier = row[1].string, earlier != ProposalDecision.pending.rawValue {
                throw RegisterRefusal([FieldProblem("id", Message("registers.proposal.already_decided", [
                    "id": .int(id), "decision": .message(Message(MessageKey("registers.proposal.decision." + earlier))), "by": .text(row[2].string ?? ""),
                    "at": .tableTime(Instant(milliseconds: row[3].int ?? 0)),
                ]))])
            }
            try db.run("UPDATE proposals SET decision = ?, decided_by = ?, decided_ms = ?, decision_note = ? WHERE id = ?", decision.rawValue, by, at.milliseconds, note, id)
            try appendRegisterEvent(db, site: site, kind: "proposal.decided", actor: by, at: at, Message("registers.proposal.decided", [
                "id": .int(id), "decision": .message(Message(MessageKey("registers.proposal.decision." + decision.rawValue))),
            ]))
        }
    }

    public func proposals(site: String?) throws(WatchpostError) -> [Proposal] {
        try read { db in
            try db.query("SELECT id, site, kind, text, origin, raised_by, raised_ms, decision, decided_by, decided_ms, decision_note FROM proposals WHERE (?1 IS NULL OR site = ?1) ORDER BY id", site).compactMap { r in
                guard let id = r[0].int, let s = r[1].string, let kind = r[2].string.flatMap(ProposalKind.init(rawValue:)) else { return nil }
                var p = Proposal(id: id, site: s, kind: kind, text: r[3].string ?? "", origin: r[4].string ?? "manual", raisedBy: r[5].string ?? "",
                                 raisedAt: Instant(milliseconds: r[6].int ?? 0), decision: r[7].string.flatMap(ProposalDecision.init(rawValue:)) ?? .pending)
                p.decidedBy = r[8].string
                p.decidedAt = r[9].int.map(Instant.init(milliseconds:))
                p.decisionNote = r[10].string
                return p
            }
        }
    }

    // MARK: Training

    public func addTraining(_ t: TrainingSession) throws(WatchpostError) -> Int64 {
        try registerWrite { db in
            try db.run("INSERT INTO training (site, date, topic, organiser, attendees, recorded_by, recorded_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       t.site, t.date.description, t.topic, t.organiser, t.attendees.joined(separator: "\n"), t.recordedBy, t.recordedAt.milliseconds)
            let id = db.lastInsertRowID
            try appendRegisterEvent(db, site: t.site, kind: "training.recorded", actor: t.recordedBy, at: t.recordedAt, Message("registers.training.recorded", [
                "date": .date(t.date), "topic": .text(t.topic), "count": .count(t.attendees.count),
            ]))
            return id
        }
    }

    public func training(site: String?) throws(WatchpostError) -> [TrainingSession] {
        try read { db in
            try db.query("SELECT id, site, date, topic, organiser, attendees, recorded_by, recorded_ms FROM training WHERE (?1 IS NULL OR site = ?1) ORDER BY date, id", site).compactMap { r in
                guard let id = r[0].int, let s = r[1].string, let d = r[2].string.flatMap(CivilDate.init(parsing:)) else { return nil }
                return TrainingSession(id: id, site: s, date: d, topic: r[3].string ?? "", organiser: r[4].string ?? "",
                                       attendees: (r[5].string ?? "").split(separator: "\n").map(String.init), recordedBy: r[6].string ?? "",
                                       recordedAt: Instant(milliseconds: r[7].int ?? 0))
            }
        }
    }

    // MARK: Equipment and loans

    /// One item of a site's equipment, nil when there is none with that id.
    public func equipmentItem(site: String, id: String) throws(WatchpostError) -> EquipmentItem? {
        try read { db in try Store.equipmentRow(db, site: site, id: id) }
    }

    /// Adds an item or replaces its name, serial, location, state and lendability with `e`'s
    /// (callers that change only some fields start from the stored item: `EquipmentChange`).
    public func putEquipment(_ e: EquipmentItem, by: String, at: Instant) throws(WatchpostError) {
        _ = try registerWrite { db in
            try db.run("INSERT INTO equipment (site, id, name, serial, location, state, lendable) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site, id) DO UPDATE SET name = excluded.name, serial = excluded.serial, location = excluded.location, state = excluded.state, lendable = excluded.lendable",
                       e.site, e.id, e.name, e.serial, e.location, e.state.rawValue, e.lendable)
            try appendRegisterEvent(db, site: e.site, kind: "equipment.recorded", actor: by, at: at, Message("registers.equipment.recorded", [
                "item": .text(e.id), "name": .text(e.name), "state": .message(Message(MessageKey("registers.equipment.state." + e.state.rawValue))),
            ]))
        }
    }

    public func equipment(site: String?) throws(WatchpostError) -> [EquipmentItem] {
        try read { db in
            try db.query("SELECT id, site, name, serial, location, state, lendable FROM equipment WHERE (?1 IS NULL OR site = ?1) ORDER BY site, id", site).compactMap { r in
                guard let id = r[0].string, let s = r[1].string else { return nil }
                return EquipmentItem(id: id, site: s, name: r[2].string ?? "", serial: r[3].string ?? "", location: r[4].string ?? "",
                                     state: r[5].string.flatMap(EquipmentState.init(rawValue:)) ?? .working, lendable: (r[6].int ?? 0) == 1)
            }
        }
    }

    /// Every problem with a loan, the form's and the item's (exists, lendable, working, not out):
    /// the one check the web and the command line both use before `lend`.
    public func loanProblems(_ loan: EquipmentLoan, today: CivilDate) throws(WatchpostError) -> [FieldProblem] {
        try read { db in
            let item = try Store.equipmentRow(db, site: loan.site, id: loan.equipmentID)
            let open = try Store.loanRows(db, where: "site = ? AND equipment_id = ? AND returned_ms IS NULL", [loan.site, loan.equipmentID]).first
            return loan.problems(item: item, openLoan: open, today: today)
        }
    }

    /// Records a loan after checking the item in the same transaction (exists, lendable, working, not out).
    public func lend(_ loan: EquipmentLoan, today: CivilDate) throws(WatchpostError) -> Int64 {
        try registerWrite { db in
            let item = try Store.equipmentRow(db, site: loan.site, id: loan.equipmentID)
            let open = try Store.loanRows(db, where: "site = ? AND equipment_id = ? AND returned_ms IS NULL", [loan.site, loan.equipmentID]).first
            let problems = loan.problems(item: item, openLoan: open, today: today)
            guard problems.isEmpty else { throw RegisterRefusal(problems) }
            try db.run("INSERT INTO equipment_loans (site, equipment_id, borrower, purpose, lent_ms, due_back, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       loan.site, loan.equipmentID, loan.borrower, loan.purpose, loan.lentAt.milliseconds, loan.dueBack?.description, loan.recordedBy)
            let id = db.lastInsertRowID
            try appendRegisterEvent(db, site: loan.site, kind: "loan.lent", actor: loan.recordedBy, at: loan.lentAt, Message("registers.loan.lent", [
                "item": .text(loan.equipmentID), "borrower": .text(loan.borrower), "purpose": .text(loan.purpose),
            ]))
            return id
        }
    }

    /// Records the item back; returns the loan it closes (who had it, for what).
    @discardableResult
    public func returnLoan(site: String, equipmentID: String, note: String, by: String, at: Instant) throws(WatchpostError) -> EquipmentLoan {
        try registerWrite { db in
            guard let open = try Store.loanRows(db, where: "site = ? AND equipment_id = ? AND returned_ms IS NULL", [site, equipmentID]).first else {
                throw RegisterRefusal([FieldProblem("equipment", Message("registers.loan.not_out", ["item": .text(equipmentID)]))])
            }
            try db.run("UPDATE equipment_loans SET returned_ms = ?, return_note = ? WHERE id = ?", at.milliseconds, note, open.id)
            try appendRegisterEvent(db, site: site, kind: "loan.returned", actor: by, at: at, Message("registers.loan.returned", [
                "item": .text(equipmentID), "borrower": .text(open.borrower),
            ]))
            var closed = open
            closed.returnedAt = at
            closed.returnNote = note
            return closed
        }
    }

    public func loans(site: String?) throws(WatchpostError) -> [EquipmentLoan] {
        try read { db in try Store.loanRows(db, where: "(?1 IS NULL OR site = ?1)", [site]) }
    }

    static func equipmentRow(_ db: SQLiteConnection, site: String, id: String) throws -> EquipmentItem? {
        try db.query("SELECT id, site, name, serial, location, state, lendable FROM equipment WHERE site = ? AND id = ?", site, id).first.map { r in
            EquipmentItem(id: r[0].string ?? id, site: r[1].string ?? site, name: r[2].string ?? "", serial: r[3].string ?? "", location: r[4].string ?? "",
                          state: r[5].string.flatMap(EquipmentState.init(rawValue:)) ?? .working, lendable: (r[6].int ?? 0) == 1)
        }
    }

    static func loanRows(_ db: SQLiteConnection, where clause: String, _ args: [any SQLBindable]) throws -> [EquipmentLoan] {
        try db.query("SELECT id, equipment_id, site, borrower, purpose, lent_ms, due_back, returned_ms, return_note, recorded_by FROM equipment_loans WHERE \(clause) ORDER BY id",
                     arguments: args).compactMap { r in
            guard let id = r[0].int, let item = r[1].string, let site = r[2].string else { return nil }
            var l = EquipmentLoan(id: id, equipmentID: item, site: site, borrower: r[3].string ?? "", purpose: r[4].string ?? "",
                                  lentAt: Instant(milliseconds: r[5].int ?? 0), dueBack: r[6].string.flatMap(CivilDate.init(parsing:)), recordedBy: r[9].string ?? "")
            l.returnedAt = r[7].int.map(Instant.init(milliseconds:))
            l.returnNote = r[8].string
            return l
        }
    }

    // MARK: Figures for reports

    /// What the registers hold for `site` over local dates [from, to] (inclusive), for the reports.
    /// Open actions and open feedback are counted as of the end of the period.
    public func registerFigures(site: String, from: CivilDate, to: CivilDate, zone: ZoneOffset) throws(WatchpostError) -> RegisterFigures {
        let endMs = zone.startOf(to.adding(days: 1)).milliseconds
        let startMs = zone.startOf(from).milliseconds
        return try read { db in
            func count(_ sql: String, _ args: any SQLBindable...) throws -> Int { Int(try db.query(sql, arguments: args).first?[0].int ?? 0) }
            let (a, b) = (from.description, to.description)
            var f = RegisterFigures()
            f.periodicInspections = try count("SELECT count(*) FROM inspections WHERE site = ? AND kind = 'periodic' AND date BETWEEN ? AND ?", site, a, b)
            f.surpriseInspections = try count("SELECT count(*) FROM inspections WHERE site = ? AND kind = 'surprise' AND date BETWEEN ? AND ?", site, a, b)
            f.inspections = f.periodicInspections + f.surpriseInspections
            f.openActions = try count("SELECT count(*) FROM inspection_actions x JOIN inspections i ON i.id = x.inspection_id WHERE i.site = ? AND i.date <= ? AND (x.done_ms IS NULL OR x.done_ms >= ?)", site, b, endMs)
            f.feedbackReceived = try count("SELECT count(*) FROM feedback WHERE site = ? AND received_on BETWEEN ? AND ?", site, a, b)
            f.feedbackAnswered = try count("SELECT count(*) FROM feedback WHERE site = ? AND answered_ms >= ? AND answered_ms < ?", site, startMs, endMs)
            f.feedbackOpen = try count("SELECT count(*) FROM feedback WHERE site = ? AND received_on <= ? AND (answered_ms IS NULL OR answered_ms >= ?)", site, b, endMs)
            f.maintenanceDone = try count("SELECT count(*) FROM maintenance_work WHERE site = ? AND date BETWEEN ? AND ?", site, a, b)
            f.maintenanceCostVND = try db.query("SELECT coalesce(sum(cost_vnd), 0) FROM maintenance_work WHERE site = ? AND date BETWEEN ? AND ?", site, a, b).first?[0].int ?? 0
            f.proposalsRaised = try count("SELECT count(*) FROM proposals WHERE site = ? AND raised_ms >= ? AND raised_ms < ?", site, startMs, endMs)
            f.proposalsDecided = try count("SELECT count(*) FROM proposals WHERE site = ? AND decided_ms >= ? AND decided_ms < ?", site, startMs, endMs)
            f.trainingSessions = try count("SELECT count(*) FROM training WHERE site = ? AND date BETWEEN ? AND ?", site, a, b)
            f.trainees = try db.query("SELECT attendees FROM training WHERE site = ? AND date BETWEEN ? AND ?", site, a, b)
                .reduce(0) { $0 + ($1[0].string ?? "").split(separator: "\n").count }
            f.loans = try count("SELECT count(*) FROM equipment_loans WHERE site = ? AND lent_ms >= ? AND lent_ms < ?", site, startMs, endMs)
            for r in try db.query("SELECT kind, windows FROM operating_plan WHERE site = ? AND date BETWEEN ? AND ?", site, a, b) {
                f.plannedDays += 1
                if r[0].string == "closed" { f.closures += 1; continue }
                f.plannedSeconds += (r[1].string ?? "").split(separator: ",").compactMap { DailyWindow(parsing: String($0).trimmingWhitespace()) }.reduce(0) { $0 + $1.length }
            }
            return f
        }
    }
}

// The registers the two decisions give the units, for duties no probe can see. Each record type
// cites the article that creates the duty; each validates what a person typed and returns
// problems per field (a form shows them beside the input and keeps the text).
//
//   inspections     Tây Trang 7.1.3 (periodic and surprise inspections, with the border guard);
//                   Vũng Áng 4.1 (kiểm tra định kỳ, đột xuất)
//   feedback        Tây Trang 7.2.5 (the border guard receives the public's feedback on the
//                   operation and the content shown and forwards it to the Department)
//   maintenance     Tây Trang 7.1.3, 7.2.4 (maintenance, repair and upgrade proposals)
//   training        Tây Trang 7.1.4, 7.2.6; Vũng Áng 4.4 (training of staff assigned to the cluster)
//   equipment       Tây Trang 2.2 (the screen and the mobile sound equipment handed to the post);
//                   Vũng Áng 4.2 (the Board manages the cluster's assets and equipment)
//
// Pure values: the store keeps them, the web and the CLI edit them, the reports count them.

/// Which register a record belongs to (also the timeline's `register.<kind>.<what>` prefix).
public enum RegisterKind: String, Sendable, Hashable, Codable, CaseIterable {
    case inspection, feedback, maintenance, proposal, training, equipment, loan
}

/// What a person does to the registers (issue #18, point 6).
public enum RegisterAction: String, Sendable, Hashable, CaseIterable {
    /// Record plans, inspections, feedback, work, proposals, training, equipment and loans.
    case write
    /// Answer feedback and decide proposals.
    case decide
}

/// Who may write and who decides, by the same roles the incident policy uses (`PartyRole`):
/// - the operating unit (`operator`: the Board at Vũng Áng, 2432 Art. 4.2; the border-guard post
///   at Tây Trang, 32/2018 7.2.1, 7.2.5) and the `technician`s who maintain the equipment
///   (7.1.3, 7.2.4) write;
/// - the Department answers feedback forwarded to it (7.2.5) and decides proposals (7.1.3);
/// - the Committee, security and admins read.
public enum RegisterPolicy {
    public static func allows(_ role: PartyRole, _ action: RegisterAction) -> Bool {
        switch (action, role) {
        case (.write, .operator), (.write, .technician): return true
        case (.decide, .department): return true
        default: return false
        }
    }

    public static func roles(allowedTo action: RegisterAction) -> [PartyRole] {
        PartyRole.allCases.filter { allows($0, action) }
    }
}

/// Limits on typed text, shared by the forms and the command line.
public enum RegisterLimits {
    public static let shortText = 200
    public static let longText = 4000
}

// MARK: Inspections

public enum InspectionKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// kiểm tra định kỳ
    case periodic
    /// kiểm tra đột xuất
    case surprise
}

public struct Inspection: Sendable, Hashable, Codable {
    public var id: Int64
    public var site: String
    public var kind: InspectionKind
    public var date: CivilDate
    /// Inspecting bodies (contacts ids or names) and the people present.
    public var bodies: String
    public var people: String
    /// Checklist item ids ticked as checked (probes/<site>/inspection.conf).
    public var checked: [String]
    public var findings: String
    public var closedAt: Instant?
    public var createdBy: String
    public var createdAt: Instant

    public init(id: Int64 = 0, site: String, kind: InspectionKind, date: CivilDate, bodies: String, people: String,
                checked: [String], findings: String, closedAt: Instant? = nil, createdBy: String, createdAt: Instant) {
        self.id = id
        self.site = site
        self.kind = kind
        self.date = date
        self.bodies = bodies
        self.people = people
        self.checked = checked
        self.findings = findings
        self.closedAt = closedAt
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    public var isOpen: Bool { closedAt == nil }

    /// `checklist` is the site's list of item ids; an unknown id is a problem, not silently dropped.
    public func problems(checklist: [String], today: CivilDate) -> [FieldProblem] {
        var out = RegisterText.problems(bodies, field: "bodies", required: true, max: RegisterLimits.shortText)
        out += RegisterText.problems(people, field: "people", required: false, max: RegisterLimits.shortText)
        out += RegisterText.problems(findings, field: "findings", required: false, max: RegisterLimits.longText)
        if date > today { out.append(FieldProblem("date", Message("registers.field.future_date", ["date": .date(date)]))) }
        for c in checked where !checklist.contains(c) {
            out.append(FieldProblem("checked", Message("registers.inspection.unknown_item", ["item": .text(c)])))
        }
        return out
    }
}

/// A follow-up action from an inspection's findings, with its owner and due date.
public struct FollowUpAction: Sendable, Hashable, Codable {
    public var id: Int64
    public var inspectionID: Int64
    public var text: String
    public var owner: String
    public var due: CivilDate
    public var doneAt: Instant?
    public var doneBy: String?

    public init(id: Int64 = 0, inspectionID: Int64, text: String, owner: String, due: CivilDate, doneAt: Instant? = nil, doneBy: String? = nil) {
        self.id = id
        self.inspectionID = inspectionID
        self.text = text
        self.owner = owner
        self.due = due
        self.doneAt = doneAt
        self.doneBy = doneBy
    }

    public func problems() -> [FieldProblem] {
        RegisterText.problems(text, field: "text", required: true, max: RegisterLimits.longText)
            + RegisterText.problems(owner, field: "owner", required: true, max: RegisterLimits.shortText)
    }
}

// MARK: Feedback from the public (Tây Trang 7.2.5)

public enum FeedbackChannel: String, Sendable, Hashable, Codable, CaseIterable {
    case inPerson = "in-person", phone, letter, email, other
}

public enum FeedbackSubject: String, Sendable, Hashable, Codable, CaseIterable {
    /// công tác quản lý, vận hành
    case operation
    /// chất lượng của thông tin được đăng tải
    case content
}

public enum FeedbackState: String, Sendable, Hashable, Codable, CaseIterable {
    case received, forwarded, answered
}

public struct Feedback: Sendable, Hashable, Codable {
    public var id: Int64
    public var site: String
    public var channel: FeedbackChannel
    public var receivedOn: CivilDate
    /// Who gave it; empty when anonymous.
    public var from: String
    public var subject: FeedbackSubject
    /// The content item it is about, when known (a path of the manifest).
    public var item: String
    public var text: String
    public var state: FeedbackState
    public var recordedBy: String
    public var recordedAt: Instant
    public var forwardedAt: Instant?
    public var forwardedBy: String?
    public var answer: String?
    public var answeredAt: Instant?
    public var answeredBy: String?

    public init(id: Int64 = 0, site: String, channel: FeedbackChannel, receivedOn: CivilDate, from: String, subject: FeedbackSubject,
                item: String, text: String, state: FeedbackState = .received, recordedBy: String, recordedAt: Instant) {
        self.id = id
        self.site = site
        self.channel = channel
        self.receivedOn = receivedOn
        self.from = from
        self.subject = subject
        self.item = item
        self.text = text
        self.state = state
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
    }

    public func problems(today: CivilDate) -> [FieldProblem] {
        var out = RegisterText.problems(text, field: "text", required: true, max: RegisterLimits.longText)
        out += RegisterText.problems(from, field: "from", required: false, max: RegisterLimits.shortText)
        out += RegisterText.problems(item, field: "item", required: false, max: RegisterLimits.shortText)
        if receivedOn > today { out.append(FieldProblem("date", Message("registers.field.future_date", ["date": .date(receivedOn)]))) }
        return out
    }

    /// Open items older than `age` are reminded (received or forwarded, not yet answered). The
    /// age runs from the day the feedback was received (the start of `receivedOn` in `zone`), or
    /// from its entry if that came first: feedback entered days late is not reminded days late.
    public func isOverdue(now: Instant, age: Seconds, zone: ZoneOffset = .hoChiMinh) -> Bool {
        state != .answered && now - since(zone: zone) >= age
    }

    /// When the feedback's age starts: the start of the day it was received, or its entry if earlier.
    public func since(zone: ZoneOffset) -> Instant { min(recordedAt, zone.startOf(receivedOn)) }
}

// MARK: Maintenance, repairs and proposals (Tây Trang 7.1.3, 7.2.4)

public struct MaintenanceWork: Sendable, Hashable, Codable {
    public var id: Int64
    public var site: String
    public var date: CivilDate
    public var what: String
    public var who: String
    /// Cost in đồng, when known.
    public var costVND: Int64?
    public var parts: String
    /// The incident this work fixed, if any.
    public var incidentID: Int64?
    public var recordedBy: String
    public var recordedAt: Instant

    public init(id: Int64 = 0, site: String, date: CivilDate, what: String, who: String, costVND: Int64? = nil, parts: String = "",
                incidentID: Int64? = nil, recordedBy: String, recordedAt: Instant) {
        self.id = id
        self.site = site
        self.date = date
        self.what = what
        self.who = who
        self.costVND = costVND
        self.parts = parts
        self.incidentID = incidentID
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
    }

    public func problems(today: CivilDate) -> [FieldProblem] {
        var out = RegisterText.problems(what, field: "what", required: true, max: RegisterLimits.longText)
        out += RegisterText.problems(who, field: "who", required: true, max: RegisterLimits.shortText)
        out += RegisterText.problems(parts, field: "parts", required: false, max: RegisterLimits.shortText)
        if let c = costVND, c < 0 { out.append(FieldProblem("cost", Message("registers.field.not_negative"))) }
        if date > today { out.append(FieldProblem("date", Message("registers.field.future_date", ["date": .date(date)]))) }
        return out
    }
}

public enum ProposalKind: String, Sendable, Hashable, Codable, CaseIterable {
    case maintenance, repair, upgrade
}

public enum ProposalDecision: String, Sendable, Hashable, Codable, CaseIterable {
    case pending, approved, rejected
}

public struct Proposal: Sendable, Hashable, Codable {
    public var id: Int64
    public var site: String
    public var kind: ProposalKind
    public var text: String
    /// `manual`, or the finding that suggested it (`ups.replace_battery`, `led.recurring_card`…).
    public var origin: String
    public var raisedBy: String
    public var raisedAt: Instant
    public var decision: ProposalDecision
    public var decidedBy: String?
    public var decidedAt: Instant?
    public var decisionNote: String?

    public init(id: Int64 = 0, site: String, kind: ProposalKind, text: String, origin: String = "manual", raisedBy: String, raisedAt: Instant,
                decision: ProposalDecision = .pending) {
        self.id = id
        self.site = site
        self.kind = kind
        self.text = text
        self.origin = origin
        self.raisedBy = raisedBy
        self.raisedAt = raisedAt
        self.decision = decision
    }

    public func problems() -> [FieldProblem] {
        RegisterText.problems(text, field: "text", required: true, max: RegisterLimits.longText)
    }
}

// MARK: Training (Tây Trang 7.1.4, 7.2.6; Vũng Áng 4.4)

public struct TrainingSession: Sendable, Hashable, Codable {
    public var id: Int64
    public var site: String
    public var date: CivilDate
    public var topic: String
    public var organiser: String
    public var attendees: [String]
    public var recordedBy: String
    public var recordedAt: Instant

    public init(id: Int64 = 0, site: String, date: CivilDate, topic: String, organiser: String, attendees: [String], recordedBy: String, recordedAt: Instant) {
        self.id = id
        self.site = site
        self.date = date
        self.topic = topic
        self.organiser = organiser
        self.attendees = attendees
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
    }

    public func problems(today: CivilDate) -> [FieldProblem] {
        var out = RegisterText.problems(topic, field: "topic", required: true, max: RegisterLimits.shortText)
        out += RegisterText.problems(organiser, field: "organiser", required: true, max: RegisterLimits.shortText)
        if attendees.isEmpty { out.append(FieldProblem("attendees", Message("registers.field.required"))) }
        for a in attendees { out += RegisterText.problems(a, field: "attendees", required: true, max: RegisterLimits.shortText) }
        if date > today { out.append(FieldProblem("date", Message("registers.field.future_date", ["date": .date(date)]))) }
        return out
    }
}

// MARK: Equipment and loans (Tây Trang 2.2)

public enum EquipmentState: String, Sendable, Hashable, Codable, CaseIterable {
    case working, faulty, repairing = "under_repair", retired
}

public struct EquipmentItem: Sendable, Hashable, Codable {
    /// A short identifier chosen by the unit (`loa-luu-dong-1`).
    public var id: String
    public var site: String
    public var name: String
    public var serial: String
    public var location: String
    public var state: EquipmentState
    /// Whether it may be lent out (the mobile sound equipment).
    public var lendable: Bool

    public init(id: String, site: String, name: String, serial: String, location: String, state: EquipmentState, lendable: Bool) {
        self.id = id
        self.site = site
        self.name = name
        self.serial = serial
        self.location = location
        self.state = state
        self.lendable = lendable
    }

    public func problems() -> [FieldProblem] {
        var out: [FieldProblem] = []
        if !isRegisterIdentifier(id) { out.append(FieldProblem("id", Message("registers.field.identifier"))) }
        out += RegisterText.problems(name, field: "name", required: true, max: RegisterLimits.shortText)
        out += RegisterText.problems(serial, field: "serial", required: false, max: RegisterLimits.shortText)
        out += RegisterText.problems(location, field: "location", required: false, max: RegisterLimits.shortText)
        return out
    }
}

/// What a person asks to change on an item: each field given replaces the stored one, each field
/// left out (nil) keeps it, so `equipment put am-thanh --state faulty` changes the state only.
/// A new item takes the defaults (working, not lendable) for what is left out.
public struct EquipmentChange: Sendable, Hashable {
    public var id: String
    public var name: String?
    public var serial: String?
    public var location: String?
    public var state: EquipmentState?
    public var lendable: Bool?

    public init(id: String, name: String? = nil, serial: String? = nil, location: String? = nil, state: EquipmentState? = nil, lendable: Bool? = nil) {
        self.id = id
        self.name = name
        self.serial = serial
        self.location = location
        self.state = state
        self.lendable = lendable
    }

    /// The item after the change: `existing` (or a new item of `site`) with the given fields replaced.
    public func applied(to existing: EquipmentItem?, site: String) -> EquipmentItem {
        var e = existing ?? EquipmentItem(id: id, site: site, name: "", serial: "", location: "", state: .working, lendable: false)
        if let name { e.name = name }
        if let serial { e.serial = serial }
        if let location { e.location = location }
        if let state { e.state = state }
        if let lendable { e.lendable = lendable }
        return e
    }
}

/// Starting a maintenance window from an inspection (issue #18 point 2): for how long and which
/// checks, so the checks the inspection disturbs page nobody meanwhile. One validation for the
/// web form and `watchpost inspection add --maintenance`.
public enum InspectionMaintenance {
    /// The longest window an inspection may start.
    public static let longest = Seconds.hours(24 * 7)

    /// The window's length from `raw` (30m, 2h) and the problems with it and with `checks`
    /// (each must be a check of the site; none means every check).
    public static func parse(_ raw: String, checks: [String], siteChecks: [String], field: String = "maintenance",
                             checksField: String = "maintenance-checks") -> (Seconds?, [FieldProblem]) {
        var out: [FieldProblem] = []
        let t = raw.trimmingWhitespace()
        let span = Seconds(parsing: t).flatMap { $0 > .zero && $0 <= longest ? $0 : nil }
        if span == nil { out.append(FieldProblem(field, Message(t.isEmpty ? "registers.field.required" : "registers.field.bad_duration", ["value": .text(t)]))) }
        for c in checks where !siteChecks.contains(c) { out.append(FieldProblem(checksField, Message("registers.field.unknown_check", ["check": .text(c)]))) }
        return (span, out)
    }
}

/// One loan of lendable equipment: out to whom, for what, back when.
public struct EquipmentLoan: Sendable, Hashable, Codable {
    public var id: Int64
    public var equipmentID: String
    public var site: String
    public var borrower: String
    public var purpose: String
    public var lentAt: Instant
    public var dueBack: CivilDate?
    public var returnedAt: Instant?
    public var returnNote: String?
    public var recordedBy: String

    public init(id: Int64 = 0, equipmentID: String, site: String, borrower: String, purpose: String, lentAt: Instant, dueBack: CivilDate?, recordedBy: String) {
        self.id = id
        self.equipmentID = equipmentID
        self.site = site
        self.borrower = borrower
        self.purpose = purpose
        self.lentAt = lentAt
        self.dueBack = dueBack
        self.recordedBy = recordedBy
    }

    public var isOut: Bool { returnedAt == nil }

    public func problems(item: EquipmentItem?, openLoan: EquipmentLoan?, today: CivilDate) -> [FieldProblem] {
        var out = RegisterText.problems(borrower, field: "borrower", required: true, max: RegisterLimits.shortText)
        out += RegisterText.problems(purpose, field: "purpose", required: true, max: RegisterLimits.shortText)
        if let item {
            if !item.lendable { out.append(FieldProblem("equipment", Message("registers.loan.not_lendable", ["item": .text(item.id)]))) }
            if item.state != .working { out.append(FieldProblem("equipment", Message("registers.loan.not_working", ["item": .text(item.id)]))) }
        } else {
            out.append(FieldProblem("equipment", Message("registers.loan.unknown_item", ["item": .text(equipmentID)])))
        }
        if let openLoan {
            out.append(FieldProblem("equipment", Message("registers.loan.already_out", ["item": .text(equipmentID), "borrower": .text(openLoan.borrower)])))
        }
        if let d = dueBack, d < today { out.append(FieldProblem("due", Message("registers.field.past_date", ["date": .date(d)]))) }
        return out
    }
}

/// Lower-case letters, digits and dashes, 1–64 long: ids that are safe in URLs, CSV and logs.
public func isRegisterIdentifier(_ s: String) -> Bool {
    !s.isEmpty && s.count <= 64 && s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
}

// MARK: Figures for a period (reports)

/// What the registers hold for one site and period, for the reports.
public struct RegisterFigures: Sendable, Hashable, Codable {
    public var inspections = 0
    public var periodicInspections = 0
    public var surpriseInspections = 0
    /// Follow-up actions not done at the end of the period.
    public var openActions = 0
    public var feedbackReceived = 0
    public var feedbackAnswered = 0
    public var feedbackOpen = 0
    public var maintenanceDone = 0
    public var maintenanceCostVND: Int64 = 0
    public var proposalsRaised = 0
    public var proposalsDecided = 0
    public var trainingSessions = 0
    public var trainees = 0
    public var loans = 0
    /// Planned days (entries of the operating plan) and their planned seconds.
    public var plannedDays = 0
    public var plannedSeconds: Int64 = 0
    public var closures = 0

    public init() {}
}

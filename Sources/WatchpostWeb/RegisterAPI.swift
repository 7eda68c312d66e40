// The registers through the API (`GET /api/v1/registers/<name>?site=ID`, every signed-in role
// reads). Each record is given in readable fields — dates as `2026-12-05`, times as ISO 8601 with
// the site's offset, states and kinds by name, each with its Vietnamese and English label —
// never the store's or Swift's own encodings (no enum payloads, no milliseconds).
import WatchpostCore
import WatchpostConfig
import HTTPServer

/// A value by name with what a person reads for it.
struct APILabelled: Encodable, Sendable {
    var value: String
    var vi: String
    var en: String

    init(_ value: String, key: String) {
        let m = Message(MessageKey(key + value))
        self.value = value
        vi = Catalogue.render(m, .vi)
        en = Catalogue.render(m, .en)
    }
}

struct APIPlanEntry: Encodable, Sendable {
    var site: String, date: String, operated: Bool, windows: [String], plannedHours: Double, reason: String, setBy: String, setAt: String
}

struct APIFollowUpAction: Encodable, Sendable {
    var id: Int64, text: String, owner: String, due: String, done: Bool, doneAt: String?, doneBy: String?
}

struct APIInspection: Encodable, Sendable {
    var id: Int64, site: String, kind: APILabelled, date: String, bodies: String, people: String, checked: [String], findings: String
    var open: Bool, closedAt: String?, recordedBy: String, recordedAt: String, actions: [APIFollowUpAction]
}

struct APIFeedback: Encodable, Sendable {
    var id: Int64, site: String, channel: APILabelled, receivedOn: String, from: String, anonymous: Bool, subject: APILabelled, item: String, text: String
    var state: APILabelled, recordedBy: String, recordedAt: String, forwardedAt: String?, forwardedBy: String?, answer: String?, answeredAt: String?, answeredBy: String?
}

struct APIMaintenance: Encodable, Sendable {
    var id: Int64, site: String, date: String, what: String, who: String, costVnd: Int64?, parts: String, incident: Int64?, recordedBy: String, recordedAt: String
}

struct APIProposal: Encodable, Sendable {
    var id: Int64, site: String, kind: APILabelled, text: String, origin: String, raisedBy: String, raisedAt: String
    var decision: APILabelled, decidedBy: String?, decidedAt: String?, decisionNote: String?
}

struct APITraining: Encodable, Sendable {
    var id: Int64, site: String, date: String, topic: String, organiser: String, attendees: [String], recordedBy: String, recordedAt: String
}

struct APIEquipment: Encodable, Sendable {
    var id: String, site: String, name: String, serial: String, location: String, state: APILabelled, lendable: Bool
}

struct APILoan: Encodable, Sendable {
    var id: Int64, site: String, equipment: String, borrower: String, purpose: String, lentAt: String, dueBack: String?, out: Bool
    var returnedAt: String?, returnNote: String?, recordedBy: String
}

extension WebApp {
    func apiRegister(_ r: HTTPRequest, name: String) async -> HTTPResponse {
        guard let site = registerSite(r) else { return apiError(404, "not-found", "no site '\(r.query["site"] ?? "")'") }
        // docs/api.md: every API time is ISO 8601 in UTC; dates stay the site's local dates.
        func time(_ t: Instant) -> String { MachineFormat.timestamp(t, zone: .utc) }
        do {
            switch name {
            case "plan":
                return json(200, try await reader.plan(site: site.id).map { e -> APIPlanEntry in
                    let windows: [String] = switch e.change { case .closed: []; case .hours(let ws): ws.map(\.description) }
                    return APIPlanEntry(site: e.site, date: e.date.description, operated: e.change != .closed, windows: windows,
                                        plannedHours: Double(e.plannedSeconds) / 3600, reason: e.reason, setBy: e.by, setAt: time(e.at))
                })
            case "inspections":
                return json(200, try await reader.inspections(site: site.id).map { i, actions in
                    APIInspection(id: i.id, site: i.site, kind: APILabelled(i.kind.rawValue, key: "registers.inspection.kind."), date: i.date.description,
                                  bodies: i.bodies, people: i.people, checked: i.checked, findings: i.findings, open: i.isOpen, closedAt: i.closedAt.map(time),
                                  recordedBy: i.createdBy, recordedAt: time(i.createdAt),
                                  actions: actions.map { APIFollowUpAction(id: $0.id, text: $0.text, owner: $0.owner, due: $0.due.description, done: $0.doneAt != nil,
                                                                           doneAt: $0.doneAt.map(time), doneBy: $0.doneBy) })
                })
            case "feedback":
                return json(200, try await reader.feedback(site: site.id).map { f in
                    APIFeedback(id: f.id, site: f.site, channel: APILabelled(f.channel.rawValue, key: "registers.feedback.channel."), receivedOn: f.receivedOn.description,
                                from: f.from, anonymous: f.from.isEmpty, subject: APILabelled(f.subject.rawValue, key: "registers.feedback.subject."), item: f.item,
                                text: f.text, state: APILabelled(f.state.rawValue, key: "registers.feedback.state."), recordedBy: f.recordedBy, recordedAt: time(f.recordedAt),
                                forwardedAt: f.forwardedAt.map(time), forwardedBy: f.forwardedBy, answer: f.answer, answeredAt: f.answeredAt.map(time), answeredBy: f.answeredBy)
                })
            case "maintenance":
                return json(200, try await reader.maintenanceWork(site: site.id).map { w in
                    APIMaintenance(id: w.id, site: w.site, date: w.date.description, what: w.what, who: w.who, costVnd: w.costVND, parts: w.parts,
                                   incident: w.incidentID, recordedBy: w.recordedBy, recordedAt: time(w.recordedAt))
                })
            case "proposals":
                return json(200, try await reader.proposals(site: site.id).map { p in
                    APIProposal(id: p.id, site: p.site, kind: APILabelled(p.kind.rawValue, key: "registers.proposal.kind."), text: p.text, origin: p.origin,
                                raisedBy: p.raisedBy, raisedAt: time(p.raisedAt), decision: APILabelled(p.decision.rawValue, key: "registers.proposal.decision."),
                                decidedBy: p.decidedBy, decidedAt: p.decidedAt.map(time), decisionNote: p.decisionNote)
                })
            case "training":
                return json(200, try await reader.training(site: site.id).map { t in
                    APITraining(id: t.id, site: t.site, date: t.date.description, topic: t.topic, organiser: t.organiser, attendees: t.attendees,
                                recordedBy: t.recordedBy, recordedAt: time(t.recordedAt))
                })
            case "equipment":
                return json(200, try await reader.equipment(site: site.id).map { e in
                    APIEquipment(id: e.id, site: e.site, name: e.name, serial: e.serial, location: e.location,
                                 state: APILabelled(e.state.rawValue, key: "registers.equipment.state."), lendable: e.lendable)
                })
            case "loans":
                return json(200, try await reader.loans(site: site.id).map { l in
                    APILoan(id: l.id, site: l.site, equipment: l.equipmentID, borrower: l.borrower, purpose: l.purpose, lentAt: time(l.lentAt),
                            dueBack: l.dueBack?.description, out: l.isOut, returnedAt: l.returnedAt.map(time), returnNote: l.returnNote, recordedBy: l.recordedBy)
                })
            default:
                return apiError(404, "not-found", "registers: plan, inspections, feedback, maintenance, proposals, training, equipment, loans")
            }
        } catch {
            return apiError(500, "storage", error.message)
        }
    }
}

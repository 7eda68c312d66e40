// What a report holds beyond availability figures: the list of incidents (when, what, category,
// who was informed, who took it and when, actions and notes, how it ended), hours operated on
// weekends and holidays against the schedule, content figures from the broadcast log, and the
// proposals the data suggests (a UPS battery to replace, receiving cards that keep failing, a
// link that keeps dropping). Each is optional in the sense the report needs: nil means "no data
// on this box", which the renderers say plainly, never zero.
import WatchpostCore
import WatchpostBroadcast
import WatchpostConfig

/// One incident as the report lists it.
public struct IncidentRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var checkID: String
    public var checkName: String
    public var checkKind: String
    public var summary: String
    public var category: IncidentCategory
    public var severity: CheckStatus
    public var findingCodes: [String]
    public var opened: Instant
    /// Who was told, and at which level (0: technicians only).
    public var informed: [Informed]
    /// The first acknowledgement.
    public var taken: Taken?
    /// Highest escalation level reached.
    public var highestLevel: Int
    /// Notes, responder outcomes, acknowledgement notes, in time order.
    public var actions: [Action]
    public var ending: Ending?

    public struct Informed: Sendable, Hashable, Codable {
        public var name: String
        public var level: Int
        /// At level 0: true for the site's technicians, false for a unit told at once; nil unknown.
        public var technicians: Bool?
        public init(name: String, level: Int, technicians: Bool? = nil) { self.name = name; self.level = level; self.technicians = technicians }
    }
    public struct Taken: Sendable, Hashable, Codable {
        public var by: String
        public var at: Instant
        public var via: String
        public init(by: String, at: Instant, via: String) { self.by = by; self.at = at; self.via = via }
    }
    public struct Action: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable { case note, responder }
        public var kind: Kind
        public var at: Instant
        public var who: String
        public var text: String
        public init(kind: Kind, at: Instant, who: String, text: String) { self.kind = kind; self.at = at; self.who = who; self.text = text }
    }
    public struct Ending: Sendable, Hashable, Codable {
        public var at: Instant
        /// nil: the check recovered by itself (the engine closed the incident).
        public var by: String?
        public var reason: String
        public init(at: Instant, by: String?, reason: String) { self.at = at; self.by = by; self.reason = reason }
    }

    public init(id: Int64, checkID: String, checkName: String, checkKind: String, summary: String, category: IncidentCategory,
                severity: CheckStatus, findingCodes: [String], opened: Instant, informed: [Informed], taken: Taken?,
                highestLevel: Int, actions: [Action], ending: Ending?) {
        self.id = id; self.checkID = checkID; self.checkName = checkName; self.checkKind = checkKind; self.summary = summary
        self.category = category; self.severity = severity; self.findingCodes = findingCodes; self.opened = opened
        self.informed = informed; self.taken = taken; self.highestLevel = highestLevel; self.actions = actions; self.ending = ending
    }
}

/// Scheduled and operated time on one kind of day (working days, Saturdays, Sundays, holidays).
public struct DayKindHours: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable { case weekday, saturday, sunday, holiday }
    public var kind: Kind
    public var days = 0
    public var tally = AvailabilityTally()

    /// Groups a site's days: a listed public holiday first, then Saturday, Sunday, working day.
    public static func compute(days: [(date: CivilDate, tally: AvailabilityTally)], schedule: OperatingSchedule) -> [DayKindHours] {
        var out = Kind.allCases.map { DayKindHours(kind: $0) }
        for d in days {
            let k: Kind
            if case .holiday? = schedule.exceptions[d.date] { k = .holiday } else if d.date.isoWeekday == 6 { k = .saturday } else if d.date.isoWeekday == 7 { k = .sunday } else { k = .weekday }
            let i = Kind.allCases.firstIndex(of: k) ?? 0
            out[i].days += 1
            out[i].tally = out[i].tally + d.tally
        }
        return out
    }
}

/// Content shown in the period, from the broadcast log (#16).
public struct ContentFigures: Sendable, Hashable {
    public var plays = 0
    public var items = 0
    public var shownSeconds: Int64 = 0
    public var unapprovedPlays = 0
    /// Plays whose approval could not be checked (the media share or the key unreadable): not
    /// in `unapprovedPlays`.
    public var notCheckedPlays = 0
    /// Seconds shown per language code (`vi`, `en`, `lo`, `th`; "" when the manifest gives none).
    public var byLanguage: [String: Int64] = [:]
    /// Seconds shown per source organisation id ("" when not given).
    public var bySource: [String: Int64] = [:]
    /// The Tây Trang 7.8 programme test per month, renewals against their deadlines (Vũng Áng
    /// Art. 4.3.a, Tây Trang 7.1.1), the approval in force and the next due date; nil when the
    /// report was built without the configuration or the site has no Department key.
    public var approvals: ContentApprovalFigures? = nil
    public init() {}
}

/// A proposal the data suggests.
public struct Proposal: Sendable, Hashable {
    public var message: Message
    /// What it comes from (`ups.replace_battery:<check>`…), so the registers file it once
    /// (`SuggestedProposals`); empty when it is not filed.
    public var origin: String
    public init(_ message: Message, origin: String = "") { self.message = message; self.origin = origin }

    /// How many times something must recur in a period to be proposed for attention.
    public static let recurring = 3

    /// From the incidents and outages of the period and the checks' current findings:
    /// - the UPS asked for a battery replacement (finding `replbatt`) at least once;
    /// - a screen lost receiving cards (finding `cards-missing`) in `recurring` incidents or more;
    /// - a network check (kinds `tcp`, `http`, `icmp`, `ping`) went down `recurring` times or more.
    public static func compute(site: SiteProfile, incidents: [IncidentRecord]?, checks: [CheckReport], currentFindings: [String: [String]]) -> [Proposal] {
        var out: [Proposal] = []
        let list = incidents ?? []
        for c in site.checks where c.enabled {
            let mine = list.filter { $0.checkID == c.id }
            let battery = mine.filter { $0.findingCodes.contains("replbatt") }.count + ((currentFindings[c.id] ?? []).contains("replbatt") ? 1 : 0)
            if battery > 0 {
                out.append(Proposal(Message("report.proposal.ups_battery", ["check": .text(c.name.isEmpty ? c.id : c.name), "count": .count(battery)]), origin: "ups.replace_battery:\(c.id)"))
            }
            let cards = mine.filter { $0.findingCodes.contains("cards-missing") }.count
            if cards >= recurring {
                out.append(Proposal(Message("report.proposal.led_cards", ["check": .text(c.name.isEmpty ? c.id : c.name), "count": .count(cards)]), origin: "led.recurring_cards:\(c.id)"))
            }
            if ["tcp", "http", "icmp", "ping"].contains(c.kind) {
                let losses = max(mine.count, checks.first { $0.id == c.id }?.outages.count ?? 0)
                if losses >= recurring {
                    out.append(Proposal(Message("report.proposal.link", ["check": .text(c.name.isEmpty ? c.id : c.name), "count": .count(losses)]), origin: "network.recurring_loss:\(c.id)"))
                }
            }
        }
        return out
    }
}

/// Catalogue text in one language, for the renderers.
enum Say {
    static func vi(_ key: MessageKey, _ params: [String: MessageValue] = [:], zone: ZoneOffset = .hoChiMinh) -> String {
        Catalogue.render(Message(key, params), .vi, zone: zone)
    }
    static func en(_ key: MessageKey, _ params: [String: MessageValue] = [:], zone: ZoneOffset = .hoChiMinh) -> String {
        Catalogue.render(Message(key, params), .en, zone: zone)
    }
    static func both(_ key: MessageKey, _ params: [String: MessageValue] = [:], zone: ZoneOffset = .hoChiMinh) -> String {
        vi(key, params, zone: zone) + " / " + en(key, params, zone: zone)
    }
    static func both(_ m: Message, zone: ZoneOffset = .hoChiMinh) -> String { Catalogue.bilingual(m, zone: zone) }
}

extension IncidentRecord {
    /// "Đồn Biên phòng … (cấp 1); …" in one language.
    func informedText(_ lang: Language, zone: ZoneOffset) -> String {
        if informed.isEmpty { return Catalogue.render(Message("report.incident.nobody_informed"), lang, zone: zone) }
        return informed.map { i in
            let zero: MessageKey = i.technicians == true ? "report.incident.informed_technicians"
                : i.technicians == false ? "report.incident.informed_at_once" : "report.incident.informed_first"
            return Catalogue.render(i.level == 0 ? Message(zero, ["who": .text(i.name)])
                                                 : Message("report.incident.informed", ["who": .text(i.name), "level": .count(i.level)]), lang, zone: zone)
        }.joined(separator: "; ")
    }

    func takenText(_ lang: Language, zone: ZoneOffset) -> String {
        guard let t = taken else { return Catalogue.render(Message("report.incident.not_taken"), lang, zone: zone) }
        return Catalogue.render(Message("report.incident.taken", ["who": .text(t.by), "time": .text(HumanFormat.tableTime(t.at, zone: zone)),
                                                                      "via": .message(TimelineEvent.channelMessage(t.via))]), lang, zone: zone)
    }

    func actionLines(_ lang: Language, zone: ZoneOffset) -> [String] {
        var out: [String] = []
        if highestLevel > 1 { out.append(Catalogue.render(Message("report.incident.escalated", ["level": .count(highestLevel)]), lang, zone: zone)) }
        for a in actions {
            let m: Message = a.kind == .responder
                ? Message("report.incident.responder", ["name": .text(a.who), "outcome": .text(a.text)])
                : Message("report.incident.note", ["who": .text(a.who), "note": .text(a.text)])
            out.append(HumanFormat.tableTime(a.at, zone: zone) + " " + Catalogue.render(m, lang, zone: zone))
        }
        return out
    }

    func endingText(_ lang: Language, zone: ZoneOffset) -> String {
        guard let e = ending else { return Catalogue.render(Message("report.incident.open"), lang, zone: zone) }
        let time = MessageValue.text(HumanFormat.tableTime(e.at, zone: zone))
        if let by = e.by { return Catalogue.render(Message("report.incident.resolved_by", ["time": time, "who": .text(by), "reason": .text(e.reason)]), lang, zone: zone) }
        return Catalogue.render(Message("report.incident.recovered", ["time": time]), lang, zone: zone)
    }
}

// The incident lifecycle as pure functions on an `Incident` value: notify a level, escalate,
// acknowledge, remind, resolve, add a note, record a responder's outcome. The engine uses them
// in the daemon; `IncidentService` (WatchpostStore) uses the same functions from any process, so
// an acknowledgement from the web server or an email reply behaves exactly like one in the daemon.

/// The result of one lifecycle step.
public struct IncidentStep: Sendable, Hashable {
    public var timeline: [TimelineEvent] = []
    public var notifications: [NotificationRequest] = []
    public init() {}
}

extension Incident {
    /// Every address that has been told about this incident, each once, in the order told.
    public var notifiedRecipients: [NotificationRecipient] {
        // A handful of addresses: a linear scan beats hashing.
        var out: [NotificationRecipient] = []
        out.reserveCapacity(notified.count)
        for n in notified where !out.contains(where: { $0.address == n.recipient.address }) { out.append(n.recipient) }
        return out
    }

    func levelLabel(_ level: Int, _ language: Language = .vi) -> String {
        level == 0 ? (language == .vi ? "tổ kỹ thuật" : "technicians") : String(level)
    }

    /// The template fields for one message (see `TemplatePlaceholders.known`). `ack_link` is left
    /// empty: the mail module signs a link per recipient.
    public func fields(event: NotificationRequest.Event, recipient: NotificationRecipient, action: String, actionEnglish: String, level: Int) -> [String: String] {
        var f = baseFields(action: action, actionEnglish: actionEnglish, level: level, notified: notifiedRecipients)
        f["recipient"] = recipient.displayName
        return f
    }

    func baseFields(action: String, actionEnglish: String, level: Int, notified told: [NotificationRecipient]) -> [String: String] {
        var uniqueNames: [String] = []
        for r in told where !uniqueNames.contains(r.displayName) { uniqueNames.append(r.displayName) }
        var f = [String: String](minimumCapacity: 20)
        f["site"] = siteName; f["site_en"] = siteNameEnglish; f["check"] = key.check
        // A check's name is often "Vietnamese / English": each part in its own language.
        if let cut = checkName.firstRange(of: " / ") {
            f["check_name"] = String(checkName[..<cut.lowerBound]); f["check_name_en"] = String(checkName[cut.upperBound...])
        } else { f["check_name"] = checkName; f["check_name_en"] = checkName }
        // Every text a person reads in two forms: the Vietnamese part and its English translation
        // (docs/glossary.md); times in words in the site's zone, never ISO 8601 or milliseconds.
        let vi = MessageRenderer(language: .vi, zone: zone), en = MessageRenderer(language: .en, zone: zone)
        f["status"] = severity.description; f["status_vi"] = severity.vietnamese; f["value"] = value.map { Readings.text(stored: $0, .vi) } ?? "—"; f["value_en"] = value.map { Readings.text(stored: $0, .en) } ?? "—"
        f["summary"] = vi(summaryText); f["summary_en"] = en(summaryText); f["detail"] = detail ?? "—"
        // The subject is what the incident opened with; older incidents kept only the English line.
        if let opening = subjectText { f["subject"] = vi(opening); f["subject_en"] = en(opening) }
        else { f["subject"] = subject ?? f["summary"]; f["subject_en"] = subject ?? f["summary_en"] }
        if let added = addedFindings, !added.isEmpty { f["added"] = added.keys.sorted().map { "\($0): \(added[$0] ?? "")" }.joined(separator: "; ") }
        f["since"] = HumanFormat.dateTime(since, .vi, zone: zone); f["since_en"] = HumanFormat.dateTime(since, .en, zone: zone)
        f["level"] = levelLabel(level); f["level_en"] = levelLabel(level, .en)
        f["category"] = category == .technical ? "Technical incident" : "Information-security incident"
        f["category_en"] = f["category"]; f["category_short"] = category == .technical ? "kỹ thuật" : "an ninh thông tin"
        f["category_vi"] = category.vietnamese; f["incident"] = "#\(id)"; f["notified"] = uniqueNames.joined(separator: ", ")
        f["action"] = action; f["action_en"] = actionEnglish; f["ack_link"] = ""; f["ack_link_en"] = ""; f["recipient"] = ""
        f["site_short"] = siteName  // the mail composer puts the site's short name here
        return f
    }

    /// Notification requests for one step. `step` makes the key unique per step; the key is
    /// `inc-<id>/<event>/<step>/<address>`, so replaying a step never notifies twice.
    public func requests(_ event: NotificationRequest.Event, step: String, to recipients: [NotificationRecipient], level: Int,
                         action: String, actionEnglish: String, at: Instant, extra: [String: String] = [:],
                         template: String? = nil) -> [NotificationRequest] {
        guard !recipients.isEmpty else { return [] }
        var seen: [String] = []
        var base = baseFields(action: action, actionEnglish: actionEnglish, level: level, notified: notifiedRecipients)
        for (k, v) in extra { base[k] = v }
        let prefix = "inc-\(id)/\(event.rawValue)/\(step)/"
        var out: [NotificationRequest] = []
        out.reserveCapacity(recipients.count)
        for r in recipients where !seen.contains(r.address) {
            seen.append(r.address)
            var f = base
            f["recipient"] = r.displayName
            out.append(NotificationRequest(key: prefix + r.address, event: event, site: key.site, incidentID: id, checkID: key.check, level: level,
                                           recipient: r, template: template ?? event.rawValue, fields: f, createdAt: at))
        }
        return out
    }

    /// Requests whose {action} / {action_en} come from the catalogue (`notice.action.*`),
    /// rendered in the site's zone. `template` names another template than the event's own (a
    /// reopening told for information uses "reopened-informed").
    public func requests(_ event: NotificationRequest.Event, step: String, to recipients: [NotificationRecipient], level: Int,
                         action: Message, at: Instant, extra: [String: String] = [:], template: String? = nil) -> [NotificationRequest] {
        requests(event, step: step, to: recipients, level: level, action: Catalogue.render(action, .vi, zone: zone),
                 actionEnglish: Catalogue.render(action, .en, zone: zone), at: at, extra: extra, template: template)
    }

    /// Readings with the Vietnamese decimal comma ("size 12,5 MB"): a point between two digits
    /// becomes a comma; the English part keeps the point (issue 15, Deliver 2).
    static func vietnameseValue(_ value: String) -> String {
        let chars = Array(value)
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for (i, c) in chars.enumerated() {
            if c == ".", i > 0, i + 1 < chars.count, chars[i - 1].isASCII, chars[i - 1].isNumber, chars[i + 1].isASCII, chars[i + 1].isNumber { out.append(",") } else { out.append(c) }
        }
        return out
    }

    /// Why a person's resolution closed the incident: their note as they wrote it, or the
    /// catalogue's "closed by hand" when they gave none.
    public static func resolutionReason(note: String?) -> Message {
        guard let n = note?.trimmingWhitespace(), !n.isEmpty else { return Message("resolution.reason.by-hand") }
        return .untranslated(n)
    }

    /// The organisation worth naming beside a person: none when it is the person itself (an
    /// organisation acting under its own name), so a notice never says "Sở … (Sở …)".
    static func separateOrganisation(_ by: String, _ organisation: String?) -> String? {
        guard let o = organisation?.trimmingWhitespace(), !o.isEmpty, o != "—", o.lowercased() != by.trimmingWhitespace().lowercased() else { return nil }
        return o
    }

    /// "Name (Organisation)" as a message parameter ("Name" alone when the organisation acted itself).
    static func who(_ by: String, _ organisation: String?) -> MessageValue {
        .message(separateOrganisation(by, organisation).map { Message("notice.who.organisation", ["by": .text(by), "organisation": .text($0)]) }
                 ?? Message("notice.who", ["by": .text(by)]))
    }

    /// The event a notice announces, for "Notice of … queued" lines.
    static func eventName(_ ev: NotificationRequest.Event) -> Message {
        switch ev {
        case .triggered, .escalated, .reopened: return Message(MessageKey("escalation.event." + ev.rawValue))
        default: return Message("escalation.event.other")
        }
    }

    func event(_ kind: String, _ message: Message, at: Instant, actor: String = "engine") -> TimelineEvent {
        TimelineEvent(at: at, site: key.site, checkID: key.check, incidentID: id, kind: kind, actor: actor, message: message)
    }

    /// An event whose text is not yet in the catalogue (shown as is in both languages).
    func event(_ kind: String, _ text: String, at: Instant, actor: String = "engine") -> TimelineEvent {
        event(kind, Message.untranslated(text), at: at, actor: actor)
    }

    func queuedEvent(_ reqs: [NotificationRequest], what: String, at: Instant) -> TimelineEvent? {
        queuedEvent(reqs, what: Message.untranslated(what), at: at)
    }

    /// "Notice of <what> queued for <addresses>"; `what` is a `timeline.what.*` message.
    func queuedEvent(_ reqs: [NotificationRequest], what: Message, at: Instant) -> TimelineEvent? {
        guard !reqs.isEmpty else { return nil }
        return event("notified", Message("timeline.notified", ["what": .message(what), "to": .text(reqs.map(\.recipient.address).joined(separator: ", "))]), at: at)
    }

    // MARK: Notify and escalate

    /// Adds recipients to `notified` (each address once per level).
    mutating func remember(_ recips: [NotificationRecipient], level n: Int) {
        for r in recips where !notified.contains(where: { $0.recipient.address == r.address && $0.level == n }) {
            notified.append(NotifiedRecipient(recipient: r, level: n))
        }
    }

    /// Notifies the incident's entry point as the routing table says: the informed groups at once,
    /// then the entry level (or the technicians only), and sets the next deadline. Outside
    /// operating hours a technical incident that does not threaten the equipment reaches only the
    /// technicians and is held until the next window (`hold = .outsideHours`).
    /// `released`: the incident was held outside hours and the window opened; the technicians
    /// were told when it was held and are not told again.
    public mutating func notifyEntry(policy: EscalationPolicy, event ev: NotificationRequest.Event, at: Instant, inHours: Bool = true,
                                     released: Bool = false) -> IncidentStep {
        let route = policy.route(category: category, severity: severity, inHours: inHours, findings: findingCodes)
        if route.heldUntilOperatingHours {
            var step = IncidentStep()
            hold = .outsideHours
            deadline = nil
            remember(policy.technicians, level: 0)
            step.notifications = requests(ev, step: "r\(round).T", to: policy.technicians, level: 0, action: Message("notice.action.technicians-held"), at: at)
            step.timeline.append(event("held", Message("timeline.held.outside-hours"), at: at))
            if let e = queuedEvent(step.notifications, what: Message("timeline.what.technicians-held", ["event": .message(Self.eventName(ev))]), at: at) {
                step.timeline.append(e)
            }
            return step
        }
        var step = IncidentStep()
        var entryRecipients: [NotificationRecipient] = []
        switch entry {
        case .techniciansOnly: entryRecipients = policy.technicians
        case .level(let n): entryRecipients = policy.level(n)?.recipients(for: category) ?? []
        }
        let informed = route.informedRecipients.filter { r in !entryRecipients.contains { $0.address == r.address } }
        // Everyone told in this step is in `notified` before the messages are made, so the first
        // notice lists who else was informed.
        remember(informed, level: 0)
        switch entry {
        case .techniciansOnly:
            deadline = nil
            if !released {
                remember(policy.technicians, level: 0)
                let reqs = requests(ev, step: "r\(round).T", to: policy.technicians, level: 0, action: Message("notice.action.technicians"), at: at)
                step.notifications = reqs
                if let e = queuedEvent(reqs, what: Message("timeline.what.technicians", ["event": .message(Self.eventName(ev))]), at: at) { step.timeline.append(e) }
            }
        case .level(let n):
            step = notifyLevel(n, policy: policy, event: ev, at: at)
        }
        if !informed.isEmpty {
            // A reopening is told as one to those informed at once (the Department heard "đã khắc
            // phục" a moment ago; issue 14 review s6, defect 1).
            let reopening = ev == .reopened
            let reqs = requests(.informed, step: "r\(round).I", to: informed, level: 0,
                                action: Message(reopening ? "notice.action.reopened-informed" : "notice.action.informed"), at: at,
                                template: reopening ? "reopened-informed" : nil)
            step.notifications += reqs
            step.timeline.append(event("informed", Message("timeline.informed", ["groups": .text(informedNames(informed, route: route))]), at: at))
            if let e = queuedEvent(reqs, what: Message("timeline.what.information"), at: at) { step.timeline.append(e) }
        }
        return step
    }

    /// Notifies level `n` and, for an escalation, tells the earlier levels. `at` is the step's
    /// own time (the original deadline), so the next deadline does not drift when a step fires late.
    public mutating func notifyLevel(_ n: Int, policy: EscalationPolicy, event ev: NotificationRequest.Event, at: Instant, now: Instant? = nil) -> IncidentStep {
        var step = IncidentStep()
        let created = now ?? at
        guard let lvl = policy.level(n) else { deadline = nil; return step }
        let earlier = notifiedRecipients
        let recips = lvl.recipients(for: category)
        let action: Message
        switch ev {
        case .escalated: action = Message("notice.action.escalated", ["level": .count(n)])
        case .reopened: action = Message("notice.action.reopened")
        default: action = Message("notice.action.check")
        }
        remember(recips, level: n)
        let reqs = requests(ev, step: "r\(round).L\(n)", to: recips, level: n, action: action, at: created)
        step.notifications += reqs
        if ev == .escalated {
            let notice = earlier.filter { e in !recips.contains { $0.address == e.address } }
            step.notifications += requests(.escalationNotice, step: "r\(round).L\(n)", to: notice, level: n,
                                           action: Message("notice.action.escalation-notice", ["level": .count(n)]), at: created)
            // The units reached, by name: the chain's id ("tay-trang") tells a reader nothing.
            var units: [String] = []
            for r in recips where !units.contains(r.displayName) { units.append(r.displayName) }
            step.timeline.append(event("escalated", Message("timeline.escalated.units", ["level": .count(n), "units": .text(units.joined(separator: ", "))]), at: at))
        }
        level = n
        setNextDeadline(after: n, policy: policy, from: at)
        let what = ev == .escalated ? Message("timeline.what.escalated-level", ["level": .count(n)])
                                    : Message("timeline.what.level", ["event": .message(Self.eventName(ev)), "level": .count(n)])
        if let e = queuedEvent(step.notifications, what: what, at: created) {
            step.timeline.append(e)
        }
        updatedAt = created
        return step
    }

    /// The next timer after level `n` was notified at `from`: the next level when a timeout is set
    /// and the next level is not one reached by decision only; else a reminder, if any.
    mutating func setNextDeadline(after n: Int, policy: EscalationPolicy, from: Instant) {
        guard let lvl = policy.level(n) else { deadline = nil; return }
        if n < policy.levels.count, let t = lvl.timeout, policy.level(n + 1)?.byDecision == false {
            deadline = EscalationDeadline(at: from + t, kind: .escalate, level: n + 1)
        } else if let r = lvl.reminder {
            deadline = EscalationDeadline(at: from + r, kind: .reminder, level: n)
        } else {
            deadline = nil
        }
    }

    /// Fires the due deadline (the caller checked `deadline.at <= now`). Reminders missed while
    /// the daemon was down collapse into one: the next one is timed from `now`.
    public mutating func fireDeadline(policy: EscalationPolicy, now: Instant) -> IncidentStep {
        guard let d = deadline else { return IncidentStep() }
        switch d.kind {
        case .escalate:
            if policy.level(d.level)?.byDecision == true { deadline = nil; return IncidentStep() }
            return notifyLevel(d.level, policy: policy, event: .escalated, at: d.at, now: now)
        case .reminder:
            reminders += 1
            var step = IncidentStep()
            let lvl = policy.level(d.level)
            let recips = lvl?.recipients(for: category) ?? []
            step.notifications = requests(.reminder, step: "r\(round).n\(reminders)", to: recips, level: d.level,
                                          action: Message("notice.action.reminder"), at: now)
            step.timeline.append(event("reminder", Message("timeline.reminder", ["count": .count(reminders), "level": .count(d.level)]), at: d.at))
            deadline = lvl?.reminder.map { r in
                var next = d.at + r
                if next <= now { next = now + r }
                return EscalationDeadline(at: next, kind: .reminder, level: d.level)
            }
            updatedAt = now
            return step
        case .ackTimeout:
            var step = IncidentStep()
            state = .triggered
            round += 1
            step.timeline.append(event("ack-expired", Message("timeline.ack-expired", ["by": .text(acknowledgement?.by ?? "?"), "after": .duration(ackTimeout ?? .zero)]), at: d.at))
            // Never to a level reached only by decision.
            let lastByTimer = policy.levels.last(where: { !$0.byDecision })?.number ?? 1
            let next = min(max(level + 1, 1), lastByTimer)
            let s = notifyLevel(next, policy: policy, event: .escalated, at: d.at, now: now)
            step.timeline += s.timeline
            step.notifications += s.notifications
            return step
        }
    }

    /// The severity of an open incident rose (UPS warning → low battery): announced as such to
    /// everyone told so far, and to a level the new severity enters at that was not told yet —
    /// never as a missed deadline.
    public mutating func raiseSeverity(to status: CheckStatus, summary newSummary: String, text newText: Message? = nil, policy: EscalationPolicy, at: Instant, inHours: Bool) -> IncidentStep {
        var step = IncidentStep()
        let before = severity
        severity = status
        summary = newSummary
        if let newText { text = newText }
        updatedAt = at
        step.timeline.append(event("severity", Message("timeline.severity", ["from": .message(before.message), "to": .message(status.message)]), at: at))
        guard status > before, hold == nil else { return step }
        let earlier = notifiedRecipients
        let newEntry = policy.entry(category: category, severity: status)
        var newly: [NotificationRecipient] = []
        var newLevel = level
        if state == .triggered, case .level(let n) = newEntry, n > 0, (level == 0 || n < level || entry == .techniciansOnly) {
            entry = newEntry
            newly = policy.level(n)?.recipients(for: category) ?? []
            newLevel = max(level, n)
        }
        let route = policy.route(category: category, severity: status, inHours: inHours, findings: findingCodes)
        for r in route.informedRecipients where !newly.contains(where: { $0.address == r.address }) { newly.append(r) }
        newly = newly.filter { r in !earlier.contains { $0.address == r.address } }
        remember(newly, level: newLevel)
        let raised = Message("notice.action.severity-raised", ["from": .message(before.message), "to": .message(status.message), "summary": .message(newText ?? .untranslated(newSummary))])
        step.notifications = requests(.severityRaised, step: "r\(round).s\(at.milliseconds)", to: earlier + newly, level: newLevel, action: raised, at: at)
        if newLevel != level {
            level = newLevel
            setNextDeadline(after: newLevel, policy: policy, from: at)
        }
        if let e = queuedEvent(step.notifications, what: Message("timeline.what.severity-raised"), at: at) { step.timeline.append(e) }
        return step
    }

    /// A Department user puts the incident to the Provincial People's Committee (Tây Trang 7.1.3,
    /// last paragraph: "Trường hợp vượt thẩm quyền, báo cáo và đề xuất phương án xử lý cho Ủy ban
    /// nhân dân tỉnh"). The Committee gets one message naming who and why; everyone told so far
    /// hears of it. A second decision on the same incident is refused.
    public mutating func escalateByDecision(to lvl: EscalationLevel, by: String, organisation: String?, via: String, note: String, at: Instant) throws(WatchpostError) -> IncidentStep {
        guard state != .resolved else { throw WatchpostError(.usage, "incident #\(id) is already resolved", hint: "nothing to escalate") }
        let trimmed = note.trimmingWhitespace()
        guard !trimmed.isEmpty else {
            throw WatchpostError(.usage, "a decision to put incident #\(id) to the Committee needs a note saying why",
                                 hint: "add --note \"lý do / reason\"")
        }
        if (decisions ?? []).contains(where: { $0.to == "committee" }) {
            throw WatchpostError(.usage, "incident #\(id) was already put to the Provincial People's Committee", hint: "add a comment instead")
        }
        let recips = lvl.recipients(for: category)
        guard !recips.isEmpty else { throw WatchpostError(.configuration, "the chain's decision level \(lvl.number) has no recipient with an email address") }
        var step = IncidentStep()
        let channel = ActionChannel(via: via)
        decisions = (decisions ?? []) + [IncidentDecision(to: "committee", by: by, organisation: organisation, via: channel.rawValue, note: trimmed, at: at)]
        let earlier = notifiedRecipients.filter { e in !recips.contains { $0.address == e.address } }
        remember(recips, level: lvl.number)
        level = max(level, lvl.number)
        // A timer still running towards a lower level (the Department's "not acknowledged in 15
        // minutes") is moot once the Department itself has put the matter higher: left in place it
        // fired later, set the level back to 2 and mailed the Committee again as if new.
        if let d = deadline, d.kind == .escalate, d.level <= lvl.number { deadline = nil }
        updatedAt = at
        var person = personFields(by: by, organisation: organisation, channel: channel, note: trimmed, at: at)
        person["decision"] = trimmed
        let who = Self.who(by, organisation)
        let action = Message("notice.action.committee", ["who": who, "note": .text(trimmed)])
        step.notifications = requests(.committeeEscalation, step: "d\((decisions ?? []).count)", to: recips, level: lvl.number,
                                      action: action, at: at, extra: person)
        step.notifications += requests(.escalationNotice, step: "d\((decisions ?? []).count)", to: earlier, level: lvl.number,
                                       action: action, at: at, extra: person)
        step.timeline.append(event("escalated-by-decision", Message("timeline.escalated-by-decision", ["who": who, "level": .count(lvl.number),
                                                                                                       "via": .message(channel.message), "note": .text(trimmed)]),
                                   at: at, actor: by))
        if let e = queuedEvent(step.notifications, what: Message("timeline.what.decision"), at: at) { step.timeline.append(e) }
        return step
    }

    /// The person fields of a notice: who, their organisation, the channel, the time and the note.
    func personFields(by: String, organisation: String?, channel: ActionChannel, note: String?, at: Instant) -> [String: String] {
        let org = Self.separateOrganisation(by, organisation)
        let given = (note?.trimmingWhitespace()).flatMap { $0.isEmpty ? nil : $0 }
        return [
            // {{who}}: "Organisation (Name)", or the one name when an organisation acted itself.
            "by": by, "by_org": organisation ?? "—", "who": org.map { "\($0) (\(by))" } ?? by, "who_en": org.map { "\($0) (\(by))" } ?? by, "via": channel.vietnamese, "via_en": channel.english,
            // Each part in its own language: "(không có)" in the Vietnamese part, "(none)" in the English one.
            "note": given ?? Catalogue.render(Message("notice.note.none"), .vi, zone: zone),
            "note_en": given ?? Catalogue.render(Message("notice.note.none"), .en, zone: zone),
            "time": HumanFormat.dateTime(at, .vi, zone: zone), "time_en": HumanFormat.dateTime(at, .en, zone: zone),
        ]
    }

    // MARK: Acknowledge, resolve, note

    /// Stops escalation and tells every level already notified (who, their organisation, when,
    /// how, with what note). Informed groups are told too: an acknowledgement never silences
    /// them. An acknowledgement expires after `ackTimeout` (PagerDuty): then it escalates again.
    public mutating func acknowledge(by: String, via: String, note: String?, from: String?, at: Instant, organisation: String? = nil) throws(WatchpostError) -> IncidentStep {
        guard state != .resolved else {
            throw WatchpostError(.usage, "incident #\(id) is already resolved", hint: "nothing to acknowledge")
        }
        var step = IncidentStep()
        acknowledgements += 1
        state = .acknowledged
        acknowledgement = Acknowledgement(by: by, via: via, note: note, from: from, at: at, level: level, organisation: organisation)
        deadline = ackTimeout.map { EscalationDeadline(at: at + $0, kind: .ackTimeout, level: level) }
        updatedAt = at
        let channel = ActionChannel(via: via)
        let who = Self.who(by, organisation)
        // English keeps the channel's own word (link, web, cli), as the audit trail always had it.
        var params: [String: MessageValue] = ["who": who, "via": .bilingual(vi: channel.vietnamese, en: via),
                                              "from": .message(from.map { Message("timeline.from", ["address": .text($0)]) } ?? Message("text.untranslated", ["text": ""]))]
        if let note { params["note"] = .text(note) }
        step.timeline.append(event("acknowledged", Message(note == nil ? "timeline.acknowledged.by" : "timeline.acknowledged.by.note", params), at: at, actor: by))
        var action: [String: MessageValue] = ["who": who, "time": .instant(at), "via": .message(channel.message)]
        if let note { action["note"] = .text(note) }
        step.notifications = requests(.acknowledged, step: "a\(acknowledgements)", to: notifiedRecipients, level: level,
                                      action: Message(note == nil ? "notice.action.acknowledged" : "notice.action.acknowledged.note", action), at: at,
                                      extra: personFields(by: by, organisation: organisation, channel: channel, note: note, at: at))
        if let e = queuedEvent(step.notifications, what: Message("timeline.what.acknowledgement"), at: at) { step.timeline.append(e) }
        return step
    }

    /// Resolves the incident and tells everyone who was notified what was resolved, by whom, how.
    /// What was resolved is the finding's catalogue message and `reason` a catalogue message too
    /// (issue 15): the English one-line summary and probe words never become the Vietnamese sentence.
    public mutating func resolve(by: String, reason: Message, at: Instant, via: String = "engine", organisation: String? = nil, note: String? = nil) -> IncidentStep {
        var step = IncidentStep()
        guard state != .resolved else { return step }
        state = .resolved
        resolvedAt = at
        deadline = nil
        hold = nil
        updatedAt = at
        let what = subjectText ?? summaryText
        let actor = TimelineEvent.actorMessage(by)
        let automatic = via == "engine"
        var told: [String: MessageValue] = ["by": .message(actor), "reason": .message(reason), "what": .message(what)]
        if !automatic { told["via"] = .message(ActionChannel(via: via).message) }
        step.timeline.append(event("resolved", Message(automatic ? "timeline.resolved.what" : "timeline.resolved.what.via", told), at: at, actor: by))
        var person = personFields(by: by, organisation: organisation, channel: automatic ? .cli : ActionChannel(via: via), note: note, at: at)
        if automatic {
            person["via"] = Catalogue.render(Message("notice.via.automatic"), .vi, zone: zone)
            person["via_en"] = Catalogue.render(Message("notice.via.automatic"), .en, zone: zone)
        }
        if by == "engine" || by.hasPrefix("responder:") {
            person["who"] = Catalogue.render(actor, .vi, zone: zone); person["who_en"] = Catalogue.render(actor, .en, zone: zone)
        }
        person["resolved_what"] = Catalogue.render(what, .vi, zone: zone)
        person["resolved_what_en"] = Catalogue.render(what, .en, zone: zone)
        person["reason"] = Catalogue.render(reason, .vi, zone: zone)
        person["reason_en"] = Catalogue.render(reason, .en, zone: zone)
        step.notifications = requests(.resolved, step: "r\(round)", to: notifiedRecipients, level: level,
                                      action: Message("notice.action.resolved", ["what": .message(what), "reason": .message(reason)]), at: at, extra: person)
        if let e = queuedEvent(step.notifications, what: Message("timeline.what.resolution"), at: at) { step.timeline.append(e) }
        return step
    }

    /// A comment: on the timeline, and told to everyone notified (who, organisation, channel,
    /// note) — except the commenter's own body, which wrote it (the Committee was mailed its own
    /// comment): addresses of the same organisation, and, for a Committee user (`roles`), the
    /// Committee's addresses (one body per site holds that role; a web account may carry only
    /// the role's label as its organisation).
    public func comment(by: String, organisation: String?, via: String, text: String, at: Instant, roles: [PartyRole] = []) -> IncidentStep {
        var step = IncidentStep()
        let who = Self.who(by, organisation)
        let channel = ActionChannel(via: via)
        step.timeline.append(event("note", Message("timeline.comment", ["who": who, "via": .message(channel.message), "text": .text(text)]), at: at, actor: by))
        let own = (organisation ?? by).trimmingWhitespace().lowercased()
        let committee = roles == [.committee]
        let others = notifiedRecipients.filter { r in
            if (r.organisation ?? r.displayName).trimmingWhitespace().lowercased() == own { return false }
            if committee, let rr = r.roles, rr == [.committee] { return false }
            return true
        }
        step.notifications = requests(.comment, step: "c\(at.milliseconds)", to: others, level: level,
                                      action: Message("notice.action.comment", ["who": who, "text": .text(text)]), at: at,
                                      extra: personFields(by: by, organisation: organisation, channel: channel, note: text, at: at))
        return step
    }

    public func note(by: String, text: String, at: Instant) -> IncidentStep {
        var step = IncidentStep()
        step.timeline.append(event("note", Message("timeline.note", ["text": .text(text)]), at: at, actor: by))
        return step
    }

    /// Records a responder's outcome; a failure is an incident event told to those notified.
    public mutating func responderFinished(_ name: String, succeeded: Bool, outcome: String, at: Instant) -> IncidentStep {
        var step = IncidentStep()
        updatedAt = at
        if succeeded {
            step.timeline.append(event("responder-succeeded", Message("timeline.responder-succeeded", ["name": .text(name), "outcome": .text(outcome)]), at: at, actor: "responder:\(name)"))
        } else {
            step.timeline.append(event("responder-failed", Message("timeline.responder-failed", ["name": .text(name), "outcome": .text(outcome)]), at: at, actor: "responder:\(name)"))
            step.notifications = requests(.responderFailed, step: name, to: notifiedRecipients, level: level,
                                          action: Message("notice.action.responder-failed", ["name": .text(name), "outcome": .text(outcome)]), at: at)
        }
        return step
    }
}

/// Who an informed group reached, by name ("Sở Thông tin và Truyền thông tỉnh Điện Biên"), each once:
/// the group's own name is a configuration word ("department") no reader knows.
func informedNames(_ recipients: [NotificationRecipient], route: Route) -> String {
    var names: [String] = []
    for r in recipients {
        let name = r.organisation ?? r.displayName
        if !names.contains(name) { names.append(name) }
    }
    return names.isEmpty ? route.informed.map(\.name).joined(separator: ", ") : names.joined(separator: ", ")
}

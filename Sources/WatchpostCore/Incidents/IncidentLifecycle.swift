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

    func levelLabel(_ level: Int) -> String { level == 0 ? "kỹ thuật / technicians" : String(level) }

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
        f["site"] = siteName; f["site_en"] = siteNameEnglish; f["check"] = key.check; f["check_name"] = checkName
        f["status"] = severity.description; f["status_vi"] = severity.vietnamese; f["value"] = ""; f["summary"] = summary
        f["since"] = zone.format(since); f["level"] = levelLabel(level)
        f["category"] = category == .technical ? "Technical incident" : "Information-security incident"
        f["category_vi"] = category.vietnamese; f["incident"] = "#\(id)"; f["notified"] = uniqueNames.joined(separator: ", ")
        f["action"] = action; f["action_en"] = actionEnglish; f["ack_link"] = ""; f["recipient"] = ""
        return f
    }

    /// Notification requests for one step. `step` makes the key unique per step; the key is
    /// `inc-<id>/<event>/<step>/<address>`, so replaying a step never notifies twice.
    public func requests(_ event: NotificationRequest.Event, step: String, to recipients: [NotificationRecipient], level: Int,
                         action: String, actionEnglish: String, at: Instant) -> [NotificationRequest] {
        guard !recipients.isEmpty else { return [] }
        var seen: [String] = []
        let base = baseFields(action: action, actionEnglish: actionEnglish, level: level, notified: notifiedRecipients)
        let prefix = "inc-\(id)/\(event.rawValue)/\(step)/"
        var out: [NotificationRequest] = []
        out.reserveCapacity(recipients.count)
        for r in recipients where !seen.contains(r.address) {
            seen.append(r.address)
            var f = base
            f["recipient"] = r.displayName
            out.append(NotificationRequest(key: prefix + r.address, event: event, site: key.site, incidentID: id, checkID: key.check, level: level,
                                           recipient: r, template: event.rawValue, fields: f, createdAt: at))
        }
        return out
    }

    func event(_ kind: String, _ text: String, at: Instant, actor: String = "engine") -> TimelineEvent {
        TimelineEvent(at: at, site: key.site, checkID: key.check, incidentID: id, kind: kind, actor: actor, text: text)
    }

    func queuedEvent(_ reqs: [NotificationRequest], what: String, at: Instant) -> TimelineEvent? {
        guard !reqs.isEmpty else { return nil }
        return event("notified", "\(what) queued for \(reqs.map(\.recipient.address).joined(separator: ", "))", at: at)
    }

    // MARK: Notify and escalate

    /// Notifies the incident's entry point (a level, or technicians only) and sets the next deadline.
    public mutating func notifyEntry(policy: EscalationPolicy, event ev: NotificationRequest.Event, at: Instant) -> IncidentStep {
        switch entry {
        case .techniciansOnly:
            var step = IncidentStep()
            let reqs = requests(ev, step: "r\(round).T", to: policy.technicians, level: 0,
                                action: "Kỹ thuật viên kiểm tra và khắc phục", actionEnglish: "Technicians: check and repair", at: at)
            for r in policy.technicians where !notified.contains(where: { $0.recipient.address == r.address }) {
                notified.append(NotifiedRecipient(recipient: r, level: 0))
            }
            deadline = nil
            if let e = queuedEvent(reqs, what: "\(ev.rawValue) (technicians only, no escalation)", at: at) { step.timeline.append(e) }
            step.notifications = reqs
            return step
        case .level(let n):
            return notifyLevel(n, policy: policy, event: ev, at: at)
        }
    }

    /// Notifies level `n` and, for an escalation, tells the earlier levels. `at` is the step's
    /// own time (the original deadline), so the next deadline does not drift when a step fires late.
    public mutating func notifyLevel(_ n: Int, policy: EscalationPolicy, event ev: NotificationRequest.Event, at: Instant, now: Instant? = nil) -> IncidentStep {
        var step = IncidentStep()
        let created = now ?? at
        guard let lvl = policy.level(n) else { deadline = nil; return step }
        let earlier = notifiedRecipients
        let recips = lvl.recipients + (category == .technical ? lvl.technicalRecipients : [])
        let (action, actionEn): (String, String)
        switch ev {
        case .escalated: (action, actionEn) = ("Sự cố chưa được xác nhận đúng hạn, đã chuyển lên cấp \(n): đề nghị xử lý và xác nhận",
                                              "Not acknowledged in time, escalated to level \(n): please act and acknowledge")
        case .reopened: (action, actionEn) = ("Sự cố tái diễn: kiểm tra và xác nhận", "The problem is back: check and acknowledge")
        default: (action, actionEn) = ("Kiểm tra và xác nhận đã nhận sự cố", "Check the site and acknowledge this incident")
        }
        let reqs = requests(ev, step: "r\(round).L\(n)", to: recips, level: n, action: action, actionEnglish: actionEn, at: created)
        step.notifications += reqs
        if ev == .escalated {
            let notice = earlier.filter { e in !recips.contains { $0.address == e.address } }
            step.notifications += requests(.escalationNotice, step: "r\(round).L\(n)", to: notice, level: n,
                                           action: "Sự cố đã được báo lên cấp \(n)", actionEnglish: "The incident was escalated to level \(n)", at: created)
            step.timeline.append(event("escalated", "escalated to level \(n) (\(policy.name))", at: at))
        }
        for r in recips where !notified.contains(where: { $0.recipient.address == r.address && $0.level == n }) {
            notified.append(NotifiedRecipient(recipient: r, level: n))
        }
        level = n
        if n < policy.levels.count, let t = lvl.timeout {
            deadline = EscalationDeadline(at: at + t, kind: .escalate, level: n + 1)
        } else if let r = lvl.reminder {
            deadline = EscalationDeadline(at: at + r, kind: .reminder, level: n)
        } else {
            deadline = nil
        }
        if let e = queuedEvent(step.notifications, what: "\(ev.rawValue) level \(n)", at: created) { step.timeline.append(e) }
        updatedAt = created
        return step
    }

    /// Fires the due deadline (the caller checked `deadline.at <= now`).
    public mutating func fireDeadline(policy: EscalationPolicy, now: Instant) -> IncidentStep {
        guard let d = deadline else { return IncidentStep() }
        switch d.kind {
        case .escalate:
            return notifyLevel(d.level, policy: policy, event: .escalated, at: d.at, now: now)
        case .reminder:
            reminders += 1
            var step = IncidentStep()
            let lvl = policy.level(d.level)
            let recips = (lvl?.recipients ?? []) + (category == .technical ? lvl?.technicalRecipients ?? [] : [])
            step.notifications = requests(.reminder, step: "r\(round).n\(reminders)", to: recips, level: d.level,
                                          action: "Nhắc lại: sự cố vẫn chưa được xác nhận", actionEnglish: "Reminder: still not acknowledged", at: now)
            step.timeline.append(event("reminder", "reminder \(reminders) to level \(d.level)", at: d.at))
            deadline = lvl?.reminder.map { EscalationDeadline(at: d.at + $0, kind: .reminder, level: d.level) }
            updatedAt = now
            return step
        case .ackTimeout:
            var step = IncidentStep()
            state = .triggered
            round += 1
            step.timeline.append(event("ack-expired", "acknowledgement by \(acknowledgement?.by ?? "?") expired after \(ackTimeout ?? .zero) without resolution", at: d.at))
            let next = min(max(level + 1, 1), max(policy.levels.count, 1))
            let s = notifyLevel(next, policy: policy, event: .escalated, at: d.at, now: now)
            step.timeline += s.timeline
            step.notifications += s.notifications
            return step
        }
    }

    // MARK: Acknowledge, resolve, note

    /// Stops escalation and tells every level already notified (who, when, with what note). An
    /// acknowledgement expires after `ackTimeout` (PagerDuty): then the incident escalates again.
    public mutating func acknowledge(by: String, via: String, note: String?, from: String?, at: Instant) throws(WatchpostError) -> IncidentStep {
        guard state != .resolved else {
            throw WatchpostError(.usage, "incident #\(id) is already resolved", hint: "nothing to acknowledge")
        }
        var step = IncidentStep()
        acknowledgements += 1
        state = .acknowledged
        acknowledgement = Acknowledgement(by: by, via: via, note: note, from: from, at: at, level: level)
        deadline = ackTimeout.map { EscalationDeadline(at: at + $0, kind: .ackTimeout, level: level) }
        updatedAt = at
        let noteText = note.map { ": \($0)" } ?? ""
        step.timeline.append(event("acknowledged", "acknowledged by \(by) via \(via)\(from.map { " from \($0)" } ?? "")\(noteText)", at: at, actor: by))
        let whenText = zone.format(at)
        step.notifications = requests(.acknowledged, step: "a\(acknowledgements)", to: notifiedRecipients, level: level,
                                      action: "\(by) đã xác nhận lúc \(whenText) (\(via))\(noteText)",
                                      actionEnglish: "Acknowledged by \(by) at \(whenText) (\(via))\(noteText)", at: at)
        if let e = queuedEvent(step.notifications, what: "acknowledgement", at: at) { step.timeline.append(e) }
        return step
    }

    /// Resolves the incident and tells everyone who was notified.
    public mutating func resolve(by: String, reason: String, at: Instant) -> IncidentStep {
        var step = IncidentStep()
        guard state != .resolved else { return step }
        state = .resolved
        resolvedAt = at
        deadline = nil
        hold = nil
        updatedAt = at
        step.timeline.append(event("resolved", "resolved by \(by): \(reason)", at: at, actor: by))
        step.notifications = requests(.resolved, step: "r\(round)", to: notifiedRecipients, level: level,
                                      action: "Đã khắc phục: \(reason)", actionEnglish: "Resolved: \(reason)", at: at)
        if let e = queuedEvent(step.notifications, what: "resolution", at: at) { step.timeline.append(e) }
        return step
    }

    public func note(by: String, text: String, at: Instant) -> IncidentStep {
        var step = IncidentStep()
        step.timeline.append(event("note", text, at: at, actor: by))
        return step
    }

    /// Records a responder's outcome; a failure is an incident event told to those notified.
    public mutating func responderFinished(_ name: String, succeeded: Bool, outcome: String, at: Instant) -> IncidentStep {
        var step = IncidentStep()
        updatedAt = at
        if succeeded {
            step.timeline.append(event("responder-succeeded", "\(name): \(outcome)", at: at, actor: "responder:\(name)"))
        } else {
            step.timeline.append(event("responder-failed", "\(name): \(outcome)", at: at, actor: "responder:\(name)"))
            step.notifications = requests(.responderFailed, step: name, to: notifiedRecipients, level: level,
                                          action: "Tác vụ tự động \(name) thất bại: \(outcome)",
                                          actionEnglish: "Automatic action \(name) failed: \(outcome)", at: at)
        }
        return step
    }
}

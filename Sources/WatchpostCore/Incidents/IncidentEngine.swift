// The incident engine: check results in; state changes, incidents, timeline events, notification
// requests and responder invocations out — as values. Pure: no I/O, and time comes only from the
// results and from the `now` the caller passes to `tick`. The daemon persists each step's output
// in one transaction (WatchpostStore) before anything leaves the box.

public struct IncidentEngine: Sendable {
    public private(set) var settings: EngineSettings
    var specs: [CheckSpec] = []
    var siteIndexOfCheck: [Int] = []
    /// What `observe` needs per check, without reference-counted fields (it runs for every result).
    struct HotSpec { var failAfter: Int; var recoverAfter: Int; var followsSchedule: Bool; var flapping: FlappingPolicy; var site: Int; var power: Bool; var rules: Bool }
    var hot: [HotSpec] = []
    var lastPrune = Instant(milliseconds: 0)
    var siteHasResponders: [Bool] = []
    var index: [CheckKey: Int] = [:]
    public private(set) var trackers: [CheckTracker] = []
    var children: [[Int]] = []          // parent → dependent checks
    var explained: [[Int]] = []         // power check → checks it explains
    var powerOfSite: [Int?] = []        // site index → power check index
    var siteIndex: [String: Int] = [:]
    /// Open incidents and those resolved recently enough to be reopened.
    public private(set) var incidents: [Int64: Incident] = [:]
    var openByCheck: [CheckKey: Int64] = [:]
    var lastByCheck: [CheckKey: Int64] = [:]
    /// Indexes kept by `store` so that `tick` never scans (or copies) every incident.
    var deadlines: [Int64: Instant] = [:]
    var heldByMaintenance: Set<Int64> = []
    /// Technical incidents waiting for the next operating window.
    var heldOutsideHours: Set<Int64> = []
    /// Checks whose open incident's overdue deadlines wait for a fresh failing result (after a
    /// restart: a problem that cleared while the daemon was down is never escalated).
    public private(set) var awaitingFreshResult: Set<CheckKey> = []
    var resolvedAt: [Int64: Instant] = [:]
    public var nextIncidentID: Int64 = 1
    /// Ad-hoc windows (from the database); profile windows come with the settings.
    public private(set) var adHocMaintenance: [MaintenanceWindow] = []

    public init(settings: EngineSettings) {
        self.settings = settings
        rebuild(keeping: [:])
    }

    /// Swaps in a new configuration (SIGHUP). Trackers of unchanged checks keep their state.
    public mutating func reconfigure(_ s: EngineSettings) {
        var old: [CheckKey: CheckTracker] = [:]
        for (k, i) in index { old[k] = trackers[i] }
        settings = s
        rebuild(keeping: old)
        // A check new to the engine (added, or put back) whose incident is still open has seen no
        // result yet: it resumes hard-failed, as at the first load (later loads keep trackers).
        for (key, id) in openByCheck where old[key] == nil {
            if let i = index[key], let inc = incidents[id] { resume(i, from: inc) }
        }
    }

    /// A check whose tracker has seen no result, with an open incident: hard-failed at the
    /// incident's severity, so that its next OK results resolve it.
    mutating func resume(_ i: Int, from inc: Incident) {
        guard !trackers[i].hardStatus.isProblem else { return }
        trackers[i].hardStatus = inc.severity
        trackers[i].lastStatus = inc.severity
        trackers[i].failStreak = specs[i].failAfter
        trackers[i].okStreak = 0
    }

    mutating func rebuild(keeping old: [CheckKey: CheckTracker]) {
        specs = []; siteIndexOfCheck = []; index = [:]; trackers = []; siteIndex = [:]; hot = []
        for (si, site) in settings.sites.enumerated() {
            siteIndex[site.id] = si
            for c in site.checks {
                index[c.key] = specs.count
                specs.append(c)
                siteIndexOfCheck.append(si)
                hot.append(HotSpec(failAfter: c.failAfter, recoverAfter: c.recoverAfter, followsSchedule: c.followsSchedule, flapping: c.flapping, site: si,
                                   power: c.isPowerSource, rules: !site.escalation.findingRules.isEmpty))
                trackers.append(old[c.key] ?? CheckTracker())
            }
        }
        siteHasResponders = settings.sites.map { !$0.responders.isEmpty }
        children = Array(repeating: [], count: specs.count)
        explained = Array(repeating: [], count: specs.count)
        powerOfSite = Array(repeating: nil, count: settings.sites.count)
        for (i, c) in specs.enumerated() {
            for p in c.dependsOn { if let pi = index[CheckKey(site: c.key.site, check: p)] { children[pi].append(i) } }
            if c.isPowerSource { powerOfSite[siteIndexOfCheck[i]] = i }
        }
        for (i, c) in specs.enumerated() where c.explainedByPower {
            if let p = powerOfSite[siteIndexOfCheck[i]], p != i { explained[p].append(i) }
        }
    }

    public func checkIndex(_ key: CheckKey) -> Int? { index[key] }
    public func tracker(_ key: CheckKey) -> CheckTracker? { index[key].map { trackers[$0] } }
    public var openIncidents: [Incident] { incidents.values.filter(\.isOpen).sorted { $0.id < $1.id } }
    public func openIncident(for key: CheckKey) -> Incident? { openByCheck[key].flatMap { incidents[$0] } }

    // MARK: - Loading persisted state

    /// Replaces the engine's incidents (and ad-hoc windows) with those read from the database:
    /// used at start and whenever another process changed them (an acknowledgement from the web
    /// server, `watchpost maintenance start`).
    /// `resumingChecks`: the engine's checks have seen no result yet (the daemon's first load):
    /// checks with an open incident resume hard-failed. On a later load the trackers hold what
    /// the results said and are kept: forced back to failing, a check whose OK result had just
    /// been observed (and whose incident that result then resolved) stayed "failing", and the
    /// next problem result changed nothing — an unapproved play after one OK interval was
    /// neither reopened nor blacked out (s7 follow-up of #16: a responder's outcome had moved
    /// the database's revision between the two).
    public mutating func load(incidents list: [Incident], maintenance: [MaintenanceWindow], nextID: Int64, resumingChecks: Bool = true) {
        let before = openByCheck
        incidents = [:]; openByCheck = [:]; lastByCheck = [:]; deadlines = [:]; heldByMaintenance = []; heldOutsideHours = []; resolvedAt = [:]
        for inc in list.sorted(by: { $0.id < $1.id }) { index(inc) }
        adHocMaintenance = maintenance
        nextIncidentID = max(nextIncidentID, nextID)
        for (key, id) in openByCheck {
            guard let i = index[key], let inc = incidents[id] else { continue }
            if resumingChecks { resume(i, from: inc) }
            if inc.hold == .flapping { trackers[i].flapping = true }
        }
        // An incident resolved by another process while its check is still failing: count afresh,
        // so that a problem that persists opens (reopens) it again after fail_after results.
        for (key, _) in before where openByCheck[key] == nil {
            if let i = index[key], trackers[i].hardStatus.isProblem {
                trackers[i].hardStatus = .ok
                trackers[i].failStreak = 0
            }
        }
    }

    /// After a restart: open incidents whose deadline is already due (missed while the daemon was
    /// down) wait for a fresh failing result of their check before anything is escalated; a check
    /// that recovered meanwhile resolves them instead. Returns the checks concerned.
    @discardableResult
    public mutating func requireFreshResults(now: Instant) -> [CheckKey] {
        for (id, at) in deadlines where at <= now {
            if let inc = incidents[id] { awaitingFreshResult.insert(inc.key) }
        }
        return awaitingFreshResult.sorted()
    }

    /// Whether a maintenance window is open for a check now (told to its probe, so that a change
    /// made during maintenance is accepted as the new state).
    public func inMaintenance(_ key: CheckKey, at t: Instant) -> Bool {
        maintenanceWindow(for: key, category: .technical, at: t) != nil || maintenanceWindow(for: key, category: .security, at: t) != nil
    }

    /// Applies the site's finding rules (category and raised severity) to a result.
    func classified(_ r: CheckResult, site: Int) -> CheckResult {
        settings.sites[site].escalation.classify(r) ?? r
    }

    /// Restores a check's soft state after a restart (from the stored check state): a check that
    /// had failed `attempts` times without becoming hard continues counting from there.
    public mutating func restoreSoftState(_ key: CheckKey, status: CheckStatus, hard: Bool, attempts: Int) {
        guard let i = index[key], !trackers[i].hardStatus.isProblem, status.isProblem, !hard else { return }
        trackers[i].lastStatus = status
        trackers[i].failStreak = min(attempts, max(0, specs[i].failAfter - 1))
        trackers[i].okStreak = 0
    }

    // MARK: - Results

    /// Runs one result through the check's state machine. Cheap and allocation-free unless the
    /// result changes something; returns nil when no incident logic needs to run.
    public mutating func observe(_ result: CheckResult, check i: Int) -> Observation? {
        let h = hot[i]
        var status = result.status
        if h.followsSchedule, !result.findings.isEmpty {
            if let judged = OperatingHoursJudge.judge(result, scheduledOn: settings.sites[h.site].schedule.isOn(at: result.startedAt)) { status = judged.status }
        }
        if h.rules, !result.findings.isEmpty, let c = settings.sites[h.site].escalation.classify(result), c.status > status { status = c.status }
        if !awaitingFreshResult.isEmpty, status.isProblem { awaitingFreshResult.remove(specs[i].key) }
        var o = trackers[i].observe(status, failAfter: h.failAfter, recoverAfter: h.recoverAfter, flapping: h.flapping)
        if h.power {
            let down = PowerFindings.isDown(result, status: status)
            if trackers[i].powerDown && !down { o.becameUp = true }
            trackers[i].powerDown = down
        }
        if !o.isEmpty { return o }
        // Folded into the power incident, and now failing in a way power does not explain
        // (smoke while on battery): the engine must see it.
        if trackers[i].folded, status.isProblem, !PowerFindings.explains(result) { return o }
        guard status.isProblem, let id = openByCheck[specs[i].key], let inc = incidents[id] else { return nil }
        // A still-failing check whose findings changed (an LED wall's list of failing cards)
        // keeps its open incident's summary current.
        if inc.summary != result.summary { return o }
        // A result with new findings on an open incident may trigger a responder.
        if siteHasResponders[h.site], inc.responders.count < settings.sites[h.site].responders.count { return o }
        // A finding of another kind is added to the incident as a line of its own.
        for f in result.findings where f.status.isProblem && !inc.findingCodes.contains(f.code) && inc.addedFindings?[f.code] == nil { return o }
        return nil
    }

    /// The whole step for one result: observe, then decide.
    public mutating func handle(_ result: CheckResult, for key: CheckKey) -> EngineOutput {
        guard let i = index[key] else { return EngineOutput() }
        guard let o = observe(result, check: i) else { return EngineOutput() }
        return apply(o, result: result, check: i)
    }

    /// Decides what an observation means: incidents opened, reopened, resolved, folded, held…
    public mutating func apply(_ o: Observation, result raw: CheckResult, check i: Int) -> EngineOutput {
        var out = EngineOutput()
        let spec = specs[i]
        var result = raw
        if spec.followsSchedule, !raw.findings.isEmpty,
           let judged = OperatingHoursJudge.judge(raw, scheduledOn: settings.sites[siteIndexOfCheck[i]].schedule.isOn(at: raw.startedAt)) { result = judged }
        result = classified(result, site: siteIndexOfCheck[i])
        let t = result.startedAt
        // Classified by finding, not by check: a check without findings (an exec plugin) keeps its
        // configured category, except when it could not judge at all (UNKNOWN: a probe that timed
        // out on a hung share) — that is a technical fault whatever the check watches (issue 14
        // point 3: "an unreadable share is technical").
        let category: IncidentCategory
        if result.findings.contains(where: \.status.isProblem) { category = result.isSecurityRelevant ? .security : .technical }
        else if result.status == .unknown { category = .technical }
        else { category = spec.category }

        if o.flappingStarted { flappingStarted(i, result: result, category: category, out: &out) }
        if o.hardChanged {
            var note: Message? = nil
            if o.hardTo.isProblem {
                note = hardProblem(i, status: o.hardTo, result: result, category: category, out: &out)
            } else {
                note = recovered(i, at: t, out: &out)
            }
            out.stateChanges.append(StateChange(key: spec.key, from: o.hardFrom, to: o.hardTo, at: t, note: note.map { Catalogue.render($0, .en) }))
            out.timeline.append(TimelineEvent(at: t, site: spec.key.site, checkID: spec.key.check, incidentID: openByCheck[spec.key] ?? lastByCheck[spec.key],
                                              kind: "state", message: Message(note == nil ? "timeline.state" : "timeline.state.noted",
                                                                              ["from": .message(o.hardFrom.message), "to": .message(o.hardTo.message),
                                                                               "summary": .message(result.text), "note": note.map { .message($0) } ?? .text("")])))
        } else if trackers[i].folded, result.status.isProblem, !PowerFindings.explains(result) {
            // Folded while the power was down, and now a problem power does not explain: it is an
            // incident of its own, told to those responsible for it.
            unfold(i, at: t, out: &out)
            open(i, status: max(trackers[i].hardStatus, result.status), result: result, category: category, out: &out)
        } else if result.status.isProblem, let id = openByCheck[spec.key], var inc = incidents[id] {
            // Still failing: keep the summary current, add findings of another kind as lines of
            // their own, and look for responders.
            if inc.summary != result.summary || Set(inc.findingCodes) != Set(result.findings.filter(\.status.isProblem).map(\.code)) {
                inc.describe(result)
                let s = addFindings(&inc, result: result, category: category, site: siteIndexOfCheck[i])
                out.timeline += s.timeline; out.notifications += s.notifications
                store(inc, &out)
            }
            startResponders(id, result: result, at: t, out: &out)
        }
        if o.flappingStopped { flappingStopped(i, at: t, out: &out) }
        if o.becameUp { released(i, at: t, out: &out) }
        return out
    }

    mutating func store(_ inc: Incident, _ out: inout EngineOutput) {
        index(inc)
        out.touch(inc)
    }

    mutating func index(_ inc: Incident) {
        incidents[inc.id] = inc
        lastByCheck[inc.key] = inc.id
        if inc.isOpen { openByCheck[inc.key] = inc.id } else if openByCheck[inc.key] == inc.id { openByCheck[inc.key] = nil }
        if inc.isOpen && inc.hold == nil, let d = inc.deadline { deadlines[inc.id] = d.at } else { deadlines[inc.id] = nil }
        if inc.isOpen && inc.hold == .maintenance { heldByMaintenance.insert(inc.id) } else { heldByMaintenance.remove(inc.id) }
        if inc.isOpen && inc.hold == .outsideHours { heldOutsideHours.insert(inc.id) } else { heldOutsideHours.remove(inc.id) }
        if inc.state == .resolved { resolvedAt[inc.id] = inc.resolvedAt ?? inc.updatedAt } else { resolvedAt[inc.id] = nil }
    }

    func downParent(_ i: Int) -> Int? {
        let spec = specs[i]
        for p in spec.dependsOn {
            if let pi = index[CheckKey(site: spec.key.site, check: p)], trackers[pi].isDown { return pi }
        }
        return nil
    }

    func powerDown(_ i: Int, result: CheckResult) -> Int? {
        guard specs[i].explainedByPower, PowerFindings.explains(result), let p = powerOfSite[siteIndexOfCheck[i]], p != i, trackers[p].powerDown else { return nil }
        return p
    }

    /// Takes a folded check out of the power incident's list (it has an incident of its own now).
    mutating func unfold(_ i: Int, at t: Instant, out: inout EngineOutput) {
        trackers[i].folded = false
        guard let p = powerOfSite[siteIndexOfCheck[i]], let pid = openByCheck[specs[p].key], var pinc = incidents[pid] else { return }
        pinc.folded.removeAll { $0 == specs[i].key.check }
        pinc.updatedAt = t
        store(pinc, &out)
    }

    func maintenanceWindow(for key: CheckKey, category: IncidentCategory, at t: Instant) -> MaintenanceWindow? {
        if let si = siteIndex[key.site], let w = settings.sites[si].maintenance.first(where: { $0.covers(key, category: category, at: t) }) { return w }
        return adHocMaintenance.first { $0.covers(key, category: category, at: t) }
    }

    /// A hard problem: update the open incident, or mark unreachable / fold into power, or open
    /// (reopen) an incident. Returns why no incident was opened, if none was.
    mutating func hardProblem(_ i: Int, status: CheckStatus, result: CheckResult, category: IncidentCategory, out: inout EngineOutput) -> Message? {
        let spec = specs[i]
        let site = settings.sites[siteIndexOfCheck[i]]
        let t = result.startedAt
        if let id = openByCheck[spec.key], var inc = incidents[id] {
            // Findings of another kind are added lines; a worse severity is announced as such
            // ("mức độ tăng lên") to those told and to a level it now enters at.
            // A worse severity carries its new findings in its own notice: one message, not two.
            let added = addFindings(&inc, result: result, category: category, site: siteIndexOfCheck[i], notify: status <= inc.severity)
            out.timeline += added.timeline; out.notifications += added.notifications
            let s = inc.raiseSeverity(to: status, summary: result.summary, text: result.text, policy: site.escalation, at: t, inHours: site.schedule.isOn(at: t))
            out.timeline += s.timeline; out.notifications += s.notifications
            store(inc, &out)
            return nil
        }
        if let p = downParent(i) {
            trackers[i].unreachable = true
            return Message("timeline.note.unreachable", ["parent": Self.checkName(specs[p].name)])
        }
        if let p = powerDown(i, result: result) {
            trackers[i].folded = true
            if let pid = openByCheck[specs[p].key], var pinc = incidents[pid] {
                if !pinc.folded.contains(spec.key.check) { pinc.folded.append(spec.key.check) }
                pinc.updatedAt = t
                out.timeline.append(pinc.event("folded", Message("timeline.folded.summary", ["check": Self.checkName(spec.name), "summary": .message(result.text)]), at: t))
                store(pinc, &out)
            }
            return Message("timeline.note.explained-by-power", ["power": Self.checkName(specs[p].name)])
        }
        open(i, status: status, result: result, category: category, out: &out)
        return nil
    }

    mutating func open(_ i: Int, status: CheckStatus, result: CheckResult, category: IncidentCategory, out: inout EngineOutput, hold: IncidentHold? = nil) {
        let spec = specs[i]
        let site = settings.sites[siteIndexOfCheck[i]]
        let policy = site.escalation
        let t = result.startedAt
        var inc: Incident
        var event: NotificationRequest.Event = .triggered
        // Reopened only for the same kind of problem: a security incident that cleared must not
        // come back as "security" for an offline player (it would page the police for a technical
        // fault and take the content violation off the month's count). Another category within the
        // window is its own incident: one incident, one problem.
        if let lastID = lastByCheck[spec.key], var last = incidents[lastID], last.state == .resolved,
           let resolvedAt = last.resolvedAt, t - resolvedAt <= policy.reopenWindow, last.category == category {
            last.state = .triggered
            last.round += 1
            last.reopenCount += 1
            last.resolvedAt = nil
            last.level = 0
            last.reminders = 0
            last.acknowledgement = nil
            last.severity = status
            last.describe(result)  // the summary, its catalogue message and the technical detail
            last.subject = result.summary
            last.subjectText = result.text
            last.value = IncidentEngine.measuredValue(result)
            last.findingCodes = result.findings.filter(\.status.isProblem).map(\.code)
            last.addedFindings = nil
            // A reopening is the problem again (a new round): the responders act again — the
            // screen is blacked out again for a second unapproved play — once in this round.
            last.responders = []
            last.since = t
            last.updatedAt = t
            last.entry = policy.entry(category: last.category, severity: status)
            inc = last
            event = .reopened
            out.timeline.append(inc.event("reopened", Message("timeline.reopened", ["after": .duration(t - resolvedAt), "summary": .message(result.text)]), at: t))
        } else {
            inc = Incident(id: nextIncidentID, key: spec.key, checkName: spec.name, checkKind: spec.kind, siteName: site.name,
                           siteNameEnglish: site.nameEnglish, zoneOffsetSeconds: site.zone.offsetSeconds, category: category,
                           severity: status, summary: result.summary, findingCodes: result.findings.filter(\.status.isProblem).map(\.code),
                           state: .triggered, openedAt: t, since: t, updatedAt: t, resolvedAt: nil,
                           entry: policy.entry(category: category, severity: status), level: 0, round: 0, reminders: 0,
                           acknowledgements: 0, reopenCount: 0, deadline: nil, notified: [], acknowledgement: nil,
                           ackTimeout: policy.ackTimeout, hold: nil, folded: [], responders: [], addedFindings: nil, subject: result.summary,
                           value: IncidentEngine.measuredValue(result), decisions: nil)
            inc.describe(result)
            inc.subjectText = result.text
            nextIncidentID += 1
            out.timeline.append(inc.event("opened", Message("timeline.opened", ["category": .message(category.message), "status": .message(status.message),
                                                                                "summary": .message(result.text), "entry": .message(inc.entry.message)]), at: t))
        }
        if specs[i].isPowerSource {
            for c in explained[i] where trackers[c].folded && !inc.folded.contains(specs[c].key.check) {
                inc.folded.append(specs[c].key.check)
                out.timeline.append(inc.event("folded", Message("timeline.folded", ["check": Self.checkName(specs[c].name)]), at: t))
            }
        }
        if let w = maintenanceWindow(for: spec.key, category: inc.category, at: t) {
            inc.hold = .maintenance
            out.timeline.append(inc.event("held", Message("timeline.held", ["window": .text(w.id), "until": .instant(w.end), "reason": .text(w.reason)]), at: t, actor: "maintenance"))
        } else if let h = hold ?? (trackers[i].flapping ? .flapping : nil) {
            inc.hold = h
        } else {
            let toldBefore = inc.notifiedRecipients
            let s = inc.notifyEntry(policy: policy, event: event, at: t, inHours: site.schedule.isOn(at: t))
            out.timeline += s.timeline; out.notifications += s.notifications
            // A technical reopening held until opening hours waits, as its first notices did.
            if event == .reopened, inc.hold == nil { tellEarlierOfReopening(inc, toldBefore: toldBefore, step: s, at: t, out: &out) }
        }
        store(inc, &out)
        startResponders(inc.id, result: result, at: t, out: &out)
    }

    mutating func startResponders(_ id: Int64, result: CheckResult, at t: Instant, out: inout EngineOutput) {
        guard let ci = incidents[id].flatMap({ index[$0.key] }), siteHasResponders[siteIndexOfCheck[ci]], var inc = incidents[id], let i = index[inc.key] else { return }
        let site = settings.sites[siteIndexOfCheck[i]]
        let codes = result.findings.filter(\.status.isProblem).map(\.code)
        var changed = false
        for r in site.responders where !inc.responders.contains(r.name) && r.matches(check: specs[i], category: inc.category, findingCodes: codes) {
            inc.responders.append(r.name)
            changed = true
            out.responders.append(ResponderInvocation(incidentID: id, responder: r.name, round: inc.round, key: inc.key, timeout: r.timeout, at: t))
            out.timeline.append(inc.event("responder-started", Message("timeline.responder-started", ["name": .text(r.name), "action": .text(r.action)]), at: t, actor: "responder:\(r.name)"))
        }
        if changed { store(inc, &out) }
    }

    /// The check recovered (hard OK). Returns a note when the incident stays open.
    mutating func recovered(_ i: Int, at t: Instant, out: inout EngineOutput) -> Message? {
        let spec = specs[i]
        trackers[i].unreachable = false
        if trackers[i].folded {
            trackers[i].folded = false
            if let p = powerOfSite[siteIndexOfCheck[i]] { tryResolvePower(p, at: t, out: &out) }
            return Message("timeline.note.was-explained-by-power")
        }
        guard let id = openByCheck[spec.key], var inc = incidents[id] else { return nil }
        if inc.hold == .flapping { return Message("timeline.note.flapping") }
        if spec.isPowerSource {
            let still = stillDown(folded: inc)
            if !still.isEmpty {
                let waiting = Message("timeline.waiting", ["checks": checkNames(still, site: inc.key.site)])
                out.timeline.append(inc.event("waiting", waiting, at: t))
                return Message("timeline.note.power-back-waiting", ["checks": checkNames(still, site: inc.key.site)])
            }
        }
        let s = inc.resolve(by: "engine", reason: Message("resolution.reason.check-ok", ["check": Self.checkName(spec.name)]), at: t)
        out.timeline += s.timeline; out.notifications += s.notifications
        store(inc, &out)
        return nil
    }

    /// Checks by their configured names, each part in its language ("Màn hình LED, Bộ điều khiển").
    func checkNames(_ ids: [String], site: String) -> MessageValue {
        let names = ids.map { c in index[CheckKey(site: site, check: c)].map { specs[$0].name } ?? c }
        func part(_ n: String, _ vi: Bool) -> String {
            guard let cut = n.firstRange(of: " / ") else { return n }
            return vi ? String(n[..<cut.lowerBound]) : String(n[cut.upperBound...])
        }
        return .bilingual(vi: names.map { part($0, true) }.joined(separator: ", "), en: names.map { part($0, false) }.joined(separator: ", "))
    }

    /// Everyone who was told of the resolution hears that the problem is back (the Committee, put
    /// in the picture by the Department, was told "đã khắc phục" and then nothing — issue 14
    /// review s5, defect 5): for information, as they were.
    func tellEarlierOfReopening(_ inc: Incident, toldBefore: [NotificationRecipient], step s: IncidentStep, at t: Instant, out: inout EngineOutput) {
        let toldNow = Set(s.notifications.map(\.recipient.address))
        let rest = toldBefore.filter { !toldNow.contains($0.address) }
        let reqs = inc.requests(.informed, step: "r\(inc.round).RI", to: rest, level: inc.level,
                                action: Message("notice.action.reopened-informed"), at: t, template: "reopened-informed")
        out.notifications += reqs
        if let e = inc.queuedEvent(reqs, what: Message("timeline.what.information"), at: t) { out.timeline.append(e) }
    }

    func stillDown(folded inc: Incident) -> [String] {
        inc.folded.filter { c in index[CheckKey(site: inc.key.site, check: c)].map { trackers[$0].hardStatus.isProblem } ?? false }
    }

    mutating func tryResolvePower(_ p: Int, at t: Instant, out: inout EngineOutput) {
        guard let id = openByCheck[specs[p].key], var inc = incidents[id], !trackers[p].isDown, inc.hold != .flapping else { return }
        let still = stillDown(folded: inc)
        guard still.isEmpty else { return }
        let s = inc.resolve(by: "engine", reason: Message(inc.folded.isEmpty ? "resolution.reason.power-back" : "resolution.reason.power-and-checks-back"), at: t)
        out.timeline += s.timeline; out.notifications += s.notifications
        store(inc, &out)
    }

    /// A parent (or the power check) is fully up again: children that are still failing become
    /// reachable and get incidents of their own; a power incident resolves once all is back.
    mutating func released(_ i: Int, at t: Instant, out: inout EngineOutput) {
        // A child marked unreachable is judged afresh: if it still fails after fail_after results
        // of its own, it gets an incident; if it comes back with its parent, nobody hears of it.
        for c in children[i] where trackers[c].unreachable && downParent(c) == nil {
            reevaluate(c, because: "\(specs[i].key.check) is up again", at: t, out: &out)
        }
        if specs[i].isPowerSource && !trackers[i].powerDown {
            if let id = openByCheck[specs[i].key], let inc = incidents[id], !trackers[i].hardStatus.isProblem {
                let still = stillDown(folded: inc)
                if still.isEmpty { tryResolvePower(i, at: t, out: &out) }
            } else if openByCheck[specs[i].key] == nil {
                // A power blip that never became hard: checks it seemed to explain are on their own.
                for c in explained[i] where trackers[c].folded { reevaluate(c, because: "power is back", at: t, out: &out) }
            }
        }
    }

    mutating func reevaluate(_ c: Int, because why: String, at t: Instant, out: inout EngineOutput) {
        trackers[c].unreachable = false
        trackers[c].folded = false
        guard trackers[c].hardStatus.isProblem else { return }
        trackers[c].hardStatus = .ok
        trackers[c].failStreak = 0
        out.timeline.append(TimelineEvent(at: t, site: specs[c].key.site, checkID: specs[c].key.check, kind: "reachable",
                                          message: Message("timeline.reachable", ["why": .text(why), "count": .count(specs[c].failAfter)])))
    }

    // MARK: - Flapping

    mutating func flappingStarted(_ i: Int, result: CheckResult, category: IncidentCategory, out: inout EngineOutput) {
        let spec = specs[i]
        let site = settings.sites[siteIndexOfCheck[i]]
        let t = result.startedAt
        let value = trackers[i].flapValue
        if openByCheck[spec.key] == nil {
            let status: CheckStatus = result.status.isProblem ? result.status : .warning
            open(i, status: status, result: result, category: category, out: &out, hold: .flapping)
        }
        guard let id = openByCheck[spec.key], var inc = incidents[id] else { return }
        inc.hold = inc.hold ?? .flapping
        if inc.hold == .flapping { inc.deadline = nil }
        let text = String(Int(value.rounded()))
        out.timeline.append(inc.event("flapping-started", Message("timeline.flapping-started", ["value": .text(text), "limit": .count(Int(spec.flapping.high))]), at: t))
        var recips = inc.notifiedRecipients
        if recips.isEmpty {
            switch inc.entry {
            case .techniciansOnly: recips = site.escalation.technicians
            case .level(let n): recips = (site.escalation.level(n)?.recipients ?? []) + (inc.category == .technical ? site.escalation.level(n)?.technicalRecipients ?? [] : [])
            }
            let lvl: Int
            if case .level(let n) = inc.entry { lvl = n } else { lvl = 0 }
            for r in recips where !inc.notified.contains(where: { $0.recipient.address == r.address }) { inc.notified.append(NotifiedRecipient(recipient: r, level: lvl)) }
        }
        let reqs = inc.requests(.flappingStarted, step: "f\(t.milliseconds)", to: recips, level: inc.level,
                                action: "Trạng thái dao động liên tục (\(text) %): tạm ngừng thông báo", actionEnglish: "Flapping (\(text) %): notifications suppressed until it settles", at: t)
        out.notifications += reqs
        if let e = inc.queuedEvent(reqs, what: Message("timeline.what.flapping-started"), at: t) { out.timeline.append(e) }
        store(inc, &out)
    }

    mutating func flappingStopped(_ i: Int, at t: Instant, out: inout EngineOutput) {
        let spec = specs[i]
        let site = settings.sites[siteIndexOfCheck[i]]
        guard let id = openByCheck[spec.key], var inc = incidents[id], inc.hold == .flapping else { return }
        inc.hold = nil
        out.timeline.append(inc.event("flapping-stopped", Message("timeline.flapping-stopped", ["value": .number(trackers[i].flapValue, digits: 0), "limit": .number(spec.flapping.low, digits: 0)]), at: t))
        let reqs = inc.requests(.flappingStopped, step: "f\(t.milliseconds)", to: inc.notifiedRecipients, level: inc.level,
                                action: "Hết dao động; trạng thái hiện tại: \(trackers[i].hardStatus.vietnamese)",
                                actionEnglish: "Flapping ended; state now \(trackers[i].hardStatus)", at: t)
        out.notifications += reqs
        if let e = inc.queuedEvent(reqs, what: Message("timeline.what.flapping-stopped"), at: t) { out.timeline.append(e) }
        if trackers[i].hardStatus.isProblem {
            // Still a problem: escalation resumes from where it was.
            if inc.state == .triggered {
                if inc.level == 0, case .level = inc.entry {
                    let s = inc.notifyEntry(policy: site.escalation, event: .triggered, at: t, inHours: site.schedule.isOn(at: t))
                    out.timeline += s.timeline; out.notifications += s.notifications
                } else if let lvl = site.escalation.level(inc.level), inc.level < site.escalation.levels.count, let to = lvl.timeout {
                    inc.deadline = EscalationDeadline(at: t + to, kind: .escalate, level: inc.level + 1)
                }
            }
            store(inc, &out)
        } else {
            // Settled OK: close it without a second message (the flapping-end message said so).
            inc.state = .resolved
            inc.resolvedAt = t
            inc.deadline = nil
            inc.updatedAt = t
            out.timeline.append(inc.event("resolved", Message("timeline.resolved.flapping", ["check": .text(spec.name)]), at: t))
            store(inc, &out)
        }
    }

    // MARK: - Time

    /// Fires every deadline due at `now` (in deadline order; one past long ago fires at once, and
    /// the next step is timed from the original deadline) and releases incidents held by a
    /// maintenance window that has ended.
    public mutating func tick(now: Instant) -> EngineOutput {
        var out = EngineOutput()
        // Maintenance ends: a problem still present is notified now (Icinga 2.11).
        for id in heldByMaintenance.sorted() {
            guard let inc = incidents[id], maintenanceWindow(for: inc.key, category: inc.category, at: now) == nil else { continue }
            var x = inc
            x.hold = nil
            out.timeline.append(x.event("released", Message("timeline.released"), at: now, actor: "maintenance"))
            if let si = siteIndex[x.key.site] {
                let policy = settings.sites[si].escalation
                if x.state == .triggered {
                    if x.level == 0 {
                        // A reopening held by maintenance is released as a reopening (#14 review s6).
                        let event: NotificationRequest.Event = x.round > 0 ? .reopened : .triggered
                        let toldBefore = x.notifiedRecipients
                        let s = x.notifyEntry(policy: policy, event: event, at: now, inHours: settings.sites[si].schedule.isOn(at: now))
                        out.timeline += s.timeline; out.notifications += s.notifications
                        if event == .reopened, x.hold == nil { tellEarlierOfReopening(x, toldBefore: toldBefore, step: s, at: now, out: &out) }
                    } else if x.deadline == nil || x.deadline!.at < now {
                        x.deadline = EscalationDeadline(at: now, kind: .escalate, level: min(x.level + 1, policy.levels.count))
                    }
                }
            }
            store(x, &out)
        }
        // Operating hours begin: technical incidents held outside them reach the chain if still open.
        for id in heldOutsideHours.sorted() {
            guard var x = incidents[id], let si = siteIndex[x.key.site], settings.sites[si].schedule.isOn(at: now) else { continue }
            x.hold = nil
            out.timeline.append(x.event("released", Message("timeline.released.hours"), at: now))
            if x.state == .triggered {
                // A reopening held overnight is released as a reopening ("tái diễn"), not as a new
                // incident (#14 review s6, defect 1).
                let event: NotificationRequest.Event = x.round > 0 ? .reopened : .triggered
                let toldBefore = x.notifiedRecipients
                let s = x.notifyEntry(policy: settings.sites[si].escalation, event: event, at: now, inHours: true, released: true)
                out.timeline += s.timeline; out.notifications += s.notifications
                if event == .reopened { tellEarlierOfReopening(x, toldBefore: toldBefore, step: s, at: now, out: &out) }
            }
            store(x, &out)
        }
        while true {
            var first: (Instant, Int64)? = nil
            for (id, at) in deadlines where at <= now {
                if !awaitingFreshResult.isEmpty, let k = incidents[id]?.key, awaitingFreshResult.contains(k) { continue }
                if first == nil || (at, id) < first! { first = (at, id) }
            }
            guard let (_, id) = first, var inc = incidents[id] else { break }
            guard let si = siteIndex[inc.key.site] else { inc.deadline = nil; store(inc, &out); continue }
            if let w = maintenanceWindow(for: inc.key, category: inc.category, at: now) {
                inc.hold = .maintenance
                out.timeline.append(inc.event("held", Message("timeline.held.escalation", ["window": .text(w.id), "reason": .text(w.reason)]), at: now, actor: "maintenance"))
                store(inc, &out)
                continue
            }
            let s = inc.fireDeadline(policy: settings.sites[si].escalation, now: now)
            out.timeline += s.timeline; out.notifications += s.notifications
            store(inc, &out)
        }
        // Forget resolved incidents that can no longer be reopened.
        guard now - lastPrune >= .minutes(5) else { return out }
        lastPrune = now
        var forget: [Int64] = []
        for (id, r) in resolvedAt where now - r > .minutes(1) { forget.append(id) }
        for id in forget {
            guard let inc = incidents[id] else { resolvedAt[id] = nil; continue }
            let window = siteIndex[inc.key.site].map { settings.sites[$0].escalation.reopenWindow } ?? .hours(1)
            if let r = resolvedAt[id], now - r > window {
                incidents[id] = nil
                resolvedAt[id] = nil
                if lastByCheck[inc.key] == id { lastByCheck[inc.key] = nil }
            }
        }
        return out
    }

    /// When `tick` next has something to do (a deadline or the end of a maintenance window holding
    /// an incident), or nil.
    public func nextWakeup() -> Instant? {
        var next: Instant? = nil
        func consider(_ t: Instant) { if next == nil || t < next! { next = t } }
        // A deadline waiting for a fresh result is due when that result comes, not before.
        for (id, at) in deadlines {
            if !awaitingFreshResult.isEmpty, let k = incidents[id]?.key, awaitingFreshResult.contains(k) { continue }
            consider(at)
        }
        for id in heldOutsideHours {
            guard let inc = incidents[id], let si = siteIndex[inc.key.site], let t = settings.sites[si].schedule.nextChange(after: inc.updatedAt) else { continue }
            consider(t)
        }
        for id in heldByMaintenance {
            guard let inc = incidents[id] else { continue }
            let windows = (siteIndex[inc.key.site].map { settings.sites[$0].maintenance } ?? []) + adHocMaintenance
            for w in windows where (w.site == nil || w.site == inc.key.site) && w.end > inc.updatedAt { consider(w.end) }
        }
        return next
    }

    // MARK: - People (in-process; other processes use IncidentService, which applies the same steps)

    public mutating func acknowledge(incidentID: Int64, by: String, via: String, note: String?, from: String?, at: Instant, organisation: String? = nil) throws(WatchpostError) -> EngineOutput {
        guard var inc = incidents[incidentID] else { throw WatchpostError(.notFound, "no open incident #\(incidentID)") }
        let s = try inc.acknowledge(by: by, via: via, note: note, from: from, at: at, organisation: organisation)
        var out = EngineOutput()
        out.timeline = s.timeline; out.notifications = s.notifications
        store(inc, &out)
        return out
    }

    public mutating func resolve(incidentID: Int64, by: String, note: String?, at: Instant) throws(WatchpostError) -> EngineOutput {
        guard var inc = incidents[incidentID], inc.isOpen else { throw WatchpostError(.notFound, "no open incident #\(incidentID)") }
        let s = inc.resolve(by: by, reason: Incident.resolutionReason(note: note), at: at, via: "cli", note: note)
        var out = EngineOutput()
        out.timeline = s.timeline; out.notifications = s.notifications
        store(inc, &out)
        if let i = index[inc.key], trackers[i].hardStatus.isProblem { trackers[i].hardStatus = .ok; trackers[i].failStreak = 0 }
        return out
    }

    /// Findings of another kind than those the incident has (temperature after a blackout) are
    /// added lines, named on the timeline and told to those notified — never a silent change of
    /// subject. A security finding on a technical incident makes it a security incident and
    /// reaches those the security route informs.
    mutating func addFindings(_ inc: inout Incident, result: CheckResult, category: IncidentCategory, site si: Int, notify: Bool = true) -> IncidentStep {
        var step = IncidentStep()
        let problems = result.findings.filter(\.status.isProblem)
        var known = Set(inc.findingCodes)
        for k in (inc.addedFindings ?? [:]).keys { known.insert(k) }
        let fresh = problems.filter { !known.contains($0.code) }
        guard !fresh.isEmpty else { return step }
        var added = inc.addedFindings ?? [:]
        for f in fresh where added[f.code] == nil { added[f.code] = f.message }
        inc.addedFindings = added
        // The incident's finding codes are its own and those added since (in order).
        for f in fresh where !inc.findingCodes.contains(f.code) { inc.findingCodes.append(f.code) }
        let t = result.startedAt
        let site = settings.sites[si]
        let was = inc.subject ?? inc.summary
        // Each language reads its own text (it read the English subject and "code: message").
        let zone = site.zone
        func both(_ messages: [Message]) -> MessageValue {
            .bilingual(vi: messages.map { Catalogue.render($0, .vi, zone: zone) }.joined(separator: "; "),
                       en: messages.map { Catalogue.render($0, .en, zone: zone) }.joined(separator: "; "))
        }
        let wasValue: MessageValue = inc.subjectText.map { both([$0]) } ?? .text(was)
        let linesValue = both(fresh.map(\.text))
        step.timeline.append(inc.event("finding-added", Message("timeline.finding-added", ["was": wasValue, "lines": linesValue]), at: t))
        // Those told before the incident became a security one know it by its first subject; their
        // notice of the added line keeps it. Those told now hear of a security incident, under the
        // security finding's subject (issue 14 review s5, defect 2: the police's first message was
        // headed "Không truy cập được thư mục phát").
        var earlierSubject: [String: String] = [:]
        if category == .security && inc.category == .technical {
            earlierSubject["subject"] = inc.subjectText.map { Catalogue.render($0, .vi, zone: zone) } ?? was
            earlierSubject["subject_en"] = inc.subjectText.map { Catalogue.render($0, .en, zone: zone) } ?? was
        }
        func takeSecuritySubject() {
            guard let first = fresh.first(where: \.securityRelevant) ?? problems.first(where: \.securityRelevant) else { return }
            inc.subject = first.message
            inc.subjectText = first.text
        }
        let addedLines = ["added": Catalogue.render(Message("timeline.value", ["v": linesValue]), .vi, zone: zone),
                          "added_en": Catalogue.render(Message("timeline.value", ["v": linesValue]), .en, zone: zone)]
        if category == .security && inc.category == .technical && inc.hold == .outsideHours {
            // Security incidents are never held (issue 14 point 4): the hold of the technical
            // incident ends now, the technicians hear of the added line and the security chain is
            // told at once as for a new security incident.
            let technicians = inc.notifiedRecipients
            inc.category = .security
            takeSecuritySubject()
            inc.hold = nil
            inc.entry = site.escalation.entry(category: .security, severity: inc.severity)
            step.timeline.append(inc.event("released", Message("timeline.released.security"), at: t))
            step.notifications = inc.requests(.findingAdded, step: "x\(t.milliseconds)", to: technicians, level: inc.level,
                                              action: Message("notice.action.finding-added", ["was": wasValue, "lines": linesValue]), at: t,
                                              extra: addedLines.merging(earlierSubject) { _, earlier in earlier })
            if let e = inc.queuedEvent(step.notifications, what: Message("timeline.what.finding-added"), at: t) { step.timeline.append(e) }
            let s = inc.notifyEntry(policy: site.escalation, event: .triggered, at: t, inHours: site.schedule.isOn(at: t))
            step.timeline += s.timeline; step.notifications += s.notifications
            return step
        }
        guard inc.hold == nil, notify else { return step }
        let told = inc.notifiedRecipients
        var newly: [NotificationRecipient] = []
        var newlyInformed: [NotificationRecipient] = []
        if category == .security && inc.category == .technical {
            inc.category = .security
            takeSecuritySubject()
            let route = site.escalation.route(category: .security, severity: inc.severity, inHours: site.schedule.isOn(at: t), findings: fresh.map(\.code))
            var seen = Set(told.map(\.address))
            // The entry level is asked to acknowledge; groups told at once are told for
            // information, as on a new security incident (the Vũng Áng Border Guard Command).
            newly = (route.steps.first?.recipients ?? []).filter { seen.insert($0.address).inserted }
            newlyInformed = route.informedRecipients.filter { seen.insert($0.address).inserted }
            inc.remember(newly + newlyInformed, level: max(inc.level, 0))
        }
        step.notifications = inc.requests(.findingAdded, step: "x\(t.milliseconds)", to: told, level: inc.level,
                                          action: Message("notice.action.finding-added", ["was": wasValue, "lines": linesValue]), at: t,
                                          extra: addedLines.merging(earlierSubject) { _, earlier in earlier })
        // Those the security route adds hear of the incident for the first time: a first notice
        // of a security incident, under its security subject.
        step.notifications += inc.requests(.triggered, step: "x\(t.milliseconds).S", to: newly, level: inc.level,
                                           action: Message("notice.action.check"), at: t)
        step.notifications += inc.requests(.informed, step: "x\(t.milliseconds).SI", to: newlyInformed, level: 0,
                                           action: Message("notice.action.informed"), at: t)
        if let e = inc.queuedEvent(step.notifications, what: Message("timeline.what.finding-added"), at: t) { step.timeline.append(e) }
        return step
    }

    /// The measured values behind a result, for the first notice ("temperature 80 °C").
    /// A check's configured name ("Vietnamese / English") as a parameter, each part in its language.
    static func checkName(_ name: String) -> MessageValue {
        guard let cut = name.firstRange(of: " / ") else { return .text(name) }
        return .bilingual(vi: String(name[..<cut.lowerBound]), en: String(name[cut.upperBound...]))
    }

    public static func measuredValue(_ r: CheckResult) -> String? {
        guard !r.measurements.isEmpty else { return nil }
        func number(_ v: Double) -> String {
            // Measurements come from devices: never trap on NaN, infinity or a huge value.
            guard v.isFinite, abs(v) < 1e12 else { return String(v) }
            let rounded = (v * 100).rounded() / 100
            let s = rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
            return s  // a decimal point here; the Vietnamese part gets its comma from `Incident.vietnameseValue`
        }
        return r.measurements.prefix(6).map { m in "\(m.name) \(number(m.value))\(m.unit.isEmpty ? "" : " " + m.unit)" }.joined(separator: ", ")
    }

    /// Adds or replaces ad-hoc maintenance windows (in-process use; the daemon reloads them from the database).
    public mutating func setAdHocMaintenance(_ windows: [MaintenanceWindow]) { adHocMaintenance = windows }
}

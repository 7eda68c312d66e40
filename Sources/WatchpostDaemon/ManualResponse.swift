// A restoring action a person runs (issue #14 point 7): `watchpost respond led-restore …` on the
// command line and the "Bật lại màn hình" button on the web both come here, so both behave the
// same. The check is first put in a short maintenance window so that its probe adopts the
// restored state as its new baseline (it is never reported as an un-commanded change); then the
// action runs; then who ran it, how, why and with what outcome go on the incident's timeline
// (or the check's). Who may run it is the caller's business: both ask the one policy
// (`IncidentPolicy`, action `.respond`: the operating unit and technicians).
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostProbes
import WatchpostWeb

public struct ManualResponse: Sendable {
    /// The actions a person may run; each is a responder kind of `ResponderCatalog`.
    public static let actions = ["led-restore", "led-blackout", "led-brightness"]

    public struct Outcome: Sendable, Hashable {
        public var succeeded: Bool
        /// What the device confirmed, or why it failed (the library's words).
        public var detail: String
        /// The incident whose timeline holds it (nil: the check's own timeline).
        public var incidentID: Int64?
        /// "Đã thực hiện … / … done" as a catalogue message.
        public var message: Message
    }

    let configuration: WatchpostConfiguration
    let store: Store
    let clock: any WatchpostClock
    let logger: Logger
    /// The daemon's device connections (the action talks to the controller over the probe's
    /// connection); a command makes its own.
    let devices: DeviceConnections

    public init(configuration: WatchpostConfiguration, store: Store, clock: any WatchpostClock, logger: Logger,
                devices: DeviceConnections = DeviceConnections()) {
        self.devices = devices
        self.configuration = configuration
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// Runs `action` on check `checkID` (`SITE/CHECK` or a check id). `incidentID`: the incident
    /// the action answers (the web page's); nil: the check's open incident, else one at the site
    /// whose automatic responder acted.
    public func run(_ action: String, check checkID: String, incidentID: Int64? = nil, brightness: String? = nil, by: String, via: String,
                    note: String?) async throws(WatchpostError) -> Outcome {
        guard Self.actions.contains(action) else {
            throw WatchpostError(.usage, "unknown action '\(action)': \(Self.actions.joined(separator: ", "))")
        }
        guard let check = configuration.check(checkID), let site = configuration.site(check.site) else {
            throw WatchpostError(.usage, "no configured check '\(checkID)' (SITE/CHECK)", hint: "watchpost status lists them")
        }
        let service = IncidentService(store: store)
        let incident: Int64?
        if let incidentID {
            incident = incidentID
        } else {
            let open = try await service.openIncidents()
            incident = (open.first { $0.key == CheckKey(site: site.id, check: check.id) } ?? open.first { $0.key.site == site.id && !$0.responders.isEmpty })?.id
        }
        let now = clock.now()
        let trimmedNote = note.map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
        let actionName = Message(MessageKey("respond.action." + action))
        var reasonParams: [String: MessageValue] = ["action": .message(actionName), "by": .text(by)]
        if let trimmedNote { reasonParams["note"] = .text(trimmedNote) }
        let reason = Catalogue.bilingual(Message(trimmedNote == nil ? "respond.maintenance.reason" : "respond.maintenance.reason.note", reasonParams), zone: site.zone)
        // A short window on the check: the probe adopts the restored state as its baseline.
        let window = try await service.startMaintenance(site: site.id, checks: [check.id], from: now, until: now + max(check.interval * 3, .minutes(2)),
                                                        reason: reason, by: by)
        var entries = [ConfigEntry(key: "check", value: check.id, line: 0)]
        if let brightness { entries.append(ConfigEntry(key: "brightness", value: brightness, line: 0)) }
        let section = ConfigSection(type: "responder", name: via, file: "(\(via))", line: 0, entries: entries)
        var succeeded = true
        var detail: String
        do {
            let performer = try ResponderCatalog.make(kind: action, section: section, environment: ProbeEnvironment(configuration: configuration, site: site, logger: logger, clock: clock, devices: devices))
            detail = try await performer.perform(deadline: now + .seconds(30), clock: clock)
        } catch {
            succeeded = false
            detail = (error as? WatchpostError)?.message ?? String(describing: error)
        }
        try await store.recordResponse(site: site.id, checkID: check.id, incidentID: incident, action: action, by: by, via: via, note: trimmedNote,
                                       succeeded: succeeded, outcome: detail, at: clock.now())
        // A failed action changed nothing: the window would only hide real findings.
        if !succeeded { _ = try? await service.stopMaintenance(id: window.id, by: by, at: clock.now()) }
        logger.notice("restoring action run", [("action", action), ("check", "\(site.id)/\(check.id)"), ("by", by), ("via", via),
                                               ("outcome", succeeded ? "succeeded" : "failed")])
        return Outcome(succeeded: succeeded, detail: detail, incidentID: incident,
                       message: Message(succeeded ? "respond.done" : "respond.failed", ["action": .message(actionName), "outcome": .text(detail)]))
    }
}

extension ManualResponse: RestoringActions {
    /// The web's "Bật lại màn hình" button: the same action as `watchpost respond`.
    public func restore(_ action: String, check: String, incidentID: Int64, by: String, via: String, note: String?) async throws(WatchpostError) -> RestoringOutcome {
        let o = try await run(action, check: check, incidentID: incidentID, by: by, via: via, note: note)
        return RestoringOutcome(succeeded: o.succeeded, message: o.message)
    }
}

// Turns the loaded configuration into the incident engine's plain values: checks with their
// state-machine settings, escalation chains with recipients resolved to addresses from the
// contact book, profile maintenance windows (`[maintenance NAME]`) and responders
// (`[responder NAME]`) from the site folders.
import WatchpostCore

/// Site-folder sections owned by the incident engine (listed in `SiteSections.extra`).
public enum IncidentSections {
    /// `[maintenance NAME]`: a scheduled maintenance window in the site's time zone.
    public static let maintenance = SectionSchema(type: "maintenance", named: true, keys: [
        KeySpec("start", .instant, required: true, help: "start, YYYY-MM-DDTHH:MM in the site's zone"),
        KeySpec("end", .instant, required: true, help: "end, YYYY-MM-DDTHH:MM in the site's zone"),
        KeySpec("checks", .identifierList, help: "checks covered (default: every check of the site)"),
        KeySpec("reason", .text),
        KeySpec("security", .boolean, help: "also hold security incidents (default false: security is never silenced)"),
    ])

    /// `[responder NAME]`: an automatic action for matching incidents, run at most once per incident round (again when the incident reopens).
    /// Keys besides these belong to the action kind (e.g. `command`, `arguments`).
    public static let responder = SectionSchema(type: "responder", named: true, keys: [
        KeySpec("action", .nonEmpty, required: true, help: "action kind (command, or one a probe module adds)"),
        KeySpec("on_kinds", .identifierList, help: "check kinds whose incidents trigger it"),
        KeySpec("on_checks", .identifierList, help: "checks whose incidents trigger it"),
        KeySpec("on_findings", .identifierList, help: "finding codes that trigger it (e.g. low-battery, content-unapproved)"),
        KeySpec("category", .oneOf(IncidentCategory.allCases.map(\.rawValue))),
        KeySpec("timeout", .duration(min: .seconds(1), max: .hours(1))),
        KeySpec("enabled", .boolean),
    ], freeKeys: .text)
}

extension IncidentSections {
    /// Cross-key checks of `[maintenance]` and `[responder]` sections: a window ends after it
    /// starts; named checks exist at the site.
    public static func diagnose(_ sections: [ConfigSection], checks: Set<String>, zone: ZoneOffset) -> [ConfigDiagnostic] {
        var out: [ConfigDiagnostic] = []
        for s in sections {
            switch s.type {
            case "maintenance":
                if let a = s.value("start").flatMap({ Instant.parse($0, defaultOffset: zone.offsetSeconds) }),
                   let b = s.value("end").flatMap({ Instant.parse($0, defaultOffset: zone.offsetSeconds) }), b <= a {
                    out.append(.init(file: s.file, line: s.lineOf("end"), key: "end", Message("config.window.ends_before_start", ["end": .text(zone.format(b)), "start": .text(zone.format(a))])))
                }
                for c in s.list("checks") where !checks.contains(c) {
                    out.append(.init(file: s.file, line: s.lineOf("checks"), key: "checks", Message("config.site.no_such_check", ["check": .text(c)])))
                }
            case "responder":
                for c in s.list("on_checks") where !checks.contains(c) {
                    out.append(.init(file: s.file, line: s.lineOf("on_checks"), key: "on_checks", Message("config.site.no_such_check", ["check": .text(c)])))
                }
            default: break
            }
        }
        return out
    }
}

extension ContactBook {
    /// The addresses one chain reference reaches at a site: an organisation's duty address and
    /// its people's, a person's address, or every organisation with a role serving the site.
    public func recipients(_ refs: [RecipientRef], site: String) -> [NotificationRecipient] {
        var out: [NotificationRecipient] = []
        func add(_ r: NotificationRecipient) { if !out.contains(where: { $0.address == r.address }) { out.append(r) } }
        func addOrg(_ o: Organisation) {
            let roles = o.roles.compactMap(\.party)
            if let e = o.email { add(NotificationRecipient(address: e, displayName: o.name, contactID: o.id, roles: roles, organisation: o.name)) }
            for p in o.people {
                if let e = p.email { add(NotificationRecipient(address: e, displayName: "\(p.name) (\(o.name))", contactID: p.id, roles: roles, organisation: o.name)) }
            }
        }
        for ref in refs {
            switch ref {
            case .organisation(let id): if let o = organisations[id] { addOrg(o) }
            case .person(let id):
                if let p = people[id], let e = p.email {
                    let o = organisations[p.organisation]
                    add(NotificationRecipient(address: e, displayName: p.name, contactID: p.id, roles: o?.roles.compactMap(\.party), organisation: o?.name))
                }
            case .role(let role): for o in organisations(withRole: role, site: site) { addOrg(o) }
            }
        }
        return out
    }
}

extension EscalationPolicy {
    public init(chain: EscalationChainConfig, contacts: ContactBook, site: SiteProfile) {
        let levels = chain.levels.map { l in
            EscalationLevel(number: l.level, recipients: contacts.recipients(l.notify, site: site.id),
                            technicalRecipients: contacts.recipients(l.notifyTechnical, site: site.id),
                            securityRecipients: contacts.recipients(l.notifySecurity, site: site.id), timeout: l.timeout, reminder: l.reminder,
                            byDecision: l.byDecision, source: l.source, technicalSource: l.sourceTechnical, securitySource: l.sourceSecurity)
        }
        let informs = chain.informs.map { InformRule(name: $0.name, recipients: contacts.recipients($0.notify, site: site.id), when: $0.when, source: $0.source) }
        let findings = chain.findings.map {
            FindingRule(code: $0.code, category: $0.category, severity: $0.severity, inform: contacts.recipients($0.inform, site: site.id),
                        urgent: $0.urgent, source: $0.source)
        }
        var routing: [String: EscalationEntry] = [:]
        for (k, v) in chain.routing { if let e = EscalationEntry(parsing: v) { routing[k] = e } }
        var techRefs = site.technicians.map { RecipientRef.organisation($0) }
        if techRefs.isEmpty { techRefs = [.role(.technician)] }
        self.init(name: chain.name, levels: levels, routing: routing, ackTimeout: chain.ackTimeout, reopenWindow: chain.reopenWindow ?? .hours(1),
                  technicians: contacts.recipients(techRefs, site: site.id), informs: informs, findingRules: findings,
                  holdOutsideHours: chain.holdOutsideHours)
    }
}

extension CheckSpec {
    public init(_ d: CheckDefinition) {
        let p = d.parameters
        self.init(key: CheckKey(site: d.site, check: d.id), name: d.name, kind: d.kind, category: d.category, failAfter: d.failAfter,
                  recoverAfter: d.recoverAfter, followsSchedule: d.followsSchedule, dependsOn: d.dependsOn,
                  isPowerSource: p.bool("power_source", default: false), explainedByPower: p.bool("explained_by_power", default: false),
                  flapping: FlappingPolicy(enabled: p.bool("flapping", default: true), high: p.double("flapping_high", default: 30),
                                           low: p.double("flapping_low", default: 25)))
    }
}

extension EngineSettings {
    /// The engine's view of a configuration. Only enabled checks take part.
    public init(configuration c: WatchpostConfiguration) {
        self.init(sites: c.sites.map { site in
            let chain = c.chains[site.chain] ?? EscalationChainConfig(name: site.chain, file: "", levels: [], routing: [:], ackTimeout: nil)
            var maintenance: [MaintenanceWindow] = []
            var responders: [ResponderSpec] = []
            for s in site.sections {
                switch s.type {
                case "maintenance":
                    guard let a = s.value("start").flatMap({ Instant.parse($0, defaultOffset: site.zone.offsetSeconds) }),
                          let b = s.value("end").flatMap({ Instant.parse($0, defaultOffset: site.zone.offsetSeconds) }) else { continue }
                    maintenance.append(MaintenanceWindow(id: "profile:\(site.id)/\(s.name ?? "")", site: site.id, checks: s.list("checks"), start: a, end: b,
                                                         reason: s.string("reason", default: s.name ?? "maintenance"),
                                                         includesSecurity: s.bool("security", default: false), createdBy: "profile"))
                case "responder":
                    responders.append(ResponderSpec(name: s.name ?? "", site: site.id, action: s.string("action"), onKinds: s.list("on_kinds"),
                                                    onChecks: s.list("on_checks"), onFindings: s.list("on_findings"),
                                                    onCategory: s.value("category").flatMap(IncidentCategory.init(rawValue:)),
                                                    timeout: s.duration("timeout", default: .seconds(30)), enabled: s.bool("enabled", default: true)))
                default: break
                }
            }
            return SiteSpec(id: site.id, name: site.name, nameEnglish: site.nameEnglish, zone: site.zone, schedule: site.schedule,
                            escalation: EscalationPolicy(chain: chain, contacts: c.contacts, site: site),
                            checks: site.checks.filter(\.enabled).map(CheckSpec.init), maintenance: maintenance, responders: responders)
        })
    }
}

/// A person or organisation acting on an incident, as the contact book knows them.
public struct ContactParty: Sendable, Hashable {
    public var name: String
    public var organisation: String?
    public var roles: [PartyRole]
}

extension ContactBook {
    /// Finds who `who` is: a person (id, name or address) or an organisation (id, name or duty
    /// address). Names match without regard to case.
    public func party(_ who: String) -> ContactParty? {
        let w = who.trimmingWhitespace().lowercased()
        guard !w.isEmpty else { return nil }
        for p in people.values.sorted(by: { $0.id < $1.id }) where p.id.lowercased() == w || p.name.lowercased() == w || p.email?.lowercased() == w {
            let o = organisations[p.organisation]
            return ContactParty(name: p.name, organisation: o?.name, roles: o?.roles.compactMap(\.party) ?? [])
        }
        for o in organisations.values.sorted(by: { $0.id < $1.id })
            where o.id.lowercased() == w || o.name.lowercased() == w || o.email?.lowercased() == w {
            return ContactParty(name: o.name, organisation: o.name, roles: o.roles.compactMap(\.party))
        }
        return nil
    }
}

extension WatchpostConfiguration {
    /// The engine's escalation policy of a site (routing table, levels, informs, finding rules).
    public func escalationPolicy(site id: String) -> EscalationPolicy? {
        guard let site = site(id) else { return nil }
        let chain = chains[site.chain] ?? EscalationChainConfig(name: site.chain, file: "", levels: [], routing: [:], ackTimeout: nil)
        return EscalationPolicy(chain: chain, contacts: contacts, site: site)
    }
}

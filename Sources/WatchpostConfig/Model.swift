import WatchpostCore

/// Organisation roles named by the regulations.
public enum OrganisationRole: String, Sendable, Hashable, CaseIterable, Codable {
    /// Runs the cluster day to day (border-guard post, economic-zone management board).
    case `operator`
    /// Secures the site (police, border guard).
    case security
    /// Keeps the equipment working.
    case technician
    /// The provincial Department of Information and Communications.
    case department
    /// The Provincial People's Committee.
    case committee
    /// Supplies content for approval (foreign affairs, culture, customs, press).
    case content
    /// Supplies mains power to the cluster (Vũng Áng 4.2: Công ty Điện lực Hà Tĩnh).
    case power

    /// The acknowledgement policy's role, if the organisation acts on incidents.
    public var party: PartyRole? {
        switch self {
        case .operator: return .operator
        case .security: return .security
        case .technician: return .technician
        case .department: return .department
        case .committee: return .committee
        case .content, .power: return nil
        }
    }
}

public struct Person: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var organisation: String
    public var email: String?
    public var phone: String?
}

public struct Organisation: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var nameEnglish: String
    public var roles: [OrganisationRole]
    /// The article of the decision that gives it its duty (`source =`).
    public var source: String? = nil
    /// The organisation's duty address; notifications go here and to its people.
    public var email: String?
    public var sites: [String]
    public var people: [Person]

    /// Every address that a notification to this organisation reaches.
    public var addresses: [String] {
        var out: [String] = []
        if let e = email { out.append(e) }
        for p in people { if let e = p.email, !out.contains(e) { out.append(e) } }
        return out
    }
}

/// How a role is called where the site is (`[role NAME]`): the 2025 reorganisation renamed
/// several bodies, and the labels follow the configuration, not the code.
public struct RoleLabel: Sendable, Hashable, Codable {
    public var name: String
    public var nameEnglish: String
}

public struct ContactBook: Sendable, Hashable, Codable {
    public var organisations: [String: Organisation]
    public var people: [String: Person]
    /// Labels of the web roles (operator, security, technician, department, committee, admin).
    public var roleLabels: [String: RoleLabel] = [:]

    public init(organisations: [String: Organisation] = [:], people: [String: Person] = [:]) {
        self.organisations = organisations
        self.people = people
    }

    public func organisations(withRole role: OrganisationRole, site: String) -> [Organisation] {
        organisations.values.filter { $0.roles.contains(role) && ($0.sites.isEmpty || $0.sites.contains(site)) }.sorted { $0.id < $1.id }
    }
}

/// Who a chain level notifies: `org:ID`, `person:ID` or `role:ROLE` (every organisation with
/// that role serving the site).
public enum RecipientRef: Sendable, Hashable, Codable, CustomStringConvertible {
    case organisation(String)
    case person(String)
    case role(OrganisationRole)

    public init?(parsing s: String) {
        let parts = s.split(separator: ":", maxSplits: 1).map { $0.trimmingWhitespace() }
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "org": self = .organisation(parts[1])
        case "person": self = .person(parts[1])
        case "role": guard let r = OrganisationRole(rawValue: parts[1]) else { return nil }; self = .role(r)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .organisation(let id): return "org:\(id)"
        case .person(let id): return "person:\(id)"
        case .role(let r): return "role:\(r.rawValue)"
        }
    }
}

public struct EscalationLevelConfig: Sendable, Hashable, Codable {
    public var level: Int
    public var notify: [RecipientRef]
    /// Added for technical incidents only (the site's technicians at level 1).
    public var notifyTechnical: [RecipientRef]
    /// Added for security incidents only (police, border guard).
    public var notifySecurity: [RecipientRef] = []
    /// Reached only by a Department user's decision, never by a timer.
    public var byDecision: Bool = false
    public var source: String = ""
    /// The articles behind `notify_technical` / `notify_security`, cited only for that category
    /// (a technical row must not cite the police's article 7.3).
    public var sourceTechnical: String = ""
    public var sourceSecurity: String = ""
    /// How long an unacknowledged incident waits at this level before the next is notified.
    public var timeout: Seconds?
    /// Repeat interval for reminders (meaningful on the last level).
    public var reminder: Seconds?
    public var line: Int
}

public struct EscalationChainConfig: Sendable, Hashable, Codable {
    public var name: String
    public var file: String
    public var levels: [EscalationLevelConfig]
    /// Where an incident enters the chain, by `category.severity` (e.g. `technical.warning`):
    /// a level number, or `technicians` for "technicians only, no escalation".
    public var routing: [String: String]
    /// Re-escalate an acknowledged incident that is not resolved within this time.
    public var ackTimeout: Seconds?
    /// A check failing again within this time after resolution reopens the same incident (default 1h).
    public var reopenWindow: Seconds? = nil
    /// `[inform NAME]` groups told at once.
    public var informs: [InformConfig] = []
    /// `[finding CODE]` rules.
    public var findings: [FindingConfig] = []
    /// Technical incidents outside operating hours wait for the next window (default true).
    public var holdOutsideHours: Bool = true
}

public struct InformConfig: Sendable, Hashable, Codable {
    public var name: String
    public var notify: [RecipientRef]
    public var when: [RouteSelector]
    public var source: String
}

public struct FindingConfig: Sendable, Hashable, Codable {
    public var code: String
    public var category: IncidentCategory?
    public var severity: CheckStatus?
    public var inform: [RecipientRef]
    public var urgent: Bool
    public var source: String
}

public struct MessageTemplate: Sendable, Hashable, Codable {
    public var name: String
    public var file: String
    public var text: String
}

/// One check as configured, with its kind-specific keys left in `parameters` for the probe module.
public struct CheckDefinition: Sendable, Hashable {
    public var id: String
    public var site: String
    public var kind: String
    public var name: String
    public var interval: Seconds
    public var timeout: Seconds
    /// Consecutive failing results before the state is hard (Nagios max_check_attempts).
    public var failAfter: Int
    /// Consecutive OK results before a hard failure recovers.
    public var recoverAfter: Int
    /// Judged against the site's operating hours (the screen is expected dark outside them).
    public var followsSchedule: Bool
    public var dependsOn: [String]
    public var category: IncidentCategory
    public var enabled: Bool
    public var parameters: ConfigSection
}

public struct CheckDefaults: Sendable, Hashable {
    public var interval: Seconds = .seconds(30)
    public var timeout: Seconds = .seconds(10)
    public var failAfter = 3
    public var recoverAfter = 2
}

public struct SiteProfile: Sendable, Hashable {
    public var id: String
    public var name: String
    public var nameEnglish: String
    public var province: String
    public var zone: ZoneOffset
    public var schedule: OperatingSchedule
    /// Organisation that runs the cluster (contacts id).
    public var operatorOrganisation: String
    public var technicians: [String]
    public var chain: String
    public var defaults: CheckDefaults
    public var checks: [CheckDefinition]
    /// Extra sections of the site folder (maintenance windows, responders, …) for the modules that own them.
    public var sections: [ConfigSection]
    public var folder: String
    /// The place alone ("Tây Trang"), for email subjects (docs/glossary.md); the name when unset.
    public var shortName: String = ""

    public func check(_ id: String) -> CheckDefinition? { checks.first { $0.id == id } }
}

public struct DaemonSettings: Sendable, Hashable {
    public var database: String
    public var secretsFile: String?
    public var logLevel: LogLevel = .info
    /// How long probe history is kept.
    public var historyRetention: Seconds = .hours(24 * 400)
    /// One sample per check is stored at least this often even without a state change.
    public var sampleInterval: Seconds = .minutes(5)
    /// The daemon records that it is alive this often (reports use it to tell "no data").
    public var heartbeatInterval: Seconds = .seconds(60)
    /// Random spread added to each check's first run and interval, as a fraction (0.1 = ±10 %).
    public var jitter: Double = 0.1
    /// How long a stop waits for the services to finish what they hold, in reverse start order.
    public var stopTimeout: Seconds = Seconds(milliseconds: 1500)
    /// Threads of the bounded pool for blocking C calls (fixed at start; a reload names it).
    public var blockingThreads: Int = 16
}

/// Everything read from a configuration folder.
public struct WatchpostConfiguration: Sendable {
    public var root: String
    public var daemon: DaemonSettings
    /// Global sections from `watchpost.conf` (smtp, imap, web, …) for the modules that own them.
    public var globalSections: [ConfigSection]
    public var sites: [SiteProfile]
    public var contacts: ContactBook
    public var chains: [String: EscalationChainConfig]
    public var templates: [String: MessageTemplate]

    public func site(_ id: String) -> SiteProfile? { sites.first { $0.id == id } }
    public func section(_ type: String) -> ConfigSection? { globalSections.first { $0.type == type } }
    public var allChecks: [CheckDefinition] { sites.flatMap(\.checks) }
    public func check(_ id: String) -> CheckDefinition? {
        // `site/check` or a bare check id when it is unique.
        if let slash = id.firstIndex(of: "/") {
            return site(String(id[..<slash]))?.check(String(id[id.index(after: slash)...]))
        }
        let matches = allChecks.filter { $0.id == id }
        return matches.count == 1 ? matches[0] : nil
    }
}

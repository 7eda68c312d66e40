import WatchpostCore

/// The kind-specific keys of one kind of check. Each probe module's configuration lives in a file
/// of its own next to this one (`Kinds+Exec.swift`, …) and is listed in `CheckKinds.all`.
public struct CheckKindSchema: Sendable {
    public var kind: String
    public var summary: String
    public var defaultCategory: IncidentCategory
    public var keys: [KeySpec]
    /// Cross-key checks (e.g. "port needs host"); returns diagnostics for the section.
    public var validate: @Sendable (ConfigSection) -> [ConfigDiagnostic]

    public init(kind: String, summary: String, defaultCategory: IncidentCategory = .technical, keys: [KeySpec],
                validate: @escaping @Sendable (ConfigSection) -> [ConfigDiagnostic] = { _ in [] }) {
        self.kind = kind
        self.summary = summary
        self.defaultCategory = defaultCategory
        self.keys = keys
        self.validate = validate
    }
}

public enum CheckKinds {
    /// Every kind of check the product knows. Add a probe module's schema here.
    public static let all: [CheckKindSchema] = [exec, upsHID, upsQ1, upsNUT, icmp, tcp, http, novastar, content, player, contentFreshness, storage]

    public static func schema(_ kind: String) -> CheckKindSchema? { all.first { $0.kind == kind } }

    /// Keys every check has, whatever its kind.
    public static let commonKeys: [KeySpec] = [
        KeySpec("kind", .nonEmpty, required: true, help: "which probe runs this check"),
        KeySpec("name", .nonEmpty, help: "a name for people, Vietnamese first"),
        KeySpec("interval", .duration(min: .seconds(1), max: .hours(24)), help: "how often it runs"),
        KeySpec("timeout", .duration(min: Seconds(milliseconds: 100), max: .hours(1)), help: "hard limit for one run"),
        KeySpec("fail_after", .integer(1...64), help: "consecutive failures before the state is hard"),
        KeySpec("recover_after", .integer(1...64), help: "consecutive OK results before recovery"),
        KeySpec("follows_schedule", .boolean, help: "judge against the site's operating hours"),
        KeySpec("depends_on", .identifierList, help: "parent checks (network link, power)"),
        KeySpec("category", .oneOf(IncidentCategory.allCases.map(\.rawValue)), help: "technical or security"),
        KeySpec("enabled", .boolean),
        KeySpec("notes", .text),
        KeySpec("power_source", .boolean, help: "this check watches the site's power (UPS): while it fails, checks explained by power fold into its incident"),
        KeySpec("explained_by_power", .boolean, help: "fold into the power incident while the power check fails (screen dark, controller unreachable)"),
        KeySpec("flapping", .boolean, help: "flapping detection (default true)"),
        KeySpec("flapping_high", .number(1...100), help: "flapping starts above this percentage of state changes (default 30)"),
        KeySpec("flapping_low", .number(0...100), help: "flapping ends below this percentage (default 25)"),
    ]
}

/// Sections of `watchpost.conf`. A module that reads a global section lists its schema here.
public enum GlobalSections {
    public static let all: [SectionSchema] = [daemon, ReportSections.reports, web, smtp, imap, mail, remote]

    public static let daemon = SectionSchema(type: "daemon", keys: [
        KeySpec("database", .nonEmpty, help: "SQLite file, relative to the configuration folder"),
        KeySpec("secrets", .nonEmpty, help: "secrets file (mode 0600)"),
        KeySpec("log_level", .oneOf(["debug", "info", "notice", "warning", "error"])),
        KeySpec("history_retention", .duration(min: .hours(24), max: .hours(24 * 3650))),
        KeySpec("sample_interval", .duration(min: .seconds(10), max: .hours(24))),
        KeySpec("heartbeat_interval", .duration(min: .seconds(5), max: .hours(1))),
        KeySpec("jitter", .number(0...0.5)),
        KeySpec("stop_timeout", .duration(min: Seconds(milliseconds: 500), max: .minutes(5)),
                help: "how long SIGTERM waits for the services to finish what they hold (default 1500ms; keep below systemd's TimeoutStopSec)"),
        KeySpec("blocking_threads", .number(2...256),
                help: "threads of the one pool that runs blocking C calls: probes, DNS, libcurl, PBKDF2, scans (default 16; restart to change)"),
    ])
}

/// Placeholders a message template may use, `{{name}}`. The mail module fills them.
public enum TemplatePlaceholders {
    public static let known: Set<String> = [
        "site", "site_en", "check", "check_name", "status", "status_vi", "value", "summary", "since", "level",
        "category", "category_vi", "incident", "notified", "action", "action_en", "ack_link", "recipient",
        // Scheduled uptime reports (WatchpostReports).
        "period", "report", "availability", "site_name", "basis", "due", "report_link", "report_kind", "report_key", "attachment_pdf", "attachment_csv",
        // mail: acknowledgement by reply, grouped and scheduled messages, delivery failures
        "ack_code", "site_id", "time", "by", "note", "count", "incidents", "checks_ok", "checks_problem",
        "failed_recipient", "error", "original_subject", "reason", "reason_en", "event", "event_vi",
        // Registers (RegisterNotices): feedback forwarded and reminded.
        "headline", "headline_en", "id", "subject", "subject_en", "received", "from", "from_en", "channel", "channel_en", "item", "text", "link",
        // who did what (issue 14): organisation, channel, the decision, what was resolved or added
        "by_org", "via", "via_en", "decision", "resolved_what", "added", "who", "added_en",
        // Vietnamese first (issue 15): each text in both languages, the place alone for subjects.
        "site_short", "summary_en", "since_en", "time_en", "category_en", "category_short", "detail", "ack_link_en", "incidents_en", "level_en", "period_en", "availability_en", "attachment_html", "check_name_en",
        "value_en", "who_en", "note_en", "resolved_what_en",
    ]

    /// Placeholders only some events fill: a template of another event that uses one would print
    /// an empty line, so `watchpost check` reports it. Key: template name (the event's).
    public static let filledOnlyBy: [String: Set<String>] = [
        "by": ["acknowledged", "resolved", "committee-escalation", "comment"],
        "by_org": ["acknowledged", "resolved", "committee-escalation", "comment"],
        "who": ["acknowledged", "resolved", "committee-escalation", "comment"],
        "via": ["acknowledged", "resolved", "committee-escalation", "comment"],
        "via_en": ["acknowledged", "resolved", "committee-escalation", "comment"],
        "note": ["acknowledged", "resolved", "committee-escalation", "comment"],
        "note_en": ["acknowledged", "resolved", "committee-escalation", "comment"],
        "who_en": ["acknowledged", "resolved", "committee-escalation", "comment"],
        "decision": ["committee-escalation"],
        "resolved_what": ["resolved"],
        "resolved_what_en": ["resolved"],
        "added": ["finding-added"],
        "added_en": ["finding-added"],
    ]
}

/// The contract between the incident engine and the mail module. The engine decides *who* must
/// be told *what*; it emits these values (tests assert the exact list). The store queues them in
/// the outbox in the same transaction as the incident change that caused them, and the mail
/// module renders and delivers them.
public struct NotificationRequest: Sendable, Hashable, Codable {
    public enum Event: String, Sendable, Hashable, Codable, CaseIterable {
        case triggered, escalated, escalationNotice, acknowledged, reminder, resolved, reopened
        /// Told at once, for information (no acknowledgement needed).
        case informed
        /// The severity of an open incident rose ("mức độ tăng lên").
        case severityRaised
        /// A Department user put the incident to the Provincial People's Committee.
        case committeeEscalation
        /// A comment on the incident (told to those notified).
        case comment
        /// A finding of another kind added to an open incident.
        case findingAdded
        case flappingStarted, flappingStopped, responderRan, responderFailed, deliveryFailed
        case digest, heartbeat, report, test
        /// The short answer to an email reply that changed nothing (forged, expired, used token…).
        case replyRejected
        /// A register item that someone must act on: feedback forwarded to the Department, or
        /// feedback still unanswered after the site's reminder age (Tây Trang 7.2.5).
        case registerNotice
    }

    /// Stable and unique per step and recipient, e.g. `inc-42/escalated/2/stttt@…`. The outbox
    /// refuses a second request with the same key, so a step replayed after a crash is never
    /// notified twice.
    public var key: String
    public var event: Event
    public var site: String
    public var incidentID: Int64?
    public var checkID: String?
    public var level: Int?
    public var recipient: NotificationRecipient
    /// Template name under alerts/templates/ (without `.txt`).
    public var template: String
    /// Values for the template's placeholders.
    public var fields: [String: String]
    public var createdAt: Instant

    public init(key: String, event: Event, site: String, incidentID: Int64? = nil, checkID: String? = nil, level: Int? = nil,
                recipient: NotificationRecipient, template: String, fields: [String: String], createdAt: Instant) {
        self.key = key
        self.event = event
        self.site = site
        self.incidentID = incidentID
        self.checkID = checkID
        self.level = level
        self.recipient = recipient
        self.template = template
        self.fields = fields
        self.createdAt = createdAt
    }
}

public struct NotificationRecipient: Sendable, Hashable, Codable {
    public var address: String
    public var displayName: String
    /// Contacts id of the organisation (or person) this address belongs to.
    public var contactID: String
    /// The roles of its organisation (the acknowledgement policy asks them for links and replies).
    public var roles: [PartyRole]?
    /// Its organisation's name.
    public var organisation: String?

    public init(address: String, displayName: String, contactID: String, roles: [PartyRole]? = nil, organisation: String? = nil) {
        self.address = address
        self.displayName = displayName
        self.contactID = contactID
        self.roles = roles
        self.organisation = organisation
    }
}

// The emails the registers send (issue #18), as notification requests for the outbox: the
// feedback forwarded to the Department (Tây Trang 7.2.5: the border guard "informs the
// Department promptly" of the public's feedback), and the reminder of feedback left unanswered
// past the site's age (`[feedback] remind_after`): to the Department when it was forwarded,
// to the operating unit when it was not. Template `alerts/templates/feedback.txt`.
import WatchpostCore

public enum RegisterNotices {
    public static let feedbackTemplate = "feedback"

    /// The feedback's fields for the template, Vietnamese first.
    static func fields(_ f: Feedback, site: SiteProfile, headline: Message, by: String, webBase: String?) -> [String: String] {
        let z = site.zone
        return [
            "site": site.name,
            "site_en": site.nameEnglish,
            "headline": Catalogue.render(headline, .vi, zone: z),
            "headline_en": Catalogue.render(headline, .en, zone: z),
            "id": String(f.id),
            "subject": Catalogue.render(Message(MessageKey("registers.feedback.subject." + f.subject.rawValue)), .vi),
            "subject_en": Catalogue.render(Message(MessageKey("registers.feedback.subject." + f.subject.rawValue)), .en),
            "received": HumanFormat.date(f.receivedOn),
            "from": f.from.isEmpty ? "ẩn danh" : f.from,
            "from_en": f.from.isEmpty ? "anonymous" : f.from,
            // The channel by name in each language (review of #18, s5: the Vietnamese part showed "phone").
            "channel": Catalogue.render(Message(MessageKey("registers.feedback.channel." + f.channel.rawValue)), .vi),
            "channel_en": Catalogue.render(Message(MessageKey("registers.feedback.channel." + f.channel.rawValue)), .en),
            "item": f.item.isEmpty ? "—" : f.item,
            "text": f.text,
            "by": by,
            "link": webBase.map { "\($0)/registers/feedback?site=\(site.id)" } ?? "—",
        ]
    }

    /// The forward of `f` to every Department address serving the site.
    public static func forward(_ f: Feedback, site: SiteProfile, contacts: ContactBook, by: String, at: Instant, webBase: String?) -> [NotificationRequest] {
        let headline = Message("registers.feedback.forwarded", ["id": .int(f.id)])
        return contacts.organisations(withRole: .department, site: site.id).flatMap { org in
            org.addresses.map { address in
                NotificationRequest(key: "feedback/\(site.id)/\(f.id)/forward/\(address)", event: .registerNotice, site: site.id,
                                    recipient: NotificationRecipient(address: address, displayName: org.name, contactID: org.id),
                                    template: feedbackTemplate, fields: fields(f, site: site, headline: headline, by: by, webBase: webBase), createdAt: at)
            }
        }
    }

    /// The reminder of open feedback past `site.feedbackReminder`, at most one per reminder
    /// period per item (the key carries the period's number), or none.
    public static func reminders(_ f: Feedback, site: SiteProfile, contacts: ContactBook, now: Instant, webBase: String?) -> [NotificationRequest] {
        let age = site.feedbackReminder
        guard f.isOverdue(now: now, age: age, zone: site.zone), age.milliseconds > 0 else { return [] }
        let since = f.since(zone: site.zone)
        let period = (now - since).milliseconds / age.milliseconds
        let role: OrganisationRole = f.state == .forwarded ? .department : .operator
        let headline = Message("registers.feedback.reminder", ["id": .int(f.id), "age": .duration(now - since)])
        return contacts.organisations(withRole: role, site: site.id).flatMap { org in
            org.addresses.map { address in
                NotificationRequest(key: "feedback/\(site.id)/\(f.id)/remind/\(period)/\(address)", event: .registerNotice, site: site.id,
                                    recipient: NotificationRecipient(address: address, displayName: org.name, contactID: org.id),
                                    template: feedbackTemplate, fields: fields(f, site: site, headline: headline, by: "Watchpost", webBase: webBase), createdAt: now)
            }
        }
    }
}

// Who a web user or a link's recipient is, for the one acknowledgement policy and for the
// notices (name, organisation): the web account's role, its organisation from the contact book
// (by its email address), and the role labels the configuration gives (`[role NAME]` in
// alerts/contacts.conf, so a renamed body needs no code change).
import WatchpostCore
import WatchpostConfig
import WatchpostStore

extension WebApp {
    /// The organisation named in notices for a web user: the account's own (`user add --org`, the
    /// users page), else the contact book's organisation of its email address, else the
    /// configured label of its role.
    func organisation(of user: WebUser) -> String? {
        if let o = user.organisation, !o.isEmpty { return o }
        if let e = user.email, let p = configuration.contacts.party(e), let o = p.organisation { return o }
        return roleLabel(user.role)
    }

    /// The label of a role, from the configuration when it gives one.
    func roleLabel(_ role: UserRole) -> String {
        configuration.contacts.roleLabels[role.rawValue]?.name ?? role.vietnamese
    }

    /// The roles of a link's recipient: as recorded when the incident was notified, else as the
    /// contact book knows the address now.
    func linkRoles(_ recipient: String, incident: IncidentView) -> [PartyRole] {
        if let r = incident.notifiedRoles[recipient.lowercased()], !r.isEmpty { return r }
        return configuration.contacts.party(recipient)?.roles ?? []
    }
}

extension WebApp {
    /// The page frame with the signed-in user's role shown by its configured label: every page of
    /// the app calls this (member lookup finds it before the free function).
    func page(_ title: String, _ titleEnglish: String, user: String?, role: String? = nil, status: Int = 200, body: String,
              headers: [(String, String)] = []) -> (Int, String, [(String, String)]) {
        WatchpostWeb.page(title, titleEnglish, user: user, role: role, roleLabel: role.flatMap(UserRole.init(rawValue:)).map(roleLabel), status: status,
                          body: body, headers: headers)
    }
}

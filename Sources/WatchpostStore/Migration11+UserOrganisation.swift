// Migration 11 (escalation, #14): the organisation a web account acts for, named with the person
// in every acknowledgement, escalation, comment and restoring-action notice and on the timeline
// (issue 14 point 6). A table of its own (one row per account that has one) so that databases
// already past version 11 get it too: a migration whose first table is missing runs whatever
// the stored schema version.
import WatchpostCore
import SQLite

extension Migrations {
    static let userOrganisation = Migration(version: 11, name: "web account organisation", sql: """
        CREATE TABLE web_user_organisation (
            user_id INTEGER PRIMARY KEY REFERENCES web_user(id) ON DELETE CASCADE,
            organisation TEXT NOT NULL
        );
        """)
}

extension Store {
    /// Sets (or, with nil or empty, clears) the organisation an account acts for.
    public func setUserOrganisation(login: String, organisation: String?) throws(WatchpostError) {
        let org = organisation?.trimmingWhitespace() ?? ""
        do {
            guard let id = try db.query("SELECT id FROM web_user WHERE login = ?", login).first?["id"].int else {
                throw WatchpostError(.notFound, "no user '\(login)'", hint: "see 'watchpost user list'")
            }
            if org.isEmpty {
                try db.run("DELETE FROM web_user_organisation WHERE user_id = ?", id)
            } else {
                try db.run("INSERT INTO web_user_organisation (user_id, organisation) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET organisation = excluded.organisation",
                           id, String(org.prefix(200)))
            }
        } catch let e as WatchpostError { throw e } catch { throw storageError("cannot set the organisation of \(login)", error) }
    }

    /// The account with its organisation read from `web_user_organisation`.
    func withOrganisation(_ u: WebUser) throws -> WebUser {
        var u = u
        u.organisation = try db.query("SELECT organisation FROM web_user_organisation WHERE user_id = ?", u.id).first?["organisation"].string
        return u
    }
}

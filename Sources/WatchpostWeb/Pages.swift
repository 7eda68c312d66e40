// The pages people use: the status board (open incidents first, then every check with its state,
// since when and last value), the incident list and incident page (timeline and the actions the
// user's role allows), the reports page, and user management for admins.
import WatchpostCore
import WatchpostStore
import WatchpostAuth
import HTTPServer
import Posix

extension WebApp {
    // MARK: - Status board

    /// The check's last readings in Vietnamese ("điện áp ắc quy 12,7 V"), catalogue names and the
    /// decimal comma (`Readings`, issue 15 Deliver 2); the JSON API keeps the raw values.
    func lastValue(_ s: StoredCheckState) -> String {
        guard let r = s.result, !r.measurements.isEmpty else { return "" }
        return Readings.text(r.measurements, .vi, limit: 3)
    }

    func incidentBadge(_ i: IncidentView) -> String {
        let cls = i.state == "resolved" ? "resolved" : i.state == "acknowledged" ? "acked" : statusClass(i.severity)
        return "<span class=\"badge \(cls)\">\(stateLabel(i.state))</span>"
    }

    func incidentRows(_ incidents: [IncidentView]) -> String {
        var rows = ""
        for i in incidents {
            let z = zone(forSite: i.site)
            let ack = i.acknowledgedBy.map { by in
                "<br><span class=\"muted\">\(esc(by)) · \(i.acknowledgedAt.map { shortTime($0, z) } ?? "")</span>"
            } ?? ""
            rows += """
            <tr><td data-l="\(PageText.html("web.col.incident"))"><a href="/incidents/\(i.id)">#\(i.id)</a></td>
            <td data-l="\(PageText.html("web.col.state"))">\(incidentBadge(i))\(ack)</td>
            <td data-l="\(PageText.html("web.col.check"))">\(esc(i.checkName)) <span class="muted">(\(esc(i.site))/\(esc(i.check)))</span><br>\(esc(i.summary(.vi, zone: z)))</td>
            <td data-l="\(PageText.html("web.col.category"))">\(esc(i.category.vietnamese)) · \(esc(i.severity.vietnamese))<br><span class="muted" lang="en">\(esc(i.category.english)) · \(esc(i.severity.description))</span></td>
            <td data-l="\(PageText.html("web.col.since"))" class="since">\(shortTime(i.since, z))<br><span class="muted">\(levelHTML(i.level))</span></td></tr>
            """
        }
        return rows
    }

    func incidentTable(_ incidents: [IncidentView]) -> String {
        """
        <table class="checks"><thead><tr><th>\(PageText.head("web.col.incident"))</th><th>\(PageText.head("web.col.state"))</th><th>\(PageText.head("web.col.check"))</th><th>\(PageText.head("web.col.category"))</th><th>\(PageText.head("web.col.since"))</th></tr></thead>
        <tbody>\(incidentRows(incidents))</tbody></table>
        """
    }

    func statusBoard(_ who: Caller) async -> HTTPResponse {
        let states = await checkStates()
        let now = clock.now()
        var body = ""
        if let desk {
            let open = ((try? await desk.incidents(limit: 200)) ?? []).filter(\.isOpen)
            body += "<h2>\(PageText.heading("web.h.open_incidents")) (\(open.count))</h2>"
            body += open.isEmpty ? "<p class=\"card\">\(PageText.html("web.t.no_open_incidents"))</p>" : incidentTable(open)
        } else {
            body += "<p class=\"card notice\">\(PageText.html("web.t.incident_engine_not_connected"))</p>"
        }
        body += await operatingHoursCard()  // the operating plan's hours (registers, Tây Trang 7.2.1.b)
        body += await maintenanceSection(now: now)
        body += "<h2>\(PageText.heading("web.h.checks")) (\(states.count))</h2>"
        if states.isEmpty {
            body += "<p class=\"card\">\(PageText.html("web.t.no_results_yet"))</p>"
        }
        // One table per site, under the site's name (not repeated in every row).
        let siteOrder = configuration.sites.map(\.id) + Set(states.map(\.site)).subtracting(configuration.sites.map(\.id)).sorted()
        for siteID in siteOrder {
            let sorted = states.filter { $0.site == siteID }.sorted { ($0.status.severityRank, $1.checkID) > ($1.status.severityRank, $0.checkID) }
            guard !sorted.isEmpty else { continue }
            let z = zone(forSite: siteID)
            let name = configuration.site(siteID)?.name ?? siteID
            var rows = ""
            for s in sorted {
                rows += """
                <tr><td data-l="\(PageText.html("web.col.check"))">\(esc(checkName(site: s.site, check: s.checkID))) <span class="muted">(\(esc(s.checkID)))</span></td>
                <td data-l="\(PageText.html("web.col.state"))"><span class="badge \(statusClass(s.status))">\(esc(s.status.vietnamese)) / \(s.status)</span>\(s.hard ? "" : " <span class=\"muted\">(\(PageText.html("web.status.soft")))</span>")</td>
                <td data-l="\(PageText.html("web.col.since"))" class="since">\(shortTime(s.since, z))<br><span class="muted">\(ago(now - s.since))</span></td>
                <td data-l="\(PageText.html("web.col.last_value"))">\(esc(s.result.map { Catalogue.render($0.text, .vi, zone: z) } ?? s.summary))<br><span class="muted">\(esc(lastValue(s)))</span></td></tr>
                """
            }
            body += """
            <h3 class="site">\(esc(name))</h3>
            <table class="checks"><thead><tr><th>\(PageText.head("web.col.check"))</th><th>\(PageText.head("web.col.state"))</th><th>\(PageText.head("web.col.since"))</th><th>\(PageText.head("web.col.last_value_2"))</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        }
        body += "<p class=\"muted\">\(PageText.html("web.board.updated", ["at": shortTime(now, zone(forSite: ""))])) · <a href=\"/reports\">\(PageText.html("web.t.uptime_reports"))</a></p>"
        return html(page(PageText.vi("web.t.status_board"), PageText.en("web.t.status_board"), user: who.name, role: who.user?.role.rawValue, body: body,
                         headers: [("Refresh", "60")]))
    }

    /// Maintenance windows on the board: the ones in force now and the next one of each site
    /// (profile windows from the configuration, ad-hoc ones from the database), site's zone.
    func maintenanceSection(now: Instant) async -> String {
        var windows: [MaintenanceWindow] = []
        for site in EngineSettings(configuration: configuration).sites { windows += site.maintenance.filter { $0.end > now } }
        windows += ((try? await reader.maintenanceWindows(endingAfter: now)) ?? []).filter { $0.stoppedAt == nil }.map(\.window)
        let current = windows.filter { $0.isActive(at: now) }.sorted { $0.end < $1.end }
        var next: [MaintenanceWindow] = []
        for site in Set(windows.map { $0.site ?? "" }).sorted() {
            if let n = windows.filter({ ($0.site ?? "") == site && $0.start > now }).min(by: { $0.start < $1.start }) { next.append(n) }
        }
        func row(_ w: MaintenanceWindow, _ label: String) -> String {
            let z = zone(forSite: w.site ?? "")
            let checks = w.checks.isEmpty ? PageText.text("web.t.all_checks") : w.checks.map { checkName(site: w.site ?? "", check: $0) }.joined(separator: ", ")
            return """
            <tr><td data-l="\(PageText.html("web.col.maintenance"))">\(label)</td><td data-l="\(PageText.html("web.col.site"))">\(esc(w.site.flatMap { configuration.site($0)?.name } ?? PageText.text("web.t.all_sites")))</td>
            <td data-l="\(PageText.html("web.col.when"))" class="since">\(shortTime(w.start, z)) → \(shortTime(w.end, z))</td><td data-l="\(PageText.html("web.col.checks"))">\(esc(checks))</td><td data-l="\(PageText.html("web.col.reason"))">\(esc(w.reason))</td></tr>
            """
        }
        let body = "<h2>\(PageText.heading("web.h.maintenance_windows"))</h2>"
        if current.isEmpty && next.isEmpty { return body + "<p class=\"card\">\(PageText.html("web.t.no_maintenance_now_ahead"))</p>" }
        let rows = current.map { row($0, "<span class=\"badge warn\">\(PageText.html("web.t.now"))</span>") }.joined()
            + next.map { row($0, "<span class=\"badge acked\">\(PageText.html("web.t.next"))</span>") }.joined()
        return body + """
            <table class="checks"><thead><tr><th>\(PageText.head("web.col.maintenance"))</th><th>\(PageText.head("web.col.site"))</th><th>\(PageText.head("web.col.when"))</th><th>\(PageText.head("web.col.checks"))</th><th>\(PageText.head("web.col.reason"))</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    // MARK: - Incidents

    func incidentList(_ who: Caller) async -> HTTPResponse {
        guard let desk else { return unavailable(who) }
        do {
            let all = try await desk.incidents(limit: 500)
            let body = all.isEmpty ? "<p class=\"card\">\(PageText.html("web.t.no_incidents_yet"))</p>" : incidentTable(all)
            return html(page(PageText.vi("web.t.incidents"), PageText.en("web.t.incidents"), user: who.name, role: who.user?.role.rawValue, body: body))
        } catch {
            return serverError(who, error)
        }
    }

    func unavailable(_ who: Caller) -> HTTPResponse {
        html(page(PageText.vi("web.t.unavailable"), PageText.en("web.t.unavailable"), user: who.name, role: who.user?.role.rawValue, status: 503,
                  body: "<p class=\"card notice\">\(PageText.html("web.t.incident_engine_not_connected_2"))</p>"))
    }

    func serverError(_ who: Caller, _ error: WatchpostError) -> HTTPResponse {
        logger.error("web: request failed", [("error", error.description)])
        return html(page(PageText.vi("web.t.server_error"), PageText.en("web.t.server_error"), user: who.name, role: who.user?.role.rawValue, status: 500,
                         body: "<div class=\"card error\"><p>\(esc(error.message))</p></div>"))
    }

    func incidentPage(_ who: Caller, id: Int64, message: String?, status: Int = 200) async -> HTTPResponse {
        guard let desk, let user = who.user else { return unavailable(who) }
        let incident: IncidentView?
        let timeline: [TimelineItem]
        do {
            incident = try await desk.incident(id)
            timeline = incident == nil ? [] : try await desk.timeline(id)
        } catch { return serverError(who, error) }
        guard let i = incident else { return notFound(who) }
        let z = zone(forSite: i.site)
        var body = message.map { "<div class=\"card notice\"><p>\(esc($0))</p></div>" } ?? ""
        body += """
        <div class="card"><p>\(incidentBadge(i)) <span class="badge \(statusClass(i.severity))">\(esc(i.severity.vietnamese)) / \(i.severity)</span></p>
        <p><strong>\(esc(i.checkName))</strong> <span class="muted">(\(esc(i.site))/\(esc(i.check)))</span></p>
        <p>\(esc(i.summary(.vi, zone: z)))</p><p class="muted" lang="en">\(esc(i.summary(.en, zone: z)))</p>
        <p class="muted">\(esc(i.category.vietnamese)) / \(esc(i.category.english)) · \(PageText.html("web.incident.opened", ["at": shortTime(i.openedAt, z)])) · \(levelHTML(i.level))\(i.resolvedAt.map { " · " + PageText.html("web.incident.resolved", ["at": shortTime($0, z)]) } ?? "")</p>
        \(i.acknowledgedBy.map { by in "<p>\(PageText.html("web.t.acknowledged_2")) <strong>\(esc(by))</strong>\(i.acknowledgedVia.map { " (\(esc(channelText($0))))" } ?? "") \(i.acknowledgedAt.map { shortTime($0, z) } ?? "")\(i.acknowledgementNote.map { ": " + esc($0) } ?? "")</p>" } ?? "")
        </div>
        """
        // Only the actions the role allows are offered; the server checks again on post.
        let csrf = esc(who.session?.csrfToken ?? "")
        var actions = ""
        if i.isOpen, !i.isAcknowledged, AccessPolicy.decide(user.role, .acknowledge, category: i.category).allowed {
            actions += """
            <form method="post" action="/incidents/\(i.id)/ack" class="card"><input type="hidden" name="csrf" value="\(csrf)">
            <label for="ack-note">\(PageText.html("web.t.note_optional"))</label><textarea id="ack-note" name="note" rows="2" maxlength="2000"></textarea>
            <button type="submit">\(PageText.html("web.t.acknowledge"))</button></form>
            """
        }
        if i.isOpen, AccessPolicy.decide(user.role, .resolve, category: i.category).allowed {
            actions += """
            <form method="post" action="/incidents/\(i.id)/resolve" class="card"><input type="hidden" name="csrf" value="\(csrf)">
            <label for="resolve-note">\(PageText.html("web.t.resolution_note"))</label><textarea id="resolve-note" name="note" rows="2" maxlength="2000"></textarea>
            <button type="submit">\(PageText.html("web.t.resolve"))</button></form>
            """
        }
        actions += escalateForm(i, role: user.role, csrf: csrf) + respondForms(i, role: user.role, csrf: csrf)
        body += committeeDecisionCard(i)
        if AccessPolicy.decide(user.role, .note, category: i.category).allowed {
            actions += """
            <form method="post" action="/incidents/\(i.id)/note" class="card"><input type="hidden" name="csrf" value="\(csrf)">
            <label for="note-text">\(PageText.html("web.t.add_note"))</label><textarea id="note-text" name="note" rows="2" maxlength="2000" required></textarea>
            <button type="submit" class="secondary">\(PageText.html("web.t.save_note"))</button></form>
            """
        }
        if !actions.isEmpty { body += "<h2>\(PageText.heading("web.h.actions"))</h2>" + actions }
        body += "<h2>\(PageText.heading("web.h.timeline"))</h2><ol class=\"timeline\">"
        for t in timeline {
            // In Vietnamese from the catalogue: the kind's title and what happened (issue 15).
            let kind = Catalogue.contains(MessageKey("timeline.kind." + t.kind)) ? Catalogue.render(Message(MessageKey("timeline.kind." + t.kind)), .vi, zone: z) : t.kind
            let what = t.message.map { Catalogue.render($0, .vi, zone: z) } ?? t.text
            body += "<li><span class=\"muted\">\(shortTime(t.at, z)) · \(esc(kind)) · \(esc(Catalogue.render(TimelineEvent.actorMessage(t.actor), .vi, zone: z)))</span><br>\(esc(what))\(t.message.map { "<br><span class=\"muted\" lang=\"en\">" + esc(Catalogue.render($0, .en, zone: z)) + "</span>" } ?? "")</li>"
        }
        body += "</ol>"
        return html(page(PageText.vi("web.t.incident", ["id": .text("\(i.id)")]), PageText.en("web.t.incident", ["id": .text("\(i.id)")]), user: who.name, role: user.role.rawValue, status: status, body: body))
    }

    func incidentAction(_ r: HTTPRequest, _ who: Caller, id: Int64, action: String) async -> HTTPResponse {
        guard let desk, let user = who.user else { return unavailable(who) }
        let act: WebAction
        switch action {
        case "ack": act = .acknowledge
        case "resolve": act = .resolve
        case "note": act = .note
        case "escalate": act = .escalate
        case "respond": act = .respond
        default: return notFound(who)
        }
        let incident: IncidentView?
        do { incident = try await desk.incident(id) } catch { return serverError(who, error) }
        guard let i = incident else { return notFound(who) }
        let d = AccessPolicy.decide(user.role, act, category: i.category)
        guard d.allowed else { return await refusePage(r, who, status: 403, action: "\(act.rawValue) incident \(id)", reason: d.reason, incident: id) }
        let form = parseForm(r.body)
        // Control characters stripped (FreeText says why strip, not refuse, for a note).
        let note = form["note"].map { FreeText.clean($0).trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : String($0.prefix(2000)) }
        let actor = IncidentActor(name: user.displayName.isEmpty ? user.login : user.displayName, via: "web", address: who.address,
                                  organisation: organisation(of: user), roles: [user.role.party])
        do {
            let message: String
            switch act {
            case .acknowledge:
                _ = try await desk.acknowledge(id, by: actor, note: note)
                message = PageText.text("web.t.acknowledged_3")
            case .resolve:
                _ = try await desk.resolve(id, by: actor, note: note)
                message = PageText.text("web.t.resolved_2")
            case .escalate:
                guard let note else {
                    return await incidentPage(who, id: id, message: Catalogue.bilingual(Message("web.escalate.needs-note")), status: 400)
                }
                _ = try await desk.escalateToCommittee(id, by: actor, note: note)
                message = Catalogue.bilingual(Message("web.escalate.done"))
            case .respond:
                let check = form["check"] ?? ""
                guard screenChecks(site: i.site).contains(where: { $0.id == check }), form["action"] == "led-restore" else {
                    return await incidentPage(who, id: id, message: Catalogue.bilingual(Message("web.respond.no-check", ["site": .text(i.site), "check": .text(check)])),
                                              status: 400)
                }
                let outcome = try await desk.respond(id, action: "led-restore", check: "\(i.site)/\(check)", by: actor, note: note)
                await audit(who, action: "respond led-restore \(i.site)/\(check) incident \(id)", allowed: true, status: outcome.succeeded ? 200 : 502,
                            reason: outcome.succeeded ? "done" : "failed", incident: id)
                return await incidentPage(who, id: id, message: Catalogue.bilingual(outcome.message), status: outcome.succeeded ? 200 : 502)
            default:
                guard let note else {
                    return await incidentPage(who, id: id, message: PageText.text("web.t.note_empty"), status: 400)
                }
                try await desk.addNote(id, by: actor, text: note)
                message = PageText.text("web.t.note_saved")
            }
            await audit(who, action: "\(act.rawValue) incident \(id)", allowed: true, status: 200, reason: "done", incident: id)
            return await incidentPage(who, id: id, message: message)
        } catch {
            if error.code == .usage || error.code == .notFound {
                await audit(who, action: "\(act.rawValue) incident \(id)", allowed: false, status: 409, reason: error.message, incident: id)
                return await incidentPage(who, id: id, message: error.message, status: 409)
            }
            return serverError(who, error)
        }
    }

    // MARK: - Reports

    func reportsPage(_ who: Caller) -> HTTPResponse {
        let today = CivilDate(daysSinceEpoch: (clock.now().seconds + Int64(zone(forSite: "").offsetSeconds)) / 86_400)
        let year = String(today.year)
        let lastMonth = today.month == 1 ? "\(today.year - 1)-12" : "\(today.year)-\(today.month - 1 < 10 ? "0" : "")\(today.month - 1)"
        var body = "<p>\(PageText.html("web.t.uptime_against_each_site"))</p><ul>"
        for s in configuration.sites {
            body += "<li><strong>\(esc(s.name))</strong> <span class=\"muted\">(\(esc(s.nameEnglish)))</span>: "
            body += "<a href=\"/reports/\(urlEncode(s.id))\">\(PageText.html("web.t.month"))</a> · "
            body += "<a href=\"/reports/\(urlEncode(s.id))?period=\(lastMonth)\">\(PageText.html("web.t.last_month"))</a> · "
            body += "<a href=\"/reports/\(urlEncode(s.id))?period=\(year)\">\(PageText.html("web.t.year"))</a> · "
            body += "<a href=\"/reports/\(urlEncode(s.id))?format=csv\">CSV</a></li>"
        }
        body += "</ul><p class=\"muted\">\(PageText.html("web.t.box")) <code>watchpost report --site SITE --period 2026-11</code> \(PageText.html("web.t.period")) <code>2026-11</code>, <code>2026-Q3</code>, <code>2026-H1</code>, <code>2026</code>, <code>2025-11-25..2026-11-24</code>)</p>"
        return html(page(PageText.vi("web.t.reports"), PageText.en("web.t.reports"), user: who.name, role: who.user?.role.rawValue, body: body))
    }

    // MARK: - Users (admins)

    func usersPage(_ who: Caller, message: String?, status: Int = 200) async -> HTTPResponse {
        let users = (try? await store.users()) ?? []
        let csrf = esc(who.session?.csrfToken ?? "")
        var rows = ""
        for u in users {
            rows += """
            <tr><td data-l="\(PageText.html("web.col.login"))">\(esc(u.login))</td><td data-l="\(PageText.html("web.col.name"))">\(esc(u.displayName))\(u.organisation.map { "<br><span class=\"muted\">\(esc($0))</span>" } ?? "")</td>
            <td data-l="\(PageText.html("web.col.role"))">\(esc(roleLabel(u.role))) <span class="muted">(\(u.role))</span></td>
            <td data-l="">\(u.login.lowercased() == who.name?.lowercased() ? "" : "<form class=\"inline\" method=\"post\" action=\"/users/\(urlEncode(u.login))/remove\"><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\"><button type=\"submit\" class=\"secondary\">\(PageText.html("web.t.remove"))</button></form>")</td></tr>
            """
        }
        let roleOptions = UserRole.allCases.map { "<option value=\"\($0.rawValue)\">\(esc(roleLabel($0))) (\($0.rawValue))</option>" }.joined()
        let body = """
        \(message.map { "<div class=\"card notice\"><p>\(esc($0))</p></div>" } ?? "")
        <table class="checks"><thead><tr><th>\(PageText.head("web.col.login_2"))</th><th>\(PageText.head("web.col.name"))</th><th>\(PageText.head("web.col.role"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
        <h2>\(PageText.heading("web.h.add_user"))</h2>
        <form method="post" action="/users/add" class="card"><input type="hidden" name="csrf" value="\(csrf)">
        <label for="u-login">\(PageText.html("web.col.login_2"))</label><input type="text" id="u-login" name="login" required pattern="[A-Za-z0-9._-]{2,64}">
        <label for="u-name">\(PageText.html("web.col.name"))</label><input type="text" id="u-name" name="name" required>
        <label for="u-role">\(PageText.html("web.col.role"))</label><select id="u-role" name="role">\(roleOptions)</select>
        <label for="u-org">\(PageText.html("web.col.organisation"))</label><input type="text" id="u-org" name="organisation" maxlength="200">
        <label for="u-pass">\(PageText.html("web.users.password", ["min": "\(PasswordHash.minimumLength)"]))</label><input type="password" id="u-pass" name="password" required autocomplete="new-password">
        <p><button type="submit">\(PageText.html("web.t.add"))</button></p></form>
        """
        return html(page(PageText.vi("web.t.users"), PageText.en("web.t.users"), user: who.name, role: who.user?.role.rawValue, status: status, body: body))
    }

    func usersAction(_ r: HTTPRequest, _ who: Caller, segments: [String]) async -> HTTPResponse {
        let form = parseForm(r.body)
        if segments == ["add"] {
            let login = (form["login"] ?? "").trimmingWhitespace()
            let name = FreeText.clean(form["name"] ?? "").trimmingWhitespace()
            let password = form["password"] ?? ""
            guard isValidLogin(login), !name.isEmpty, let role = UserRole(rawValue: form["role"] ?? "") else {
                return await usersPage(who, message: PageText.text("web.t.login_letters_digits_2"), status: 400)
            }
            if let weak = PasswordHash.weakness(password, login: login) { return await usersPage(who, message: weak, status: 400) }
            do {
                let hash = try await runBlocking { try PasswordHash.make(password) }
                try await store.addUser(login: login, displayName: String(name.prefix(200)), role: role, email: nil, passwordHash: hash)
                let org = (form["organisation"] ?? "").trimmingWhitespace()
                if !org.isEmpty { try await store.setUserOrganisation(login: login, organisation: org) }
                await audit(who, action: "add user \(login) (\(role))", allowed: true, status: 200, reason: "done", incident: nil)
                return await usersPage(who, message: PageText.text("web.t.added", ["login": .text("\(login)")]))
            } catch let e as WatchpostError {
                return await usersPage(who, message: e.message, status: 409)
            } catch {
                return await usersPage(who, message: "\(error)", status: 500)
            }
        }
        if segments.count == 2, segments[1] == "remove" {
            let login = segments[0]
            guard login.lowercased() != who.name?.lowercased() else {
                return await usersPage(who, message: PageText.text("web.t.you_cannot_remove_yourself"), status: 409)
            }
            do {
                try await store.removeUser(login: login)
                await audit(who, action: "remove user \(login)", allowed: true, status: 200, reason: "done", incident: nil)
                return await usersPage(who, message: PageText.text("web.t.removed", ["login": .text("\(login)")]))
            } catch {
                return await usersPage(who, message: error.message, status: 409)
            }
        }
        return notFound(who)
    }
}

/// Logins are plain: letters, digits, `.`, `_`, `-`, 2–64 characters.
public func isValidLogin(_ s: String) -> Bool {
    (2...64).contains(s.count) && s.unicodeScalars.allSatisfy { c in
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "." || c == "_" || c == "-"
    }
}

/// Two decimals, trailing zeros dropped.
func format2(_ v: Double) -> String {
    // Beyond 10^15 two decimals mean nothing and the integer conversion below would trap.
    guard v.isFinite, abs(v) < Measurement.largestMagnitude else { return String(v) }
    let scaled = (v * 100).rounded()
    let whole = Int64(scaled / 100)
    var frac = Int64(abs(scaled).truncatingRemainder(dividingBy: 100))
    var s = (scaled < 0 && whole == 0 ? "-" : "") + String(whole)
    if frac != 0 {
        var digits = frac < 10 ? "0\(frac)" : "\(frac)"
        while digits.hasSuffix("0") { digits.removeLast(); frac /= 10 }
        s += "." + digits
    }
    return s
}

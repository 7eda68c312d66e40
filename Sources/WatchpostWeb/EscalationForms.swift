// The incident page's forms of the chain (issue #14): "Đề xuất UBND tỉnh chỉ đạo" (a Department
// user puts the incident to the Provincial People's Committee, Tây Trang 7.1.3 last paragraph)
// and "Bật lại màn hình" (the operating unit or a technician restores the LED screen after a
// responder blacked it out — the same action as `watchpost respond led-restore`). Offered only
// to roles the one policy allows; the server asks the policy again on post. Texts come from the
// catalogue (Catalogue+Escalation.swift).
import WatchpostCore
import WatchpostConfig
import WatchpostStore

extension WebApp {
    /// "Tiếng Việt <span class="en">/ English</span>", escaped.
    func bilingualHTML(_ m: Message) -> String {
        "\(esc(Catalogue.render(m, .vi))) <span class=\"en\">/ \(esc(Catalogue.render(m, .en)))</span>"
    }

    func escalateForm(_ i: IncidentView, role: UserRole, csrf: String) -> String {
        guard i.isOpen, i.committeeDecision == nil, AccessPolicy.decide(role, .escalate, category: i.category).allowed else { return "" }
        return """
        <form method="post" action="/incidents/\(i.id)/escalate" class="card"><input type="hidden" name="csrf" value="\(csrf)">
        <p>\(bilingualHTML(Message("web.escalate.explain")))</p>
        <label for="escalate-note">\(esc(Catalogue.bilingual(Message("web.escalate.note"))))</label><textarea id="escalate-note" name="note" rows="3" maxlength="2000" required></textarea>
        <button type="submit" id="escalate-committee">\(esc(Catalogue.render(Message("web.escalate.button"), .vi)))</button></form>
        """
    }

    func committeeDecisionCard(_ i: IncidentView) -> String {
        guard let d = i.committeeDecision else { return "" }
        return "<div class=\"card notice\"><p>\(esc(Catalogue.bilingual(Message("web.escalate.decided", ["decision": .text(d)]))))</p></div>"
    }

    /// The LED controller checks of a site: what "Bật lại màn hình" can act on.
    func screenChecks(site: String) -> [CheckDefinition] {
        configuration.site(site)?.checks.filter { $0.kind == "novastar" && $0.enabled } ?? []
    }

    func respondForms(_ i: IncidentView, role: UserRole, csrf: String) -> String {
        guard AccessPolicy.decide(role, .respond, category: i.category).allowed else { return "" }
        var out = ""
        for c in screenChecks(site: i.site) {
            let id = "respond-\(esc(c.id))"
            out += """
            <form method="post" action="/incidents/\(i.id)/respond" class="card"><input type="hidden" name="csrf" value="\(csrf)">
            <input type="hidden" name="action" value="led-restore"><input type="hidden" name="check" value="\(esc(c.id))">
            <p>\(bilingualHTML(Message("web.respond.explain", ["check": .text(c.name.isEmpty ? c.id : c.name)])))</p>
            <label for="\(id)-note">\(esc(Catalogue.bilingual(Message("web.respond.note"))))</label><textarea id="\(id)-note" name="note" rows="2" maxlength="2000"></textarea>
            <button type="submit" id="\(id)">\(esc(Catalogue.bilingual(Message("web.respond.button"))))</button></form>
            """
        }
        return out
    }
}

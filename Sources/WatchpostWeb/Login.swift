// Signing in and out: the login form (a double-submit CSRF cookie, since there is no session
// yet), rate limiting per client address and per account+address *before* any password hashing
// (Throttles.swift), PBKDF2
// verification off the shared task threads, and session cookies (HttpOnly, SameSite=Strict,
// Secure under TLS or behind an https base URL).
import WatchpostCore
import WatchpostStore
import WatchpostAuth
import HTTPServer
import Posix

extension WebApp {
    func cookie(_ name: String, _ value: String, maxAge: Int64, request: HTTPRequest) -> (String, String) {
        var c = "\(name)=\(value); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)"
        if request.isTLS || settings.secureCookies { c += "; Secure" }
        return ("Set-Cookie", c)
    }

    /// A fresh form token for pages shown without a session (login, acknowledgement links):
    /// the same value goes into a cookie and a hidden field, and a post must carry both.
    func formToken(_ r: HTTPRequest) -> (String, (String, String)) {
        if let existing = r.cookies["wp_csrf"], existing.count == 43 { return (existing, cookie("wp_csrf", existing, maxAge: 3600, request: r)) }
        let t = (try? WebSecret.token()) ?? ""
        return (t, cookie("wp_csrf", t, maxAge: 3600, request: r))
    }

    func formTokenValid(_ r: HTTPRequest, _ form: [String: String]) -> Bool {
        guard let c = r.cookies["wp_csrf"], c.count == 43, let f = form["csrf"] else { return false }
        return WebSecret.equal(c, f)
    }

    func safeNext(_ next: String?) -> String {
        guard let n = next, n.hasPrefix("/"), !n.hasPrefix("//"), !n.contains("\\"), !n.utf8.contains(where: { $0 < 32 }) else { return "/" }
        return n
    }

    func loginPage(_ r: HTTPRequest, message: String?, status: Int, login: String = "") -> HTTPResponse {
        let (token, setCookie) = formToken(r)
        let next = safeNext(r.query["next"] ?? parseForm(r.body)["next"])
        let body = """
        \(message.map { "<div class=\"card error\"><p>\(esc($0))</p></div>" } ?? "")
        <form method="post" action="/login" class="card">
        <input type="hidden" name="csrf" value="\(esc(token))"><input type="hidden" name="next" value="\(esc(next))">
        <label for="login">\(PageText.html("web.col.login_2"))</label><input type="text" id="login" name="login" value="\(esc(login))" autocomplete="username" required>
        <label for="password">\(PageText.html("web.t.password"))</label><input type="password" id="password" name="password" autocomplete="current-password" required>
        <p><button type="submit">\(PageText.html("web.t.log_in"))</button></p>
        </form>
        <p class="muted">\(PageText.html("web.t.accounts_issued_administrator"))</p>
        """
        return html(page(PageText.vi("web.t.log_in"), PageText.en("web.t.log_in"), user: nil, status: status, body: body, headers: [setCookie]))
    }

    func loginPost(_ r: HTTPRequest) async -> HTTPResponse {
        let form = parseForm(r.body)
        let address = clientAddress(r)
        let anonymous = Caller(user: nil, session: nil, viaToken: false, address: address)
        let login = (form["login"] ?? "").trimmingWhitespace()
        guard formTokenValid(r, form) else {
            await audit(anonymous, action: "login \(login)", allowed: false, status: 403, reason: "login form without its CSRF token", incident: nil)
            return loginPage(r, message: Catalogue.bilingual(Message("web.login.form_expired")), status: 403, login: login)
        }
        let password = form["password"] ?? ""
        let now = clock.now()
        // Admitted (and counted) before any hashing or database write; the same for known and
        // unknown logins, so neither the answer nor its timing says whether an account exists.
        if let until = await throttle.admit(login: login, address: address, now: now, limits: loginLimits) {
            await audit(anonymous, action: "login \(login)", allowed: false, status: 429, reason: "too many failed logins", incident: nil)
            var resp = loginPage(r, message: Catalogue.bilingual(Message("web.login.throttled", ["until": .text(shortTime(until, zone(forSite: "")))])),
                                 status: 429, login: login)
            resp.headers.append(("Retry-After", String(max(1, (until - now).wholeSeconds))))
            return resp
        }
        let user = login.isEmpty || login.count > 64 ? nil : try? await store.user(login: login)
        let stored = user?.passwordHash
        // PBKDF2 takes a few hundred milliseconds: never on the shared task threads.
        let ok = (try? await runBlocking { () -> Bool in
            guard let stored else { PasswordHash.burn(password); return false }
            return PasswordHash.verify(password, against: stored)
        }) ?? false
        guard ok, let user else {
            await throttle.failed(login: login, address: address, now: clock.now(), limits: loginLimits)
            await audit(anonymous, action: "login \(login)", allowed: false, status: 401, reason: "wrong login or password", incident: nil)
            return loginPage(r, message: Catalogue.bilingual(Message("web.login.wrong")), status: 401, login: login)
        }
        await throttle.succeeded(login: login, address: address)
        do {
            let token = try WebSecret.token()
            let csrf = try WebSecret.token()
            try await store.recordSuccessfulLogin(login: user.login)
            try await store.createSession(tokenHash: WebSecret.digest(token), login: user.login, csrfToken: csrf, address: address,
                                          lifetime: settings.sessionLifetime)
            await audit(Caller(user: user, session: nil, viaToken: false, address: address), action: "login", allowed: true, status: 303,
                        reason: "signed in", incident: nil)
            return HTTPResponse(status: 303, headers: [("Location", safeNext(form["next"])),
                                                       cookie("wp_session", token, maxAge: settings.sessionLifetime.wholeSeconds, request: r)])
        } catch {
            logger.error("cannot create session", [("error", error.description)])
            return loginPage(r, message: PageText.text("web.t.server_error_cannot_create"), status: 500, login: login)
        }
    }

    func logoutPage(_ who: Caller) -> HTTPResponse {
        let body = """
        <form method="post" action="/logout" class="card"><input type="hidden" name="csrf" value="\(esc(who.session?.csrfToken ?? ""))">
        <p>\(PageText.html("web.t.end_session"))</p><button type="submit">\(PageText.html("web.t.log_out"))</button></form>
        """
        return html(page(PageText.vi("web.t.log_out"), PageText.en("web.t.log_out"), user: who.name, role: who.user?.role.rawValue, body: body))
    }

    func logout(_ r: HTTPRequest, _ who: Caller) async -> HTTPResponse {
        if let s = who.session { try? await store.endSession(tokenHash: s.tokenHash) }
        return HTTPResponse(status: 303, headers: [("Location", "/login"), cookie("wp_session", "", maxAge: 0, request: r)])
    }
}

// Issue #19, the web: each test reproduces one reported defect over real HTTP on loopback — a
// query parameter that trapped, a stored measurement that trapped every board view, a used
// link replayed by re-spelling it, login guesses that all reached the hash, an attacker locking
// the real user out, unauthenticated requests writing rows without bound, trickling connections
// that took every slot.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostStore
import WatchpostAuth
import WatchpostWeb
import HTTPServer
import Curl
import Posix
import Glibc
import Synchronization

// The limit is a hang guard, not a speed check: the lock-out test runs about ninety logins, each
// through PBKDF2 (the test users' hash at 1,000 iterations, an unknown login at the production
// 600,000; CPU only); at 600,000 for both, on a two-core machine shared with other builds (load
// 18), that passed three minutes.
@Suite("Web hardening (#19)", .serialized, .timeLimit(.minutes(8)))
struct HardeningWebTests {
    func apiToken(_ f: WebFixture, _ login: String, _ role: UserRole) async throws -> [String] {
        try await f.addUser(login, role)
        let token = try WebSecret.token(prefix: "wpt_")
        try await f.store.setAPITokenHash(login: login, hash: WebSecret.digest(token))
        return ["Authorization: Bearer \(token)"]
    }

    // Point 1: `?limit=-1` reached `prefix(-1)` and stopped the daemon.
    @Test func badQueryParametersAnswer400WithAMessage() async throws {
        let f = try await WebFixture.start()
        await f.desk.add(incident(7, .security))
        let auth = try await apiToken(f, "dept1", .department)
        for q in ["limit=-1", "limit=0", "limit=1001", "limit=abc", "limit=99999999999999999999999", "state=bogus"] {
            let r = try await http("GET", "\(f.base)/api/v1/incidents?\(q)", headers: auth)
            expectEqual(r.status, 400, "\(q) answered \(r.status)")
            #expect(r.body.contains("\"error\":\"bad-request\""), "\(q): \(r.body)")
            #expect(r.body.contains(q.hasPrefix("limit") ? "'limit' must be a whole number from 1 to 1000" : "'state' must be one of"), "\(q): \(r.body)")
        }
        let ok = try await http("GET", "\(f.base)/api/v1/incidents?limit=1&state=open", headers: auth)
        expectEqual(ok.status, 200)
        #expect(ok.body.contains("\"id\":7"))
        let jar = try await f.login("dept1")
        // format=pdf is the PDF the README documents (HardeningQueryTests); an unknown format is a 400.
        try await expectEqual(http("GET", "\(f.base)/reports/tay-trang?format=docx", jar: jar).status, 400)
        // The summary's `of` at Int64's edge answered 500 (#19 review, s5): the caller's mistake is a 400.
        for of in ["-9223372036854775808", "9223372036854775807", "-1", "99999999999999999999"] {
            let r = try await http("GET", "\(f.base)/api/v1/summary?period=yearly&of=\(of)", headers: auth)
            expectEqual(r.status, 400, "of=\(of) answered \(r.status): \(r.body)")
            #expect(r.body.contains("\"error\":\"bad-request\""), "of=\(of): \(r.body)")
        }
        // An unbounded range held the daemon for minutes and 860 MB, past its watchdog (#19 review s8).
        for period in ["1970-01-01..9999-12-31", "0000-01-01..9999-12-31", "2016-01-01..2026-12-31"] {
            let r = try await http("GET", "\(f.base)/api/v1/summary?period=\(period)", headers: auth)
            expectEqual(r.status, 400, "period=\(period) answered \(r.status): \(r.body)")
            #expect(r.body.contains("at most ten years"), "period=\(period): \(r.body)")
            // The pages state the rule and its bound too, Vietnamese first (#19 review s10: "use 2026-11, 2026-Q3, 2026-H1 or 2026").
            for page in ["/reports/tay-trang", "/fleet/report"] {
                let web = try await http("GET", "\(f.base)\(page)?period=\(period)", jar: jar)
                expectEqual(web.status, 400, "\(page)?period=\(period)")
                #expect(web.body.contains("trong các năm 1970–9999 và dài tối đa mười năm (3.660 ngày)")
                        && web.body.contains("within 1970–9999 and at most ten years (3,660 days)"), "\(page)?period=\(period): \(web.body)")
            }
        }
        await f.stop()
    }

    // Point 2: a stored measurement of 9.3×10^18 trapped on every board view, after each restart.
    @Test func hugeStoredMeasurementDoesNotStopTheBoard() async throws {
        let f = try await WebFixture.start()
        let result = CheckResult(status: .ok, summary: "plugin with a huge number", measurements: [
            Measurement("huge", 9.3e18), Measurement("negative", -9.3e18), Measurement("big_fraction", 1.5e17 + 0.5),
        ], startedAt: f.clock.now())
        try await f.store.record(site: "tay-trang", checkID: "box-disk", kind: "exec", result: result, sampleInterval: .minutes(5))
        let auth = try await apiToken(f, "dept1", .department)
        let jar = try await f.login("dept1")
        let board = try await http("GET", "\(f.base)/", jar: jar)
        expectEqual(board.status, 200)
        #expect(board.body.contains("huge"))
        try await expectEqual(http("GET", "\(f.base)/api/v1/checks", headers: auth).status, 200)
        try await expectEqual(http("GET", "\(f.base)/metrics", headers: auth).status, 200)
        await f.stop()
    }

    // Point 8: a used link was accepted again when re-spelled (last base64 character, `%20`).
    @Test func usedLinkStaysUsedHoweverItIsSpelled() async throws {
        let f = try await WebFixture.start()
        await f.desk.add(incident(7, .security))
        let link = AckToken(incidentID: 7, level: 1, recipient: "border-guard@example.org", expires: f.clock.now() + .hours(24)).signed(key: linkKey)
        let sec = WebSecurityTests()
        try await expectEqual(sec.confirm(f, link).status, 200)
        // Every other spelling of the MAC's last character decodes to the same bytes in a lax decoder.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var variants = alphabet.filter { $0 != link.last }.map { String(link.dropLast()) + String($0) }
        variants += [link + "%20", "%20" + link, link + "%0A", link + "="]
        for v in variants {
            let r = try await sec.confirm(f, v)
            #expect(r.status != 200, "\(v) acknowledged again")
        }
        let acks = try await f.desk.timeline(7).filter { $0.kind == "acknowledged" }
        expectEqual(acks.count, 1, "\(acks.count) acknowledgements")
        expectEqual(AckToken.fingerprint(link), AckToken.fingerprint(" \(link) "))
        await f.stop()
    }

    @Test func nonCanonicalBase64IsRefused() {
        #expect(Base64URL.decode("AB") == nil, "'B' leaves non-zero bits after the last byte")
        expectEqual(Base64URL.decode("AA"), [0])
        #expect(Base64URL.decode("AAB") == nil)
        expectEqual(Base64URL.decode("AAE"), [0, 1])
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            expectEqual(Base64URL.decode(Base64URL.encode(bytes)), bytes)
        }
    }

    func loginAttempt(_ f: WebFixture, login: String, password: String, address: String) async -> HTTPResponse {
        await Self.loginAttempt(f.app, login: login, password: password, address: address)
    }

    static func loginAttempt(_ app: WebApp, login: String, password: String, address: String) async -> HTTPResponse {
        let csrf = "c" + String(repeating: "x", count: 42)
        let r = HTTPRequest(method: "POST", path: "/login", headers: ["Cookie": "wp_csrf=\(csrf)"],
                            body: Array(form([("csrf", csrf), ("login", login), ("password", password)]).utf8), clientAddress: address)
        return await app.handle(r)
    }

    // Point 9: 64 concurrent wrong passwords from one address all reached PBKDF2.
    @Test func concurrentGuessesAreCountedBeforeHashing() async throws {
        let f = try await WebFixture.start()
        try await f.addUser("police1", .security)
        let app = f.app
        let seen = await withTaskGroup(of: Int.self) { g in
            for i in 0..<64 {
                g.addTask { await Self.loginAttempt(app, login: "police1", password: "wrong-\(i)", address: "192.0.2.7").status }
            }
            var counts: [Int: Int] = [:]
            for await s in g { counts[s, default: 0] += 1 }
            return counts
        }
        #expect(seen[401, default: 0] <= WebSettings().loginAttemptsPerAccount, "\(seen)")
        #expect(seen[429, default: 0] >= 64 - WebSettings().loginAttemptsPerAccount, "\(seen)")
        await f.stop()
    }

    // Point 9: one request per lock period kept the real user locked out; answers told known
    // logins from unknown ones.
    @Test func attackerCannotLockOutTheRealUserAndAnswersAreUniform() async throws {
        let f = try await WebFixture.start()
        try await f.addUser("police1", .security)
        var known: [Int] = [], unknown: [Int] = []
        for i in 0..<12 {
            known.append(await loginAttempt(f, login: "police1", password: "guess-\(i)", address: "198.51.100.9").status)
            unknown.append(await loginAttempt(f, login: "nobody-here", password: "guess-\(i)", address: "198.51.100.10").status)
        }
        expectEqual(known, unknown, "known \(known) / unknown \(unknown)")
        #expect(known.filter { $0 == 429 }.count >= 6)
        let k = await loginAttempt(f, login: "police1", password: "x", address: "198.51.100.9")
        let u = await loginAttempt(f, login: "nobody-here", password: "x", address: "198.51.100.10")
        func message(_ r: HTTPResponse) -> String {
            let text = String(decoding: r.body, as: UTF8.self)
            guard let a = text.firstRange(of: "<div class=\"card error\"><p>"), let b = text[a.upperBound...].firstRange(of: "</p>") else { return "" }
            return String(text[a.upperBound..<b.lowerBound])
        }
        expectEqual(message(k), message(u))
        // The attacker keeps trying once a minute for an hour; the real user logs in at once.
        for _ in 0..<60 {
            f.clock.advance(to: f.clock.now() + .minutes(1))
            _ = await loginAttempt(f, login: "police1", password: "still-guessing", address: "198.51.100.9")
        }
        await expectEqual(loginAttempt(f, login: "police1", password: testPassword, address: "203.0.113.5").status, 303)
        // The attacker's own pair backs off: locked for longer than the first minute by now.
        let again = await loginAttempt(f, login: "police1", password: testPassword, address: "198.51.100.9")
        expectEqual(again.status, 429)
        let retry = Int(again.headers.first { $0.0 == "Retry-After" }?.1 ?? "0") ?? 0
        #expect(retry > 60, "back-off \(retry) s")
        await f.stop()
    }

    // Point 10: forged links wrote 1,000–2,800 timeline and audit rows a second with no login.
    @Test func forgedLinksWriteABoundedNumberOfRows() async throws {
        let f = try await WebFixture.start()
        await f.desk.add(incident(7, .security))
        let forged = AckToken(incidentID: 7, level: 1, recipient: "border-guard@example.org", expires: f.clock.now() + .hours(24))
            .signed(key: Array("another key entirely, not ours!!".utf8))
        for _ in 0..<500 {
            _ = await f.app.handle(HTTPRequest(method: "GET", path: "/ack/\(forged)", headers: [:], body: [], clientAddress: "198.51.100.20"))
            _ = await f.app.handle(HTTPRequest(method: "GET", path: "/api/v1/incidents", headers: [:], body: [], clientAddress: "198.51.100.21"))
        }
        let limit = WebSettings().anonymousRowsPerMinute
        let audit = try await f.store.auditEntries(limit: 5000).count
        let timeline = try await f.desk.timeline(7).filter { $0.kind == "refused" }.count
        #expect(audit + timeline <= limit + 1, "audit \(audit) + timeline \(timeline) rows in one minute")
        #expect(audit >= 1)
        // The next minute starts with one row saying how many were left out.
        f.clock.advance(to: f.clock.now() + .minutes(1))
        _ = await f.app.handle(HTTPRequest(method: "GET", path: "/ack/\(forged)", headers: [:], body: [], clientAddress: "198.51.100.20"))
        #expect(try await f.store.auditEntries(limit: 5000).contains { $0.reason.contains("were not recorded one by one") })
        await f.stop()
    }
}

// Point 10: 520 trickling connections from 9 addresses took every slot and the board failed.
@Suite("Web connection limits (#19)", .serialized, .timeLimit(.minutes(2)))
struct HardeningConnectionTests {
    /// An idle TCP connection from `source` (a 127.0.0.x address) to the server.
    func idleConnection(from source: String, port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        _ = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        _ = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        _ = "GET / HTTP/1.1\r\nHost: x\r\n".withCString { send(fd, $0, 26, Int32(MSG_NOSIGNAL)) }  // a request that never ends
        return fd
    }

    @Test func trickleFromNineAddressesLeavesTheBoardReachable() async throws {
        let f = try await WebFixture.start()
        var fds: [Int32] = []
        defer { fds.forEach { close($0) } }
        for a in 2...10 { for _ in 0..<60 { fds.append(idleConnection(from: "127.0.0.\(a)", port: f.server.port)) } }
        expectEqual(fds.count, 540)
        let r = try await runBlocking { () throws -> Int in
            let c = try CurlEasy()
            try c.set(.url, "http://127.0.0.1:\(f.server.port)/login")
            try c.set(.interface, "127.0.0.11")
            // Starved, the board would not answer at all; 30 s is for a loaded machine (2.5 s failed
            // when the suites ran side by side).
            try c.setTimeout(milliseconds: 30_000)
            try c.perform()
            return c.responseCode
        }
        expectEqual(r, 200, "the login page answered \(r) while 9 addresses held 540 connections")
        await f.stop()
    }
}

// Reports, summaries and their PDFs are heavy reads too (#19 review s10, D3): one read-only
// token's `GET /api/v1/summary?period=2026` on 2.3 M plays held the reader store's one thread for
// the whole 15 s deadline, and every signed-in page and API call waited behind it (`/api/v1/me`
// 15.00 s); the PDF was drawn by cairo on one of Swift's two cooperative threads. Here yearly
// summaries and yearly PDF reports are asked for at once, and meanwhile sign-ins, `/api/v1/me`
// and the status board must be answered, nine in ten within 2 s and each within the request
// deadline, timed around the application's own
// `handle` (where the daemon's answer is made: the server calls it the same way), so neither
// the HTTP hand-over nor the client's thread on a loaded machine is counted. Every heavy request
// ends with 200 or 503 (busy, with Retry-After).
import Testing
import WatchpostCore
import WatchpostStore
import WatchpostAuth
import WatchpostWeb
import HTTPServer
import SQLite
import Synchronization
import WatchpostTestSupport

/// Heavy requests answered so far, counted from their tasks.
private final class Answered: Sendable {
    let count = Atomic<Int>(0)
}

@Suite(.serialized) struct HeavyReportsTests {
    /// `app.handle(r)` and the time it took (ms), on the monotonic clock.
    static func timedHandle(_ app: WebApp, _ r: HTTPRequest) async -> (response: HTTPResponse, milliseconds: Int64) {
        let start = ContinuousClock.now
        let response = await app.handle(r)
        let took = ContinuousClock.now - start
        return (response, took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000)
    }

    /// `count` plays of one item, one a minute from 2026-01-01 (400,000: into October), in one statement.
    static func seedYearOfPlays(_ f: WebFixture, count: Int) async throws {
        let t0 = Instant.parse("2026-01-01T00:00:00+07:00")!.milliseconds
        try await f.store.transaction { db in
            try db.run("INSERT INTO broadcast_item (path, name, sha256, approved, manifest_id, key_id, sequence, title) VALUES (?, ?, ?, 1, ?, ?, 7, ?)",
                       "videos/hoa-ban.mp4", "hoa-ban.mp4", String(repeating: "a", count: 64), String(repeating: "f", count: 64), "3f1c0e5b9a7d2c44",
                       "Lễ hội Hoa Ban")
            try db.run("""
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                INSERT INTO broadcast_log (site, player, entry, started_ms, ended_ms, last_seen_ms, item_id)
                SELECT 'tay-trang', 'p1', 'play', ? + i * 60000, ? + i * 60000 + 45000, ? + i * 60000 + 45000, ? FROM n
                """, count - 1, t0, t0, t0, db.lastInsertRowID)
        }
    }

    @Test func yearlySummariesAndPDFReportsLeaveSignInsAndLightRequestsAnswering() async throws {
        let f = try await WebFixture.start()
        try await Self.seedYearOfPlays(f, count: 400_000)
        try await f.addUser("so-tttt", .department)
        let token = try WebSecret.token(prefix: "wpt_")
        try await f.store.setAPITokenHash(login: "so-tttt", hash: WebSecret.digest(token))
        let app = f.app
        let signIn = await HardeningWebTests.loginAttempt(app, login: "so-tttt", password: testPassword, address: "192.0.2.50")
        expectEqual(signIn.status, 303)
        let session = try #require(signIn.headers.first { $0.0.lowercased() == "set-cookie" && $0.1.hasPrefix("wp_session=") }?.1
            .split(separator: ";").first.map(String.init))

        // One of each alone: the summary is JSON, the PDF a PDF.
        let summary = HTTPRequest(method: "GET", path: "/api/v1/summary", query: ["period": "2026"], headers: ["authorization": "Bearer \(token)"],
                                  clientAddress: "192.0.2.10")
        let pdf = HTTPRequest(method: "GET", path: "/reports/tay-trang", query: ["period": "2026", "format": "pdf"], headers: ["cookie": session],
                              clientAddress: "192.0.2.20")
        let oneSummary = await Self.timedHandle(app, summary)
        expectEqual(oneSummary.response.status, 200)
        expectEqual(String(decoding: oneSummary.response.body.prefix(1), as: UTF8.self), "{")
        let onePDF = await Self.timedHandle(app, pdf)
        expectEqual(onePDF.response.status, 200)
        #expect(onePDF.response.body.starts(with: Array("%PDF".utf8)))
        print("heavy reports: one summary \(oneSummary.milliseconds) ms, one PDF \(onePDF.milliseconds) ms")

        // 6 yearly summaries and 6 yearly PDFs at once, from six addresses; meanwhile the light
        // requests, one after another, until every heavy one has its answer.
        let heavy = 12
        let done = Answered()
        let replies = await withTaskGroup(of: (Int, [String], Int64).self) { group in
            for i in 0..<heavy {
                var r = i % 2 == 0 ? summary : pdf
                r.clientAddress = "192.0.2.\(10 + i % 6)"
                let request = r
                group.addTask {
                    let (response, ms) = await Self.timedHandle(app, request)
                    done.count.add(1, ordering: .sequentiallyConsistent)
                    return (response.status, response.headers.filter { $0.0 == "Retry-After" }.map(\.1), ms)
                }
            }
            var light: [(String, Int, Int64)] = []
            repeat {
                let me = await Self.timedHandle(app, HTTPRequest(method: "GET", path: "/api/v1/me", headers: ["authorization": "Bearer \(token)"],
                                                                 clientAddress: "192.0.2.60"))
                let login = await Self.timedHandle(app, HTTPRequest(method: "POST", path: "/login", headers: ["cookie": "wp_csrf=c" + String(repeating: "x", count: 42)],
                                                                    body: Array(form([("csrf", "c" + String(repeating: "x", count: 42)), ("login", "so-tttt"),
                                                                                      ("password", testPassword)]).utf8), clientAddress: "192.0.2.61"))
                let board = await Self.timedHandle(app, HTTPRequest(method: "GET", path: "/", headers: ["cookie": session], clientAddress: "192.0.2.62"))
                light += [("/api/v1/me", me.response.status, me.milliseconds), ("sign-in", login.response.status, login.milliseconds),
                          ("/", board.response.status, board.milliseconds)]
            } while done.count.load(ordering: .sequentiallyConsistent) < heavy
            var out: [(Int, [String], Int64)] = []
            for await r in group { out.append(r) }
            // Nine in ten light requests within 2 s, and every one within the request deadline: a
            // light request queued behind a heavy read (the bug) waits as long as that read, so most
            // of them would be slow, and before the fix /api/v1/me waited the whole 15 s. Not every
            // one within 2 s (#13 s11): at load 17-19 with three CPU hogs the slowest of 1,152 took
            // 1,400 ms, a sign-in's 600,000 PBKDF2 rounds among them; at the reviewers' load 30 on
            // two cores one request descheduled for a moment would fail a bound on the slowest.
            let deadline = WebSettings().requestDeadline.milliseconds
            for (what, status, ms) in light {
                expectEqual(status, (what == "sign-in" ? 303 : 200), "\(what) answered \(status)")
                #expect(ms < deadline, "\(what) took \(ms) ms in the application while \(heavy) yearly summaries and PDF reports were asked for")
            }
            let times = light.map(\.2).sorted()
            let p90 = times.isEmpty ? 0 : times[times.count * 9 / 10]
            #expect(!times.isEmpty && p90 < 2_000, "9 in 10 of \(times.count) light requests within \(p90) ms while \(heavy) yearly summaries and PDF reports were asked for")
            print("heavy reports: light requests \(light.count), 9 in 10 within \(p90) ms, slowest \(times.last ?? 0) ms")
            return out
        }
        let answered = replies.filter { $0.0 == 200 }, busy = replies.filter { $0.0 == 503 }
        print("heavy reports: \(answered.count) answered, \(busy.count) busy, slowest \(replies.map(\.2).max() ?? 0) ms")
        expectEqual(answered.count + busy.count, heavy, "statuses: \(replies.map(\.0))")
        #expect(!answered.isEmpty)
        for r in busy { expectEqual(r.1, ["5"]) }
        await f.stop()
    }
}

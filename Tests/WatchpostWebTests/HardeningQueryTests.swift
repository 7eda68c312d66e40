// Issue #19, "query parameters validated with a 400 and a message" (review s8): values cut at a
// NUL byte were accepted (`limit=5%00`, `state=open%00` → 200), so were `limit=+5` and a
// parameter given twice (the last one won). Each is refused now, the parameter named.
// (A header value is cut at a NUL byte by libmicrohttpd 0.9.75 itself, before any handler sees
// it, even with MHD_OPTION_STRICT_FOR_CLIENT: `Bearer <token>` NUL `x` reaches us as the token.)
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostStore
import WatchpostWeb
import WatchpostAuth
import HTTPServer

@Suite("Web query parameters (#19)", .serialized, .timeLimit(.minutes(3)))
struct HardeningQueryTests {
    @Test func valuesWithANULASignOrGivenTwiceAreRefusedWithTheirName() async throws {
        let f = try await WebFixture.start()
        await f.desk.add(incident(7, .security))
        try await f.addUser("dept1", .department)
        let token = try WebSecret.token(prefix: "wpt_")
        try await f.store.setAPITokenHash(login: "dept1", hash: WebSecret.digest(token))
        let auth = ["Authorization: Bearer \(token)"]
        // Before: each of these answered 200.
        let cases: [(query: String, says: String)] = [
            ("limit=5%00", "'limit'"), ("state=open%00", "'state'"), ("limit=%2B5", "'limit' must be a whole number"),
            ("limit=+5", "'limit' must be a whole number"), ("limit=-1&limit=5", "'limit'"), ("limit=5&state=open&state=open", "'state'"),
            ("limit=%005", "'limit'"),
        ]
        for c in cases {
            let r = try await http("GET", "\(f.base)/api/v1/incidents?\(c.query)", headers: auth)
            expectEqual(r.status, 400, "\(c.query) answered \(r.status): \(r.body)")
            let body: String = r.body
            #expect(body.contains("\"error\":\"bad-request\""), "\(c.query): \(body)")
            #expect(body.contains(c.says), "\(c.query): \(body)")
        }
        let twice = try await http("GET", "\(f.base)/api/v1/incidents?limit=-1&limit=5", headers: auth)
        #expect(twice.body.contains("more than once"), "\(twice.body)")
        let nul = try await http("GET", "\(f.base)/api/v1/incidents?limit=5%00", headers: auth)
        #expect(nul.body.contains("NUL"), "\(nul.body)")
        // The plays listing's own limit, and a signed-in page.
        try await expectEqual(http("GET", "\(f.base)/api/v1/plays?limit=%2B5", headers: auth).status, 400)
        let jar = try await f.login("dept1")
        try await expectEqual(http("GET", "\(f.base)/reports/tay-trang?period=2026%00", jar: jar).status, 400)
        try await expectEqual(http("GET", "\(f.base)/reports/tay-trang?period=2026&period=2025", jar: jar).status, 400)
        // #19 review s9: a leading zero (one value, one spelling) and a NUL in the path (cut there
        // by libmicrohttpd: `/api/v1/incidents%00x` answered as `/api/v1/incidents`).
        let zero = try await http("GET", "\(f.base)/api/v1/incidents?limit=05", headers: auth)
        #expect(zero.status == 400 && zero.body.contains("'limit'"), "limit=05 answered \(zero.status): \(zero.body)")
        try await expectEqual(http("GET", "\(f.base)/api/v1/incidents?limit=0", headers: auth).status, 400)
        try await expectEqual(http("GET", "\(f.base)/api/v1/incidents?limit=10", headers: auth).status, 200)
        for path in ["/api/v1/incidents%00x", "/api/v1/incidents%00", "/reports/tay-trang%00?period=2026"] {
            let r = try await http("GET", "\(f.base)\(path)", headers: auth, jar: jar)
            expectEqual(r.status, 400, "\(path) answered \(r.status): \(r.body)")
        }
        // `of` outside the years a report range may cover (1970–9999): 400 naming the bound.
        let year0 = try await http("GET", "\(f.base)/reports/tay-trang?period=yearly&of=0000-01-01", jar: jar)
        #expect(year0.status == 400 && year0.body.contains("1970–9999"), "of=0000-01-01 answered \(year0.status): \(year0.body)")
        // The README documents format=pdf: a PDF (it answered 400).
        let pdf = try await http("GET", "\(f.base)/reports/tay-trang?period=2026-11&format=pdf", jar: jar)
        #expect(pdf.status == 200 && pdf.body.hasPrefix("%PDF-"), "format=pdf answered \(pdf.status): \(pdf.body.prefix(300))")
        try await expectEqual(http("GET", "\(f.base)/reports/tay-trang?period=2026-11&format=doc", jar: jar).status, 400)
        // Still accepted: the canonical spellings.
        try await expectEqual(http("GET", "\(f.base)/api/v1/incidents?limit=5&state=open", headers: auth).status, 200)
        await f.stop()
    }
}

// Test support for the web: an HTTP client over libcurl (through the Curl wrapper), a fixture
// that starts the real HTTP server with the real web application on loopback, and an in-memory
// incident desk standing in for the engine (the web's contract with it is `IncidentDesk`).
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostAuth
import WatchpostWeb
import HTTPServer
import Curl
import Posix
import Synchronization
import WatchpostTestSupport

struct Reply: Sendable {
    var status: Int
    var headers: String
    var body: String

    func header(_ name: String) -> [String] {
        headers.split(whereSeparator: { $0 == "\r\n" || $0 == "\r" || $0 == "\n" }).compactMap { line -> String? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == name.lowercased() else { return nil }
            return String(parts[1]).trimmingWhitespace()
        }
    }
}

/// Cookies as a browser keeps them (name → value), fed from Set-Cookie.
final class CookieJar: Sendable {
    let values = Mutex<[String: String]>([:])
    func absorb(_ r: Reply) {
        for c in r.header("set-cookie") {
            guard let first = c.split(separator: ";").first, let eq = first.firstIndex(of: "=") else { continue }
            let name = String(first[..<eq]), value = String(first[first.index(after: eq)...])
            values.withLock { $0[name] = value.isEmpty ? nil : value }
        }
    }
    var header: String? {
        let v = values.withLock { $0 }
        return v.isEmpty ? nil : v.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
    }
    subscript(_ name: String) -> String? { values.withLock { $0[name] } }
}

/// One HTTP request through libcurl, off the shared task threads.
func http(_ method: String, _ url: String, headers: [String] = [], body: String? = nil, jar: CookieJar? = nil, caFile: String? = nil,
          timeoutMs: Int = 60_000) async throws -> Reply {
    let cookie = jar?.header
    let r = try await runBlocking { () throws -> Reply in
        let c = try CurlEasy()
        try c.set(.url, url)
        try c.setTimeout(milliseconds: timeoutMs)
        var h = headers + ["Expect:"]
        if let cookie { h.append("Cookie: \(cookie)") }
        if let body {
            let bytes = Array(body.utf8)
            try c.setUploadEnabled(true)
            try c.setInfileSize(bytes.count)
            c.setUploadBody(bytes)
            if !h.contains(where: { $0.lowercased().hasPrefix("content-type:") }) { h.append("Content-Type: application/x-www-form-urlencoded") }
        }
        if method != "GET" || body != nil { try c.set(.customRequest, method) }
        try c.setList(.httpHeaders, h)
        if let caFile { try c.set(.caInfo, caFile) }
        try c.perform()
        return Reply(status: c.responseCode, headers: c.responseHeaders, body: String(decoding: c.responseBody, as: UTF8.self))
    }
    jar?.absorb(r)
    return r
}

/// Form encoding for test posts.
func form(_ pairs: [(String, String)]) -> String {
    pairs.map { "\(enc($0.0))=\(enc($0.1))" }.joined(separator: "&")
}

func enc(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
        if (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 95 || b == 46 {
            out.unicodeScalars.append(Unicode.Scalar(b))
        } else {
            let hex = Array("0123456789ABCDEF")
            out += "%\(hex[Int(b >> 4)])\(hex[Int(b & 15)])"
        }
    }
    return out
}

/// The value of a hidden `csrf` field in a page.
func csrfField(_ html: String) -> String? {
    let marker = "name=\"csrf\" value=\""
    guard let parts = html.split(separator: marker, maxSplits: 1, omittingEmptySubsequences: false) as [Substring]?, parts.count == 2 else { return nil }
    let rest = parts[1]
    guard let end = rest.firstIndex(of: "\"") else { return nil }
    return String(rest[..<end])
}

/// The incident engine's stand-in: keeps incidents and timelines in memory and applies the same
/// state rules the engine does (ack only when open; resolve only when open).
actor MemoryDesk: IncidentDesk {
    var items: [Int64: IncidentView] = [:]
    var timelines: [Int64: [TimelineItem]] = [:]
    let clock: any WatchpostClock

    init(clock: any WatchpostClock) { self.clock = clock }

    func add(_ i: IncidentView) {
        items[i.id] = i
        timelines[i.id] = [TimelineItem(at: i.openedAt, kind: "opened", actor: "engine", text: i.summary)]
    }

    func incidents(limit: Int) async throws(WatchpostError) -> [IncidentView] {
        Array(items.values.sorted { ($0.isOpen ? 1 : 0, $0.id) > ($1.isOpen ? 1 : 0, $1.id) }.prefix(limit))
    }
    func incident(_ id: Int64) async throws(WatchpostError) -> IncidentView? { items[id] }
    func timeline(_ id: Int64) async throws(WatchpostError) -> [TimelineItem] { timelines[id] ?? [] }

    func acknowledge(_ id: Int64, by actor: IncidentActor, note: String?) async throws(WatchpostError) -> IncidentView {
        guard var i = items[id] else { throw WatchpostError(.notFound, "no incident \(id)") }
        guard i.isOpen else { throw WatchpostError(.usage, "incident \(id) is resolved") }
        i.state = "acknowledged"
        i.acknowledgedBy = actor.name
        i.acknowledgedVia = actor.via
        i.acknowledgedAt = clock.now()
        i.acknowledgementNote = note
        items[id] = i
        timelines[id, default: []].append(TimelineItem(at: clock.now(), kind: "acknowledged", actor: actor.name,
                                                       text: "acknowledged via \(actor.via) from \(actor.address)" + (note.map { ": \($0)" } ?? "")))
        return i
    }

    func resolve(_ id: Int64, by actor: IncidentActor, note: String?) async throws(WatchpostError) -> IncidentView {
        guard var i = items[id] else { throw WatchpostError(.notFound, "no incident \(id)") }
        guard i.isOpen else { throw WatchpostError(.usage, "incident \(id) is resolved already") }
        i.state = "resolved"
        i.resolvedAt = clock.now()
        items[id] = i
        timelines[id, default: []].append(TimelineItem(at: clock.now(), kind: "resolved", actor: actor.name, text: note ?? "resolved"))
        return i
    }

    func addNote(_ id: Int64, by actor: IncidentActor, text: String) async throws(WatchpostError) {
        guard items[id] != nil else { throw WatchpostError(.notFound, "no incident \(id)") }
        timelines[id, default: []].append(TimelineItem(at: clock.now(), kind: "note", actor: actor.name, text: text))
    }

    func recordRefusal(_ id: Int64, by actor: IncidentActor, reason: Message) async {
        // As EngineDesk records it: the actor with channel and address, the reason as a message.
        timelines[id, default: []].append(TimelineItem(at: clock.now(), kind: "refused", actor: "\(actor.name) (\(actor.via), \(actor.address))",
                                                       text: Catalogue.render(reason, .vi), message: reason))
    }
}

/// The test users' password hash, made once: real PBKDF2-SHA256 in the stored format, at 1,000
/// iterations instead of the product's 600,000 (`PasswordHash.iterations`, what `watchpost user
/// add` writes and the browser tests sign in with). A login verifies with the count stored in the
/// hash, so every login here takes the real path; at 600,000 each cost 0.3-3 s of CPU, and the
/// lock-out test's ninety logins took 19 s at load 5 and 89 s at load 15. Unknown logins still
/// burn the product's full count.
let testPassword = "correct horse battery staple"
let testPasswordHash: String = (try? PasswordHash.make(testPassword, iterations: 1_000)) ?? ""
let linkKey = Array("0123456789abcdef0123456789abcdef".utf8)

/// The server of a fixture, made after its application (which shows its answer times on /metrics).
final class Listener: Sendable {
    let server = Mutex<HTTPServer?>(nil)
}

/// Each request the fixture's application answered: its path and the milliseconds from its
/// arrival at the server to the application's answer, measured in the server (a client thread's
/// own wait for a core is not in it).
final class Served: Sendable {
    private let answers = Mutex<[(path: String, milliseconds: Int64)]>([])
    func add(_ path: String, _ milliseconds: Int64) { answers.withLock { $0.append((path, milliseconds)) } }
    var all: [(path: String, milliseconds: Int64)] { answers.withLock { $0 } }
}

/// The real web application on a real HTTP server on 127.0.0.1, with a fresh database.
struct WebFixture {
    let store: Store
    let desk: MemoryDesk
    let app: WebApp
    let server: HTTPServer
    let clock: ManualClock
    let logs: MemoryLogSink
    let dir: String
    /// What the server measured of each request (fixtures made by `start`).
    var served = Served()
    var base: String { "http://127.0.0.1:\(server.port)" }

    /// `otherDesk` replaces the in-memory desk the application talks to (`desk` is then unused).
    /// `appClock`: the application's clock (its request deadlines and heavy-read waits) when it
    /// must be the wall clock; by default the fixture's manual `clock`, on which no deadline passes
    /// unless the test advances it.
    static func start(tls: (cert: String, key: String)? = nil, settings: WebSettings = WebSettings(), desk useDesk: Bool = true,
                      otherDesk: (any IncidentDesk)? = nil, appClock: (any WatchpostClock)? = nil) async throws -> WebFixture {
        let dir = try makeTemporaryFolder("wp-web")
        let clock = ManualClock(now: Instant.parse("2026-11-24T08:00:00+07:00")!)
        let store = try Store(path: "\(dir)/watchpost.db", clock: clock)
        let config = try ConfigurationLoader.load(root: TestPaths.packageRoot)
        let logs = MemoryLogSink()
        let logger = Logger(sink: logs, clock: clock, minimumLevel: .debug)
        let desk = MemoryDesk(clock: clock)
        var s = settings
        s.port = 0
        let listener = Listener()
        let app = WebApp(store: store, desk: otherDesk ?? (useDesk ? desk : nil), configuration: config, settings: s, linkKey: linkKey, clock: appClock ?? clock, logger: logger,
                         answerTimes: { listener.server.withLock { $0 }?.answerTimes })
        var hs = HTTPServerSettings(host: "127.0.0.1", port: 0, tlsCertificatePEM: tls?.cert, tlsKeyPEM: tls?.key)
        hs.maxBodyBytes = s.maxBody
        hs.connectionTimeoutSeconds = 3
        let served = Served()
        let server = try HTTPServer(settings: hs, handler: { request in
            let answer = await app.handle(request)
            served.add(request.path, request.millisecondsSinceReceived)
            return answer
        })
        listener.server.withLock { $0 = server }
        var made = WebFixture(store: store, desk: desk, app: app, server: server, clock: clock, logs: logs, dir: dir)
        made.served = served
        return made
    }

    func addUser(_ login: String, _ role: UserRole, name: String? = nil) async throws {
        try await store.addUser(login: login, displayName: name ?? login, role: role, email: nil, passwordHash: testPasswordHash)
    }

    /// Logs in through the form; returns the jar holding the session cookie.
    func login(_ login: String, password: String = testPassword) async throws -> CookieJar {
        let jar = CookieJar()
        let page = try await http("GET", "\(base)/login", jar: jar)
        let csrf = try #require(csrfField(page.body))
        let r = try await http("POST", "\(base)/login", body: form([("csrf", csrf), ("login", login), ("password", password), ("next", "/")]), jar: jar)
        expectEqual(r.status, 303, "login of \(login) answered \(r.status)")
        return jar
    }

    func stop() async {
        await server.stop()
        removeTree(dir)
    }
}

/// `roles`: the acknowledgement-policy roles of every notified address (the border-guard post
/// operates and secures the Tây Trang cluster, 32/2018 7.2.1, 7.2.3).
func incident(_ id: Int64, _ category: IncidentCategory, check: String = "box-disk", state: String = "triggered",
              notified: [String] = ["border-guard@example.org"], summary: String = "disk almost full",
              roles: [PartyRole] = [.operator, .security]) -> IncidentView {
    var v = IncidentView(id: id, site: "tay-trang", check: check, checkName: "Disk", category: category, severity: .critical, state: state,
                         summary: summary, openedAt: Instant.parse("2026-11-24T07:50:00+07:00")!, since: Instant.parse("2026-11-24T07:45:00+07:00")!,
                         level: 1, notified: notified)
    for a in notified { v.notifiedRoles[a.lowercased()] = roles }
    return v
}

// The console reads the boxes over HTTPS, as in the field (issue #17 point 4: "boxes need no
// inbound connection beyond their HTTPS API"). A site box serves its web API over HTTPS with a
// certificate signed by a throw-away CA that openssl makes in the test's folder. The console
// lists that one box four times: with `ca_file` = that CA (read), without `ca_file` (the
// system's CAs: not trusted), with another CA's file (not trusted), and as http:// on the HTTPS
// port (no HTTP answer: never read in plain text). The board and the consolidated report name
// each failure, Vietnamese first, well before the box's deadline.
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostReports
import Posix
import WatchpostHost
import Glibc
import WatchpostTestSupport

/// A department account on `box` (Tây Trang Điều 8.2: the Department reads every box) and its
/// read-only API token, as the README tells the operator to make them.
func departmentToken(_ box: Box, password: String) async throws -> String {
    let add = await shell("printf '\(password)\\n' | '\(box.watchpost)' user add so-tttt --role department --name 'Sở TT&TT' --config '\(box.dir)'")
    try #require(add.status == 0, "user add: \(add.output)")
    let token = try await run(box.watchpost, ["user", "token", "so-tttt", "--config", box.dir])
    try #require(token.exitCode == 0, "user token: \(token.output)")
    return token.output.split(separator: "\n").last.map(String.init) ?? ""
}

/// Gives a console its boxes: each `[remote ID]` section appended to its watchpost.conf, and each
/// token in its secrets file (0600, beside the link key), where the README says tokens go.
func configureRemotes(of console: Box, _ remotes: [(id: String, token: String, section: String)]) throws {
    var secrets = "[web]\nlink_key = 5f0c2d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d\n"
    var sections = ""
    for r in remotes {
        secrets += "[remote \(r.id)]\ntoken = \(r.token)\n"
        sections += "[remote \(r.id)]\n\(r.section)"
    }
    try FileSystem.writeAtomically("\(console.dir)/secrets.conf", secrets, mode: 0o600)
    let conf = try FileSystem.readText("\(console.dir)/watchpost.conf")
    try FileSystem.writeAtomically("\(console.dir)/watchpost.conf", conf + "\n" + sections)
}

/// Signs in to a box's web pages with curl and a cookie jar, as a browser would.
func signIn(_ curl: String, base: String, jar: String, login: String, password: String, caFile: String? = nil) async throws {
    let tls = caFile.map { ["--cacert", $0] } ?? []
    let loginPage = try await run(curl, tls + ["-s", "-c", jar, "-b", jar, "\(base)/login"]).output
    let csrf = try #require(loginPage.firstRange(of: "name=\"csrf\" value=\"").map { r in String(loginPage[r.upperBound...].prefix { $0 != "\"" }) },
                            "no login form at \(base)/login: \(loginPage.prefix(300))")
    _ = try await run(curl, tls + ["-s", "-c", jar, "-b", jar, "--data-urlencode", "csrf=\(csrf)", "--data-urlencode", "login=\(login)",
                                   "--data-urlencode", "password=\(password)", "--data-urlencode", "next=/", "\(base)/login"])
}

@Suite("Department console over HTTPS")
struct FleetTLSTests {
    @Test("a box on HTTPS: read with ca_file; without it or with another CA 'certificate not trusted' on /fleet and in the report; http:// on the HTTPS port is refused, never read in plain text")
    func consoleOverHTTPS() async throws {
        let openssl = try requireTool("openssl", debianPackage: "openssl")
        let curl = try requireTool("curl", debianPackage: "curl")
        var box = try await Box(name: "tls-box")
        var console = try await Box(name: "tls-console")
        defer { box.stop(); console.stop() }
        // The CA, another CA, and the box's certificate for 127.0.0.1 signed by the first.
        let certs = try tempFolder("fleet-tls-ca")
        let made = await shell("""
            cd '\(certs)' && \
            '\(openssl)' req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=Watchpost Test CA' 2>&1 && \
            '\(openssl)' req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other-ca.pem -days 2 -subj '/CN=Another CA' 2>&1 && \
            '\(openssl)' req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=localhost' 2>&1 && \
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext && \
            '\(openssl)' x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext 2>&1 && \
            chmod 600 server.key && mkdir -p '\(console.dir)/certs' && cp ca.pem '\(console.dir)/certs/box-ca.pem'
            """)
        try #require(made.status == 0, "openssl: \(made.output)")
        let conf = try FileSystem.readText("\(box.dir)/watchpost.conf")
        try FileSystem.writeAtomically("\(box.dir)/watchpost.conf", conf + "\ntls_certificate = \(certs)/server.pem\ntls_key = \(certs)/server.key\n")
        let password = "mat-khau-thu-nghiem-2026"
        let token = try await departmentToken(box, password: password)
        // One box, four ways to reach it. `ca_file` relative to the console's configuration folder.
        let remotes: [(id: String, url: String, extra: String)] = [
            ("trusted", "https://127.0.0.1:\(box.port)", "ca_file = certs/box-ca.pem\n"),
            ("system", "https://127.0.0.1:\(box.port)", ""),
            ("other-ca", "https://127.0.0.1:\(box.port)", "ca_file = \(certs)/other-ca.pem\n"),
            ("plain", "http://127.0.0.1:\(box.port)", ""),
        ]
        try configureRemotes(of: console, remotes.map { ($0.id, token, "url = \($0.url)\npoll = 1s\ntimeout = 20s\n\($0.extra)") })
        _ = try await departmentToken(console, password: password)
        try box.start()
        try await #require(box.daemon).waitUntilStarted(within: 60)
        // The box really serves HTTPS with that certificate (curl, trusting the CA).
        try await waitUntil("box on https://127.0.0.1:\(box.port)", within: 60) {
            ((try? await run(curl, ["-s", "--cacert", "\(certs)/ca.pem", "https://127.0.0.1:\(box.port)/healthz"]).exitCode) ?? 1) == 0
        }
        try console.start()
        let consoleDaemon = try #require(console.daemon)
        try await consoleDaemon.waitUntilStarted(within: 60)

        // Every box's contact as the console recorded it: the first read of each, whatever its end.
        let store = try Store(path: "\(console.dir)/var/watchpost.db", clock: SystemClock(), readOnly: true)
        var contacts: [String: RemoteContact] = [:]
        try await waitUntil("the console has tried the four boxes", within: 60, detail: { "console log:\n\(consoleDaemon.logTail())" }) {
            contacts = Dictionary(((try? await store.remoteContacts()) ?? []).map { ($0.remote, $0) }, uniquingKeysWith: { a, _ in a })
            return contacts["trusted"]?.lastSuccess != nil && remotes.allSatisfy { contacts[$0.id] != nil }
        }
        // Never a hang: each failure below is named for its certificate, not the 20 s timeout.
        func key(_ id: String) -> String? {
            contacts[id]?.lastError.flatMap { try? JSONCoding.decode(Message.self, from: $0) }?.key.rawValue
        }
        #expect(contacts["trusted"]?.lastError == nil, "trusted: \(contacts["trusted"]?.lastError ?? "")")
        #expect(contacts["system"]?.lastSuccess == nil && key("system") == "fleet.error.certificate", "system: \(contacts["system"]?.lastError ?? "none")")
        #expect(contacts["other-ca"]?.lastSuccess == nil && key("other-ca") == "fleet.error.certificate", "other-ca: \(contacts["other-ca"]?.lastError ?? "none")")
        #expect(contacts["plain"]?.lastSuccess == nil && key("plain") == "fleet.error.reply", "plain: \(contacts["plain"]?.lastError ?? "none")")

        // The consolidated report: the trusted box's figures; the others unreachable and why.
        let csv = try await run(console.watchpost, ["report", "--consolidated", "--format", "csv", "--config", console.dir])
        try #require(csv.exitCode == 0, "report --consolidated: \(csv.output)")
        var rows: [String: [String]] = [:]
        for line in csv.output.split(separator: "\r\n").dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            rows[cells[0]] = cells
        }
        // Columns: 2 site, 7 scheduled_s, 18 reachable, 19 contact (vi), 20 contact (en).
        let trusted = try #require(rows["trusted"], "\(csv.output)")
        #expect(trusted[2] == "vung-ang" && trusted[18] == "yes" && (Int64(trusted[7]) ?? 0) > 0, "\(trusted)")
        // The contact cells are quoted (they hold commas): read them from the whole row, in order.
        for id in ["system", "other-ca"] {
            let row = try #require(rows[id], "\(csv.output)")
            let line = row.joined(separator: ",")
            #expect(row[18] == "no" && line.contains("CHƯA LIÊN LẠC ĐƯỢC") && line.contains("chứng chỉ HTTPS của máy không được tin cậy")
                    && line.contains("[remote \(id)]") && line.contains("HTTPS certificate not trusted"), "\(row)")
        }
        let plain = try #require(rows["plain"], "\(csv.output)")
        let plainLine = plain.joined(separator: ",")
        #expect(plain[18] == "no" && plainLine.contains("địa chỉ phải bắt đầu bằng https://") && plainLine.contains("must start with https://"), "\(plain)")
        let text = try await run(console.watchpost, ["report", "--consolidated", "--format", "txt", "--config", console.dir])
        let vi = try #require(text.output.firstRange(of: "chứng chỉ HTTPS của máy không được tin cậy"), "\(text.output)")
        let en = try #require(text.output.firstRange(of: "HTTPS certificate not trusted"), "\(text.output)")
        #expect(vi.lowerBound < en.lowerBound, "Vietnamese first: \(text.output)")

        // The board, as a signed-in Department user of the console sees it.
        let base = "http://127.0.0.1:\(console.port)"
        let jar = "\(console.dir)/cookies"
        try await signIn(curl, base: base, jar: jar, login: "so-tttt", password: password)
        let board = try await run(curl, ["-s", "-b", jar, "\(base)/fleet"]).output
        #expect(board.contains("<tr class=\"live\" data-box=\"trusted\">") && board.contains("<tr class=\"stale\" data-box=\"system\">")
                && board.contains("<tr class=\"stale\" data-box=\"other-ca\">"), "\(board)")
        #expect(board.contains("chứng chỉ HTTPS của máy không được tin cậy") && board.contains("HTTPS certificate not trusted"), "\(board)")
    }

    @Test("why a read failed: each libcurl failure has its catalogue message; an older cache's plain text is shown as it is")
    func failureReasons() {
        let box = RemoteBox(id: "b", name: "B", url: "https://b.example.vn", poll: .minutes(5), timeout: .seconds(20), caFile: "/etc/wp/b.pem", verifyTLS: true)
        let cases: [(Int32, String)] = [(60, "fleet.error.certificate"), (77, "fleet.error.ca_file"), (35, "fleet.error.tls"), (52, "fleet.error.reply"),
                                        (56, "fleet.error.reply"), (6, "fleet.error.resolve"), (7, "fleet.error.connect"), (28, "fleet.error.timeout"), (3, "fleet.error.other")]
        for (code, expected) in cases {
            let m = FleetFetch.reason(curlCode: code, detail: "d", box: box)
            expectEqual(m.key.rawValue, expected, "curl \(code)")
            expectEqual(FleetFetch.reason(cached: FleetFetch.reasonText(m)), .message(m), "curl \(code) survives the cache")
            #expect(!Catalogue.render(m, .vi).contains("{") && !Catalogue.render(m, .en).contains("{"), "\(Catalogue.render(m, .vi))")
        }
        expectEqual(FleetFetch.reason(cached: "no answer within 2000 ms"), .text("no answer within 2000 ms"))
    }
}

// The Department's console across boxes, end to end (issue #17 point 4): two site boxes and a
// console box, three real `watchpost run` daemons on loopback (ports from the kernel). The
// console reads both boxes' /api/v1/summary with their department tokens (kept in its secrets
// file); box a opens an incident; box b is then stopped (SIGSTOP: it still accepts connections
// but never answers, the worst case for a deadline). The board and the consolidated report must
// say that b cannot be reached, with its last known figures and last contact, while a keeps
// being read every second with complete figures.
import Testing
import WatchpostCore
import WatchpostStore
import WatchpostConfig
import WatchpostDaemon
import Posix
import Glibc
import WatchpostTestSupport
import WatchpostHost

/// Signs in to the console's web as the Department (so-tttt) and reads /fleet: the cookie jar,
/// the base URL and the board's HTML.
func departmentBoard(_ curl: String, _ console: Box, password: String) async throws -> (jar: String, base: String, board: String) {
    let jar = "\(console.dir)/cookies"
    let base = "http://127.0.0.1:\(console.port)"
    try await signIn(curl, base: base, jar: jar, login: "so-tttt", password: password)
    return (jar, base, try await run(curl, ["-s", "-b", jar, "\(base)/fleet"]).output)
}

@Suite("Department console across boxes")
struct FleetConsoleTests {
    @Test("two site boxes and a console: one box stopped, the board and the consolidated report say so, the other's figures are complete")
    func consoleWithOneBoxStopped() async throws {
        let curl = try requireTool("curl", debianPackage: "curl")
        var boxes = [try await Box(name: "fleet-a"), try await Box(name: "fleet-b")]
        var console = try await Box(name: "fleet-console")
        var hungPid: pid_t = 0
        defer {
            if hungPid > 0 { kill(hungPid, SIGCONT) }
            for i in boxes.indices { boxes[i].stop() }
            console.stop()
        }
        let password = "mat-khau-thu-nghiem-2026"
        var remotes: [(id: String, token: String, section: String)] = []
        for (id, b) in zip(["a", "b"], boxes) {
            remotes.append((id, try await departmentToken(b, password: password),
                            "url = http://127.0.0.1:\(b.port)/\nname = Hộp \(id.uppercased())\npoll = 1s\ntimeout = 2s\n"))
        }
        try configureRemotes(of: console, remotes)
        _ = try await departmentToken(console, password: password)
        for i in boxes.indices { try boxes[i].start() }
        try console.start()
        let consoleDaemon = try #require(console.daemon)
        try await consoleDaemon.waitUntilStarted(within: 60)

        func consolidated(_ format: String) async throws -> String {
            let r = try await run(console.watchpost, ["report", "--consolidated", "--format", format, "--config", console.dir])
            try #require(r.exitCode == 0, "report --consolidated: \(r.output)")
            return r.output
        }
        func rows(_ csv: String) -> [String: [String]] {
            var out: [String: [String]] = [:]
            for line in csv.split(separator: "\r\n").dropFirst() {
                let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                out[cells[0]] = cells
            }
            return out
        }
        // Columns: 0 box, 2 site, 7 scheduled_s, 8 up_s, 9 down_s, 10 unknown_s, 11 no_data_s, 13 incidents, 14 open, 17 figures as of, 18 reachable, 19 contact.
        try await waitUntil("the console has read both boxes", within: 60, detail: { "console log:\n\(consoleDaemon.logTail())" }) {
            let r = rows((try? await consolidated("csv")) ?? "")
            return r["a"]?[18] == "yes" && r["b"]?[18] == "yes" && r["a"]?[2] == "vung-ang" && r["b"]?[2] == "vung-ang"
        }
        // Each cluster's yearly report by its own calendar (`--period yearly --of YEAR`): these boxes
        // have no reports.conf, so their calendar is the default one of calendar years.
        let year = String(ZoneOffset.hoChiMinh.localDate(of: SystemClock().now()).year)
        var byCalendar: [String: [String]] = [:]
        try await waitUntil("the console has each box's yearly report by its calendar", within: 60, detail: { "\(byCalendar)" }) {
            let r = try? await run(console.watchpost, ["report", "--consolidated", "--period", "yearly", "--of", year, "--format", "csv", "--config", console.dir])
            byCalendar = rows(r?.output ?? "")
            return byCalendar["a"]?[5] == "\(year)-01-01..\(year)-12-31" && byCalendar["b"]?[5] == "\(year)-01-01..\(year)-12-31"
                && byCalendar["a"]?[18] == "yes" && (Int64(byCalendar["a"]?[7] ?? "") ?? 0) > 0
        }
        let calendarText = try await run(console.watchpost, ["report", "--consolidated", "--period", "yearly", "--of", year, "--config", console.dir])
        #expect(calendarText.output.contains("Báo cáo năm \(year) theo lịch báo cáo của từng cụm") && calendarText.output.contains("(từ 01/01/\(year) đến 31/12/\(year))"),
                "\(calendarText.output)")
        // Box a is up on the console before its check c0 fails: the site is down while any check is,
        // so a flag written before c0's first OK result leaves box a no up second, and the wait for
        // up and down time below could never end (#13 review s9, run 11: the console had read both
        // boxes and their calendars 1 s after box a started; c0's first result was already Critical).
        var rowBefore: [String] = []
        try await waitUntil("box a's figures on the console hold up time before c0 fails", within: 60, detail: { "row a: \(rowBefore)" }) {
            rowBefore = rows((try? await consolidated("csv")) ?? "")["a"] ?? []
            return rowBefore.count > 11 && (Int64(rowBefore[8]) ?? 0) > 0
        }
        // Box a: its check c0 fails (flag file) and an incident opens there; the console sees it.
        try FileSystem.writeAtomically("\(boxes[0].dir)/flag0", "x")
        try await waitUntil("the console sees box a's open incident", within: 60, detail: { "console log:\n\(consoleDaemon.logTail())" }) {
            let r = rows((try? await consolidated("csv")) ?? "")
            return (Int(r["a"]?[14] ?? "") ?? 0) >= 1
        }
        // Box b stops answering (SIGSTOP: the kernel still accepts its connections).
        let bPid = try #require(boxes[1].daemon?.pid)
        hungPid = bPid
        kill(bPid, SIGSTOP)
        let stoppedAt = SystemClock().now()
        try await waitUntil("the console records box b as unreachable", within: 60, detail: { "console log:\n\(consoleDaemon.logTail())" }) {
            rows((try? await consolidated("csv")) ?? "")["b"]?[18] == "no"
        }
        // While b hangs, a is still read every second: its last contact keeps moving after b's stop.
        let store = try Store(path: "\(console.dir)/var/watchpost.db", clock: SystemClock(), readOnly: true)
        try await waitUntil("box a read again at least twice after box b stopped", within: 60) {
            let contacts = (try? await store.remoteContacts()) ?? []
            guard let a = contacts.first(where: { $0.remote == "a" }), let last = a.lastSuccess else { return false }
            return a.lastError == nil && last.seconds >= stoppedAt.seconds + 2
        }
        let contacts = try await store.remoteContacts()
        let b = try #require(contacts.first { $0.remote == "b" })
        let bReason = b.lastError.flatMap { try? JSONCoding.decode(Message.self, from: $0) }
        expectEqual(bReason?.key, "fleet.error.timeout", "b's error: \(b.lastError ?? "none")")
        expectEqual(b.lastSuccess.map { $0.seconds <= stoppedAt.seconds + 5 }, true, "b last answered before it stopped")

        // The consolidated report: b named unreachable with its last figures; a complete.
        var rowA: [String] = []
        var rowARead = SystemClock().now()
        try await waitUntil("box a's figures on the console hold up and down time (c0 failed)", within: 60, detail: { "row a: \(rowA)" }) {
            rowARead = SystemClock().now()
            rowA = rows((try? await consolidated("csv")) ?? "")["a"] ?? []
            return rowA.count > 11 && (Int64(rowA[8]) ?? 0) > 0 && (Int64(rowA[9]) ?? 0) > 0
        }
        let csv = try await consolidated("csv")
        let rowB = try #require(rows(csv)["b"], "\(csv)")
        #expect(rowA[18] == "yes" && rowA[19].hasPrefix("Liên lạc được (liên lạc cuối ") && rowA[20].hasPrefix("Reachable (last contact "), "\(rowA)")
        // Complete: the console's figures for a are box a's own `watchpost report`, give or take
        // the seconds since the last fetch (1 s poll) and a's heartbeat (5 s), and the seconds box
        // a went on observing between the console row's read and its own report (#13 s11: at load
        // 30 the consolidated report and the report command each take seconds to start, time the
        // fixed 10 s did not leave room for).
        let own = try await run(boxes[0].watchpost, ["report", "--site", "vung-ang", "--period", String(ZoneOffset.hoChiMinh.localDate(of: SystemClock().now()).year),
                                                     "--format", "csv", "--config", boxes[0].dir])
        try #require(own.exitCode == 0, "box a's own report: \(own.output)")
        let slack = 10 + (SystemClock().now() - rowARead).milliseconds / 1000 + 1
        let ownSite = try #require(own.output.split(separator: "\r\n").first { $0.hasPrefix("vung-ang,*site*,") }).split(separator: ",", omittingEmptySubsequences: false)
        let ownObserved = (Int64(ownSite[6]) ?? 0) + (Int64(ownSite[7]) ?? 0) + (Int64(ownSite[8]) ?? 0)
        let consoleObserved = (Int64(rowA[8]) ?? 0) + (Int64(rowA[9]) ?? 0) + (Int64(rowA[10]) ?? 0)
        #expect(consoleObserved > 0 && ownObserved >= consoleObserved && ownObserved - consoleObserved <= slack,
                "box a observed \(ownObserved) s by its own report, \(consoleObserved) s on the console (allowed \(slack) s)")
        #expect(rowA[7] == ownSite[5] || abs((Int64(rowA[7]) ?? 0) - (Int64(ownSite[5]) ?? 0)) <= slack, "scheduled seconds: \(rowA[7]) vs \(ownSite[5]) (allowed \(slack) s)")
        #expect(rowB[18] == "no" && rowB[19].contains("KHÔNG LIÊN LẠC ĐƯỢC") && rowB[19].contains("liên lạc cuối") && rowB[20].contains("UNREACHABLE"), "\(rowB)")
        expectEqual(Int64(rowB[7]).map { $0 > 0 }, true, "box b keeps its last known figures: \(rowB)")
        let text = try await consolidated("txt")
        #expect(text.contains("Hộp B") && text.contains("KHÔNG LIÊN LẠC ĐƯỢC") && text.contains("số liệu cuối cùng nhận được lúc"), "\(text)")
        let html = try await consolidated("html")
        #expect(html.contains("<tr class=\"stale\" data-box=\"b\">") && html.contains("<tr class=\"live\" data-box=\"a\">"), "\(html)")
        let pdfPath = "\(console.dir)/consolidated.pdf"
        let pdf = try await run(console.watchpost, ["report", "--consolidated", "--out", pdfPath, "--config", console.dir])
        try #require(pdf.exitCode == 0, "pdf: \(pdf.output)")
        expectEqual(Array(try FileSystem.readBytes(pdfPath, limit: 1 << 24).prefix(5)), Array("%PDF-".utf8))

        // The board, as a signed-in Department user sees it.
        let (jar, base, board) = try await departmentBoard(curl, console, password: password)
        #expect(board.contains("<tr class=\"stale\" data-box=\"b\">") && board.contains("KHÔNG LIÊN LẠC ĐƯỢC"), "\(board)")
        #expect(board.contains("<tr class=\"live\" data-box=\"a\">"), "\(board)")
        #expect(board.contains(" c0: "), "box a's open incident on the board: \(board)")
        // Vietnamese first: the category and who took it (before: "(technical, triggered)").
        #expect(board.contains("(kỹ thuật; chưa có ai tiếp nhận)") && board.contains("(technical; nobody has acknowledged it yet)") && !board.contains("triggered"), "\(board)")
        // The same report of each cluster's calendar on the web.
        let web = try await run(curl, ["-s", "-b", jar, "\(base)/fleet/report?period=yearly&of=\(year)&format=csv"]).output
        expectEqual(rows(web)["a"]?[5], "\(year)-01-01..\(year)-12-31", "\(web)")
        kill(bPid, SIGCONT)
        hungPid = 0
    }

    @Test("a console with no cluster of its own runs from [remote] alone and consolidates a half-year, a month and a range when asked; without a token it refuses before listening")
    func departmentConsoleWithoutSitesReadsAnyPeriod() async throws {
        let curl = try requireTool("curl", debianPackage: "curl")
        var box = try await Box(name: "fleet-ondemand")
        var console = try await Box(name: "fleet-department")
        defer { box.stop(); console.stop() }
        let password = "mat-khau-thu-nghiem-2026"
        let token = try await departmentToken(box, password: password)
        // The Department's server: no probes/ at all, only the box to read (README: "the
        // Department's, or any box — becomes the console"). It failed before: "no site folders under probes/".
        let rm = await shell("rm -rf '\(console.dir)/probes'")
        try #require(rm.status == 0, "\(rm.output)")
        try configureRemotes(of: console, [("a", token, "url = http://127.0.0.1:\(box.port)/\nname = Hộp A\npoll = 1s\ntimeout = 5s\n")])
        let withToken = try FileSystem.readText("\(console.dir)/secrets.conf")
        // Without the box's token: `check` refuses (it said "ok" before), and the daemon refuses
        // before its web server listens (it listened first before).
        try FileSystem.writeAtomically("\(console.dir)/secrets.conf", "[web]\nlink_key = 5f0c2d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d\n", mode: 0o600)
        let check = try await run(console.watchpost, ["check", "--config", console.dir])
        #expect(check.exitCode == 1 && check.output.contains("remote.a.token: [remote a] trong watchpost.conf chưa có mã truy cập"), "\(check.output)")
        let refused = try await run(console.watchpost, ["run", "--config", console.dir], timeout: .seconds(60))
        #expect(refused.exitCode != 0 && refused.output.contains("[remote a] trong watchpost.conf chưa có mã truy cập"), "\(refused.output)")
        #expect(!refused.output.contains("web server listening"), "the web listened before the refusal: \(refused.output)")
        try FileSystem.writeAtomically("\(console.dir)/secrets.conf", withToken, mode: 0o600)
        let ok = try await run(console.watchpost, ["check", "--config", console.dir])
        expectEqual(ok.exitCode, 0, "\(ok.output)")

        _ = try await departmentToken(console, password: password)
        try box.start()
        try console.start()
        let consoleDaemon = try #require(console.daemon)
        try await consoleDaemon.waitUntilStarted(within: 60)
        func row(_ args: [String]) async throws -> [String] {
            let r = try await run(console.watchpost, ["report", "--consolidated"] + args + ["--format", "csv", "--config", console.dir])
            try #require(r.exitCode == 0, "report --consolidated \(args): \(r.output)")
            return r.output.split(separator: "\r\n").dropFirst().first { $0.hasPrefix("a,") }.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        }
        // Columns: 2 site, 5 period, 6 availability (a fraction), 7 scheduled_s, 18 reachable.
        try await waitUntil("the console has read box a", within: 60, detail: { "console log:\n\(consoleDaemon.logTail())" }) {
            let first = (try? await row([])) ?? []
            return first.count > 18 && first[18] == "yes"
        }
        let today = ZoneOffset.hoChiMinh.localDate(of: SystemClock().now())
        let y = today.year
        let lastHalf = today.month > 6 ? "\(y)-01-01..\(y)-06-30" : "\(y - 1)-07-01..\(y - 1)-12-31"
        // Periods the daemon does not keep are read from the box when asked (before: "Không có số
        // liệu của máy này cho kỳ báo cáo"): a plain half, each cluster's latest 6-monthly report
        // (Vũng Áng Điều 6, 13.1), a month by the calendar, and an ad hoc range.
        let half = try await row(["--period", "\(y)-H1"])
        #expect(half.count > 18 && half[2] == "vung-ang" && half[5] == "\(y)-H1" && half[18] == "yes", "\(half)")
        let calendarHalf = try await row(["--period", "half-year"])
        #expect(calendarHalf.count > 18 && calendarHalf[5] == lastHalf && calendarHalf[18] == "yes", "\(calendarHalf)")
        let month = today.adding(days: -Int64(today.day))   // last day of the previous month
        let monthLabel = "\(month.year)-\(month.month < 10 ? "0" : "")\(month.month)"
        let monthly = try await row(["--period", "monthly", "--of", monthLabel])
        #expect(monthly.count > 18 && monthly[5] == "\(monthLabel)-01..\(month)" && monthly[18] == "yes", "\(monthly)")
        var range: [String] = []
        try await waitUntil("box a's figures over an ad hoc range, with up time", within: 60, detail: { "\(range)" }) {
            range = (try? await row(["--from", "\(today.adding(days: -2))", "--to", "\(today)"])) ?? []
            return range.count > 18 && !range[6].isEmpty
        }
        #expect(range[5] == "\(today.adding(days: -2))..\(today)" && range[18] == "yes" && (Int64(range[7]) ?? 0) > 0, "\(range)")
        expectEqual(Double(range[6]).map { $0 > 0 && $0 <= 1 }, true, "availability is a fraction, as in the site CSV (it was a percentage): \(range)")
        // The web: the board links each cluster's yearly report by its calendar and the
        // 6-monthly one; the 6-monthly report is read on demand too.
        let (jar, base, board) = try await departmentBoard(curl, console, password: password)
        #expect(board.contains("href=\"/fleet/report?period=yearly&amp;of=\(y)\"") && board.contains("href=\"/fleet/report?period=half-year\""), "\(board)")
        #expect(board.contains("<tr class=\"live\" data-box=\"a\">"), "\(board)")
        let web = try await run(curl, ["-s", "-b", jar, "\(base)/fleet/report?period=\(y)-H1&format=csv"]).output
        #expect(web.contains("\r\na,Hộp A,vung-ang,") && web.contains(",\(y)-H1,"), "\(web)")
    }

    @Test("[remote ID] comes from watchpost.conf, its token only from the secrets file; a box without its token stops the console with the fix")
    func remoteConfiguration() async throws {
        let box = try await Box(name: "fleet-config")
        let conf = try FileSystem.readText("\(box.dir)/watchpost.conf")
        try FileSystem.writeAtomically("\(box.dir)/watchpost.conf", conf + "\n[remote tay-trang]\nurl = https://tay-trang.example.vn:8443/\nname = Cụm Tây Trang\npoll = 30s\n")
        let config = try ConfigurationLoader.load(root: box.dir)
        let remote = try #require(config.remotes.first)
        #expect(config.remotes.count == 1 && remote.id == "tay-trang" && remote.url == "https://tay-trang.example.vn:8443" && remote.name == "Cụm Tây Trang")
        #expect(remote.poll == .seconds(30) && remote.timeout == .seconds(20) && remote.verifyTLS)
        // A URL that is not http(s) is refused, naming the key.
        try FileSystem.writeAtomically("\(box.dir)/watchpost.conf", conf + "\n[remote x]\nurl = ftp://x.example.vn\n")
        #expect(throws: ConfigurationError.self) { _ = try ConfigurationLoader.load(root: box.dir) }
        #expect((try? ConfigurationLoader.load(root: box.dir)) == nil)
        // The token: read from the secrets file, never printed.
        try FileSystem.writeAtomically("\(box.dir)/secrets.conf", "[remote tay-trang]\ntoken = bi-mat-khong-in-ra\n", mode: 0o600)
        let secrets = try Secrets.load(file: "\(box.dir)/secrets.conf", environment: { _ in nil })
        expectEqual(secrets.revealRemoteToken("tay-trang"), "bi-mat-khong-in-ra")
        #expect(!secrets.description.contains("bi-mat") && secrets.description.contains("remote.tay-trang.token"))
        // Without it, the console's service refuses to start and says what to do.
        let store = try Store(path: "\(box.dir)/console.db", clock: SystemClock())
        let context = DaemonContext(configuration: config, secrets: Secrets(), store: store, clock: SystemClock(),
                                    logger: Logger(sink: MemoryLogSink(), clock: SystemClock()))
        do {
            _ = try RemoteBoxService(context: context)
            Issue.record("a [remote] without its token must be refused")
        } catch {
            #expect(error.message.contains("[remote tay-trang]") && (error.hint ?? "").contains("watchpost user token"), "\(error)")
            // Vietnamese first, English as its translation, from the catalogue (it failed before: English only).
            expectEqual(error.text?.key, "fleet.start.no_token", "\(error)")
            #expect(error.message.hasPrefix("[remote tay-trang] trong watchpost.conf chưa có mã truy cập trong tệp bí mật"), "\(error)")
            #expect((error.hint ?? "").hasPrefix("trên máy https://tay-trang.example.vn:8443 chạy") && (error.hint ?? "").contains("tài khoản Sở"), "\(error)")
        }
        #expect(throws: Never.self) { _ = try RemoteBoxService(context: DaemonContext(configuration: config, secrets: secrets, store: store, clock: SystemClock(),
                                                                                    logger: Logger(sink: MemoryLogSink(), clock: SystemClock()))) }
    }
}


// A reload while browsers and API clients hold keep-alive connections: the daemon must live on.
// Before the fix, the web server's stop ran from a cancelled task, the blocking pool dropped its
// MHD_stop_daemon, and libmicrohttpd kept serving the open connections into the released server:
// SIGSEGV at the 1st–3rd reload (found by the #18 reviewer: every operating-plan save reloads).
import Testing
import WatchpostCore
import Posix
import Glibc
import WatchpostTestSupport

@Suite("Web server across reloads", .serialized)
struct WebReloadProcessTests {
    /// Four threads asking for `path` over keep-alive connections (50 requests each, then a new
    /// connection), `pause` seconds apart, until `stop` exists; then the counts by answer go to `out`.
    static let poller = """
        import http.client, os, sys, threading, time
        port, stop, out, path, pause = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
        counts = {"ok": 0, "busy": 0, "other": 0, "err": 0}
        lock = threading.Lock()
        def poll():
            while not os.path.exists(stop):
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    for _ in range(50):
                        c.request("GET", path); r = c.getresponse(); r.read()
                        k = "ok" if r.status == 200 else ("busy" if r.status == 503 else "other")
                        with lock:
                            counts[k] += 1
                            if k == "ok":  # progress for the test: answers so far
                                with open(out + ".live.tmp", "w") as f: f.write(str(counts["ok"]))
                                os.rename(out + ".live.tmp", out + ".live")
                        time.sleep(pause)  # a browser's pace: the connection stays open across a reload
                    c.close()
                except Exception:
                    with lock: counts["err"] += 1
                    time.sleep(0.02)  # the listener is between two configurations: ask again
        threads = [threading.Thread(target=poll) for _ in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        with open(out + ".tmp", "w") as f: f.write(" ".join("%s=%d" % kv for kv in counts.items()))
        os.rename(out + ".tmp", out)
        """

    /// A site of two checks with `[web]` on a free port and the poller beside it.
    static func webSite() async throws -> (site: TestSite, port: Int) {
        let site = try await TestSite(checks: 2)
        let port = try freeTCPPort()
        let conf = try FileSystem.readText("\(site.dir)/watchpost.conf")
        try FileSystem.writeAtomically("\(site.dir)/watchpost.conf", conf + "\n[web]\nlisten = 127.0.0.1:\(port)\n")
        try FileSystem.writeAtomically("\(site.dir)/poller.py", Self.poller)
        return (site, port)
    }

    /// Starts the daemon and waits for its web server.
    static func startWeb(_ site: TestSite) async throws -> pid_t {
        let pid = try site.start()
        try await waitUntil("the web server listening", within: 60, detail: { site.log }) { site.log.contains("web server listening") }
        return pid
    }

    /// Starts the poller on `path`, `pause` seconds between requests on a connection.
    static func startPoller(_ site: TestSite, port: Int, path: String, pause: String) async throws -> pid_t {
        // Debian's own python3, found through dpkg like every other python the tests start (a
        // pyenv or venv python3 earlier on PATH is not the one the package list installs).
        let python = try await debianPython()
        return try spawnProcess(python, ["\(site.dir)/poller.py", String(port), "\(site.dir)/poller.stop", "\(site.dir)/poller.counts", path, pause],
                                log: "\(site.dir)/poller.log")
    }

    /// The poller's answers with 200 so far.
    static func answered(_ site: TestSite) -> Int {
        Int(((try? FileSystem.readText("\(site.dir)/poller.counts.live")) ?? "0").trimmingWhitespace()) ?? 0
    }

    /// Asks the poller to stop and returns its counts ("ok=… busy=… other=… err=…").
    static func stopPoller(_ site: TestSite) async throws -> String {
        let counts = "\(site.dir)/poller.counts"
        try FileSystem.writeAtomically("\(site.dir)/poller.stop", "")
        try await waitUntil("the poller's counts", within: 60, detail: { (try? FileSystem.readText("\(site.dir)/poller.log")) ?? "" }) { FileSystem.exists(counts) }
        return try FileSystem.readText(counts)
    }

    @Test func fiveReloadsUnderKeepAliveTrafficLeaveTheDaemonRunning() async throws {
        let (site, port) = try await Self.webSite()
        defer { site.cleanup() }
        let pid = try await Self.startWeb(site)
        defer { killAndReap(pid) }
        // Threads before: each reload must end the old web server's and the old services' threads.
        func threadNames() -> String {
            ((try? FileSystem.listDirectory("/proc/\(pid)/task")) ?? []).map {
                ((try? FileSystem.readText("/proc/\(pid)/task/\($0)/comm")) ?? "?").trimmingWhitespace()
            }.sorted().joined(separator: ", ")
        }
        let poller = try await Self.startPoller(site, port: port, path: "/login", pause: "0.05")
        defer { killAndReap(poller) }
        func answered() -> Int { Self.answered(site) }
        var namesBefore = ""
        for reload in 1...5 {
            // The board answers again between reloads, on connections kept open across them.
            let before = answered()
            try await waitUntil("the board answering before reload \(reload)", within: 60,
                                detail: { (try? FileSystem.readText("\(site.dir)/poller.log")) ?? "" }) { answered() >= before + 20 }
            if reload == 1 { namesBefore = threadNames() }
            kill(pid, SIGHUP)
            try await waitUntil("reload \(reload) done", within: 60, detail: { site.log }) { () async -> Bool in
                if site.log.ranges(of: "configuration reloaded").count >= reload { return true }
                return (await waitExit(pid, seconds: 0)) != nil
            }
            let alive = (await waitExit(pid, seconds: 0)) == nil
            #expect(alive, "the daemon died at reload \(reload):\n\(site.log.suffix(3000))")
            guard alive else { return }
        }
        let text = try await Self.stopPoller(site)
        let ok = text.split(separator: " ").first { $0.hasPrefix("ok=") }.flatMap { Int($0.dropFirst(3)) } ?? 0
        #expect(ok > 0, "the board answered nothing across the reloads: \(text)")
        let aliveAtEnd = (await waitExit(pid, seconds: 0)) == nil
        #expect(aliveAtEnd, "the daemon is gone after the reloads")
        // The web server's and the services' own threads are those of one configuration again
        // (before the fix each reload left 2 MHD-worker and the store/smtp threads behind).
        // libdispatch's workers come and go with the load and are not counted.
        func owned(_ names: String) -> [String] {
            names.split(separator: ",").map { $0.trimmingWhitespace() }.filter { ["MHD-worker", "store", "smtp", "imap"].contains($0) }.sorted()
        }
        try await waitUntil("the old configurations' threads ended (before the reloads: \(owned(namesBefore)))", within: 60,
                            detail: { "threads now: " + threadNames() }) { owned(threadNames()) == owned(namesBefore) }
    }

    /// Issue #21, session 6, point 1: every operating-plan save (`watchpost plan`, the web form)
    /// reloaded the whole daemon, and every reload stopped and restarted the web server: each
    /// save cost every web user about three 503s and refused connections. Now a plan change goes
    /// to the checks and services without reading the configuration folder, and a reload keeps
    /// the listener while `[web]` is unchanged. A client asking /healthz as fast as it can, on kept
    /// and new connections, through two plan saves and two SIGHUPs: nothing but 200.
    /// Before the fix: busy (503) and err (refused or closed) counts above zero at each step.
    @Test func planSavesAndReloadsKeepTheWebServerAnswering() async throws {
        let (site, port) = try await Self.webSite()
        defer { site.cleanup() }
        let (rc, out) = await shell("cp '\(packageRoot)/probes/tay-trang/registers.conf' '\(site.dir)/probes/tay-trang/' && printf '%s\\n' 'Mat-khau-thu-nghiem-2026' | '\(watchpost)' user add kt --role technician --name kt --config '\(site.dir)' 2>&1")
        try #require(rc == 0, "\(out)")
        let pid = try await Self.startWeb(site)
        defer { killAndReap(pid) }
        let poller = try await Self.startPoller(site, port: port, path: "/healthz", pause: "0")
        defer { killAndReap(poller) }
        func answered() -> Int { Self.answered(site) }
        func answering(_ step: String) async throws {
            let before = answered()
            try await waitUntil("/healthz answering \(step)", within: 60, detail: { (try? FileSystem.readText("\(site.dir)/poller.log")) ?? "" }) { answered() >= before + 50 }
        }
        let (_, day) = await shell("date -d '+3 days' +%F")
        let date = day.trimmingWhitespace()
        try await answering("before the first plan save")
        for (step, command) in [(1, "plan close \(date) --reason 'bảo trì'"), (2, "plan clear \(date)")] {
            let (code, text) = await shell("'\(watchpost)' \(command) --by kt --config '\(site.dir)' 2>&1")
            try #require(code == 0, "\(text)")
            try await waitUntil("plan save \(step) seen", within: 60, detail: { site.log }) { site.log.ranges(of: "operating plan changed").count >= step }
            try await answering("after plan save \(step)")
            kill(pid, SIGHUP)
            try await waitUntil("reload \(step) done", within: 60, detail: { site.log }) { site.log.ranges(of: "configuration reloaded").count >= step }
            try await answering("after reload \(step)")
        }
        let text = try await Self.stopPoller(site)
        #expect(text.contains("busy=0") && text.contains("other=0") && text.contains("err=0"), "answers other than 200 across plan saves and reloads: \(text)")
        // The plan saves did not read the configuration folder again: only the two SIGHUPs did.
        expectEqual(site.log.ranges(of: "reloading configuration").count, 2, "\(site.log.suffix(3000))")
        expectEqual(site.log.ranges(of: "operating plan applied").count, 2, "\(site.log.suffix(3000))")
        #expect(!site.log.contains("web server stopped"), "\(site.log.suffix(3000))")
        // #21 review s6: a plan save rebuilt the mail, IMAP and report services too. Only what
        // judges by the plan is rebuilt now: the outbox, the heartbeat and the reports started once
        // at the start and once per SIGHUP (3), not again at the two plan saves (5 before the fix).
        for service in ["outbox", "heartbeat", "reports"] {
            let starts = site.log.split(separator: "\n").filter {
                $0.contains("msg=\"service started\"") && ($0.contains(" service=\(service) ") || $0.hasSuffix(" service=\(service)"))
            }.count
            expectEqual(starts, 3, "service \(service) started \(starts) times (start + 2 reloads = 3; plan saves must not restart it):\n\(site.log.suffix(4000))")
        }
        let applied = site.log.split(separator: "\n").filter { $0.contains("operating plan applied") }
        #expect(applied.count == 2 && applied.allSatisfy { $0.contains("services=web") && !$0.contains("outbox") && !$0.contains("reports") }, "\(applied)")
        #expect((await waitExit(pid, seconds: 0)) == nil, "the daemon is gone")
    }

    /// #21 review s6: a reload that kept the web port but changed TLS to a key that cannot load
    /// stopped the running listener, could never listen again, and kept the configuration as
    /// last-good. It must be refused, and the running listener go on answering.
    @Test func aReloadToATLSKeyThatCannotLoadIsRefusedAndTheWebGoesOnAnswering() async throws {
        let (site, port) = try await Self.webSite()
        defer { site.cleanup() }
        let pid = try await Self.startWeb(site)
        defer { killAndReap(pid) }
        let poller = try await Self.startPoller(site, port: port, path: "/healthz", pause: "0")
        defer { killAndReap(poller) }
        func answered() -> Int { Self.answered(site) }
        try await waitUntil("/healthz answering", within: 60, detail: { (try? FileSystem.readText("\(site.dir)/poller.log")) ?? "" }) { answered() >= 50 }
        try FileSystem.writeAtomically("\(site.dir)/bad.pem", "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
        try FileSystem.writeAtomically("\(site.dir)/bad.key", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n", mode: 0o600)
        let conf = try FileSystem.readText("\(site.dir)/watchpost.conf")
        try FileSystem.writeAtomically("\(site.dir)/watchpost.conf", conf + "tls_certificate = \(site.dir)/bad.pem\ntls_key = \(site.dir)/bad.key\n")
        kill(pid, SIGHUP)
        try await waitUntil("the reload refused", within: 60, detail: { site.log }) { site.log.contains("reload refused") }
        let before = answered()
        try await waitUntil("/healthz answering after the refused reload", within: 60, detail: { (try? FileSystem.readText("\(site.dir)/poller.log")) ?? "" }) {
            answered() >= before + 50
        }
        let text = try await Self.stopPoller(site)
        #expect(text.contains("busy=0") && text.contains("err=0"), "answers other than 200: \(text)")
        #expect(!site.log.contains("web server stopped"), "\(site.log.suffix(3000))")
        #expect(!site.log.contains("configuration reloaded"), "\(site.log.suffix(3000))")
        #expect((await waitExit(pid, seconds: 0)) == nil, "the daemon is gone")
    }

    /// #21 review s6: a reload that moved [web] to a new port and was then refused (another
    /// section failed: an SMTP user without its password) logged "web server listening" on the
    /// new port, for a listener that was closed at once. Only a listener whose configuration
    /// runs is said to listen; the new port is not held, the old one goes on answering.
    @Test func aRefusedReloadDoesNotSayTheWebServerListensOnItsNewPort() async throws {
        let (site, port) = try await Self.webSite()
        defer { site.cleanup() }
        let pid = try await Self.startWeb(site)
        defer { killAndReap(pid) }
        let newPort = try freeTCPPort()
        let conf = try FileSystem.readText("\(site.dir)/watchpost.conf")
        try FileSystem.writeAtomically("\(site.dir)/watchpost.conf", conf.replacing("listen = 127.0.0.1:\(port)", with: "listen = 127.0.0.1:\(newPort)")
            .replacing("[smtp]\n", with: "[smtp]\nusername = vanhanh\n"))
        kill(pid, SIGHUP)
        try await waitUntil("the reload refused", within: 60, detail: { site.log }) { site.log.contains("reload refused") }
        #expect(!site.log.contains("127.0.0.1:\(newPort)"), "a listener on the new port was announced:\n\(site.log.suffix(3000))")
        expectEqual(site.log.ranges(of: "web server listening").count, 1, "\(site.log.suffix(3000))")
        let (oldCode, oldOut) = await shell("curl -s -o /dev/null -w '%{http_code}' --max-time 10 http://127.0.0.1:\(port)/healthz")
        #expect(oldCode == 0 && oldOut == "200", "the running listener stopped answering: \(oldOut)")
        let (newCode, _) = await shell("curl -s -o /dev/null --max-time 5 http://127.0.0.1:\(newPort)/healthz")
        expectEqual(newCode, 7, "the new port of the refused configuration is held (curl exit \(newCode), 7 = refused)")
    }

    /// #21 review s6: the login throttle was made again with every configuration, so each reload
    /// (and each operating-plan save) gave a password guesser a fresh set of tries. It belongs to
    /// the process now: one failed login locks the account from this address
    /// (`login_attempts_per_account = 1`), and after a reload the lock still holds (429, not 401).
    @Test func aReloadKeepsTheLoginThrottle() async throws {
        _ = try requireTool("curl", debianPackage: "curl")
        let (site, port) = try await Self.webSite()
        defer { site.cleanup() }
        let conf = try FileSystem.readText("\(site.dir)/watchpost.conf")
        try FileSystem.writeAtomically("\(site.dir)/watchpost.conf", conf + "login_attempts_per_account = 1\n")
        let pid = try await Self.startWeb(site)
        defer { killAndReap(pid) }
        // The login form's double-submit token: the same value in the cookie and the field.
        let csrf = String(repeating: "A", count: 43)
        func tryLogin() async -> String {
            await shell("curl -s -o /dev/null -w '%{http_code}' --max-time 30 -b 'wp_csrf=\(csrf)' --data 'login=doan&password=sai-mat-khau&csrf=\(csrf)' http://127.0.0.1:\(port)/login").output
        }
        await expectEqual(tryLogin(), "401")
        await expectEqual(tryLogin(), "429", "one failure must lock the account from this address")
        kill(pid, SIGHUP)
        try await waitUntil("the reload done", within: 60, detail: { site.log }) { site.log.contains("configuration reloaded") }
        await expectEqual(tryLogin(), "429", "the reload forgot the failed login (401 = a fresh set of tries)")
    }

    /// #21 review s6: `watchpost check` passed a TLS key that does not belong to the certificate
    /// (a renewal gone wrong), or one that is not PEM; the daemon then could not listen. `check`
    /// now loads the pair as the web server does and names the `tls_key` line, Vietnamese first.
    @Test func checkLoadsTheTLSPair() async throws {
        let openssl = try requireTool("openssl", debianPackage: "openssl")
        let (site, _) = try await Self.webSite()
        defer { site.cleanup() }
        let (rc, out) = await shell("""
            cd '\(site.dir)' && '\(openssl)' req -x509 -newkey rsa:2048 -nodes -keyout web.key -out web.pem -days 2 -subj /CN=watchpost 2>&1 \
              && '\(openssl)' genrsa -out other.key 2048 2>&1 && printf -- '-----BEGIN PRIVATE KEY-----\\nkhong phai khoa\\n-----END PRIVATE KEY-----\\n' > broken.key \
              && chmod 600 web.key other.key broken.key
            """)
        try #require(rc == 0, "\(out)")
        let conf = try FileSystem.readText("\(site.dir)/watchpost.conf")
        let lines = conf.split(separator: "\n", omittingEmptySubsequences: false).count
        for (key, good) in [("web.key", true), ("other.key", false), ("broken.key", false)] {
            // tls_key is the last line written: its number is the one `check` must name.
            try FileSystem.writeAtomically("\(site.dir)/watchpost.conf", conf + "tls_certificate = web.pem\ntls_key = \(key)\n")
            let (code, text) = await shell("'\(watchpost)' check --config '\(site.dir)' 2>&1")
            if good {
                #expect(code == 0 && !text.contains("tls_key"), "a matching pair was refused: \(text)")
            } else {
                expectEqual(code, 1, "check passed a TLS key that cannot load (\(key)): \(text)")
                #expect(text.contains("watchpost.conf:\(lines + 1): tls_key: chứng chỉ TLS"), "no file:line, Vietnamese first (\(key)): \(text)")
                #expect(text.contains("do not load together"), "no English translation (\(key)): \(text)")
            }
        }
    }
}

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
    /// Four threads asking for the login page over keep-alive connections until `stop` exists;
    /// then the counts by answer go to `out`.
    static let poller = """
        import http.client, os, sys, threading, time
        port, stop, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        counts = {"ok": 0, "busy": 0, "other": 0, "err": 0}
        lock = threading.Lock()
        def poll():
            while not os.path.exists(stop):
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    for _ in range(50):
                        c.request("GET", "/login"); r = c.getresponse(); r.read()
                        k = "ok" if r.status == 200 else ("busy" if r.status == 503 else "other")
                        with lock:
                            counts[k] += 1
                            if k == "ok":  # progress for the test: answers so far
                                with open(out + ".live.tmp", "w") as f: f.write(str(counts["ok"]))
                                os.rename(out + ".live.tmp", out + ".live")
                        time.sleep(0.05)  # a browser's pace: the connection stays open across a reload
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

    @Test func fiveReloadsUnderKeepAliveTrafficLeaveTheDaemonRunning() async throws {
        let python = try requireTool("python3", debianPackage: "python3")
        let site = try await TestSite(checks: 2)
        defer { site.cleanup() }
        let port = try freeTCPPort()
        let conf = try FileSystem.readText("\(site.dir)/watchpost.conf")
        try FileSystem.writeAtomically("\(site.dir)/watchpost.conf", conf + "\n[web]\nlisten = 127.0.0.1:\(port)\n")
        try FileSystem.writeAtomically("\(site.dir)/poller.py", Self.poller)
        let pid = try site.start()
        defer { killAndReap(pid) }
        try await waitUntil("the web server listening", within: 60, detail: { site.log }) { site.log.contains("web server listening") }
        // Threads before: each reload must end the old web server's and the old services' threads.
        func threadNames() -> String {
            ((try? FileSystem.listDirectory("/proc/\(pid)/task")) ?? []).map {
                ((try? FileSystem.readText("/proc/\(pid)/task/\($0)/comm")) ?? "?").trimmingWhitespace()
            }.sorted().joined(separator: ", ")
        }
        let stopFile = "\(site.dir)/poller.stop", counts = "\(site.dir)/poller.counts"
        let poller = try spawnProcess(python, ["\(site.dir)/poller.py", String(port), stopFile, counts], log: "\(site.dir)/poller.log")
        defer { killAndReap(poller) }
        func answered() -> Int { Int(((try? FileSystem.readText(counts + ".live")) ?? "0").trimmingWhitespace()) ?? 0 }
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
        try FileSystem.writeAtomically(stopFile, "")
        try await waitUntil("the poller's counts", within: 60, detail: { (try? FileSystem.readText("\(site.dir)/poller.log")) ?? "" }) { () async -> Bool in
            FileSystem.exists(counts)
        }
        let text = try FileSystem.readText(counts)
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
        try await waitUntil("the old configurations' threads ended (before the reloads: \(owned(namesBefore)))", within: 30,
                            detail: { "threads now: " + threadNames() }) { owned(threadNames()) == owned(namesBefore) }
    }
}

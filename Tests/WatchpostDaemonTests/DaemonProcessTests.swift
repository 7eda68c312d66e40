import Testing
import WatchpostCore
import Posix
import Glibc
import WatchpostTestSupport

/// End-to-end tests of `watchpost run` as a real process: status while it runs, SIGTERM within
/// 2 s, SIGHUP reload (valid and invalid), kill -9 in the middle of writes, systemd notify.
let packageRoot = TestPaths.packageRoot
let binDir = TestPaths.binDir
let watchpost = "\(binDir)/watchpost"

/// A throw-away configuration: the shipped contacts and chains, one site with fast exec checks.
struct TestSite {
    let dir: String

    init(checks: Int = 6, interval: String = "1s") async throws {
        dir = try makeTemporaryFolder("watchpost-daemon")
        try await copyShippedSites(["tay-trang"], contrib: true, into: dir)
        try FileSystem.writeAtomically("\(dir)/watchpost.conf", """
            [daemon]
            database = var/watchpost.db
            secrets = secrets.conf
            sample_interval = 10s
            heartbeat_interval = 5s
            jitter = 0.05
            log_level = debug
            [smtp]
            host = 127.0.0.1
            port = 1
            insecure = true
            from = test@example.org
            """)
        try FileSystem.writeAtomically("\(dir)/secrets.conf", "[web]\nlink_key = 5f0c2d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d\n", mode: 0o600)
        try FileSystem.writeAtomically("\(dir)/flip.sh", "#!/bin/sh\nif [ -f \"$1\" ]; then echo \"CRITICAL - flag $1 present\"; exit 2; fi\necho \"OK - all fine | value=1\"; exit 0\n", mode: 0o755)
        // Each run of hang.sh records its pid (then becomes `sleep` with the same pid), so that a
        // test can kill exactly the processes it caused, never others by name.
        try FileSystem.writeAtomically("\(dir)/hang.sh", "#!/bin/sh\necho $$ >> \(dir)/hang.pids\nexec sleep 30\n", mode: 0o755)
        try writeChecks(count: checks, interval: interval)
    }

    func writeChecks(count: Int, interval: String, extra: String = "") throws {
        var text = ""
        for i in 0..<count {
            text += "[check c\(i)]\nkind = exec\ncommand = ./flip.sh\narguments = \(dir)/flag\(i)\ninterval = \(interval)\ntimeout = 900ms\n\n"
        }
        try FileSystem.writeAtomically("\(dir)/probes/tay-trang/checks.conf", text + extra)
    }

    func start(environment: [String] = []) throws -> pid_t {
        try spawnProcess(try TestPaths.watchpost(), ["run", "--config", dir], log: "\(dir)/daemon.log", environment: environment)
    }

    var log: String { (try? FileSystem.readText("\(dir)/daemon.log")) ?? "" }

    func cleanup() { removeTree(dir) }
}

@Suite("Daemon process", .serialized)
struct DaemonProcessTests {
    @Test func statusWhileRunningAndCleanStop() async throws {
        let site = try await TestSite()
        defer { site.cleanup() }
        let pid = try site.start()
        defer { killAndReap(pid) }
        #expect(await eventually(60) { site.log.contains("watchpost started") }, "\(site.log)")
        // `status` reads the database while the daemon writes it.
        var statusOut = ""
        #expect(await eventually(60) {
            statusOut = await shell("'\(watchpost)' status --config '\(site.dir)'").1
            return (0..<6).allSatisfy { statusOut.contains("tay-trang/c\($0) ") }
        }, "\(statusOut)")
        #expect(statusOut.contains("Bình thường"))
        // A fault shows up as critical, in Vietnamese (issue 15): "Nghiêm trọng".
        _ = await shell("touch '\(site.dir)/flag3'")
        #expect(await eventually(60) {
            statusOut = await shell("'\(watchpost)' status --config '\(site.dir)'").1
            return statusOut.split(separator: "\n").contains { $0.contains("tay-trang/c3 ") && $0.contains("Nghiêm trọng") }
        }, "\(statusOut)")
        // SIGTERM stops it cleanly. The daemon bounds its own shutdown by [daemon] stop_timeout
        // (1.5 s by default); that bound is tested with a manual clock in
        // ServiceGroupTests.shutdownDeadlineLeavesAServiceThatDoesNotStop. Here the process
        // only has to exit, with status 0: 60 s guards against a hang (the condition waits' one
        // deadline, WatchpostTestSupport/Waiting.swift), not a claim about the deadline.
        kill(pid, SIGTERM)
        let status = await waitExit(pid, seconds: 60)
        expectEqual(status, 0, "exit status \(String(describing: status)) (nil: still running 60 s after SIGTERM)")
        #expect(site.log.contains("watchpost stopped"))
    }

    @Test func hungProbeDoesNotDelayOthers() async throws {
        try requireTool("sqlite3", debianPackage: "sqlite3")
        let site = try await TestSite(checks: 2)
        defer { site.cleanup() }
        try site.writeChecks(count: 2, interval: "1s", extra: "[check hung]\nkind = exec\ncommand = ./hang.sh\ninterval = 1s\ntimeout = 500ms\n")
        let pid = try site.start()
        defer {
            killAndReap(pid)
            // The hung checks the daemon may have left behind: the pids hang.sh recorded, each
            // killed only while it is still that `sleep 30` (a pid the kernel gave to another
            // process since is left alone).
            for line in ((try? FileSystem.readText("\(site.dir)/hang.pids")) ?? "").split(separator: "\n") {
                guard let hung = Int32(line), let cmdline = try? FileSystem.readText("/proc/\(hung)/cmdline"),
                      cmdline.hasPrefix("sleep\u{0}30") else { continue }
                kill(hung, SIGKILL)
            }
        }
        var out = ""
        // The hung check's line is listed before its first result: wait for the timeout's own words
        // (on a loaded machine the first read came before the first 500 ms timeout ended). The
        // plugin's ("không kết thúc trong", killed by the exec probe), never the scheduler's generic
        // "không trả lời trong": the scheduler waits ExecProbe.killGrace after the timeout for it
        // (#13 review s8: with 100 ms to spare the generic one came first in 4 of 9 daemons at load ~7).
        let hungTimedOut = { (out: String) in
            out.split(separator: "\n").contains {
                $0.contains("tay-trang/hung") && $0.contains("Không xác định") && $0.contains("không kết thúc trong")
            }
        }
        #expect(await eventually(60) {
            out = await shell("'\(watchpost)' status --config '\(site.dir)'").1
            return hungTimedOut(out) && out.contains("tay-trang/c1 ")
        }, "\(out)")
        // The others keep their rhythm while the hung one keeps timing out: while the hung check
        // is retried three more times, c0 runs too, and it runs again after that (a scheduler that
        // waited for the hung check would not run c0 while it hangs).
        let hungRan = "check=hung msg=\"check ran\"", c0Ran = "check=c0 msg=\"check ran\""
        let hungBefore = site.log.occurrences(of: hungRan), c0Before = site.log.occurrences(of: c0Ran)
        try await waitUntil("the hung check is retried three more times", within: 60, detail: { site.log }) {
            site.log.occurrences(of: hungRan) >= hungBefore + 3
        }
        let c0Runs = site.log.occurrences(of: c0Ran) - c0Before
        #expect(c0Runs >= 2, "c0 ran \(c0Runs) times while the hung check ran 3 times")
        let c0After = site.log.occurrences(of: c0Ran)
        try await waitUntil("c0 runs again while the hung check keeps hanging", within: 60, detail: { site.log }) {
            site.log.occurrences(of: c0Ran) > c0After
        }
    }

    @Test func reloadKeepsRunningOnInvalidConfiguration() async throws {
        let site = try await TestSite(checks: 2)
        defer { site.cleanup() }
        let pid = try site.start()
        defer { killAndReap(pid) }
        #expect(await eventually(60) { site.log.contains("watchpost started") })
        // A broken configuration: refused, every error logged, old one kept.
        try site.writeChecks(count: 2, interval: "1 s")
        kill(pid, SIGHUP)
        #expect(await eventually(60) { site.log.contains("reload refused") }, "\(site.log)")
        #expect(site.log.contains("interval"))
        expectEqual(kill(pid, 0), 0, "daemon died on an invalid reload")
        // A valid one with a new check: applied.
        try site.writeChecks(count: 3, interval: "1s")
        kill(pid, SIGHUP)
        #expect(await eventually(60) { site.log.contains("configuration reloaded") }, "\(site.log)")
        #expect(await eventually(60) { await shell("'\(watchpost)' status --config '\(site.dir)'").1.contains("tay-trang/c2 ") })
    }

    @Test func killNineMidWritesThenIntegrityAndRestart() async throws {
        try requireTool("sqlite3", debianPackage: "sqlite3")
        let site = try await TestSite(checks: 20, interval: "1s")
        defer { site.cleanup() }
        var pid = try site.start()
        #expect(await eventually(60) { await shell("'\(watchpost)' status --config '\(site.dir)'").1.contains("tay-trang/c19 ") })
        // Several kill -9s while twenty checks write every second: each after a random number of
        // check results (an event, not a sleep), so the kill lands at a different point each time.
        for round in 0..<3 {
            let ran = "msg=\"check ran\""
            let target = site.log.occurrences(of: ran) + Int.random(in: 3...30)
            try await waitUntil("\(target) check results in the log", within: 60, detail: { site.log }) { site.log.occurrences(of: ran) >= target }
            kill(pid, SIGKILL)
            _ = await waitExit(pid, seconds: 2)
            let (rc, out) = await shell("'\(watchpost)' db check --config '\(site.dir)'")
            expectEqual(rc, 0, "\(out)")
            #expect(out.hasPrefix("ok"))
            pid = try site.start()
            // The log accumulates across runs: wait for this run's own start line.
            #expect(await eventually(60) { site.log.occurrences(of: "watchpost started") >= round + 2 })
        }
        // State survives: all twenty checks still known, and the runs are recorded.
        let out = await shell("'\(watchpost)' status --config '\(site.dir)'").1
        #expect((0..<20).allSatisfy { out.contains("tay-trang/c\($0) ") })
        let runs = await shell("sqlite3 '\(site.dir)/var/watchpost.db' 'SELECT COUNT(*) FROM monitor_run'").1
        expectEqual(Int(runs.trimmingWhitespace()), 4, "\(runs)")
        kill(pid, SIGTERM)
        // A hang guard, not a stopwatch: the daemon's own stop deadline is 1.5 s.
        await expectEqual(waitExit(pid, seconds: 60), 0)
    }

    @Test func notifiesSystemd() async throws {
        let site = try await TestSite(checks: 1)
        defer { site.cleanup() }
        let sockPath = "\(site.dir)/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in sockPath.utf8.enumerated() { raw[i] = b } }
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        try #require(rc == 0)
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        // Given to the child only: other suites run in this process at the same time.
        let pid = try site.start(environment: ["NOTIFY_SOCKET=\(sockPath)", "WATCHDOG_USEC=1000000"])
        defer { killAndReap(pid) }
        var messages: [String] = []
        var buf = [UInt8](repeating: 0, count: 512)
        while messages.filter({ $0.contains("WATCHDOG=1") }).count < 2 {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            messages.append(String(decoding: buf[0..<n], as: UTF8.self))
        }
        expectEqual(messages.first?.contains("READY=1"), true, "\(messages)")
        #expect(messages.filter { $0.contains("WATCHDOG=1") }.count >= 2, "\(messages)")
        #expect(!messages.contains { $0.contains("WATCHDOG=1") } || messages.firstIndex { $0.contains("READY=1") } ?? .max < messages.firstIndex { $0.contains("WATCHDOG=1") } ?? .max,
                "no watchdog ping before READY=1: \(messages)")
        kill(pid, SIGTERM)
        // A ping may still be on its way when the signal lands: read on to STOPPING=1 (each recv
        // waits at most 10 s, SO_RCVTIMEO above; a daemon that never says it is stopping fails).
        var afterStop: [String] = []
        while !afterStop.contains(where: { $0.contains("STOPPING=1") }) && afterStop.count < 20 {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            afterStop.append(String(decoding: buf[0..<n], as: UTF8.self))
        }
        #expect(afterStop.contains { $0.contains("STOPPING=1") }, "\(afterStop)")
    }

    @Test func refusesReadableSecretsFile() async throws {
        let site = try await TestSite(checks: 1)
        defer { site.cleanup() }
        chmod("\(site.dir)/secrets.conf", 0o644)
        let (rc, out) = await shell("'\(watchpost)' run --config '\(site.dir)'")
        expectEqual(rc, 2)
        #expect(out.contains("chmod 600"), "\(out)")
        #expect(!out.contains("test-key"))
    }
}

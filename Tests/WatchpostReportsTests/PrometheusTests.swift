// Prometheus for the fleet, end to end: two `watchpost run` daemons (one cluster each, on
// loopback, ports from the kernel) serve /metrics; Debian's `prometheus` scrapes both every
// second and evaluates contrib/prometheus/rules; the availability it records over operating hours
// is compared with `watchpost report` for the same stretch of time.
import Testing
import WatchpostCore
import Posix
import Glibc

/// A port the kernel hands out (bound, then released for the program under test).
func kernelPort() throws -> Int {
    let l = try LoopbackListener(port: 0)
    defer { l.close() }
    return l.port
}

func run(_ path: String, _ arguments: [String], timeout: Seconds = .seconds(60)) async throws -> Subprocess.Outcome {
    return try await runBlocking { try Subprocess.run(path, arguments: arguments, timeout: timeout, maxOutput: 1 << 20) }
}

/// One box: a Vũng Áng profile (24/24 h) with two exec checks that fail while a flag file exists.
struct Box {
    let dir: String
    let port: Int
    var pid: pid_t = 0

    init(name: String) throws {
        dir = try tempFolder("prometheus-\(name)")
        port = try kernelPort()
        let cp = try Subprocess.run("/bin/sh", arguments: ["-c", """
            cp -r '\(packageRoot)/alerts' '\(dir)/' && mkdir -p '\(dir)/probes/vung-ang' && \
            cp '\(packageRoot)/probes/vung-ang/schedule.conf' '\(dir)/probes/vung-ang/' && \
            sed 's/^checks = .*/checks = c0, c1/; s/^power_check = .*//' '\(packageRoot)/probes/vung-ang/site.conf' > '\(dir)/probes/vung-ang/site.conf'
            """], timeout: .seconds(10))
        try #require(cp.exitCode == 0, "\(cp.output)")
        try FileSystem.writeAtomically("\(dir)/watchpost.conf", """
            [daemon]
            database = var/watchpost.db
            secrets = secrets.conf
            sample_interval = 10s
            heartbeat_interval = 5s
            jitter = 0.05
            [web]
            listen = 127.0.0.1:\(port)
            """)
        try FileSystem.writeAtomically("\(dir)/secrets.conf", "[web]\nlink_key = test-key\n", mode: 0o600)
        try FileSystem.writeAtomically("\(dir)/flip.sh", "#!/bin/sh\nif [ -f \"$1\" ]; then echo \"CRITICAL - flag\"; exit 2; fi\necho \"OK - fine\"; exit 0\n", mode: 0o755)
        var checks = ""
        for i in 0..<2 { checks += "[check c\(i)]\nkind = exec\ncommand = ./flip.sh\narguments = \(dir)/flag\(i)\ninterval = 1s\ntimeout = 900ms\nfail_after = 1\nrecover_after = 1\n\n" }
        try FileSystem.writeAtomically("\(dir)/probes/vung-ang/checks.conf", checks)
    }

    var watchpost: String { (CurrentProcess.environment("WATCHPOST_BIN_DIR").flatMap { $0.isEmpty ? nil : $0 } ?? "\(packageRoot)/.build/debug") + "/watchpost" }

    mutating func start() throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "\(dir)/daemon.log", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "\(dir)/daemon.log", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let args: [String] = [watchpost, "run", "--config", dir]
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { (a: String) in strdup(a) } + [nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, watchpost, &actions, nil, argv, environ)
        posix_spawn_file_actions_destroy(&actions)
        try #require(rc == 0, "cannot start \(watchpost): \(rc)")
    }

    func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}

/// Waits for `condition`, failing loudly with `what` after `deadline`.
func waitFor(_ what: String, deadline: Seconds, _ condition: () async throws -> Bool) async throws {
    let end = SystemClock().now() + deadline
    while SystemClock().now() < end {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    Issue.record("timed out after \(deadline): \(what)")
    throw WatchpostError(.timeout, "timed out: \(what)")
}

func httpGet(_ url: String, token: String? = nil) async throws -> String {
    var args = ["-s", "--max-time", "5", url]
    if let token { args = ["-H", "Authorization: Bearer \(token)"] + args }
    return try await run("/usr/bin/curl", args).output
}

@Suite("Prometheus for the fleet")
struct PrometheusTests {
    @Test("Debian's prometheus scrapes two daemons; recorded availability over operating hours matches watchpost report")
    func prometheusMatchesReport() async throws {
        try #require(FileSystem.exists("/usr/bin/prometheus"), "prometheus is missing: apt-get install prometheus (scripts/test.sh installs it)")
        try #require(FileSystem.exists("/usr/bin/curl"), "curl is missing: apt-get install curl")
        var boxes = [try Box(name: "a"), try Box(name: "b")]
        defer { for b in boxes { b.stop() } }
        // A read-only account and its API token on each box (department role).
        var tokens: [String] = []
        for b in boxes {
            let add = try await runBlocking { try Subprocess.run("/bin/sh", arguments: ["-c", "printf 'mat-khau-thu-nghiem-2026\\n' | '\(b.watchpost)' user add so-tttt --role department --name 'Sở TT&TT' --config '\(b.dir)'"], timeout: .seconds(60)) }
            try #require(add.exitCode == 0, "user add: \(add.output)")
            let token = try await run(b.watchpost, ["user", "token", "so-tttt", "--config", b.dir])
            try #require(token.exitCode == 0, "user token: \(token.output)")
            tokens.append(token.output.split(separator: "\n").last.map(String.init) ?? "")
        }
        // Prometheus on loopback first (the boxes' targets are down until they start), scraping both
        // boxes every second with the shipped rules.
        let promDir = try tempFolder("prometheus-server")
        let promPort = try kernelPort()
        for (i, t) in tokens.enumerated() { try FileSystem.writeAtomically("\(promDir)/token\(i)", t, mode: 0o600) }
        try FileSystem.writeAtomically("\(promDir)/prometheus.yml", """
            global: { scrape_interval: 1s, evaluation_interval: 1s }
            rule_files: ["\(packageRoot)/contrib/prometheus/rules/watchpost-recording.yml", "\(packageRoot)/contrib/prometheus/rules/watchpost-alerts.yml"]
            scrape_configs:
            \(boxes.enumerated().map { i, b in """
              - job_name: box\(i)
                metrics_path: /metrics
                authorization: { type: Bearer, credentials_file: \(promDir)/token\(i) }
                static_configs: [{ targets: ["127.0.0.1:\(b.port)"] }]
            """ }.joined(separator: "\n"))
            """)
        var promPID: pid_t = 0
        do {
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            posix_spawn_file_actions_addopen(&actions, 1, "\(promDir)/prometheus.log", O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_addopen(&actions, 2, "\(promDir)/prometheus.log", O_WRONLY | O_CREAT | O_APPEND, 0o644)
            let args: [String] = ["/usr/bin/prometheus", "--config.file=\(promDir)/prometheus.yml", "--storage.tsdb.path=\(promDir)/data",
                                  "--web.listen-address=127.0.0.1:\(promPort)"]
            let argv: [UnsafeMutablePointer<CChar>?] = args.map { (a: String) in strdup(a) } + [nil]
            defer { argv.forEach { free($0) } }
            let rc = posix_spawn(&promPID, "/usr/bin/prometheus", &actions, nil, argv, environ)
            posix_spawn_file_actions_destroy(&actions)
            try #require(rc == 0, "cannot start prometheus: \(rc)")
        }
        defer { kill(promPID, SIGTERM); var s: Int32 = 0; waitpid(promPID, &s, 0) }
        // Prometheus ready (and scraping the still-absent boxes) before the daemons start, so that
        // its first samples come as soon as each box answers.
        try await waitFor("prometheus ready on 127.0.0.1:\(promPort) (log: \(promDir)/prometheus.log)", deadline: .seconds(60)) {
            ((try? await httpGet("http://127.0.0.1:\(promPort)/-/ready")) ?? "").contains("Ready")
        }
        let daemonsStarted = SystemClock().now()
        for i in boxes.indices { try boxes[i].start() }
        for (b, t) in zip(boxes, tokens) {
            try await waitFor("/metrics on 127.0.0.1:\(b.port) (log: \(b.dir)/daemon.log)", deadline: .seconds(60)) {
                (try? await httpGet("http://127.0.0.1:\(b.port)/metrics", token: t))?.contains("watchpost_site_available{site=\"vung-ang\"} 1") == true
            }
        }
        let metrics = try await httpGet("http://127.0.0.1:\(boxes[0].port)/metrics", token: tokens[0])
        #expect(metrics.contains("watchpost_site_scheduled{site=\"vung-ang\"} 1"))
        #expect(metrics.contains("watchpost_check_available{site=\"vung-ang\",check=\"c0\"} 1"))

        let api = "http://127.0.0.1:\(promPort)/api/v1/query?query="
        try await waitFor("prometheus records watchpost:site_available_scheduled for both boxes", deadline: .seconds(60)) {
            let out = (try? await httpGet(api + "count(watchpost:site_available_scheduled)")) ?? ""
            return out.contains("\"value\":[") && out.contains(",\"2\"]")
        }
        // Box a: c0 fails for a while (its flag file), then recovers. The measurement conditions
        // are the flag file's presence; the sleeps only make the stretches long enough to count.
        let start = daemonsStarted
        try await Task.sleep(for: .seconds(4))
        try FileSystem.writeAtomically("\(boxes[0].dir)/flag0", "x")
        try await Task.sleep(for: .seconds(10))
        FileSystem.remove("\(boxes[0].dir)/flag0")
        try await Task.sleep(for: .seconds(14))
        // Box a stops: its database's coverage ends there (the daemon records its stop), and
        // Prometheus marks its series stale at the first failed scrape; both then cover the same
        // stretch of the daemon's life.
        boxes[0].stop()
        boxes[0].pid = 0
        try await waitFor("prometheus sees box a down", deadline: .seconds(30)) {
            ((try? await httpGet(api + "up%7Bjob%3D%22box0%22%7D")) ?? "").contains(",\"0\"]")
        }
        let end = SystemClock().now()
        // Everything since the daemons started: Prometheus has samples from its first scrape of
        // each box, the report has seconds from the first check result.
        let window = end.seconds - start.seconds + 5
        // Prometheus: the average of the recorded series over the same window.
        let q = "avg_over_time(watchpost:site_available_scheduled[\(window)s])"
        let answer = try await httpGet(api + q.addingPercentEncodingForQuery())
        func value(for job: String) -> Double? {
            guard let r = answer.firstRange(of: "\"job\":\"\(job)\"") else { return nil }
            // ..."job":"box0",...},"value":[1796125462.178,"0.57"]}
            guard let value = answer[r.upperBound...].firstRange(of: "\"value\":[") else { return nil }
            let rest = answer[value.upperBound...]
            guard let v = rest.firstRange(of: ",\""), let e = rest[v.upperBound...].firstIndex(of: "\"") else { return nil }
            return Double(rest[v.upperBound..<e])
        }
        let promA = try #require(value(for: "box0"), "prometheus answer: \(answer)")
        let promB = try #require(value(for: "box1"), "prometheus answer: \(answer)")
        // The report for the same seconds, from box a's database.
        let zone = ZoneOffset.hoChiMinh
        let report = try await run(boxes[0].watchpost, ["report", "--site", "vung-ang", "--from", zone.localDate(of: start).description,
                                                        "--to", zone.localDate(of: end).description, "--format", "csv", "--config", boxes[0].dir])
        try #require(report.exitCode == 0, "report: \(report.output)")
        let siteRow = try #require(report.output.split(separator: "\r\n").first { $0.hasPrefix("vung-ang,*site*,") }).split(separator: ",", omittingEmptySubsequences: false)
        let up = try #require(Double(siteRow[6])), down = try #require(Double(siteRow[7]))
        let reported = up / (up + down)
        print("availability over operating hours: prometheus \(promA) (box b \(promB)), watchpost report \(reported) (up \(up) s, down \(down) s)")
        #expect(down >= 8 && down <= 14, "about 10 s down: \(down)")
        #expect(promB == 1)
        // Prometheus counts one sample a second where the report counts seconds, and the report
        // also counts the seconds between the daemon's first results and its web server's first
        // answer (2–4 s here): over about 35 s they agree to within 0.1.
        #expect(promA < 1 && abs(promA - reported) < 0.1, "prometheus \(promA) vs report \(reported)")
    }
}

extension String {
    /// Percent-encodes everything but unreserved characters (for a PromQL query in a URL).
    func addingPercentEncodingForQuery() -> String {
        var out = ""
        for b in utf8 {
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E {
                out.append(Character(UnicodeScalar(b)))
            } else {
                out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

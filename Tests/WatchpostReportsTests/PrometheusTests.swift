// Prometheus for the fleet, end to end: two `watchpost run` daemons (one cluster each, on
// loopback, ports from the kernel) serve /metrics; Debian's `prometheus` scrapes both every
// second and evaluates contrib/prometheus/rules; the availability it records over operating hours
// is compared with `watchpost report` for the same stretch of time.
import Testing
import WatchpostCore
import Posix
import Glibc
import WatchpostTestSupport
import WatchpostHost

func run(_ path: String, _ arguments: [String], timeout: Seconds = .seconds(60)) async throws -> Subprocess.Outcome {
    try await runProgram(path, arguments: arguments, timeout: timeout.duration)
}

/// One box: a Vũng Áng profile (24/24 h) with two exec checks that fail while a flag file exists.
struct Box {
    let dir: String
    let port: Int
    let watchpost: String
    var daemon: DaemonProcess?

    init(name: String) async throws {
        dir = try tempFolder("prometheus-\(name)")
        port = try freeTCPPort()
        watchpost = try TestPaths.watchpost()
        try await copyShippedSites(["vung-ang"], files: ["schedule.conf"], into: dir)
        let (status, output) = await shell("""
            sed 's/^checks = .*/checks = c0, c1/; s/^power_check = .*//' '\(packageRoot)/probes/vung-ang/site.conf' > '\(dir)/probes/vung-ang/site.conf'
            """)
        try #require(status == 0, "\(output)")
        try FileSystem.writeAtomically("\(dir)/watchpost.conf", """
            [daemon]
            database = var/watchpost.db
            secrets = secrets.conf
            sample_interval = 10s
            heartbeat_interval = 5s
            jitter = 0.05
            [smtp]
            host = 127.0.0.1
            port = 1
            insecure = true
            from = test@example.org
            [web]
            listen = 127.0.0.1:\(port)
            """)
        try FileSystem.writeAtomically("\(dir)/secrets.conf", "[web]\nlink_key = 5f0c2d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d\n", mode: 0o600)
        try FileSystem.writeAtomically("\(dir)/flip.sh", "#!/bin/sh\nif [ -f \"$1\" ]; then echo \"CRITICAL - flag\"; exit 2; fi\necho \"OK - fine\"; exit 0\n", mode: 0o755)
        var checks = ""
        for i in 0..<2 { checks += "[check c\(i)]\nkind = exec\ncommand = ./flip.sh\narguments = \(dir)/flag\(i)\ninterval = 1s\ntimeout = 1s\nfail_after = 1\nrecover_after = 1\n\n" }
        try FileSystem.writeAtomically("\(dir)/probes/vung-ang/checks.conf", checks)
    }

    mutating func start() throws { daemon = try DaemonProcess(configDir: dir) }
    /// Kills the daemon at once (clean-up in a `defer`, which cannot wait for a graceful stop).
    mutating func stop() { daemon?.killNine(); daemon = nil }
}

func httpGet(_ curl: String, _ url: String, token: String? = nil) async throws -> String {
    // A hang guard (60 s), not a speed check: under load 26 a 5-10 s client limit failed tests.
    var args = ["-s", "--max-time", "60", url]
    if let token { args = ["-H", "Authorization: Bearer \(token)"] + args }
    return try await run(curl, args).output
}

@Suite("Prometheus for the fleet")
struct PrometheusTests {
    @Test("Debian's prometheus scrapes two daemons; recorded availability over operating hours matches watchpost report")
    func prometheusMatchesReport() async throws {
        let prometheus = try requireTool("prometheus", debianPackage: "prometheus")
        let curl = try requireTool("curl", debianPackage: "curl")
        var boxes = [try await Box(name: "a"), try await Box(name: "b")]
        defer { for i in boxes.indices { boxes[i].stop() } }
        // A read-only account and its API token on each box (department role).
        var tokens: [String] = []
        for b in boxes {
            let add = await shell("printf 'mat-khau-thu-nghiem-2026\\n' | '\(b.watchpost)' user add so-tttt --role department --name 'Sở TT&TT' --config '\(b.dir)'")
            try #require(add.status == 0, "user add: \(add.output)")
            let token = try await run(b.watchpost, ["user", "token", "so-tttt", "--config", b.dir])
            try #require(token.exitCode == 0, "user token: \(token.output)")
            tokens.append(token.output.split(separator: "\n").last.map(String.init) ?? "")
        }
        // Prometheus on loopback first (the boxes' targets are down until they start), scraping both
        // boxes every second with the shipped rules.
        let promDir = try tempFolder("prometheus-server")
        let promPort = try freeTCPPort()
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
        let promPID = try spawnProcess(prometheus, ["--config.file=\(promDir)/prometheus.yml", "--storage.tsdb.path=\(promDir)/data",
                                                    "--web.listen-address=127.0.0.1:\(promPort)"], log: "\(promDir)/prometheus.log")
        defer { killAndReap(promPID) }
        // Prometheus ready (and scraping the still-absent boxes) before the daemons start, so that
        // its first samples come as soon as each box answers.
        try await waitUntil("prometheus ready on 127.0.0.1:\(promPort) (log: \(promDir)/prometheus.log)", within: 60) {
            ((try? await httpGet(curl, "http://127.0.0.1:\(promPort)/-/ready")) ?? "").contains("Ready")
        }
        let daemonsStarted = SystemClock().now()
        for i in boxes.indices { try boxes[i].start() }
        for (b, t) in zip(boxes, tokens) {
            try await waitUntil("/metrics on 127.0.0.1:\(b.port) (log: \(b.dir)/daemon.log)", within: 60) {
                (try? await httpGet(curl, "http://127.0.0.1:\(b.port)/metrics", token: t))?.contains("watchpost_site_available{site=\"vung-ang\"} 1") == true
            }
        }
        // Both lines in one read: between two reads an exec check can time out on a loaded machine
        // (UNKNOWN, availability NaN: seen at load 18), which says nothing about the metrics.
        var metrics = ""
        #expect(await eventually(60) {
            metrics = (try? await httpGet(curl, "http://127.0.0.1:\(boxes[0].port)/metrics", token: tokens[0])) ?? ""
            return metrics.contains("watchpost_site_scheduled{site=\"vung-ang\"} 1") && metrics.contains("watchpost_check_available{site=\"vung-ang\",check=\"c0\"} 1")
        }, "\(metrics)")
        // The daemon's web server shows its bound on large reads and its answer times (the
        // listener's, wired through the kept web front; #13/#19 s11): the reads above were answered.
        #expect(metrics.contains("watchpost_heavy_reads_slots 2\n") && metrics.contains("watchpost_heavy_reads_refused_total 0\n"), "\(metrics)")
        let answered = metrics.split(separator: "\n").first { $0.hasPrefix("watchpost_web_answer_seconds_count ") }.flatMap { Int($0.split(separator: " ")[1]) }
        #expect((answered ?? 0) >= 1, "\(metrics)")

        let api = "http://127.0.0.1:\(promPort)/api/v1/query?query="
        try await waitUntil("prometheus records watchpost:site_available_scheduled for both boxes", within: 60) {
            let out = (try? await httpGet(curl, api + "count(watchpost:site_available_scheduled)")) ?? ""
            return out.contains("\"value\":[") && out.contains(",\"2\"]")
        }
        // Both figures are compared over the same stretch: from now (Prometheus holds box a's
        // series) to box a's stop. The report's seconds before now are read here and taken off at
        // the end. Counting from the daemons' start instead (#13 s11), the report also held the
        // seconds before the daemon's web server first answered a scrape (2-4 s at load 4, more
        // at load 15-30: prometheus 0.625 against the report's 0.686 at load 15, where 0.1 is
        // allowed), which Prometheus cannot have.
        let zone = ZoneOffset.hoChiMinh
        func reportedSeconds() async throws -> (up: Double, down: Double) {
            let today = zone.localDate(of: SystemClock().now()).description
            let report = try await run(boxes[0].watchpost, ["report", "--site", "vung-ang", "--from", zone.localDate(of: daemonsStarted).description,
                                                            "--to", today, "--format", "csv", "--config", boxes[0].dir])
            try #require(report.exitCode == 0, "report: \(report.output)")
            let siteRow = try #require(report.output.split(separator: "\r\n").first { $0.hasPrefix("vung-ang,*site*,") }).split(separator: ",", omittingEmptySubsequences: false)
            return (try #require(Double(siteRow[6])), try #require(Double(siteRow[7])))
        }
        let before = try await reportedSeconds()
        let start = SystemClock().now()
        // Box a: c0 fails for a while (its flag file), then recovers. Each stretch lasts until
        // Prometheus holds enough one-second samples of it (a condition, not a sleep), so a slow
        // machine makes the stretches longer, never the comparison wrong.
        let boxA = "watchpost:site_available_scheduled{job=\"box0\"}"
        func samples(_ value: Int) async -> Double {
            let q = "count_over_time((\(boxA) == \(value))[10m:1s])"
            return Self.firstValue(in: (try? await httpGet(curl, api + q.addingPercentEncodingForQuery())) ?? "") ?? 0
        }
        try await waitUntil("prometheus holds 4 s of box a available", within: 90) { await samples(1) >= 4 }
        try FileSystem.writeAtomically("\(boxes[0].dir)/flag0", "x")
        try await waitUntil("prometheus holds 10 s of box a down", within: 90) { await samples(0) >= 10 }
        FileSystem.remove("\(boxes[0].dir)/flag0")
        let availableBeforeRecovery = await samples(1)
        try await waitUntil("prometheus holds 14 s of box a available again", within: 90) { await samples(1) >= availableBeforeRecovery + 14 }
        let promDown = await samples(0)
        // Box a stops: its database's coverage ends there (the daemon records its stop), and
        // Prometheus marks its series stale at the first failed scrape; both then cover the same
        // stretch of the daemon's life.
        boxes[0].stop()
        try await waitUntil("prometheus sees box a down", within: 60) {
            ((try? await httpGet(curl, api + "up%7Bjob%3D%22box0%22%7D")) ?? "").contains(",\"0\"]")
        }
        let end = SystemClock().now()
        // From the first report's answer until now (box a up at both ends).
        let window = end.seconds - start.seconds
        // Prometheus: the average of the recorded series over the same window.
        let q = "avg_over_time(watchpost:site_available_scheduled[\(window)s])"
        let answer = try await httpGet(curl, api + q.addingPercentEncodingForQuery())
        func value(for job: String) -> Double? {
            guard let r = answer.firstRange(of: "\"job\":\"\(job)\"") else { return nil }
            return Self.firstValue(in: String(answer[r.upperBound...]))
        }
        let promA = try #require(value(for: "box0"), "prometheus answer: \(answer)")
        let promB = try #require(value(for: "box1"), "prometheus answer: \(answer)")
        // The report for the same seconds, from box a's database.
        let atEnd = try await reportedSeconds()
        let up = atEnd.up - before.up, down = atEnd.down - before.down
        let reported = up / (up + down)
        print("availability over operating hours: prometheus \(promA) (box b \(promB)), watchpost report \(reported) (up \(up) s, down \(down) s over the last \(window) s; before it up \(before.up) s, down \(before.down) s)")
        // The report's down seconds and Prometheus's down samples describe the same stretch.
        #expect(down >= 8 && abs(down - promDown) <= 5, "report \(down) s down, prometheus \(promDown) samples down")
        expectEqual(promB, 1)
        // Prometheus counts one sample a second where the report counts seconds, and the first
        // report's own run (seconds at load 30, box a up) lies between the two stretches: over
        // 30 s or more they agree to within 0.1.
        #expect(promA < 1 && abs(promA - reported) < 0.1, "prometheus \(promA) vs report \(reported)")
    }
}

extension PrometheusTests {
    /// The first sample's value in a Prometheus query answer (`..."value":[1796125462.178,"0.57"]...`).
    static func firstValue(in answer: String) -> Double? {
        guard let value = answer.firstRange(of: "\"value\":[") else { return nil }
        let rest = answer[value.upperBound...]
        guard let v = rest.firstRange(of: ",\""), let e = rest[v.upperBound...].firstIndex(of: "\"") else { return nil }
        return Double(rest[v.upperBound..<e])
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

import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostStore
import WatchpostMail
import Posix
import Glibc
import WatchpostHost

/// `watchpost run` as a real process: notifications queued while the SMTP server is down, the
/// daemon killed with SIGKILL and restarted, then the server started: every message arrives
/// exactly once.
@Suite("Mail daemon end to end", .serialized)
struct MailDaemonTests {
    @Test func serverDownKillNineRestartDeliversExactlyOnce() async throws {
        let port = try freeTCPPort()
        let cfg = try await MailTestConfig(smtpPort: port, mail: "group_window = 1s\nretry_initial = 1s\nretry_max = 2s")
        let sinkDir = try makeTemporaryFolder("wp-sink")
        defer { cfg.cleanup(); removeTree(sinkDir); FileSystem.remove(sinkDir + ".log") }
        let daemon = try DaemonProcess(configDir: cfg.dir)
        func daemonLog() -> String { daemon.logTail() }
        try await daemon.waitUntilStarted()
        #expect(daemon.log.contains("outbox worker started"))

        // The incident engine's part, played by the test: queue notifications in the daemon's database.
        let store = try Store(path: "\(cfg.dir)/var/watchpost.db", clock: SystemClock())
        let now = SystemClock().now()
        var reqs: [NotificationRequest] = []
        for r in 1...3 { for i in 1...2 { reqs.append(request("note-\(i)/\(r)", to: "r\(r)@taytrang.example.org", incident: nil, event: .digest, at: now, summary: "Thông báo \(i)")) } }
        try await expectEqual(store.enqueue(reqs), 6)

        // The server is down: the daemon groups (3 messages) and keeps retrying.
        try #require(await eventually(60) {
            let rows = (try? await store.outboxRows()) ?? []
            return rows.count == 6 && rows.allSatisfy { $0.state == "sending" && $0.lastError != nil }
        }, "\(daemonLog())")
        daemon.killNine()

        let sink = try await MailSink(port: port, dir: sinkDir)
        try daemon.restart()
        try await daemon.waitUntilStarted()
        #expect(await eventually(60) { sink.messages.count >= 3 }, "\(daemonLog())")
        #expect(await eventually(60) { ((try? await store.outboxRows()) ?? []).allSatisfy { $0.state == "sent" } })
        // Stop the daemon first: once it has exited nothing more can arrive, so the count is final.
        #expect(await daemon.signalAndWait(SIGTERM, seconds: 60) != nil, "the daemon did not stop on SIGTERM")
        let messages = sink.messages.map(ParsedMail.init)
        expectEqual(messages.count, 3, "exactly once per recipient")
        expectEqual(Set(messages.compactMap { $0.header("x-envelope-to") }), ["r1@taytrang.example.org", "r2@taytrang.example.org", "r3@taytrang.example.org"])
        expectEqual(Set(messages.compactMap(\.messageID)).count, 3)
        let watchpost = try TestPaths.watchpost()
        let check = await shell("'\(watchpost)' db check --config '\(cfg.dir)'")
        expectEqual(check.0, 0, "\(check.1)")
    }
}

import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostMail
import Curl
import Posix

/// The outbox worker against a real aiosmtpd, with a manual clock for windows and retries.
@Suite("Outbox delivery", .serialized)
struct OutboxTests {
    struct Fixture {
        let sinkDir: String
        let cfg: MailTestConfig
        let store: Store
        let clock: ManualClock
        let worker: OutboxWorker
        let logs: MemoryLogSink

        init(smtpPort: Int, mail: String = "group_window = 30s\nretry_initial = 10s\nretry_max = 60s", extraSMTP: String = "insecure = true") async throws {
            sinkDir = try makeTemporaryFolder("wp-sink")
            cfg = try await MailTestConfig(smtpPort: smtpPort, extraSMTP: extraSMTP, mail: mail)
            let (config, settings) = try cfg.load()
            clock = ManualClock(now: Instant(seconds: 1_795_481_411))
            store = try Store(path: "\(cfg.dir)/var/watchpost.db", clock: clock)
            logs = MemoryLogSink()
            worker = OutboxWorker(store: store, clock: clock, settings: settings, configuration: config, logger: Logger(sink: logs, clock: clock))
        }

        func cleanup() { cfg.cleanup(); removeTree(sinkDir); removeTree(sinkDir + ".log") }
    }

    @Test func groupsPerRecipientWithinTheWindowAndThreads() async throws {
        let port = try freeTCPPort()
        let f = try await Fixture(smtpPort: port)
        defer { f.cleanup() }
        let sink = try await MailSink(port: port, dir: f.sinkDir)
        let t0 = f.clock.now()
        // A power cut fails five checks: five notifications to the border guard, one to the technicians.
        var reqs = (1...5).map { i in request("inc-\(i)/triggered/bp", to: "bp@taytrang.example.org", incident: Int64(i), at: t0 + .seconds(Int64(i)), check: "c\(i)", summary: "Sự cố \(i)") }
        reqs.append(request("inc-1/triggered/kt", to: "kythuat@taytrang.example.org", name: "Kỹ thuật", incident: 1, at: t0))
        try await expectEqual(f.store.enqueue(reqs), 6)
        try await expectEqual(f.store.enqueue(reqs), 0, "queueing is idempotent by key")

        f.clock.advance(by: .seconds(29))
        var report = await f.worker.tick()
        expectEqual(report.composed, 0, "nothing leaves before the group window")
        f.clock.advance(by: .seconds(1))
        report = await f.worker.tick()
        #expect(report.composed == 1 && report.sent == 1, "at t0+30s only the technicians' window (oldest at t0) has passed: \(report)")
        f.clock.advance(by: .seconds(1))
        report = await f.worker.tick()
        expectEqual(report.sent, 1)
        let msgs = sink.messages
        expectEqual(msgs.count, 2)
        let bp = try #require(msgs.map(ParsedMail.init).first { $0.header("x-envelope-to") == "bp@taytrang.example.org" })
        for i in 1...5 { #expect(bp.text.contains("Sự cố \(i)"), "one email lists every incident") }
        #expect(bp.subject.contains("5 thông báo"))
        try await expectEqual(f.store.outboxSummary(), OutboxSummary(queued: 0, sending: 0, sent: 6, failed: 0))

        // The next notification for incident 3 threads under the first message.
        try await f.store.enqueue([request("inc-3/resolved/bp", to: "bp@taytrang.example.org", incident: 3, event: .resolved, at: f.clock.now())])
        f.clock.advance(by: .seconds(31))
        await f.worker.tick()
        let last = ParsedMail(try #require(sink.messages.last))
        expectEqual(last.header("in-reply-to"), "<\(bp.messageID ?? "?")>")
        // Only the mail invariants: the incidents these notifications name are the test's invention.
        let problems = try await f.store.verify().filter { $0.hasPrefix("outbox:") }
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func perRecipientRateLimitHoldsAndGroups() async throws {
        let port = try freeTCPPort()
        let f = try await Fixture(smtpPort: port, mail: "group_window = 0s\nmax_per_hour = 2")
        defer { f.cleanup() }
        let sink = try await MailSink(port: port, dir: f.sinkDir)
        for i in 1...4 {
            try await f.store.enqueue([request("r\(i)", to: "bp@taytrang.example.org", incident: Int64(i), at: f.clock.now())])
            await f.worker.tick()
            f.clock.advance(by: .minutes(1))
        }
        expectEqual(sink.messages.count, 2, "two per hour")
        try await expectEqual(f.store.outboxSummary().queued, 2)
        f.clock.advance(by: .minutes(60))
        await f.worker.tick()
        expectEqual(sink.messages.count, 3, "the held notifications go out together")
        #expect(ParsedMail(try #require(sink.messages.last)).subject.contains("2 thông báo"))
    }

    @Test func rejectedRecipientIsRecordedReportedAndOthersDelivered() async throws {
        let port = try freeTCPPort()
        let f = try await Fixture(smtpPort: port, mail: "group_window = 0s")
        defer { f.cleanup() }
        let sink = try await MailSink(port: port, dir: f.sinkDir, arguments: ["--reject", "ca-tay-trang@dienbien.example.org"])
        try await f.store.enqueue([
            request("a", to: "ca-tay-trang@dienbien.example.org", name: "Công an", at: f.clock.now()),
            request("b", to: "bp@taytrang.example.org", at: f.clock.now()),
        ])
        var report = await f.worker.tick()
        #expect(report.sent == 1 && report.failed == 1, "\(report)")
        let rows = try await f.store.outboxRows()
        let failed = try #require(rows.first { $0.request.key == "a" })
        expectEqual(failed.state, "failed")
        expectEqual(failed.lastError?.contains("550 5.1.1"), true, "\(failed.lastError ?? "")")
        // The technicians are told, through the outbox, in the same transaction.
        let notices = rows.filter { $0.request.event == .deliveryFailed }.map(\.request.recipient.address).sorted()
        expectEqual(notices, ["binh.tv@taytrang.example.org", "kythuat@taytrang.example.org"], "the site's technicians (organisation and its people)")
        report = await f.worker.tick()
        expectEqual(report.sent, 2)
        let last = try #require(sink.messages.map(ParsedMail.init).first { $0.header("x-envelope-to") == "kythuat@taytrang.example.org" })
        #expect(last.text.contains("ca-tay-trang@dienbien.example.org") && last.text.contains("550"))
        #expect(f.logs.all.contains { $0.contains("message failed permanently") })
    }

    @Test func serverDownThenUpDeliversExactlyOnceWithBackoff() async throws {
        let port = try freeTCPPort()
        let f = try await Fixture(smtpPort: port, mail: "group_window = 0s\nretry_initial = 10s\nretry_max = 60s")
        defer { f.cleanup() }
        try await f.store.enqueue((1...3).map { request("d\($0)", to: "bp\($0)@taytrang.example.org", incident: Int64($0), at: f.clock.now()) })
        var report = await f.worker.tick()
        #expect(report.retried == 3 && report.sent == 0)
        let rows = try await f.store.outboxRows()
        #expect(rows.allSatisfy { $0.state == "sending" && $0.lastError?.contains("connect") == true }, "\(rows.map(\.lastError))")
        // Backoff: nothing is retried before the first delay (10 s ± 20 %), and the second delay doubles.
        f.clock.advance(by: .seconds(7))
        report = await f.worker.tick()
        expectEqual(report.retried, 0)
        f.clock.advance(by: .seconds(6))
        report = await f.worker.tick()
        expectEqual(report.retried, 3)
        f.clock.advance(by: .seconds(13))
        await expectEqual(f.worker.tick().retried, 0, "second delay is about 20 s")
        let sink = try await MailSink(port: port, dir: f.sinkDir)
        f.clock.advance(by: .seconds(60))
        report = await f.worker.tick()
        expectEqual(report.sent, 3)
        f.clock.advance(by: .seconds(120))
        await f.worker.tick()
        expectEqual(sink.messages.count, 3, "each message exactly once")
        expectEqual(Set(sink.messages.map { ParsedMail($0).messageID ?? "" }).count, 3)
    }

    @Test func temporaryRefusalIsRetried() async throws {
        let port = try freeTCPPort()
        let f = try await Fixture(smtpPort: port, mail: "group_window = 0s\nretry_initial = 5s")
        defer { f.cleanup() }
        let sink = try await MailSink(port: port, dir: f.sinkDir, arguments: ["--tempfail", "1"])
        try await f.store.enqueue([request("t1", to: "bp@taytrang.example.org", at: f.clock.now())])
        var report = await f.worker.tick()
        expectEqual(report.retried, 1)
        try await expectEqual(f.store.outboxRows().first?.lastError?.contains("451"), true)
        // One time zone in the operator's log: retry_at in the log's own +07:00, not UTC "Z"
        // beside +07:00 line times (#21 review s5; before: retry_at=2026-…Z).
        let retryAt = f.logs.all.first { $0.contains("will retry") }?.split(separator: " ").first { $0.hasPrefix("retry_at=") } ?? ""
        #expect(retryAt.hasSuffix("+07:00"), "\(f.logs.all)")
        f.clock.advance(by: .seconds(10))
        report = await f.worker.tick()
        expectEqual(report.sent, 1)
        expectEqual(sink.messages.count, 1)
    }

    // A server that hangs is given up by the [smtp] timeout (3 s): the error says it timed out.
    // A tick that never gave up would be failed by the time limit, not by a stopwatch that a
    // loaded machine cannot honour.
    @Test(.timeLimit(.minutes(1)), arguments: ["garbage", "hang"])
    func misbehavingServerGivesAClearErrorInTimeAndLosesNothing(mode: String) async throws {
        let port = try freeTCPPort()
        let f = try await Fixture(smtpPort: port, mail: "group_window = 0s")
        defer { f.cleanup() }
        let sink = try await MailSink(port: port, dir: f.sinkDir, arguments: ["--mode", mode])
        _ = sink
        try await f.store.enqueue([request("g1", to: "bp@taytrang.example.org", at: f.clock.now())])
        let report = await f.worker.tick()
        #expect(report.retried == 1 && report.sent == 0)
        let row = try #require(try await f.store.outboxRows().first)
        expectEqual(row.state, "sending", "kept for a retry, not lost")
        let error = row.lastError ?? ""
        #expect(mode == "hang" ? error.contains("imeout") || error.contains("timed out") : !error.isEmpty, "\(error)")
        #expect(f.logs.all.contains { $0.contains("will retry") })
    }
}

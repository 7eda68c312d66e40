// A reload while the outbox is inside a slow send: the old worker finishes the message it is
// sending and stops; the new worker waits for it and then sends the rest — every message once
// (#21 review, session 5: with a server answering in 4 s, a reload delivered each message twice).
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
import WatchpostStore
@testable import WatchpostMail
import Synchronization
import Curl

/// An SMTP server double whose sends wait until `release()`; records what it accepted.
final class HeldTransport: MailTransport {
    let sent = Mutex<[String]>([])
    let entered = Mutex(0)
    private let held = Mutex(true)

    func send(from: String, to: String, data: [UInt8]) async -> SMTPOutcome {
        entered.withLock { $0 += 1 }
        try? await waitUntil("the test releases the send", within: 120) { !held.withLock { $0 } }
        let which = ["first", "second", "third"].first { ParsedMail(data).text.contains("message \($0)") } ?? "?"
        sent.withLock { $0.append(which) }
        return SMTPOutcome(accepted: true, replyCode: 250, serverReplies: ["250 OK"], error: nil, connectionFailed: false)
    }

    func release() { held.withLock { $0 = false } }
    func close() async {}
}

@Suite("Outbox across a reload", .timeLimit(.minutes(2)))
struct OutboxAcrossReloadTests {
    @Test func theOldWorkerFinishesItsSendTheNewOneSendsTheRestEachMessageOnce() async throws {
        let cfg = try await MailTestConfig(smtpPort: 1, mail: "group_window = 0s\nretry_initial = 1s\nretry_max = 2s")
        defer { cfg.cleanup() }
        let (config, settings) = try cfg.load()
        let clock = ManualClock(now: Instant(seconds: 1_795_481_411))
        let store = try Store(path: "\(cfg.dir)/var/watchpost.db", clock: clock)
        try await store.enqueue([request("r1", to: "bp@taytrang.example.org", incident: 1, at: clock.now(), summary: "message first"),
                                 request("r2", to: "kt@taytrang.example.org", incident: 2, at: clock.now(), summary: "message second"),
                                 request("r3", to: "so@taytrang.example.org", incident: 3, at: clock.now(), summary: "message third")])
        let log = Logger(sink: MemoryLogSink(), clock: clock)
        // The configuration before the reload, and the one after it (its own SMTP connection).
        let oldSMTP = HeldTransport(), newSMTP = HeldTransport()
        let old = OutboxWorker(store: store, clock: clock, settings: settings, configuration: config, transport: oldSMTP, logger: log)
        let new = OutboxWorker(store: store, clock: clock, settings: settings, configuration: config, transport: newSMTP, logger: log)
        try await expectEqual(old.composeDue(), 3)
        let oldPass = Task { await old.tick() }
        try await waitUntil("the old worker inside its first send", within: 60) { oldSMTP.entered.withLock { $0 } == 1 }
        // The reload: the new worker starts while the old one is still sending.
        let newPass = Task { await new.tick() }
        try await waitUntil("the new worker waiting for the old one's pass (not sending)", within: 60) {
            await new.shared.passes.waitingCount == 1 || newSMTP.entered.withLock { $0 } > 0
        }
        expectEqual(newSMTP.entered.withLock { $0 }, 0, "the new worker sent while the old one was inside a send")
        oldPass.cancel()  // the group stops the old service
        newSMTP.release()
        oldSMTP.release()
        let oldReport = await oldPass.value
        let newReport = await newPass.value
        expectEqual(oldReport.sent, 1, "the old worker stops after the message it was sending")
        expectEqual(newReport.sent, 2)
        let all = oldSMTP.sent.withLock { $0 } + newSMTP.sent.withLock { $0 }
        expectEqual(all.sorted(), ["first", "second", "third"], "each message once: \(all)")
    }
}

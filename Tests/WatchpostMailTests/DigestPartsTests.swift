// Issue #19 (review s8, by reading Outbox.composeDue): on a volume under 64 MiB a digest goes in
// parts of at most 16 notices; the 17th and later FRESH notices were marked "held back: disk
// full" with no disk problem, and the next pass sent them past both hourly limits. Only notices
// a full disk really held back are exempt; the rest of a digest split for its size is new
// traffic and keeps the limits.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostStore
@testable import WatchpostMail

@Suite("Digest parts and the hourly limits (#19)", .serialized, .timeLimit(.minutes(2)))
struct DigestPartsTests {
    // Before: the 4 notices after the first 16 were marked held back and went in the second pass,
    // a second message within the hour against max_per_hour = 1.
    @Test func theRestOfADigestSplitForItsSizeKeepsTheHourlyLimits() async throws {
        let cfg = try await MailTestConfig(smtpPort: 1, mail: "group_window = 0s\nmax_per_hour = 1")
        defer { cfg.cleanup() }
        // A small volume (parts of 16 notices) with plenty of room: nothing is held by the disk.
        let small = try await SmallVolume(size: "8m")
        defer { small.unmount() }
        let clock = ManualClock(now: Instant(seconds: 1_795_481_411))
        let store = try Store(path: "\(small.path)/watchpost.db", clock: clock)
        await expectEqual(store.walLimit, 65_536)
        let smtp = RecordingTransport()
        let (config, settings) = try cfg.load()
        let w = OutboxWorker(store: store, clock: clock, settings: settings, configuration: config, transport: smtp,
                             logger: Logger(sink: MemoryLogSink(), clock: clock))
        try await store.enqueue((1...20).map { i in request("fresh-\(i)", to: "bp@taytrang.example.org", incident: Int64(200 + i), at: clock.now(), summary: "#\(i)#") })
        clock.advance(by: .seconds(1))
        await w.tick()
        expectEqual(smtp.accepted.withLock { $0.count }, 1)
        let rest = try await store.outboxRows().filter { $0.state == "queued" }
        #expect(!rest.isEmpty, "the digest of 20 notices went in one message")
        #expect(rest.allSatisfy { !$0.heldByDisk }, "fresh notices marked '\(OutboxRow.heldByDisk)' with no disk problem")
        // The recipient had its one message this hour: the rest waits for the next hour.
        for _ in 0..<3 {
            clock.advance(by: .seconds(1))
            await w.tick()
        }
        expectEqual(smtp.accepted.withLock { $0.count }, 1, "the rest of the digest went past max_per_hour = 1")
        // The next hour, the next part (and only one: the limit is still one message an hour).
        clock.advance(by: .hours(1))
        for _ in 0..<3 {
            clock.advance(by: .seconds(1))
            await w.tick()
        }
        expectEqual(smtp.accepted.withLock { $0.count }, 2)
        #expect(try await store.outboxRows().filter { $0.state == "queued" }.count < rest.count)
    }
}

import Testing
import WatchpostCore
import WatchpostMail
import WatchpostTestSupport

/// The cap on messages per incident per recipient per hour ([mail] max_per_incident_per_hour):
/// a wall in a fault storm keeps one incident busy, and its recipients hear of it at that pace,
/// the held notifications grouped into the next allowed message, while other incidents still go.
@Suite("Mail: cap per incident", .serialized)
struct IncidentCapTests {
    @Test func stormIncidentIsCappedPerHourOthersAreNot() async throws {
        let port = try freeTCPPort()
        let f = try await OutboxTests.Fixture(smtpPort: port, mail: "group_window = 0s\nmax_per_incident_per_hour = 2")
        defer { f.cleanup() }
        let sink = try await MailSink(port: port, dir: f.sinkDir)
        let to = "bp@taytrang.example.org"
        for i in 1...5 {
            try await f.store.enqueue([request("storm-\(i)", to: to, incident: 7, event: i == 1 ? .triggered : .escalated, at: f.clock.now())])
            await f.worker.tick()
            f.clock.advance(by: .minutes(1))
        }
        expectEqual(sink.messages.count, 2, "two messages about incident 7 in the hour")
        try await expectEqual(f.store.outboxSummary().queued, 3)
        // Another incident to the same person is not held by incident 7's cap.
        try await f.store.enqueue([request("other", to: to, incident: 8, at: f.clock.now())])
        await f.worker.tick()
        expectEqual(sink.messages.count, 3)
        try await expectEqual(f.store.mailCount(incident: 7, to: to, since: f.clock.now() - .hours(1)), 2)
        f.clock.advance(by: .minutes(60))
        await f.worker.tick()
        expectEqual(sink.messages.count, 4, "the held notifications of incident 7 go out together")
        #expect(ParsedMail(try #require(sink.messages.last)).subject.contains("3 thông báo"))
        try await expectEqual(f.store.outboxSummary().queued, 0)
    }
}

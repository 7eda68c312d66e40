// Times with fractions of a second are read to the millisecond: /api/v1/plays sends its paging
// header `X-Watchpost-Next-From` as `…T23:45:02.701Z`, and `from=` refused it (400) — the next page
// could not be asked for (#16 review, session 5).
import Testing
import WatchpostTestSupport
import WatchpostCore

@Suite struct InstantFractionTests {
    @Test func fractionsOfASecondAreKeptToTheMillisecond() throws {
        let whole = try #require(Instant.parse("2026-12-01T23:45:02Z"))
        expectEqual(Instant.parse("2026-12-01T23:45:02.701Z"), Instant(milliseconds: whole.milliseconds + 701))
        expectEqual(Instant.parse("2026-12-01T23:45:02.7Z"), Instant(milliseconds: whole.milliseconds + 700))
        expectEqual(Instant.parse("2026-12-02T06:45:02.701+07:00"), Instant(milliseconds: whole.milliseconds + 701))
        expectEqual(Instant.parse("2026-12-01T23:45:02.701123456Z"), Instant(milliseconds: whole.milliseconds + 701))
        for bad in ["2026-12-01T23:45:02.Z", "2026-12-01T23:45:02.7a1Z", "2026-12-01T23:45:02.1234567890Z", "2026-12-01T23:45.5Z"] {
            #expect(Instant.parse(bad) == nil, "\(bad) was accepted")
        }
    }

    @Test func whatTheAPIWritesReadsBackTheSame() {
        let t = Instant(milliseconds: 1_796_111_102_701)
        expectEqual(Instant.parse(t.iso8601(offsetSeconds: 0)), t)
        expectEqual(Instant.parse(t.iso8601(offsetSeconds: 7 * 3600)), t)
    }
}

// A reload that keeps a check unchanged must still hand its loop the new site: an operating-plan
// change (Tây Trang 7.2.1.b) changes only the site's schedule, and the kept LED loop went on
// judging "in hours" by the old one (#18 review, session 5: a dark screen inside the newly
// planned hours was "normal", no incident, availability 1.0).
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostTestSupport
@testable import WatchpostDaemon

@Suite("Reload keeps check loops", .serialized)
struct ReloadKeepsLoopsTests {
    @Test func aKeptCheckJudgesByTheNewSchedule() async throws {
        let site = try await TestSite(checks: 1, interval: "1h")
        defer { site.cleanup() }
        var config = try ConfigurationLoader.load(root: site.dir)
        let clock = ManualClock(now: Instant(milliseconds: 1_800_000_000_000))
        let scheduler = CheckScheduler(clock: clock, pipeline: CollectingPipeline(), logger: quietLogger)
        defer { Task { await scheduler.stopAll() } }
        #expect(await scheduler.apply(config).isEmpty)
        let key = try #require(await scheduler.runningChecks.first)
        let before = try #require(await scheduler.site(ofCheck: key))
        // Only the site around the check changes (as a plan does): a schedule that is never on.
        var changed = try #require(config.sites.first)
        changed.schedule = OperatingSchedule(zone: .hoChiMinh, weekly: [:])
        changed.name = "after the plan"
        config.sites[0] = changed
        #expect(await scheduler.apply(config).isEmpty)
        await expectEqual(scheduler.runningChecks, [key], "the unchanged check keeps its loop")
        let after = try #require(await scheduler.site(ofCheck: key))
        #expect(before.name != "after the plan")
        expectEqual(after.name, "after the plan", "the kept loop still has the site from before the reload")
        expectEqual(after.schedule, changed.schedule)
    }
}

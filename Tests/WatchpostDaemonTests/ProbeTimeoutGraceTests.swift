// A probe that enforces its own timeout (the exec probe kills a hung plugin) is given a grace
// after the timeout before the scheduler's generic "did not answer": its own result, which names
// the plugin, must win even when the kill and the reaping come late on a loaded machine (#13
// review s8: with 100 ms to spare the scheduler's deadline came first in 4 of 9 daemons).
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostProbes
import WatchpostTestSupport
@testable import WatchpostDaemon

/// Ends its work at the timeout as the exec probe does, but returns `lateBy` after it (the kill
/// and the reaping on a busy box), with the exec probe's own timeout words.
struct SelfTimingProbe: Probe {
    let timeout: Seconds
    let lateBy: Seconds
    let timeoutGrace: Seconds
    func run(_ context: ProbeContext) async -> CheckResult {
        let start = context.clock.now()
        try? await context.clock.sleep(until: start + timeout + lateBy)
        return CheckResult(status: .unknown, text: Message("probe.exec.timeout", ["command": .text("./hang.sh"), "limit": .duration(timeout)]), startedAt: start)
    }
}

@Suite("Probe timeout grace", .serialized)
struct ProbeTimeoutGraceTests {
    /// Runs the check once on a manual clock with a probe that answers 300 ms after the timeout.
    func runOnce(grace: Seconds) async throws -> CheckResult? {
        let site = try await TestSite(checks: 1)
        defer { site.cleanup() }
        let config = try ConfigurationLoader.load(root: site.dir)
        let profile = try #require(config.sites.first)
        let check = try #require(profile.checks.first)
        let clock = ManualClock(now: Instant(milliseconds: 1_800_000_000_000))
        let probe = SelfTimingProbe(timeout: check.timeout, lateBy: Seconds(milliseconds: 300), timeoutGrace: grace)
        let pipeline = CollectingPipeline()
        let loop = CheckLoop(check: check, site: profile, probe: probe, clock: clock, pipeline: pipeline,
                             logger: Logger(sink: CollectingSink(), clock: clock), jitter: 0)
        let run = Task { await loop.runOnce() }
        try await until("the probe and the scheduler's deadline both waiting") { clock.sleeperCount >= 2 }
        // First to the timeout, then to the probe's late answer: one deadline at a time.
        clock.advance(by: check.timeout)
        clock.advance(by: Seconds(milliseconds: 300))
        await run.value
        return await pipeline.results.last
    }

    @Test func theExecProbesOwnTimeoutComesBeforeTheSchedulers() async throws {
        // The exec probe asks for the grace; the scheduler's deadline honours it.
        let exec = ExecProbe(command: "/bin/true", arguments: [], timeout: .seconds(5))
        expectEqual(exec.timeoutGrace, ExecProbe.killGrace)
        #expect(ExecProbe.killGrace >= .seconds(1), "a kill and a reap on a loaded box take more than a few milliseconds")
        expectEqual(exec.deadline(startingAt: Instant(milliseconds: 0), timeout: .seconds(5)), Instant(milliseconds: 7_000))

        let withGrace = try await runOnce(grace: ExecProbe.killGrace)
        expectEqual(withGrace?.text.key, "probe.exec.timeout", "\(String(describing: withGrace))")
        // Without the grace (as before), the same late answer loses to the scheduler's deadline.
        let without = try await runOnce(grace: .zero)
        expectEqual(without?.text.key, "probe.timeout", "\(String(describing: without))")
    }
}

// A probe stuck in a blocking call: one pool thread held (counted as stuck), the check UNKNOWN
// "probe.skipped" (the previous run has not returned for N s) and not started again until the call returns.
import Testing
import Synchronization
import WatchpostCore
import WatchpostConfig
import Posix
import Glibc
import WatchpostTestSupport
@testable import WatchpostDaemon

/// Blocks a pool thread in C (a pthread condition wait) until the gate opens, like a hung
/// getaddrinfo or read.
struct BlockingProbe: Probe {
    let pool: BlockingPool
    let gate: BlockingGate
    let starts: Counter
    func run(_ context: ProbeContext) async -> CheckResult {
        starts.value.withLock { $0 += 1 }
        let gate = self.gate
        _ = try? await pool.run { gate.wait() }
        return CheckResult(status: .ok, summary: "answered", startedAt: context.clock.now())
    }
    func shutdown() async {}
}

actor CollectingPipeline: ResultPipeline {
    var results: [CheckResult] = []
    func handle(check: CheckDefinition, site: SiteProfile, result: CheckResult) async { results.append(result) }
    func configurationChanged(_ configuration: WatchpostConfiguration) async {}
}

@Suite("Stuck probe guard", .serialized)
struct StuckProbeTests {
    @Test func aProbeStuckInABlockingCallIsNotStartedAgain() async throws {
        let site = try await TestSite(checks: 1)
        defer { site.cleanup() }
        let config = try ConfigurationLoader.load(root: site.dir)
        let profile = try #require(config.sites.first)
        let check = try #require(profile.checks.first)
        let clock = ManualClock(now: Instant(milliseconds: 1_800_000_000_000))
        let pool = BlockingPool(threads: 2)
        let gate = BlockingGate()
        defer { gate.open() }
        let probe = BlockingProbe(pool: pool, gate: gate, starts: Counter(0))
        let pipeline = CollectingPipeline()
        let stuck = StuckProbes()
        let lines = CollectingSink()
        let loop = CheckLoop(check: check, site: profile, probe: probe, clock: clock, pipeline: pipeline,
                             logger: Logger(sink: lines, clock: clock), jitter: 0, stuck: stuck)

        let first = Task { await loop.runOnce() }
        try await until("the probe inside its blocking call, its deadline armed") { pool.usage.busy == 1 && clock.sleeperCount >= 1 }
        clock.advance(by: check.timeout)
        await first.value
        var results = await pipeline.results
        expectEqual(results.count, 1)
        expectEqual(results.last?.status, .unknown)
        expectEqual(results.last?.summary.contains("did not answer"), true, "\(results)")
        try await until("the thread counted as stuck") { pool.usage.abandoned == 1 }
        #expect(stuck.snapshot["tay-trang/\(check.id)"] != nil)

        // Intervals later: not started again, UNKNOWN with how long it has been stuck.
        clock.advance(by: .seconds(30))
        await loop.runOnce()
        await loop.runOnce()
        results = await pipeline.results
        expectEqual(results.count, 3)
        expectEqual(results.last?.status, .unknown)
        // Asserted on the catalogue message (key and the stuck duration), not on one language's wording.
        expectEqual(results.last?.text.key, "probe.skipped", "\(String(describing: results.last?.text))")
        // Stuck since the first run started: the 30 s just advanced plus the timeout before it.
        if case .duration(let stuckFor)? = results.last?.text.params["stuck"] {
            #expect(stuckFor >= .seconds(30), "\(stuckFor)")
        } else {
            Issue.record("probe.skipped carries no stuck duration: \(String(describing: results.last?.text))")
        }
        expectEqual(probe.starts.value.withLock { $0 }, 1, "a stuck probe must not be started again")
        expectEqual(pool.usage.busy, 1, "one thread held, not one per interval")
        // Said once when it stuck, not at every interval while stuck (before: a warning per
        // skipped run, every second on a 1 s check; #21 review s5).
        expectEqual(lines.all.filter { $0.contains("level=warning") }.count, 1, "\(lines.all)")
        expectEqual(lines.all.filter { $0.contains("stuck past its deadline") }.count, 1, "\(lines.all)")

        // The call returns: the check runs again and the gauge clears.
        gate.open()
        try await until("the stuck call returned") { pool.usage.busy == 0 }
        try await until("the check runs again") {
            await loop.runOnce()
            return probe.starts.value.withLock { $0 } == 2
        }
        await expectEqual(pipeline.results.last?.status, .ok)
        #expect(stuck.snapshot.isEmpty)
        expectEqual(lines.all.filter { $0.contains("returned at last") }.count, 1, "\(lines.all)")
    }

    @Test func poolQueuesBeyondItsThreadsAndDropsCallsAbandonedWhileQueued() async throws {
        let pool = BlockingPool(threads: 1)
        let gate = BlockingGate()
        defer { gate.open() }
        let holder = Task { try await pool.run { gate.wait(); return 1 } }
        try await until("the only thread busy") { pool.usage.busy == 1 }
        let ran = Counter(0)
        let queued = Task { try await pool.run { ran.value.withLock { $0 += 1 } } }
        try await until("the second call queued") { pool.usage.queued == 1 }
        queued.cancel()
        gate.open()
        _ = try await holder.value
        await #expect(throws: CancellationError.self) { try await queued.value }
        expectEqual(ran.value.withLock { $0 }, 0, "a call abandoned while queued is never run")
        let answer = try await pool.run { 41 + 1 }
        expectEqual(answer, 42, "the pool still runs calls")
    }

    @Test func poolMakesThreadsOnlyWhenWorkNeedsThem() async throws {
        let pool = BlockingPool(threads: 4)
        expectEqual(pool.usage.started, 0, "no thread before any work")
        for i in 0..<3 {
            try await expectEqual(pool.run { i * 2 }, i * 2)
            try await until("the thread back waiting for work") { pool.usage.idle == 1 }
        }
        expectEqual(pool.usage.started, 1, "calls one after another share one thread")
        let gate = BlockingGate()
        defer { gate.open() }
        let held = (0..<3).map { _ in Task { try await pool.run { gate.wait() } } }
        try await until("three calls running at once") { pool.usage.busy == 3 }
        expectEqual(pool.usage.started, 3, "one thread per call running at once, not the whole pool")
        gate.open()
        for t in held { try await t.value }
        try await until("all three threads waiting") { pool.usage.idle == 3 }
        expectEqual(pool.usage.started, 3, "threads are kept for the next calls")
    }
}

/// The same guard in the real daemon, with a blocking call that really hangs in the kernel: a
/// `content` check on a share that stops answering (scripts/e2e/hung-probe.sh).
@Suite("Stuck probe in the running daemon", .serialized, .timeLimit(.minutes(2)))
struct HungShareProcessTests {
    @Test func aHungShareHoldsOneThreadItsCheckIsUnknownAndTheOthersStayOnTime() async throws {
        _ = try await requirePythonModule("fusepy", debianPackage: "python3-fusepy")
        _ = try requireTool("sqlite3", debianPackage: "sqlite3")
        _ = try requireTool("curl", debianPackage: "curl")
        // BIN_DIR given relative to the current folder, as a reviewer types it (".build/debug"):
        // the script used it after changing folder ("No such file", #21 review s6).
        let cut = binDir.lastIndex(of: "/") ?? binDir.startIndex
        let (parent, base) = (cut == binDir.startIndex ? "/" : String(binDir[..<cut]), String(binDir[binDir.index(after: cut)...]))
        let (rc, out) = await shell("cd '\(parent)' && bash '\(packageRoot)/scripts/e2e/hung-probe.sh' '\(base)' 6 2>&1")
        #expect(rc == 0 && out.hasSuffix("OK\n"), "\(out)")
    }
}

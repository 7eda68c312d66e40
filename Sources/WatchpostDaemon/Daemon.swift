// WatchpostDaemon owns the wiring of the running monitor: the check scheduler (one task per
// check, interval with jitter, hard timeout, a hung probe never delaying others), the result
// pipeline into the store and the incident engine, heartbeats, systemd readiness and watchdog,
// and signals (SIGTERM stops within 2 s, SIGHUP reloads and keeps the old configuration when the
// new one is invalid).
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostProbes
import Posix
import Synchronization

/// Receives every probe result. The daemon's default pipeline stores it; the incident engine
/// plugs in here.
public protocol ResultPipeline: Sendable {
    func handle(check: CheckDefinition, site: SiteProfile, result: CheckResult) async
    /// Called after a reload with the new configuration.
    func configurationChanged(_ configuration: WatchpostConfiguration) async
    /// Whether a maintenance window is open for the check (default: none; IncidentPipeline.swift).
    func inMaintenance(site: String, check: String) async -> Bool
}

/// Stores results: the current state of each check and compact history.
public struct StoreResultPipeline: ResultPipeline {
    public let store: Store
    public let sampleInterval: Seconds
    public let logger: Logger

    public init(store: Store, sampleInterval: Seconds, logger: Logger) {
        self.store = store
        self.sampleInterval = sampleInterval
        self.logger = logger
    }

    public func handle(check: CheckDefinition, site: SiteProfile, result: CheckResult) async {
        do {
            try await store.record(site: site.id, checkID: check.id, kind: check.kind, result: result, sampleInterval: sampleInterval)
        } catch {
            logger.with("site", site.id).with("check", check.id).error("cannot store result", [("error", error.description)])
        }
    }

    public func configurationChanged(_ configuration: WatchpostConfiguration) async {}
}

/// Runs a probe with a hard deadline (the one deadline primitive, `withDeadline`). If the probe
/// does not return in time, the caller gets an UNKNOWN result at the deadline and the probe's
/// task is cancelled and left to finish on its own; it is never awaited, so it cannot hold up
/// the schedule. The handle tells the caller when a late probe has returned at last.
public func runProbeTracked(_ probe: any Probe, context: ProbeContext, label: String) async -> (CheckResult, OperationHandle?) {
    let start = context.clock.now()
    switch await withDeadline(context.deadline, clock: context.clock, { await probe.run(context).boundedAtProbeBoundary() }) {
    case .finished(var r):
        if r.duration == .zero { r.duration = context.clock.now() - start }
        return (r, nil)
    case .timedOut(let handle):
        return (CheckResult(status: .unknown, text: Message("probe.timeout", ["check": .text(label), "limit": .duration(context.deadline - start)]),
                            startedAt: start, duration: context.deadline - start), handle)
    }
}

public func runProbe(_ probe: any Probe, context: ProbeContext, label: String) async -> CheckResult {
    await runProbeTracked(probe, context: context, label: label).0
}

/// The checks whose last probe run missed its deadline and has not returned yet (a call stuck in
/// C), with the time it started: shown in /metrics, and the reason such a check is not run again.
public final class StuckProbes: Sendable {
    private let map = Mutex<[String: Instant]>([:])
    public init() {}
    func set(_ key: String, since: Instant?) { map.withLock { $0[key] = since } }
    public var snapshot: [String: Instant] { map.withLock { $0 } }
}

/// One check's loop: run, hand the result on, sleep until the next slot.
actor CheckLoop {
    let check: CheckDefinition
    /// The site around the check: replaced at a reload that keeps the check (its schedule
    /// follows an operating-plan change from the next run on).
    private(set) var site: SiteProfile
    let probe: any Probe
    let clock: any WatchpostClock
    let pipeline: any ResultPipeline
    let logger: Logger
    let jitter: Double
    let stuck: StuckProbes
    /// The run that missed its deadline and had not returned when last looked at.
    private var late: (handle: OperationHandle, since: Instant)?
    private var task: Task<Void, Never>?

    init(check: CheckDefinition, site: SiteProfile, probe: any Probe, clock: any WatchpostClock, pipeline: any ResultPipeline, logger: Logger,
         jitter: Double, stuck: StuckProbes = StuckProbes()) {
        self.check = check
        self.site = site
        self.probe = probe
        self.clock = clock
        self.pipeline = pipeline
        self.logger = logger
        self.jitter = jitter
        self.stuck = stuck
    }

    var key: String { "\(site.id)/\(check.id)" }

    func start() {
        task = Task { await self.loop() }
    }

    func stop() async {
        task?.cancel()
        task = nil
        stuck.set(key, since: nil)
        await probe.shutdown()
    }

    private func spread(_ span: Seconds) -> Seconds {
        let ms = Double(span.milliseconds) * jitter
        guard ms >= 1 else { return .zero }
        return Seconds(milliseconds: Int64(Double.random(in: -ms...ms)))
    }

    private func loop() async {
        // Spread first runs so that checks with one interval do not all fire at once.
        var next = clock.now() + Seconds(milliseconds: Int64(Double(check.interval.milliseconds) * jitter * Double.random(in: 0...1)))
        while !Task.isCancelled {
            do { try await clock.sleep(until: next) } catch { return }
            next = next + check.interval + spread(check.interval)
            if clock.now() > next { next = clock.now() + check.interval }  // fell behind (suspend, clock step): do not burst
            await runOnce()
        }
    }

    /// A reload kept this check unchanged, but the site may have changed around it: the
    /// operating plan (Tây Trang 7.2.1.b) changes the schedule the LED probe judges "in hours"
    /// by, and the pipeline judges by. Before, a kept loop held the schedule of its start: a
    /// screen dark inside newly planned hours was "normal" (#18 review, session 5).
    func adopt(site: SiteProfile) { self.site = site }

    /// Runs the check once now — unless its previous run missed its deadline and has still not
    /// returned: then it is not started again (that would stack one stuck thread per interval)
    /// and the check reports UNKNOWN naming how long the old run has been stuck. The log says it
    /// once when the run sticks and once when it returns, not at every interval between.
    func runOnce() async {
        let now = clock.now()
        if let l = late {
            if !l.handle.hasReturned {
                let secs = (now - l.since).milliseconds / 1000
                let r = CheckResult(status: .unknown, text: Message("probe.skipped", ["check": .text(check.id), "stuck": .duration(now - l.since)]), startedAt: now)
                logger.debug("check skipped: previous run still stuck", [("stuck_s", String(secs))])
                await pipeline.handle(check: check, site: site, result: r)
                return
            }
            late = nil
            stuck.set(key, since: nil)
            logger.notice("stuck probe returned at last; check runs again")
        }
        let ctx = ProbeContext(clock: clock, deadline: probe.deadline(startingAt: now, timeout: check.timeout), scheduledOn: site.schedule.isOn(at: now),
                               inMaintenance: await pipeline.inMaintenance(site: site.id, check: check.id))
        let (result, handle) = await runProbeTracked(probe, context: ctx, label: key)
        if let handle, !handle.hasReturned {
            late = (handle, now)
            stuck.set(key, since: now)
            logger.warning("probe stuck past its deadline: not started again until it returns", [("timeout_ms", String(check.timeout.milliseconds))])
        }
        logger.debug("check ran", [("status", result.status.description), ("duration_ms", String(result.duration.milliseconds))])
        await pipeline.handle(check: check, site: site, result: result)
    }
}

/// Owns the check loops of the current configuration and swaps them on reload.
public actor CheckScheduler {
    let clock: any WatchpostClock
    let pipeline: any ResultPipeline
    let logger: Logger
    public let stuck: StuckProbes
    let devices: DeviceConnections
    private var loops: [String: (CheckDefinition, CheckLoop)] = [:]

    public init(clock: any WatchpostClock, pipeline: any ResultPipeline, logger: Logger, stuck: StuckProbes = StuckProbes(),
                devices: DeviceConnections = DeviceConnections()) {
        self.devices = devices
        self.clock = clock
        self.pipeline = pipeline
        self.logger = logger
        self.stuck = stuck
    }

    public var runningChecks: [String] { loops.keys.sorted() }

    /// The site a running check is judged with (tests).
    func site(ofCheck key: String) async -> SiteProfile? { await loops[key]?.1.site }

    /// Starts loops for new or changed checks and stops those that went away. Unchanged checks
    /// keep running, with the new site around them.
    public func apply(_ config: WatchpostConfiguration) async -> [WatchpostError] {
        var wanted: [String: (CheckDefinition, SiteProfile)] = [:]
        for site in config.sites { for c in site.checks where c.enabled { wanted["\(site.id)/\(c.id)"] = (c, site) } }
        var errors: [WatchpostError] = []
        for (key, (def, loop)) in loops where wanted[key]?.0 != def {
            await loop.stop()
            loops[key] = nil
            _ = def
        }
        for (key, (_, site)) in wanted {
            if let (_, kept) = loops[key] { await kept.adopt(site: site) }
        }
        for (key, (def, site)) in wanted.sorted(by: { $0.key < $1.key }) where loops[key] == nil {
            let log = logger.with("site", site.id).with("check", def.id)
            do {
                let probe = try ProbeCatalog.make(def, environment: ProbeEnvironment(configuration: config, site: site, logger: log, clock: clock, devices: devices))
                let loop = CheckLoop(check: def, site: site, probe: probe, clock: clock, pipeline: pipeline, logger: log, jitter: config.daemon.jitter, stuck: stuck)
                loops[key] = (def, loop)
                await loop.start()
            } catch {
                log.error("check not started", [("error", error.description)])
                errors.append(error)
            }
        }
        return errors
    }

    public func stopAll() async {
        await withTaskGroup(of: Void.self) { g in
            for (_, (_, loop)) in loops { g.addTask { await loop.stop() } }
        }
        loops.removeAll()
    }
}

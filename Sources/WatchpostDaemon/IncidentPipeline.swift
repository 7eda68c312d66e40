// The incident engine in the daemon: every result goes through the check state machine; a
// result that changes something runs the engine step and commits it (incidents, deadlines,
// timeline, notifications) in one transaction before anything leaves the box. A timer service
// fires escalation deadlines stored in the database, and responders run here, at most once per
// incident round (again when it reopens), with a timeout; their outcome goes to the timeline.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostProbes
import Synchronization

/// Owns the engine. Work is done strictly one step at a time, in submission order (results,
/// timer ticks, reloads), even though each step awaits the store.
public actor IncidentProcessor {
    let store: Store
    let clock: any WatchpostClock
    let logger: Logger
    var configuration: WatchpostConfiguration
    /// The daemon's device connections (a responder action talks to the controller the probe
    /// uses, over the same connection).
    let devices: DeviceConnections
    var engine: IncidentEngine
    var sampleInterval: Seconds
    /// The database revision the engine is in step with; nil until loaded.
    var revision: Int64?
    /// Commits back off through the one `Backoff` (1 s doubling to 60 s) once one fails (disk
    /// full, I/O error): no commit is tried before `notBefore`, whether a result or the timer asks
    /// (issue #19: a full disk saw seven tries a second while the log said "retry in 1 minute").
    private(set) var commitBackoff = Backoff(initial: .seconds(1), maximum: .seconds(60))
    /// The steps the engine took that could not be committed yet, in order, each as it was taken.
    /// The engine keeps them in memory and the next commit allowed writes them first, one
    /// transaction each (a storm's backlog in one transaction needed its whole size again in the
    /// WAL and never fitted: #19 review, s5), so a problem that starts and ends while the disk is
    /// full is still recorded once there is room again. Every timeline entry is kept; notices
    /// are coalesced (`hold`).
    private(set) var held: [EngineOutput] = []
    /// Everything held, as one output (tests, logs).
    var uncommitted: EngineOutput { held.reduce(into: EngineOutput()) { $0.append($1) } }
    /// Free bytes when the last commit failed: more than `StorageReserve.minimumRoom` beyond it
    /// means space came back, and the held steps are tried at once, not at the end of the back-off.
    private var freeAtFailure: Int64?
    /// Commits tried (tests count them).
    private(set) var commitAttempts = 0
    /// Results whose storing failed back off the same way, so a full disk costs one log line per
    /// step of the back-off rather than one per result.
    private var recordBackoff = Backoff(initial: .seconds(1), maximum: .seconds(60))
    var commitFailures: Int { commitBackoff.failures }
    private var tail: Task<Void, Never>?
    private var responderTasks: [Task<Void, Never>] = []

    /// `settings` overrides the engine's view of `configuration` (tests).
    public init(configuration: WatchpostConfiguration, settings: EngineSettings? = nil, store: Store, clock: any WatchpostClock, logger: Logger,
                devices: DeviceConnections = DeviceConnections()) {
        self.configuration = configuration
        self.devices = devices
        self.store = store
        self.clock = clock
        self.logger = logger
        self.engine = IncidentEngine(settings: settings ?? EngineSettings(configuration: configuration))
        self.sampleInterval = configuration.daemon.sampleInterval
    }

    /// Runs `body` after every step submitted before it has finished.
    func serially<T: Sendable>(_ body: @escaping @Sendable (isolated IncidentProcessor) async -> T) async -> T {
        let previous = tail
        let work = Task<T, Never> {
            await previous?.value
            return await body(self)
        }
        tail = Task { _ = await work.value }
        return await work.value
    }

    var longestReopenWindow: Seconds { engine.settings.sites.map(\.escalation.reopenWindow).max() ?? .hours(1) }

    /// Reloads incidents and maintenance windows when the database moved on without us.
    func synchronise() async {
        do {
            let rev = try await store.engineRevision()
            if rev == revision { return }
            if !uncommitted.isEmpty {
                // Another process changed incidents (an acknowledgement) while steps waited for the
                // disk: they were computed on the old state and cannot be written over the new one.
                let all = uncommitted
                logger.error("incident steps that could not be written are dropped: incidents changed elsewhere meanwhile",
                             [("timeline_entries", String(all.timeline.count)), ("notices", String(all.notifications.count))])
                held = []
            }
            if revision == nil {
                let n = try await store.failInterruptedResponders(at: clock.now())
                if n > 0 { logger.warning("responder runs interrupted by the last stop recorded as failed", [("count", String(n))]) }
            }
            let first = revision == nil
            let snap = try await store.loadEngineSnapshot(now: clock.now(), reopenWindow: longestReopenWindow)
            // Only the first load resumes the checks from their open incidents: later, `process`
            // has often just observed a result (this reload sits between its observe and apply).
            engine.load(incidents: snap.incidents, maintenance: snap.maintenance, nextID: snap.nextIncidentID, resumingChecks: first)
            if first {
                // Soft failures counted before a restart keep counting.
                for s in try await store.checkStates() {
                    engine.restoreSoftState(CheckKey(site: s.site, check: s.checkID), status: s.status, hard: s.hard, attempts: s.attempts)
                }
                // Deadlines missed while the daemon was down wait for a fresh failing result: a
                // problem that cleared meanwhile is resolved, never escalated (issue 14, point 8).
                let waiting = engine.requireFreshResults(now: clock.now())
                if !waiting.isEmpty {
                    logger.notice("overdue escalations wait for a fresh result of their checks", [("checks", waiting.map(\.description).joined(separator: ","))])
                }
            }
            revision = snap.revision
        } catch {
            logger.error("cannot load incidents", [("error", error.description)])
        }
    }

    /// Commits a step; on a concurrent change elsewhere, reloads and recomputes it with `redo`.
    /// While earlier steps wait (the disk is full), a new step queues behind them and they go
    /// together, in order, when the back-off next allows.
    func commit(_ first: EngineOutput, redo: (isolated IncidentProcessor) -> EngineOutput) async {
        guard held.isEmpty else {
            hold(first)
            await commitUncommitted()
            return
        }
        var out = first
        for attempt in 0..<3 {
            if out.isEmpty { return }
            guard commitBackoff.mayAttempt(at: clock.now()) else { hold(out); return }
            commitAttempts += 1
            do {
                if let rev = try await store.commitEngineStep(out, expectedRevision: revision) {
                    committed(out, revision: rev)
                    return
                }
                logger.info("incidents changed elsewhere; recomputing the step", [("attempt", String(attempt + 1))])
                await synchronise()
                out = redo(self)
            } catch {
                hold(out)
                await commitFailed(error)
                return
            }
        }
    }

    /// Holds a step that could not be written. Its timeline entries are all kept (the record);
    /// its notices are coalesced per incident and recipient: the first one held and the latest
    /// are kept, those in between dropped — they were never sent, and a storm on a full disk
    /// would otherwise queue thousands of stale "triggered"/"resolved" pairs (3 KB each) that
    /// neither fit on the disk nor help anyone once it has room (the issue: no fault floods mail).
    func hold(_ out: EngineOutput) {
        func pair(_ n: NotificationRequest) -> String? { n.incidentID.map { "\($0)/\(n.recipient.address.lowercased())" } }
        let arriving = Set(out.notifications.compactMap(pair))
        if !arriving.isEmpty {
            var firstSeen = Set<String>()
            for i in held.indices {
                held[i].notifications.removeAll { n in
                    guard let p = pair(n), arriving.contains(p) else { return false }
                    // The first held notice of the pair stays; a later one is superseded by this step's.
                    return !firstSeen.insert(p).inserted
                }
            }
        }
        held.append(out)
    }

    /// Writes the steps held back by a failing disk, in order, one transaction each, once the
    /// back-off allows; stops at the first that fails (the rest wait for the next try).
    func commitUncommitted() async {
        guard !held.isEmpty, commitBackoff.mayAttempt(at: clock.now()) else { return }
        var written = EngineOutput()
        while let step = held.first {
            commitAttempts += 1
            do {
                guard let rev = try await store.commitEngineStep(step, expectedRevision: revision, heldByDisk: true) else {
                    await synchronise()  // drops them, saying so
                    return
                }
                held.removeFirst()
                written.append(step)
                committed(step, revision: rev)
            } catch {
                if !written.isEmpty {
                    logger.notice("part of the incident steps held back is recorded", [("timeline_entries", String(written.timeline.count)),
                                                                                     ("still_held_steps", String(held.count))])
                }
                await commitFailed(error)
                return
            }
        }
        logger.notice("incident steps held while the database could not be written are recorded",
                      [("timeline_entries", String(written.timeline.count)), ("notices", String(written.notifications.count))])
    }

    func committed(_ out: EngineOutput, revision rev: Int64) {
        revision = rev
        logCommitted(out)
        commitBackoff.recordSuccess()
        startResponders(out.responders)
    }

    /// One log line per step of the back-off, not one per try.
    func commitFailed(_ error: WatchpostError) async {
        freeAtFailure = await store.freeBytes()
        let wait = commitBackoff.recordFailure(at: clock.now())
        logger.error("cannot commit incident step; kept in memory and retried", [("error", error.description), ("failures", String(commitBackoff.failures)),
                                                                                ("retry_in", wait.description),
                                                                                ("waiting_timeline_entries", String(held.reduce(0) { $0 + $1.timeline.count })),
                                                                                ("free_bytes", freeAtFailure.map(String.init) ?? "-")])
    }

    /// One notice line per thing that happened to an incident and per message queued, after
    /// it is committed, so `journalctl -u watchpost` tells the story without the database.
    func logCommitted(_ out: EngineOutput) {
        for e in out.timeline where e.incidentID != nil {
            logger.notice("incident \(e.kind)", [("incident", e.incidentID.map(String.init) ?? "-"), ("site", e.site), ("check", e.checkID ?? "-"),
                                                 ("by", e.actor), ("text", e.text)])
        }
        for n in out.notifications {
            logger.notice("message queued", [("event", n.event.rawValue), ("incident", n.incidentID.map(String.init) ?? "-"), ("site", n.site),
                                             ("level", n.level.map(String.init) ?? "-"), ("to", n.recipient.address)])
        }
    }

    // MARK: - Entry points

    public func handle(check: CheckDefinition, site: SiteProfile, result: CheckResult) async {
        await handle(key: CheckKey(site: site.id, check: check.id), kind: check.kind, result: result)
    }

    /// One result of check `key` (of kind `kind`): stored, then through the engine.
    public func handle(key: CheckKey, kind: String, result: CheckResult) async {
        await serially { p in await p.process(key: key, kind: kind, result: result) }
    }

    func process(key: CheckKey, kind: String, result: CheckResult) async {
        if revision == nil { await synchronise() }
        guard let i = engine.checkIndex(key) else {
            await record(key: key, kind: kind, result: result, hard: true, attempts: 0)
            return
        }
        let wasAwaiting = engine.awaitingFreshResult.contains(key)
        let observation = engine.observe(result, check: i)
        let t = engine.trackers[i]
        await record(key: key, kind: kind, result: result, hard: !(t.lastStatus.isProblem && !t.hardStatus.isProblem), attempts: t.failStreak)
        // A fresh failing result after a restart: the overdue escalation is due now.
        let confirmed = wasAwaiting && !engine.awaitingFreshResult.contains(key)
        guard let observation else {
            if confirmed { _ = await tickNow() }
            return
        }
        await synchronise()
        let out = engine.apply(observation, result: result, check: i)
        await commit(out) { p in p.engine.apply(observation, result: result, check: i) }
        if confirmed { _ = await tickNow() }
    }

    func record(key: CheckKey, kind: String, result: CheckResult, hard: Bool, attempts: Int) async {
        // While storing fails, results are not stored until the back-off allows (the check's
        // state is written again by its next result then).
        guard recordBackoff.mayAttempt(at: clock.now()) else { return }
        do {
            try await store.record(site: key.site, checkID: key.check, kind: kind, result: result, hard: hard, attempts: attempts, sampleInterval: sampleInterval)
            recordBackoff.recordSuccess()
        } catch {
            let wait = recordBackoff.recordFailure(at: clock.now())
            logger.with("site", key.site).with("check", key.check).error("cannot store result; results are not stored until the retry",
                                                                         [("error", error.description), ("retry_in", wait.description)])
        }
    }

    /// Fires due deadlines and maintenance ends; returns when it next has something to do.
    public func tick() async -> Instant? {
        await serially { p in await p.tickNow() }
    }

    func tickNow() async -> Instant? {
        await synchronise()
        // Space came back (a file removed): the steps held back go now rather than at the end of
        // a back-off of up to a minute.
        if !held.isEmpty, commitBackoff.failures > 0, let before = freeAtFailure, let free = await store.freeBytes(),
           free >= before + StorageReserve.minimumRoom {
            logger.notice("disk space is back: writing the incident steps held back", [("free_bytes", String(free))])
            commitBackoff.recordSuccess()
        }
        // A disk that had filled: the reserve is made again FIRST, as soon as there is room for
        // it, and only then are the steps held back written (one transaction each) into what is
        // left. Written first, they and the storm's notices took the room back and the reserve
        // was never made again: every commit then failed for good (#19 review s7).
        if await store.restoreReserveIfRoom() {
            logger.notice("disk space is back: the database's reserve is made again", [])
        }
        await commitUncommitted()
        let now = clock.now()
        let out = engine.tick(now: now)
        await commit(out) { p in p.engine.tick(now: now) }
        let next = engine.nextWakeup()
        guard !held.isEmpty, let hold = commitBackoff.notBefore else { return next }
        return next.map { min($0, hold) } ?? hold
    }

    public func reconfigure(_ c: WatchpostConfiguration) async {
        await serially { p in
            p.configuration = c
            p.sampleInterval = c.daemon.sampleInterval
            p.engine.reconfigure(EngineSettings(configuration: c))
        }
    }

    public var openIncidents: [Incident] { engine.openIncidents }

    /// Whether a maintenance window is open for a check (the probe is told, so that a change made
    /// during maintenance is accepted as the new state).
    /// Reads the database's revision first, so that a window another process has just opened
    /// (`watchpost respond led-restore` opens one before it acts) reaches the next probe at once
    /// rather than at the next timer poll.
    public func inMaintenance(_ key: CheckKey) async -> Bool {
        await synchronise()
        return engine.inMaintenance(key, at: clock.now())
    }

    /// Waits for responder actions started so far (tests).
    public func waitForResponders() async {
        let tasks = responderTasks
        responderTasks.removeAll()
        for t in tasks { await t.value }
    }

    // MARK: - Responders

    func startResponders(_ invocations: [ResponderInvocation]) {
        for inv in invocations {
            let log = logger.with("site", inv.key.site).with("incident", String(inv.incidentID))
            let action: any ResponderAction
            do { action = try makeAction(inv) } catch {
                responderTasks.append(Task { await self.finishResponder(inv, succeeded: false, outcome: "not run: \(error.description)", log: log) })
                continue
            }
            let clock = self.clock
            responderTasks.append(Task {
                let deadline = clock.now() + inv.timeout
                let outcome = await runResponder(action, deadline: deadline, clock: clock)
                await self.finishResponder(inv, succeeded: outcome.0, outcome: outcome.1, log: log)
            })
        }
    }

    func makeAction(_ inv: ResponderInvocation) throws(WatchpostError) -> any ResponderAction {
        guard let site = configuration.site(inv.key.site),
              let section = site.sections.first(where: { $0.type == "responder" && $0.name == inv.responder }) else {
            throw WatchpostError(.configuration, "responder \(inv.responder) is no longer configured at \(inv.key.site)")
        }
        return try ResponderCatalog.make(kind: section.string("action"), section: section,
                                         environment: ProbeEnvironment(configuration: configuration, site: site, logger: logger, clock: clock, devices: devices))
    }

    func finishResponder(_ inv: ResponderInvocation, succeeded: Bool, outcome: String, log: Logger) async {
        if succeeded { log.notice("responder succeeded", [("responder", inv.responder), ("outcome", outcome)]) }
        else { log.error("responder failed", [("responder", inv.responder), ("outcome", outcome)]) }
        do {
            try await store.recordResponderOutcome(incidentID: inv.incidentID, responder: inv.responder, round: inv.round, succeeded: succeeded, outcome: outcome, at: clock.now())
        } catch {
            log.error("cannot record responder outcome", [("error", error.description)])
        }
    }
}

/// Runs an action with a hard deadline; a throw or a timeout is a failure with its reason.
func runResponder(_ action: any ResponderAction, deadline: Instant, clock: any WatchpostClock) async -> (Bool, String) {
    let outcome = await withDeadline(deadline, clock: clock) { () -> (Bool, String) in
        do { return (true, try await action.perform(deadline: deadline, clock: clock)) } catch { return (false, String(describing: error)) }
    }
    return outcome.value ?? (false, "\(action.summary) did not finish by its deadline (\(deadline)); abandoned")
}

/// The daemon's result pipeline: results into the engine (and the store).
public struct IncidentPipeline: ResultPipeline {
    public let processor: IncidentProcessor

    public init(processor: IncidentProcessor) { self.processor = processor }

    public func handle(check: CheckDefinition, site: SiteProfile, result: CheckResult) async {
        await processor.handle(check: check, site: site, result: result)
    }

    public func configurationChanged(_ configuration: WatchpostConfiguration) async {
        await processor.reconfigure(configuration)
    }

    public func inMaintenance(site: String, check: String) async -> Bool {
        await processor.inMaintenance(CheckKey(site: site, check: check))
    }
}

extension ResultPipeline {
    /// Whether a maintenance window is open for the check (told to its probe through
    /// `ProbeContext.inMaintenance`). Pipelines without an incident engine know of none.
    public func inMaintenance(site: String, check: String) async -> Bool { false }
}

/// Builds the pipeline and the timer service around the one processor of the daemon, held in
/// the context's `incidentProcessor` slot (the runner passes the same slot to every context, so a
/// reload keeps the processor and its engine).
public enum IncidentWiring {
    public static func processor(_ ctx: DaemonContext) -> IncidentProcessor {
        ctx.incidentProcessor.get {
            IncidentProcessor(configuration: ctx.configuration, store: ctx.store, clock: ctx.clock, logger: ctx.logger.with("service", "incidents"),
                              devices: ctx.devices)
        }
    }

    public static let pipeline: PipelineFactory = { ctx in IncidentPipeline(processor: processor(ctx)) }
    public static let services: ServiceFactory = { ctx in [IncidentTimerService(processor: processor(ctx), clock: ctx.clock)] }
}


/// Where the daemon's incident processor is kept once made (see `IncidentWiring`).
public final class IncidentProcessorSlot: Sendable {
    private let slot = Mutex<IncidentProcessor?>(nil)
    public init() {}
    func get(make: () -> IncidentProcessor) -> IncidentProcessor {
        slot.withLock { p in
            if let p { return p }
            let made = make()
            p = made
            return made
        }
    }
}

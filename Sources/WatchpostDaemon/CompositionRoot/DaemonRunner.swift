// `watchpost run`: the daemon's life from start to stop. It asks the composition root for the
// configuration (falling back, loudly, to the last good one), opens the store, starts the
// service group (checks, heartbeat, every registered factory's services, watchdog), answers
// SIGHUP with a full reload, a changed operating plan with the running configuration and the new
// plan, and SIGTERM/SIGINT with a stop in reverse order within the configured deadline.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostProbes
import Posix

public struct DaemonRunner: Sendable {
    public var configRoot: String
    public var clock: any WatchpostClock
    public var logger: Logger
    public var pipelineFactory: PipelineFactory
    public var serviceFactories: [ServiceRegistration]

    public init(configRoot: String, clock: any WatchpostClock, logger: Logger, pipelineFactory: PipelineFactory? = nil, serviceFactories: [ServiceRegistration] = []) {
        self.configRoot = configRoot
        self.clock = clock
        self.logger = logger
        self.pipelineFactory = pipelineFactory ?? { ctx in
            StoreResultPipeline(store: ctx.store, sampleInterval: ctx.configuration.daemon.sampleInterval, logger: ctx.logger)
        }
        self.serviceFactories = serviceFactories
    }

    func logProblems(_ p: ConfigurationProblems, _ log: Logger) {
        for l in p.lines { log.error("configuration error", [("where", l.where), ("key", l.key), ("problem", l.problem)]) }
    }

    /// The last good copy for a start the configuration on disk cannot make; nil, after a line
    /// saying the fallback was tried and why it cannot serve (none kept yet, or kept but it does
    /// not load, with what is wrong with it). Before, the only line was "not starting: <the
    /// error on disk>" (#21 review s7).
    func lastGoodForStart(_ lastGood: LastGoodConfiguration) -> LoadedConfiguration? {
        guard lastGood.exists else {
            logger.error(Catalogue.bilingual(Message("daemon.last_good.none", ["dir": .text(lastGood.directory)])))
            return nil
        }
        switch lastGood.load(root: configRoot) {
        case .success(let l): return l
        case .failure(let problems):
            var named = problems.lines.prefix(3).map { "\($0.where): \($0.key): \($0.problem)" }
            if problems.lines.count > 3 { named.append("…") }
            logger.error(Catalogue.bilingual(Message("daemon.last_good.unusable", ["dir": .text(lastGood.directory), "problem": .text(named.joined(separator: "; "))])),
                         [("errors", String(problems.lines.count)), ("saved", lastGood.savedAt)])
            return nil
        }
    }

    /// Runs until SIGTERM or SIGINT (exit 0), or until a service that must not fail fails
    /// (exit 1). Returns 2 when there is no usable configuration.
    public func run() async -> Int32 {
        Signals.ignoreBrokenPipe()
        // Two malloc arenas: requests run on Swift's task threads (two here) and libmicrohttpd's;
        // an arena per thread only multiplies the memory kept after a burst (see MemoryTrimService).
        Allocator.limitArenas(2)
        let signals = Signals.stream([Signals.terminate, Signals.interrupt, Signals.hangup])
        let root = CompositionRoot(configRoot: configRoot, clock: clock, pipelineFactory: pipelineFactory, serviceFactories: serviceFactories)
        let lastGood = LastGoodConfiguration.forConfiguration(root: configRoot)

        var fromLastGood = false
        var loaded: LoadedConfiguration
        switch CompositionRoot.load(root: configRoot) {
        case .success(let l): loaded = l
        case .failure(let problems):
            logProblems(problems, logger)
            guard let l = lastGoodForStart(lastGood) else {
                logger.error("not starting: the configuration has \(problems.lines.count) error(s); run 'watchpost check --config \(configRoot)'")
                return 2
            }
            logger.error("STARTING FROM THE LAST GOOD CONFIGURATION: the one on disk is broken; fix it and reload (systemctl reload watchpost)",
                         [("errors", String(problems.lines.count)), ("last_good", lastGood.directory), ("saved", lastGood.savedAt)])
            loaded = l
            fromLastGood = true
        }
        // Every blocking C call of the process runs on this pool from here on.
        let pool = BlockingPool.configureProcessPool(threads: loaded.configuration.daemon.blockingThreads)
        if pool.threadCount != loaded.configuration.daemon.blockingThreads {
            logger.warning("blocking pool already running with another size", [("threads", String(pool.threadCount))])
        }
        let stuck = StuckProbes()

        // A configuration that loads can still be refused by what is built from it: a renewed TLS
        // certificate whose key was not replaced, an [smtp] username without its password, a
        // database that cannot open. Left there, the daemon exited and systemd's restarts looped
        // with nothing monitored (#21 review s7); the last good configuration starts instead,
        // loudly, exactly as when the one on disk does not parse.
        var started: Started
        do {
            started = try await prepare(loaded, root: root, lastGood: lastGood, stuck: stuck)
        } catch {
            let fix = error.hint.map { [("fix", $0)] } ?? []
            if fromLastGood {
                // The copy was what failed (the configuration on disk did not even load).
                logger.error(Catalogue.bilingual(Message("daemon.last_good.cannot_start", ["dir": .text(lastGood.directory), "error": .text(error.message)])), fix)
            }
            guard !fromLastGood, let l = lastGoodForStart(lastGood) else {
                logger.error("not starting: \(error.message)", fix)
                return 2
            }
            logger.error("the configuration on disk cannot start: \(error.message)", fix)
            do {
                started = try await prepare(l, root: root, lastGood: lastGood, stuck: stuck)
            } catch let again {
                logger.error(Catalogue.bilingual(Message("daemon.last_good.cannot_start", ["dir": .text(lastGood.directory), "error": .text(again.message)])),
                             again.hint.map { [("fix", $0)] } ?? [])
                return 2
            }
            logger.error("STARTING FROM THE LAST GOOD CONFIGURATION: the one on disk is broken; fix it and reload (systemctl reload watchpost)",
                         [("error", error.message), ("last_good", lastGood.directory), ("saved", lastGood.savedAt)])
            fromLastGood = true
        }
        loaded = started.loaded
        let log = started.log
        let store = started.store
        let config = loaded.configuration
        let unplanned = started.unplanned
        let ctx = started.context
        let pipeline = started.pipeline
        var configured = started.services
        let followingThePlan = started.followingThePlan
        let planRevision = started.planRevision
        started.services = []
        do { try await store.beginRun(pid: CurrentProcess.id) } catch { log.error("cannot record start", [("error", error.description)]) }
        let group = ServiceGroup(clock: clock, logger: log)
        let scheduler = CheckScheduler(clock: clock, pipeline: pipeline, logger: log, stuck: stuck, devices: ctx.devices)
        let errors = await scheduler.apply(config)
        // The checks are what the box is for: if their service ends, the daemon stops and systemd restarts it.
        await group.start(CheckSchedulerService(scheduler: scheduler), policy: .stopDaemon)
        await group.start(configured)
        let configuredNames = Set(configured.map(\.name))
        // The group holds them now. This frame lives as long as the daemon: kept here, the first
        // configuration's services (its store, SMTP and web threads) outlived every reload.
        configured = []
        await group.start(OperatingPlanWatchService(store: store, group: group, clock: clock, seen: planRevision, logger: log.with("service", "plan")))
        await group.start(MemoryTrimService(clock: clock, logger: log.with("service", "memory-trim")))
        await group.start(LogRelayService(store: store, clock: clock, logger: log))
        let notifier = SystemdNotifier()
        let checkCount = config.allChecks.filter(\.enabled).count
        log.notice("watchpost started", [("sites", config.sites.map(\.id).joined(separator: ",")), ("checks", String(checkCount)),
                                         ("failed", String(errors.count)), ("database", config.daemon.database),
                                         ("services", await group.serviceNames.joined(separator: ","))]
                   + (fromLastGood ? [("configuration", "last-good")] : []))
        if !fromLastGood { saveLastGood(lastGood, loaded, log) }
        try? notifier.notify("READY=1\nSTATUS=" + (fromLastGood ? "RUNNING ON THE LAST GOOD CONFIGURATION (the one on disk is broken); " : "")
                             + "monitoring \(checkCount) checks")
        // The watchdog is fed only once systemd has been told the daemon is ready: a ping before
        // READY=1 says "alive" about a daemon still starting (under load two pings came first).
        if let wd = SystemdNotifier.watchdogInterval(), notifier.isActive {
            await group.start(WatchdogService(notifier: notifier, interval: Seconds(milliseconds: wd.components.seconds * 1000 + wd.components.attoseconds / 1_000_000_000_000_000), store: store, group: group, clock: clock, logger: log.with("service", "watchdog")))
        }

        let state = ReloadState(loaded: loaded, unplanned: unplanned, configuredNames: configuredNames, planNames: followingThePlan,
                                previousLinkKeys: ctx.previousLinkKeys)
        let runner = self
        let outcome = await group.run(signals: signals, action: { sig in
            sig == Signals.hangup ? .reload : .stop
        }, shutdownDeadline: config.daemon.stopTimeout, onReload: {
            try? notifier.notify("RELOADING=1")
            await runner.reload(state: state, root: root, lastGood: lastGood, store: store, group: group, scheduler: scheduler, pipeline: pipeline, lasting: ctx, log: log)
            try? notifier.notify("READY=1\nSTATUS=monitoring \(await state.current.configuration.allChecks.filter(\.enabled).count) checks")
        }, onPlanChange: {
            await runner.applyPlan(state: state, root: root, store: store, group: group, scheduler: scheduler, pipeline: pipeline, lasting: ctx, log: log)
        }, onStop: { sig in
            log.notice("stopping", [("signal", sig == Signals.terminate ? "SIGTERM" : sig == Signals.interrupt ? "SIGINT" : "none")])
            try? notifier.notify("STOPPING=1")
        })
        // Plugins and responders lead process groups of their own, which a terminal's SIGTERM or
        // Ctrl-C does not reach: one still running is killed with its children, not left behind.
        let killed = Subprocess.killRunningGroups()
        if killed > 0 { log.notice("running plugins killed with their process groups", [("groups", String(killed))]) }
        do { try await store.endRun() } catch { log.error("cannot record stop", [("error", error.description)]) }
        switch outcome {
        case .stopped:
            log.notice("watchpost stopped")
            return 0
        case .failed(let service, let reason):
            log.error("watchpost stopped: a service failed", [("service", service), ("reason", reason)])
            return 1
        }
    }

    func saveLastGood(_ lastGood: LastGoodConfiguration, _ loaded: LoadedConfiguration, _ log: Logger) {
        do { try lastGood.save(loaded, root: configRoot, at: clock.now()) } catch {
            log.warning("cannot keep a copy of the last good configuration", [("folder", lastGood.directory), ("error", error.description)])
        }
    }

    /// What a configuration was built into before any of it runs.
    struct Started {
        /// With the operating plan laid over it.
        var loaded: LoadedConfiguration
        var unplanned: WatchpostConfiguration
        var log: Logger
        var store: Store
        var planRevision: String
        var context: DaemonContext
        var pipeline: any ResultPipeline
        var services: [any Service]
        var followingThePlan: Set<String>
    }

    /// Opens the store and builds the pipeline and every configured service from `loaded`,
    /// without starting any. What it made is released when it throws (a web listener it bound
    /// closes with it), so that another configuration can be tried.
    func prepare(_ loaded: LoadedConfiguration, root: CompositionRoot, lastGood: LastGoodConfiguration, stuck: StuckProbes) async throws(WatchpostError) -> Started {
        var configuredLog = logger
        configuredLog.minimumLevel = loaded.configuration.daemon.logLevel
        let log = configuredLog
        let store = try Store(path: loaded.configuration.daemon.database, clock: clock)
        // The operating plan (registers) lays the unit's own days over the profile's schedule.
        let planRevision = await OperatingPlanWatchService.revision(store, log)
        var planned = loaded
        planned.configuration = await OperatingPlanWatchService.applyPlan(to: loaded.configuration, store: store, log: log)
        // What outlives a reload, passed to every context from here.
        let ctx = DaemonContext(configuration: planned.configuration, secrets: loaded.secrets, store: store, clock: clock, logger: log,
                                stuckProbes: stuck, previousLinkKeys: lastGood.previousLinkKeys(), devices: DeviceConnections(),
                                incidentProcessor: IncidentProcessorSlot(), kept: KeptParts())
        let pipeline = try pipelineFactory(ctx)
        let built = try root.configuredServices(ctx)
        return Started(loaded: planned, unplanned: loaded.configuration, log: log, store: store, planRevision: planRevision, context: ctx,
                       pipeline: pipeline, services: built.services, followingThePlan: built.followingThePlan)
    }

    /// SIGHUP: validates the whole configuration and the secrets; if they load, the checks and
    /// the engine take the new configuration and every configured service (mail, IMAP, web,
    /// reports, heartbeat…) is rebuilt from it; the web server keeps its listener and its
    /// connections while `[web]` is unchanged (the application behind it is swapped). What cannot
    /// change without a restart is named in the log. An invalid configuration is refused and the
    /// running one kept.
    func reload(state: ReloadState, root: CompositionRoot, lastGood: LastGoodConfiguration, store: Store, group: ServiceGroup,
                scheduler: CheckScheduler, pipeline: any ResultPipeline, lasting: DaemonContext, log: Logger) async {
        log.notice("reloading configuration")
        var fresh: LoadedConfiguration
        let unplanned: WatchpostConfiguration
        switch CompositionRoot.load(root: configRoot) {
        case .success(let l):
            fresh = l
            unplanned = l.configuration
            fresh.configuration = await OperatingPlanWatchService.applyPlan(to: l.configuration, store: store, log: log)
        case .failure(let problems):
            logProblems(problems, log)
            log.error("reload refused: keeping the running configuration", [("errors", String(problems.lines.count))])
            return
        }
        let running = await state.current
        // A cut-short watchpost.conf that lost [smtp], [imap], [web] or [mail] is refused (#19).
        do { try ConfigurationLoader.refuseLostSections(running: running.configuration, fresh: fresh.configuration) } catch {
            logProblems(ConfigurationProblems(lines: error.diagnostics.map { ("\($0.file):\($0.line)", $0.key, $0.message) }), log)
            log.error("reload refused: keeping the running configuration", [("errors", String(error.diagnostics.count))])
            return
        }
        let needRestart = CompositionRoot.restartNeeded(running: running.configuration, new: fresh.configuration)
        // A changed link key: the old one stays accepted for the links already sent.
        var previousKeys = await state.previousLinkKeys
        if let old = running.secrets.reveal(.linkKey), old != fresh.secrets.reveal(.linkKey), !previousKeys.contains(old) {
            previousKeys = Array(([old] + previousKeys).prefix(3))
            do { try lastGood.savePreviousLinkKeys(previousKeys) } catch {
                log.warning("cannot keep the replaced link key on disk: links sent with it work until a restart", [("error", error.description)])
            }
            log.notice("link key changed: links already sent stay valid", [("previous_keys", String(previousKeys.count))])
        }
        guard let services = await swapServices(to: fresh, unplanned: unplanned, previousKeys: previousKeys, state: state, root: root,
                                                group: group, scheduler: scheduler, pipeline: pipeline, lasting: lasting, log: log, planOnly: false) else { return }
        saveLastGood(lastGood, fresh, log)
        log.notice("configuration reloaded", [("checks", String(fresh.configuration.allChecks.count)), ("failed", String(services.failedChecks)),
                                              ("services", services.names.joined(separator: ","))])
        if !needRestart.isEmpty {
            log.warning("these settings take effect only after a restart (systemctl restart watchpost)", [("keys", needRestart.joined(separator: ","))])
        }
    }

    /// The operating plan changed in the database (`watchpost plan`, the web form): the running
    /// configuration, as read from disk at the last start or reload, with the new plan laid over
    /// it goes to the checks (their loops kept), the engine and the services that follow the plan
    /// (the web, the broadcast log); mail, IMAP, reports and the rest go on untouched. The
    /// configuration folder and the secrets are not read again: an edit in progress there waits
    /// for its reload.
    func applyPlan(state: ReloadState, root: CompositionRoot, store: Store, group: ServiceGroup,
                   scheduler: CheckScheduler, pipeline: any ResultPipeline, lasting: DaemonContext, log: Logger) async {
        let running = await state.current
        let unplanned = await state.unplanned
        var fresh = running
        fresh.configuration = await OperatingPlanWatchService.applyPlan(to: unplanned, store: store, log: log)
        guard let services = await swapServices(to: fresh, unplanned: unplanned, previousKeys: await state.previousLinkKeys, state: state, root: root,
                                                group: group, scheduler: scheduler, pipeline: pipeline, lasting: lasting, log: log, planOnly: true) else { return }
        log.notice("operating plan applied", [("checks", String(fresh.configuration.allChecks.count)), ("failed", String(services.failedChecks)),
                                              ("services", services.names.joined(separator: ","))])
    }

    /// Builds every configured service from `fresh` first (with `planOnly`, only those that
    /// follow the operating plan; a factory that fails leaves the running services as they are:
    /// nil), then lets the services that take over from their predecessor do so (the web
    /// server), stops the old ones they replace in reverse order within the stop deadline, gives
    /// the checks and the engine the new configuration and starts the new services.
    func swapServices(to fresh: LoadedConfiguration, unplanned: WatchpostConfiguration, previousKeys: [String], state: ReloadState,
                      root: CompositionRoot, group: ServiceGroup, scheduler: CheckScheduler, pipeline: any ResultPipeline,
                      lasting: DaemonContext, log: Logger, planOnly: Bool) async -> (names: [String], failedChecks: Int)? {
        let running = await state.current
        var freshLog = logger
        freshLog.minimumLevel = fresh.configuration.daemon.logLevel
        var ctx = lasting
        ctx.configuration = fresh.configuration
        ctx.secrets = fresh.secrets
        ctx.logger = freshLog
        ctx.previousLinkKeys = previousKeys
        let built: ConfiguredServices
        do {
            built = try root.configuredServices(ctx, only: planOnly ? .followsThePlan : nil)
        } catch {
            log.error("reload refused: \(error.message); the running configuration's services go on", error.hint.map { [("fix", $0)] } ?? [])
            return nil
        }
        let services = built.services
        for case let s as any TakeoverService in services { s.takeOver() }
        // The old services stop before the new ones start: the outbox must not send with the old
        // SMTP settings beside the new one, and a moved web listener frees its address first.
        let replaced = planOnly ? await state.planNames : await state.configuredNames
        await group.remove(named: replaced, deadline: running.configuration.daemon.stopTimeout)
        let errs = await scheduler.apply(fresh.configuration)
        await pipeline.configurationChanged(fresh.configuration)
        await group.start(services)
        let names = Set(services.map(\.name))
        await state.set(fresh, unplanned: unplanned, names: planOnly ? (await state.configuredNames).subtracting(replaced).union(names) : names,
                        planNames: built.followingThePlan, previousLinkKeys: previousKeys)
        return (services.map(\.name), errs.count)
    }
}

/// The configuration the daemon runs with now and the names of the services built from it.
actor ReloadState {
    private(set) var current: LoadedConfiguration
    /// The configuration as read from disk, before the operating plan was laid over it.
    private(set) var unplanned: WatchpostConfiguration
    private(set) var configuredNames: Set<String>
    /// The configured services that follow the operating plan (rebuilt at a plan change).
    private(set) var planNames: Set<String>
    private(set) var previousLinkKeys: [String]
    init(loaded: LoadedConfiguration, unplanned: WatchpostConfiguration, configuredNames: Set<String>, planNames: Set<String>, previousLinkKeys: [String]) {
        current = loaded
        self.unplanned = unplanned
        self.configuredNames = configuredNames
        self.planNames = planNames
        self.previousLinkKeys = previousLinkKeys
    }
    func set(_ loaded: LoadedConfiguration, unplanned: WatchpostConfiguration, names: Set<String>, planNames: Set<String>, previousLinkKeys: [String]) {
        current = loaded
        self.unplanned = unplanned
        configuredNames = names
        self.planNames = planNames
        self.previousLinkKeys = previousLinkKeys
    }
}

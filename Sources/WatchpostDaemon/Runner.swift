import WatchpostCore
import WatchpostConfig
import WatchpostStore
import Posix

/// A long-running part of the daemon (service-lifecycle style): runs until cancelled.
public protocol DaemonService: Sendable {
    var name: String { get }
    func run() async throws
}

/// Records that the monitor is alive, so reports can tell "no data" from "down", and prunes
/// history past its retention once an hour.
public struct HeartbeatService: DaemonService {
    public let name = "heartbeat"
    let store: Store
    let clock: any WatchpostClock
    let interval: Seconds
    let retention: Seconds
    let logger: Logger

    public func run() async throws {
        var lastPrune = Instant(milliseconds: 0)
        while !Task.isCancelled {
            try await clock.sleep(for: interval)
            do {
                try await store.heartbeat()
                if clock.now() - lastPrune >= .hours(1) {
                    lastPrune = clock.now()
                    let n = try await store.pruneHistory(before: clock.now() - retention)
                    if n > 0 { logger.info("pruned history", [("rows", String(n))]) }
                }
            } catch {
                logger.error("heartbeat failed", [("error", error.description)])
            }
        }
    }
}

/// Pings systemd's watchdog at half its interval (WATCHDOG_USEC) while the store answers.
public struct WatchdogService: DaemonService {
    public let name = "watchdog"
    let notifier: SystemdNotifier
    let interval: Seconds
    let store: Store
    let logger: Logger

    public func run() async throws {
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(max(500, interval.milliseconds / 2)))
            // A wedged store thread means a wedged daemon: let systemd restart it.
            _ = await store.schemaVersion
            do { try notifier.notify("WATCHDOG=1") } catch { logger.warning("watchdog ping failed", [("error", error.description)]) }
        }
    }
}

/// Extra services other modules add to the daemon (incident timers, outbox worker, web server…).
/// Each is built from the loaded configuration and the open store.
public struct DaemonContext: Sendable {
    public var configuration: WatchpostConfiguration
    public var secrets: Secrets
    public var store: Store
    public var clock: any WatchpostClock
    public var logger: Logger
}

public typealias ServiceFactory = @Sendable (DaemonContext) throws(WatchpostError) -> [any DaemonService]
public typealias PipelineFactory = @Sendable (DaemonContext) throws(WatchpostError) -> any ResultPipeline

/// `watchpost run`: the whole daemon.
public struct DaemonRunner {
    public var configRoot: String
    public var clock: any WatchpostClock
    public var logger: Logger
    public var pipelineFactory: PipelineFactory
    public var serviceFactories: [ServiceFactory]

    public init(configRoot: String, clock: any WatchpostClock, logger: Logger, pipelineFactory: PipelineFactory? = nil, serviceFactories: [ServiceFactory] = []) {
        self.configRoot = configRoot
        self.clock = clock
        self.logger = logger
        self.pipelineFactory = pipelineFactory ?? { ctx in
            StoreResultPipeline(store: ctx.store, sampleInterval: ctx.configuration.daemon.sampleInterval, logger: ctx.logger)
        }
        self.serviceFactories = serviceFactories
    }

    /// Runs until SIGTERM or SIGINT. Returns the process exit code.
    public func run() async -> Int32 {
        Signals.ignoreBrokenPipe()
        let signals = Signals.stream([Signals.terminate, Signals.interrupt, Signals.hangup])
        var config: WatchpostConfiguration
        do {
            config = try ConfigurationLoader.load(root: configRoot)
        } catch {
            for d in error.diagnostics { logger.error("configuration error", [("where", "\(d.file):\(d.line)"), ("key", d.key), ("problem", d.message)]) }
            logger.error("not starting: the configuration has \(error.diagnostics.count) error(s); run 'watchpost check --config \(configRoot)'")
            return 2
        }
        var configuredLog = logger
        configuredLog.minimumLevel = config.daemon.logLevel
        let log = configuredLog
        let secrets: Secrets
        do { secrets = try Secrets.load(file: config.daemon.secretsFile) } catch {
            log.error("not starting: \(error.message)", error.hint.map { [("fix", $0)] } ?? [])
            return 2
        }
        let store: Store
        do { store = try Store(path: config.daemon.database, clock: clock) } catch {
            log.error("not starting: \(error.message)", error.hint.map { [("fix", $0)] } ?? [])
            return 2
        }
        do { try await store.beginRun(pid: CurrentProcess.id) } catch { log.error("cannot record start", [("error", error.description)]) }

        let ctx = DaemonContext(configuration: config, secrets: secrets, store: store, clock: clock, logger: log)
        let pipeline: any ResultPipeline
        var services: [any DaemonService] = [HeartbeatService(store: store, clock: clock, interval: config.daemon.heartbeatInterval,
                                                              retention: config.daemon.historyRetention, logger: log.with("service", "heartbeat"))]
        do {
            pipeline = try pipelineFactory(ctx)
            for f in serviceFactories { services += try f(ctx) }
        } catch {
            log.error("not starting: \(error.message)", error.hint.map { [("fix", $0)] } ?? [])
            return 2
        }
        let notifier = SystemdNotifier()
        if let wd = SystemdNotifier.watchdogInterval(), notifier.isActive {
            services.append(WatchdogService(notifier: notifier, interval: wd, store: store, logger: log))
        }

        let scheduler = CheckScheduler(clock: clock, pipeline: pipeline, logger: log)
        let errors = await scheduler.apply(config)
        let serviceTasks = services.map { s in
            Task {
                do { try await s.run() } catch is CancellationError {} catch {
                    log.error("service stopped", [("service", s.name), ("error", String(describing: error))])
                }
            }
        }
        let checkCount = config.allChecks.filter(\.enabled).count
        log.notice("watchpost started", [("sites", config.sites.map(\.id).joined(separator: ",")), ("checks", String(checkCount)),
                                         ("failed", String(errors.count)), ("database", config.daemon.database)])
        try? notifier.notify("READY=1\nSTATUS=monitoring \(checkCount) checks")

        for await sig in signals {
            if sig == Signals.hangup {
                try? notifier.notify("RELOADING=1")
                log.notice("reloading configuration")
                do {
                    let fresh = try ConfigurationLoader.load(root: configRoot)
                    config = fresh
                    let errs = await scheduler.apply(fresh)
                    await pipeline.configurationChanged(fresh)
                    log.notice("configuration reloaded", [("checks", String(fresh.allChecks.count)), ("failed", String(errs.count))])
                } catch {
                    for d in error.diagnostics { log.error("configuration error", [("where", "\(d.file):\(d.line)"), ("key", d.key), ("problem", d.message)]) }
                    log.error("reload refused: keeping the running configuration", [("errors", String(error.diagnostics.count))])
                }
                try? notifier.notify("READY=1")
                continue
            }
            log.notice("stopping", [("signal", sig == Signals.terminate ? "SIGTERM" : "SIGINT")])
            break
        }
        try? notifier.notify("STOPPING=1")
        // Stop within the 2 s systemd and the issue allow: cancel everything, wait at most 1.5 s.
        serviceTasks.forEach { $0.cancel() }
        let stopped = Task { await scheduler.stopAll() }
        let deadline = monotonicNanoseconds() + 1_500_000_000
        while monotonicNanoseconds() < deadline {
            if await (scheduler.runningChecks.isEmpty) { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        stopped.cancel()
        do { try await store.endRun() } catch { log.error("cannot record stop", [("error", error.description)]) }
        log.notice("watchpost stopped")
        return 0
    }
}

// The composition root: the one place that turns a configuration folder into a running daemon.
// It loads and validates the configuration and the secrets, opens the store, and builds every
// service from them, handing each the values it needs (clock, logger, store, settings). Other
// modules add their services as `ServiceFactory`s, registered in one list by the program
// (`Sources/watchpost/Wiring.swift`); nothing here knows a protocol or a C library.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostProbes

/// What every service factory gets: the loaded configuration and secrets, the open store and
/// the process's clock and logger, and the parts that outlive a reload (the runner creates them
/// once and puts the same ones in every context).
public struct DaemonContext: Sendable {
    public var configuration: WatchpostConfiguration
    public var secrets: Secrets
    public var store: Store
    public var clock: any WatchpostClock
    public var logger: Logger
    /// Checks whose probe is stuck past its deadline (the scheduler writes, /metrics reads).
    public var stuckProbes: StuckProbes
    /// Link keys of earlier configurations, still accepted for links already sent (newest first).
    public var previousLinkKeys: [String]
    /// Device connections shared by the probes and the responder actions.
    public var devices: DeviceConnections
    /// The incident processor shared by the result pipeline and the timer service.
    public var incidentProcessor: IncidentProcessorSlot
    /// Parts kept across reloads while their settings are unchanged (the web server's listener).
    public var kept: KeptParts

    public init(configuration: WatchpostConfiguration, secrets: Secrets, store: Store, clock: any WatchpostClock, logger: Logger,
                stuckProbes: StuckProbes = StuckProbes(), previousLinkKeys: [String] = [],
                devices: DeviceConnections = DeviceConnections(), incidentProcessor: IncidentProcessorSlot = IncidentProcessorSlot(),
                kept: KeptParts = KeptParts()) {
        self.kept = kept
        self.devices = devices
        self.incidentProcessor = incidentProcessor
        self.configuration = configuration
        self.secrets = secrets
        self.store = store
        self.clock = clock
        self.logger = logger
        self.stuckProbes = stuckProbes
        self.previousLinkKeys = previousLinkKeys
    }
}

/// Builds the services of one part of the daemon from a context. Called at start-up and again
/// on every reload with the new configuration; the previous services are stopped after every
/// factory succeeded (a failing one leaves them running), so a factory must not take a resource
/// the running services hold (a `TakeoverService` adopts it instead).
public typealias ServiceFactory = @Sendable (DaemonContext) throws(WatchpostError) -> [any Service]
public typealias PipelineFactory = @Sendable (DaemonContext) throws(WatchpostError) -> any ResultPipeline

/// Whether a factory's services judge by the operating plan the daemon lays over the
/// configuration (the sites' schedules with the unit's planned days, Tây Trang 7.2.1.b). A plan
/// change (`watchpost plan`, the web form) rebuilds only the services that follow it; the others
/// (mail, IMAP replies, reports — which read the plan from the store for each report —, timers,
/// heartbeat) go on untouched. A reload rebuilds all of them.
public enum PlanUse: Sendable, Hashable {
    case followsThePlan
    case independentOfThePlan
}

/// One entry of the program's registration list: a factory and whether its services follow the plan.
public struct ServiceRegistration: Sendable {
    public var planUse: PlanUse
    public var make: ServiceFactory
    public init(_ planUse: PlanUse, _ make: @escaping ServiceFactory) {
        self.planUse = planUse
        self.make = make
    }
}

/// The services built from one configuration, and the names of those that follow the plan.
public struct ConfiguredServices: Sendable {
    public var services: [any Service]
    public var followingThePlan: Set<String>
}

/// A configuration and its secrets, both validated.
public struct LoadedConfiguration: Sendable {
    public var configuration: WatchpostConfiguration
    public var secrets: Secrets
}

/// Why a configuration could not be used, each problem as the operator should read it.
public struct ConfigurationProblems: Error, Sendable {
    public var lines: [(where: String, key: String, problem: String)]
}

public struct CompositionRoot: Sendable {
    public var configRoot: String
    public var clock: any WatchpostClock
    public var pipelineFactory: PipelineFactory
    public var serviceFactories: [ServiceRegistration]

    public init(configRoot: String, clock: any WatchpostClock, pipelineFactory: @escaping PipelineFactory, serviceFactories: [ServiceRegistration]) {
        self.configRoot = configRoot
        self.clock = clock
        self.pipelineFactory = pipelineFactory
        self.serviceFactories = serviceFactories
    }

    /// Reads and validates the whole configuration and the secrets (mode 0600) from `source`
    /// (the configuration folder, or a last-good copy of it).
    public static func load(root: String, source: String? = nil) -> Result<LoadedConfiguration, ConfigurationProblems> {
        let config: WatchpostConfiguration
        do {
            config = try ConfigurationLoader.load(root: root, source: source)
        } catch {
            return .failure(ConfigurationProblems(lines: error.diagnostics.map { ("\($0.file):\($0.line)", $0.key, $0.message) }))
        }
        do {
            let secrets = try Secrets.load(file: config.daemon.secretsFile)
            return .success(LoadedConfiguration(configuration: config, secrets: secrets))
        } catch {
            return .failure(ConfigurationProblems(lines: [(config.daemon.secretsFile ?? "secrets", "secrets", error.message + (error.hint.map { " (\($0))" } ?? ""))]))
        }
    }

    /// The services that follow the configuration: the heartbeat and every registered factory's.
    /// Rebuilt on reload; with `only: .followsThePlan` (an operating-plan change), just those
    /// that judge by the plan.
    public func configuredServices(_ ctx: DaemonContext, only: PlanUse? = nil) throws(WatchpostError) -> ConfiguredServices {
        var built = ConfiguredServices(services: [], followingThePlan: [])
        if only != .followsThePlan {
            built.services.append(HeartbeatService(store: ctx.store, clock: ctx.clock, interval: ctx.configuration.daemon.heartbeatInterval,
                                                   retention: ctx.configuration.daemon.historyRetention, logger: ctx.logger.with("service", "heartbeat")))
        }
        for r in serviceFactories where only == nil || only == r.planUse {
            let made = try r.make(ctx)
            built.services += made
            if r.planUse == .followsThePlan { built.followingThePlan.formUnion(made.map(\.name)) }
        }
        return built
    }

    /// Settings that are read once at start and need a restart to change, named for the log.
    public static func restartNeeded(running: WatchpostConfiguration, new: WatchpostConfiguration) -> [String] {
        var keys: [String] = []
        if running.daemon.database != new.daemon.database { keys.append("daemon.database") }
        if running.daemon.blockingThreads != new.daemon.blockingThreads { keys.append("daemon.blocking_threads") }
        return keys
    }
}

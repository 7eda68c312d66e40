// WatchpostProbes owns the catalogue of probe kinds: it turns a configured check into the probe
// that runs it, and holds the generic `exec` probe (Nagios plugin contract). Device families
// live in their own modules (WatchpostLED, WatchpostPower, WatchpostNetwork, WatchpostContent).
import WatchpostCore
import WatchpostConfig
import WatchpostPower
import WatchpostNetwork
import WatchpostNetworkHTTP
import WatchpostLED
import WatchpostContent
import WatchpostPlayer

/// Connections to devices that outlive one probe run and one reload (a controller accepts one
/// client at a time): created once by the composition root (or a command) and passed on.
public final class DeviceConnections: Sendable {
    public let novaStar = NovaStarConnections()
    public init() {}
}

/// What a probe may need besides its own check section.
public struct ProbeEnvironment: Sendable {
    public var configuration: WatchpostConfiguration
    public var site: SiteProfile
    public var logger: Logger
    public var clock: any WatchpostClock
    public var devices: DeviceConnections

    public init(configuration: WatchpostConfiguration, site: SiteProfile, logger: Logger, clock: any WatchpostClock, devices: DeviceConnections) {
        self.configuration = configuration
        self.site = site
        self.logger = logger
        self.clock = clock
        self.devices = devices
    }
}

public enum ProbeCatalog {
    /// Builds the probe for a check. Throws when the check's kind has no driver in this binary.
    /// Each probe module adds its kind here (one `case` each).
    public static func make(_ check: CheckDefinition, environment: ProbeEnvironment) throws(WatchpostError) -> any Probe {
        switch check.kind {
        case "exec":
            return ExecProbe(check: check, root: environment.configuration.root)
        case "ups-hid", "ups-q1", "ups-nut":
            return try PowerProbes.make(check)
        case "icmp", "tcp", "http":
            if let probe = NetworkProbes.make(check, root: environment.configuration.root) { return probe }
            throw WatchpostError(.configuration, "check \(check.site)/\(check.id): no network probe for kind '\(check.kind)'")
        case "novastar":
            return try NovaStarProbe(check: check, clock: environment.clock, connections: environment.devices.novaStar)
        case "content":
            return ContentProbe(settings: ContentCheckSettings(check: check, root: environment.configuration.root,
                                                               databasePath: environment.configuration.daemon.database))
        case "storage":
            return StorageProbe(check: check, database: environment.configuration.daemon.database)
        case "player":
            return PlayerProbe(settings: try PlayerCheckSettings(check: check, site: environment.site, root: environment.configuration.root,
                                                                 databasePath: environment.configuration.daemon.database))
        case "content-freshness":
            return try ContentFreshnessProbe(check: check, site: environment.site, root: environment.configuration.root,
                                             databasePath: environment.configuration.daemon.database)
        default:
            throw WatchpostError(.configuration, "check \(check.site)/\(check.id): no probe for kind '\(check.kind)'",
                                 hint: "known kinds: \(CheckKinds.all.map(\.kind).joined(separator: ", "))")
        }
    }
}

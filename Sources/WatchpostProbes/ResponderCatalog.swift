import WatchpostCore
import WatchpostConfig
import WatchpostLED
import Posix

/// Builds responder actions from their configuration. Each action kind is listed here; the LED
/// module adds screen actions, this file holds the generic `command` action.
public enum ResponderCatalog {
    /// `kind` is the action name from the responder's configuration; `section` holds its keys.
    public static func make(kind: String, section: ConfigSection, environment: ProbeEnvironment) throws(WatchpostError) -> any ResponderAction {
        switch kind {
        case "command":
            let cmd = section.string("command")
            let path = cmd.hasPrefix("/") ? cmd : "\(environment.configuration.root)/\(cmd)"
            return CommandResponder(path: path, arguments: section.string("arguments").split(separator: " ").map(String.init),
                                    environment: ChildEnvironment.minimal(for: section))
        case "led-blackout", "led-restore", "led-brightness":
            return try ledAction(kind: kind, section: section, environment: environment)
        default:
            throw WatchpostError(.configuration, "\(section.file):\(section.line): unknown responder action '\(kind)'")
        }
    }
}

/// Runs a command (for example a graceful shutdown script). Exit 0 is success; anything else,
/// a timeout included, is a failure carrying the command's output.
public struct CommandResponder: ResponderAction {
    public let path: String
    public let arguments: [String]
    /// The command's whole environment (see `ChildEnvironment`).
    public let environment: [String]
    public var summary: String { "run \(([path] + arguments).joined(separator: " "))" }

    public init(path: String, arguments: [String], environment: [String] = ChildEnvironment.minimal(for: nil)) {
        self.path = path
        self.arguments = arguments
        self.environment = environment
    }

    public func perform(deadline: Instant, clock: any WatchpostClock) async throws -> String {
        let limit = deadline - clock.now()
        let (path, arguments, environment) = (self.path, self.arguments, self.environment)
        let outcome = try await runBlocking { try Subprocess.run(path, arguments: arguments, timeout: limit.duration, environment: environment) }
        let text = outcome.output.trimmingWhitespace()
        if outcome.timedOut { throw WatchpostError(.timeout, "\(path) did not finish within \(limit); killed", hint: text.isEmpty ? nil : text) }
        guard outcome.exitCode == 0 else {
            throw WatchpostError(.io, "\(path) failed (exit \(outcome.exitCode.map(String.init) ?? "signal \(outcome.signal ?? 0)"))", hint: text.isEmpty ? nil : text)
        }
        return text.isEmpty ? "\(path) succeeded" : "\(path): \(text)"
    }
}

extension ResponderCatalog {
    /// LED screen actions. The section names the site's `novastar` check (`check = led-controller`)
    /// whose controller and card layout the action uses, or carries the same keys itself
    /// (host/port or serial/baud, cards_per_port). `led-brightness` needs `brightness` (percent).
    static func ledAction(kind: String, section: ConfigSection, environment: ProbeEnvironment) throws(WatchpostError) -> any ResponderAction {
        let settings: NovaStarSettings
        if let id = section.value("check") {
            guard let check = environment.site.check(id) ?? environment.configuration.check(id), check.kind == "novastar" else {
                throw WatchpostError(.configuration, "\(section.file):\(section.lineOf("check")): \(kind) names check '\(id)', which is not a novastar check")
            }
            settings = try NovaStarSettings(section: check.parameters)
        } else {
            settings = try NovaStarSettings(section: section)
        }
        let action: LEDActionKind
        switch kind {
        case "led-blackout": action = .blackout
        case "led-restore": action = .restore
        default:
            guard let p = section.value("brightness").flatMap({ Double($0.trimmingWhitespace()) }), (0...100).contains(p) else {
                throw WatchpostError(.configuration, "\(section.file):\(section.lineOf("brightness")): led-brightness needs brightness = 0…100 (percent)")
            }
            action = .brightness(percent: p)
        }
        let connections = environment.devices.novaStar
        let client = connections.client(for: settings.endpoint, clock: environment.clock, requestTimeout: settings.requestTimeout)
        return LEDScreenAction(settings: settings, kind: action, client: client, ledger: connections.ledger)
    }
}

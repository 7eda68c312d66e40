// The seam every long-lived part of the daemon plugs into (swift-service-lifecycle style):
// a named `run()` that works until its task is cancelled, then returns. The `ServiceGroup`
// starts, supervises and stops them; the composition root builds them from the configuration.
import WatchpostCore
import Synchronization

/// A long-running part of the daemon: `run()` works until its task is cancelled, then finishes
/// what it has in hand (the web server answers requests in flight, the outbox finishes the send
/// it started) and returns. Returning or throwing while the daemon is not stopping is a failure
/// the group answers with a restart after a backoff, or by stopping the daemon.
public protocol Service: Sendable {
    var name: String { get }
    func run() async throws
}

/// The name the services of other modules were written against; the same protocol.
public typealias DaemonService = Service

/// A service that names the settings it runs with (logged when the group starts it, so the
/// journal shows e.g. which SMTP server the outbox uses after a reload).
public protocol DescribedService: Service {
    var details: [(String, String)] { get }
}

/// A service that takes over from the running service of the same name at a reload instead of
/// being started fresh after it (the web server keeps its listening socket and its connections
/// while `[web]` is unchanged: only the application behind it is swapped). The reload calls
/// `takeOver()` once every new service was built, before the old ones are stopped; the old one,
/// cancelled then, sees that it was taken over and leaves the shared part running.
public protocol TakeoverService: Service {
    func takeOver()
}

/// Parts a module keeps from one configuration to the next (the web server's listener while
/// `[web]` is unchanged), by name. The runner makes one for the daemon's life.
public final class KeptParts: Sendable {
    private let parts = Mutex<[String: any Sendable]>([:])
    public init() {}
    public func value<T: Sendable>(_ name: String, as type: T.Type) -> T? { parts.withLock { $0[name] as? T } }
    public func set(_ name: String, _ value: (any Sendable)?) { parts.withLock { $0[name] = value } }
}

/// A service made of a name and a body (adapts long-running loops of modules below the daemon).
public struct NamedService: DescribedService {
    public let name: String
    public let details: [(String, String)]
    let body: @Sendable () async throws -> Void
    public init(name: String, details: [(String, String)] = [], body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.details = details
        self.body = body
    }
    public func run() async throws { try await body() }
}

/// What the group does when a service ends while the daemon is not stopping.
public enum ServiceFailurePolicy: Sendable, Hashable {
    /// Start it again after `initial`, doubling each consecutive failure up to `maximum`.
    case restart(initial: Seconds, maximum: Seconds)
    /// Stop the whole daemon (exit status 1): systemd's `Restart=` brings it back.
    case stopDaemon

    public static let standardRestart = ServiceFailurePolicy.restart(initial: .seconds(1), maximum: .seconds(60))
}

/// Suspends until the current task is cancelled (a service's "run until stopped").
public func waitUntilCancelled() async {
    let parked = Mutex<CheckedContinuation<Void, Never>?>(nil)
    await withTaskCancellationHandler {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            // The flag is set before the handler runs: checked under the lock, no wake-up is lost.
            let now = parked.withLock { p -> Bool in
                if Task.isCancelled { return true }
                p = c
                return false
            }
            if now { c.resume() }
        }
    } onCancel: {
        parked.withLock { p in p?.resume(); p = nil }
    }
}

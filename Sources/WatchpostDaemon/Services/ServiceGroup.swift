// The service group: starts the daemon's services in order, turns signals into events,
// supervises each service (restart with backoff, or stop the daemon), reports whether all are
// healthy (the watchdog feeds systemd only then), swaps services on reload, and stops them in
// reverse order, awaiting each within one overall deadline.
import WatchpostCore
import Synchronization

public actor ServiceGroup {
    /// Why `run` returned.
    public enum Outcome: Sendable, Equatable {
        /// SIGTERM/SIGINT (the signal number), or `stop()` (nil).
        case stopped(signal: Int32?)
        /// A service with the `.stopDaemon` policy ended; the daemon should exit non-zero.
        case failed(service: String, reason: String)
    }

    /// What the group does with a signal.
    public enum SignalAction: Sendable {
        case stop
        case reload
        case ignore
    }

    enum Event: Sendable {
        case signal(Int32)
        case fatal(service: String, reason: String)
        case stopRequested
        /// A reload asked for from inside, handled like SIGHUP.
        case reloadRequested
        /// The operating plan changed in the database: the running configuration with the new
        /// plan laid over it goes to the checks and services (the configuration folder is not read).
        case planChanged
    }

    private struct Member {
        let id: UInt64
        let service: any Service
        let policy: ServiceFailurePolicy
        let task: Task<Void, Never>
    }

    /// Health of one service: failures make it unhealthy until it has run `settle` since its restart.
    private struct Health {
        var lastFailure: Instant?
        var runningSince: Instant?
        var reason: String?
    }

    let clock: any WatchpostClock
    let logger: Logger
    /// A restarted service counts as healthy again once it has run this long.
    let settle: Seconds
    private var members: [Member] = []
    private var health: [UInt64: Health] = [:]
    private var nextID: UInt64 = 0
    private var stopping = false
    private let events: AsyncStream<Event>
    private let sink: AsyncStream<Event>.Continuation

    public init(clock: any WatchpostClock, logger: Logger, settle: Seconds = .seconds(10)) {
        self.clock = clock
        self.logger = logger
        self.settle = settle
        (events, sink) = AsyncStream.makeStream(of: Event.self)
    }

    /// Names of the services in start order.
    public var serviceNames: [String] { members.map(\.service.name) }

    /// Starts services (after those already started); they stop in the reverse order.
    public func start(_ services: [any Service], policy: ServiceFailurePolicy = .standardRestart) {
        for s in services { start(s, policy: policy) }
    }

    public func start(_ service: any Service, policy: ServiceFailurePolicy = .standardRestart) {
        guard !stopping else { return }
        nextID += 1
        let id = nextID
        health[id] = Health(runningSince: clock.now())
        logger.info("service started", [("service", service.name)] + ((service as? any DescribedService)?.details ?? []))
        let task = Task { await self.supervise(id: id, service: service, policy: policy) }
        members.append(Member(id: id, service: service, policy: policy, task: task))
    }

    /// True when no service is down or restarting (the watchdog feeds systemd only then).
    public var isHealthy: Bool { unhealthyServices.isEmpty }

    /// Services that failed and have not yet run `settle` since their restart, with the reason.
    public var unhealthyServices: [(name: String, reason: String)] {
        let now = clock.now()
        return members.compactMap { m in
            guard let h = health[m.id], let failed = h.lastFailure else { return nil }
            if let since = h.runningSince, since > failed, now - since >= settle { return nil }
            return (m.service.name, h.reason ?? "failed")
        }
    }

    /// Runs until a stop signal, `stop()`, or the fatal end of a `.stopDaemon` service; hands
    /// each reload signal to `onReload` (services may be swapped meanwhile). Then stops every
    /// service in reverse start order within `shutdownDeadline` and returns why it stopped.
    public func run<Signals: AsyncSequence & Sendable>(signals: Signals, action: @escaping @Sendable (Int32) -> SignalAction,
                                                       shutdownDeadline: Seconds,
                                                       onReload: @escaping @Sendable () async -> Void,
                                                       onPlanChange: (@Sendable () async -> Void)? = nil,
                                                       onStop: @escaping @Sendable (Int32?) -> Void = { _ in }) async -> Outcome
        where Signals.Element == Int32 {
        let sink = self.sink
        let forwarder = Task {
            do { for try await s in signals { sink.yield(.signal(s)) } } catch {}
        }
        defer { forwarder.cancel() }
        var outcome = Outcome.stopped(signal: nil)
        loop: for await event in events {
            switch event {
            case .signal(let s):
                switch action(s) {
                case .reload: await onReload()
                case .stop: outcome = .stopped(signal: s); break loop
                case .ignore: continue
                }
            case .fatal(let name, let reason):
                outcome = .failed(service: name, reason: reason)
                break loop
            case .stopRequested:
                break loop
            case .reloadRequested:
                await onReload()
            case .planChanged:
                await (onPlanChange ?? onReload)()
            }
        }
        if case .stopped(let s) = outcome { onStop(s) } else { onStop(nil) }
        await shutdown(deadline: clock.now() + shutdownDeadline)
        return outcome
    }

    /// Asks `run` to stop the group.
    public nonisolated func stop() { sink.yield(.stopRequested) }

    /// Asks `run` to reload as on SIGHUP (e.g. the operating plan changed in the database).
    public nonisolated func requestReload() { sink.yield(.reloadRequested) }

    /// Asks `run` to apply a changed operating plan (its `onPlanChange`).
    public nonisolated func requestPlanUpdate() { sink.yield(.planChanged) }

    /// Stops and removes the services with these names (reverse start order, each awaited within
    /// the deadline). Used by reload before starting the rebuilt ones.
    public func remove(named names: Set<String>, deadline: Seconds) async {
        let leaving = members.filter { names.contains($0.service.name) }
        members.removeAll { names.contains($0.service.name) }
        await stopMembers(leaving.reversed(), deadline: clock.now() + deadline)
        for m in leaving { health[m.id] = nil }
    }

    private func shutdown(deadline: Instant) async {
        stopping = true
        let all = members
        members.removeAll()
        await stopMembers(all.reversed(), deadline: deadline)
        sink.finish()
    }

    /// Cancels each member and awaits it, one after another; what has not returned by the
    /// deadline is named in the log and left behind (the process is about to exit).
    private func stopMembers(_ leaving: [Member], deadline: Instant) async {
        for m in leaving {
            m.task.cancel()
            let task = m.task
            let outcome = await withDeadline(deadline, clock: clock) { await task.value }
            if case .timedOut = outcome {
                logger.warning("service did not stop within the shutdown deadline", [("service", m.service.name)])
            } else {
                logger.debug("service stopped", [("service", m.service.name)])
            }
        }
    }

    private func failed(id: UInt64, reason: String) {
        health[id, default: Health()].lastFailure = clock.now()
        health[id, default: Health()].reason = reason
        health[id, default: Health()].runningSince = nil
    }

    private func restarted(id: UInt64) {
        health[id, default: Health()].runningSince = clock.now()
    }

    private func isStopping(_ id: UInt64) -> Bool { stopping || !members.contains { $0.id == id } }

    /// The supervisor of one service: runs it, and on an unexpected end restarts it after a
    /// growing backoff (reset once it has run for a minute) or stops the daemon.
    private func supervise(id: UInt64, service: any Service, policy: ServiceFailurePolicy) async {
        let log = logger.with("service", service.name)
        var backoff: Seconds = .zero
        while true {
            let started = clock.now()
            var reason: String
            do {
                try await service.run()
                reason = "returned while the daemon was running"
            } catch is CancellationError {
                reason = "cancelled"
            } catch {
                reason = String(describing: error)
            }
            if Task.isCancelled || isStopping(id) { return }
            failed(id: id, reason: reason)
            switch policy {
            case .stopDaemon:
                log.error("service ended: stopping the daemon", [("reason", reason)])
                sink.yield(.fatal(service: service.name, reason: reason))
                return
            case .restart(let initial, let maximum):
                if clock.now() - started >= .minutes(1) || backoff == .zero { backoff = initial } else {
                    backoff = Seconds(milliseconds: min(maximum.milliseconds, backoff.milliseconds * 2))
                }
                log.error("service ended: restarting", [("reason", reason), ("in_ms", String(backoff.milliseconds))])
                do { try await clock.sleep(for: backoff) } catch { return }
                if Task.isCancelled || isStopping(id) { return }
                restarted(id: id)
                log.notice("service restarted")
            }
        }
    }
}

// The service group with a manual clock: start order, reverse awaited shutdown, restart with
// backoff and health, a fatal service stopping the daemon, and the shutdown deadline.
import Testing
import WatchpostTestSupport
import Synchronization
import WatchpostCore
@testable import WatchpostDaemon

final class EventLog: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ s: String) { lines.withLock { $0.append(s) } }
    var all: [String] { lines.withLock { $0 } }
}

/// Waits (polling, loud deadline in real time) until `condition` holds: the shared `waitUntil`.
func until(_ what: String, seconds: Double = 10, _ condition: () async -> Bool) async throws {
    try await waitUntil(what, within: seconds, pollMilliseconds: 5) { await condition() }
}

struct RecordingService: Service {
    let name: String
    let log: EventLog
    func run() async throws {
        log.add("start \(name)")
        await waitUntilCancelled()
        // Finishing work in hand after the stop request: the group awaits this.
        await Task.yield()
        log.add("stop \(name)")
    }
}

struct FlakyService: Service {
    let name = "flaky"
    let failures: Counter
    let log: EventLog
    init(failures: Int, log: EventLog) { self.failures = Counter(failures); self.log = log }
    func run() async throws {
        let fail = failures.value.withLock { n -> Bool in n -= 1; return n >= 0 }
        log.add("run")
        if fail { throw WatchpostError(.io, "broken on purpose") }
        await waitUntilCancelled()
    }
}

final class Counter: Sendable {
    let value: Mutex<Int>
    init(_ v: Int) { value = Mutex(v) }
}

struct StubbornService: Service {
    let name = "stubborn"
    let log: EventLog
    func run() async throws {
        log.add("start stubborn")
        // Ignores cancellation, like a call stuck in C.
        while true { try? await Task.sleep(for: .milliseconds(5)) }
    }
}

let quietLogger = Logger(sink: CollectingSink(), clock: ManualClock(now: Instant(milliseconds: 0)))

final class CollectingSink: LogSink, Sendable {
    private let lines = Mutex<[String]>([])
    func write(line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

@Suite("Service group")
struct ServiceGroupTests {
    @Test func startsInOrderStopsInReverseAndAwaitsEach() async throws {
        let clock = ManualClock(now: Instant(milliseconds: 1_000_000))
        let log = EventLog()
        let group = ServiceGroup(clock: clock, logger: quietLogger)
        await group.start([RecordingService(name: "a", log: log), RecordingService(name: "b", log: log), RecordingService(name: "c", log: log)])
        let (signals, send) = AsyncStream.makeStream(of: Int32.self)
        let run = Task { await group.run(signals: signals, action: { $0 == 15 ? .stop : .ignore }, shutdownDeadline: .seconds(5), onReload: {}) }
        try await until("all started") { log.all.count == 3 }
        send.yield(15)
        let outcome = await run.value
        expectEqual(outcome, .stopped(signal: 15))
        expectEqual(log.all.filter { $0.hasPrefix("stop") }, ["stop c", "stop b", "stop a"])
    }

    @Test func reloadSignalCallsTheHandlerAndKeepsRunning() async throws {
        let clock = ManualClock(now: Instant(milliseconds: 0))
        let group = ServiceGroup(clock: clock, logger: quietLogger)
        let reloads = Mutex(0)
        let (signals, send) = AsyncStream.makeStream(of: Int32.self)
        let run = Task { await group.run(signals: signals, action: { $0 == 1 ? .reload : .stop }, shutdownDeadline: .seconds(1),
                                         onReload: { reloads.withLock { $0 += 1 } }) }
        send.yield(1)
        send.yield(1)
        try await until("two reloads") { reloads.withLock { $0 } == 2 }
        send.yield(2)
        await expectEqual(run.value, .stopped(signal: 2))
    }

    @Test func failingServiceRestartsWithGrowingBackoffAndIsUnhealthyMeanwhile() async throws {
        let clock = ManualClock(now: Instant(milliseconds: 0))
        let log = EventLog()
        let group = ServiceGroup(clock: clock, logger: quietLogger, settle: .seconds(10))
        await group.start(FlakyService(failures: 2, log: log), policy: .restart(initial: .seconds(1), maximum: .seconds(60)))
        try await until("first failure, parked in backoff") { clock.sleeperCount == 1 }
        await expectEqual(group.isHealthy, false)
        await expectEqual(group.unhealthyServices.first?.reason.contains("broken on purpose"), true)
        clock.advance(by: .seconds(1))
        try await until("second run, second backoff") { log.all.count == 2 && clock.sleeperCount == 1 }
        // The second backoff is two seconds: one is not enough. ManualClock resumes due sleepers
        // inside advance(), so the backoff still parked right after it is the proof (no sleep).
        clock.advance(by: .seconds(1))
        expectEqual(clock.sleeperCount, 1, "the 2 s backoff ended after 1 s")
        expectEqual(log.all.count, 2)
        clock.advance(by: .seconds(1))
        try await until("third run") { log.all.count == 3 }
        await expectEqual(group.isHealthy, false, "just restarted: not yet settled")
        clock.advance(by: .seconds(10))
        #expect(await group.isHealthy)
        group.stop()
        _ = await group.run(signals: AsyncStream<Int32> { _ in }, action: { _ in .stop }, shutdownDeadline: .seconds(1), onReload: {})
    }

    @Test func stopDaemonPolicyEndsTheRunWithTheReason() async throws {
        let clock = ManualClock(now: Instant(milliseconds: 0))
        let log = EventLog()
        let group = ServiceGroup(clock: clock, logger: quietLogger)
        await group.start(RecordingService(name: "web", log: log))
        await group.start(FlakyService(failures: 1, log: log), policy: .stopDaemon)
        let outcome = await group.run(signals: AsyncStream<Int32> { _ in }, action: { _ in .stop }, shutdownDeadline: .seconds(1), onReload: {})
        if case .failed(let service, let reason) = outcome {
            expectEqual(service, "flaky")
            #expect(reason.contains("broken on purpose"), "\(reason)")
        } else {
            Issue.record("expected a failure, got \(outcome)")
        }
        #expect(log.all.contains("stop web"), "the other services were stopped and awaited")
    }

    @Test func shutdownDeadlineLeavesAServiceThatDoesNotStop() async throws {
        let clock = ManualClock(now: Instant(milliseconds: 0))
        let log = EventLog()
        let sink = CollectingSink()
        let group = ServiceGroup(clock: clock, logger: Logger(sink: sink, clock: clock))
        await group.start(RecordingService(name: "a", log: log))
        await group.start(StubbornService(log: log))
        try await until("both started") { log.all.count == 2 }
        group.stop()
        let run = Task { await group.run(signals: AsyncStream<Int32> { _ in }, action: { _ in .stop }, shutdownDeadline: .seconds(3), onReload: {}) }
        try await until("shutdown waiting on the deadline") { clock.sleeperCount >= 1 }
        clock.advance(by: .seconds(3))
        await expectEqual(run.value, .stopped(signal: nil))
        // Past the deadline the rest are still cancelled (not awaited).
        try await until("a cancelled too") { log.all.contains("stop a") }
        #expect(sink.all.contains { $0.contains("did not stop within the shutdown deadline") && $0.contains("service=stubborn") })
    }
}

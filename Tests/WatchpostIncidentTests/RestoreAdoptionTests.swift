// A restoring action run from another process is adopted by the daemon's probe (never checked
// before, review of issue #14 point 7): the content responder had blacked the screen out; a
// person runs `led-restore` from the command line (ManualResponse, via "cli") against the NovaStar
// simulator on loopback. The daemon's LED probe (its own command ledger, which knows nothing of
// that write) is told of the maintenance window the action opened — the incident processor
// reads it from the database — and accepts the lit screen as its new baseline: no
// `unexpected-change`, then or after the window. A probe not told of the window reports the
// change, so the window is what keeps it quiet.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostDaemon
import WatchpostLED
import WatchpostSimulators
import Posix
import WatchpostHost
import WatchpostProbes

@Suite("Restore adopted by the probe", .serialized, .timeLimit(.minutes(1)))
struct RestoreAdoptionTests {
    @Test func commandLineRestoreIsAdoptedNotReportedAsUncommanded() async throws {
        let controller = NovaStarDevice(cardsPerPort: [4, 4])
        controller.update { s in for p in s.ports.indices { for c in s.ports[p].indices { s.ports[p][c].kill = 0xFF } } }
        let simulator = NovaStarServer(device: controller)
        let port = try await simulator.startTCP(host: "127.0.0.1", port: 0)
        defer { simulator.stop() }
        let root = try makeTemporaryFolder("wp-restore")
        defer { removeTree(root) }
        try await copyShippedConfiguration(into: root, ledPort: port)
        let config = try ConfigurationLoader.load(root: root)
        let check = try #require(config.check("tay-trang/led-controller"))
        let key = CheckKey(site: "tay-trang", check: check.id)
        let clock = SystemClock()
        let logger = Logger(sink: MemoryLogSink(), clock: clock)
        let store = try Store(path: "\(root)/watchpost.db", clock: clock)
        // The daemon's side: the incident processor (maintenance windows from the database).
        let processor = IncidentProcessor(configuration: config, settings: EngineSettings(configuration: config), store: store, clock: clock, logger: logger)

        let settings = try NovaStarSettings(section: check.parameters, followsSchedule: check.followsSchedule)
        // The daemon's device connections (its composition root makes them once); the command
        // below makes its own, as another process would.
        let daemonDevices = DeviceConnections()
        func daemonProbe() -> NovaStarProbe {
            NovaStarProbe(settings: settings, client: daemonDevices.novaStar.client(for: settings.endpoint, clock: clock, requestTimeout: settings.requestTimeout),
                          ledger: NovaStarCommandLedger())
        }
        func context(_ inMaintenance: Bool) -> ProbeContext {
            ProbeContext(clock: clock, deadline: clock.now() + .seconds(10), scheduledOn: true, inMaintenance: inMaintenance)
        }
        func codes(_ r: CheckResult) -> [String] { r.findings.filter(\.status.isProblem).map(\.code) }
        let told = daemonProbe(), untold = daemonProbe()
        // Both probes see the blacked-out screen first (their baseline).
        let dark = await told.run(context(false))
        _ = await untold.run(context(false))
        #expect(codes(dark).contains("screen-dark"), "\(dark.summary)")
        await expectEqual(processor.inMaintenance(key), false)

        // The operating unit restores from the command line (another process than the daemon's probe).
        let outcome = try await ManualResponse(configuration: config, store: store, clock: clock, logger: logger)
            .run("led-restore", check: "tay-trang/led-controller", by: "Lò Thị Mai", via: "cli", note: "đã xử lý tệp lạ")
        #expect(outcome.succeeded, "\(outcome.detail)")
        #expect(controller.snapshot().ports.allSatisfy { $0.allSatisfy { $0.kill == 0 } }, "the screen is lit again")

        // The daemon reads the window the action opened and tells its probe.
        let inWindow = await processor.inMaintenance(key)
        #expect(inWindow, "the restore's maintenance window does not reach the daemon")
        let adopted = await told.run(context(inWindow))
        #expect(!codes(adopted).contains("unexpected-change"), "\(adopted.summary)")
        #expect(!codes(adopted).contains("screen-dark"), "\(adopted.summary)")
        // Control: a probe not told of the window reports the change as un-commanded.
        let reported = await untold.run(context(false))
        #expect(codes(reported).contains("unexpected-change"), "the control probe saw no change: \(reported.summary)")

        // After the window (stopped here), the lit screen is the baseline: still nothing reported.
        let service = IncidentService(store: store)
        let windows = try await service.maintenanceWindows().filter { $0.window.checks == [check.id] && $0.stoppedAt == nil }
        let window = try #require(windows.first)
        _ = try await service.stopMaintenance(id: window.id, by: "test", at: clock.now())
        await expectEqual(processor.inMaintenance(key), false)
        let after = await told.run(context(false))
        #expect(!codes(after).contains("unexpected-change") && !codes(after).contains("screen-dark"), "\(after.summary)")
        // On the record: who ran it, how, why.
        let timeline = try await service.timeline(limit: 50)
        #expect(timeline.contains { $0.event.kind == "responded" && $0.event.actor == "Lò Thị Mai" }, "\(timeline.map(\.event.kind))")
    }
}

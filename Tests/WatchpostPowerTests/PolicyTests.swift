import Testing
import WatchpostTestSupport
import WatchpostCore
@testable import WatchpostPower

func reading(_ status: String, charge: Double? = nil, runtime: Double? = nil, load: Double? = nil) -> UPSReading {
    var r = UPSReading(variables: ["ups.status": status])
    r.set("battery.charge", charge, decimals: 0)
    r.set("battery.runtime", runtime, decimals: 0)
    r.set("ups.load", load, decimals: 0)
    return r
}

@Suite("UPS events and policy")
struct PolicyTests {
    let t0 = Instant(seconds: 1_780_000_000)

    @Test func onBatteryIsDebounced() {
        var m = UPSMonitor(policy: UPSPolicy())
        var e = m.evaluate(.success(reading("OL CHRG", charge: 100)), at: t0)
        #expect(e.findings.isEmpty && e.events.isEmpty)
        e = m.evaluate(.success(reading("OB DISCHRG", charge: 99, runtime: 1800)), at: t0 + .seconds(1))
        expectEqual(e.findings.map(\.code), ["onbatt-pending"])
        expectEqual(e.findings.first?.status, .ok)
        #expect(e.events.isEmpty)
        // Mains back within 5 s: nothing to report, no ONLINE either.
        e = m.evaluate(.success(reading("OL CHRG", charge: 99)), at: t0 + .seconds(3))
        #expect(e.findings.isEmpty && e.events.isEmpty)
        // A real outage.
        _ = m.evaluate(.success(reading("OB DISCHRG", charge: 98)), at: t0 + .seconds(10))
        e = m.evaluate(.success(reading("OB DISCHRG", charge: 97)), at: t0 + .seconds(14))
        #expect(e.events.isEmpty)
        e = m.evaluate(.success(reading("OB DISCHRG", charge: 96)), at: t0 + .seconds(15))
        expectEqual(e.events, [.onBattery])
        expectEqual(e.findings.map(\.code), ["onbatt"])
        expectEqual(e.findings.first?.status, .warning)
        expectEqual(e.onBatterySeconds, 5)
        e = m.evaluate(.success(reading("OB DISCHRG", charge: 95)), at: t0 + .seconds(20))
        #expect(e.events.isEmpty) // announced once
        e = m.evaluate(.success(reading("OL CHRG", charge: 95)), at: t0 + .seconds(25))
        expectEqual(e.events, [.online])
        #expect(e.findings.isEmpty)
    }

    @Test func lowBatteryFromUPSOrThresholds() {
        var policy = UPSPolicy()
        policy.onBatteryDelay = .zero
        policy.chargeLow = 20
        policy.runtimeLow = .minutes(3)
        var m = UPSMonitor(policy: policy)
        var e = m.evaluate(.success(reading("OB DISCHRG", charge: 40, runtime: 900)), at: t0)
        expectEqual(e.findings.map(\.code), ["onbatt", "lowcharge"])
        e = m.evaluate(.success(reading("OB DISCHRG", charge: 30, runtime: 170)), at: t0 + .seconds(60))
        expectEqual(e.findings.map(\.code), ["onbatt", "lowbatt"])
        expectEqual(e.events, [.lowBattery])
        expectEqual(e.findings.last?.status, .critical)
        e = m.evaluate(.success(reading("OB DISCHRG LB", charge: 30, runtime: 170)), at: t0 + .seconds(65))
        #expect(e.events.isEmpty) // LOWBATT once
        // Mains back, battery still low: a warning, not the shutdown trigger.
        e = m.evaluate(.success(reading("OL CHRG LB", charge: 31)), at: t0 + .seconds(70))
        expectEqual(e.findings.map(\.code), ["lowbatt-online"])
        expectEqual(e.events, [.online])
        // Charge 15 % on mains: thresholds apply on battery only.
        e = m.evaluate(.success(reading("OL CHRG", charge: 15)), at: t0 + .seconds(75))
        #expect(e.findings.isEmpty)
    }

    @Test func unreachableIsItsOwnStateNotOnBattery() {
        var m = UPSMonitor(policy: UPSPolicy())
        _ = m.evaluate(.success(reading("OL")), at: t0)
        var e = m.evaluate(.failure(WatchpostError(.device, "USB read: noDevice", hint: "replug")), at: t0 + .seconds(5))
        expectEqual(e.findings.map(\.code), ["commbad"])
        expectEqual(e.findings.first?.status, .critical)
        expectEqual(e.events, [.commBad])
        e = m.evaluate(.failure(WatchpostError(.device, "USB find: notFound")), at: t0 + .seconds(10))
        #expect(e.events.isEmpty)
        e = m.evaluate(.success(reading("OL")), at: t0 + .seconds(15))
        expectEqual(e.events, [.commOK])
        #expect(e.findings.isEmpty)
    }

    @Test func replaceBatteryOverloadAndFSD() {
        var m = UPSMonitor(policy: UPSPolicy())
        var e = m.evaluate(.success(reading("OL RB OVER", load: 112)), at: t0)
        expectEqual(Set(e.findings.map(\.code)), ["replbatt", "overload"])
        expectEqual(Set(e.events), [.replaceBattery, .overload])
        e = m.evaluate(.success(reading("OL FSD")), at: t0 + .seconds(5))
        expectEqual(e.findings.map(\.code), ["lowbatt"])
        expectEqual(e.events, [.forcedShutdown])
    }

    @Test func probeResultCarriesNUTFactsAndStatus() async {
        final class Scripted: UPSDriver, @unchecked Sendable {
            // @unchecked: test-only, used by one test task at a time (the probe's actor serialises calls).
            var replies: [Result<UPSReading, WatchpostError>]
            init(_ r: [Result<UPSReading, WatchpostError>]) { replies = r }
            let driverName = "scripted"
            func initialize() async throws -> UPSReading { try replies.removeFirst().get() }
            func update(full: Bool) async throws -> UPSReading { try replies.removeFirst().get() }
            func shutdown() async {}
        }
        let clock = ManualClock(now: t0)
        let probe = UPSProbe(driver: Scripted([.success(reading("OL CHRG", charge: 100, runtime: 3000)),
                                               .failure(WatchpostError(.device, "gone")),
                                               .success(reading("OB DISCHRG", charge: 80))]),
                             policy: UPSPolicy())
        var r = await probe.run(ProbeContext(clock: clock, deadline: t0 + .seconds(10)))
        expectEqual(r.status, .ok)
        expectEqual(r.facts["ups.status"], "OL CHRG")
        expectEqual(r.facts["battery.charge"], "100")
        expectEqual(r.measurement("battery.runtime"), 3000)
        clock.advance(to: t0 + .seconds(5))
        r = await probe.run(ProbeContext(clock: clock, deadline: t0 + .seconds(15)))
        expectEqual(r.status, .critical)
        expectEqual(r.findings.map(\.code), ["commbad"])
        expectEqual(r.facts["watchpost.comm"], "COMMBAD")
        #expect(r.facts["ups.status"] == nil)
        clock.advance(to: t0 + .seconds(10))
        r = await probe.run(ProbeContext(clock: clock, deadline: t0 + .seconds(20)))
        expectEqual(r.facts["watchpost.events"], "COMMOK")
        expectEqual(r.findings.map(\.code), ["onbatt-pending"])
    }
}

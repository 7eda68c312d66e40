// The power probe: one UPS driver (HID, Q1 or upsd) behind the `Probe` seam. Each run polls the
// UPS (full refresh every `full_refresh`, a quick status poll otherwise, as NUT), feeds the
// outcome to the `UPSMonitor`, and returns NUT's variables as facts (keys exactly as NUT's),
// numbers as measurements, and findings with stable codes. A vanished device is a COMMBAD result;
// the next run re-opens it, so the probe recovers by itself after a re-plug.
import WatchpostCore

public struct UPSProbe: Probe {
    let session: UPSSession

    public init(driver: any UPSDriver, policy: UPSPolicy, fullRefresh: Seconds = .seconds(30)) {
        session = UPSSession(driver: driver, monitor: UPSMonitor(policy: policy), fullRefresh: fullRefresh)
    }

    public func run(_ context: ProbeContext) async -> CheckResult {
        await session.poll(clock: context.clock)
    }

    public func shutdown() async { await session.shutdown() }
}

actor UPSSession {
    let driver: any UPSDriver
    var monitor: UPSMonitor
    let fullRefresh: Seconds
    var initialized = false
    var lastFull: Instant?

    init(driver: any UPSDriver, monitor: UPSMonitor, fullRefresh: Seconds) {
        self.driver = driver
        self.monitor = monitor
        self.fullRefresh = fullRefresh
    }

    func poll(clock: any WatchpostClock) async -> CheckResult {
        let start = clock.now()
        let outcome: Result<UPSReading, WatchpostError>
        do {
            let reading: UPSReading
            if !initialized {
                reading = try await driver.initialize()
                initialized = true
                lastFull = start
            } else {
                let full = lastFull.map { start - $0 >= fullRefresh } ?? true
                reading = try await driver.update(full: full)
                if full { lastFull = start }
            }
            outcome = .success(reading)
        } catch let e as WatchpostError {
            initialized = false
            outcome = .failure(e)
        } catch {
            initialized = false
            outcome = .failure(WatchpostError(.device, String(describing: error)))
        }
        let now = clock.now()
        let evaluation = monitor.evaluate(outcome, at: now)
        var facts: [String: String] = [:]
        var measurements: [Measurement] = []
        if case .success(let r) = outcome {
            facts = r.variables
            measurements = r.measurements
        }
        facts["watchpost.driver"] = driver.driverName
        facts["watchpost.comm"] = monitor.communicating == false ? "COMMBAD" : "COMMOK"
        if !evaluation.events.isEmpty { facts["watchpost.events"] = evaluation.events.map(\.rawValue).joined(separator: " ") }
        // Seconds on battery so far (0 on mains), for the Department's minutes-on-battery figure;
        // left out when the UPS could not be read, so that reports count that time as "no data".
        if case .success = outcome { measurements.append(Measurement("on_battery", evaluation.onBatterySeconds, unit: "s")) }
        return CheckResult.from(findings: evaluation.findings, ok: evaluation.summary, measurements: measurements,
                                facts: facts, startedAt: start, duration: now - start)
    }

    func shutdown() async {
        await driver.shutdown()
        initialized = false
    }
}

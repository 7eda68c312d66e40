// `watchpost probe ups …`: reads a UPS once and prints NUT's variables as `upsc` does
// (`name: value`, sorted), or as a JSON object with --json.
import WatchpostCommandLine
import WatchpostCore
import WatchpostPower
import Posix
import WatchpostHost

let upsProbeOptions: Set<String> = ["vendor", "product", "serial", "nut", "device", "baud", "username", "role", "repeat", "every", "onbatt-delay", "full-refresh"]

let upsProbeHelp = """

    Usage: watchpost probe ups --vendor HEX --product HEX [--serial S] [--json]     (HID Power Device)
           watchpost probe ups --q1 [--vendor HEX --product HEX] [--json]            (Megatec Q1, Cypress USB bridge; default 0665:5161)
           watchpost probe ups --q1 --device /dev/ttyUSB0 [--baud 2400] [--json]     (Megatec Q1, serial port)
           watchpost probe ups --nut HOST[:PORT]/NAME [--username U [--role secondary|primary]] [--json]
                                                                             (NUT upsd; password in WATCHPOST_NUT_PASSWORD;
                                                                              with --username it logs in as upsmon does)

    Reads the UPS once and prints its variables as `upsc` does. Exit code 0 when it was read,
    2 when it could not be (the reason on standard error).
    With --repeat N [--every 2s] [--onbatt-delay 5s] [--full-refresh 30s] it polls N times like the daemon's check and
    prints each result (status, summary, findings, NUT events; one JSON object per line with
    --json): on-battery debounce, low battery, unplug (COMMBAD) and re-plug (COMMOK) as they happen.
    With --timing each poll's own time also goes to standard error as `poll_us=N` (microseconds on
    the monotonic clock; a result's duration is in whole milliseconds), for bench/power.
    """

func upsAdHocProbe(_ args: Arguments) async throws -> Int32 {
    try args.allowOnly(upsProbeOptions.union(["json", "q1", "config", "timing"]))
    let driver: any UPSDriver
    func hex(_ name: String) throws(WatchpostError) -> UInt16? {
        guard let v = args.value(name) else { return nil }
        let s = v.lowercased().hasPrefix("0x") ? String(v.dropFirst(2)) : v
        guard let id = UInt16(s, radix: 16) else { throw WatchpostError(.usage, "--\(name) '\(v)' is not a hex USB id (e.g. 0764)") }
        return id
    }
    if let nut = args.value("nut") {
        guard let target = NUTTarget(parsing: nut) else {
            throw WatchpostError(.usage, "--nut '\(nut)' is not HOST[:PORT]/NAME (or NAME@HOST[:PORT])")
        }
        let user = args.value("username")
        let roleText = args.value("role") ?? "secondary"
        guard let role = NUTRole(rawValue: roleText) else { throw WatchpostError(.usage, "--role '\(roleText)' is not secondary or primary") }
        driver = NUTDriver(client: NUTClient(target: target, username: user,
                                             password: user == nil ? nil : CurrentProcess.environment("WATCHPOST_NUT_PASSWORD"), role: role))
    } else if args.has("q1") {
        if let device = args.value("device") {
            let baud = Int(args.value("baud") ?? "2400") ?? 2400
            driver = MegatecQ1Driver { try await SerialQ1Transport.open(path: device, baud: baud) }
        } else {
            driver = PowerProbes.q1CypressDriver(vendor: try hex("vendor") ?? 0x0665, product: try hex("product") ?? 0x5161,
                                                 serial: args.value("serial"))
        }
    } else {
        guard let vendor = try hex("vendor"), let product = try hex("product") else {
            throw WatchpostError(.usage, "name the UPS: --vendor HEX --product HEX, --q1, or --nut HOST/NAME", hint: "see: watchpost probe --help")
        }
        driver = PowerProbes.hidDriver(vendor: vendor, product: product, serial: args.value("serial"))
    }
    if let repeatText = args.value("repeat") {
        guard let count = Int(repeatText), count > 0 else { throw WatchpostError(.usage, "--repeat needs a positive whole number") }
        let every = try args.value("every").map { v throws(WatchpostError) -> Seconds in
            guard let d = Seconds(parsing: v) else { throw WatchpostError(.usage, "--every '\(v)' is not a duration (e.g. 2s)") }
            return d
        } ?? .seconds(2)
        var policy = UPSPolicy()
        if let v = args.value("onbatt-delay") {
            guard let d = Seconds(parsing: v) else { throw WatchpostError(.usage, "--onbatt-delay '\(v)' is not a duration") }
            policy.onBatteryDelay = d
        }
        var fullRefresh = Seconds.seconds(30)
        if let v = args.value("full-refresh") {
            guard let d = Seconds(parsing: v) else { throw WatchpostError(.usage, "--full-refresh '\(v)' is not a duration") }
            fullRefresh = d
        }
        return await watchUPS(UPSProbe(driver: driver, policy: policy, fullRefresh: fullRefresh), count: count, every: every, json: args.has("json"),
                              timing: args.has("timing"))
    }
    do {
        let reading = try await driver.initialize()
        await driver.shutdown()
        if args.has("json") {
            out(try JSONCoding.string(reading.variables, options: [.pretty]))
        } else {
            out(reading.upscText)
        }
        return 0
    } catch {
        await driver.shutdown()
        let text = (error as? WatchpostError).map(\.description) ?? String(describing: error)
        StandardErrorSink().write(line: "watchpost probe ups: \(text)")
        return 2
    }
}

/// Polls like the daemon does and prints every result as it comes.
func watchUPS(_ probe: UPSProbe, count: Int, every: Seconds, json: Bool, timing: Bool = false) async -> Int32 {
    let clock = SystemClock()
    var last = CheckStatus.unknown
    for i in 0..<count {
        let now = clock.now()
        let pollStart = monotonicNanoseconds()
        let result = await probe.run(ProbeContext(clock: clock, deadline: now + every + .seconds(10)))
        if timing { StandardErrorSink().write(line: "poll_us=\((monotonicNanoseconds() - pollStart) / 1000)") }
        last = result.status
        if json {
            out((try? JSONCoding.string(result)) ?? "{}")
        } else {
            let events = result.facts["watchpost.events"].map { " [\($0)]" } ?? ""
            out("\(result.status) \(result.summary)\(events)")
        }
        if i + 1 < count { try? await clock.sleep(until: now + every) }
    }
    await probe.shutdown()
    return Int32(last.rawValue)
}

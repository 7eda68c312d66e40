// `watchpost probe led …` (ad-hoc NovaStar poll) and `watchpost discover` (UDP rqProMI:).
import WatchpostCommandLine
import WatchpostCore
import WatchpostLED
import Posix
import WatchpostHost

let ledProbeOptions: Set<String> = ["host", "port", "serial", "baud", "cards", "ports", "timeout", "sending-card", "repeat"]

let ledProbeHelp = """

       watchpost probe led --host HOST [--port N] [--cards N,N…] [--json]
       watchpost probe led --serial DEVICE [--baud N] [--cards N,N…] [--json]

Polls a NovaStar sending card once (TCP port 5200 by default; serial 115200 8N1 by default) and
prints model, firmware, input, every receiving card (brightness, kill/lock/test pattern,
temperature, humidity, voltage, monitoring card) and the findings. --cards gives the expected
receiving cards per output port (missing cards are CRITICAL); without it the cards on --ports
(default 1) ports are counted. --timeout is the per-request timeout (default 1s). --repeat N polls
N times on one connection and prints polls per second and CPU per poll (link check, benchmark).
The JSON fields are listed in the README (LED controller section).
"""

/// The JSON of `watchpost probe led --json`: the raw status and the judged result.
struct LEDProbeOutput: Encodable {
    var status: ControllerStatus?
    var result: CheckResult
    var counters: ClientCounters
}

func runLEDProbe(_ args: Arguments) async throws -> Int32 {
    try args.allowOnly(ledProbeOptions.union(["json", "config"]))
    let endpoint: NovaStarEndpoint
    if let h = args.value("host") {
        guard args.value("serial") == nil else { throw WatchpostError(.usage, "give --host or --serial, not both") }
        guard let p = Int(args.value("port") ?? "5200"), (1...65_535).contains(p) else { throw WatchpostError(.usage, "--port must be 1–65535") }
        endpoint = .tcp(host: h, port: p)
    } else if let s = args.value("serial") {
        guard let b = Int(args.value("baud") ?? "115200"), b > 0 else { throw WatchpostError(.usage, "--baud must be a positive number") }
        endpoint = .serial(path: s, baud: b)
    } else {
        throw WatchpostError(.usage, "name the controller: --host HOST or --serial DEVICE", hint: "watchpost probe --help")
    }
    let layout: ControllerLayout
    if let c = args.value("cards") {
        let counts = c.split(separator: ",").map { Int($0.trimmingWhitespace()) }
        guard !counts.isEmpty, counts.allSatisfy({ $0 != nil && $0! >= 0 && $0! <= 512 }) else { throw WatchpostError(.usage, "--cards is a list such as 4,4") }
        layout = ControllerLayout(cardsPerPort: counts.map { $0! }, destination: UInt8(clamping: Int(args.value("sending-card") ?? "0") ?? 0))
    } else {
        let ports = Int(args.value("ports") ?? "1") ?? 1
        guard (1...32).contains(ports) else { throw WatchpostError(.usage, "--ports must be 1–32") }
        layout = ControllerLayout(cardsPerPort: Array(repeating: 0, count: ports), destination: UInt8(clamping: Int(args.value("sending-card") ?? "0") ?? 0), extraScan: 512, countOnly: true)
    }
    let timeout = args.value("timeout").flatMap { Seconds(parsing: $0) } ?? .seconds(1)
    var settings = NovaStarSettings(endpoint: endpoint, layout: layout)
    settings.requestTimeout = timeout
    settings.followsSchedule = false
    let clock = SystemClock()
    let client = NovaStarClient(endpoint: endpoint, clock: clock, requestTimeout: timeout, executor: DedicatedThreadExecutor(name: "novastar-io"))
    let probe = NovaStarProbe(settings: settings, client: client, ledger: NovaStarCommandLedger())
    if let r = args.value("repeat") {
        guard let n = Int(r), n > 0 else { throw WatchpostError(.usage, "--repeat must be a positive number") }
        return try await repeatPolls(probe: probe, client: client, count: n, clock: clock)
    }
    let start = clock.now()
    let ctx = ProbeContext(clock: clock, deadline: start + .seconds(60))
    var status: ControllerStatus?
    let result: CheckResult
    do {
        let s = try await probe.poll(deadline: ctx.deadline)
        status = s
        result = probe.evaluate(s, context: ctx, start: start)
    } catch {
        result = CheckResult.from(findings: [NovaStarEvaluator.failure(error)], ok: Message("check.ok"), facts: ["endpoint": endpoint.description],
                                  startedAt: start, duration: clock.now() - start)
    }
    let counters = await client.currentCounters()
    await client.close()
    if args.has("json") {
        out(try JSONCoding.string(LEDProbeOutput(status: status, result: result, counters: counters), options: [.pretty]))
    } else {
        printResult(result, json: false, zone: .hoChiMinh)
        printLEDStatus(status, counters: counters)
    }
    return Int32(result.status.rawValue)
}

/// The status under the result, each line in Vietnamese and then in English (NovaStarStatusLines).
func printLEDStatus(_ status: ControllerStatus?, counters: ClientCounters) {
    let vi = MessageRenderer(language: .vi), en = MessageRenderer(language: .en)
    for line in NovaStarStatusLines.lines(status, counters: counters) {
        let indent = String(repeating: "  ", count: line.depth + 1)
        out(indent + vi(line.message))
        out(indent + en(line.message))
    }
}

/// The LED module's commands (listed in `allCommands`).
let ledCommands: [Command] = [discoverCommand]

let discoverCommand = Command(
    name: "discover", summary: "find NovaStar controllers on the local network (UDP rqProMI: to port 3800)",
    help: """
    Usage: watchpost discover [--address ADDR] [--port N] [--wait DURATION] [--json]

    Sends the NovaStar discovery datagram `rqProMI:` to ADDR (default the broadcast address
    255.255.255.255) on port 3800 and lists every controller that answers `rpProMI:` within
    --wait (default 2s). Exit 0 when at least one answered, 1 otherwise.
    """,
    valuedOptions: ["address", "port", "wait"],
    run: { args in
        try args.allowOnly(["address", "port", "wait", "json"])
        let address = args.value("address") ?? "255.255.255.255"
        guard let port = Int(args.value("port") ?? "3800"), (1...65_535).contains(port) else { throw WatchpostError(.usage, "--port must be 1–65535") }
        let wait = args.value("wait").flatMap { Seconds(parsing: $0) } ?? .seconds(2)
        let found = try await runBlocking { try NovaStarDiscovery.discover(address: address, port: port, wait: wait) }
        if args.has("json") {
            out(try JSONCoding.string(found, options: [.pretty]))
        } else if found.isEmpty {
            out("no NovaStar controller answered at \(address):\(port) within \(wait)")
        } else {
            for c in found { out("\(c.address)  \(c.info)") }
        }
        return found.isEmpty ? 1 : 0
    })

/// `probe led --repeat N`: N full status polls back to back on one connection; prints the rate
/// and the CPU this process spent per poll.
func repeatPolls(probe: NovaStarProbe, client: NovaStarClient, count: Int, clock: SystemClock) async throws -> Int32 {
    _ = try await probe.poll(deadline: clock.now() + .seconds(60))  // connect and warm up
    let cpu0 = CurrentProcess.cpuNanoseconds(), t0 = monotonicNanoseconds()
    var cards = 0
    for _ in 0..<count {
        let s = try await probe.poll(deadline: clock.now() + .seconds(60))
        cards = s.onlineCards.count
    }
    let wall = Double(monotonicNanoseconds() - t0) / 1e9
    let cpu = Double(CurrentProcess.cpuNanoseconds() - cpu0) / 1e9
    let requests = await client.currentCounters().requests
    out("polls=\(count) cards=\(cards) requests=\(requests) seconds=\(format3(wall)) polls_per_s=\(format3(Double(count) / wall)) cpu_ms_per_poll=\(format3(cpu * 1000 / Double(count)))")
    await client.close()
    return 0
}

func format3(_ v: Double) -> String { String((v * 1000).rounded() / 1000) }

// The `novastar` check kind: settings from the configuration, the probe the daemon runs each
// cycle, the responder actions (black out, restore, brightness) with read-back, and UDP discovery.
import WatchpostCore
import WatchpostConfig
import Posix
import Synchronization

extension NovaStarSettings {
    /// Reads a `novastar` section (check or responder). The schema (Kinds+NovaStar.swift) has
    /// already validated the values; this only applies defaults.
    public init(section s: ConfigSection, followsSchedule: Bool = true) throws(WatchpostError) {
        let endpoint: NovaStarEndpoint
        if let path = s.value("serial") {
            endpoint = .serial(path: path, baud: s.int("baud", default: NovaStarEndpoint.defaultBaud))
        } else if let host = s.value("host") {
            endpoint = .tcp(host: host, port: s.int("port", default: NovaStarEndpoint.defaultPort))
        } else {
            throw WatchpostError(.configuration, "\(s.file):\(s.line): \(s.title) needs host or serial")
        }
        let cards = s.list("cards_per_port").compactMap { Int($0) }
        guard !cards.isEmpty else { throw WatchpostError(.configuration, "\(s.file):\(s.lineOf("cards_per_port")): cards_per_port is required, e.g. 4, 4") }
        self.init(endpoint: endpoint, layout: ControllerLayout(cardsPerPort: cards, destination: UInt8(clamping: s.int("sending_card", default: 0))))
        requestTimeout = s.duration("request_timeout", default: .seconds(1))
        if let b = s.band("temperature") { temperature = b }
        if let b = s.band("humidity") { humidity = b }
        if let b = s.band("voltage") { voltage = b }
        brightness = s.band("brightness")
        fanMinRPM = s.int("fan_min_rpm", default: 1)
        self.followsSchedule = followsSchedule
    }
}

/// The NovaStar connections of a running daemon, a value its composition root creates once and
/// hands to every probe and responder action (through `ProbeEnvironment`): one client (one
/// connection) per controller, so the probe and the actions never interleave requests; one I/O
/// thread for all of them (created on first use); and the ledger of the writes Watchpost made.
/// A reload that changes a controller's `request_timeout` gets a new client with it.
public final class NovaStarConnections: Sendable {
    private let clients = Mutex<[NovaStarEndpoint: NovaStarClient]>([:])
    private let executor = Mutex<DedicatedThreadExecutor?>(nil)
    public let ledger = NovaStarCommandLedger()

    public init() {}

    public func client(for endpoint: NovaStarEndpoint, clock: any WatchpostClock, requestTimeout: Seconds) -> NovaStarClient {
        let thread = executor.withLock { e in
            if let e { return e }
            let made = DedicatedThreadExecutor(name: "novastar-io")
            e = made
            return made
        }
        return clients.withLock { all in
            if let c = all[endpoint], c.requestTimeout == requestTimeout { return c }
            let c = NovaStarClient(endpoint: endpoint, clock: clock, requestTimeout: requestTimeout, executor: thread)
            all[endpoint] = c
            return c
        }
    }
}

/// The LED controller probe. Keeps its connection and its change baseline between cycles.
public final class NovaStarProbe: Probe {
    public let settings: NovaStarSettings
    public let client: NovaStarClient
    private let ledger: NovaStarCommandLedger
    private let baseline = Mutex<ScreenBaseline?>(nil)

    public init(settings: NovaStarSettings, client: NovaStarClient, ledger: NovaStarCommandLedger) {
        self.settings = settings
        self.client = client
        self.ledger = ledger
    }

    public convenience init(check: CheckDefinition, clock: any WatchpostClock, connections: NovaStarConnections) throws(WatchpostError) {
        let s = try NovaStarSettings(section: check.parameters, followsSchedule: check.followsSchedule)
        self.init(settings: s, client: connections.client(for: s.endpoint, clock: clock, requestTimeout: s.requestTimeout), ledger: connections.ledger)
    }

    /// Polls the controller once and returns the raw status (for `watchpost probe led --json`).
    public func poll(deadline: Instant) async throws(WatchpostError) -> ControllerStatus {
        try await client.readStatus(layout: settings.layout, deadline: deadline)
    }

    public func run(_ context: ProbeContext) async -> CheckResult {
        let start = context.clock.now()
        let status: ControllerStatus
        do {
            status = try await poll(deadline: context.deadline)
        } catch {
            let finding = NovaStarEvaluator.failure(error)
            return CheckResult.from(findings: [finding], ok: Message("check.ok"), facts: ["endpoint": settings.endpoint.description],
                                    startedAt: start, duration: context.clock.now() - start)
        }
        let result = evaluate(status, context: context, start: start)
        return result
    }

    /// Judges a status against the settings and this probe's baseline (and advances the baseline).
    public func evaluate(_ status: ControllerStatus, context: ProbeContext, start: Instant) -> CheckResult {
        let scheduled = settings.followsSchedule ? context.scheduledOn : true
        let commanded = ledger.commanded(endpoint: settings.endpoint.description)
        let eval = baseline.withLock { b -> LEDEvaluation in
            let e = NovaStarEvaluator.evaluate(status, settings: settings, scheduledOn: scheduled, inMaintenance: context.inMaintenance,
                                               baseline: b, commanded: commanded)
            b = e.baseline
            return e
        }
        let online = status.onlineCards.filter(\.configured).count
        let configured = status.ports.reduce(0) { $0 + $1.configuredCards }
        var parts = [!status.inputSignal ? Message("led.ok.input-absent") : status.currentInput.map { Message("led.ok.input-named", ["input": .text($0)]) } ?? Message("led.ok.input-present"),
                     Message("led.ok.cards", ["online": .count(online), "total": .count(configured)])]
        if let b = status.brightnessPercent { parts.append(Message("led.ok.brightness", ["value": .number(b, digits: 1)])) }
        if let t = eval.measurements.first(where: { $0.name == "temperature_max" }) { parts.append(Message("led.ok.temperature", ["value": .number(t.value, digits: 1)])) }
        let ok = Message("led.ok", ["model": NovaStarNames.senderModelForPeople(status), "parts": .list(parts)])
        return CheckResult.from(findings: eval.findings, ok: ok, measurements: eval.measurements, facts: eval.facts,
                                startedAt: start, duration: context.clock.now() - start)
    }

    public func shutdown() async { await client.close() }
}

// MARK: - Responder actions

/// What a screen action does.
public enum LEDActionKind: Sendable, Hashable {
    case blackout, restore, brightness(percent: Double)
}

/// Black out / restore / set brightness through the sending card, broadcast to every receiving
/// card, then read back from each configured card to confirm.
public struct LEDScreenAction: ResponderAction {
    public let settings: NovaStarSettings
    public let kind: LEDActionKind
    public let client: NovaStarClient
    public let ledger: NovaStarCommandLedger

    public init(settings: NovaStarSettings, kind: LEDActionKind, client: NovaStarClient, ledger: NovaStarCommandLedger) {
        self.settings = settings
        self.kind = kind
        self.client = client
        self.ledger = ledger
    }

    public var summary: String {
        switch kind {
        case .blackout: return "black out the screen (kill mode) at \(settings.endpoint)"
        case .restore: return "restore the screen (kill mode off) at \(settings.endpoint)"
        case .brightness(let p): return "set brightness to \(NovaStarEvaluator.fmt(p)) % at \(settings.endpoint)"
        }
    }

    public static func raw(percent: Double) -> UInt8 { UInt8(clamping: Int((max(0, min(100, percent)) * 255 / 100).rounded())) }

    public func perform(deadline: Instant, clock: any WatchpostClock) async throws -> String {
        let (address, value): (UInt32, UInt8)
        switch kind {
        case .blackout: (address, value) = (NovaStarRegister.killMode, 0xFF)
        case .restore: (address, value) = (NovaStarRegister.killMode, 0x00)
        case .brightness(let p): (address, value) = (NovaStarRegister.brightness, Self.raw(percent: p))
        }
        // Recorded before the write so that the probe never sees our own change as un-commanded.
        switch kind {
        case .blackout: ledger.record(endpoint: settings.endpoint.description, kill: true)
        case .restore: ledger.record(endpoint: settings.endpoint.description, kill: false)
        case .brightness: ledger.record(endpoint: settings.endpoint.description, brightnessRaw: Int(value))
        }
        let layout = settings.layout
        let confirmed = try await client.writeAndConfirm(address: address, value: value, layout: layout, deadline: deadline)
        return "\(summary): done, read back 0x\(hex2(value)) from \(confirmed) receiving card\(confirmed == 1 ? "" : "s")"
    }
}

extension NovaStarClient {
    /// Broadcasts one byte to every receiving card and reads it back from each configured card
    /// that answers. Throws naming the first card that does not hold the value.
    public func writeAndConfirm(address: UInt32, value: UInt8, layout: ControllerLayout, deadline: Instant) throws(WatchpostError) -> Int {
        try write(device: .receivingCard, destination: layout.destination, port: 0xFF, board: 0xFFFF, address: address, data: [value], deadline: deadline)
        var confirmed = 0
        var absent: [String] = []
        for (p, count) in layout.cardsPerPort.enumerated() {
            for i in 0..<count {
                switch try read(device: .receivingCard, destination: layout.destination, port: UInt8(p), board: UInt16(i), address: address, length: 1, deadline: deadline) {
                case .nack: absent.append("port \(p + 1) card \(i + 1)")
                case .data(let d):
                    guard d.first == value else {
                        throw WatchpostError(.device, "write to register 0x\(String(address, radix: 16)) not confirmed: port \(p + 1) card \(i + 1) reads 0x\(hex2(d.first ?? 0)), expected 0x\(hex2(value))",
                                             hint: "the controller may be locked by NovaLCT, or the card is faulty")
                    }
                    confirmed += 1
                }
            }
        }
        guard confirmed > 0 else {
            throw WatchpostError(.device, "write to register 0x\(String(address, radix: 16)) not confirmed: no receiving card answered (\(absent.joined(separator: ", ")))")
        }
        return confirmed
    }
}

// MARK: - Discovery

public struct DiscoveredController: Sendable, Hashable, Codable {
    public var address: String
    public var port: Int
    /// The answer after `rpProMI:`, printable ASCII kept, other bytes as hex.
    public var info: String
}

public enum NovaStarDiscovery {
    public static let port = 3800
    public static let request = Array("rqProMI:".utf8)
    public static let answerPrefix = Array("rpProMI:".utf8)

    /// Sends `rqProMI:` to `address` (the broadcast address by default) and lists every answer
    /// that starts with `rpProMI:` until `wait` has passed. Blocking: call through `runBlocking`.
    public static func discover(address: String = "255.255.255.255", port: Int = port, wait: Seconds) throws(WatchpostError) -> [DiscoveredController] {
        do {
            let sock = try UDPSocket()
            try sock.send(request, to: address, port: port)
            let deadline = MonotonicDeadline.after(milliseconds: wait.milliseconds)
            var found: [DiscoveredController] = []
            while let (bytes, host, from) = try sock.receive(deadline: deadline) {
                guard bytes.starts(with: answerPrefix) else { continue }
                let rest = bytes.dropFirst(answerPrefix.count)
                let info = rest.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) ? String(decoding: rest, as: UTF8.self) : rest.map(hex2).joined(separator: " ")
                let c = DiscoveredController(address: host, port: from, info: info)
                if !found.contains(c) { found.append(c) }
            }
            return found
        } catch {
            throw WatchpostError(.network, "discovery to \(address):\(port) failed: \(error)", hint: "broadcast needs a network interface with a broadcast address; try --address")
        }
    }
}

extension NovaStarNames {
    /// The model in a line people read: its name, or that the id is not in the table, in each
    /// language ("kiểu máy chưa biết (mã 0x7777)"), never the English of `senderModel` inside a
    /// Vietnamese sentence.
    public static func senderModelForPeople(_ status: ControllerStatus) -> MessageValue {
        status.modelKnown ? .text(status.model)
            : .message(NovaStarNames.unknownModel(UInt16(truncatingIfNeeded: status.modelId)))
    }
}

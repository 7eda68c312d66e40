// Judging a status: findings by operating hours, bands, monitoring cards, un-commanded changes;
// the probe end to end; the backoff on a manual clock; the configuration schema.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
import Posix
import WatchpostProbes
@testable import WatchpostLED
@testable import WatchpostSimulators
import WatchpostHost

@Suite("NovaStar evaluation")
struct NovaStarEvaluationTests {
    static func status(cards: Int = 2, configure: (inout [CardStatus]) -> Void = { _ in }) -> ControllerStatus {
        var cs = (0..<cards).map { i -> CardStatus in
            var c = CardStatus(port: 0, index: i, configured: true, online: true)
            c.brightnessRaw = 0xC0
            c.brightnessPercent = 75.3
            c.kill = false
            c.lock = false
            c.testPattern = 0
            c.monitoring = MonitoringBlock(temperature: 40, humidity: 50, voltage: 5.0)
            return c
        }
        configure(&cs)
        return ControllerStatus(endpoint: "sim", modelId: 0x1101, model: "MCTRL660", modelKnown: true, firmware: "1.0.0.0", inputSignal: true,
                                inputSelection: "manual", inputSelectionCode: 0x5A, currentInputCode: 0x58, currentInput: "DVI", redundancyRaw: nil, maxPacket: nil,
                                ports: [PortStatus(port: 0, configuredCards: cards, onlineCards: cs.filter(\.online).count)], cards: cs)
    }

    static let settings: NovaStarSettings = {
        var s = NovaStarSettings(endpoint: .tcp(host: "sim", port: 5200), layout: ControllerLayout(cardsPerPort: [2]))
        s.brightness = 20...90
        return s
    }()

    func judge(_ s: ControllerStatus, on: Bool = true, maintenance: Bool = false, baseline: ScreenBaseline? = nil,
               commanded: NovaStarCommandLedger.Commanded = .init()) -> LEDEvaluation {
        NovaStarEvaluator.evaluate(s, settings: Self.settings, scheduledOn: on, inMaintenance: maintenance, baseline: baseline, commanded: commanded)
    }

    func codes(_ e: LEDEvaluation) -> [String] { e.findings.map(\.code) }

    @Test func healthyIsOKWithMeasurementsAndFacts() {
        let e = judge(Self.status())
        #expect(e.findings.isEmpty)
        #expect(e.measurements.contains(Measurement("p1.c2.temperature", 40, unit: "°C")))
        #expect(e.measurements.contains(Measurement("cards_online", 2)))
        #expect(e.facts["model"] == "MCTRL660" && e.facts["firmware"] == "1.0.0.0")
    }

    @Test func pictureFaultsAreCriticalOnlyDuringScheduledHours() {
        var s = Self.status { c in c[0].kill = true; c[1].lock = true; c[1].testPattern = 5 }
        s.inputSignal = false
        let on = judge(s)
        expectEqual(Set(codes(on)), ["no-signal", "screen-dark", "screen-frozen", "test-pattern"])
        #expect(on.findings.allSatisfy { $0.status == .critical })
        let off = judge(s, on: false)
        expectEqual(codes(off), ["screen-lit-outside-hours"])  // card 2 is lit
        expectEqual(off.findings[0].status, .warning)
    }

    @Test func darkOutsideHoursIsFineAndBrightnessZeroIsDark() {
        let dark = Self.status { c in for i in c.indices { c[i].kill = true } }
        #expect(judge(dark, on: false).findings.isEmpty)
        let zero = Self.status { c in for i in c.indices { c[i].brightnessRaw = 0; c[i].brightnessPercent = 0 } }
        expectEqual(codes(judge(zero)), ["screen-dark"])
    }

    @Test func missingCardsAreCriticalAtAnyHour() {
        let s = Self.status { c in c[1].online = false; c[1].reason = "timeout" }
        for on in [true, false] {
            let e = judge(s, on: on)
            #expect(codes(e).contains("cards-missing"))
            expectEqual(e.findings.first { $0.code == "cards-missing" }?.message, "1 of 2 receiving cards missing: port 1 card 2")
        }
    }

    @Test func environmentBandsAndMonitoringCard() {
        let s = Self.status { c in
            c[0].monitoring = MonitoringBlock(temperature: 75, humidity: 90, voltage: 4.2, monitoringCardPresent: true, monitoringCardTemperature: 30,
                                              smokeRaw: 0x81, fansRPM: [1500, 0, nil, nil], generalStatus: 0x01)
            c[1].brightnessPercent = 95
        }
        let e = judge(s)
        expectEqual(Set(codes(e)), ["temperature", "humidity", "voltage", "fan-stopped", "smoke", "door-open"])
        #expect(e.findings.allSatisfy { $0.status == .warning })
        expectEqual(e.findings.first { $0.code == "temperature" }?.message, "port 1 card 1: temperature 75.0 °C outside the allowed -20.0 to 70.0 °C")
        expectEqual(e.findings.first { $0.code == "temperature" }.map { Catalogue.render($0.text, .vi) }, "cổng 1, card 1: nhiệt độ 75,0 °C nằm ngoài mức cho phép (từ -20,0 đến 70,0 °C)")
        let bright = Self.status { c in for i in c.indices { c[i].brightnessPercent = 95 } }
        expectEqual(codes(judge(bright)), ["brightness"])
        expectEqual(judge(bright, on: false).findings.map(\.code), ["screen-lit-outside-hours"])
    }

    @Test func backupPathIsAWarning() {
        var s = Self.status()
        s.ports[0].backupInUse = true
        expectEqual(codes(judge(s)), ["backup-path"])
    }

    @Test func uncommandedChangesAreSecurityRelevantUntilRestored() {
        let base = ScreenBaseline(Self.status())
        let switched = { () -> ControllerStatus in var s = Self.status(); s.currentInputCode = 0x05; s.currentInput = "HDMI"; return s }()
        let e = judge(switched, baseline: base)
        expectEqual(codes(e), ["unexpected-change"])
        #expect(e.findings[0].securityRelevant && e.findings[0].status == .critical)
        #expect(e.findings[0].message.contains("Input changed from DVI to HDMI"))
        // Still reported next cycle (the baseline is not moved during operating hours)…
        expectEqual(codes(judge(switched, baseline: e.baseline)), ["unexpected-change"])
        // …cleared once restored, and absorbed by a maintenance window or outside hours.
        #expect(judge(Self.status(), baseline: e.baseline).findings.isEmpty)
        let m = judge(switched, maintenance: true, baseline: base)
        #expect(m.findings.isEmpty && m.baseline?.input == 0x05)
        expectEqual(judge(switched, on: false, baseline: base).baseline?.input, 0x05)
        // Brightness changes are security-relevant warnings.
        let dimmer = Self.status { c in for i in c.indices { c[i].brightnessRaw = 0x40; c[i].brightnessPercent = 25.1 } }
        let d = judge(dimmer, baseline: base)
        expectEqual(d.findings.map { "\($0.code) \($0.status) \($0.securityRelevant)" }, ["unexpected-change WARNING true"])
    }

    @Test func changesWatchpostCommandedAreNotReported() {
        let base = ScreenBaseline(Self.status())
        let black = Self.status { c in for i in c.indices { c[i].kill = true } }
        let e = judge(black, baseline: base, commanded: .init(kill: true, brightnessRaw: nil))
        expectEqual(codes(e), ["screen-dark"])
        expectEqual(e.baseline?.kill, true)
        let notOurs = judge(black, baseline: base)
        expectEqual(Set(codes(notOurs)), ["screen-dark", "unexpected-change"])
    }

    @Test func unreachableIsCritical() {
        let f = NovaStarEvaluator.failure(WatchpostError(.timeout, "no answer"))
        #expect(f.code == "unreachable" && f.status == .critical)
        expectEqual(NovaStarEvaluator.failure(WatchpostError(.protocolViolation, "x")).status, .unknown)
    }

    @Test func backoffDoublesOnTheInjectedClock() {
        let clock = ManualClock(now: Instant(seconds: 1_000))
        var b = ReconnectBackoff(initial: .seconds(1), maximum: .seconds(4))
        #expect(b.mayAttempt(at: clock.now()))
        b.recordFailure(at: clock.now())
        #expect(!b.mayAttempt(at: clock.now()))
        clock.advance(by: .seconds(1))
        #expect(b.mayAttempt(at: clock.now()))
        b.recordFailure(at: clock.now())
        clock.advance(by: Seconds(milliseconds: 1999))
        #expect(!b.mayAttempt(at: clock.now()))
        clock.advance(by: Seconds(milliseconds: 1))
        #expect(b.mayAttempt(at: clock.now()))
        b.recordFailure(at: clock.now()); b.recordFailure(at: clock.now())
        expectEqual(b.notBefore, clock.now() + .seconds(4))  // capped
        b.recordSuccess()
        #expect(b.mayAttempt(at: clock.now()) && b.failures == 0)
    }

    /// The probe against a simulated controller on loopback (stop the server when done).
    static func probe(of device: NovaStarDevice, cardsPerPort: [Int]) async throws -> (NovaStarProbe, NovaStarServer) {
        let server = NovaStarServer(device: device)
        let port = try await server.startTCP(host: "127.0.0.1", port: 0)
        var settings = NovaStarSettings(endpoint: .tcp(host: "127.0.0.1", port: port), layout: ControllerLayout(cardsPerPort: cardsPerPort))
        // Long enough for a loaded two-core machine to answer on loopback (300 ms was missed under
        // load 18, failing the first, healthy read); the stalled read at the end costs one timeout.
        settings.requestTimeout = .seconds(2)
        let client = NovaStarClient(endpoint: settings.endpoint, clock: SystemClock(), requestTimeout: settings.requestTimeout,
                                    backoff: ReconnectBackoff(initial: .zero, maximum: .zero), executor: DedicatedThreadExecutor(name: "probe"))
        return (NovaStarProbe(settings: settings, client: client, ledger: NovaStarCommandLedger()), server)
    }

    @Test func probeEndToEndWithScheduleAndUnreachable() async throws {
        let device = NovaStarDevice(cardsPerPort: [2])
        let (probe, server) = try await Self.probe(of: device, cardsPerPort: [2])
        defer { server.stop() }
        let clock = SystemClock()
        let ctx = { (on: Bool) in ProbeContext(clock: clock, deadline: clock.now() + .seconds(5), scheduledOn: on) }
        let ok = await probe.run(ctx(true))
        expectEqual(ok.status, .ok, "\(ok.summary)")
        #expect(ok.summary.hasPrefix("MCTRL600/MCTRL610/MCTRL660/MSD600: input present (DVI); 2/2 receiving cards"))
        _ = try device.apply("blackout")
        let dark = await probe.run(ctx(true))
        #expect(dark.status == .critical && dark.isSecurityRelevant)
        expectEqual(Set(dark.findings.map(\.code)), ["screen-dark", "unexpected-change"])
        _ = try device.apply("stall")
        let gone = await probe.run(ctx(true))
        #expect(gone.status == .critical && gone.findings.map(\.code) == ["unreachable"])
        await probe.shutdown()
    }

    /// The probe's line names the model in each language: a known id by its name (0x620C is a
    /// VX1000), an unknown one as "kiểu máy chưa biết (mã 0x7777)" — before, the English
    /// "unknown model id 0x7777" sat inside the Vietnamese line (s8 report of #20).
    @Test func theModelIsNamedInEachLanguage() async throws {
        for (model, vi, en) in [(UInt16(0x620C), "VX1000: ", "VX1000: "), (0x7777, "kiểu máy chưa biết (mã 0x7777): ", "unknown model (id 0x7777): ")] {
            let device = NovaStarDevice(cardsPerPort: [1])
            device.update { $0.model = model }
            let (probe, server) = try await Self.probe(of: device, cardsPerPort: [1])
            defer { server.stop() }
            let clock = SystemClock()
            let ok = await probe.run(ProbeContext(clock: clock, deadline: clock.now() + .seconds(5)))
            await probe.shutdown()
            expectEqual(ok.status, .ok, "\(ok.summary)")
            let inVietnamese = Catalogue.render(ok.text, .vi), inEnglish = Catalogue.render(ok.text, .en)
            #expect(inVietnamese.hasPrefix(vi), "\(inVietnamese)")
            #expect(inEnglish.hasPrefix(en), "\(inEnglish)")
            #expect(!inVietnamese.contains("unknown"), "\(inVietnamese)")
        }
    }
}

@Suite("novastar configuration")
struct NovaStarConfigTests {
    func diagnostics(_ entries: [(String, String)]) -> [String] {
        let section = Self.section(entries)
        let schema = CheckKinds.schema("novastar")!
        return (schema.validate(section) + SectionSchema(type: "check", named: true, keys: CheckKinds.commonKeys + schema.keys).validate(section)).map(\.description)
    }

    static func section(_ entries: [(String, String)]) -> ConfigSection {
        let text = "[check led]\n" + entries.map { "\($0.0) = \($0.1)" }.joined(separator: "\n") + "\n"
        return INIFile(path: "checks.conf", text: text).sections[0]
    }

    @Test func validSectionsPass() throws {
        #expect(diagnostics([("kind", "novastar"), ("host", "192.0.2.20"), ("cards_per_port", "4, 4"), ("temperature", "..65")]).isEmpty)
        #expect(diagnostics([("kind", "novastar"), ("serial", "/dev/ttyUSB0"), ("baud", "1048576"), ("cards_per_port", "8")]).isEmpty)
        let section = Self.section([("host", "192.0.2.20"), ("cards_per_port", "4,2"), ("brightness", "30..90")])
        let s = try NovaStarSettings(section: section, followsSchedule: false)
        expectEqual(s.endpoint, NovaStarEndpoint.tcp(host: "192.0.2.20", port: 5200))
        #expect(s.layout.cardsPerPort == [4, 2] && s.brightness == 30...90 && !s.followsSchedule)
    }

    @Test func mistakesAreNamed() {
        let both = diagnostics([("kind", "novastar"), ("host", "192.0.2.20"), ("serial", "/dev/ttyUSB0"), ("cards_per_port", "4")])
        #expect(both.contains { $0.contains("give host or serial, not both") })
        let none = diagnostics([("kind", "novastar"), ("cards_per_port", "4")])
        #expect(none.contains { $0.contains("give host (TCP) or serial") })
        let cards = diagnostics([("kind", "novastar"), ("host", "192.0.2.20"), ("cards_per_port", "4, x")])
        #expect(cards.contains { $0.contains("'x' is not a card count") })
        let baud = diagnostics([("kind", "novastar"), ("host", "192.0.2.20"), ("cards_per_port", "4"), ("baud", "9600")])
        #expect(baud.contains { $0.contains("baud needs serial") })
        let typo = diagnostics([("kind", "novastar"), ("host", "192.0.2.20"), ("cards_per_port", "4"), ("temprature", "..60")])
        #expect(typo.contains { $0.contains("did you mean 'temperature'") })
    }
}

@Suite("LED responder actions from the shipped profile")
struct LEDResponderCatalogTests {
    static let packageRoot = TestPaths.packageRoot

    @Test func contentBlackoutResolvesTheLEDControllerCheck() throws {
        let config = try ConfigurationLoader.load(root: Self.packageRoot)
        let site = try #require(config.site("tay-trang"))
        let ini = INIFile(path: "responders.conf", text: try FileSystem.readText("\(Self.packageRoot)/probes/tay-trang/responders.conf"))
        let section = try #require(ini.sections.first { $0.name == "content-blackout" })
        let env = ProbeEnvironment(configuration: config, site: site, logger: Logger(sink: MemoryLogSink(), clock: SystemClock()), clock: SystemClock(), devices: DeviceConnections())
        let action = try ResponderCatalog.make(kind: "led-blackout", section: section, environment: env)
        expectEqual(action.summary, "black out the screen (kill mode) at 192.0.2.20:5200")
        let led = try #require(action as? LEDScreenAction)
        expectEqual(led.settings.layout.cardsPerPort, [4, 4])
        var brightness = section
        brightness.entries.append(ConfigEntryFactory.entry("brightness", "40"))
        let dim = try ResponderCatalog.make(kind: "led-brightness", section: brightness, environment: env)
        expectEqual(dim.summary, "set brightness to 40 % at 192.0.2.20:5200")
        var wrong = section
        wrong.entries = wrong.entries.map { $0.key == "check" ? ConfigEntryFactory.entry("check", "box-disk") : $0 }
        #expect(throws: WatchpostError.self) { _ = try ResponderCatalog.make(kind: "led-restore", section: wrong, environment: env) }
    }
}

/// ConfigEntry's initializer is internal to WatchpostConfig: build entries through the INI parser.
enum ConfigEntryFactory {
    static func entry(_ key: String, _ value: String) -> ConfigEntry {
        INIFile(path: "x", text: "[x]\n\(key) = \(value)\n").sections[0].entries[0]
    }
}

// The client against the simulator on loopback TCP and on a pseudo-terminal pair: full status,
// missing cards, garbage first, garbled and stray answers, timeouts, reconnection, max-packet
// splitting, and the responder actions with read-back.
import Testing
import WatchpostTestSupport
import WatchpostCore
import Posix
@testable import WatchpostLED
@testable import WatchpostSimulators
import WatchpostHost

/// A running simulator and a client of its own (own I/O thread, so suites run in parallel).
struct Rig {
    let device: NovaStarDevice
    let server: NovaStarServer
    let client: NovaStarClient
    let clock: any WatchpostClock

    static func tcp(cards: [Int], monitoring: Bool = false, timeout: Seconds = .seconds(1), configure: (inout NovaStarDevice.State) -> Void = { _ in }) async throws -> Rig {
        let device = NovaStarDevice(cardsPerPort: cards, monitoringCards: monitoring)
        device.update(configure)
        let server = NovaStarServer(device: device)
        let port = try await server.startTCP(host: "127.0.0.1", port: 0)
        let clock = SystemClock()
        let client = NovaStarClient(endpoint: .tcp(host: "127.0.0.1", port: port), clock: clock, requestTimeout: timeout,
                                    backoff: ReconnectBackoff(initial: .zero, maximum: .zero), executor: DedicatedThreadExecutor(name: "test-novastar"))
        return Rig(device: device, server: server, client: client, clock: clock)
    }

    var deadline: Instant { clock.now() + .seconds(10) }

    func status(_ cards: [Int]) async throws -> ControllerStatus {
        try await client.readStatus(layout: ControllerLayout(cardsPerPort: cards), deadline: deadline)
    }

    func stop() async {
        await client.close()
        server.stop()
    }
}

@Suite("NovaStar client against the simulator", .timeLimit(.minutes(1)))
struct NovaStarClientTests {
    @Test func fullStatusOverTCP() async throws {
        let rig = try await Rig.tcp(cards: [4, 4], monitoring: true) { s in
            s.ports[1][2].monitoring.temperature = 52.5
            s.ports[0][0].monitoring.voltage = 4.9
        }
        defer { Task { await rig.stop() } }
        let s = try await rig.status([4, 4])
        #expect(s.modelId == 0x1101 && s.modelKnown)
        expectEqual(s.firmware, "3.7.1.0")
        #expect(s.inputSignal && s.currentInput == "DVI" && s.inputSelection == "manual")
        expectEqual(s.inputSelectionCode, 0x5A)
        expectEqual(s.ports.map(\.onlineCards), [4, 4])
        #expect(s.cards.count == 8 && s.missingCards.isEmpty)
        expectEqual(s.cards[6].monitoring?.temperature, 52.5)
        expectEqual(s.cards[0].monitoring?.voltage, 4.9)
        expectEqual(s.cards[0].monitoring?.fansRPM, [1500, 1500, 1450, 1500])
        expectEqual(s.brightnessPercent, 75.3)
        #expect(s.ports.allSatisfy { $0.backupInUse == false })
    }

    @Test func missingCardIsReportedAndCounted() async throws {
        let rig = try await Rig.tcp(cards: [4, 2])
        defer { Task { await rig.stop() } }
        _ = try rig.device.apply("unplug 1 3")
        let s = try await rig.status([4, 2])
        expectEqual(s.missingCards.map(\.label), ["port 1 card 3"])
        expectEqual(s.missingCards.first?.reason?.contains("no such card"), true)
        expectEqual(s.ports.map(\.onlineCards), [3, 2])
        // Fewer cards physically than configured: the extra configured one is missing too.
        let s2 = try await rig.status([4, 3])
        expectEqual(s2.missingCards.map(\.label), ["port 1 card 3", "port 2 card 3"])
    }

    @Test func monitoringFallsBackTo256ByteReads() async throws {
        let rig = try await Rig.tcp(cards: [2]) { $0.monitoringOnly256 = true; $0.ports[0][1].monitoring.temperature = 44 }
        defer { Task { await rig.stop() } }
        let s = try await rig.status([2])
        expectEqual(s.cards.map { $0.monitoring?.temperature }, [36, 44])
    }

    @Test func extraCardBeyondConfiguredCountIsSeen() async throws {
        let rig = try await Rig.tcp(cards: [3])
        defer { Task { await rig.stop() } }
        let s = try await rig.status([2])
        expectEqual(s.cards.filter { !$0.configured && $0.online }.map(\.label), ["port 1 card 3"])
        #expect(s.missingCards.isEmpty)
    }

    @Test func unknownModelIdIsReportedAsSuch() async throws {
        let rig = try await Rig.tcp(cards: [1]) { $0.model = 0x7A7A }
        defer { Task { await rig.stop() } }
        let s = try await rig.status([1])
        #expect(!s.modelKnown && s.model == "kiểu máy chưa biết (mã 0x7A7A) / unknown model (id 0x7A7A)")
    }

    @Test func vx1000ModelIdIsNamedOverTheWire() async throws {
        let rig = try await Rig.tcp(cards: [1]) { $0.model = 0x620C }
        defer { Task { await rig.stop() } }
        let s = try await rig.status([1])
        #expect(s.modelKnown && s.modelId == 0x620C && s.model == "VX1000")
    }

    @Test func garbageFirstGarbledAndStrayAnswersAreSurvived() async throws {
        let rig = try await Rig.tcp(cards: [2])
        defer { Task { await rig.stop() } }
        _ = try rig.device.apply("garbage 3")
        _ = try rig.device.apply("garble 3")
        _ = try rig.device.apply("stray 3")
        let s = try await rig.status([2])
        #expect(s.inputSignal && s.missingCards.isEmpty && s.modelKnown)
        let c = await rig.client.currentCounters()
        #expect(c.discardedBytes > 0)
        expectEqual(c.wrongSerialIgnored, 3)
        expectEqual(c.timeouts, 0)
    }

    // Request timeouts of 2 s: the in-process simulator shares two loaded cores with the other
    // suites, and at 300 ms its ordinary answers were late (seen in make test, load 10).
    @Test func badChecksumAnswerTimesOutThenRecovers() async throws {
        let rig = try await Rig.tcp(cards: [1], timeout: .seconds(2))
        defer { Task { await rig.stop() } }
        _ = try rig.device.apply("bad-checksum 1")
        await #expect(throws: WatchpostError.self) { try await rig.status([1]) }
        let s = try await rig.status([1])
        #expect(s.inputSignal)
        #expect(await rig.client.currentCounters().badChecksums >= 1)
    }

    @Test func stallTimesOutWithinTheRequestTimeout() async throws {
        let rig = try await Rig.tcp(cards: [1], timeout: .seconds(2))
        defer { Task { await rig.stop() } }
        _ = try rig.device.apply("stall")
        let t0 = monotonicNanoseconds()
        do {
            _ = try await rig.status([1])
            Issue.record("a stalled controller must not yield a status")
        } catch {
            let e = try #require(error as? WatchpostError)
            expectEqual(e.code, .timeout)
            #expect(e.message.contains("no answer from the controller"), "\(e.message)")
        }
        let ms = (monotonicNanoseconds() - t0) / 1_000_000
        // Not before the 2 s timeout. Waiting on TCP itself (a stalled peer that keeps the
        // connection open is never timed out by the kernel) would hang past the suite's time limit.
        #expect(ms >= 1950, "\(ms) ms")
        _ = try rig.device.apply("unstall")
        #expect(try await rig.status([1]).inputSignal)
    }

    @Test func closedConnectionIsReopened() async throws {
        let rig = try await Rig.tcp(cards: [1])
        defer { Task { await rig.stop() } }
        _ = try await rig.status([1])
        _ = try rig.device.apply("close")
        await #expect(throws: WatchpostError.self) { try await rig.status([1]) }
        _ = try await rig.status([1])
        await expectEqual(rig.client.currentCounters().connects, 2)
    }

    @Test func unreachableControllerIsANetworkError() async throws {
        // A port nobody listens on: bind one, note it, close it.
        let l = try TCPListener(host: "127.0.0.1", port: 0)
        let port = l.port
        l.descriptor.close()
        let client = NovaStarClient(endpoint: .tcp(host: "127.0.0.1", port: port), clock: SystemClock(), executor: DedicatedThreadExecutor(name: "t"))
        do {
            _ = try await client.readStatus(layout: ControllerLayout(cardsPerPort: [1]), deadline: SystemClock().now() + .seconds(5))
            Issue.record("expected an error")
        } catch {
            let e = error
            expectEqual(e.code, .network)
            #expect(e.message.contains("127.0.0.1:\(port)"))
        }
    }

    @Test func largeReadsAreSplitByTheProbedMaximumPacket() async throws {
        let rig = try await Rig.tcp(cards: [1]) { $0.maxPacket = 300 }
        defer { Task { await rig.stop() } }
        let out = try await rig.client.read(device: .receivingCard, address: NovaStarRegister.monitoring, length: 700, deadline: rig.deadline)
        guard case .data(let d) = out else { Issue.record("nack \(out)"); return }
        expectEqual(d.count, 700)
        expectEqual(Array(d.prefix(82)), rig.device.snapshot().ports[0][0].monitoring.encoded())
        // 2 probe reads (registers 6 and 7) + 3 chunks of at most 300 bytes.
        await expectEqual(rig.client.currentCounters().requests, 5)
    }

    @Test func writeAcksWithDataAreAccepted() async throws {
        let rig = try await Rig.tcp(cards: [2]) { $0.writeAckWithData = true }
        defer { Task { await rig.stop() } }
        let n = try await rig.client.writeAndConfirm(address: NovaStarRegister.killMode, value: 0xFF, layout: ControllerLayout(cardsPerPort: [2]), deadline: rig.deadline)
        expectEqual(n, 2)
        #expect(rig.device.snapshot().ports[0].allSatisfy { $0.kill == 0xFF })
    }

    @Test func responderActionsWriteAndReadBack() async throws {
        let rig = try await Rig.tcp(cards: [2, 1])
        defer { Task { await rig.stop() } }
        let settings = NovaStarSettings(endpoint: rig.client.endpoint, layout: ControllerLayout(cardsPerPort: [2, 1]))
        let ledger = NovaStarCommandLedger()
        let black = LEDScreenAction(settings: settings, kind: .blackout, client: rig.client, ledger: ledger)
        let text = try await black.perform(deadline: rig.deadline, clock: rig.clock)
        #expect(text.contains("read back 0xFF from 3 receiving cards"))
        #expect(rig.device.snapshot().ports.joined().allSatisfy { $0.kill == 0xFF })
        expectEqual(ledger.commanded(endpoint: settings.endpoint.description).kill, true)
        _ = try await LEDScreenAction(settings: settings, kind: .restore, client: rig.client, ledger: ledger).perform(deadline: rig.deadline, clock: rig.clock)
        #expect(rig.device.snapshot().ports.joined().allSatisfy { $0.kill == 0 })
        _ = try await LEDScreenAction(settings: settings, kind: .brightness(percent: 50), client: rig.client, ledger: ledger).perform(deadline: rig.deadline, clock: rig.clock)
        #expect(rig.device.snapshot().ports.joined().allSatisfy { $0.brightness[0] == 0x80 })
    }

    @Test func readBackFailureIsAnError() async throws {
        // A card that is present but ignores writes (firmware lock) must fail the confirmation.
        let rig = try await Rig.tcp(cards: [2])
        defer { Task { await rig.stop() } }
        let settings = NovaStarSettings(endpoint: rig.client.endpoint, layout: ControllerLayout(cardsPerPort: [2]))
        _ = try rig.device.apply("stall")
        let action = LEDScreenAction(settings: settings, kind: .blackout, client: rig.client, ledger: NovaStarCommandLedger())
        await #expect(throws: WatchpostError.self) { _ = try await action.perform(deadline: rig.clock.now() + .seconds(3), clock: rig.clock) }
    }

    @Test func statusOverAPseudoTerminal() async throws {
        let device = NovaStarDevice(cardsPerPort: [3], monitoringCards: true)
        _ = try device.apply("unplug 1 2")
        _ = try device.apply("heat 61.5")
        let server = NovaStarServer(device: device)
        let link = "/tmp/watchpost-test-novastar-\(CurrentProcess.id).tty"
        let path = try await server.startPTY(link: link)
        defer { server.stop() }
        #expect(path.hasPrefix("/dev/pts/"))
        let client = NovaStarClient(endpoint: .serial(path: link, baud: 115_200), clock: SystemClock(), executor: DedicatedThreadExecutor(name: "pty"))
        let s = try await client.readStatus(layout: ControllerLayout(cardsPerPort: [3]), deadline: SystemClock().now() + .seconds(10))
        #expect(s.modelKnown && s.inputSignal)
        expectEqual(s.missingCards.map(\.label), ["port 1 card 2"])
        #expect(s.onlineCards.allSatisfy { $0.monitoring?.temperature == 61.5 })
        // Garbage on the serial line is skipped just the same.
        _ = try device.apply("garbage 2")
        #expect(try await client.readStatus(layout: ControllerLayout(cardsPerPort: [3]), deadline: SystemClock().now() + .seconds(10)).inputSignal)
        await client.close()
    }

    @Test func nonStandardBaudRateIsSetThroughTermios2() async throws {
        let server = NovaStarServer(device: NovaStarDevice(cardsPerPort: [1]))
        let path = try await server.startPTY()
        defer { server.stop() }
        let client = NovaStarClient(endpoint: .serial(path: path, baud: 1_048_576), clock: SystemClock(), executor: DedicatedThreadExecutor(name: "pty2"))
        let s = try await client.readStatus(layout: ControllerLayout(cardsPerPort: [1]), deadline: SystemClock().now() + .seconds(10))
        #expect(s.inputSignal)
        await client.close()
    }

    @Test func discoveryOnLoopback() async throws {
        let server = NovaStarServer(device: NovaStarDevice(cardsPerPort: [1]))
        // A free UDP port: bind port 0, note the port, release it for the simulator.
        let port = try UDPSocket(bindHost: "127.0.0.1", port: 0).localPort
        try await server.startDiscovery(host: "127.0.0.1", port: port)
        defer { server.stop() }
        let found = try await runBlocking { try NovaStarDiscovery.discover(address: "127.0.0.1", port: port, wait: Seconds(milliseconds: 500)) }
        expectEqual(found.map(\.info), ["MCTRL660 simulator"])
        expectEqual(found.first?.address, "127.0.0.1")
    }

    @Test func controlSocketAppliesFaults() async throws {
        let device = NovaStarDevice(cardsPerPort: [2])
        let server = NovaStarServer(device: device)
        let path = "/tmp/watchpost-test-novastar-\(CurrentProcess.id).ctl"
        try await server.startControl(path: path)
        defer { server.stop() }
        let answer = try await runBlocking { try NovaStarServer.control(path: path, command: "drop-input") }
        #expect(answer.hasPrefix("ok: signal off"))
        #expect(!device.snapshot().signal)
        let bad = try await runBlocking { try NovaStarServer.control(path: path, command: "unplug 9 9") }
        #expect(bad.hasPrefix("error:"))
    }
}

// The NovaStar sending-card simulator: a register model of one sending card with N receiving
// cards (with or without monitoring cards) that answers the same bytes as the device
// (../shared/protocols/novastar.md), served on TCP, on a pseudo-terminal (the serial path) and to
// UDP discovery, with fault injection from the command line or a control socket.
import WatchpostCore
import WatchpostLED
import Posix
import Synchronization

/// One simulated receiving card.
public struct SimulatedCard: Sendable, Hashable {
    public var present = true
    public var model: UInt16 = 0x4550
    public var firmware: [UInt8] = [4, 6, 2, 0]
    /// Overall, R, G, B, virtual R.
    public var brightness: [UInt8] = [0xC0, 0xFF, 0xFF, 0xFF, 0xFF]
    public var kill: UInt8 = 0
    public var lock: UInt8 = 0
    public var testPattern: UInt8 = 0
    public var monitoring = MonitoringBlock(temperature: 38.5, humidity: 45, voltage: 5.0)

    public init() {}
}

/// Faults waiting to be applied to the next answers.
public struct SimulatedFaults: Sendable, Hashable {
    /// Noise (with stray header bytes) before each of the next N answers.
    public var garbageBefore = 0
    /// The next N answers are first sent truncated, then whole.
    public var garble = 0
    /// The next N answers carry a wrong checksum.
    public var badChecksum = 0
    /// No answers at all while set.
    public var stall = false
    /// Close the connection instead of answering the next request.
    public var closeNext = false
    /// Before each of the next N answers, a well-formed answer carrying another serial number.
    public var strayBefore = 0
    public init() {}
}

/// The device state and the protocol logic; thread-safe (one Mutex), shared by every server loop.
public final class NovaStarDevice: Sendable {
    public struct State: Sendable, Hashable {
        public var model: UInt16 = 0x1101
        public var firmware: [UInt8] = [3, 7, 1, 0]
        public var signal = true
        public var inputSelection: UInt8 = 0x5A
        public var input: UInt8 = 0x58
        /// nil: the model does not report redundancy (register answers "unknown command").
        public var redundancy: [UInt8]? = [0, 0, 0, 0, 0, 0, 0, 0]
        public var maxPacket: UInt16 = 512
        public var ports: [[SimulatedCard]] = [[SimulatedCard](repeating: SimulatedCard(), count: 4)]
        public var writeAckWithData = false
        public var faults = SimulatedFaults()
        public var answered = 0
        public var discovery = "MCTRL660 simulator"
        /// Answer the monitoring area only in 256-byte reads (as some firmware does).
        public var monitoringOnly256 = false
        public init() {}
    }

    private let state: Mutex<State>

    public init(_ s: State = State()) { state = Mutex(s) }

    public convenience init(cardsPerPort: [Int], monitoringCards: Bool = false) {
        var s = State()
        s.ports = cardsPerPort.map { n in
            (0..<n).map { i in
                var c = SimulatedCard()
                c.monitoring.temperature = 36 + Double(i % 5)
                if monitoringCards {
                    c.monitoring.monitoringCardPresent = true
                    c.monitoring.monitoringCardTemperature = 31
                    c.monitoring.monitoringCardHumidity = 40
                    c.monitoring.fansRPM = [1500, 1500, 1450, 1500]
                    c.monitoring.voltages = [5.0, 5.0, 4.9, 5.1, 5.0, 5.0, 5.0, 5.0, 5.0]
                }
                return c
            }
        }
        self.init(s)
    }

    public func snapshot() -> State { state.withLock { $0 } }
    public func update(_ body: (inout State) -> Void) { state.withLock { body(&$0) } }

    /// What the wire carries back for one request: zero, one or more byte chunks, or a close.
    public enum Reply: Sendable, Hashable {
        case bytes([UInt8])
        case silence
        case close
    }

    /// The answer to one request, faults applied.
    public func reply(to request: NovaStarFrame) -> Reply {
        state.withLock { s in
            if s.faults.closeNext { s.faults.closeNext = false; return .close }
            if s.faults.stall { return .silence }
            let response = Self.respond(to: request, state: &s)
            s.answered += 1
            var bytes = response.encoded()
            if s.faults.badChecksum > 0 {
                s.faults.badChecksum -= 1
                bytes[bytes.count - 1] ^= 0x5A
            }
            if s.faults.garble > 0 {
                s.faults.garble -= 1
                bytes = Array(bytes.prefix(max(3, bytes.count / 2))) + bytes
            }
            if s.faults.strayBefore > 0 {
                s.faults.strayBefore -= 1
                var stray = response
                stray.serial = response.serial &+ 77
                bytes = stray.encoded() + bytes
            }
            if s.faults.garbageBefore > 0 {
                s.faults.garbageBefore -= 1
                bytes = [0x00, 0x13, 0xAA, 0x37, 0xAA, 0x55, 0x01, 0xFF, 0x55, 0xAA, 0x42, 0xAA] + bytes
            }
            return .bytes(bytes)
        }
    }

    /// The protocol itself (no faults): reads from and writes to the register model.
    static func respond(to r: NovaStarFrame, state s: inout State) -> NovaStarFrame {
        let length = Int(r.length)
        if r.destination != 0 && r.destination != 0xFF { return r.response(ack: 1) }
        if r.direction == .read && length > Int(s.maxPacket) { return r.response(ack: 4) }
        switch DeviceType(rawValue: r.deviceType) {
        case .sendingCard?:
            if r.direction == .read {
                if r.address == NovaStarRegister.redundancy && s.redundancy == nil { return r.response(ack: 4) }
                return r.response(data: (0..<length).map { senderByte(r.address &+ UInt32($0), s) })
            }
            for (i, b) in r.data.enumerated() { writeSender(r.address &+ UInt32(i), b, &s) }
            return r.response(echoData: s.writeAckWithData)
        case .receivingCard?:
            let targets = cardIndices(port: r.port, board: r.board, s)
            if r.direction == .read {
                guard r.port != 0xFF, r.board != 0xFFFF, let (p, k) = targets.first else { return r.response(ack: 1) }
                let card = s.ports[p][k]
                if s.monitoringOnly256 && r.address == NovaStarRegister.monitoring && length != 256 { return r.response(ack: 4) }
                return r.response(data: (0..<length).map { receiverByte(r.address &+ UInt32($0), card) })
            }
            if targets.isEmpty { return r.response(ack: 1) }
            for (p, k) in targets {
                for (i, b) in r.data.enumerated() { writeReceiver(r.address &+ UInt32(i), b, &s.ports[p][k]) }
            }
            return r.response(echoData: s.writeAckWithData)
        default:
            return r.response(ack: 1)
        }
    }

    static func cardIndices(port: UInt8, board: UInt16, _ s: State) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        for (p, cards) in s.ports.enumerated() where port == 0xFF || Int(port) == p {
            for (k, c) in cards.enumerated() where (board == 0xFFFF || Int(board) == k) && c.present { out.append((p, k)) }
        }
        return out
    }

    static func le(_ v: UInt64, byte i: Int) -> UInt8 { UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }

    static func senderByte(_ a: UInt32, _ s: State) -> UInt8 {
        switch a {
        case 0x2, 0x3: return le(UInt64(s.model), byte: Int(a - 0x2))
        case 0x6: return NovaStarRegister.maxPacketFlagValue
        case 0x7, 0x8: return le(UInt64(s.maxPacket), byte: Int(a - 0x7))
        case 0x0410_0004...0x0410_0007: return s.firmware[Int(a - 0x0410_0004)]
        case NovaStarRegister.inputSignal: return s.signal ? 1 : 0
        case 0x0200_0018...0x0200_001F: return s.redundancy?[Int(a - 0x0200_0018)] ?? 0
        case NovaStarRegister.inputSelection: return s.inputSelection
        case NovaStarRegister.currentInput: return s.input
        default: return 0
        }
    }

    static func writeSender(_ a: UInt32, _ b: UInt8, _ s: inout State) {
        switch a {
        case NovaStarRegister.currentInput: s.input = b
        case NovaStarRegister.inputSelection: s.inputSelection = b
        default: break
        }
    }

    static func receiverByte(_ a: UInt32, _ c: SimulatedCard) -> UInt8 {
        switch a {
        case 0x0, 0x1: return le(UInt64(c.model), byte: Int(a))
        case 0x0800_0004...0x0800_0007: return c.firmware[Int(a - 0x0800_0004)]
        case 0x0200_0001...0x0200_0005: return c.brightness[Int(a - 0x0200_0001)]
        case NovaStarRegister.killMode: return c.kill
        case NovaStarRegister.testPattern: return c.testPattern
        case NovaStarRegister.lockMode: return c.lock
        case 0x0A00_0000..<0x0A00_0052: return c.monitoring.encoded()[Int(a - 0x0A00_0000)]
        default: return 0
        }
    }

    static func writeReceiver(_ a: UInt32, _ b: UInt8, _ c: inout SimulatedCard) {
        switch a {
        case 0x0200_0001...0x0200_0005: c.brightness[Int(a - 0x0200_0001)] = b
        case NovaStarRegister.killMode: c.kill = b
        case NovaStarRegister.testPattern: c.testPattern = b
        case NovaStarRegister.lockMode: c.lock = b
        default: break
        }
    }

    // MARK: Fault injection commands (command line `--fault`, control socket lines)

    public static let commandHelp = """
    drop-input | restore-input          input signal off / on
    unplug P K | plug P K               receiving card K on output port P (both from 1)
    blackout | restore                  kill mode on / off on every card
    freeze | unfreeze                   lock mode on / off on every card
    test-pattern N                      pattern 2–9 on every card (0 = video)
    heat C [P K]                        card temperature to C °C (every card, or one)
    humidity H | voltage V              on every card
    brightness PCT                      on every card
    input dvi|hdmi|dp|sdi|dual-dvi      current input
    fan P K I RPM | smoke on|off | door open|closed   (monitoring cards)
    backup P on|off                     port P on its redundant path
    garbage N | garble N | bad-checksum N   corrupt the next N answers
    stray N                             a well-formed answer with another serial before the next N
    stall | unstall | close             stop answering / answer again / drop the connection
    status                              print the state
    """

    /// Applies one fault-injection command; returns what it did.
    public func apply(_ line: String) throws(WatchpostError) -> String {
        let w = line.split(separator: " ").map(String.init)
        guard let verb = w.first else { throw WatchpostError(.usage, "empty command") }
        func int(_ i: Int) throws(WatchpostError) -> Int {
            guard i < w.count, let v = Int(w[i]) else { throw WatchpostError(.usage, "'\(line)': argument \(i) must be a number", hint: Self.commandHelp) }
            return v
        }
        func double(_ i: Int) throws(WatchpostError) -> Double {
            guard i < w.count, let v = Double(w[i]) else { throw WatchpostError(.usage, "'\(line)': argument \(i) must be a number", hint: Self.commandHelp) }
            return v
        }
        func card(_ pi: Int, _ ki: Int) throws(WatchpostError) -> (Int, Int) {
            let (p, k) = (try int(pi) - 1, try int(ki) - 1)
            let s = snapshot()
            guard p >= 0, p < s.ports.count, k >= 0, k < s.ports[p].count else {
                throw WatchpostError(.usage, "'\(line)': no card \(k + 1) on port \(p + 1)")
            }
            return (p, k)
        }
        func all(_ body: (inout SimulatedCard) -> Void) { update { s in for p in s.ports.indices { for k in s.ports[p].indices { body(&s.ports[p][k]) } } } }
        switch verb {
        case "drop-input": update { $0.signal = false }
        case "restore-input": update { $0.signal = true }
        case "unplug", "plug":
            let (p, k) = try card(1, 2)
            update { $0.ports[p][k].present = verb == "plug" }
        case "blackout": all { $0.kill = 0xFF }
        case "restore": all { $0.kill = 0 }
        case "freeze": all { $0.lock = 0xFF }
        case "unfreeze": all { $0.lock = 0 }
        case "test-pattern": let n = UInt8(clamping: try int(1)); all { $0.testPattern = n }
        case "heat":
            let t = try double(1)
            if w.count >= 4 { let (p, k) = try card(2, 3); update { $0.ports[p][k].monitoring.temperature = t } } else { all { $0.monitoring.temperature = t } }
        case "humidity": let h = try int(1); all { $0.monitoring.humidity = h }
        case "voltage": let v = try double(1); all { $0.monitoring.voltage = v }
        case "brightness": let raw = LEDScreenAction.raw(percent: try double(1)); all { $0.brightness[0] = raw }
        case "input":
            let codes: [String: UInt8] = ["dvi": 0x58, "dual-dvi": 0x61, "hdmi": 0x05, "sdi": 0x01, "dp": 0x5F]
            guard w.count > 1, let c = codes[w[1]] else { throw WatchpostError(.usage, "'\(line)': input is one of \(codes.keys.sorted().joined(separator: ", "))") }
            update { $0.input = c }
        case "fan":
            let (p, k) = try card(1, 2)
            let i = try int(3) - 1, rpm = try int(4)
            guard (0..<4).contains(i) else { throw WatchpostError(.usage, "'\(line)': fans are 1–4") }
            update { $0.ports[p][k].monitoring.fansRPM[i] = rpm }
        case "smoke": let on = w.count > 1 && w[1] == "on"; all { $0.monitoring.smokeRaw = on ? 0x81 : 0x80 }
        case "door": let open = w.count > 1 && w[1] == "open"; all { $0.monitoring.generalStatus = open ? 0x01 : 0x00 }
        case "backup":
            let p = try int(1) - 1
            guard p >= 0, p < 32 else { throw WatchpostError(.usage, "'\(line)': port 1–32") }
            let on = w.count > 2 && w[2] == "on"
            update { s in
                var r = s.redundancy ?? [UInt8](repeating: 0, count: 8)
                let mask = UInt8(0x03) << UInt8((p % 4) * 2)
                r[p / 4] = on ? r[p / 4] | (UInt8(0x01) << UInt8((p % 4) * 2)) : r[p / 4] & ~mask
                s.redundancy = r
            }
        case "garbage": let n = try int(1); update { $0.faults.garbageBefore = n }
        case "garble": let n = try int(1); update { $0.faults.garble = n }
        case "bad-checksum": let n = try int(1); update { $0.faults.badChecksum = n }
        case "stray": let n = try int(1); update { $0.faults.strayBefore = n }
        case "stall": update { $0.faults.stall = true }
        case "unstall": update { $0.faults.stall = false }
        case "close": update { $0.faults.closeNext = true }
        case "status": break
        default: throw WatchpostError(.usage, "unknown command '\(verb)'", hint: Self.commandHelp)
        }
        return describe()
    }

    public func describe() -> String {
        let s = snapshot()
        let cards = s.ports.enumerated().map { p, cards in
            "port \(p + 1): " + cards.map { c in c.present ? (c.kill == 0xFF ? "K" : c.lock == 0xFF ? "L" : "o") : "-" }.joined()
        }.joined(separator: "; ")
        let t = s.ports.first?.first?.monitoring.temperature.map { "\($0)" } ?? "?"
        return "signal \(s.signal ? "on" : "off"), input 0x\(String(s.input, radix: 16)), \(cards), card temp \(t) °C, stall \(s.faults.stall), answered \(s.answered)"
    }
}

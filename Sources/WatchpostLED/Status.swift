// What one poll of a sending card reads: model, firmware, input, redundancy, and for every
// receiving card on every configured output port its presence, brightness, kill/lock/test-pattern
// state and monitoring block. The JSON field names of these types are documented in the README.
import WatchpostCore

public struct CardStatus: Sendable, Hashable, Codable {
    public var port: Int
    public var index: Int
    /// Within the configured count for its port (an extra card found beyond it is false).
    public var configured: Bool
    public var online: Bool
    /// Why an offline card is offline (the controller's ack), for people.
    public var reason: String?
    public var modelId: Int?
    public var firmware: String?
    public var brightnessRaw: Int?
    public var brightnessPercent: Double?
    public var kill: Bool?
    public var lock: Bool?
    public var testPattern: Int?
    public var testPatternName: String?
    public var monitoring: MonitoringBlock?

    public init(port: Int, index: Int, configured: Bool, online: Bool) {
        self.port = port
        self.index = index
        self.configured = configured
        self.online = online
    }

    public var label: String { "port \(port + 1) card \(index + 1)" }
}

public struct PortStatus: Sendable, Hashable, Codable {
    public var port: Int
    public var configuredCards: Int
    public var onlineCards: Int
    /// Set when the controller reports the backup (redundant) path in use for this port.
    public var backupInUse: Bool?
}

public struct ControllerStatus: Sendable, Hashable, Codable {
    public var endpoint: String
    public var modelId: Int
    public var model: String
    public var modelKnown: Bool
    public var firmware: String
    public var inputSignal: Bool
    /// The input selection register as text for the JSON ("manual", "automatic (0x12)", "not
    /// reported"); people read `inputSelectionCode` through the catalogue (NovaStarStatusLines).
    public var inputSelection: String
    /// The input selection register's byte (0x5A manual, any other automatic), nil when the
    /// controller did not answer it.
    public var inputSelectionCode: Int?
    public var currentInputCode: Int?
    public var currentInput: String?
    /// Raw redundancy bytes as hex, nil when the model does not report redundancy.
    public var redundancyRaw: String?
    public var maxPacket: Int?
    public var ports: [PortStatus]
    public var cards: [CardStatus]

    /// `firmware` and `inputSelection` when the controller did not answer their register (the JSON
    /// keeps this text; `watchpost probe led` says it in both languages, NovaStarStatusLines).
    public static let notReported = "not reported"

    public var onlineCards: [CardStatus] { cards.filter(\.online) }
    public var missingCards: [CardStatus] { cards.filter { $0.configured && !$0.online } }
    /// The brightness of the screen: the first online card's (brightness is written to all cards at once).
    public var brightnessPercent: Double? { onlineCards.first?.brightnessPercent }
    public var anyKilled: Bool { onlineCards.contains { $0.kill == true } }
    public var anyLocked: Bool { onlineCards.contains { $0.lock == true } }
    public var testPatternCards: [CardStatus] { onlineCards.filter { ($0.testPattern ?? 0) >= 2 } }
    /// Whether the wall shows light: some online card neither killed nor at zero brightness.
    public var lit: Bool { onlineCards.contains { $0.kill != true && ($0.brightnessRaw ?? 1) > 0 } }
}

/// The wiring the site expects: how many receiving cards on each output port.
public struct ControllerLayout: Sendable, Hashable {
    public var cardsPerPort: [Int]
    /// Sending card index in a cascade (0 for the first).
    public var destination: UInt8
    /// How many cards beyond the configured count to look for (extra cards are reported).
    public var extraScan: Int
    /// Ad-hoc polls without an expected layout: every card found counts as expected.
    public var countOnly: Bool

    public init(cardsPerPort: [Int], destination: UInt8 = 0, extraScan: Int = 1, countOnly: Bool = false) {
        self.cardsPerPort = cardsPerPort
        self.destination = destination
        self.extraScan = extraScan
        self.countOnly = countOnly
    }
}

extension NovaStarClient {
    /// One full status poll. Throws when the controller cannot be reached or stops answering;
    /// a missing card or an unknown model is part of the status, not an error.
    public func readStatus(layout: ControllerLayout, deadline: Instant) throws(WatchpostError) -> ControllerStatus {
        let dst = layout.destination
        func sender(_ address: UInt32, _ length: Int) throws(WatchpostError) -> ReadOutcome {
            try read(device: .sendingCard, destination: dst, address: address, length: length, deadline: deadline)
        }
        func bytes(_ o: ReadOutcome) -> [UInt8]? { if case .data(let d) = o { return d }; return nil }

        let modelBytes = try readData(device: .sendingCard, destination: dst, address: NovaStarRegister.senderModel, length: 2, deadline: deadline)
        let modelId = UInt16(modelBytes[0]) | UInt16(modelBytes[1]) << 8
        let firmware = bytes(try sender(NovaStarRegister.senderFirmware, 4)).map(NovaStarNames.firmware) ?? ControllerStatus.notReported
        let signal = try readData(device: .sendingCard, destination: dst, address: NovaStarRegister.inputSignal, length: 1, deadline: deadline)[0]
        let selection = bytes(try sender(NovaStarRegister.inputSelection, 1))?.first
        let input = bytes(try sender(NovaStarRegister.currentInput, 1))?.first
        let redundancy = bytes(try sender(NovaStarRegister.redundancy, 8))

        var cards: [CardStatus] = []
        var ports: [PortStatus] = []
        for (p, configured) in layout.cardsPerPort.enumerated() {
            var online = 0
            var index = 0
            while index < configured + layout.extraScan && index < 0xFFFF {
                var card = CardStatus(port: p, index: index, configured: index < configured || layout.countOnly, online: false)
                let presence = try read(device: .receivingCard, destination: dst, port: UInt8(p), board: UInt16(index),
                                        address: NovaStarRegister.receiverModel, length: 2, deadline: deadline)
                switch presence {
                case .nack(let a): card.reason = "\(a)"
                case .data(let d):
                    let id = Int(d[0]) | Int(d[1]) << 8
                    card.modelId = id
                    if id == 0 { card.reason = "model id 0 (no card)" } else { card.online = true }
                }
                if card.online {
                    try readCard(&card, destination: dst, deadline: deadline)
                    online += 1
                } else if index >= configured {
                    break  // no extra card: nothing to report
                }
                cards.append(card)
                index += 1
            }
            var ps = PortStatus(port: p, configuredCards: layout.countOnly ? online : configured, onlineCards: online)
            if let r = redundancy, p < 32 {
                let bits = (r[p / 4] >> UInt8((p % 4) * 2)) & 0x03
                ps.backupInUse = bits != 0
            }
            ports.append(ps)
        }
        return ControllerStatus(
            endpoint: endpoint.description, modelId: Int(modelId), model: NovaStarNames.senderModel(modelId),
            modelKnown: NovaStarNames.senderModels[modelId] != nil, firmware: firmware, inputSignal: signal == 0x01,
            inputSelection: selection.map(NovaStarNames.inputSelection) ?? ControllerStatus.notReported, inputSelectionCode: selection.map(Int.init),
            currentInputCode: input.map(Int.init), currentInput: input.map(NovaStarNames.input),
            redundancyRaw: redundancy.map { $0.map(hex2).joined() }, maxPacket: nil, ports: ports, cards: cards)
    }

    private func readCard(_ card: inout CardStatus, destination: UInt8, deadline: Instant) throws(WatchpostError) {
        let (port, board) = (UInt8(card.port), UInt16(card.index))
        func one(_ address: UInt32, _ length: Int) throws(WatchpostError) -> [UInt8]? {
            if case .data(let d) = try read(device: .receivingCard, destination: destination, port: port, board: board,
                                            address: address, length: length, deadline: deadline) { return d }
            return nil
        }
        card.firmware = try one(NovaStarRegister.receiverFirmware, 4).map(NovaStarNames.firmware)
        if let b = try one(NovaStarRegister.brightness, 1)?.first {
            card.brightnessRaw = Int(b)
            card.brightnessPercent = (Double(b) * 1000 / 255).rounded() / 10
        }
        card.kill = try one(NovaStarRegister.killMode, 1).map { $0[0] == 0xFF }
        card.lock = try one(NovaStarRegister.lockMode, 1).map { $0[0] == 0xFF }
        if let t = try one(NovaStarRegister.testPattern, 1)?.first {
            card.testPattern = Int(t)
            card.testPatternName = NovaStarNames.testPattern(t)
        }
        // Some firmware only answers the monitoring area in 256-byte reads (as NovaLCT issues
        // them): fall back to that when the 82-byte read is refused.
        var block = try one(NovaStarRegister.monitoring, NovaStarRegister.monitoringLength)
        if block == nil { block = try one(NovaStarRegister.monitoring, NovaStarRegister.defaultMaxPacket) }
        card.monitoring = block.flatMap { MonitoringBlock(bytes: $0) }
    }
}

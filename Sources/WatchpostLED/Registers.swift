// The NovaStar register map the probe uses, the names of model ids and inputs, and the 82-byte
// receiving-card monitoring block (decoded here, and encoded for the simulator, so that the
// layout lives in one place). Facts from ../shared/protocols/novastar.md and public
// reverse-engineering (sarakusha/novastar, Nova-Scripts).
import WatchpostCore

public enum NovaStarRegister {
    // Sending card (device type 0)
    public static let senderModel: UInt32 = 0x0000_0002        // 2 bytes
    public static let maxPacketFlag: UInt32 = 0x0000_0006      // 1 byte, 0xA8 when register 7 is valid
    public static let maxPacketSize: UInt32 = 0x0000_0007      // 2 bytes LE
    public static let senderFirmware: UInt32 = 0x0410_0004     // 4 bytes
    public static let inputSignal: UInt32 = 0x0200_0017        // 1 byte, 01 present
    public static let inputSelection: UInt32 = 0x0200_0022     // 1 byte, 0x5A manual
    public static let manualSelection: UInt8 = 0x5A
    public static let currentInput: UInt32 = 0x0200_0023       // 1 byte
    public static let redundancy: UInt32 = 0x0200_0018         // 8 bytes, 2 bits per output port
    // Receiving card (device type 1)
    public static let receiverModel: UInt32 = 0x0000_0000      // 2 bytes, non-zero when present
    public static let receiverFirmware: UInt32 = 0x0800_0004   // 4 bytes
    public static let brightness: UInt32 = 0x0200_0001         // 1 byte (or 5: overall, R, G, B, vR)
    public static let killMode: UInt32 = 0x0200_0100           // 0xFF black, 0x00 normal
    public static let testPattern: UInt32 = 0x0200_0101        // 2–9 patterns, 0/1 video
    public static let lockMode: UInt32 = 0x0200_0102           // 0xFF frozen
    public static let monitoring: UInt32 = 0x0A00_0000         // 82 bytes

    public static let maxPacketFlagValue: UInt8 = 0xA8
    public static let defaultMaxPacket = 256
    public static let monitoringLength = 82
}

public enum NovaStarNames {
    /// Sending-card model ids (register 2, little-endian): NovaLCT's names from the public
    /// NSCardType list (generated into NovaStarModels.swift by scripts/gen-novastar-models.py),
    /// except where NovaLCT names a card class rather than a model: for those three ids the
    /// names public monitoring code (Nova-Scripts) reports for the hardware are kept.
    public static let senderModels: [UInt16: String] = NovaStarModelTable.names.merging([
        0x0001: "MCTRL300/MSD300",
        0x0101: "MCTRL500",
        0x1101: "MCTRL600/MCTRL610/MCTRL660/MSD600",
    ]) { _, classNameOverride in classNameOverride }

    /// Name of a sending-card model id; unknown ids are reported as such, never as a failure. The
    /// name is the `model` fact and the status's `model`, a text in both languages when the id is
    /// unknown ("kiểu máy chưa biết (mã 0x7777) / unknown model (id 0x7777)").
    public static func senderModel(_ id: UInt16) -> String {
        senderModels[id] ?? Catalogue.bilingual(unknownModel(id))
    }

    /// An id not in the table, for people.
    public static func unknownModel(_ id: UInt16) -> Message {
        Message("led.model.unknown", ["id": .text("0x" + hex4(id))])
    }

    public static let inputs: [UInt8: String] = [0x58: "DVI", 0x61: "Dual-DVI", 0x05: "HDMI", 0x01: "SDI", 0x5F: "DisplayPort"]

    public static func input(_ code: UInt8) -> String { inputs[code] ?? "input 0x\(hex2(code))" }

    /// The input selection register as the status's JSON keeps it; people read
    /// `NovaStarStatusLines.selection` (the catalogue's words).
    public static func inputSelection(_ code: UInt8) -> String {
        code == NovaStarRegister.manualSelection ? "manual" : "automatic (0x\(hex2(code)))"
    }

    /// A test pattern for people ("đỏ" / "red"); `testPattern(_:)` is its raw name in the JSON.
    public static func testPatternMessage(_ code: Int) -> Message {
        switch code {
        case 0, 1: return Message("led.pattern.video")
        case 2: return Message("led.pattern.red")
        case 3: return Message("led.pattern.green")
        case 4: return Message("led.pattern.blue")
        case 5: return Message("led.pattern.white")
        case 6: return Message("led.pattern.horizontal-lines")
        case 7: return Message("led.pattern.vertical-lines")
        case 8: return Message("led.pattern.diagonal-lines")
        case 9: return Message("led.pattern.grey-scale")
        default: return Message("led.pattern.other", ["code": .count(code)])
        }
    }

    public static func testPattern(_ code: UInt8) -> String {
        switch code {
        case 0, 1: return "video"
        case 2: return "red"
        case 3: return "green"
        case 4: return "blue"
        case 5: return "white"
        case 6: return "horizontal lines"
        case 7: return "vertical lines"
        case 8: return "diagonal lines"
        case 9: return "grey scale"
        default: return "pattern \(code)"
        }
    }

    public static func firmware(_ bytes: [UInt8]) -> String {
        guard bytes.count == 4 else { return bytes.map(hex2).joined() }
        return bytes.map { String($0) }.joined(separator: ".")
    }
}

func hex2(_ b: UInt8) -> String { let s = String(b, radix: 16, uppercase: true); return b < 16 ? "0" + s : s }
func hex4(_ v: UInt16) -> String { hex2(UInt8(v >> 8)) + hex2(UInt8(v & 0xFF)) }

/// The monitoring block of one receiving card (register 0x0A000000, 82 bytes). Values whose
/// "valid" bit (bit 7) is clear are nil: the sensor is absent.
public struct MonitoringBlock: Sendable, Hashable, Codable {
    public var temperature: Double?
    public var humidity: Int?
    public var voltage: Double?
    public var monitoringCardPresent: Bool
    public var monitoringCardTemperature: Double?
    public var monitoringCardHumidity: Int?
    /// Raw smoke byte; smoke is reported when its low seven bits are non-zero.
    public var smokeRaw: UInt8
    public var fansRPM: [Int?]
    public var voltages: [Double?]
    /// General status byte (offset 65); bit 0 is read as "cabinet door open" (not confirmed on hardware).
    public var generalStatus: UInt8
    /// Module / ribbon-cable status bytes (offsets 11–26 and 66–81): non-zero bytes flag a fault.
    public var moduleStatus: [UInt8]

    public init(temperature: Double? = nil, humidity: Int? = nil, voltage: Double? = nil, monitoringCardPresent: Bool = false,
                monitoringCardTemperature: Double? = nil, monitoringCardHumidity: Int? = nil, smokeRaw: UInt8 = 0,
                fansRPM: [Int?] = [nil, nil, nil, nil], voltages: [Double?] = Array(repeating: nil, count: 9),
                generalStatus: UInt8 = 0, moduleStatus: [UInt8] = Array(repeating: 0, count: 32)) {
        self.temperature = temperature
        self.humidity = humidity
        self.voltage = voltage
        self.monitoringCardPresent = monitoringCardPresent
        self.monitoringCardTemperature = monitoringCardTemperature
        self.monitoringCardHumidity = monitoringCardHumidity
        self.smokeRaw = smokeRaw
        self.fansRPM = fansRPM
        self.voltages = voltages
        self.generalStatus = generalStatus
        self.moduleStatus = moduleStatus
    }

    public var smoke: Bool { monitoringCardPresent && smokeRaw & 0x7F != 0 }
    public var doorOpen: Bool { monitoringCardPresent && generalStatus & 0x01 != 0 }
    public var faultyModuleBytes: Int { moduleStatus.filter { $0 != 0 }.count }

    static func temperature(flags: UInt8, value: UInt8) -> Double? {
        guard flags & 0x80 != 0 else { return nil }
        let t = Double(value) * 0.5
        return flags & 0x01 != 0 ? -t : t
    }

    static func encodeTemperature(_ t: Double?) -> (UInt8, UInt8) {
        guard let t else { return (0, 0) }
        let v = UInt8(clamping: Int((abs(t) * 2).rounded()))
        return (0x80 | (t < 0 ? 1 : 0), v)
    }

    /// Decodes the block; shorter input is an error (the caller asked for 82 bytes).
    public init?(bytes b: [UInt8]) {
        guard b.count >= NovaStarRegister.monitoringLength else { return nil }
        temperature = Self.temperature(flags: b[0], value: b[1])
        humidity = b[2] & 0x80 != 0 ? Int(b[2] & 0x7F) : nil
        voltage = b[3] & 0x80 != 0 ? Double(b[3] & 0x7F) / 10 : nil
        monitoringCardPresent = b[32] == 0xFF
        monitoringCardTemperature = monitoringCardPresent ? Self.temperature(flags: b[39], value: b[40]) : nil
        monitoringCardHumidity = monitoringCardPresent && b[41] & 0x80 != 0 ? Int(b[41] & 0x7F) : nil
        smokeRaw = b[42]
        fansRPM = (43...46).map { monitoringCardPresentFlag(b[32]) && b[$0] & 0x80 != 0 ? Int(b[$0] & 0x7F) * 50 : nil }
        voltages = (47...55).map { monitoringCardPresentFlag(b[32]) && b[$0] & 0x80 != 0 ? Double(b[$0] & 0x7F) / 10 : nil }
        generalStatus = b[65]
        moduleStatus = Array(b[11...26]) + Array(b[66...81])
    }

    /// The 82 bytes a receiving card answers with (the simulator's side).
    public func encoded() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: NovaStarRegister.monitoringLength)
        (b[0], b[1]) = Self.encodeTemperature(temperature)
        b[2] = humidity.map { 0x80 | UInt8(clamping: max(0, min(127, $0))) } ?? 0
        b[3] = voltage.map { 0x80 | UInt8(clamping: max(0, min(127, Int(($0 * 10).rounded())))) } ?? 0
        let ms = moduleStatus + Array(repeating: 0, count: max(0, 32 - moduleStatus.count))
        for i in 0..<16 { b[11 + i] = ms[i]; b[66 + i] = ms[16 + i] }
        if monitoringCardPresent {
            b[32] = 0xFF
            (b[39], b[40]) = Self.encodeTemperature(monitoringCardTemperature)
            b[41] = monitoringCardHumidity.map { 0x80 | UInt8(clamping: max(0, min(127, $0))) } ?? 0
            b[42] = smokeRaw
            for (i, f) in fansRPM.prefix(4).enumerated() { b[43 + i] = f.map { 0x80 | UInt8(clamping: max(0, min(127, $0 / 50))) } ?? 0 }
            for (i, v) in voltages.prefix(9).enumerated() { b[47 + i] = v.map { 0x80 | UInt8(clamping: max(0, min(127, Int(($0 * 10).rounded())))) } ?? 0 }
            b[65] = generalStatus
        }
        return b
    }
}

private func monitoringCardPresentFlag(_ b: UInt8) -> Bool { b == 0xFF }

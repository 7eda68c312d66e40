// HID report descriptors (USB HID 1.11, §6.2.2): a parser of short and long items that keeps the
// global state (with push/pop), the local state (usages, usage ranges), the collection stack, and
// lays out every Input/Output/Feature field with its report id, bit offset and size, logical and
// physical range, unit and unit exponent. UPS firmware ships broken descriptors (logical maxima
// that overflow their sign bit, truncated items, unbalanced collections); the parser keeps what
// makes sense, lists what did not, and never traps.

/// A usage: page in the high 16 bits, id in the low 16 bits (as HID's extended usages).
public struct HIDUsage: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var page: UInt16
    public var id: UInt16

    public init(page: UInt16, id: UInt16) { self.page = page; self.id = id }
    public init(extended: UInt32) { page = UInt16(extended >> 16); id = UInt16(extended & 0xFFFF) }

    public static func < (a: HIDUsage, b: HIDUsage) -> Bool { (a.page, a.id) < (b.page, b.id) }

    /// NUT-style name when the usage is one of the Power Device / Battery System ones we know.
    public var name: String { HIDUsageNames.name(of: self) ?? "0x\(String(page, radix: 16)):0x\(String(id, radix: 16))" }
    public var description: String { name }
}

public enum HIDReportKind: String, Sendable, Hashable, CaseIterable {
    case input, output, feature
}

/// One value in a report.
public struct HIDField: Sendable, Hashable {
    public var kind: HIDReportKind
    /// 0 when the descriptor declares no report ids (then reports carry no id byte).
    public var reportID: UInt8
    /// Offset in bits from the start of the report data (after the id byte).
    public var bitOffset: Int
    public var bitSize: Int
    public var usage: HIDUsage
    /// Usages of the enclosing collections, outermost first (e.g. UPS, PowerSummary).
    public var collectionPath: [HIDUsage]
    public var logicalMinimum: Int64
    public var logicalMaximum: Int64
    public var physicalMinimum: Int64
    public var physicalMaximum: Int64
    public var unit: UInt32
    public var unitExponent: Int
    /// Main-item flags: bit 0 constant, bit 1 variable, bit 2 relative…
    public var flags: UInt32

    public var isConstant: Bool { flags & 1 != 0 }
    public var isVariable: Bool { flags & 2 != 0 }

    /// `UPS.PowerSummary.RemainingCapacity`, as NUT prints HID paths.
    public var path: String { (collectionPath + [usage]).map(\.name).joined(separator: ".") }

    /// True when `ancestor` is one of the enclosing collections.
    public func isInside(_ ancestor: HIDUsage) -> Bool { collectionPath.contains(ancestor) }

    /// The raw value in `data` (report bytes without the id byte); nil when the report is too short.
    public func rawValue(in data: [UInt8]) -> Int64? {
        guard bitSize > 0, bitSize <= 32, bitOffset >= 0, bitOffset + bitSize <= data.count * 8 else { return nil }
        var v: UInt64 = 0
        for i in 0..<bitSize {
            let bit = bitOffset + i
            if data[bit / 8] & (1 << UInt8(bit % 8)) != 0 { v |= 1 << UInt64(i) }
        }
        // Signed when the logical range goes below zero (HID two's complement within bitSize).
        if logicalMinimum < 0, bitSize < 64, v & (1 << UInt64(bitSize - 1)) != 0 {
            return Int64(v) - (Int64(1) << Int64(bitSize))
        }
        return Int64(v)
    }

    /// The physical value: logical → physical range, then × 10^(unit exponent − the unit's
    /// own base exponent), so volts come out in volts and seconds in seconds.
    public func physicalValue(raw: Int64) -> Double {
        var value = Double(raw)
        let logicalSpan = logicalMaximum - logicalMinimum
        let physicalSpan = physicalMaximum - physicalMinimum
        if physicalSpan != 0, logicalSpan != 0, !(physicalMinimum == logicalMinimum && physicalMaximum == logicalMaximum) {
            value = Double(physicalMinimum) + (value - Double(logicalMinimum)) * Double(physicalSpan) / Double(logicalSpan)
        }
        let exponent = unitExponent - HIDUnits.baseExponent(of: unit)
        if exponent != 0 { value *= pow10(exponent) }
        return value
    }

    /// Writes `raw` into `data` (used by the emulator and tests).
    public func write(raw: Int64, into data: inout [UInt8]) {
        guard bitSize > 0, bitSize <= 32, bitOffset + bitSize <= data.count * 8 else { return }
        let v = UInt64(bitPattern: raw)
        for i in 0..<bitSize {
            let bit = bitOffset + i
            if v & (1 << UInt64(i)) != 0 { data[bit / 8] |= 1 << UInt8(bit % 8) } else { data[bit / 8] &= ~(1 << UInt8(bit % 8)) }
        }
    }
}

func pow10(_ e: Int) -> Double {
    var r = 1.0
    if e > 0 { for _ in 0..<min(e, 30) { r *= 10 } } else { for _ in 0..<min(-e, 30) { r /= 10 } }
    return r
}

/// Something in a descriptor that did not make sense, and where.
public struct HIDDescriptorProblem: Sendable, Hashable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "byte \(offset): \(message)" }
}

public struct HIDReportDescriptor: Sendable {
    public var fields: [HIDField]
    public var problems: [HIDDescriptorProblem]
    /// How many bytes were understood (the rest, if any, is listed in `problems`).
    public var parsedLength: Int
    public var collectionCount: Int
    /// Whether the descriptor declares report ids (then every report starts with its id byte).
    public var usesReportIDs: Bool
    /// Data bytes (without the id byte) of each report, by kind and id.
    public var reportLengths: [HIDReportKind: [UInt8: Int]]

    public func fields(kind: HIDReportKind, reportID: UInt8) -> [HIDField] {
        fields.filter { $0.kind == kind && $0.reportID == reportID }
    }

    public func reportLength(kind: HIDReportKind, reportID: UInt8) -> Int { reportLengths[kind]?[reportID] ?? 0 }

    /// Parses a descriptor; never throws. Problems are collected, parsing goes on where it can.
    public static func parse(_ bytes: [UInt8]) -> HIDReportDescriptor {
        var parser = Parser(bytes: bytes)
        parser.run()
        return parser.result()
    }
}

/// Global items (HID 1.11 §6.2.2.7), pushed and popped as a whole.
private struct GlobalState {
    var usagePage: UInt16 = 0
    var logicalMinimum: Int64 = 0
    var logicalMaximum: Int64 = 0
    var logicalMaximumUnsigned: Int64 = 0
    var physicalMinimum: Int64 = 0
    var physicalMaximum: Int64 = 0
    var unitExponent = 0
    var unit: UInt32 = 0
    var reportSize = 0
    var reportID: UInt8 = 0
    var reportCount = 0
}

private struct Parser {
    let bytes: [UInt8]
    var global = GlobalState()
    var globalStack: [GlobalState] = []
    var usages: [HIDUsage] = []
    var usageMinimum: UInt32?
    var usageMinimumExtended = false
    var collections: [HIDUsage] = []
    var collectionCount = 0
    var fields: [HIDField] = []
    var problems: [HIDDescriptorProblem] = []
    var bitOffsets: [HIDReportKind: [UInt8: Int]] = [:]
    var sawReportID = false
    var position = 0
    var itemStart = 0

    /// A report larger than this is certainly a broken descriptor (HID reports are ≤ 4 KiB here).
    static let maxReportBits = 8 * 4096
    static let maxUsagesPerItem = 1024

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func problem(_ message: String) {
        if problems.count < 200 { problems.append(HIDDescriptorProblem(offset: itemStart, message: message)) }
    }

    mutating func run() {
        while position < bytes.count {
            itemStart = position
            let prefix = bytes[position]
            if prefix == 0xFE {
                // Long item: bDataSize, bLongItemTag, data. Reserved by the spec; skipped.
                guard position + 2 < bytes.count else { problem("long item header cut short"); position = bytes.count; break }
                let size = Int(bytes[position + 1])
                guard position + 3 + size <= bytes.count else { problem("long item data cut short"); position = bytes.count; break }
                problem("long item (tag 0x\(String(bytes[position + 2], radix: 16))) skipped")
                position += 3 + size
                continue
            }
            let sizeCode = Int(prefix & 0x03)
            let size = sizeCode == 3 ? 4 : sizeCode
            let type = (prefix >> 2) & 0x03
            let tag = prefix >> 4
            guard position + 1 + size <= bytes.count else {
                problem("item 0x\(String(prefix, radix: 16)) needs \(size) data bytes, only \(bytes.count - position - 1) left: descriptor is truncated")
                position = bytes.count
                break
            }
            var unsigned: UInt32 = 0
            for i in 0..<size { unsigned |= UInt32(bytes[position + 1 + i]) << UInt32(8 * i) }
            let signed: Int64
            switch size {
            case 1: signed = Int64(Int8(bitPattern: UInt8(unsigned)))
            case 2: signed = Int64(Int16(bitPattern: UInt16(unsigned)))
            case 4: signed = Int64(Int32(bitPattern: unsigned))
            default: signed = 0
            }
            position += 1 + size
            switch type {
            case 0: main(tag: tag, data: unsigned)
            case 1: globalItem(tag: tag, unsigned: unsigned, signed: signed, size: size)
            case 2: local(tag: tag, data: unsigned, size: size)
            default: problem("reserved item type (prefix 0x\(String(prefix, radix: 16)))")
            }
        }
        itemStart = bytes.count
        if !collections.isEmpty { problem("\(collections.count) collection(s) never closed") }
    }

    mutating func globalItem(tag: UInt8, unsigned: UInt32, signed: Int64, size: Int) {
        switch tag {
        case 0x0: global.usagePage = UInt16(truncatingIfNeeded: unsigned)
        case 0x1: global.logicalMinimum = signed
        case 0x2:
            global.logicalMaximum = signed
            global.logicalMaximumUnsigned = Int64(unsigned)
        case 0x3: global.physicalMinimum = signed
        case 0x4: global.physicalMaximum = signed
        case 0x5:
            // A 4-bit two's-complement nibble by the spec; some firmware writes a whole byte.
            if unsigned <= 0x0F { global.unitExponent = unsigned > 7 ? Int(unsigned) - 16 : Int(unsigned) } else { global.unitExponent = Int(signed) }
        case 0x6: global.unit = unsigned
        case 0x7:
            if unsigned == 0 || unsigned > 32 { problem("report size \(unsigned) bits is outside 1…32") }
            global.reportSize = Int(min(unsigned, 32))
        case 0x8:
            if unsigned == 0 || unsigned > 255 { problem("report id \(unsigned) is invalid (must be 1…255)") } else {
                global.reportID = UInt8(unsigned)
                sawReportID = true
            }
        case 0x9:
            if unsigned > UInt32(Self.maxReportBits) { problem("report count \(unsigned) is implausible; capped") }
            global.reportCount = Int(min(unsigned, UInt32(Self.maxReportBits)))
        case 0xA: globalStack.append(global)
        case 0xB:
            if let g = globalStack.popLast() { global = g } else { problem("pop without push") }
        default: problem("reserved global item tag 0x\(String(tag, radix: 16))")
        }
    }

    mutating func local(tag: UInt8, data: UInt32, size: Int) {
        switch tag {
        case 0x0: usages.append(usage(data, size: size))
        case 0x1: usageMinimum = data; usageMinimumExtended = size == 4
        case 0x2:
            guard let lo = usageMinimum else { problem("usage maximum without usage minimum"); return }
            let from = usage(lo, size: usageMinimumExtended ? 4 : 2)
            let to = usage(data, size: size)
            if to.page != from.page || to.id < from.id { problem("usage range \(from)…\(to) is invalid"); usageMinimum = nil; return }
            let count = Int(to.id) - Int(from.id) + 1
            if count > Self.maxUsagesPerItem { problem("usage range of \(count) usages capped at \(Self.maxUsagesPerItem)") }
            for id in Int(from.id)...Int(from.id) + min(count, Self.maxUsagesPerItem) - 1 {
                usages.append(HIDUsage(page: from.page, id: UInt16(id)))
            }
            usageMinimum = nil
        case 0x3, 0x4, 0x5, 0x7, 0x8, 0x9, 0xA: break // designators, strings, delimiters: not needed for values
        default: problem("reserved local item tag 0x\(String(tag, radix: 16))")
        }
    }

    func usage(_ data: UInt32, size: Int) -> HIDUsage {
        size == 4 ? HIDUsage(extended: data) : HIDUsage(page: global.usagePage, id: UInt16(truncatingIfNeeded: data))
    }

    mutating func clearLocal() {
        usages.removeAll(keepingCapacity: true)
        usageMinimum = nil
    }

    mutating func main(tag: UInt8, data: UInt32) {
        switch tag {
        case 0x8: dataItem(.input, flags: data)
        case 0x9: dataItem(.output, flags: data)
        case 0xB: dataItem(.feature, flags: data)
        case 0xA:
            collections.append(usages.first ?? HIDUsage(page: global.usagePage, id: 0))
            collectionCount += 1
        case 0xC:
            if collections.popLast() == nil { problem("end collection without a collection") }
        default: problem("reserved main item tag 0x\(String(tag, radix: 16))")
        }
        clearLocal()
    }

    mutating func dataItem(_ kind: HIDReportKind, flags: UInt32) {
        let size = global.reportSize
        let count = global.reportCount
        let id = global.reportID
        var offset = bitOffsets[kind]?[id] ?? 0
        guard size > 0, count > 0 else {
            if size == 0 && count > 0 { problem("\(kind) item with report size 0") }
            return
        }
        if offset + size * count > Self.maxReportBits {
            problem("\(kind) report \(id) grows past \(Self.maxReportBits / 8) bytes; item ignored")
            return
        }
        // Broken firmware (APC, CyberPower) writes LogMax 0xFF in one byte, i.e. -1, while LogMin is
        // 0: the range is meant unsigned. NUT reads it the same way.
        var logicalMaximum = global.logicalMaximum
        if global.logicalMinimum >= 0 && logicalMaximum < global.logicalMinimum {
            logicalMaximum = global.logicalMaximumUnsigned
            problem("logical maximum \(global.logicalMaximum) below logical minimum \(global.logicalMinimum); read as unsigned \(logicalMaximum)")
        }
        let isConstant = flags & 1 != 0
        let isVariable = flags & 2 != 0
        defer { bitOffsets[kind, default: [:]][id] = offset }
        if usages.isEmpty {
            if !isConstant { problem("\(kind) item without a usage in report \(id); kept as padding") }
            offset += size * count
            return
        }
        for i in 0..<count {
            // Variable items: one usage per field, the last one repeats (HID §6.2.2.8). Arrays: the
            // field holds a usage index; expose it under the first usage.
            let usage = isVariable ? usages[min(i, usages.count - 1)] : usages[0]
            fields.append(HIDField(kind: kind, reportID: id, bitOffset: offset, bitSize: size, usage: usage,
                                   collectionPath: collections,
                                   logicalMinimum: global.logicalMinimum, logicalMaximum: logicalMaximum,
                                   physicalMinimum: global.physicalMinimum, physicalMaximum: global.physicalMaximum,
                                   unit: global.unit, unitExponent: global.unitExponent, flags: flags))
            offset += size
        }
    }

    func result() -> HIDReportDescriptor {
        var lengths: [HIDReportKind: [UInt8: Int]] = [:]
        for (kind, byID) in bitOffsets {
            for (id, bits) in byID { lengths[kind, default: [:]][id] = (bits + 7) / 8 }
        }
        return HIDReportDescriptor(fields: fields, problems: problems, parsedLength: position, collectionCount: collectionCount,
                                   usesReportIDs: sawReportID, reportLengths: lengths)
    }
}

/// HID unit codes (nibbles: system, length, mass, time, temperature, current, luminous intensity)
/// and the power of ten their SI-linear system is off by (volts are kg·m²/(s³·A) in g and cm).
public enum HIDUnits {
    public static let volt: UInt32 = 0x00F0_D121
    public static let ampere: UInt32 = 0x0010_0001
    public static let voltAmpere: UInt32 = 0x0000_D121
    public static let watt: UInt32 = 0x0000_D121
    public static let second: UInt32 = 0x0000_1001
    public static let kelvin: UInt32 = 0x0001_0001
    public static let hertz: UInt32 = 0x0000_F001
    public static let percent: UInt32 = 0

    public static func baseExponent(of unit: UInt32) -> Int {
        // Only SI Linear (system nibble 1) quantities with mass·length² carry an offset: a gram is
        // 10^-3 kg and a centimetre 10^-2 m, so kg·m² = 10^7 g·cm².
        guard unit & 0xF == 1 else { return 0 }
        let length = nibble(unit, 1), mass = nibble(unit, 2)
        return 3 * mass + 2 * length
    }

    static func nibble(_ unit: UInt32, _ index: Int) -> Int {
        let n = Int((unit >> UInt32(4 * index)) & 0xF)
        return n > 7 ? n - 16 : n
    }
}

/// Names of the Power Device (0x84) and Battery System (0x85) usages the driver uses, as NUT names them.
public enum HIDUsageNames {
    static let power: [UInt16: String] = [
        0x01: "iName", 0x02: "PresentStatus", 0x03: "ChangedStatus", 0x04: "UPS", 0x05: "PowerSupply",
        0x10: "BatterySystem", 0x11: "BatterySystemID", 0x12: "Battery", 0x13: "BatteryID", 0x14: "Charger",
        0x16: "PowerConverter", 0x18: "OutletSystem", 0x1A: "Input", 0x1B: "InputID", 0x1C: "Output", 0x1D: "OutputID",
        0x1E: "Flow", 0x20: "Outlet", 0x24: "PowerSummary", 0x25: "PowerSummaryID",
        0x30: "Voltage", 0x31: "Current", 0x32: "Frequency", 0x33: "ApparentPower", 0x34: "ActivePower",
        0x35: "PercentLoad", 0x36: "Temperature", 0x37: "Humidity", 0x40: "ConfigVoltage", 0x42: "ConfigFrequency",
        0x43: "ConfigApparentPower", 0x44: "ConfigActivePower", 0x53: "LowVoltageTransfer", 0x54: "HighVoltageTransfer",
        0x55: "DelayBeforeReboot", 0x56: "DelayBeforeStartup", 0x57: "DelayBeforeShutdown", 0x58: "Test",
        0x5A: "AudibleAlarmControl", 0x61: "Good", 0x62: "InternalFailure", 0x65: "Overload", 0x66: "OverCharged",
        0x67: "OverTemperature", 0x68: "ShutdownRequested", 0x69: "ShutdownImminent", 0x6B: "SwitchOn/Off",
        0x6C: "Switchable", 0x6D: "Used", 0x6E: "Boost", 0x6F: "Buck", 0x70: "Initialized", 0x71: "Tested",
        0x72: "AwaitingPower", 0x73: "CommunicationLost", 0xFD: "iManufacturer", 0xFE: "iProduct", 0xFF: "iSerialNumber",
    ]
    static let battery: [UInt16: String] = [
        0x29: "RemainingCapacityLimit", 0x2A: "RemainingTimeLimit", 0x2C: "CapacityMode", 0x42: "BelowRemainingCapacityLimit",
        0x43: "RemainingTimeLimitExpired", 0x44: "Charging", 0x45: "Discharging", 0x46: "FullyCharged",
        0x47: "FullyDischarged", 0x4B: "NeedReplacement", 0x66: "RemainingCapacity", 0x67: "FullChargeCapacity",
        0x68: "RunTimeToEmpty", 0x6A: "AverageTimeToEmpty", 0x83: "DesignCapacity", 0x85: "ManufacturerDate",
        0x89: "iDeviceChemistry", 0x8B: "Rechargeable", 0x8C: "WarningCapacityLimit", 0x8D: "CapacityGranularity1",
        0x8E: "CapacityGranularity2", 0x8F: "iOEMInformation", 0xD0: "ACPresent", 0xD1: "BatteryPresent",
        0xDB: "VoltageNotRegulated",
    ]

    public static func name(of usage: HIDUsage) -> String? {
        switch usage.page {
        case 0x84: return power[usage.id]
        case 0x85: return battery[usage.id]
        default: return nil
        }
    }
}

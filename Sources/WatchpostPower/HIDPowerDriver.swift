// The HID Power Device Class driver (NUT's usbhid-ups, generic subdriver): reads the report
// descriptor, GETs feature reports, applies interrupt-IN reports, and maps Power Device (0x84) and
// Battery System (0x85) usages to NUT variables. The transport (`HIDTransport`) is separate so
// the same driver runs over libusb or any other HID path.
import WatchpostCore

/// What the HID driver needs from a device.
public protocol HIDTransport: Sendable {
    /// iManufacturer / iProduct / iSerialNumber of the device.
    func deviceStrings() async -> (manufacturer: String?, product: String?, serial: String?)
    var vendorID: UInt16 { get }
    var productID: UInt16 { get }
    func reportDescriptor() async throws -> [UInt8]
    /// GET_REPORT (feature): the reply as the device sends it (id byte first when ids are used).
    func getFeatureReport(id: UInt8, length: Int) async throws -> [UInt8]
    /// One interrupt-IN report, or nil when none came within the timeout.
    func readInterrupt(timeoutMilliseconds: UInt32) async throws -> [UInt8]?
    var hasInterruptEndpoint: Bool { get }
    func close() async
}

/// Where each NUT variable lives in a descriptor.
public struct HIDPowerMap: Sendable {
    public struct Quantity: Sendable {
        public var variable: String
        public var usage: HIDUsage
        public var decimals: Int
        /// Enclosing collections to prefer, best first; empty = anywhere.
        public var within: [HIDUsage]
        /// Collections that rule a field out (input voltage is not battery voltage).
        public var notWithin: [HIDUsage]
    }

    static let power: UInt16 = 0x84, battery: UInt16 = 0x85
    static func p(_ id: UInt16) -> HIDUsage { HIDUsage(page: power, id: id) }
    static func b(_ id: UInt16) -> HIDUsage { HIDUsage(page: battery, id: id) }
    static let powerSummary = p(0x24), batteryCollection = p(0x12), input = p(0x1A), output = p(0x1C), presentStatus = p(0x02)

    public static let quantities: [Quantity] = [
        Quantity(variable: "battery.charge", usage: b(0x66), decimals: 0, within: [powerSummary, batteryCollection], notWithin: []),
        Quantity(variable: "battery.runtime", usage: b(0x68), decimals: 0, within: [powerSummary, batteryCollection], notWithin: []),
        Quantity(variable: "battery.voltage", usage: p(0x30), decimals: 1, within: [powerSummary, batteryCollection], notWithin: [input, output]),
        Quantity(variable: "input.voltage", usage: p(0x30), decimals: 1, within: [input], notWithin: []),
        Quantity(variable: "input.frequency", usage: p(0x32), decimals: 1, within: [input], notWithin: []),
        Quantity(variable: "output.voltage", usage: p(0x30), decimals: 1, within: [output], notWithin: []),
        Quantity(variable: "output.frequency", usage: p(0x32), decimals: 1, within: [output], notWithin: []),
        Quantity(variable: "ups.load", usage: p(0x35), decimals: 0, within: [output, powerSummary], notWithin: [input]),
        Quantity(variable: "ups.temperature", usage: p(0x36), decimals: 1, within: [powerSummary, batteryCollection], notWithin: []),
    ]

    /// Status usages → what they mean.
    public enum Flag: Sendable, Hashable, CaseIterable {
        case acPresent, charging, discharging, belowCapacityLimit, timeLimitExpired, needReplacement, batteryPresent,
             shutdownImminent, overload, boost, buck, internalFailure, overTemperature, awaitingPower, communicationLost
        public var usage: HIDUsage {
            switch self {
            case .acPresent: return b(0xD0)
            case .charging: return b(0x44)
            case .discharging: return b(0x45)
            case .belowCapacityLimit: return b(0x42)
            case .timeLimitExpired: return b(0x43)
            case .needReplacement: return b(0x4B)
            case .batteryPresent: return b(0xD1)
            case .shutdownImminent: return p(0x69)
            case .overload: return p(0x65)
            case .boost: return p(0x6E)
            case .buck: return p(0x6F)
            case .internalFailure: return p(0x62)
            case .overTemperature: return p(0x67)
            case .awaitingPower: return p(0x72)
            case .communicationLost: return p(0x73)
            }
        }
    }

    /// Field chosen for each variable / flag, per report kind (feature is read on demand, input
    /// arrives by interrupt): variable → fields (one per kind at most).
    public var quantityFields: [String: [HIDField]] = [:]
    public var flagFields: [Flag: [HIDField]] = [:]

    public init(_ d: HIDReportDescriptor) {
        for q in Self.quantities {
            for kind in [HIDReportKind.feature, .input] {
                let candidates = d.fields.filter { $0.kind == kind && $0.usage == q.usage && !q.notWithin.contains(where: $0.isInside) }
                let best = q.within.isEmpty ? candidates.first
                    : q.within.lazy.compactMap { w in candidates.first { $0.isInside(w) } }.first
                if let best { quantityFields[q.variable, default: []].append(best) }
            }
        }
        for flag in Flag.allCases {
            for kind in [HIDReportKind.feature, .input] {
                let candidates = d.fields.filter { $0.kind == kind && $0.usage == flag.usage }
                // PresentStatus holds the current state; ChangedStatus only what changed.
                if let best = candidates.first(where: { $0.isInside(Self.presentStatus) }) ?? candidates.first(where: { !$0.isInside(Self.p(0x03)) }) {
                    flagFields[flag, default: []].append(best)
                }
            }
        }
    }

    /// What a quick poll on battery reads besides the status bits: the two numbers the shutdown
    /// policy judges on, so that "runtime below the minimum" is never a full-refresh period late.
    /// On mains they do not decide anything (the UPS's own LB bit is in the status report).
    static let quickQuantities: Set<String> = ["battery.charge", "battery.runtime"]

    /// Feature report ids that hold status bits: read at every poll.
    public var statusReports: [UInt8] {
        Set(flagFields.values.joined().filter { $0.kind == .feature }.map(\.reportID)).sorted()
    }

    /// Feature report ids to GET: every mapped one for a full refresh. A quick poll reads what
    /// changes between full refreshes, as NUT's pollonly quick update: the status reports, and
    /// on battery also charge and runtime, which the shutdown thresholds judge.
    public func featureReports(full: Bool, onBattery: Bool = true) -> [UInt8] {
        var ids = Set(statusReports)
        for (variable, fields) in quantityFields where full || (onBattery && Self.quickQuantities.contains(variable)) {
            ids.formUnion(fields.filter { $0.kind == .feature }.map(\.reportID))
        }
        return ids.sorted()
    }
}

/// The usbhid-ups-like driver over any `HIDTransport`.
public actor HIDPowerDriver: UPSDriver {
    public nonisolated let driverName = "usbhid"
    private let connect: @Sendable () async throws -> any HIDTransport
    private var transport: (any HIDTransport)?
    public private(set) var descriptor: HIDReportDescriptor?
    private var map: HIDPowerMap?
    /// Latest physical value per field (keyed by kind, report id, bit offset).
    private var values: [FieldKey: (value: Double, sequence: Int)] = [:]
    private var sequence = 0
    private var identity: [String: String] = [:]
    /// Feature reports that came back shorter than the descriptor says, at the last poll
    /// (report id → the bytes received): NUT #2742's "expected 5 bytes, but got 3".
    private var shortReports: [UInt8: [UInt8]] = [:]

    struct FieldKey: Hashable { var kind: HIDReportKind; var id: UInt8; var offset: Int }

    /// `connect` opens the transport; it is called again after the device went away.
    public init(connect: @escaping @Sendable () async throws -> any HIDTransport) {
        self.connect = connect
    }

    public func initialize() async throws -> UPSReading {
        await shutdown()
        // A (re)opened device starts from nothing: a value from before an unplug is never
        // reported as current (NUT #2742, #2925, #1624 kept serving such values as fresh).
        values = [:]
        sequence = 0
        shortReports = [:]
        let t = try await connect()
        transport = t
        do {
            let raw = try await t.reportDescriptor()
            let d = HIDReportDescriptor.parse(raw)
            guard !d.fields.isEmpty else {
                throw WatchpostError(.protocolViolation, "the HID report descriptor (\(raw.count) bytes) describes no fields",
                                     hint: d.problems.first.map { "first problem: \($0)" })
            }
            descriptor = d
            let m = HIDPowerMap(d)
            guard !m.flagFields.isEmpty || !m.quantityFields.isEmpty else {
                throw WatchpostError(.protocolViolation, "the device is HID but not a Power Device: no UPS usages in its report descriptor",
                                     hint: "check --vendor/--product; Megatec units behind a HID bridge need kind ups-q1")
            }
            map = m
            let s = await t.deviceStrings()
            identity = ["device.type": "ups", "driver.name": "usbhid-ups",
                        "ups.vendorid": hex4(t.vendorID), "ups.productid": hex4(t.productID)]
            if let v = s.manufacturer { identity["ups.mfr"] = v; identity["device.mfr"] = v }
            if var v = s.product {
                // APC writes the firmware into iProduct ("Back-UPS BX1600MI FW:378600G"); NUT's
                // apc-hid subdriver splits it into ups.model and ups.firmware, and so do we.
                if t.vendorID == 0x051d, let fw = v.firstRange(of: " FW:") {
                    identity["ups.firmware"] = String(v[fw.upperBound...]).trimmingWhitespace()
                    v = String(v[..<fw.lowerBound]).trimmingWhitespace()
                }
                identity["ups.model"] = v
                identity["device.model"] = v
            }
            if let v = s.serial { identity["ups.serial"] = v; identity["device.serial"] = v }
            return try await refresh(full: true)
        } catch {
            await shutdown()
            throw error
        }
    }

    public func update(full: Bool) async throws -> UPSReading {
        guard transport != nil else { return try await initialize() }
        do {
            return try await refresh(full: full)
        } catch {
            await shutdown()
            throw error
        }
    }

    public func shutdown() async {
        if let t = transport { await t.close() }
        transport = nil
    }

    /// GETs the feature reports (and at a full refresh drains pending interrupt-IN reports
    /// first), and builds the reading.
    private func refresh(full: Bool) async throws -> UPSReading {
        guard let t = transport, let d = descriptor, let m = map else {
            throw WatchpostError(.device, "the UPS is not initialised")
        }
        shortReports = [:]
        if full && t.hasInterruptEndpoint {
            // Drain what the device has queued (changes come as interrupt reports). NUT waits up to
            // 750 ms for them; the GETs below read the state anyway, so waiting buys nothing:
            // 1 ms is libusb's shortest timeout (0 means "forever"). A quick poll skips the pipe
            // (NUT's pollonly): an empty read costs that 1 ms, more than the GETs it would save.
            for _ in 0..<8 {
                guard let report = try await t.readInterrupt(timeoutMilliseconds: 1) else { break }
                apply(report, kind: .input, descriptor: d)
            }
        }
        func get(_ id: UInt8) async throws {
            let length = d.reportLength(kind: .feature, reportID: id) + (d.usesReportIDs ? 1 : 0)
            let report = try await t.getFeatureReport(id: id, length: length)
            apply(report, kind: .feature, descriptor: d, expectedID: id)
        }
        if full {
            for id in m.featureReports(full: true) { try await get(id) }
        } else {
            // Status first: whether the UPS is on battery decides whether charge and runtime are read.
            let status = m.statusReports
            for id in status { try await get(id) }
            for id in m.featureReports(full: false, onBattery: onBatteryNow()) where !status.contains(id) { try await get(id) }
        }
        return reading()
    }

    /// Applies one report (feature reply or interrupt-IN) to the stored values. A feature reply
    /// shorter than the descriptor's report loses the values it does not carry (they are
    /// unknown now, not what they were) and is noted with its bytes.
    func apply(_ report: [UInt8], kind: HIDReportKind, descriptor d: HIDReportDescriptor, expectedID: UInt8? = nil) {
        guard !report.isEmpty else {
            if kind == .feature, let expectedID { forget(kind: kind, id: expectedID, descriptor: d, received: report) }
            return
        }
        let id: UInt8 = d.usesReportIDs ? report[0] : 0
        if let expectedID, d.usesReportIDs, id != expectedID { return }
        let data = d.usesReportIDs ? Array(report.dropFirst()) : report
        var missing = false
        for f in d.fields where f.kind == kind && f.reportID == id {
            let key = FieldKey(kind: kind, id: id, offset: f.bitOffset)
            guard let raw = f.rawValue(in: data) else {
                if kind == .feature { values[key] = nil; missing = true }
                continue
            }
            sequence += 1
            values[key] = (f.physicalValue(raw: raw), sequence)
        }
        if missing { shortReports[id] = report }
    }

    private func forget(kind: HIDReportKind, id: UInt8, descriptor d: HIDReportDescriptor, received: [UInt8]) {
        for f in d.fields where f.kind == kind && f.reportID == id { values[FieldKey(kind: kind, id: id, offset: f.bitOffset)] = nil }
        shortReports[id] = received
    }

    /// On battery by the freshest status bits (ACPresent, else Discharging); false when unknown.
    private func onBatteryNow() -> Bool {
        guard let m = map else { return false }
        if let ac = value(m.flagFields[.acPresent]) { return ac.0 == 0 }
        return (value(m.flagFields[.discharging])?.0 ?? 0) != 0
    }

    private func value(_ fields: [HIDField]?) -> (Double, HIDField)? {
        // The same quantity may come as a feature report (read on demand) and as an input report
        // (pushed on change): the most recent one wins.
        var best: (Double, HIDField, Int)?
        for f in fields ?? [] {
            if let v = values[FieldKey(kind: f.kind, id: f.reportID, offset: f.bitOffset)], v.sequence > (best?.2 ?? -1) { best = (v.value, f, v.sequence) }
        }
        return best.map { ($0.0, $0.1) }
    }

    func reading() -> UPSReading {
        guard let m = map else { return UPSReading() }
        var r = UPSReading(variables: identity)
        for q in HIDPowerMap.quantities {
            guard case (var v, let f)? = value(m.quantityFields[q.variable]) else { continue }
            if q.variable == "ups.temperature", f.unit == HIDUnits.kelvin || (f.unit == 0 && v > 200) { v -= 273.15 }
            r.set(q.variable, v, decimals: q.decimals)
        }
        func flag(_ f: HIDPowerMap.Flag) -> Bool? { value(m.flagFields[f]).map { $0.0 != 0 } }
        var status = Set<UPSStatusFlag>()
        var alarms: [String] = []
        let ac = flag(.acPresent)
        let discharging = flag(.discharging) ?? false
        if let ac { status.insert(ac ? .online : .onBattery) } else { status.insert(discharging ? .onBattery : .online) }
        if flag(.belowCapacityLimit) == true || flag(.timeLimitExpired) == true || flag(.shutdownImminent) == true { status.insert(.lowBattery) }
        if flag(.needReplacement) == true { status.insert(.replaceBattery) }
        if flag(.batteryPresent) == false { status.insert(.replaceBattery); alarms.append("No battery installed!") }
        if flag(.charging) == true { status.insert(.charging) }
        if discharging { status.insert(.discharging) }
        if flag(.overload) == true { status.insert(.overload) }
        if flag(.buck) == true { status.insert(.trim) }
        if flag(.boost) == true { status.insert(.boost) }
        if flag(.internalFailure) == true { alarms.append("Internal UPS fault!") }
        if flag(.overTemperature) == true { alarms.append("Temperature too high!") }
        if flag(.awaitingPower) == true { alarms.append("Awaiting power!") }
        if flag(.communicationLost) == true { alarms.append("Internal communication lost!") }
        if !alarms.isEmpty { status.insert(.alarm); r["ups.alarm"] = alarms.joined(separator: " ") }
        r.setStatus(status)
        if !shortReports.isEmpty, let d = descriptor {
            // Logged with the result: which report came back short, and its bytes.
            r["watchpost.short_reports"] = shortReports.sorted { $0.key < $1.key }.map { id, bytes in
                let expected = d.reportLength(kind: .feature, reportID: id) + (d.usesReportIDs ? 1 : 0)
                return "0x\(String(id, radix: 16)): expected \(expected) bytes, got \(bytes.count) (\(hexDump(bytes)))"
            }.joined(separator: "; ")
        }
        return r
    }
}

func hex4(_ v: UInt16) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 4 - s.count)) + s
}

// The one UPS vocabulary every power driver speaks: NUT's variable names (battery.charge,
// ups.status…) and status flags (OL OB LB…), plus the driver contract (NUT's init / update /
// shutdown) that the HID, Megatec Q1 and upsd drivers implement with swappable transports.
import WatchpostCore

/// NUT's ups.status words.
public enum UPSStatusFlag: String, Sendable, Hashable, CaseIterable, Comparable {
    case online = "OL", onBattery = "OB", lowBattery = "LB", replaceBattery = "RB", charging = "CHRG",
         discharging = "DISCHRG", overload = "OVER", trim = "TRIM", boost = "BOOST", bypass = "BYPASS",
         calibrating = "CAL", forcedShutdown = "FSD", off = "OFF", alarm = "ALARM"

    /// The order usbhid-ups writes ups.status in (OL/OB, DISCHRG, CHRG, LB, RB, OVER, TRIM, BOOST…).
    /// Other NUT drivers differ; compare statuses as sets.
    static let order: [UPSStatusFlag] = [.alarm, .online, .onBattery, .discharging, .charging, .lowBattery, .replaceBattery,
                                         .overload, .trim, .boost, .bypass, .calibrating, .off, .forcedShutdown]
    var rank: Int { Self.order.firstIndex(of: self) ?? 99 }
    public static func < (a: UPSStatusFlag, b: UPSStatusFlag) -> Bool { a.rank < b.rank }

    /// Parses a ups.status value such as "OL CHRG"; unknown words are returned apart.
    public static func parse(_ text: String) -> (flags: Set<UPSStatusFlag>, unknown: [String]) {
        var flags = Set<UPSStatusFlag>()
        var unknown: [String] = []
        for word in text.split(separator: " ") {
            if let f = UPSStatusFlag(rawValue: String(word)) { flags.insert(f) } else { unknown.append(String(word)) }
        }
        return (flags, unknown)
    }
}

/// One reading of a UPS: NUT variables by name (values formatted as upsc prints them).
public struct UPSReading: Sendable, Hashable {
    public var variables: [String: String]

    public init(variables: [String: String] = [:]) { self.variables = variables }

    public subscript(_ name: String) -> String? {
        get { variables[name] }
        set { variables[name] = newValue }
    }

    public func number(_ name: String) -> Double? { variables[name].flatMap { Double($0.trimmingWhitespace()) } }

    public var status: Set<UPSStatusFlag> { UPSStatusFlag.parse(variables["ups.status"] ?? "").flags }

    public mutating func setStatus(_ flags: Set<UPSStatusFlag>) {
        variables["ups.status"] = flags.sorted().map(\.rawValue).joined(separator: " ")
    }

    public mutating func set(_ name: String, _ value: Double?, decimals: Int) {
        guard let value, value.isFinite else { return }
        variables[name] = formatNumber(value, decimals: decimals)
    }

    /// `upsc` output: `name: value` lines sorted by name.
    public var upscText: String {
        variables.keys.sorted().map { "\($0): \(variables[$0]!)" }.joined(separator: "\n")
    }

    /// The variables that are numbers, as measurements (units as NUT documents them).
    public var measurements: [Measurement] {
        let units: [(String, String)] = [
            ("battery.charge", "%"), ("battery.runtime", "s"), ("battery.voltage", "V"), ("input.voltage", "V"),
            ("input.frequency", "Hz"), ("output.voltage", "V"), ("output.frequency", "Hz"), ("ups.load", "%"),
            ("ups.temperature", "°C"), ("input.voltage.fault", "V"),
        ]
        return units.compactMap { name, unit in number(name).map { Measurement(name, $0, unit: unit) } }
    }
}

/// Formats like NUT's drivers: fixed decimals, no trailing garbage ("230.0", "100", "13.60").
public func formatNumber(_ value: Double, decimals: Int) -> String {
    // A device can send any digits; past 10^15 (or not a number at all) there is nothing to round,
    // and the integer conversions below would trap.
    guard value.isFinite, abs(value) < Measurement.largestMagnitude, decimals <= 6 else { return String(value) }
    if decimals <= 0 { return String(Int64(value.rounded())) }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int64(scaled / scale)
    var frac = String(Int64(scaled) - whole * Int64(scale))
    while frac.count < decimals { frac = "0" + frac }
    return (value < 0 && scaled != 0 ? "-" : "") + "\(whole).\(frac)"
}

/// NUT's driver contract: `initialize` once (find the device, read what never changes), then
/// `update` per poll (full refresh or a quick status poll), `shutdown` to let go of the device.
/// Errors are `WatchpostError`s: `.device` when the UPS is gone, `.timeout`, `.protocolViolation`.
public protocol UPSDriver: Sendable {
    /// Which driver this is, e.g. "usbhid", "megatec-q1", "nut-upsd".
    var driverName: String { get }
    func initialize() async throws -> UPSReading
    /// `full`: read every variable; otherwise only what ups.status needs (NUT's quick poll).
    func update(full: Bool) async throws -> UPSReading
    func shutdown() async
}

// The Megatec "Q1" protocol (NUT's nutdrv_qx / blazer): the reply parser and the driver, kept
// apart from the byte transports (Cypress HID bridge over USB, serial port) so other bridges can
// be added without touching the parser.
import WatchpostCore

/// One `Q1` reply: `(MMM.M NNN.N PPP.P QQQ RR.R S.SS TT.T b7b6b5b4b3b2b1b0`.
public struct MegatecQ1Status: Sendable, Hashable {
    public var inputVoltage: Double
    public var inputFaultVoltage: Double
    public var outputVoltage: Double
    public var loadPercent: Double
    public var inputFrequency: Double
    public var batteryVoltage: Double
    public var temperature: Double?
    /// b7…b0 as written, b7 first.
    public var bits: [Bool]

    public init(inputVoltage: Double, inputFaultVoltage: Double, outputVoltage: Double, loadPercent: Double, inputFrequency: Double,
                batteryVoltage: Double, temperature: Double?, bits: [Bool]) {
        self.inputVoltage = inputVoltage
        self.inputFaultVoltage = inputFaultVoltage
        self.outputVoltage = outputVoltage
        self.loadPercent = loadPercent
        self.inputFrequency = inputFrequency
        self.batteryVoltage = batteryVoltage
        self.temperature = temperature
        self.bits = bits.count == 8 ? bits : Array((bits + [Bool](repeating: false, count: 8)).prefix(8))
    }

    public var utilityFail: Bool { bits[0] }
    public var batteryLow: Bool { bits[1] }
    public var bypassBoostBuck: Bool { bits[2] }
    public var upsFailed: Bool { bits[3] }
    public var standby: Bool { bits[4] }
    public var testRunning: Bool { bits[5] }
    public var shutdownActive: Bool { bits[6] }
    public var beeperOn: Bool { bits[7] }

    /// Parses a reply with or without its trailing `\r`. Throws `.protocolViolation` saying what
    /// was wrong: units answer garbage when the baud rate or the bridge type is wrong.
    public static func parse(_ reply: String) throws(WatchpostError) -> MegatecQ1Status {
        var text = Substring(reply)
        while let last = text.last, last == "\r" || last == "\n" || last == "\0" { text = text.dropLast() }
        guard text.first == "(" else {
            throw WatchpostError(.protocolViolation, "Q1 reply does not start with '(': \(printable(text))",
                                 hint: "wrong bridge type or baud rate (Megatec units use 2400 8N1)")
        }
        let fields = text.dropFirst().split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 8 else {
            throw WatchpostError(.protocolViolation, "Q1 reply has \(fields.count) fields, expected 8: \(printable(text))")
        }
        func number(_ i: Int, _ name: String) throws(WatchpostError) -> Double {
            guard let v = Double(fields[i]), v.isFinite else {
                throw WatchpostError(.protocolViolation, "Q1 \(name) '\(fields[i])' is not a number: \(printable(text))")
            }
            return v
        }
        let status = fields[7]
        guard status.count == 8, status.allSatisfy({ $0 == "0" || $0 == "1" }) else {
            throw WatchpostError(.protocolViolation, "Q1 status '\(status)' is not 8 bits: \(printable(text))")
        }
        // Units without a sensor send "--.-" for the temperature.
        let temperature = Double(fields[6])
        return MegatecQ1Status(inputVoltage: try number(0, "input voltage"), inputFaultVoltage: try number(1, "input fault voltage"),
                               outputVoltage: try number(2, "output voltage"), loadPercent: try number(3, "load"),
                               inputFrequency: try number(4, "input frequency"), batteryVoltage: try number(5, "battery voltage"),
                               temperature: temperature, bits: status.map { $0 == "1" })
    }

    /// The bytes a unit sends for this status (used by the simulator; matches `parse`).
    public var reply: String {
        func f(_ v: Double, _ width: Int, _ decimals: Int) -> String {
            let s = formatNumber(v, decimals: decimals)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let t = temperature.map { f($0, 4, 1) } ?? "--.-"
        let b = bits.map { $0 ? "1" : "0" }.joined()
        return "(\(f(inputVoltage, 5, 1)) \(f(inputFaultVoltage, 5, 1)) \(f(outputVoltage, 5, 1)) \(f(loadPercent, 3, 0)) \(f(inputFrequency, 4, 1)) \(batteryField) \(t) \(b)\r"
    }

    /// S.SS or SS.S: the field is 4 characters wide (per-cell volts on on-line units, the whole
    /// battery on standby units); the status bits must start at byte 39.
    var batteryField: String {
        batteryVoltage < 10 ? formatNumber(batteryVoltage, decimals: 2) : formatNumber(batteryVoltage, decimals: 1)
    }

    /// NUT's variables for this reply (as nutdrv_qx's megatec protocol names them).
    public var reading: UPSReading {
        var r = UPSReading()
        r.set("input.voltage", inputVoltage, decimals: 1)
        r.set("input.voltage.fault", inputFaultVoltage, decimals: 1)
        r.set("output.voltage", outputVoltage, decimals: 1)
        r.set("ups.load", loadPercent, decimals: 0)
        r.set("input.frequency", inputFrequency, decimals: 1)
        r.set("battery.voltage", batteryVoltage, decimals: 2)
        r.set("ups.temperature", temperature, decimals: 1)
        r["ups.type"] = standby ? "offline / line interactive" : "online"
        r["ups.beeper.status"] = beeperOn ? "enabled" : "disabled"
        var s = Set<UPSStatusFlag>()
        s.insert(utilityFail ? .onBattery : .online)
        if batteryLow { s.insert(.lowBattery) }
        if bypassBoostBuck {
            // The bit does not say which: like nutdrv_qx, judge by output against input voltage.
            if outputVoltage < 0.5 * inputVoltage {
                // Output collapsed: no mode can be told apart.
            } else if outputVoltage < 0.95 * inputVoltage {
                s.insert(.trim)
            } else if outputVoltage < 1.05 * inputVoltage {
                s.insert(.bypass)
            } else if outputVoltage < 1.5 * inputVoltage {
                s.insert(.boost)
            }
        }
        if upsFailed { s.insert(.alarm); r["ups.alarm"] = "UPS selftest failed!" }
        if testRunning { s.insert(.calibrating) }
        if shutdownActive { s.insert(.forcedShutdown) }
        r.setStatus(s)
        return r
    }
}

func printable<S: StringProtocol>(_ s: S) -> String {
    let shown = s.prefix(64).map { c -> String in
        c.isASCII && (c.isLetter || c.isNumber || c.isPunctuation || c == " " || c.isSymbol) ? String(c) : "\\x" + String(c.asciiValue ?? 0x3F, radix: 16)
    }.joined()
    return "'\(shown)'" + (s.count > 64 ? "…" : "")
}

/// The Q1 driver over any `Q1Transport` (nutdrv_qx with the megatec protocol).
public actor MegatecQ1Driver: UPSDriver {
    public nonisolated let driverName = "megatec-q1"
    private let connect: @Sendable () async throws -> any Q1Transport
    private var transport: (any Q1Transport)?
    private var identity: [String: String] = [:]
    let replyTimeoutMilliseconds: Int
    /// Battery voltage that counts as empty / full, for battery.charge (nutdrv_qx's
    /// battery.voltage.low/high); nil = no charge estimate (Q1 does not report one).
    let batteryVoltageRange: ClosedRange<Double>?

    public init(replyTimeoutMilliseconds: Int = 3000, batteryVoltageRange: ClosedRange<Double>? = nil,
                connect: @escaping @Sendable () async throws -> any Q1Transport) {
        self.connect = connect
        self.replyTimeoutMilliseconds = replyTimeoutMilliseconds
        self.batteryVoltageRange = batteryVoltageRange
    }

    public func initialize() async throws -> UPSReading {
        await shutdown()
        let t = try await connect()
        transport = t
        identity = await t.identity().merging(["device.type": "ups", "driver.name": "nutdrv_qx"]) { a, _ in a }
        // Optional identity query `I`: `#Company_Name  UPS_Model  Version`. Many units ignore it.
        if let info = try? await t.query("I", timeoutMilliseconds: 1000), info.hasPrefix("#") {
            let body = info.dropFirst()
            func part(_ r: Range<Int>) -> String? {
                let chars = Array(body)
                guard chars.count >= r.upperBound else { return nil }
                let s = String(chars[r]).trimmingWhitespace()
                return s.isEmpty ? nil : s
            }
            if let m = part(0..<15) { identity["ups.mfr"] = m; identity["device.mfr"] = m }
            if let m = part(16..<26) { identity["ups.model"] = m; identity["device.model"] = m }
            if let v = part(27..<37) { identity["ups.firmware"] = v }
        }
        // Optional ratings query `F`: `#MMM.M QQQ SS.SS RR.R` (nominal voltage, current, battery
        // voltage, frequency). With the battery's nominal voltage, battery.charge is estimated as
        // nutdrv_qx does: linear between 104/120 and 130/120 of nominal (10.4–13.0 V for 12 V).
        if let ratings = try? await t.query("F", timeoutMilliseconds: 1000), ratings.hasPrefix("#") {
            let f = ratings.dropFirst().split(separator: " ").map { Double($0) }
            if f.count == 4 {
                if let v = f[0] { identity["input.voltage.nominal"] = formatNumber(v, decimals: 0) }
                if let v = f[1] { identity["input.current.nominal"] = formatNumber(v, decimals: 1) }
                if let v = f[2] { identity["battery.voltage.nominal"] = formatNumber(v, decimals: 1); nominalBatteryVoltage = v }
                if let v = f[3] { identity["input.frequency.nominal"] = formatNumber(v, decimals: 0) }
            }
        }
        do { return try await poll() } catch { await shutdown(); throw error }
    }

    private var nominalBatteryVoltage: Double?

    public func update(full: Bool) async throws -> UPSReading {
        guard transport != nil else { return try await initialize() }
        do { return try await poll() } catch { await shutdown(); throw error }
    }

    private func poll() async throws -> UPSReading {
        guard let t = transport else { throw WatchpostError(.device, "the UPS is not initialised") }
        let reply = try await t.query("Q1", timeoutMilliseconds: replyTimeoutMilliseconds)
        let status = try MegatecQ1Status.parse(reply)
        var r = status.reading
        for (k, v) in identity { r[k] = v }
        let range = batteryVoltageRange ?? nominalBatteryVoltage.map { $0 * 104 / 120...$0 * 130 / 120 }
        if let range, range.upperBound > range.lowerBound {
            r.set("battery.voltage.low", range.lowerBound, decimals: 2)
            r.set("battery.voltage.high", range.upperBound, decimals: 2)
            let charge = (status.batteryVoltage - range.lowerBound) / (range.upperBound - range.lowerBound) * 100
            r.set("battery.charge", min(100, max(0, charge)), decimals: 0)
        }
        return r
    }

    public func shutdown() async {
        if let t = transport { await t.close() }
        transport = nil
    }
}

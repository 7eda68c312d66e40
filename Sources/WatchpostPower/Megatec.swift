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
        try parse(bytes: Array(reply.utf8))
    }

    /// What a plausible reply holds, per field: cheap units answer short, garbled (bytes of an
    /// earlier answer, line noise) or nonsense values (NUT issues #3103, #2569), and none of
    /// that may become a reading. The ranges are wide enough for every Q1 unit NUT knows
    /// (single-phase, 110–240 V, per-cell or whole-battery voltage) and no wider.
    static let plausible: [(name: String, range: ClosedRange<Double>)] = [
        ("input voltage", 0...300), ("input fault voltage", 0...300), ("output voltage", 0...300),
        ("load", 0...200), ("input frequency", 0...70), ("battery voltage", 0...300),
    ]

    /// Parses the raw reply bytes. Every error names the problem and carries the bytes as hex,
    /// so the log shows exactly what the unit sent.
    public static func parse(bytes raw: [UInt8]) throws(WatchpostError) -> MegatecQ1Status {
        var end = raw.count
        while end > 0, raw[end - 1] == 0x0D || raw[end - 1] == 0x0A || raw[end - 1] == 0 { end -= 1 }
        let body = raw[..<end]
        func bad(_ what: String, hint: String? = nil) -> WatchpostError {
            WatchpostError(.protocolViolation, "Q1 reply \(what); bytes (\(raw.count)): \(hexDump(raw))", hint: hint)
        }
        guard body.first == UInt8(ascii: "(") else {
            throw bad("does not start with '('", hint: "wrong bridge type or baud rate (Megatec units use 2400 8N1)")
        }
        // Only digits, '.', '-', ' ' may follow: anything else is line noise or a mixed-up answer.
        guard body.dropFirst().allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x20 }) else {
            throw bad("is garbled (bytes other than digits, '.', '-' and spaces)")
        }
        let text = String(decoding: body, as: UTF8.self)
        let fields = text.dropFirst().split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 8 else {
            throw bad(fields.count < 8 ? "is short: \(fields.count) fields, expected 8" : "has \(fields.count) fields, expected 8")
        }
        var values: [Double] = []
        for (i, field) in fields.prefix(6).enumerated() {
            let (name, range) = plausible[i]
            // Unsigned decimal numbers only ("230.0", "023", "2.05"): no sign, one point at most.
            guard field.first != ".", field.last != ".", field.filter({ $0 == "." }).count <= 1, !field.contains("-"),
                  let v = Double(field), v.isFinite else {
                throw bad("\(name) '\(field)' is not a number")
            }
            guard range.contains(v) else {
                throw bad("\(name) \(field) is out of range (\(formatNumber(range.lowerBound, decimals: 0))–\(formatNumber(range.upperBound, decimals: 0)))")
            }
            values.append(v)
        }
        let status = fields[7]
        guard status.count == 8, status.allSatisfy({ $0 == "0" || $0 == "1" }) else {
            throw bad("status '\(status)' is not 8 bits")
        }
        // Units without a sensor send "--.-" for the temperature; any other non-number is garbage.
        var temperature: Double?
        if !fields[6].allSatisfy({ $0 == "-" || $0 == "." }) {
            guard let t = Double(fields[6]), t.isFinite else { throw bad("temperature '\(fields[6])' is not a number") }
            guard (-40...100).contains(t) else { throw bad("temperature \(fields[6]) is out of range (-40–100)") }
            temperature = t
        }
        return MegatecQ1Status(inputVoltage: values[0], inputFaultVoltage: values[1], outputVoltage: values[2], loadPercent: values[3],
                               inputFrequency: values[4], batteryVoltage: values[5], temperature: temperature, bits: status.map { $0 == "1" })
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

/// Bytes as "28 32 33 30 …" (at most 96 shown), for logs of what a device sent.
func hexDump(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    let shown = bytes.prefix(96).map { String(decoding: [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]], as: UTF8.self) }
    return shown.joined(separator: " ") + (bytes.count > 96 ? " …" : "")
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
        if let info = (try? await t.query("I", timeoutMilliseconds: 1000)).map({ String(decoding: $0, as: UTF8.self) }), info.hasPrefix("#") {
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
        if let ratings = (try? await t.query("F", timeoutMilliseconds: 1000)).map({ String(decoding: $0, as: UTF8.self) }), ratings.hasPrefix("#") {
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
        let status = try MegatecQ1Status.parse(bytes: reply)
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

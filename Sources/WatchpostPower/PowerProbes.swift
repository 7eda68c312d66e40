// Builds power probes from their configuration (`ups-hid`, `ups-q1`, `ups-nut` check sections)
// and from `watchpost probe ups` options.
import WatchpostCore
import WatchpostConfig
import USB
import Posix

public enum PowerProbes {
    public static let kinds: Set<String> = ["ups-hid", "ups-q1", "ups-nut"]

    static func hexID(_ s: String) -> UInt16? {
        let v = s.lowercased().hasPrefix("0x") ? String(s.dropFirst(2)) : s
        return UInt16(v.trimmingWhitespace(), radix: 16)
    }

    public static func policy(_ p: ConfigSection) -> UPSPolicy {
        var policy = UPSPolicy()
        policy.onBatteryDelay = p.duration("onbatt_delay", default: policy.onBatteryDelay)
        if p.has("charge_warning") { policy.chargeWarning = p.double("charge_warning", default: 50) }
        if p.has("charge_low") { policy.chargeLow = p.double("charge_low", default: 20) }
        if p.has("runtime_low") { policy.runtimeLow = p.duration("runtime_low", default: .minutes(3)) }
        return policy
    }

    /// The probe for a configured check of one of `kinds`.
    public static func make(_ check: CheckDefinition) throws(WatchpostError) -> any Probe {
        let p = check.parameters
        let driver = try driver(kind: check.kind, parameters: p, timeout: check.timeout, label: "\(check.site)/\(check.id)")
        return UPSProbe(driver: driver, policy: policy(p), fullRefresh: p.duration("full_refresh", default: .seconds(30)))
    }

    static func driver(kind: String, parameters p: ConfigSection, timeout: Seconds, label: String) throws(WatchpostError) -> any UPSDriver {
        switch kind {
        case "ups-hid":
            guard let vendor = hexID(p.string("vendor")), let product = hexID(p.string("product")) else {
                throw WatchpostError(.configuration, "check \(label): vendor and product must be hex USB ids")
            }
            return hidDriver(USBMatch(vendorID: vendor, productID: product, serial: p.value("serial")))
        case "ups-q1":
            let range: ClosedRange<Double>? = p.has("battery_voltage_low") && p.has("battery_voltage_high")
                ? p.double("battery_voltage_low", default: 0)...max(p.double("battery_voltage_low", default: 0), p.double("battery_voltage_high", default: 0))
                : nil
            if p.string("transport", default: "cypress") == "serial" {
                let path = p.string("device")
                let baud = p.int("baud", default: 2400)
                return MegatecQ1Driver(batteryVoltageRange: range) { try await SerialQ1Transport.open(path: path, baud: baud) }
            }
            let vendor = hexID(p.string("vendor", default: "0665")) ?? 0x0665
            let product = hexID(p.string("product", default: "5161")) ?? 0x5161
            return q1CypressDriver(USBMatch(vendorID: vendor, productID: product, serial: p.value("serial")), batteryVoltageRange: range)
        case "ups-nut":
            let (host, port) = splitHostPort(p.string("host"))
            let env = p.string("password_env", default: "WATCHPOST_NUT_PASSWORD")
            let user = p.value("username")
            let password = user == nil ? nil : CurrentProcess.environment(env)
            let roleText = p.string("role", default: "secondary")
            guard let role = NUTRole(rawValue: roleText) else {
                throw WatchpostError(.configuration, "check \(label): role '\(roleText)' is not 'secondary' or 'primary'",
                                     hint: "role = secondary only logs in (upsmon secondary); role = primary also claims the UPS (upsmon primary)")
            }
            if user != nil, (password ?? "").isEmpty {
                throw WatchpostError(.configuration, "check \(label): username is set but the environment variable \(env) holds no password",
                                     hint: "export \(env) in the daemon's environment, or remove username to read without logging in")
            }
            return NUTDriver(client: NUTClient(target: NUTTarget(host: host, port: port ?? 3493, ups: p.string("ups")),
                                               username: user, password: password, role: role, timeout: timeout))
        default:
            throw WatchpostError(.configuration, "check \(label): '\(kind)' is not a power probe kind")
        }
    }

    public static func hidDriver(vendor: UInt16, product: UInt16, serial: String?) -> HIDPowerDriver {
        hidDriver(USBMatch(vendorID: vendor, productID: product, serial: serial))
    }

    public static func q1CypressDriver(vendor: UInt16, product: UInt16, serial: String?) -> MegatecQ1Driver {
        q1CypressDriver(USBMatch(vendorID: vendor, productID: product, serial: serial))
    }

    static func hidDriver(_ match: USBMatch) -> HIDPowerDriver {
        HIDPowerDriver { try await USBHIDTransport.open(match) }
    }

    static func q1CypressDriver(_ match: USBMatch, batteryVoltageRange: ClosedRange<Double>? = nil) -> MegatecQ1Driver {
        MegatecQ1Driver(batteryVoltageRange: batteryVoltageRange) { try await CypressQ1Transport.open(match) }
    }
}

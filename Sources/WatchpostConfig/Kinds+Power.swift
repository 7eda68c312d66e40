// Configuration of the power probes: a UPS read over USB as a HID Power Device (`ups-hid`), a
// Megatec Q1 unit behind a USB bridge or a serial port (`ups-q1`), or a UPS served by NUT's upsd
// (`ups-nut`). The policy keys (on-battery delay, charge and runtime thresholds) are shared.
import WatchpostCore

extension CheckKinds {
    static let hexID = ValueKind.custom("hex id") { v in
        let s = v.lowercased().hasPrefix("0x") ? String(v.dropFirst(2)) : v
        guard !s.isEmpty, s.count <= 4, UInt16(s, radix: 16) != nil else { return Message("config.usb.not_id", ["value": .text(v)]) }
        return nil
    }

    /// Policy keys every UPS kind has (NUT / apcupsd defaults in the help).
    static let upsPolicyKeys: [KeySpec] = [
        KeySpec("onbatt_delay", .duration(min: .zero, max: .minutes(10)), help: "on battery this long before ONBATT (default 5s)"),
        KeySpec("charge_warning", .number(0...100), help: "on battery at or below this charge % → warning lowcharge (default 50)"),
        KeySpec("charge_low", .number(0...100), help: "on battery at or below this charge % → lowbatt, the shutdown trigger (default 20)"),
        KeySpec("runtime_low", .duration(min: .zero, max: .hours(24)), help: "on battery with this runtime left or less → lowbatt (default 3m)"),
        KeySpec("full_refresh", .duration(min: .seconds(1), max: .hours(1)), help: "read every variable this often; status only in between (default 30s)"),
    ]

    public static let upsHID = CheckKindSchema(kind: "ups-hid", summary: "UPS over USB, HID Power Device class (as NUT usbhid-ups)", keys: [
        KeySpec("vendor", hexID, required: true, help: "USB vendor id, hex (APC 051d, CyberPower 0764, Eaton 0463)"),
        KeySpec("product", hexID, required: true, help: "USB product id, hex"),
        KeySpec("serial", .nonEmpty, help: "USB serial number, when several identical UPSes are plugged in"),
    ] + upsPolicyKeys)

    public static let upsQ1 = CheckKindSchema(kind: "ups-q1", summary: "Megatec Q1 UPS over a USB bridge or a serial port (as NUT nutdrv_qx)", keys: [
        KeySpec("transport", .oneOf(["cypress", "serial"]), help: "cypress: USB HID bridge (default); serial: a serial port"),
        KeySpec("vendor", hexID, help: "USB vendor id of the bridge, hex (default 0665)"),
        KeySpec("product", hexID, help: "USB product id of the bridge, hex (default 5161)"),
        KeySpec("serial", .nonEmpty, help: "USB serial number, when several bridges are plugged in"),
        KeySpec("device", .nonEmpty, help: "serial port for transport = serial, e.g. /dev/ttyUSB0"),
        KeySpec("baud", .oneOf(["1200", "2400", "4800", "9600"]), help: "serial speed (default 2400)"),
        KeySpec("battery_voltage_low", .number(0...1000), help: "battery voltage that counts as empty, for battery.charge"),
        KeySpec("battery_voltage_high", .number(0...1000), help: "battery voltage that counts as full, for battery.charge"),
    ] + upsPolicyKeys, validate: { section in
        var out: [ConfigDiagnostic] = []
        if section.value("transport") == "serial", !section.has("device") {
            out.append(ConfigDiagnostic(file: section.file, line: section.lineOf("transport"), key: "device",
                                        Message("config.ups.serial_needs_device")))
        }
        if section.has("battery_voltage_low") != section.has("battery_voltage_high") {
            out.append(ConfigDiagnostic(file: section.file, line: section.line, key: "battery_voltage_high",
                                        Message("config.ups.voltage_pair")))
        }
        return out
    })

    public static let upsNUT = CheckKindSchema(kind: "ups-nut", summary: "UPS served by NUT's upsd (TCP 3493, LIST VAR)", keys: [
        KeySpec("host", .hostPort(defaultPort: 3493), required: true, help: "upsd address, HOST or HOST:PORT (default port 3493)"),
        KeySpec("ups", .nonEmpty, required: true, help: "the UPS name in ups.conf"),
        KeySpec("username", .nonEmpty, help: "upsd.users user, when upsd requires a login"),
        KeySpec("password_env", .nonEmpty, help: "environment variable holding that user's password (default WATCHPOST_NUT_PASSWORD)"),
    ] + upsPolicyKeys)
}

import WatchpostCore

extension CheckKinds {
    /// A NovaStar LED sending card over TCP (port 5200) or a serial port (115200 8N1): input
    /// signal, receiving cards, kill/lock/test pattern, cabinet monitoring (WatchpostLED).
    public static let novastar = CheckKindSchema(kind: "novastar", summary: "NovaStar LED controller (sending + receiving cards)", keys: [
        KeySpec("host", .host, help: "controller address (TCP); or give serial"),
        KeySpec("port", .port, help: "TCP port, default 5200 (some VX Pro models: 15200)"),
        KeySpec("serial", .nonEmpty, help: "serial device, e.g. /dev/ttyUSB0 (CP210x) or /dev/serial/by-id/…"),
        KeySpec("baud", .integer(1200...12_000_000), help: "serial rate, default 115200 (some models 1048576)"),
        KeySpec("sending_card", .integer(0...254), help: "sending card index in a cascade, default 0"),
        KeySpec("cards_per_port", .custom("cards per port", { v in
            let items = splitList(v)
            if items.isEmpty { return Message("config.novastar.no_cards") }
            if items.count > 32 { return Message("config.novastar.too_many_ports") }
            for item in items { guard let n = Int(item), (0...512).contains(n) else { return Message("config.novastar.card_count", ["value": .text(item)]) } }
            return nil
        }), required: true, help: "receiving cards expected on each output port, e.g. 4, 4"),
        KeySpec("request_timeout", .duration(min: Seconds(milliseconds: 100), max: .seconds(30)), help: "per-request timeout, default 1s"),
        KeySpec("temperature", .band, help: "card and cabinet temperature band in °C, default -20..70"),
        KeySpec("humidity", .band, help: "humidity band in %, default 0..85"),
        KeySpec("voltage", .band, help: "receiving-card supply band in V, default 4.5..5.6"),
        KeySpec("brightness", .band, help: "brightness band in % during operating hours (not judged when absent)"),
        KeySpec("fan_min_rpm", .integer(0...10_000), help: "a monitoring-card fan below this is stopped, default 1"),
    ], validate: { section in
        var out: [ConfigDiagnostic] = []
        let hasHost = section.has("host"), hasSerial = section.has("serial")
        if hasHost == hasSerial {
            out.append(ConfigDiagnostic(file: section.file, line: section.line, key: hasHost ? "serial" : "host",
                                        hasHost ? Message("config.novastar.host_and_serial") : Message("config.novastar.host_or_serial")))
        }
        if section.has("port") && !hasHost { out.append(ConfigDiagnostic(file: section.file, line: section.lineOf("port"), key: "port", Message("config.novastar.port_needs_host"))) }
        if section.has("baud") && !hasSerial { out.append(ConfigDiagnostic(file: section.file, line: section.lineOf("baud"), key: "baud", Message("config.novastar.baud_needs_serial"))) }
        return out
    })
}

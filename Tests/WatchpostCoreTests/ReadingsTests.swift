// Readings as people read them (issue 15, Deliver 2; review s5 defects 1 and 5): catalogue names,
// the Vietnamese decimal comma, sizes in GB/MB, on the board, the incident page and the mails'
// "số đo" line, which all go through `Readings`.
import Testing
import WatchpostTestSupport
@testable import WatchpostCore

struct ReadingsTests {
    @Test func upsReadingsReadInVietnameseWithTheDecimalComma() {
        let ups = [Measurement("battery.charge", 71, unit: "%"), Measurement("battery.voltage", 12.7, unit: "V"), Measurement("input.voltage", 0, unit: "V")]
        expectEqual(Readings.text(ups, .vi), "pin còn 71%, điện áp ắc quy 12,7 V, điện áp lưới vào 0 V")
        expectEqual(Readings.text(ups, .en), "battery charge 71%, battery voltage 12.7 V, input voltage 0 V")
    }

    @Test func sizesAreGroupedAndNetworkTimesNamed() {
        let disk = [Measurement("free", 64_127_422_464, unit: "B"), Measurement("free_percent", 23.7, unit: "%")]
        expectEqual(Readings.text(disk, .vi), "dung lượng trống 64,1 GB, tỷ lệ trống 23,7%")
        expectEqual(Readings.text([Measurement("hashed_bytes", 3, unit: "B")], .vi), "dung lượng đã tính mã băm 3 byte")
        expectEqual(Readings.text([Measurement("rtt_avg", 0.09, unit: "ms"), Measurement("loss[10.0.0.1]", 100, unit: "%")], .vi), "thời gian phản hồi trung bình 0,09 ms, tỷ lệ mất gói [10.0.0.1] 100%")
        expectEqual(Readings.text([Measurement("p1.c3.temperature", 41.25, unit: "°C"), Measurement("p1.c3.fan2", 1200, unit: "rpm")], .vi), "nhiệt độ (p1.c3) 41,25 °C, quạt 2 (p1.c3) 1.200 vòng/phút")
        expectEqual(Readings.text([Measurement("on_battery", 59.544, unit: "s")], .vi), "thời gian chạy bằng pin 59 giây")
        // A plugin's own metric keeps its author's name; its number still takes the comma.
        expectEqual(Readings.text([Measurement("queue_depth", 2.5)], .vi), "queue_depth 2,5")
    }

    /// The mails' "số đo" comes from the text kept on the incident ("battery.voltage 12.7 V, …").
    @Test func storedIncidentValueReadsInEachLanguage() {
        let stored = "files 6, hashed_bytes 3 B, hashed_files 1, approved_items 5"
        expectEqual(Readings.text(stored: stored, .vi), "số tệp 6, dung lượng đã tính mã băm 3 byte, số tệp đã tính mã băm 1, số mục đã phê duyệt 5")
        expectEqual(Readings.text(stored: stored, .en), "files 6, bytes hashed 3 bytes, files hashed 1, approved items 5")
        expectEqual(Readings.text(stored: "battery.voltage 12.7 V", .vi), "điện áp ắc quy 12,7 V")
        // Text not in that form keeps only the comma rule.
        expectEqual(Readings.text(stored: "odd 1.5 (x), y", .vi), "odd 1,5 (x), y")
    }

    /// Every metric the built-in probes measure has its name in the catalogue (a new metric
    /// without one fails here, naming it).
    @Test func everyProbeMetricHasACatalogueName() {
        let metrics = ["battery.charge", "battery.runtime", "battery.voltage", "input.voltage", "input.frequency", "output.voltage", "output.frequency",
                       "ups.load", "ups.temperature", "input.voltage.fault", "on_battery", "input_signal", "cards_configured", "cards_online", "brightness",
                       "p1.c1.temperature", "p1.c1.humidity", "p1.c1.voltage", "p1.c1.module_status_faults", "p1.c1.cabinet_temperature",
                       "p1.c1.cabinet_humidity", "p1.c1.fan1", "p1.c1.cabinet_voltage_min", "p1.c1.cabinet_voltage_max", "temperature_max",
                       "files", "hashed_bytes", "hashed_files", "approved_items", "targets_answering", "loss", "rtt_min", "rtt_avg", "rtt_max",
                       "rtt_mdev", "cert_days", "status", "ttfb", "total_time", "connect_time", "free", "free_percent"]
        let unnamed = metrics.filter { Readings.name($0, .vi) == $0 || Readings.name($0, .en) == $0 && !["files", "brightness"].contains($0) }
        #expect(unnamed.isEmpty, "metrics without a catalogue name (Catalogue+Readings.swift): \(unnamed)")
    }

    @Test func theStorageTextGivesTheSizeInGigabytes() {
        let m = Message("probe.storage.ok", ["free": .bilingual(vi: HumanFormat.bytes(64_709_885_952, .vi), en: HumanFormat.bytes(64_709_885_952, .en)),
                                             "percent": .number(24, digits: 0), "folder": "/var/lib/watchpost"])
        expectEqual(Catalogue.render(m, .vi), "Còn trống 64,7 GB (24%) tại /var/lib/watchpost")
        #expect(HumanFormat.bytes(512_000_000, .vi) == "512 MB" && HumanFormat.bytes(1, .en) == "1 byte")
    }
}

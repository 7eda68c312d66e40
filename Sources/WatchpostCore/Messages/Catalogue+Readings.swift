// Catalogue table "readings" (issue 15, Deliver 2): the name of every metric a probe measures,
// as the status board, the incident page and the mails' "số đo" line show it (`Readings`).
// Keys are `reading.<metric>`; an LED card's metrics ("p1.c3.temperature") use the last part.
// UPS names follow NUT's variables (docs/protocols), the others the probes in Sources/.

extension Catalogue {
    static let readings: [Entry] = [
        // UPS (WatchpostPower, NUT variable names)
        .init("reading.battery.charge", vi: "pin còn", en: "battery charge"),
        .init("reading.battery.runtime", vi: "thời gian pin còn dùng được", en: "battery runtime"),
        .init("reading.battery.voltage", vi: "điện áp ắc quy", en: "battery voltage"),
        .init("reading.input.voltage", vi: "điện áp lưới vào", en: "input voltage"),
        .init("reading.input.voltage.fault", vi: "điện áp lưới khi sự cố", en: "input voltage at fault"),
        .init("reading.input.frequency", vi: "tần số lưới vào", en: "input frequency"),
        .init("reading.output.voltage", vi: "điện áp ra", en: "output voltage"),
        .init("reading.output.frequency", vi: "tần số ra", en: "output frequency"),
        .init("reading.ups.load", vi: "tải UPS", en: "UPS load"),
        .init("reading.ups.temperature", vi: "nhiệt độ UPS", en: "UPS temperature"),
        .init("reading.on_battery", vi: "thời gian chạy bằng pin", en: "time on battery"),
        // LED screen (WatchpostLED)
        .init("reading.input_signal", vi: "tín hiệu vào", en: "input signal"),
        .init("reading.cards_configured", vi: "số card nhận khai báo", en: "receiving cards configured"),
        .init("reading.cards_online", vi: "số card nhận đang kết nối", en: "receiving cards online"),
        .init("reading.brightness", vi: "độ sáng", en: "brightness"),
        .init("reading.temperature", vi: "nhiệt độ", en: "temperature"),
        .init("reading.humidity", vi: "độ ẩm", en: "humidity"),
        .init("reading.voltage", vi: "điện áp", en: "voltage"),
        .init("reading.module_status_faults", vi: "số byte trạng thái module báo lỗi", en: "module status bytes in fault"),
        .init("reading.cabinet_temperature", vi: "nhiệt độ tủ", en: "cabinet temperature"),
        .init("reading.cabinet_humidity", vi: "độ ẩm tủ", en: "cabinet humidity"),
        .init("reading.fan", vi: "quạt", en: "fan"),
        .init("reading.cabinet_voltage_min", vi: "điện áp tủ thấp nhất", en: "lowest cabinet voltage"),
        .init("reading.cabinet_voltage_max", vi: "điện áp tủ cao nhất", en: "highest cabinet voltage"),
        .init("reading.temperature_max", vi: "nhiệt độ cao nhất", en: "highest temperature"),
        // Content (WatchpostContent)
        .init("reading.files", vi: "số tệp", en: "files"),
        .init("reading.hashed_bytes", vi: "dung lượng đã tính mã băm", en: "bytes hashed"),
        .init("reading.hashed_files", vi: "số tệp đã tính mã băm", en: "files hashed"),
        .init("reading.approved_items", vi: "số mục đã phê duyệt", en: "approved items"),
        // Network (WatchpostNetwork); a target's address follows in brackets when there are several
        .init("reading.targets_answering", vi: "số địa chỉ trả lời", en: "targets answering"),
        .init("reading.loss", vi: "tỷ lệ mất gói", en: "packet loss"),
        .init("reading.rtt_min", vi: "thời gian phản hồi thấp nhất", en: "lowest round trip"),
        .init("reading.rtt_avg", vi: "thời gian phản hồi trung bình", en: "average round trip"),
        .init("reading.rtt_max", vi: "thời gian phản hồi cao nhất", en: "highest round trip"),
        .init("reading.rtt_mdev", vi: "độ dao động thời gian phản hồi", en: "round-trip deviation"),
        .init("reading.cert_days", vi: "chứng thư số còn hiệu lực", en: "certificate valid for"),
        .init("reading.status", vi: "mã trả lời HTTP", en: "HTTP status"),
        .init("reading.ttfb", vi: "thời gian đến byte đầu tiên", en: "time to first byte"),
        .init("reading.total_time", vi: "tổng thời gian trả lời", en: "total response time"),
        .init("reading.connect_time", vi: "thời gian kết nối", en: "connect time"),
        // Storage (WatchpostProbes)
        .init("reading.free", vi: "dung lượng trống", en: "free space"),
        .init("reading.free_percent", vi: "tỷ lệ trống", en: "free"),
    ]
}

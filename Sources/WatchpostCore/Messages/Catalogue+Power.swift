// Catalogue table "power": UPS and mains findings (WatchpostPower). One primary key per finding
// code, `finding.power.<code>` (the coverage test checks UPSFindingCode.all against it).
// "mất điện lưới" = mains lost; "UPS chạy pin" = UPS on battery; "pin yếu" = low battery.

extension Catalogue {
    static let power: [Entry] = [
        .init("finding.power.commbad", vi: "Không đọc được UPS (kiểm tra cáp USB/nối tiếp và nguồn của UPS)",
              en: "The UPS cannot be read (check the USB/serial cable and the UPS's power)"),
        .init("finding.power.onbatt", vi: "Mất điện lưới, UPS chạy pin đã {duration}{reading}",
              en: "Mains lost, UPS on battery for {duration}{reading}"),
        .init("finding.power.onbatt-pending", vi: "UPS chạy pin {duration}, chưa quá thời gian chờ {delay}",
              en: "On battery for {duration}, under the {delay} delay"),
        .init("finding.power.lowbatt", vi: "Pin UPS yếu: {reasons}{reading}", en: "UPS battery low: {reasons}{reading}"),
        .init("finding.power.lowcharge", vi: "Dung lượng pin còn {value}% (ngưỡng cảnh báo {limit}%) khi đang chạy pin",
              en: "Battery charge {value}% (warning at {limit}%) on battery"),
        .init("finding.power.lowbatt-online", vi: "Pin UPS còn yếu dù đã có điện lưới (đang sạc lại sau khi mất điện){reading}",
              en: "Battery low while on mains (recharging after an outage){reading}"),
        .init("finding.power.replbatt", vi: "UPS báo cần thay pin", en: "The UPS asks for its battery to be replaced"),
        .init("finding.power.overload", vi: "UPS quá tải (tải {load}%)", en: "UPS overloaded (load {load}%)"),
        .init("finding.power.alarm", vi: "UPS báo động", en: "UPS alarm"),

        .init("power.reading", vi: " ({items})", en: " ({items})"),
        .init("power.charge", vi: "pin còn {value}%", en: "charge {value}%"),
        .init("power.runtime", vi: "thời gian chạy pin còn lại {value}", en: "runtime left {value}"),
        .init("power.load", vi: "tải {value}%", en: "load {value}%"),
        .init("power.low.flag", vi: "UPS báo pin yếu (LB)", en: "the UPS reports low battery (LB)"),
        .init("power.low.fsd", vi: "UPS báo tắt máy cưỡng bức (FSD)", en: "the UPS forces a shutdown (FSD)"),
        .init("power.low.charge", vi: "pin còn {value}% (ngưỡng {limit}%)", en: "charge {value}% (limit {limit}%)"),
        .init("power.low.runtime", vi: "thời gian chạy pin còn {value} (ngưỡng {limit})", en: "runtime {value} (limit {limit})"),
        .init("power.ok", vi: "UPS: {items}", en: "UPS: {items}"),
        .init("power.ok.on-mains", vi: "có điện lưới ({flags})", en: "on mains ({flags})"),
        .init("power.ok.on-battery", vi: "đang chạy pin ({flags})", en: "on battery ({flags})"),
    ]
}

// Catalogue table "cli": command-line output for people (watchpost).
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let cli: [Entry] = [
        .init("cli.group.usage", vi: "Cách dùng: watchpost {group} <lệnh con> [tùy chọn]   (watchpost {group} <lệnh con> --help để xem chi tiết)",
              en: "Usage: watchpost {group} <subcommand> [options]   (watchpost {group} <subcommand> --help for details)"),
        .init("cli.group.subcommands", vi: "Các lệnh con của nhóm {group}:", en: "Subcommands of {group}:"),
        .init("cli.group.unknown_subcommand", vi: "nhóm lệnh {group} không có lệnh con “{sub}”", en: "the {group} group has no subcommand “{sub}”"),
        // watchpost status / incidents / maintenance list / probe: text for people (--json is for machines).
        .init("cli.status.header", vi: "CỤM/HẠNG MỤC GIÁM SÁT               MỨC ĐỘ          TỪ LÚC            VẤN ĐỀ",
              en: "SITE/CHECK                          STATE           SINCE             SUMMARY"),
        .init("cli.status.soft", vi: "{status} (chưa chắc chắn)", en: "{status} (soft)"),
        .init("cli.status.none", vi: "(chưa có kết quả)", en: "(no results yet)"),
        .init("cli.incidents.open", vi: "SỰ CỐ ĐANG MỞ", en: "OPEN INCIDENTS"),
        .init("cli.incidents.none", vi: "(không có sự cố)", en: "(no incidents)"),
        .init("cli.incident.line", vi: "#{id} {key} — {category} — {status} — {state}, từ {since}{level}{next}{ack} — {summary}",
              en: "#{id} {key} — {category} — {status} — {state}, since {since}{level}{next}{ack} — {summary}"),
        .init("cli.incident.level", vi: ", cấp báo cáo {level}", en: ", level {level}"),
        .init("cli.incident.technicians", vi: ", tổ kỹ thuật", en: ", technicians"),
        .init("cli.incident.next", vi: ", bước tiếp theo lúc {at}", en: ", next step at {at}"),
        .init("cli.incident.acked", vi: ", đã tiếp nhận: {by} ({via})", en: ", acknowledged by {by} ({via})"),
        .init("cli.state.triggered", vi: "chưa tiếp nhận", en: "not acknowledged"),
        .init("cli.state.acknowledged", vi: "đã tiếp nhận", en: "acknowledged"),
        .init("cli.state.resolved", vi: "đã khắc phục", en: "resolved"),
        .init("cli.maintenance.title", vi: "THỜI GIAN BẢO TRÌ", en: "MAINTENANCE"),
        .init("cli.maintenance.line", vi: "{id}  {site}  {start} → {end}  {active}{checks}  {reason}",
              en: "{id}  {site}  {start} → {end}  {active}{checks}  {reason}"),
        .init("cli.maintenance.active", vi: "ĐANG BẢO TRÌ ", en: "ACTIVE "),
        .init("cli.maintenance.all_checks", vi: "mọi hạng mục giám sát", en: "all checks"),
        .init("cli.maintenance.all_sites", vi: "mọi cụm", en: "all sites"),
        .init("cli.maintenance.security", vi: " (kể cả an ninh thông tin)", en: " (security too)"),
        .init("cli.maintenance.by", vi: " (người lập: {by}{stopped})", en: " (by {by}{stopped})"),
        .init("cli.maintenance.stopped", vi: ", kết thúc lúc {at}", en: ", stopped at {at}"),
        .init("cli.maintenance.none", vi: "(không có thời gian bảo trì)", en: "(no maintenance windows)"),
        .init("cli.maintenance.started", vi: "Đã bắt đầu thời gian bảo trì:", en: "Maintenance window started:"),
        .init("cli.maintenance.stopped_now", vi: "Đã kết thúc thời gian bảo trì {id} ({reason})", en: "Maintenance window {id} stopped ({reason})"),
        .init("cli.probe.when", vi: "lúc {at}, mất {took}", en: "at {at}, took {took}"),
    ]
}

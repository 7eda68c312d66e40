// Catalogue table "reports": report sections and wording (WatchpostReports) — #17.
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let reports: [Entry] = [
        .init("report.basis", vi: "Căn cứ: {basis}", en: "Basis: {basis}"),
        .init("report.no_data", vi: "Không có dữ liệu", en: "No data"),

        // The list of incidents: when, what, category, who was informed, who took it, actions, ending.
        .init("report.section.incident_list", vi: "Danh sách sự cố", en: "Incident list"),
        .init("report.incident_list.none", vi: "Không có sự cố nào trong kỳ.", en: "No incident in the period."),
        .init("report.incident_list.no_records", vi: "Cơ sở dữ liệu này chưa có bản ghi sự cố: không có dữ liệu.",
              en: "This database holds no incident records: no data."),
        .init("report.col.when", vi: "Thời điểm", en: "When"),
        .init("report.col.what", vi: "Sự việc", en: "What"),
        .init("report.col.category", vi: "Loại", en: "Category"),
        .init("report.col.informed", vi: "Đã thông báo", en: "Informed"),
        .init("report.col.taken", vi: "Tiếp nhận", en: "Taken by"),
        .init("report.col.actions", vi: "Xử lý, ghi chú", en: "Actions and notes"),
        .init("report.col.outcome", vi: "Kết quả", en: "How it ended"),
        .init("report.incident.nobody_informed", vi: "Chưa thông báo cho ai", en: "Nobody informed"),
        .init("report.incident.informed", vi: "{who} (cấp {level})", en: "{who} (level {level})"),
        .init("report.incident.informed_technicians", vi: "{who} (kỹ thuật)", en: "{who} (technicians)"),
        .init("report.incident.informed_at_once", vi: "{who} (được thông báo ngay)", en: "{who} (told at once)"),
        .init("report.incident.informed_first", vi: "{who} (thông báo ban đầu)", en: "{who} (first notice)"),
        .init("report.incident.taken", vi: "{who}, {time} (qua {via})", en: "{who}, {time} (via {via})"),
        .init("report.incident.not_taken", vi: "Chưa có ai tiếp nhận", en: "Not acknowledged"),
        .init("report.incident.escalated", vi: "Chuyển lên cấp {level}", en: "Escalated to level {level}"),
        .init("report.incident.responder", vi: "Xử lý tự động {name}; chi tiết kỹ thuật: {outcome}", en: "Automatic response {name}: {outcome}"),
        .init("report.incident.note", vi: "{who}: {note}", en: "{who}: {note}"),
        .init("report.incident.no_actions", vi: "Không có ghi chú", en: "No notes"),
        .init("report.incident.resolved_by", vi: "Khắc phục {time}, {who}: {reason}", en: "Resolved {time} by {who}: {reason}"),
        .init("report.incident.recovered", vi: "Tự phục hồi {time}", en: "Recovered by itself {time}"),
        .init("report.incident.open", vi: "Chưa khắc phục", en: "Still open"),

        // Hours operated on weekends and holidays against the schedule and the plan.
        .init("report.section.weekend", vi: "Giờ hoạt động ngày nghỉ, ngày lễ", en: "Hours operated on weekends and holidays"),
        .init("report.weekend.weekday", vi: "Ngày làm việc", en: "Working days"),
        .init("report.weekend.saturday", vi: "Thứ Bảy", en: "Saturdays"),
        .init("report.weekend.sunday", vi: "Chủ nhật", en: "Sundays"),
        .init("report.weekend.holiday", vi: "Ngày lễ", en: "Public holidays"),
        .init("report.col.days", vi: "Số ngày", en: "Days"),
        .init("report.weekend.day_count", vi: "{count} ngày", en: "{count} days"),
        .init("report.col.scheduled_hours", vi: "Giờ theo lịch", en: "Scheduled hours"),
        .init("report.col.operated_hours", vi: "Giờ hoạt động", en: "Hours operated"),
        .init("report.col.no_data_hours", vi: "Giờ không có dữ liệu", en: "Hours with no data"),
        .init("report.col.availability_short", vi: "Sẵn sàng", en: "Availability"),
        .init("report.weekend.plan_no_data",
              vi: "Giờ theo lịch: lịch hoạt động trong hồ sơ của cụm, theo kế hoạch vận hành từng ngày của đơn vị ở những ngày đã lập (sổ kế hoạch vận hành); ngày chưa lập kế hoạch: không có dữ liệu kế hoạch, theo lịch trong hồ sơ.",
              en: "Scheduled hours: the site profile's schedule, following the unit's day-by-day operating plan on the days it was entered (operating-plan register); days without a plan: no plan data, the profile's schedule."),

        // Content and programmes, from the broadcast log.
        .init("report.section.content", vi: "Nội dung và chương trình phát", en: "Content and programmes"),
        .init("report.content.no_data", vi: "Chưa có nhật ký phát trên máy này: không có dữ liệu nội dung.",
              en: "No broadcast log on this box: no content figures."),
        .init("report.content.summary", vi: "{plays} lượt phát của {items} nội dung khác nhau (theo đường dẫn và mã băm), {hours} giờ phát; lượt phát nội dung chưa được phê duyệt: {unapproved}.",
              en: "{plays} plays of {items} distinct items (by path and hash), {hours} hours shown; plays of content not approved: {unapproved}."),
        .init("report.content.by_language", vi: "Giờ phát theo ngôn ngữ", en: "Hours shown by language"),
        .init("report.content.by_source", vi: "Giờ phát theo đơn vị cung cấp", en: "Hours shown by source"),
        .init("report.content.unspecified", vi: "chưa ghi", en: "not given"),

        // Registers (inspections, maintenance, repairs, complaints, training).
        .init("report.section.registers", vi: "Kiểm tra, bảo trì, sửa chữa, phản ánh, tập huấn", en: "Inspections, maintenance, repairs, complaints, training"),
        .init("report.registers.no_data", vi: "Chưa có sổ đăng ký trên máy này: không có dữ liệu.", en: "No registers on this box: no data."),

        // Proposals the data suggests.
        .init("report.section.proposals", vi: "Đề xuất", en: "Proposals"),
        .init("report.proposals.intro", vi: "Gợi ý từ số liệu giám sát, để đơn vị vận hành và Sở Thông tin và Truyền thông xem xét.",
              en: "Suggested by the monitoring figures, for the operating unit and the Department to consider."),
        .init("report.proposals.none", vi: "Số liệu trong kỳ không gợi ý đề xuất nào.", en: "The period's figures suggest no proposal."),
        .init("report.proposal.ups_battery", vi: "Thay ắc quy bộ lưu điện ({check}): bộ lưu điện báo cần thay ắc quy ({count} lần trong kỳ).",
              en: "Replace the UPS battery ({check}): the UPS asked for a battery replacement ({count} times in the period)."),
        .init("report.proposal.led_cards", vi: "Kiểm tra, thay thế card nhận của màn hình ({check}): mất card nhận {count} lần trong kỳ.",
              en: "Inspect and replace the screen's receiving cards ({check}): cards missing {count} times in the period."),
        .init("report.proposal.link", vi: "Kiểm tra đường truyền ({check}) với đơn vị cung cấp: mất kết nối {count} lần trong kỳ.",
              en: "Have the link ({check}) checked with its provider: lost {count} times in the period."),

        // The PDF's running header and page numbers.
        .init("report.pdf.page", vi: "Trang {page}/{pages}", en: "Page {page} of {pages}"),
        // A period named by the site's reporting calendar (`--period yearly --of 2026`).
        .init("report.calendar.no_such_report", vi: "lịch báo cáo của cụm {site} không có báo cáo '{name}'; các báo cáo định kỳ trong probes/{site}/reports.conf (ngày chốt số liệu): {reports}",
              en: "the reporting calendar of {site} has no '{name}' report; the recurring reports in probes/{site}/reports.conf (cut-off): {reports}"),
        .init("report.calendar.no_such_report_hint", vi: "dùng tên một báo cáo nêu trên, hoặc --period 2026 / --from NGÀY --to NGÀY",
              en: "use one of those reports, or --period 2026 / --from DATE --to DATE"),
        .init("report.calendar.no_such_period", vi: "'{of}' không phải một kỳ của báo cáo {name} (ví dụ: {example}, hoặc một ngày YYYY-MM-DD trong kỳ; các năm 1970–9999)",
              en: "'{of}' is not a period of the {name} report (e.g. {example}, or a day YYYY-MM-DD in the period; years 1970–9999)"),
        .init("report.kind.yearly", vi: "năm", en: "yearly"),
        .init("report.kind.half-yearly", vi: "6 tháng", en: "6-monthly"),
        .init("report.kind.monthly", vi: "tháng", en: "monthly"),
        .init("report.period.calendar", vi: "Báo cáo {kind} {of} theo lịch báo cáo của từng cụm (từ {first} đến {last})",
              en: "The {kind} report {of} by each cluster's reporting calendar ({first} to {last})"),
        .init("report.period.calendar_latest", vi: "Báo cáo {kind} của kỳ gần nhất đã kết thúc, theo lịch báo cáo của từng cụm (từ {first} đến {last})",
              en: "The latest ended {kind} report by each cluster's reporting calendar ({first} to {last})"),
        .init("report.period.site_days", vi: "từ {first} đến {last}", en: "{first} to {last}"),
        .init("report.calendar.needs_site", vi: "--period {name} là kỳ theo lịch báo cáo của một cụm: cần --site ID",
              en: "--period {name} is a period of one site's reporting calendar: give --site ID"),
        .init("report.calendar.of_needs_name", vi: "--of chỉ dùng với --period yearly, half-year hoặc monthly",
              en: "--of goes with --period yearly, half-year or monthly"),
    ]
}

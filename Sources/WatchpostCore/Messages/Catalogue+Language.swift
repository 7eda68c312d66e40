// Catalogue table "language" (issue 15): the titles of the monitoring figures (HTML, PDF, text; the
// email's subject says the same, alerts/templates/report.txt). What Watchpost sends supports the
// unit's report; it is not the report (docs/glossary.md "số liệu giám sát"; Tây Trang Điều 8,
// Vũng Áng Điều 6 and 13: the units report, the Department compiles).

extension Catalogue {
    static let language: [Entry] = [
        // Where an incident enters its chain (the timeline's "opened" event): it read "level 1".
        .init("incident.entry.level", vi: "cấp {level}", en: "level {level}"),
        .init("incident.entry.technicians", vi: "tổ kỹ thuật", en: "technicians"),
        // One value in the reader's language (a text already in both, such as the findings added).
        .init("timeline.value", vi: "{v}", en: "{v}"),
        // Who acted, on the timeline and in notices: never the raw id "engine" or "responder:…".
        .init("actor.engine", vi: "hệ thống giám sát", en: "the monitoring system"),
        .init("actor.maintenance", vi: "bảo trì", en: "maintenance"),
        .init("actor.responder", vi: "tự động xử lý: {name}", en: "automatic action: {name}"),
        // Why an incident was resolved (the resolution notice's "căn cứ" and the timeline).
        .init("resolution.reason.check-ok", vi: "hạng mục {check} hoạt động bình thường trở lại", en: "{check} is OK again"),
        .init("resolution.reason.power-back", vi: "đã có điện trở lại", en: "power is back"),
        .init("resolution.reason.power-and-checks-back", vi: "đã có điện trở lại và các thiết bị bị ảnh hưởng hoạt động bình thường",
              en: "power is back and the equipment it affected works again"),
        .init("resolution.reason.by-hand", vi: "đóng thủ công, không ghi lý do", en: "closed by hand, no reason given"),
        // The timeline's queued-notice line for an escalation (it read "chuyển lên cấp cấp 2").
        .init("timeline.what.escalated-level", vi: "chuyển lên cấp {level}", en: "escalation to level {level}"),
        // A responder that failed, told to those notified: its own words only as the technical detail.
        .init("notice.action.responder-failed", vi: "Tác vụ tự động {name} không thực hiện được; đề nghị kiểm tra tại chỗ. Chi tiết kỹ thuật: {outcome}",
              en: "Automatic action {name} failed; please check on site. Technical detail: {outcome}"),
        // `watchpost maintenance stop` on a window that has already ended.
        .init("maintenance.error.already-ended", vi: "Đợt bảo trì {id} đã kết thúc lúc {at}", en: "Maintenance window {id} already ended at {at}"),
        .init("maintenance.error.see-list", vi: "xem: watchpost maintenance list", en: "see: watchpost maintenance list"),
        .init("report.title.site", vi: "Số liệu giám sát hoạt động Cụm Thông tin đối ngoại",
              en: "Monitoring figures — foreign-information cluster"),
        .init("report.title.consolidated", vi: "Số liệu giám sát tổng hợp các Cụm Thông tin đối ngoại",
              en: "Consolidated monitoring figures — foreign-information clusters"),
        .init("report.title.support",
              vi: "Số liệu do hệ thống giám sát tự động tổng hợp, phục vụ báo cáo của đơn vị; báo cáo chính thức do đơn vị lập và gửi.",
              en: "Figures compiled automatically by the monitoring system in support of the unit's report; the report itself is made and sent by the unit."),
    ]
}

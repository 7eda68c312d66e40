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
        .init("report.title.site", vi: "Số liệu giám sát hoạt động Cụm Thông tin đối ngoại",
              en: "Monitoring figures — foreign-information cluster"),
        .init("report.title.consolidated", vi: "Số liệu giám sát tổng hợp các Cụm Thông tin đối ngoại",
              en: "Consolidated monitoring figures — foreign-information clusters"),
        .init("report.title.support",
              vi: "Số liệu do hệ thống giám sát tự động tổng hợp, phục vụ báo cáo của đơn vị; báo cáo chính thức do đơn vị lập và gửi.",
              en: "Figures compiled automatically by the monitoring system in support of the unit's report; the report itself is made and sent by the unit."),
    ]
}

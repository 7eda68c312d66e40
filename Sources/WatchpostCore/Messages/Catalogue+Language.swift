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
        .init("actor.unknown", vi: "người không xác định", en: "unknown person"),
        .init("actor.via", vi: "{name} (qua {via}, từ địa chỉ {address})", en: "{name} (via {via}, from {address})"),
        .init("actor.responder", vi: "tự động xử lý: {name}", en: "automatic action: {name}"),
        // Why an incident was resolved (the resolution notice's "căn cứ" and the timeline).
        .init("resolution.reason.check-ok", vi: "hạng mục {check} hoạt động bình thường trở lại", en: "{check} is OK again"),
        .init("resolution.reason.power-back", vi: "đã có điện trở lại", en: "power is back"),
        .init("resolution.reason.power-and-checks-back", vi: "đã có điện trở lại và các thiết bị bị ảnh hưởng hoạt động bình thường",
              en: "power is back and the equipment it affected works again"),
        .init("resolution.reason.by-hand", vi: "người dùng ghi nhận đã khắc phục, không nêu lý do", en: "resolved by hand, no reason given"),
        // Why a state change opened no incident, or why one stays open (the timeline's [note]); checks by name.
        .init("timeline.note.unreachable", vi: "không liên lạc được vì hạng mục {parent} đang lỗi", en: "unreachable: parent {parent} is down"),
        .init("timeline.note.explained-by-power", vi: "do sự cố nguồn điện ({power})", en: "explained by power: {power}"),
        .init("timeline.note.was-explained-by-power", vi: "đã được giải thích bởi sự cố nguồn điện", en: "was explained by power"),
        .init("timeline.note.flapping", vi: "trạng thái đang dao động: chỉ khắc phục khi hết dao động", en: "flapping: resolution waits for flapping to end"),
        .init("timeline.note.power-back-waiting", vi: "đã có điện trở lại, đang chờ {checks}", en: "power back, waiting for {checks}"),
        // An escalation on the timeline names the units it reached (it showed the chain id "tay-trang").
        .init("timeline.escalated.units", vi: "Chuyển lên cấp {level} (báo: {units})", en: "Escalated to level {level} (told: {units})"),
        // The timeline's queued-notice line for an escalation (it read "chuyển lên cấp cấp 2").
        .init("timeline.what.escalated-level", vi: "chuyển lên cấp {level}", en: "escalation to level {level}"),
        // A responder that failed, told to those notified: its own words only as the technical detail.
        .init("notice.action.responder-failed", vi: "Tác vụ tự động {name} không thực hiện được; đề nghị kiểm tra tại chỗ. Chi tiết kỹ thuật: {outcome}",
              en: "Automatic action {name} failed; please check on site. Technical detail: {outcome}"),
        // `watchpost maintenance stop` on a window that has already ended.
        .init("maintenance.error.already-ended", vi: "Đợt bảo trì {id} đã kết thúc lúc {at}", en: "Maintenance window {id} already ended at {at}"),
        .init("maintenance.error.see-list", vi: "xem: watchpost maintenance list", en: "see: watchpost maintenance list"),
        // Manifest languages (ISO 639-1) and content kinds, by name (the broadcast log, the report).
        .init("language.name.vi", vi: "tiếng Việt", en: "Vietnamese"),
        .init("language.name.en", vi: "tiếng Anh", en: "English"),
        .init("language.name.lo", vi: "tiếng Lào", en: "Lao"),
        .init("language.name.th", vi: "tiếng Thái", en: "Thai"),
        .init("language.name.zh", vi: "tiếng Trung", en: "Chinese"),
        .init("language.name.km", vi: "tiếng Khmer", en: "Khmer"),
        .init("language.name.fr", vi: "tiếng Pháp", en: "French"),
        .init("language.name.ru", vi: "tiếng Nga", en: "Russian"),
        .init("content.kind.programme", vi: "chương trình", en: "programme"),
        .init("content.kind.clip", vi: "đoạn video", en: "video clip"),
        .init("content.kind.still", vi: "ảnh tĩnh", en: "still picture"),
        // Why a played item was not approved (the broadcast log's note), never the raw finding code.
        .init("content.plays.reason.player.unapproved-item", vi: "nội dung chưa được phê duyệt", en: "unapproved content"),
        .init("content.plays.reason.player.modified-item", vi: "khác với bản đã được phê duyệt", en: "differs from the approved copy"),
        .init("content.plays.reason.content.public-key-unreadable", vi: "không đọc được khóa công khai để xác minh danh mục", en: "the public key to verify the manifest is unreadable"),
        .init("content.plays.reason.content.manifest-missing", vi: "không có danh mục nội dung đã phê duyệt", en: "no approved-content manifest"),
        .init("content.plays.reason.content.manifest-malformed", vi: "không đọc được danh mục nội dung", en: "the manifest is unreadable"),
        .init("content.plays.reason.content.signature-invalid", vi: "chữ ký của danh mục không hợp lệ", en: "the manifest's signature is invalid"),
        .init("content.plays.reason.content.manifest-expired", vi: "danh mục đã hết hiệu lực", en: "the manifest has expired"),
        .init("content.plays.reason.content.manifest-not-yet-valid", vi: "danh mục chưa có hiệu lực", en: "the manifest is not yet valid"),
        .init("content.plays.reason.content.manifest-replayed", vi: "danh mục cũ bị đưa trở lại máy", en: "an older manifest was put back"),
        .init("content.plays.reason.other", vi: "chưa được phê duyệt (mã {code})", en: "not approved (code {code})"),
        .init("report.title.site", vi: "Số liệu giám sát hoạt động Cụm Thông tin đối ngoại",
              en: "Monitoring figures — foreign-information cluster"),
        .init("report.title.consolidated", vi: "Số liệu giám sát tổng hợp các Cụm Thông tin đối ngoại",
              en: "Consolidated monitoring figures — foreign-information clusters"),
        .init("report.title.support",
              vi: "Số liệu do hệ thống giám sát tự động tổng hợp, phục vụ báo cáo của đơn vị; báo cáo chính thức do đơn vị lập và gửi.",
              en: "Figures compiled automatically by the monitoring system in support of the unit's report; the report itself is made and sent by the unit."),
    ]
}

// Catalogue table "mail": email subjects and bodies, replies (WatchpostMail).
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let mail: [Entry] = [
        .init("mail.grouped.subject", vi: "[{site}] {count} thông báo mới", en: "[{site}] {count} new notifications"),
        .init("mail.grouped.intro", vi: "Có {count} thông báo mới gửi {recipient}:", en: "{count} new notifications for {recipient}:"),
        .init("mail.ack.code", vi: "Mã tiếp nhận: {code}", en: "Acknowledgement code: {code}"),
        .init("mail.reference.code", vi: "Mã tham chiếu sự cố (giữ nguyên khi trả lời thư): {code}", en: "Incident reference (keep it when replying): {code}"),
        .init("mail.ack.by_operator", vi: "báo cho cán bộ quản trị hệ thống giám sát để ghi nhận (lệnh: watchpost ack {id} --by <tên đơn vị> --note <nội dung>)",
              en: "ask the monitoring system's administrator to record it (command: watchpost ack {id} --by <organisation> --note <text>)"),
        .init("mail.ack.by_reply_link", vi: "trả lời thư này, dòng đầu ghi TIẾP NHẬN", en: "reply to this email with ACK on the first line"),
        .init("mail.ack.reply_hint",
              vi: "Để tiếp nhận sự cố, đề nghị trả lời thư này với dòng đầu tiên là TIẾP NHẬN (có thể ghi chú ở các dòng sau); khi đã khắc phục: ĐÃ XỬ LÝ.",
              en: "To acknowledge, reply to this email with ACK on the first line (a note may follow); once fixed: RESOLVED."),
        .init("mail.anchor", vi: "Mốc nhật ký sự cố (để đối chiếu khi cần): {anchor}", en: "Timeline anchor (for an audit): {anchor}"),
        .init("mail.anchor.register", vi: "Mốc nhật ký của sổ theo dõi (để đối chiếu khi cần): {anchor}", en: "Register timeline anchor (for an audit): {anchor}"),
        .init("mail.signature", vi: "Hệ thống giám sát Watchpost", en: "Watchpost monitoring system"),
        .init("mail.digest.item", vi: "• Sự cố #{id} — {check}: {status} — {summary} — từ {since}, cấp báo cáo {level}; {ack}",
              en: "• Incident #{id} — {check}: {status} — {summary} — since {since}, escalation level {level}; {ack}"),
        .init("mail.digest.acknowledged", vi: "đã tiếp nhận: {by}", en: "acknowledged by {by}"),
        .init("mail.digest.not_acknowledged", vi: "chưa tiếp nhận", en: "not acknowledged"),
        .init("mail.delivery_failed.summary", vi: "không gửi được thư tới {recipient}", en: "mail to {recipient} was refused"),
    ]
}

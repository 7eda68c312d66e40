// Catalogue table "lifecycle": daemon lifecycle notices — issue #21.
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let lifecycle: [Entry] = [
        .init("web.restarting", vi: "Máy chủ giám sát đang tạm dừng (nạp lại cấu hình hoặc khởi động lại); đề nghị thử lại sau vài giây.",
              en: "The monitoring server is pausing (reloading its configuration or restarting); please try again in a few seconds."),
        .init("web.request_deadline", vi: "Máy chủ giám sát chưa trả lời được trong {seconds} giây; đề nghị thử lại sau ít phút.",
              en: "The monitoring server could not answer within {seconds} s; please try again in a few minutes."),
        // A large read (a page of the broadcast log) while as many as the daemon runs at once are
        // already running and the short wait for one of them ended (#19 review s9: HeavyReads).
        .init("web.heavy_reads_busy", vi: "Máy chủ giám sát đang trả lời các yêu cầu đọc lớn khác; đề nghị thử lại sau {seconds} giây, hoặc xin trang nhỏ hơn (limit).",
              en: "The monitoring server is busy answering other large reads; please try again in {seconds} s, or ask for a smaller page (limit)."),
        .init("config.web.tls_pair",
              vi: "chứng chỉ TLS {certificate} và khóa riêng {key} không dùng được cùng nhau: cả hai phải ở dạng PEM và khóa riêng phải là khóa của chính chứng chỉ đó. Máy chủ web sẽ không bật được HTTPS (khi khởi động, hoặc khi nạp lại cấu hình thì lần nạp lại bị từ chối). Chi tiết kỹ thuật: {detail}",
              en: "the TLS certificate {certificate} and the private key {key} do not load together: both must be PEM and the key must be the certificate's own. The web server could not switch on HTTPS (at a start; at a reload the reload is refused). Technical detail: {detail}"),
        // An [smtp] username without its password: the mail service cannot be built, so the
        // daemon refuses the configuration at a start (and starts from the last good one) or at
        // a reload; `watchpost check` names the username line.
        .init("config.smtp.no_password",
              vi: "[smtp] có username nhưng tệp bí mật không có smtp.password: không gửi thư được",
              en: "[smtp] username is set but there is no smtp.password"),
        // A start that fell back to var/last-good and found it unusable (#21 review s7): the log
        // says the fallback was tried and why it could not serve, before "not starting".
        .init("daemon.last_good.none",
              vi: "đã thử khởi động từ cấu hình tốt gần nhất nhưng không có cấu hình tốt gần nhất trong {dir} (chưa lần nào khởi động được tại đây)",
              en: "tried to start from the last good configuration, but there is no last good configuration in {dir} (no start has succeeded here yet)"),
        .init("daemon.last_good.unusable",
              vi: "đã thử khởi động từ cấu hình tốt gần nhất nhưng bản cấu hình tốt gần nhất trong {dir} không dùng được (không nạp được): {problem}",
              en: "the last good configuration in {dir} was tried and does not load: {problem}"),
        .init("daemon.last_good.cannot_start",
              vi: "cấu hình tốt gần nhất trong {dir} cũng không khởi động được: {error}",
              en: "the last good configuration in {dir} cannot start either: {error}"),
        .init("config.smtp.no_password_hint",
              vi: "đề nghị ghi password trong mục [smtp] của tệp bí mật, hoặc đặt biến WATCHPOST_SMTP_PASSWORD",
              en: "add password under [smtp] in the secrets file or set WATCHPOST_SMTP_PASSWORD"),
    ]
}

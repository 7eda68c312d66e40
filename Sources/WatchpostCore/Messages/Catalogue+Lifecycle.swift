// Catalogue table "lifecycle": daemon lifecycle notices — issue #21.
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let lifecycle: [Entry] = [
        .init("web.restarting", vi: "Máy chủ giám sát đang tạm dừng (nạp lại cấu hình hoặc khởi động lại); đề nghị thử lại sau vài giây.",
              en: "The monitoring server is pausing (reloading its configuration or restarting); please try again in a few seconds."),
        .init("web.request_deadline", vi: "Máy chủ giám sát chưa trả lời được trong {seconds} giây; đề nghị thử lại sau ít phút.",
              en: "The monitoring server could not answer within {seconds} s; please try again in a few minutes."),
    ]
}

// Catalogue table "content": approved-content findings and manifests (WatchpostContent), the
// broadcast log and its re-proof (WatchpostBroadcast), content freshness notices — #16 adds.
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let content: [Entry] = [
        // Broadcast log (watchpost plays, the web page, the API's human fields).
        .init("content.plays.title", vi: "Nhật ký phát sóng", en: "Broadcast log"),
        .init("content.plays.col.start", vi: "Bắt đầu", en: "Start"),
        .init("content.plays.col.end", vi: "Kết thúc", en: "End"),
        .init("content.plays.col.duration", vi: "Thời lượng", en: "Duration"),
        .init("content.plays.col.item", vi: "Nội dung", en: "Item"),
        .init("content.plays.col.title", vi: "Tiêu đề", en: "Title"),
        .init("content.plays.col.approved", vi: "Đã phê duyệt", en: "Approved"),
        .init("content.plays.col.manifest", vi: "Danh mục phê duyệt", en: "Approving manifest"),
        .init("content.plays.col.source", vi: "Nguồn", en: "Source"),
        .init("content.plays.col.languages", vi: "Ngôn ngữ", en: "Languages"),
        .init("content.plays.col.note", vi: "Ghi chú", en: "Note"),
        .init("content.plays.col.proof", vi: "Kiểm tra lại", en: "Re-check"),
        .init("content.plays.approved.yes", vi: "có", en: "yes"),
        .init("content.plays.approved.no", vi: "KHÔNG", en: "NO"),
        .init("content.plays.open", vi: "đang phát", en: "playing"),
        .init("content.plays.dark", vi: "màn hình tắt {duration}", en: "screen dark {duration}"),
        .init("content.plays.manifest", vi: "số {sequence}, khóa {key}, phê duyệt {approved_at}", en: "no. {sequence}, key {key}, approved {approved_at}"),
        .init("content.plays.gap.player_unreachable", vi: "Khoảng trống: không kết nối được máy phát", en: "Gap: player unreachable"),
        .init("content.plays.gap.nothing_playing", vi: "Khoảng trống: máy phát không phát nội dung trong giờ hoạt động", en: "Gap: nothing playing in operating hours"),
        .init("content.plays.gap.screen_dark", vi: "Khoảng trống: màn hình tắt trong giờ hoạt động", en: "Gap: screen dark in operating hours"),
        .init("content.plays.gap.not_observed", vi: "Khoảng trống: hệ thống giám sát không chạy", en: "Gap: the monitor was not running"),
        .init("content.plays.summary", vi: "{plays} lượt phát, {unapproved} lượt chưa được phê duyệt, {gaps} khoảng trống",
              en: "{plays} plays, {unapproved} not approved, {gaps} gaps"),
        .init("content.plays.none", vi: "Không có lượt phát nào trong khoảng thời gian này.", en: "No plays in this period."),
        .init("content.plays.filter.day", vi: "Ngày", en: "Day"),
        .init("content.plays.filter.item", vi: "Nội dung (đường dẫn)", en: "Item (path)"),
        .init("content.plays.filter.show", vi: "Xem", en: "Show"),
        // Re-proof against the archive of approvals (watchpost plays --verify).
        .init("content.plays.proof.proven", vi: "khớp với danh mục đã lưu", en: "matches the archived manifest"),
        .init("content.plays.proof.no_approval", vi: "không có danh mục phê duyệt còn hiệu lực khi phát", en: "no approval was in force when it played"),
        .init("content.plays.proof.archive_missing", vi: "không còn danh mục {manifest} trong kho lưu", en: "manifest {manifest} is missing from the archive"),
        .init("content.plays.proof.archive_unreadable", vi: "không đọc được danh mục {manifest}: {reason}", en: "cannot read manifest {manifest}: {reason}"),
        .init("content.plays.proof.signature_invalid", vi: "chữ ký của danh mục {manifest} không hợp lệ", en: "the signature of manifest {manifest} does not verify"),
        .init("content.plays.proof.mismatch", vi: "không khớp: {what}", en: "does not match: {what}"),
        .init("content.plays.verify.summary", vi: "{proven}/{plays} lượt phát được kiểm tra lại khớp với danh mục đã lưu; {problems} lỗi",
              en: "{proven} of {plays} plays re-proved against the archived manifests; {problems} problems"),
        // Freshness notices (content-freshness checks; technical notices to the Department).
        .init("content.freshness.expiring", vi: "Danh mục nội dung đã phê duyệt hết hiệu lực lúc {valid_to} (còn {left}); Sở Thông tin và Truyền thông cần ký danh mục mới",
              en: "The approved-content manifest expires at {valid_to} ({left} left); the Department of Information and Communications must sign a new one"),
        .init("content.freshness.monthly_manifest_late", vi: "Chưa có danh mục nội dung mới của tháng {month} (hạn đến ngày {day}, Điều 4 khoản 3 điểm a Quy chế ban hành kèm Quyết định 2432/QĐ-UBND); danh mục mới nhất phê duyệt ngày {approved_at}",
              en: "No new content manifest for {month} yet (due by day {day}, Art. 4.3.a of Decision 2432/QĐ-UBND); the newest was approved {approved_at}"),
        .init("content.freshness.monthly_programme_missing", vi: "Tháng {month} chưa có chương trình nào của {sources} được phê duyệt (ít nhất 01 chương trình/tháng, khoản 8 Điều 7 Quyết định 32/2018)",
              en: "No programme from {sources} approved for {month} (at least one programme a month, Art. 7.8 of Decision 32/2018)"),
        .init("content.freshness.ok", vi: "Danh mục nội dung còn hiệu lực đến {valid_to}; các yêu cầu hằng tháng được đáp ứng",
              en: "Content manifest valid until {valid_to}; monthly requirements met"),
        .init("content.freshness.no_manifest", vi: "Chưa có danh mục nội dung hợp lệ để kiểm tra thời hạn", en: "No valid content manifest to check its dates"),
    ]
}

// Catalogue table "probes": exec plugins, probe catalogue, responders (WatchpostProbes) and the
// scheduler's own results (WatchpostDaemon). A plugin's first output line is its author's text
// and is shown as is (`Message.untranslated`).

extension Catalogue {
    static let probes: [Entry] = [
        .init("probe.exec.timeout", vi: "Chương trình kiểm tra {command} không kết thúc trong {limit}; đã dừng",
              en: "{command} did not finish within {limit}; killed"),
        .init("probe.exec.signal", vi: "Chương trình kiểm tra {command} bị dừng bởi tín hiệu {signal}",
              en: "{command} killed by signal {signal}"),
        .init("probe.exec.reported", vi: "Chương trình kiểm tra {command} báo: {status}. Chi tiết kỹ thuật: {output}",
              en: "{command} reported {status}: {output}"),
        .init("probe.exec.exit", vi: "Chương trình kiểm tra {command} kết thúc với mã {code}", en: "{command} exited {code}"),
        .init("probe.exec.cannot-run", vi: "Không chạy được chương trình kiểm tra {command}", en: "Cannot run {command}"),
        .init("finding.storage.reserve-used", vi: "Đĩa đã đầy, đã dùng phần dự trữ của cơ sở dữ liệu; còn trống {free} ({percent}%) tại {folder}",
              en: "The disk filled and the database's reserve was used; {free} ({percent}%) free at {folder}"),
        .init("finding.storage.almost-full", vi: "Đĩa sắp đầy: còn trống {free} ({percent}%) tại {folder}", en: "Disk almost full: {free} ({percent}%) free at {folder}"),
        .init("finding.storage.low", vi: "Đĩa còn ít chỗ: còn trống {free} ({percent}%) tại {folder}", en: "Disk space low: {free} ({percent}%) free at {folder}"),
        .init("probe.storage.ok", vi: "Còn trống {free} ({percent}%) tại {folder}", en: "{free} ({percent}%) free at {folder}"),
        .init("probe.storage.unreadable", vi: "Không đọc được dung lượng trống của {folder}", en: "Cannot read the free space of {folder}"),
        .init("probe.timeout", vi: "Hạng mục giám sát {check} không trả lời trong {limit}", en: "{check} did not answer within {limit} (probe timed out)"),
        .init("probe.skipped", vi: "Lần kiểm tra trước của {check} đã treo {stuck} chưa kết thúc; không chạy lại",
              en: "The previous run of {check} has not returned for {stuck}; not started again"),

        // The PDF is laid out by the watchpost-pdf helper beside watchpost (WatchpostReports/PDFHelper.swift).
        .init("report.pdf.helper_missing", vi: "Không lập được tệp PDF {path}: không có chương trình watchpost-pdf trong thư mục {folder}, cạnh watchpost",
              en: "Cannot make the PDF {path}: the program watchpost-pdf is not in {folder}, beside watchpost"),
        .init("report.pdf.helper_missing.hint", vi: "cài watchpost-pdf cùng thư mục với watchpost: install -m 755 .build/release/watchpost-pdf /usr/local/bin/ (README, mục cài đặt)",
              en: "install watchpost-pdf in the same folder as watchpost: install -m 755 .build/release/watchpost-pdf /usr/local/bin/ (README, install)"),
        .init("report.pdf.failed", vi: "Không ghi được tệp PDF {path}: {reason}", en: "Cannot write the PDF {path}: {reason}"),
        .init("report.pdf.failed.hint", vi: "kiểm tra thư mục có tồn tại và ghi được không, và máy đã cài libcairo2, libpango-1.0-0",
              en: "check that the folder exists and is writable, and that libcairo2 and libpango-1.0-0 are installed"),
    ]
}

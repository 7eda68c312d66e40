// Catalogue table "configDiagnostics" (issue 15): what `watchpost check` says about the files it
// reads (Sources/WatchpostConfig: INI.swift, Loader.swift, Loader+Site.swift), Vietnamese first.
// The English is the text these diagnostics had before (logs and tests read `message`). New
// checks of issue #19 keep their keys in Catalogue+Hardening.swift (agreed in reports/s6-15-19.txt).

extension Catalogue {
    static let configDiagnostics: [Entry] = [
        // INI syntax
        .init("config.diag.header_unclosed", vi: "tiêu đề mục phải kết thúc bằng ']'", en: "section header must end with ']'"),
        .init("config.diag.header_empty", vi: "tiêu đề mục để trống", en: "empty section header"),
        .init("config.diag.expected_key_value", vi: "cần viết dạng 'khóa = giá trị'", en: "expected 'key = value'"),
        .init("config.diag.missing_key", vi: "thiếu khóa trước dấu '='", en: "missing key before '='"),
        .init("config.diag.entry_before_section", vi: "dòng khai báo nằm trước mọi [mục]", en: "entry before any [section]"),
        // Sections
        .init("config.diag.unknown_section", vi: "không có loại mục {section}{hint}", en: "unknown section {section}{hint}"),
        .init("config.diag.unknown_section_checks", vi: "không có loại mục {section} trong checks.conf{hint}", en: "unknown section {section} in checks.conf{hint}"),
        .init("config.diag.hint.section", vi: " (có phải là [{name}]?)", en: " (did you mean [{name}]?)"),
        .init("config.diag.hint.check_section", vi: " (có phải là [check TÊN]?)", en: " (did you mean [check NAME]?)"),
        .init("config.diag.missing_site_section", vi: "thiếu mục [site]", en: "missing [site] section"),
        .init("config.diag.missing_weekly_section", vi: "thiếu mục [weekly]", en: "missing [weekly] section"),
        .init("config.diag.no_sites", vi: "không có thư mục cụm nào trong probes/", en: "no site folders under probes/"),
        .init("config.diag.site_id_twice", vi: "mã cụm '{id}' cũng được dùng ở {other}", en: "site id '{id}' is also used by {other}"),
        // Schedule (schedule.conf)
        .init("config.diag.date_twice", vi: "ngày này được liệt kê hai lần", en: "date listed twice"),
        .init("config.diag.holiday_windows_missing", vi: "có danh sách ngày lễ nhưng chưa đặt khung giờ [holiday]",
              en: "holidays are listed but [holiday] windows are not set"),
        // Checks (checks.conf)
        .init("config.diag.no_check_section",
              vi: "không có mục [check TÊN]: cụm này sẽ không giám sát gì (tệp rỗng hoặc bị cắt cụt; xem tệp checks.conf đi kèm)",
              en: "no [check NAME] section: this site would monitor nothing (the file is empty or cut short; see the shipped checks.conf)"),
        .init("config.diag.check_needs_id", vi: "hạng mục giám sát cần có mã: [check ma-hang-muc]", en: "check needs an id: [check my-id]"),
        .init("config.diag.duplicate_check", vi: "mã hạng mục giám sát '{id}' bị trùng (đã khai báo ở dòng {first})",
              en: "duplicate check id '{id}' (first defined on line {first})"),
        .init("config.diag.timeout_longer", vi: "thời gian chờ {timeout} dài hơn chu kỳ kiểm tra {interval}", en: "timeout {timeout} is longer than the interval {interval}"),
        .init("config.diag.depends_on_itself", vi: "hạng mục giám sát '{id}' phụ thuộc vào chính nó qua các hạng mục cha",
              en: "check '{id}' depends on itself through its parents"),
        // Contacts and chains (alerts/)
        .init("config.diag.organisation_twice", vi: "đơn vị '{id}' được khai báo hai lần", en: "organisation '{id}' defined twice"),
        .init("config.diag.person_twice", vi: "người '{id}' được khai báo hai lần", en: "person '{id}' defined twice"),
        .init("config.diag.level_name", vi: "tên cấp phải là số từ 1, ví dụ [level 1]", en: "level name must be a number from 1, e.g. [level 1]"),
        .init("config.diag.level_gaps", vi: "các cấp phải được đánh số liên tục 1, 2, 3… (gặp cấp {level})", en: "levels must be numbered 1, 2, 3… without gaps (found {level})"),
        .init("config.diag.chain_no_level", vi: "một chuỗi chuyển lên cấp cần ít nhất một [level N]", en: "a chain needs at least one [level N]"),
        .init("config.diag.level1_by_decision", vi: "cấp 1 không thể chỉ được chuyển tới theo quyết định: sự cố vào chuỗi từ cấp này",
              en: "level 1 cannot be reached by decision only: incidents enter the chain there"),
        .init("config.diag.level_needs_timeout", vi: "cấp {level} cần có thời hạn trước khi báo cấp {next}", en: "level {level} needs a timeout before level {next} is notified"),
        .init("config.diag.routing_key", vi: "khóa định tuyến có dạng loại.mức_độ, ví dụ technical.warning hoặc security.critical",
              en: "routing keys are category.severity, e.g. technical.warning or security.critical"),
        .init("config.diag.level_missing", vi: "không có cấp {level} (chuỗi có {count} cấp)", en: "level {level} does not exist (the chain has {count})"),
        .init("config.diag.no_chain", vi: "không tìm thấy chuỗi chuyển lên cấp nào (*.conf)", en: "no escalation chain (*.conf) found"),
        .init("config.diag.not_recipient", vi: "'{item}' không phải org:MÃ, person:MÃ hay role:VAI_TRÒ", en: "'{item}' is not org:ID, person:ID or role:ROLE"),
        .init("config.diag.organisation_no_email", vi: "đơn vị '{id}' không có địa chỉ thư điện tử, cả của đơn vị lẫn của người thuộc đơn vị",
              en: "organisation '{id}' has no email address, neither its own nor any person's"),
        .init("config.diag.person_no_email", vi: "người '{id}' không có địa chỉ thư điện tử", en: "person '{id}' has no email address"),
    ]
}

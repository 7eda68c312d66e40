// Catalogue entries of the "hardening" table (issue #19) for configuration values that a
// built-in kind does not cover: addresses to listen on, target lists, USB ids, report dates,
// operating windows. `watchpost check` shows them at file:line, Vietnamese first. Values,
// examples and keywords that go into the file as written (`closed`, `technicians`, `last`)
// stay in the text as they must be typed.

extension Catalogue {
    static let configValues: [Entry] = [
        // Addresses and URLs.
        .init("config.listen.no_port", vi: "'{value}' thiếu cổng, ví dụ 127.0.0.1:8080 hoặc [::1]:8080",
              en: "'{value}' needs a port, e.g. 127.0.0.1:8080 or [::1]:8080"),
        .init("config.listen.not_numeric",
              vi: "'{host}' phải là địa chỉ IPv4 hoặc IPv6 dạng số (0.0.0.0 để nghe trên mọi giao diện mạng)",
              en: "'{host}' must be a numeric IPv4 or IPv6 address (0.0.0.0 for every interface)"),
        .init("config.url.scheme", vi: "'{value}' phải bắt đầu bằng http:// hoặc https://", en: "'{value}' must start with http:// or https://"),
        .init("config.url.remote_scheme", vi: "'{value}' phải bắt đầu bằng https:// (hoặc http:// trong mạng tin cậy)",
              en: "'{value}' must start with https:// (or http:// on a trusted network)"),

        // Targets of a network check.
        .init("config.targets.no_host", vi: "phải liệt kê ít nhất một máy", en: "must list at least one host"),
        .init("config.targets.no_host_port", vi: "phải liệt kê ít nhất một máy:cổng", en: "must list at least one host:port"),
        .init("config.targets.no_url", vi: "phải liệt kê ít nhất một URL", en: "must list at least one URL"),
        .init("config.targets.too_many", vi: "{count} đích; tối đa {limit} cho một hạng mục giám sát", en: "{count} targets; at most {limit} per check"),
        .init("config.targets.too_many_urls", vi: "{count} URL; tối đa {limit} cho một hạng mục giám sát", en: "{count} URLs; at most {limit} per check"),
        .init("config.targets.needs_port", vi: "'{value}' thiếu cổng, ví dụ {host}:80 (IPv6: [::1]:80)",
              en: "'{value}' needs a port, e.g. {host}:80 (IPv6: [::1]:80)"),
        .init("config.targets.port_range", vi: "cổng trong '{value}' nằm ngoài khoảng 1–65535", en: "port in '{value}' is outside 1–65535"),
        .init("config.targets.not_url", vi: "'{value}' không phải URL http:// hay https://", en: "'{value}' is not an http:// or https:// URL"),
        .init("config.targets.url_host", vi: "'{host}' trong '{value}' không phải tên máy hay địa chỉ IP",
              en: "'{host}' in '{value}' is not a host name or IP address"),
        .init("config.http.status_list", vi: "'{value}' không phải danh sách mã trạng thái HTTP hay khoảng mã, ví dụ 200-299, 301",
              en: "'{value}' is not a list of HTTP status codes or ranges such as 200-299, 301"),

        // Devices and plugins.
        .init("config.usb.not_id", vi: "'{value}' không phải mã USB (4 chữ số hệ 16, ví dụ 0764)", en: "'{value}' is not a USB id (4 hex digits, e.g. 0764)"),
        .init("config.novastar.no_cards", vi: "đề nghị liệt kê số card nhận trên mỗi cổng ra, ví dụ 4, 4",
              en: "list the receiving cards per output port, e.g. 4, 4"),
        .init("config.novastar.too_many_ports", vi: "tối đa 32 cổng ra", en: "at most 32 output ports"),
        .init("config.novastar.card_count", vi: "'{value}' không phải số card (0–512)", en: "'{value}' is not a card count (0–512)"),
        .init("config.exec.environment", vi: "không thể chuyển tiếp '{value}' (chỉ tên biến môi trường, không bao giờ là bí mật WATCHPOST_*)",
              en: "'{value}' cannot be passed on (a variable name, never a WATCHPOST_* secret)"),
        .init("config.exec.command_not_path",
              vi: "'{command}' phải là đường dẫn (tuyệt đối, hoặc tương đối so với thư mục cấu hình); không tìm theo PATH",
              en: "'{command}' must be a path (absolute, or relative to the configuration folder); PATH is not searched"),
        .init("config.value.not_check_id", vi: "'{value}' không phải mã hạng mục giám sát", en: "'{value}' is not a check id"),

        // Escalation chains.
        .init("config.routing.level", vi: "'{value}' phải là số cấp báo cáo hoặc 'technicians'", en: "'{value}' must be a level number or 'technicians'"),

        // Dates and times (reports, digests, registers).
        .init("config.reports.cutoff", vi: "'{value}' không phải ngày chốt số liệu, ví dụ 24/11 (năm, 6 tháng) hoặc 31 / last (tháng)",
              en: "'{value}' is not a cut-off such as 24/11 (year, half-year) or 31 / last (month)"),
        .init("config.value.not_time", vi: "'{value}' không phải giờ, ví dụ 08:00", en: "'{value}' is not a time such as 08:00"),
        .init("config.value.not_day_month", vi: "'{value}' không phải ngày và tháng, ví dụ {example}", en: "'{value}' is not a day and month such as {example}"),
        .init("config.value.not_times", vi: "'{value}' phải liệt kê các giờ, ví dụ {example}", en: "'{value}' must list times such as {example}"),
        .init("config.value.not_hour_range", vi: "'{value}' không phải khoảng giờ như 8-10 (0–24)", en: "'{value}' is not a range of hours like 8-10 (0–24)"),

        // Operating windows (schedule.conf).
        .init("config.schedule.closed_reason", vi: "'{value}': ngày không hoạt động (closed) phải ghi lý do, ví dụ 'closed | Bảo trì màn hình'",
              en: "'{value}': a closed day must give its reason, for example 'closed | Screen maintenance'"),
        .init("config.schedule.empty_reason", vi: "'{value}': sau dấu '|' chưa ghi lý do; đề nghị ghi lý do, ví dụ '06:00-22:00 | Kỷ niệm Chiến thắng Điện Biên Phủ', hoặc bỏ dấu '|'",
              en: "'{value}': nothing after the '|'; write the reason, for example '06:00-22:00 | Điện Biên Phủ Victory anniversary', or drop the '|'"),
        .init("config.schedule.exception", vi: "'{value}' phải là 'closed | lý do' hoặc khung giờ như '06:00-22:00 | lý do'",
              en: "'{value}' must be 'closed | reason' or windows such as '06:00-22:00 | reason'"),
        .init("config.schedule.empty_window", vi: "khung giờ {window} rỗng (giờ bắt đầu bằng giờ kết thúc)", en: "window {window} is empty (start equals end)"),
        .init("config.schedule.windows_overlap", vi: "khung giờ {first} và {second} chồng lên nhau", en: "windows {first} and {second} overlap"),
    ]
}

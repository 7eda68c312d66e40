// Catalogue table "network": ping/TCP/HTTP findings (WatchpostNetwork). One primary key per
// finding code, `finding.network.<code>` (the coverage test checks NetworkFindingCode.all).
// curl's and the resolver's own words go to the technical-detail line, never in these texts.

extension Catalogue {
    static let network: [Entry] = [
        .init("finding.network.loss", vi: "{target}: mất {value}% gói tin ({lost}/{sent} gói không có phản hồi)",
              en: "{target}: {value}% loss ({lost}/{sent} echoes lost)"),
        .init("finding.network.loss.total", vi: "{target}: không có phản hồi cho {sent} gói tin ping (mất 100%)",
              en: "{target}: no reply to {sent} echoes (100% loss)"),
        .init("finding.network.rtt", vi: "{target}: thời gian phản hồi trung bình {value} ms (ngưỡng {limit} ms)",
              en: "{target}: average round trip {value} ms (limit {limit} ms)"),
        .init("finding.network.dns", vi: "Không phân giải được tên miền {host}", en: "Cannot resolve {host}"),
        .init("finding.network.permission",
              vi: "Không gửi được gói ping do thiếu quyền: cho nhóm {group} dùng ping không đặc quyền (sysctl -w net.ipv4.ping_group_range='{group} {group}', ghi vào /etc/sysctl.d/ để giữ sau khi khởi động lại) hoặc cấp CAP_NET_RAW (AmbientCapabilities=CAP_NET_RAW trong unit systemd)",
              en: "Cannot send pings: missing permission; allow unprivileged ping for group {group} (sysctl -w net.ipv4.ping_group_range='{group} {group}', persisted in /etc/sysctl.d/) or grant CAP_NET_RAW (AmbientCapabilities=CAP_NET_RAW in the systemd unit)"),
        .init("finding.network.unreachable", vi: "{target}: không liên lạc được", en: "{target}: unreachable"),
        .init("finding.network.refused", vi: "{target}: máy đích từ chối kết nối (không có dịch vụ nào ở cổng {port})",
              en: "{target}: connection refused (nothing listens on port {port})"),
        .init("finding.network.timeout", vi: "{target}: không có phản hồi trong {limit} (gói tin bị chặn hoặc máy đích không hoạt động)",
              en: "{target}: no answer within {limit} (packets dropped by a filter, or the host is down)"),
        .init("finding.network.timeout.http", vi: "{url}: quá thời gian chờ phản hồi", en: "{url}: timed out"),
        .init("finding.network.connect-time", vi: "{target}: kết nối mất {value} ms (ngưỡng {limit} ms)",
              en: "{target}: connect took {value} ms (limit {limit} ms)"),
        .init("finding.network.connect", vi: "{url}: không kết nối được", en: "{url}: cannot connect"),
        .init("finding.network.status", vi: "{url}: máy chủ trả mã HTTP {status} (mong đợi {expected})",
              en: "{url}: HTTP {status} (expected {expected})"),
        .init("finding.network.body", vi: "{url}: nội dung trả về không chứa \"{text}\"", en: "{url}: the response does not contain \"{text}\""),
        .init("finding.network.ttfb", vi: "{url}: byte đầu tiên đến sau {value} ms (ngưỡng {limit} ms)",
              en: "{url}: first byte after {value} ms (limit {limit} ms)"),
        .init("finding.network.tls-expiry", vi: "{url}: chứng thư số hết hạn sau {days} ngày (ngưỡng {limit} ngày)",
              en: "{url}: certificate expires in {days} days (limit {limit} days)"),
        .init("finding.network.tls-expiry.expired", vi: "{url}: chứng thư số đã hết hạn {days} ngày", en: "{url}: certificate expired {days} days ago"),
        .init("finding.network.tls-verify", vi: "{url}: chứng thư số không được tin cậy", en: "{url}: certificate not trusted"),
        .init("finding.network.http", vi: "{url}: yêu cầu HTTP không thành công", en: "{url}: the HTTP request failed"),

        .init("network.ok.icmp", vi: "{target} phản hồi {count}/{count} gói ping, trung bình {value} ms",
              en: "{target} answers {count}/{count} echoes, round trip avg {value} ms"),
        .init("network.ok.icmp-many", vi: "Cả {total} địa chỉ đều phản hồi; chậm nhất {target} trung bình {value} ms",
              en: "All {total} targets answer; slowest {target} avg {value} ms"),
        .init("network.ok.all", vi: "Cả {total} địa chỉ đều phản hồi", en: "All {total} targets answer"),
        .init("network.ok.tcp", vi: "{target} nhận kết nối ({value} ms)", en: "{target} accepts connections ({value} ms)"),
        .init("network.ok.tcp-many", vi: "Cả {total} cổng đều nhận kết nối; chậm nhất {target} {value} ms",
              en: "All {total} ports accept connections; slowest {target} {value} ms"),
        .init("network.ok.http", vi: "{url}: HTTP {status}, byte đầu tiên sau {value} ms", en: "{url}: HTTP {status}, first byte {value} ms"),
        .init("network.ok.http-many", vi: "Cả {total} địa chỉ URL đều phản hồi; byte đầu tiên chậm nhất {value} ms",
              en: "All {total} URLs answer; slowest first byte {value} ms"),
    ]
}

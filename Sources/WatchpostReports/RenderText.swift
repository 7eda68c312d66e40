// Plain-text and CSV renderings of uptime reports: text for email bodies, CSV for spreadsheets
// (one row per site and check, then one per day, figures in seconds with a dot decimal).
import WatchpostCore

public enum ReportFormat: String, Sendable, CaseIterable {
    case html, csv, txt
}

public enum ReportRenderer {
    public static func render(_ reports: [SiteReport], format: ReportFormat) -> String {
        switch format {
        case .html: return html(reports)
        case .csv: return csv(reports)
        case .txt: return text(reports)
        }
    }

    // MARK: - Text

    public static func text(_ reports: [SiteReport]) -> String {
        var out: [String] = []
        if reports.count > 1 {
            out.append(Say.vi("report.title.consolidated").uppercased() + " / " + Say.en("report.title.consolidated").uppercased())
            out.append(Say.vi("report.title.support"))
            out.append(Fmt.periodName(reports[0].period))
            out.append("")
            out.append(row(["Cụm / Site", "Sẵn sàng / Avail.", "Ngừng / Down", "Không dữ liệu / No data", "Sự cố / Incidents"], [28, 18, 14, 24, 10]))
            for r in reports {
                out.append(row([r.siteID, Fmt.percent(r.site.availability), Fmt.hms(r.site.down), Fmt.hms(r.site.noData),
                                r.incidents.map { String($0.count) } ?? "—"], [28, 18, 14, 24, 10]))
            }
            out.append("")
        }
        for r in reports { out += siteText(r) }
        return out.joined(separator: "\n") + "\n"
    }

    static func row(_ cells: [String], _ widths: [Int]) -> String {
        zip(cells, widths).map { c, w in c.count >= w ? c + " " : c + String(repeating: " ", count: w - c.count) }.joined().trimmingWhitespace()
    }

    static func siteText(_ r: SiteReport) -> [String] {
        var o: [String] = []
        o.append(Say.vi("report.title.site").uppercased() + " / " + Say.en("report.title.site").uppercased() + " — \(r.name)")
        o.append(Say.vi("report.title.support"))
        o.append("\(r.nameEnglish) (\(r.siteID)), \(r.province)")
        o.append("Kỳ báo cáo / Period: \(Fmt.periodName(r.period)) [\(Fmt.range(r))]")
        o.append("Lập lúc / Generated: \(Fmt.dateTime(r.generatedAt.seconds, r.zone)) (\(r.zone.identifier))")
        if let b = r.basis { o.append(Say.both("report.basis", ["basis": .text(b)])) }
        o += r.notes
        o.append("")
        o.append("Cụm sẵn sàng khi tất cả đạt / Site is available when all of: \(r.siteChecks.joined(separator: ", "))")
        o.append("  Thời gian theo lịch / Scheduled:        \(Fmt.hms(r.site.scheduled))")
        o.append("  Hoạt động / Available:                  \(Fmt.hms(r.site.up))")
        o.append("  Ngừng hoạt động / Downtime:             \(Fmt.hms(r.site.down))")
        o.append("  Không xác định / Unknown:               \(Fmt.hms(r.site.unknown))")
        o.append("  Không có dữ liệu / No data:             \(Fmt.hms(r.site.noData))  (máy giám sát không chạy / monitor not running)")
        o.append("  Tỷ lệ sẵn sàng / Availability:          \(Fmt.percent(r.site.availability))")
        o.append("  Số lần ngừng / Outages:                 \(r.outages.count)")
        if let l = r.longestOutage {
            o.append("  Lần ngừng dài nhất / Longest outage:    \(Fmt.hms(l.scheduledSeconds)) trong giờ hoạt động, từ \(Fmt.dateTime(l.start, r.zone)) đến \(Fmt.dateTime(l.end, r.zone))")
        }
        o.append("")
        if r.months.count > 1 {
            o.append("Theo tháng / By month:")
            for m in r.months { o.append("  " + row([m.label, Fmt.percent(m.tally.availability), "down " + Fmt.hms(m.tally.down), "no data " + Fmt.hms(m.tally.noData)], [10, 14, 22, 22])) }
            o.append("")
        }
        o.append("Theo hạng mục giám sát / By check:")
        o.append("  " + row(["Hạng mục / Check", "Sẵn sàng / Avail.", "Ngừng / Down", "Không dữ liệu / No data", "Số lần / Outages", "Dài nhất / Longest"], [24, 18, 14, 24, 17, 12]))
        for c in r.checks {
            o.append("  " + row([c.id + (c.definesSite ? "*" : ""), Fmt.percent(c.tally.availability), Fmt.hms(c.tally.down), Fmt.hms(c.tally.noData),
                                 String(c.outages.count), c.longestOutage.map { Fmt.hms($0.scheduledSeconds) } ?? "—"], [24, 18, 14, 24, 17, 12]))
        }
        o.append("  (* thuộc định nghĩa sẵn sàng của cụm / part of the site's availability definition)")
        o.append("")
        if let f = r.incidents {
            o.append("Sự cố / Incidents: \(f.count) (còn mở / still open: \(f.stillOpen))")
            for cat in IncidentCategory.allCases {
                // Vietnamese first, English after a slash (issue 15): never "critical 1" alone in the Vietnamese part.
                let parts = [CheckStatus.critical, .warning, .unknown].map { "\($0.vietnamese) / \($0.severityName) \(f.count(cat, $0))" }
                o.append("  \(cat.vietnamese) / \(cat.english): \(parts.joined(separator: ", "))")
            }
            o.append("  Thời gian tiếp nhận trung bình / MTTA: \(Fmt.mean(f.mttaSeconds)) (\(f.acknowledged) sự cố được tiếp nhận / acknowledged)")
            o.append("  Thời gian khắc phục trung bình / MTTR: \(Fmt.mean(f.mttrSeconds)) (\(f.resolved) sự cố đã khắc phục / resolved)")
            let levels = f.reachedLevel.keys.sorted().map { "cấp/level \($0): \(f.reachedLevel[$0]!)" }
            o.append("  Đã chuyển lên cấp / Escalations reached: \(levels.isEmpty ? "không / none" : levels.joined(separator: ", "))")
            o.append("  Vi phạm nội dung / Content violations: \(f.contentViolations)")
        } else {
            o.append("Sự cố / Incidents: chưa có dữ liệu sự cố trong cơ sở dữ liệu này / no incident records in this database")
        }
        if let p = r.power {
            o.append("Nguồn điện / Power: \(p.onBatterySeconds / 60) phút chạy pin / minutes on battery, \(p.powerCuts) lần mất điện / power cuts, dài nhất / longest \(Fmt.hms(p.longestOnBatterySeconds))")
        } else {
            o.append("Nguồn điện / Power: không có số liệu UPS / no UPS readings ([availability] power_check)")
        }
        o.append("")
        o += extraText(r)
        if !r.monitorGaps.isEmpty {
            o.append("Máy giám sát không chạy / Monitor not running: \(r.monitorGaps.count) lần / times, tổng / total \(Fmt.hms(r.monitorGaps.reduce(0) { $0 + $1.length }))")
        }
        o.append("")
        return o
    }

    // MARK: - CSV

    /// Two tables in one file, separated by a blank line: a summary per site and check, then the
    /// site's availability per day. Durations in seconds, ratios as fractions (0.99873).
    public static func csv(_ reports: [SiteReport]) -> String {
        var o = ["site,check,period,from,to,scheduled_s,available_s,down_s,unknown_s,no_data_s,availability,outages,longest_outage_s,down_in_incidents_s,incidents,mtta_s,mttr_s,content_violations,on_battery_s,power_cuts"]
        func ratio(_ v: Double?) -> String { v.map { Fmt.fixed($0, digits: 6) } ?? "" }
        for r in reports {
            let f = r.incidents
            let common = [Fmt.csv(r.period.label), r.zone.format(Instant(seconds: r.from)), r.zone.format(Instant(seconds: r.to))]
            o.append(([Fmt.csv(r.siteID), "*site*"] + common + [
                String(r.site.scheduled), String(r.site.up), String(r.site.down), String(r.site.unknown), String(r.site.noData),
                ratio(r.site.availability), String(r.outages.count), String(r.longestOutage?.scheduledSeconds ?? 0), "",
                f.map { String($0.count) } ?? "", f?.mttaSeconds.map { Fmt.fixed($0, digits: 0) } ?? "", f?.mttrSeconds.map { Fmt.fixed($0, digits: 0) } ?? "",
                f.map { String($0.contentViolations) } ?? "", r.power.map { String($0.onBatterySeconds) } ?? "", r.power.map { String($0.powerCuts) } ?? "",
            ]).joined(separator: ","))
            for c in r.checks {
                o.append(([Fmt.csv(r.siteID), Fmt.csv(c.id)] + common + [
                    String(c.tally.scheduled), String(c.tally.up), String(c.tally.down), String(c.tally.unknown), String(c.tally.noData),
                    ratio(c.tally.availability), String(c.outages.count), String(c.longestOutage?.scheduledSeconds ?? 0),
                    c.downtimeInIncidents.map(String.init) ?? "", "", "", "", "", "", "",
                ]).joined(separator: ","))
            }
        }
        o.append("")
        o.append("site,date,scheduled_s,available_s,down_s,unknown_s,no_data_s,availability")
        for r in reports {
            for d in r.days {
                o.append([Fmt.csv(r.siteID), d.date.description, String(d.tally.scheduled), String(d.tally.up), String(d.tally.down),
                          String(d.tally.unknown), String(d.tally.noData), ratio(d.tally.availability)].joined(separator: ","))
            }
        }
        o.append("")
        o += incidentCSV(reports)
        o.append("")
        o += registersCSV(reports)
        return o.joined(separator: "\r\n") + "\r\n"
    }
}

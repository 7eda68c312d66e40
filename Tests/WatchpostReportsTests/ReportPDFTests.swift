// The A4 PDF made on the box (cairo + pango): a generated year at Tây Trang with incidents and
// proposals is rendered, then read back with poppler-utils — page size and count, every page's
// header and number, Vietnamese diacritics in the extracted text, chart labels (the charts are
// drawn by the same code as the HTML's SVG) and the sections that say "no data".
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostReports
import Posix
import WatchpostTestSupport

/// Facts a year's report lists: two incidents with who was told, who took them and how they ended.
struct YearFacts: IncidentSource {
    let site: String
    let zone: ZoneOffset
    func t(_ s: String) -> Instant { Instant.parse(s, defaultOffset: zone.offsetSeconds)! }
    func incidents(site: String, from: Instant, to: Instant) async throws(WatchpostError) -> [IncidentFacts]? {
        [IncidentFacts(id: 7, site: site, checkID: "ups-power", category: .technical, severity: .warning, opened: t("2026-03-02T09:00"),
                       firstAcknowledged: t("2026-03-02T09:12"), resolved: t("2026-03-02T11:00"), highestLevel: 1),
         IncidentFacts(id: 9, site: site, checkID: "player-content", category: .security, severity: .critical, opened: t("2026-08-14T15:00"),
                       firstAcknowledged: t("2026-08-14T15:31"), resolved: t("2026-08-14T16:10"), highestLevel: 2, contentViolation: true)]
    }
    func onBattery(site: String, check: String, from: Int64, to: Int64, coverage: [TimeSpan]) async throws(WatchpostError) -> StateTimeline? { nil }
    func incidentRecords(site: String, from: Instant, to: Instant) async throws(WatchpostError) -> [IncidentRecord]? {
        [IncidentRecord(id: 7, checkID: "ups-power", checkName: "Nguồn điện UPS", checkKind: "ups", summary: "UPS báo cần thay ắc quy",
                        category: .technical, severity: .warning, findingCodes: ["replbatt"], opened: t("2026-03-02T09:00"),
                        informed: [.init(name: "Tổ kỹ thuật Tây Trang", level: 0), .init(name: "Đồn Biên phòng cửa khẩu Quốc tế Tây Trang", level: 1)],
                        taken: .init(by: "Trung úy Lò Văn Hùng", at: t("2026-03-02T09:12"), via: "web"), highestLevel: 1,
                        actions: [.init(kind: .note, at: t("2026-03-02T09:40"), who: "Lò Văn Hùng", text: "Đã kiểm tra ắc quy, đề nghị thay thế")],
                        ending: .init(at: t("2026-03-02T11:00"), by: "Lò Văn Hùng", reason: "đã chuyển sang nguồn dự phòng")),
         IncidentRecord(id: 9, checkID: "player-content", checkName: "Nội dung đã duyệt", checkKind: "content", summary: "Nội dung chưa được phê duyệt đang phát",
                        category: .security, severity: .critical, findingCodes: ["content-unapproved"], opened: t("2026-08-14T15:00"),
                        informed: [.init(name: "Sở Thông tin và Truyền thông tỉnh Điện Biên", level: 2)], taken: nil, highestLevel: 2,
                        actions: [.init(kind: .responder, at: t("2026-08-14T15:01"), who: "content-blackout", text: "màn hình đã tắt")], ending: nil)]
    }
}

@Suite("PDF reports")
struct ReportPDFTests {
    /// Runs a poppler tool; a missing tool fails the test naming the Debian package.
    func poppler(_ tool: String, _ arguments: [String]) async throws -> String {
        let path = try requireTool(tool, debianPackage: "poppler-utils")
        let r = try await runBlocking { try Subprocess.run(path, arguments: arguments, timeout: .seconds(60), maxOutput: 4 << 20) }
        #expect(!r.timedOut && r.exitCode == 0, "\(tool): \(r.output)")
        return r.output
    }

    @Test("the yearly report as an A4 PDF made with cairo and pango: pages, header, page numbers, Vietnamese text, charts, sections")
    func yearlyPDF() async throws {
        let dir = try tempFolder("pdf")
        let (_, site) = try tayTrangProfile()
        let store = try Store(path: "\(dir)/w.db", clock: ManualClock(now: Instant(seconds: 0)))
        try await generateYear(store: store, site: site, year: 2026, seed: 2026)
        let period = try #require(ReportPeriod(parsing: "2026"))
        var report = try await ReportBuilder.build(site: site, period: period, store: store, now: Instant.parse("2027-01-05T00:00:00Z")!,
                                                   incidentSource: YearFacts(site: site.id, zone: site.zone))
        report.basis = "32/2018/QĐ-UBND Điều 8.1"
        expectEqual(report.incidentList?.count, 2)
        #expect(report.proposals.contains { $0.message.key == "report.proposal.ups_battery" })
        let pdf = "\(dir)/tay-trang-2026.pdf"
        let pages = try ReportRenderer.pdf([report], path: pdf)
        #expect(pages >= 3 && pages <= 12, "pages: \(pages)")
        #expect(!FileSystem.exists(pdf + ".tmp"))

        let info = try await poppler("pdfinfo", [pdf])
        #expect(info.contains("595.28 x 841.89 pts (A4)") || info.contains("595.276 x 841.89 pts (A4)"), "A4: \(info)")
        #expect(info.contains("Pages:") && info.contains(" \(pages)\n"), "\(info)")
        // Page by page: the running header with the site and period, and "Trang n/N".
        for p in 1...pages {
            let text = try await poppler("pdftotext", ["-f", "\(p)", "-l", "\(p)", "-enc", "UTF-8", pdf, "-"])
            #expect(text.contains("Cụm Thông tin đối ngoại Cửa khẩu Quốc tế Tây Trang"), "page \(p) header")
            #expect(text.contains("Năm 2026"), "page \(p) header period")
            #expect(text.contains("Trang \(p)/\(pages)"), "page \(p) number: \(text.suffix(200))")
        }
        // In drawing order (-raw keeps a table cell's lines together); cells wrap, so line breaks
        // and runs of spaces become single spaces.
        let all = try await poppler("pdftotext", ["-raw", "-enc", "UTF-8", pdf, "-"]).split(whereSeparator: { $0 == "\n" || $0 == " " }).joined(separator: " ")
        // Vietnamese diacritics survive shaping and extraction (precomposed in the text layer).
        for phrase in ["SỐ LIỆU GIÁM SÁT HOẠT ĐỘNG CỤM THÔNG TIN ĐỐI NGOẠI", "Tỷ lệ sẵn sàng theo ngày", "Đồn Biên phòng cửa khẩu Quốc tế Tây Trang",
                       "Trung úy Lò Văn Hùng", "Đã kiểm tra ắc quy, đề nghị thay thế", "Danh sách sự cố", "Giờ hoạt động ngày nghỉ, ngày lễ",
                       "Thứ Bảy", "Ngày lễ", "Đề xuất", "Thay ắc quy bộ lưu điện", "Căn cứ: 32/2018/QĐ-UBND Điều 8.1", "Chưa khắc phục"] {
            #expect(all.contains(phrase), "missing: \(phrase)")
        }
        // The charts' own labels (heat-map legend, timeline rows, bars axis), drawn by Charts.swift.
        for label in ["ngoài lịch / not scheduled", "CỤM / SITE", "máy giám sát không chạy / monitor not running", "100,0 %"] {
            #expect(all.contains(label), "chart label missing: \(label)")
        }
        // Sections without data on this box say so; the registers (empty here) are counted.
        #expect(all.contains("Chưa có nhật ký phát trên máy này"))
        #expect(all.contains("Đợt kiểm tra đã thực hiện") && all.contains("tiếp nhận 0, đã trả lời 0, còn mở 0"))
        #expect(all.contains("theo kế hoạch vận hành từng ngày của đơn vị"))

        _ = try await poppler("pdftoppm", ["-png", "-r", "60", "-f", "1", "-l", "2", pdf, "\(dir)/page"])
        // pdftoppm numbers pages with as many digits as the last page number has.
        let first = pages < 10 ? "page-1.png" : "page-01.png"
        let png = try FileSystem.readBytes("\(dir)/\(first)", limit: 64 << 20)
        #expect(png.count > 20_000, "page 1 PNG at \(dir)/\(first)")
        print("PDF report: \(pdf) (\(pages) pages), pages 1–2 as PNG in \(dir)")
    }

    @Test("an unwritable path is a clear error and leaves nothing behind")
    func unwritable() async throws {
        let dir = try tempFolder("pdf-error")
        let (_, site) = try tayTrangProfile()
        let store = try Store(path: "\(dir)/w.db", clock: ManualClock(now: Instant(seconds: 0)))
        let report = try await ReportBuilder.build(site: site, period: try #require(ReportPeriod(parsing: "2026-03")), store: store, now: Instant.parse("2026-04-01T00:00:00Z")!)
        #expect(report.incidentList == nil)
        do {
            try ReportRenderer.pdf([report], path: "\(dir)/no-such-folder/r.pdf")
            Issue.record("writing into a missing folder succeeded")
        } catch {
            expectEqual(error.text?.key, "report.pdf.failed", "\(error)")
            #expect(error.description.contains("Cannot write the PDF"), "\(error)")
        }
        #expect(try FileSystem.listDirectory(dir).filter { $0.hasPrefix("r.pdf") }.isEmpty)
    }

    /// The daemon and the CLI build the layout and run `watchpost-pdf` beside them: only that
    /// helper links the drawing libraries, which cost every start of `watchpost` about 4 MB
    /// resident and twice the dynamic loader's work (issue #20, bench/daemon/README.md).
    @Test("watchpost links none of cairo, pango, glib, harfbuzz; the watchpost-pdf helper does")
    func onlyTheHelperLinksTheDrawingLibraries() async throws {
        let readelf = try requireTool("readelf", debianPackage: "binutils")
        func needed(_ program: String) async throws -> [String] {
            let r = try await runProgram(readelf, arguments: ["-d", "-W", try TestPaths.builtBinary(program)], timeout: .seconds(60), maxOutput: 1 << 20)
            try #require(r.exitCode == 0, "readelf: \(r.output)")
            return r.output.split(separator: "\n").filter { $0.contains("(NEEDED)") }.map(String.init)
        }
        let daemon = try await needed("watchpost")
        #expect(daemon.contains { $0.contains("libcurl") }, "\(daemon)")
        for library in ["libcairo", "libpango", "libglib", "libgobject", "libharfbuzz", "libfontconfig", "libfreetype"] {
            #expect(!daemon.contains { $0.contains(library) }, "watchpost links \(library): \(daemon)")
        }
        let helper = try await needed("watchpost-pdf")
        #expect(helper.contains { $0.contains("libcairo") } && helper.contains { $0.contains("libpango") }, "\(helper)")
        #expect(!helper.contains { $0.contains("libcurl") || $0.contains("libsqlite3") }, "\(helper)")
    }
}

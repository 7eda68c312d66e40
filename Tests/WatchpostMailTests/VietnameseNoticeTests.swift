// Issue 15, session 5: the notices a Vietnamese reader got in English or doubled — the resolution
// (it named the English summary and the errno), the escalation notice to units already told (it
// used the new-incident template), readings with a decimal comma in the English part, the
// for-information notice with an acknowledgement code, the grouped subject with the site's full
// name and `maintenance stop` printing UTC with milliseconds. Each test made from the engine's own
// notifications and the shipped templates, as the daemon sends them.
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostMail
import WatchpostTestSupport

@Suite("Vietnamese-first notices")
struct VietnameseNoticeTests {
    static let tayTrang = "tay-trang"

    /// The engine for Tây Trang with `checks`, and a composer with the shipped templates.
    func setUp(_ checks: [CheckSpec]) async throws -> (engine: IncidentEngine, composer: MailComposer) {
        let cfg = try await MailTestConfig(smtpPort: 2525)
        defer { cfg.cleanup() }
        let (config, settings) = try cfg.load()
        var s = EngineSettings(configuration: try ConfigurationLoader.load(root: TestPaths.packageRoot))
        let i = try #require(s.sites.firstIndex { $0.id == Self.tayTrang })
        s.sites[i].checks = checks
        return (IncidentEngine(settings: EngineSettings(sites: [s.sites[i]])), MailComposer(settings: settings, configuration: config))
    }

    static func key(_ check: String) -> CheckKey { CheckKey(site: tayTrang, check: check) }
    static let uplink = CheckSpec(key: key("uplink"), name: "Đường truyền / Uplink", kind: "ping", failAfter: 1, recoverAfter: 1)
    static let content = CheckSpec(key: key("content"), name: "Nội dung trình chiếu / Content", kind: "content", category: .security, failAfter: 1, recoverAfter: 1)

    /// The Vietnamese part and the English part of a composed text.
    static func parts(_ text: String) -> (vi: String, en: String) {
        (String(text.split(separator: "\n---\n", maxSplits: 1).first ?? ""), String(text.split(separator: "\n---\n", maxSplits: 1).last ?? ""))
    }

    /// Wednesday 08:00 at the site: inside operating hours.
    static let eight = Instant.parse("2026-11-25T08:00:00+07:00")!

    static func unreachable(at t: Instant) -> CheckResult {
        let f = Finding(.critical, code: "unreachable", Message("finding.network.unreachable", ["target": .text("127.0.0.1")]), detail: "Operation not permitted")
        return CheckResult.from(findings: [f], ok: .untranslated(""), measurements: [Measurement("rtt_min", 0.07, unit: "ms")], startedAt: t)
    }

    /// Defect 1: it read "Đã khắc phục: 127.0.0.1: unreachable (Operation not permitted)" (the
    /// English subject as the sentence), and the timeline "engine xác định đã khắc phục …".
    @Test func resolutionNamesTheFindingInVietnameseAndTheErrnoOnlyAsTechnicalDetail() async throws {
        let made = try await setUp([Self.uplink])
        var engine = made.engine
        let composer = made.composer
        _ = engine.handle(Self.unreachable(at: Self.eight), for: Self.key("uplink"))
        let ok = engine.handle(CheckResult(status: .ok, text: .untranslated("ok"), startedAt: Self.eight + .minutes(5)), for: Self.key("uplink"))
        let resolved = try #require(ok.notifications.first { $0.event == .resolved })
        let (_, mail) = composer.compose(rows: [OutboxRow(id: 1, request: resolved)], now: Self.eight + .minutes(5), thread: [])
        let (vi, en) = Self.parts(mail.text)
        #expect(vi.contains("Đã khắc phục: 127.0.0.1: không liên lạc được\n"), "\(vi)")
        #expect(vi.contains("Căn cứ: hạng mục Đường truyền hoạt động bình thường trở lại"), "\(vi)")
        #expect(vi.contains("Xác định khắc phục: hệ thống giám sát"), "\(vi)")
        // The Vietnamese part names the category, not only the subject (review s5, 7).
        #expect(vi.contains("Phân loại: Sự cố kỹ thuật\n") && en.contains("Category: Technical incident\n"), "\(vi)")
        #expect(mail.subject.hasSuffix("đã khắc phục: 127.0.0.1: không liên lạc được"), "\(mail.subject)")
        // The probe's words appear only on the labelled technical-detail line.
        for line in vi.split(separator: "\n") where line.contains("Operation not permitted") || line.contains("unreachable") {
            #expect(line.hasPrefix("Chi tiết kỹ thuật"), "probe words outside the technical detail: \(line)")
        }
        for english in ["unreachable", "engine", "Watchpost", "(none)", " OK"] { #expect(!vi.contains(english), "'\(english)' in: \(vi)") }
        #expect(en.contains("Resolved: 127.0.0.1: unreachable\n") && en.contains("Resolved by: the monitoring system"), "\(en)")
        // The timeline says the same, and names no raw actor id.
        let line = try #require(ok.timeline.first { $0.kind == "resolved" })
        let told = Catalogue.render(try #require(line.message), .vi)
        #expect(told.hasPrefix("Đã khắc phục: 127.0.0.1: không liên lạc được") && !told.contains("engine") && !told.contains("unreachable"), "\(told)")
        expectEqual(Catalogue.render(TimelineEvent.actorMessage(line.actor), .vi), "hệ thống giám sát")
        expectEqual(Catalogue.render(TimelineEvent.actorMessage("responder:led-blackout"), .vi), "tự động xử lý: led-blackout")
    }

    /// Defect 2: the units already told got the new-incident template ("thông báo sự cố mới"),
    /// without "chuyển lên cấp 2", and the timeline read "chuyển lên cấp cấp 2".
    @Test func escalationNoticeToUnitsAlreadyToldHasItsOwnTemplate() async throws {
        let made = try await setUp([Self.content])
        var engine = made.engine
        let composer = made.composer
        let t0 = Instant.parse("2026-11-24T02:00:00+07:00")!
        let f = Finding(.critical, code: "unexpected-file", Message("finding.content.unexpected-file", ["path": .text("quang-cao.mp4")]), securityRelevant: true)
        _ = engine.handle(CheckResult.from(findings: [f], ok: .untranslated(""), startedAt: t0), for: Self.key("content"))
        let l2 = engine.tick(now: t0 + .minutes(15))
        let notice = try #require(l2.notifications.first { $0.event == .escalationNotice })
        let (_, mail) = composer.compose(rows: [OutboxRow(id: 1, request: notice)], now: t0 + .minutes(15), thread: [])
        #expect(mail.subject.hasPrefix("[Tây Trang] Sự cố #1 — an ninh thông tin — Nghiêm trọng — đã chuyển lên cấp 2: "), "\(mail.subject)")
        let (vi, _) = Self.parts(mail.text)
        #expect(vi.contains("nay đã chuyển lên cấp 2") && !vi.contains("sự cố mới"), "\(vi)")
        for e in l2.timeline {
            let text = Catalogue.render(try #require(e.message), .vi)
            #expect(!text.contains("cấp cấp"), "\(text)")
        }
        #expect(l2.timeline.contains { Catalogue.render($0.message ?? .untranslated(""), .vi).contains("chuyển lên cấp 2 tới") }, "\(l2.timeline.map(\.text))")
    }

    /// Defect 3: readings were written once with a decimal comma for both parts ("rtt_min 0,07 ms"
    /// under "readings:"). Vietnamese: comma; English: point; English dates in the English part.
    @Test func readingsHaveACommaInVietnameseAndAPointInEnglish() async throws {
        let made = try await setUp([Self.uplink])
        var engine = made.engine
        let composer = made.composer
        let out = engine.handle(Self.unreachable(at: Self.eight), for: Self.key("uplink"))
        let first = try #require(out.notifications.first { $0.event == .triggered })
        let (_, mail) = composer.compose(rows: [OutboxRow(id: 1, request: first)], now: Self.eight, thread: [])
        let (vi, en) = Self.parts(mail.text)
        #expect(vi.contains("\nSố đo: thời gian phản hồi thấp nhất 0,07 ms") && vi.contains("Bắt đầu từ: 8 giờ 00 phút, ngày 25/11/2026"), "\(vi)")
        #expect(en.contains("\nReadings: lowest round trip 0.07 ms") && !en.contains("0,07") && en.contains("Since: 08:00 on 25/11/2026"), "\(en)")
    }

    /// Defect 5: the for-information notice says no acknowledgement is needed, yet it carried an
    /// acknowledgement code; and a grouped subject named the site in full.
    @Test func forInformationNoticeHasNoAcknowledgementCodeAndGroupedSubjectsUseTheShortName() async throws {
        let made = try await setUp([Self.content])
        var engine = made.engine
        let composer = made.composer
        let t0 = Instant.parse("2026-11-24T02:00:00+07:00")!
        let f = Finding(.critical, code: "unexpected-file", Message("finding.content.unexpected-file", ["path": .text("quang-cao.mp4")]), securityRelevant: true)
        let out = engine.handle(CheckResult.from(findings: [f], ok: .untranslated(""), startedAt: t0), for: Self.key("content"))
        let informed = try #require(out.notifications.first { $0.event == .informed })
        let (_, mail) = composer.compose(rows: [OutboxRow(id: 1, request: informed)], now: t0, thread: [])
        // The code stays as the incident's reference for a reply (the Department's ĐỀ XUẤT UBND),
        // never as an acknowledgement code, and no hint asks to acknowledge.
        #expect(mail.text.contains("không cần tiếp nhận") && !mail.text.contains("Mã tiếp nhận") && !mail.text.contains("Acknowledgement code"), "\(mail.text)")
        #expect(mail.text.contains("Mã tham chiếu sự cố") && !mail.text.contains("Để tiếp nhận sự cố"), "\(mail.text)")
        let triggered = try #require(out.notifications.first { $0.event == .triggered })
        let (_, grouped) = composer.compose(rows: [OutboxRow(id: 2, request: triggered), OutboxRow(id: 3, request: informed)], now: t0, thread: [])
        expectEqual(grouped.subject, "[Tây Trang] 2 thông báo mới", "\(grouped.subject)")
    }

    /// Defect 4: `maintenance stop` on an ended window said "already ended at
    /// 2026-11-24T02:00:00.000Z". A time a person reads is in the site's zone, in words.
    @Test func stoppingAnEndedMaintenanceWindowSaysTheTimeInVietnamese() async throws {
        let path = temporaryDatabase("wp-maint-vi")
        defer { removeDatabase(path) }
        let t0 = Instant.parse("2026-11-24T08:00:00+07:00")!
        let clock = ManualClock(now: t0)
        let service = IncidentService(store: try Store(path: path, clock: clock))
        let w = try await service.startMaintenance(site: Self.tayTrang, from: t0, until: t0 + .hours(1), reason: "thay nguồn", by: "binh")
        clock.advance(to: t0 + .hours(2))
        do {
            _ = try await service.stopMaintenance(id: w.id, by: "binh", at: clock.now())
            Issue.record("stopping an ended window succeeded")
        } catch {
            #expect(error.message.hasPrefix("Đợt bảo trì \(w.id) đã kết thúc lúc 9 giờ 00 phút, ngày 24/11/2026"), "\(error.message)")
            #expect(!error.message.contains("T0") && !error.message.contains("Z") && !error.message.contains(".000"), "\(error.message)")
        }
    }
}

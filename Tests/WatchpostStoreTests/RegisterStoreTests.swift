import Testing
import WatchpostTestSupport
import WatchpostCore
@testable import WatchpostStore

/// The registers in the store: round trips, the timeline entry of every write, refusals that
/// roll back, and the figures the reports count.
@Suite("Registers in the store")
struct RegisterStoreTests {
    let zone = ZoneOffset.hoChiMinh
    let now = Instant(seconds: 1_796_094_000)  // 2026-12-01 10:00 +07:00

    func withStore(_ body: (Store) async throws -> Void) async throws {
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        try await body(try Store(path: path, clock: ManualClock(now: now)))
    }

    func registerKinds(_ store: Store) async throws -> [String] {
        try await store.timeline().map(\.event.kind).filter { $0.hasPrefix("register.") }
    }

    @Test func planRoundTripsAndGoesOnTheTimeline() async throws {
        try await withStore { store in
            let sat = CivilDate(year: 2026, month: 12, day: 5)
            let e = PlanEntry(site: "tay-trang", date: sat, change: .hours([DailyWindow(parsing: "08:00-12:00")!, DailyWindow(parsing: "13:30-17:30")!]),
                              reason: "Trực ban", by: "don-bp", at: now)
            let before = try await store.planRevision()
            try await store.setPlan(e)
            #expect(try await store.planRevision() != before)
            try await expectEqual(store.plan(site: "tay-trang"), [e])
            var closed = e
            closed.date = sat.adding(days: 1)
            closed.change = .closed
            closed.reason = "Mưa bão"
            try await store.setPlan(closed)
            try await expectEqual(store.plan(site: "tay-trang").count, 2)
            #expect(try await store.clearPlan(site: "tay-trang", date: sat, by: "don-bp", at: now))
            #expect(try await !store.clearPlan(site: "tay-trang", date: sat, by: "don-bp", at: now))
            try await expectEqual(registerKinds(store), ["register.plan.hours", "register.plan.closed", "register.plan.cleared"])
            let texts = try await store.timeline().map(\.event.text)
            #expect(texts.contains { $0.hasPrefix("Kế hoạch vận hành ngày 05/12/2026") && $0.contains("Trực ban") })
            #expect(try await store.verify().isEmpty)
            #expect(try await store.verifyTimeline().isIntact)
        }
    }

    @Test func everyChangeOfThePlanIsKeptSoEachHoldsFromItsMoment() async throws {
        try await withStore { store in
            let sat = CivilDate(year: 2026, month: 12, day: 5)
            let friday = zone.startOf(sat) - .hours(10), twoPM = zone.startOf(sat) + .hours(14), fourPM = zone.startOf(sat) + .hours(16)
            try await store.setPlan(PlanEntry(site: "tay-trang", date: sat, change: .hours([DailyWindow(parsing: "07:00-11:00")!, DailyWindow(parsing: "13:00-17:00")!]),
                                              reason: "", by: "don-bp", at: friday))
            var revision = try await store.planRevision()
            try await store.setPlan(PlanEntry(site: "tay-trang", date: sat, change: .closed, reason: "Mưa lớn", by: "don-bp", at: twoPM))
            #expect(try await store.planRevision() != revision)
            revision = try await store.planRevision()
            #expect(try await store.clearPlan(site: "tay-trang", date: sat, by: "don-bp", at: fourPM))
            #expect(try await store.planRevision() != revision)
            // The current plan has no entry for the day; its history has all three changes, in order.
            #expect(try await store.plan(site: "tay-trang").isEmpty)
            let changes = try await store.planChanges(site: "tay-trang")
            expectEqual(changes.map(\.at), [friday, twoPM, fourPM])
            expectEqual(changes.map { $0.entry?.change }, [.hours([DailyWindow(parsing: "07:00-11:00")!, DailyWindow(parsing: "13:00-17:00")!]), .closed, nil])
            #expect(try await store.planChanges(site: "vung-ang").isEmpty)
            // Judged by the history: 07–11 and 13–14 planned, closed 14–16, the profile's 08–18 from 16:00.
            let profile = OperatingSchedule(zone: zone, weekly: [6: [DailyWindow(parsing: "08:00-18:00")!]])
            let start = zone.startOf(sat).seconds
            expectEqual(profile.applying(changes).scheduledSeconds(from: start, to: start + 86_400), 7 * 3600)
        }
    }

    @Test func actionsAreRefusedOnAClosedInspectionAndRepairsNameARealIncident() async throws {
        try await withStore { store in
            let today = CivilDate(year: 2026, month: 12, day: 1)
            let id = try await store.addInspection(Inspection(site: "tay-trang", kind: .surprise, date: today, bodies: "Sở TT&TT", people: "", checked: [],
                                                              findings: "", createdBy: "kt", createdAt: now))
            try await store.closeInspection(id: id, by: "kt", at: now)
            let late = FollowUpAction(inspectionID: id, text: "", owner: "KT", due: today)
            // Every problem at once: the empty text and the closed inspection.
            let problems = try await store.followUpActionProblems(late).map { "\($0.field):\($0.message.key.rawValue)" }
            expectEqual(problems, ["text:registers.field.required", "inspection:registers.inspection.closed_no_actions"])
            do {
                _ = try await store.addFollowUpAction(FollowUpAction(inspectionID: id, text: "Thay card", owner: "KT", due: today), by: "kt", at: now)
                Issue.record("an action was added to a closed inspection")
            } catch let e as WatchpostError { #expect(e.code == .refused && e.message.contains("đã đóng lúc 01/12/2026 10:00"), "\(e.message)") }
            #expect(try await store.inspections(site: "tay-trang")[0].1.isEmpty)
            try await expectEqual(store.maintenanceFromInspectionProblems(id: id).map(\.message.key.rawValue), ["registers.inspection.closed_no_maintenance"])

            let work = MaintenanceWork(site: "tay-trang", date: today, what: "Thay card nhận", who: "KT", incidentID: 999, recordedBy: "kt", recordedAt: now)
            try await expectEqual(store.maintenanceWorkProblems(work, today: today).map { "\($0.field):\($0.message.key.rawValue)" }, ["incident:registers.not_found"])
            await #expect(throws: WatchpostError.self) { _ = try await store.addMaintenanceWork(work) }
            #expect(try await store.maintenanceWork(site: "tay-trang").isEmpty)
        }
    }

    @Test func inspectionClosesOnlyWhenItsActionsAreDone() async throws {
        try await withStore { store in
            let id = try await store.addInspection(Inspection(site: "tay-trang", kind: .surprise, date: CivilDate(year: 2026, month: 12, day: 1),
                                                              bodies: "Sở TT&TT, BĐBP tỉnh", people: "Nguyễn Văn A", checked: ["screen", "power"],
                                                              findings: "Mất 1 card nhận", createdBy: "so-tttt", createdAt: now))
            let action = try await store.addFollowUpAction(FollowUpAction(inspectionID: id, text: "Thay card nhận", owner: "Kỹ thuật",
                                                                          due: CivilDate(year: 2026, month: 12, day: 15)), by: "so-tttt", at: now)
            do {
                try await store.closeInspection(id: id, by: "so-tttt", at: now)
                Issue.record("closed with an open action")
            } catch let e as WatchpostError { #expect(e.code == .refused && e.message.contains("1")) }
            await #expect(throws: WatchpostError.self) { try await store.addFollowUpAction(FollowUpAction(inspectionID: 999, text: "x", owner: "y", due: CivilDate(year: 2026, month: 12, day: 15)), by: "a", at: now) }
            try await store.completeFollowUpAction(id: action, by: "kythuat", at: now + .hours(24))
            try await store.closeInspection(id: id, by: "so-tttt", at: now + .hours(25))
            let all = try await store.inspections(site: "tay-trang")
            #expect(all.count == 1 && all[0].0.closedAt != nil && all[0].1.count == 1 && all[0].1[0].doneBy == "kythuat")
            try await expectEqual(registerKinds(store), ["register.inspection.recorded", "register.action.recorded", "register.action.done", "register.inspection.closed"])
        }
    }

    @Test func feedbackMovesForwardOnly() async throws {
        try await withStore { store in
            let id = try await store.addFeedback(Feedback(site: "tay-trang", channel: .inPerson, receivedOn: CivilDate(year: 2026, month: 12, day: 1),
                                                          from: "", subject: .content, item: "video/lao.mp4", text: "Phụ đề tiếng Lào sai chính tả",
                                                          recordedBy: "don-bp", recordedAt: now))
            _ = try await store.advanceFeedback(id: id, to: .forwarded, by: "don-bp", at: now)
            do {
                _ = try await store.advanceFeedback(id: id, to: .forwarded, by: "don-bp", at: now)
                Issue.record("forwarded twice")
            } catch let e as WatchpostError { expectEqual(e.code, .refused) }
            let f = try await store.advanceFeedback(id: id, to: .answered, answer: "Đã thay tệp", by: "so-tttt", at: now + .hours(48))
            #expect(f.state == .answered && f.answer == "Đã thay tệp" && f.answeredBy == "so-tttt" && f.forwardedBy == "don-bp")
            #expect(!f.isOverdue(now: now + .hours(24 * 30), age: .hours(24 * 7)))
        }
    }

    @Test func loansRefuseWhatIsOutOrNotLendable() async throws {
        try await withStore { store in
            let today = CivilDate(year: 2026, month: 12, day: 1)
            try await store.putEquipment(EquipmentItem(id: "am-thanh", site: "tay-trang", name: "Bộ âm thanh lưu động", serial: "SN1", location: "Đồn BP",
                                                       state: .working, lendable: true), by: "don-bp", at: now)
            try await store.putEquipment(EquipmentItem(id: "man-hinh", site: "tay-trang", name: "Màn hình LED", serial: "", location: "Cửa khẩu",
                                                       state: .working, lendable: false), by: "don-bp", at: now)
            let loan = EquipmentLoan(equipmentID: "am-thanh", site: "tay-trang", borrower: "UBND xã", purpose: "Tuyên truyền", lentAt: now, dueBack: nil, recordedBy: "don-bp")
            _ = try await store.lend(loan, today: today)
            await #expect(throws: WatchpostError.self) { _ = try await store.lend(loan, today: today) }
            var screen = loan
            screen.equipmentID = "man-hinh"
            await #expect(throws: WatchpostError.self) { _ = try await store.lend(screen, today: today) }
            try await store.returnLoan(site: "tay-trang", equipmentID: "am-thanh", note: "Đủ", by: "don-bp", at: now + .hours(5))
            await #expect(throws: WatchpostError.self) { try await store.returnLoan(site: "tay-trang", equipmentID: "am-thanh", note: "", by: "don-bp", at: now) }
            _ = try await store.lend(loan, today: today)
            let loans = try await store.loans(site: "tay-trang")
            #expect(loans.count == 2 && loans[0].returnedAt != nil && loans[1].isOut)
        }
    }

    @Test func figuresCountEachRegisterInThePeriod() async throws {
        try await withStore { store in
            let d = CivilDate(year: 2026, month: 6, day: 10)
            let t = zone.startOf(d) + .hours(9)
            _ = try await store.addInspection(Inspection(site: "s", kind: .periodic, date: d, bodies: "Sở", people: "", checked: [], findings: "", createdBy: "a", createdAt: t))
            _ = try await store.addInspection(Inspection(site: "s", kind: .surprise, date: d.adding(days: 200), bodies: "Sở", people: "", checked: [], findings: "", createdBy: "a", createdAt: t))
            _ = try await store.addFeedback(Feedback(site: "s", channel: .phone, receivedOn: d, from: "", subject: .operation, item: "", text: "x", recordedBy: "a", recordedAt: t))
            _ = try await store.addMaintenanceWork(MaintenanceWork(site: "s", date: d, what: "Thay quạt", who: "KT", costVND: 1_500_000, recordedBy: "a", recordedAt: t))
            _ = try await store.addTraining(TrainingSession(site: "s", date: d, topic: "Vận hành", organiser: "Sở", attendees: ["A", "B", "C"], recordedBy: "a", recordedAt: t))
            try await store.setPlan(PlanEntry(site: "s", date: d.adding(days: 4), change: .hours([DailyWindow(parsing: "08:00-16:00")!]), reason: "", by: "a", at: t))
            try await store.setPlan(PlanEntry(site: "s", date: d.adding(days: 5), change: .closed, reason: "Bão", by: "a", at: t))
            try await store.setPlan(PlanEntry(site: "other", date: d, change: .closed, reason: "x", by: "a", at: t))
            let f = try await store.registerFigures(site: "s", from: CivilDate(year: 2026, month: 1, day: 1), to: CivilDate(year: 2026, month: 6, day: 30), zone: zone)
            #expect(f.inspections == 1 && f.periodicInspections == 1 && f.surpriseInspections == 0)
            #expect(f.feedbackReceived == 1 && f.feedbackOpen == 1 && f.feedbackAnswered == 0)
            #expect(f.maintenanceDone == 1 && f.maintenanceCostVND == 1_500_000)
            #expect(f.trainingSessions == 1 && f.trainees == 3)
            #expect(f.plannedDays == 2 && f.closures == 1 && f.plannedSeconds == 8 * 3600)
            let h2 = try await store.registerFigures(site: "s", from: CivilDate(year: 2026, month: 7, day: 1), to: CivilDate(year: 2026, month: 12, day: 31), zone: zone)
            #expect(h2.inspections == 1 && h2.surpriseInspections == 1 && h2.feedbackReceived == 0 && h2.feedbackOpen == 1 && h2.plannedDays == 0)
        }
    }

    @Test func aSecondDoneCloseOrDecideSaysItWasAlreadyDone() async throws {
        try await withStore { store in
            func refusal(_ body: () async throws -> Void) async -> String {
                do { try await body(); return "" } catch let e as WatchpostError { return e.message } catch { return "\(error)" }
            }
            let id = try await store.addInspection(Inspection(site: "tay-trang", kind: .surprise, date: CivilDate(year: 2026, month: 12, day: 1),
                                                              bodies: "Sở TT&TT", people: "", checked: [], findings: "", createdBy: "kt", createdAt: now))
            let action = try await store.addFollowUpAction(FollowUpAction(inspectionID: id, text: "Thay card", owner: "KT", due: CivilDate(year: 2026, month: 12, day: 15)), by: "kt", at: now)
            try await store.completeFollowUpAction(id: action, by: "kt", at: now)
            let doneAgain = await refusal { try await store.completeFollowUpAction(id: action, by: "kt", at: now) }
            #expect(doneAgain.contains("đã xong lúc 01/12/2026 10:00 (kt)") && !doneAgain.contains("Không tìm thấy"), "\(doneAgain)")
            #expect(await refusal { try await store.completeFollowUpAction(id: 999, by: "kt", at: now) }.contains("Không tìm thấy"))
            try await store.closeInspection(id: id, by: "kt", at: now)
            let closedAgain = await refusal { try await store.closeInspection(id: id, by: "kt", at: now) }
            #expect(closedAgain.contains("đã đóng lúc") && !closedAgain.contains("Không tìm thấy"), "\(closedAgain)")
            let p = try await store.addProposal(Proposal(site: "tay-trang", kind: .repair, text: "Thay ắc quy", raisedBy: "kt", raisedAt: now))
            try await store.decideProposal(id: p, decision: .approved, note: "", by: "so", at: now)
            let decidedAgain = await refusal { try await store.decideProposal(id: p, decision: .rejected, note: "", by: "so", at: now) }
            #expect(decidedAgain.contains("đã được quyết định: Đã chấp thuận (so,"), "\(decidedAgain)")
            try await expectEqual(store.proposals(site: "tay-trang").first?.decision, .approved)
            let f = try await store.addFeedback(Feedback(site: "tay-trang", channel: .phone, receivedOn: CivilDate(year: 2026, month: 12, day: 1), from: "", subject: .operation,
                                                         item: "", text: "x", recordedBy: "kt", recordedAt: now))
            _ = try await store.advanceFeedback(id: f, to: .answered, answer: "Đã xử lý", by: "so", at: now)
            #expect(await refusal { _ = try await store.advanceFeedback(id: f, to: .answered, answer: "lại", by: "so", at: now) }.contains("đã ở trạng thái “Đã trả lời”"))
            // A return says whose loan it closes.
            try await store.putEquipment(EquipmentItem(id: "am-thanh", site: "tay-trang", name: "Âm thanh", serial: "", location: "", state: .working, lendable: true), by: "kt", at: now)
            _ = try await store.lend(EquipmentLoan(equipmentID: "am-thanh", site: "tay-trang", borrower: "UBND xã", purpose: "x", lentAt: now, dueBack: nil, recordedBy: "kt"),
                                     today: CivilDate(year: 2026, month: 12, day: 1))
            let back = try await store.returnLoan(site: "tay-trang", equipmentID: "am-thanh", note: "", by: "kt", at: now)
            #expect(back.borrower == "UBND xã" && back.returnedAt == now)
        }
    }
}

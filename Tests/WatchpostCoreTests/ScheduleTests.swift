import Testing
import WatchpostTestSupport
@testable import WatchpostCore

/// Brute-force reference: walks every second. Slow on purpose; used on short random intervals.
struct BruteForceSchedule {
    let schedule: OperatingSchedule

    func isOn(_ t: Int64) -> Bool {
        let offset = Int64(schedule.zone.offsetSeconds)
        let local = t + offset
        let day = local >= 0 ? local / 86_400 : -((-local + 86_399) / 86_400)
        let sec = local - day * 86_400
        // Windows of today, and windows of yesterday that cross midnight.
        for w in schedule.windows(on: CivilDate(daysSinceEpoch: day)) where w.length > 0 {
            if sec >= w.startOffset && sec < min(w.endOffset, 86_400) { return true }
        }
        for w in schedule.windows(on: CivilDate(daysSinceEpoch: day - 1)) where w.endOffset > 86_400 {
            if sec < w.endOffset - 86_400 { return true }
        }
        return false
    }
}

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomWindows(_ rng: inout SplitMix) -> [DailyWindow] {
    // Up to three windows on a 15-minute grid; some cross midnight, some touch each other.
    var out: [DailyWindow] = []
    for _ in 0..<Int.random(in: 0...3, using: &rng) {
        let s = Int.random(in: 0..<96, using: &rng) * 900
        let len = Int.random(in: 1...40, using: &rng) * 900
        out.append(DailyWindow(start: TimeOfDay(secondsOfDay: s), end: TimeOfDay(secondsOfDay: (s + len) % 86_400 == 0 && s + len == 86_400 ? 86_400 : (s + len) % 86_400)))
    }
    return out
}

func randomSchedule(_ rng: inout SplitMix, base: CivilDate) -> OperatingSchedule {
    var weekly: [Int: [DailyWindow]] = [:]
    for d in 1...7 { weekly[d] = randomWindows(&rng) }
    var exceptions: [CivilDate: DayException] = [:]
    for _ in 0..<Int.random(in: 0...4, using: &rng) {
        let day = base.adding(days: Int64.random(in: -3...10, using: &rng))
        switch Int.random(in: 0...2, using: &rng) {
        case 0: exceptions[day] = .holiday(name: "h")
        case 1: exceptions[day] = .closed(reason: "c")
        default: exceptions[day] = .windows(randomWindows(&rng), reason: "e")
        }
    }
    let zone = [ZoneOffset.hoChiMinh, .utc, ZoneOffset(identifier: "UTC-05:30", offsetSeconds: -19_800)][Int.random(in: 0...2, using: &rng)]
    return OperatingSchedule(zone: zone, weekly: weekly, holidayWindows: randomWindows(&rng), exceptions: exceptions)
}

@Suite("Operating schedule")
struct ScheduleTests {
    static let tayTrang: OperatingSchedule = {
        let weekday = [DailyWindow(parsing: "07:30-11:00")!, DailyWindow(parsing: "13:30-18:00")!]
        let weekend = [DailyWindow(parsing: "08:00-18:00")!]
        return OperatingSchedule(zone: .hoChiMinh, weekly: [1: weekday, 2: weekday, 3: weekday, 4: weekday, 5: weekday, 6: weekend, 7: weekend],
                                 holidayWindows: weekend, exceptions: [CivilDate(year: 2026, month: 2, day: 17): .holiday(name: "Tết")])
    }()

    func at(_ s: String) -> Int64 { Instant.parse(s, defaultOffset: 25_200)!.seconds }

    @Test func tayTrangWeekdayWindows() {
        let s = Self.tayTrang
        // 2026-11-24 is a Tuesday.
        #expect(!s.isOn(at: at("2026-11-24T07:29:59")))
        #expect(s.isOn(at: at("2026-11-24T07:30:00")))
        #expect(s.isOn(at: at("2026-11-24T10:59:59")))
        #expect(!s.isOn(at: at("2026-11-24T11:00:00")))
        #expect(!s.isOn(at: at("2026-11-24T12:00:00")))
        #expect(s.isOn(at: at("2026-11-24T13:30:00")))
        expectEqual(s.nextChange(after: at("2026-11-24T12:00:00")), at("2026-11-24T13:30:00"))
        expectEqual(s.nextChange(after: at("2026-11-24T17:00:00")), at("2026-11-24T18:00:00"))
        expectEqual(s.nextChange(after: at("2026-11-24T18:00:00")), at("2026-11-25T07:30:00"))
        expectEqual(s.scheduledSeconds(from: at("2026-11-24T00:00:00"), to: at("2026-11-25T00:00:00")), 8 * 3600)
    }

    @Test func holidayUsesHolidayWindows() {
        let s = Self.tayTrang
        // 2026-02-17 (Tuesday) is Mùng 1 Tết: 08:00–18:00, not the weekday windows.
        #expect(s.isOn(at: at("2026-02-17T12:00:00")))
        #expect(!s.isOn(at: at("2026-02-17T07:45:00")))
        expectEqual(s.scheduledSeconds(from: at("2026-02-17T00:00:00"), to: at("2026-02-18T00:00:00")), 10 * 3600)
    }

    @Test func alwaysOnHasNoChange() {
        let s = OperatingSchedule.always()
        #expect(s.isOn(at: at("2026-11-24T03:00:00")))
        #expect(s.nextChange(after: at("2026-11-24T03:00:00")) == nil)
        expectEqual(s.scheduledSeconds(from: at("2026-01-01T00:00:00"), to: at("2027-01-01T00:00:00")), 365 * 86_400)
    }

    @Test func windowCrossingMidnight() {
        let night = [DailyWindow(parsing: "22:00-06:00")!]
        let s = OperatingSchedule(zone: .hoChiMinh, weekly: [5: night])  // Friday night only
        // 2026-11-27 is a Friday.
        #expect(s.isOn(at: at("2026-11-27T23:00:00")))
        #expect(s.isOn(at: at("2026-11-28T05:59:59")))
        #expect(!s.isOn(at: at("2026-11-28T06:00:00")))
        expectEqual(s.nextChange(after: at("2026-11-27T23:00:00")), at("2026-11-28T06:00:00"))
        expectEqual(s.scheduledSeconds(from: at("2026-11-28T00:00:00"), to: at("2026-11-29T00:00:00")), 6 * 3600)
    }

    @Test func problemsFindOverlapAndEmpty() {
        expectEqual(OperatingSchedule.problems(in: [DailyWindow(parsing: "08:00-12:00")!, DailyWindow(parsing: "11:00-13:00")!]).count, 1)
        expectEqual(OperatingSchedule.problems(in: [DailyWindow(parsing: "08:00-08:00")!]).count, 1)
        #expect(OperatingSchedule.problems(in: [DailyWindow(parsing: "08:00-11:00")!, DailyWindow(parsing: "11:00-13:00")!]).isEmpty)
    }

    /// Property test: on random schedules (zones, holidays, closures, windows crossing midnight)
    /// `isOn`, `nextChange` and `scheduledSeconds` agree with a second-by-second walk.
    @Test(arguments: 0..<40)
    func agreesWithBruteForce(seed: Int) async {
        await onOwnThread { agreesWithBruteForceOnOwnThread(seed: seed) }
    }

    /// The body of `agreesWithBruteForce`, run on a thread of its own (WatchpostTestSupport/OwnThread.swift).
    func agreesWithBruteForceOnOwnThread(seed: Int) {
        var rng = SplitMix(state: UInt64(seed) &* 7919 &+ 17)
        let base = CivilDate(year: 2026, month: 2, day: 14)
        let schedule = randomSchedule(&rng, base: base)
        let ref = BruteForceSchedule(schedule: schedule)
        let origin = ZoneOffset.hoChiMinh.startOf(base).seconds
        // A random interval of up to two days, at an arbitrary second.
        let a = origin + Int64.random(in: -86_400...(8 * 86_400), using: &rng)
        let b = a + Int64.random(in: 0...(2 * 86_400), using: &rng)
        var count: Int64 = 0
        var firstChange: Int64?
        let startState = ref.isOn(a)
        var t = a
        while t < b {
            let on = ref.isOn(t)
            if on { count += 1 }
            if firstChange == nil, on != startState { firstChange = t }
            t += 1
        }
        expectEqual(schedule.scheduledSeconds(from: a, to: b), count, "seed \(seed)")
        expectEqual(schedule.isOn(at: a), startState, "seed \(seed)")
        if let fc = firstChange {
            expectEqual(schedule.nextChange(after: a), fc, "seed \(seed)")
        }
        // Spot checks of isOn across the interval.
        for _ in 0..<200 {
            let p = Int64.random(in: a...max(a, b), using: &rng)
            expectEqual(schedule.isOn(at: p), ref.isOn(p), "seed \(seed) at \(p)")
        }
    }
}

@Suite("Time and durations")
struct TimeTests {
    @Test func durations() {
        expectEqual(Seconds(parsing: "30s"), .seconds(30))
        expectEqual(Seconds(parsing: "15m"), .minutes(15))
        expectEqual(Seconds(parsing: "2h"), .hours(2))
        expectEqual(Seconds(parsing: "1h30m"), .minutes(90))
        expectEqual(Seconds(parsing: "250ms"), Seconds(milliseconds: 250))
        #expect(Seconds(parsing: "30") == nil)
        #expect(Seconds(parsing: "10 seconds") == nil)
        #expect(Seconds(parsing: "") == nil)
        expectEqual(Seconds.minutes(90).description, "1h30m")
    }

    @Test func civilDates() {
        for day in Int64(-800_000)...Int64(-799_000) {
            expectEqual(CivilDate(daysSinceEpoch: day).daysSinceEpoch, day)
        }
        expectEqual(CivilDate(year: 2026, month: 11, day: 24).isoWeekday, 2)
        #expect(CivilDate(parsing: "2026-02-29") == nil)
        #expect(CivilDate(parsing: "2028-02-29") != nil)
    }

    @Test func instantsRoundTrip() {
        let t = Instant.parse("2026-11-24T07:30:00+07:00")!
        expectEqual(t, Instant.parse("2026-11-24T00:30:00Z"))
        expectEqual(ZoneOffset.hoChiMinh.format(t), "2026-11-24T07:30:00+07:00")
        expectEqual(Instant.parse("2026-11-24T07:30", defaultOffset: 25_200), t)
    }

    @Test func manualClockWakesSleepersInOrder() async throws {
        let clock = ManualClock(now: Instant(seconds: 1000))
        let woke = Task { () -> Instant in
            try await clock.sleep(until: Instant(seconds: 1060))
            return clock.now()
        }
        try await waitUntil("the task asleep on the manual clock", within: 60, pollMilliseconds: 1) { () async in clock.sleeperCount > 0 }
        clock.advance(by: .seconds(30))
        expectEqual(clock.sleeperCount, 1)
        clock.advance(by: .seconds(30))
        try await expectEqual(woke.value, Instant(seconds: 1060))
    }
}

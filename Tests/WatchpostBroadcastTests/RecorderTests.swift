import Testing
import WatchpostCore
import WatchpostContent
import WatchpostPlayer
import WatchpostStore
import WatchpostConfig
import WatchpostTestSupport
@testable import WatchpostBroadcast
import Crypto
import Posix
import Glibc


func approved(_ item: PlayerStatus.Item) -> BroadcastItem {
    BroadcastItem(path: item.path ?? item.name, name: item.name, sha256: item.sha256 ?? "", approved: !item.name.hasPrefix("quang-cao"),
                  reason: item.name.hasPrefix("quang-cao") ? "player.unapproved-item" : "", manifestID: "m1", keyID: "k1", sequence: 3)
}

func playing(_ path: String, _ positionSeconds: Int64) -> PlayerObservation.State {
    .playing(PlayerStatus.Item(name: String(path.split(separator: "/").last ?? ""), path: path, sha256: String(repeating: "a", count: 64),
                               position_ms: positionSeconds * 1000, duration_ms: 30_000))
}

@Suite struct RecorderTests {
    let t0 = Instant.parse("2026-11-24T09:00:00+07:00")!

    @Test func consecutiveItemsBecomeOnePlayEachWithTheirApproval() async throws {
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let store = try Store(path: path, clock: ManualClock(now: t0))
        var r = BroadcastRecorder(site: "tay-trang", player: "playing-now", tolerance: .seconds(10))
        for (dt, state) in [(0, playing("videos/a.mp4", 2)), (5, playing("videos/a.mp4", 7)), (10, playing("videos/a.mp4", 12)),
                            (15, playing("videos/quang-cao.mp4", 3)), (20, playing("videos/quang-cao.mp4", 8))] {
            try await r.observe(PlayerObservation(at: t0 + .seconds(Int64(dt)), state: state), store: store, approval: approved)
        }
        let rows = try await store.broadcastEntries(site: "tay-trang", from: t0 - .hours(1), to: t0 + .hours(1))
        expectEqual(rows.count, 2)
        #expect(rows[0].item?.path == "videos/a.mp4" && rows[0].started == t0 - .seconds(2) && rows[0].ended == t0 + .seconds(12))
        #expect(rows[0].item?.approved == true && rows[0].item?.manifestID == "m1" && rows[0].item?.sequence == 3)
        #expect(rows[1].item?.path == "videos/quang-cao.mp4" && rows[1].started == t0 + .seconds(12) && rows[1].isOpen)
        #expect(rows[1].item?.approved == false && rows[1].item?.reason == "player.unapproved-item")
        // The same item looping (position back to 0) is a new play.
        try await r.observe(PlayerObservation(at: t0 + .seconds(40), state: playing("videos/quang-cao.mp4", 1)), store: store, approval: approved)
        try await expectEqual(store.broadcastEntries(site: "tay-trang", from: t0, to: t0 + .hours(1)).filter { $0.kind == .play }.count, 3)
    }

    @Test func unreachablePlayerAndIdleScreenAreGapsNotGuesses() async throws {
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let store = try Store(path: path, clock: ManualClock(now: t0))
        var r = BroadcastRecorder(site: "s", player: "p", tolerance: .seconds(10))
        try await r.observe(PlayerObservation(at: t0, state: playing("a.mp4", 0)), store: store, approval: approved)
        try await r.observe(PlayerObservation(at: t0 + .seconds(5), state: .unreachable), store: store, approval: approved)
        try await r.observe(PlayerObservation(at: t0 + .seconds(10), state: .unreachable), store: store, approval: approved)
        try await r.observe(PlayerObservation(at: t0 + .seconds(15), state: .nothing), store: store, approval: approved)
        try await r.observe(PlayerObservation(at: t0 + .seconds(20), state: .nothing, inOperatingHours: false), store: store, approval: approved)
        let rows = try await store.broadcastEntries(site: "s", from: t0 - .hours(1), to: t0 + .hours(1))
        expectEqual(rows.map(\.kind), [.play, .gap, .gap])
        // The play ends when the player was last seen playing; the gap covers the time it did not answer.
        #expect(rows[0].ended == t0 && rows[1].gap == .playerUnreachable && rows[1].started == t0 && rows[1].ended == t0 + .seconds(10))
        #expect(rows[2].gap == .nothingPlaying && rows[2].ended == t0 + .seconds(15))
    }

    @Test func restartContinuesTheOpenPlayAndRecordsTheBlindTimeAsAGap() async throws {
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let store = try Store(path: path, clock: ManualClock(now: t0))
        var first = BroadcastRecorder(site: "s", player: "p", tolerance: .seconds(10))
        try await first.observe(PlayerObservation(at: t0, state: playing("a.mp4", 0)), store: store, approval: approved)
        try await first.observe(PlayerObservation(at: t0 + .seconds(5), state: playing("a.mp4", 5)), store: store, approval: approved)
        // kill -9: the first recorder is gone without closing. A new one sees the same play.
        var second = BroadcastRecorder(site: "s", player: "p", tolerance: .seconds(10))
        try await second.observe(PlayerObservation(at: t0 + .seconds(20), state: playing("a.mp4", 20)), store: store, approval: approved)
        var rows = try await store.broadcastEntries(site: "s", from: t0 - .hours(1), to: t0 + .hours(1))
        #expect(rows.count == 1 && rows[0].started == t0 && rows[0].lastSeen == t0 + .seconds(20))
        // Killed again; by the next start another item plays: the first play ends where it was
        // last seen, the unobserved time is a gap, the new play starts from its position.
        var third = BroadcastRecorder(site: "s", player: "p", tolerance: .seconds(10))
        try await third.observe(PlayerObservation(at: t0 + .seconds(100), state: playing("b.mp4", 10)), store: store, approval: approved)
        rows = try await store.broadcastEntries(site: "s", from: t0 - .hours(1), to: t0 + .hours(1))
        expectEqual(rows.map(\.kind), [.play, .gap, .play])
        expectEqual(rows[0].ended, t0 + .seconds(20))
        #expect(rows[1].gap == .notObserved && rows[1].started == t0 + .seconds(20) && rows[1].ended == t0 + .seconds(90))
        #expect(rows[2].item?.path == "b.mp4" && rows[2].started == t0 + .seconds(90))
    }

    @Test func darkScreenInHoursIsAGapBesideThePlay() async throws {
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let store = try Store(path: path, clock: ManualClock(now: t0))
        var r = BroadcastRecorder(site: "s", player: "p", tolerance: .seconds(10))
        try await r.observe(PlayerObservation(at: t0, state: playing("videos/quang-cao.mp4", 0)), store: store, approval: approved)
        try await r.observe(PlayerObservation(at: t0 + .seconds(5), state: playing("videos/quang-cao.mp4", 5), screenDark: true), store: store, approval: approved)
        try await r.observe(PlayerObservation(at: t0 + .seconds(10), state: playing("videos/quang-cao.mp4", 10), screenDark: true), store: store, approval: approved)
        try await r.observe(PlayerObservation(at: t0 + .seconds(15), state: playing("videos/quang-cao.mp4", 15)), store: store, approval: approved)
        let rows = try await store.broadcastEntries(site: "s", from: t0 - .hours(1), to: t0 + .hours(1))
        expectEqual(rows.count, 2)
        let play = try #require(rows.first { $0.kind == .play })
        let dark = try #require(rows.first { $0.gap == .screenDark })
        #expect(play.item?.approved == false && play.darkMilliseconds == 10_000)
        #expect(dark.started == t0 + .seconds(5) && dark.ended == t0 + .seconds(15))
    }

    /// The logger follows the site's own schedule (Tây Trang 7.2.1: 07:30-11:00 and 13:30-18:00 on
    /// working days): a dark screen or an idle player is a gap only inside those hours, and plays
    /// are logged around the clock.
    @Test func gapsFollowTheShippedTayTrangSchedule() async throws {
        let config = try ConfigurationLoader.load(root: TestPaths.packageRoot)
        let schedule = try #require(config.site("tay-trang")).schedule
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let store = try Store(path: path, clock: ManualClock(now: t0))
        // Tuesday 24 November 2026: 09:00 in hours; 12:00 between the windows; 21:00 after them.
        for (start, inHours) in [("2026-11-24T09:00:00+07:00", true), ("2026-11-24T12:00:00+07:00", false), ("2026-11-24T21:00:00+07:00", false)] {
            let t = Instant.parse(start)!
            expectEqual(schedule.isOn(at: t), inHours, "\(start)")
            var r = BroadcastRecorder(site: "tay-trang", player: "p", tolerance: .seconds(10))
            for s in stride(from: Int64(0), through: 10, by: 5) {
                try await r.observe(PlayerObservation(at: t + .seconds(s), state: playing("videos/hoa-ban.mp4", s), screenDark: true,
                                                      inOperatingHours: schedule.isOn(at: t + .seconds(s))), store: store, approval: approved)
            }
            for s in stride(from: Int64(15), through: 25, by: 5) {
                try await r.observe(PlayerObservation(at: t + .seconds(s), state: .nothing, inOperatingHours: schedule.isOn(at: t + .seconds(s))),
                                    store: store, approval: approved)
            }
            try await r.close(store: store)
            let rows = try await store.broadcastEntries(site: "tay-trang", from: t, to: t + .minutes(1))
            expectEqual(rows.filter { $0.kind == .play }.count, 1, "\(start): the play is logged whatever the hour")
            expectEqual(rows.contains { $0.gap == .screenDark }, inHours, "\(start): \(rows)")
            expectEqual(rows.contains { $0.gap == .nothingPlaying }, inHours, "\(start): \(rows)")
        }
    }

    @Test func approvalCarriesTheManifestAndItsMetadata() throws {
        let pair = try Ed25519.generate()
        let m = Manifest(approvedBy: "Sở", approvedAt: t0, validFrom: t0 - .hours(1), validTo: t0 + .hours(100),
                         keyID: Ed25519.keyID(pair.publicKey),
                         items: [ApprovedItem(path: "videos/a.mp4", sha256: String(repeating: "a", count: 64), size: 5,
                                              metadata: ItemMetadata(title: "A", source: "dai-ptth-dien-bien", languages: ["vi", "lo"], month: "2026-11", kind: .programme))],
                         sequence: 9)
        let reading = ManifestLoader.Reading(outcome: .verdict(.valid(m)), archivedID: "abc")
        let ok = BroadcastApproval.item(PlayerStatus.Item(name: "a.mp4", path: "videos/a.mp4", sha256: String(repeating: "a", count: 64), size: 5), reading: reading)
        #expect(ok.approved && ok.manifestID == "abc" && ok.sequence == 9 && ok.keyID == m.keyID && ok.approvedAt == t0)
        #expect(ok.title == "A" && ok.source == "dai-ptth-dien-bien" && ok.languages == ["vi", "lo"] && ok.kind == "programme")
        let bad = BroadcastApproval.item(PlayerStatus.Item(name: "x.mp4", path: "videos/x.mp4", sha256: String(repeating: "e", count: 64)), reading: reading)
        #expect(!bad.approved && bad.reason == PlayerFindingCode.unapprovedItem)
        let replay = BroadcastApproval.item(PlayerStatus.Item(name: "a.mp4", path: "videos/a.mp4"),
                                            reading: ManifestLoader.Reading(outcome: .verdict(.valid(m)), replayedBelow: 10))
        #expect(!replay.approved && replay.reason == ContentFindingCode.manifestReplayed)
    }
}

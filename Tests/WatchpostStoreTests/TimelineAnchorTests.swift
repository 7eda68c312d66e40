// Issue #19, point 14: anyone who can write the database could recompute the whole hash chain,
// and `audit verify` still said "intact". A head (HASH@SEQ) sent out earlier in a notice or a
// report now catches the rewrite.
import Testing
import WatchpostTestSupport
import WatchpostCore
@testable import WatchpostStore
import SQLite
import Posix
import Glibc

@Suite("Timeline anchor (#19)")
struct TimelineAnchorTests {
    @Test func rewrittenAndRehashedHistoryFailsAgainstAnEarlierAnchor() async throws {
        let dir = try makeTemporaryFolder("watchpost-anchor")
        defer { removeTree(dir) }
        let clock = ManualClock(now: Instant(seconds: 1_790_000_000))
        let store = try Store(path: "\(dir)/w.db", clock: clock)
        try await expectEqual(store.timelineAnchor(), TimelineAnchor(seq: 0, hash: Store.genesisHash))
        try await store.appendTimeline((1...5).map { TimelineEvent(at: clock.now() + .seconds($0), site: "s", incidentID: 1, kind: "note", text: "entry \($0)") })
        let anchor = try await store.timelineAnchor()
        expectEqual(anchor.seq, 5)
        expectEqual(TimelineAnchor(parsing: anchor.description), anchor)
        for bad in ["", "abc@1", "\(anchor.hash)@-1", "\(anchor.hash)", "\(anchor.hash)@x"] { #expect(TimelineAnchor(parsing: bad) == nil, "\(bad)") }
        try await store.appendTimeline([TimelineEvent(at: clock.now() + .seconds(9), site: "s", incidentID: 1, kind: "acknowledged", text: "acked by police")])
        #expect(try await store.verifyTimeline(anchor: anchor).isIntact)

        // Someone with write access rewrites entry 3 and re-hashes everything after it.
        let db = try SQLiteConnection(path: "\(dir)/w.db")
        try db.run("UPDATE timeline SET text = 'nothing happened' WHERE seq = 3")
        var prev = try db.query("SELECT hash FROM timeline WHERE seq = 2").first?[0].string ?? ""
        for seq in Int64(3)...6 {
            let row = try #require(try db.query("SELECT * FROM timeline WHERE seq = ?", seq).first)
            let h = Store.timelineHash(previous: prev, seq: seq, Store.entry(row).event, messageJSON: row["message_json"].string)
            try db.run("UPDATE timeline SET prev_hash = ?, hash = ? WHERE seq = ?", prev, h, seq)
            prev = h
        }
        try db.run("UPDATE meta SET value = ? WHERE key = 'timeline_head'", "6:\(prev)")
        #expect(try await store.verifyTimeline().isIntact, "a consistent rewrite passes without an anchor: that is the defect")
        let v = try await store.verifyTimeline(anchor: anchor)
        #expect(!v.isIntact)
        expectEqual(v.problemSeq, 5)
        expectEqual(v.firstProblem?.contains("rewritten"), true)
        // An anchor past the end (the history was cut) fails too.
        #expect(!(try await store.verifyTimeline(anchor: TimelineAnchor(seq: 40, hash: anchor.hash)).isIntact))
    }
}

// The monthly and yearly figures' sums over the broadcast log must read the period through the
// time index, not every play of the site through the (site, player, entry, started_ms) key
// (#19, s10: on 2.3 M plays of one site a yearly report's item totals took 21.4 s that way).
// SQLite chooses the site's key when the filter is `site = ?` on a store without statistics,
// as every box's is: the plan, not the timing, is what this checks.
import Testing
import WatchpostCore
@testable import WatchpostStore
import SQLite
import WatchpostTestSupport

@Suite("Broadcast totals plan")
struct BroadcastTotalsPlanTests {
    @Test func itemAndGapTotalsReadThePeriodThroughTheTimeIndex() async throws {
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let store = try Store(path: path, clock: ManualClock(now: Instant(seconds: 1_800_000_000)))
        let from: Int64 = 1_798_761_600_000, to: Int64 = 1_801_440_000_000
        let (items, gaps) = try await store.read { db in
            func plan(_ sql: String, _ arguments: [any SQLBindable]) throws -> String {
                try db.query("EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0[3].string ?? "" }.joined(separator: "\n")
            }
            return (try plan(Store.itemTotalsSQL, [to, from, "tay-trang", from, to]),
                    try plan(Store.gapTotalsSQL, [to, from, "tay-trang", to, from, from]))
        }
        for (name, p) in [("item totals", items), ("gap totals", gaps)] {
            #expect(p.contains("broadcast_log_by_time"), "\(name): \(p)")
            #expect(!p.contains("sqlite_autoindex_broadcast_log_1"), "\(name): \(p)")
        }
    }
}

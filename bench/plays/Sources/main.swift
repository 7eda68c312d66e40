// Broadcast-log benchmark (bench/plays/run.sh): a year of plays, one item every 30 s
// (1,051,200 rows) from 24 items under 12 monthly manifests, with a gap every ~2 days, written
// through the migration-20 schema; then the log read back through the store for one month and
// for the whole year, and the monthly sums the figures use.
//   watchpost-bench-plays WORKDIR [ROWS]
// Prints `key=value` lines that run.sh reads.
import WatchpostCore
import WatchpostStore
import SQLite
import Posix
import WatchpostHost

func now() -> UInt64 { monotonicNanoseconds() }
func seconds(since t: UInt64) -> Double { Double(monotonicNanoseconds() - t) / 1e9 }
func rss() -> Int { CurrentProcess.residentKilobytes() ?? 0 }
func peak() -> Int {
    guard let text = try? FileSystem.readText("/proc/self/status") else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.dropFirst(6).trimmingWhitespace().split(separator: " ").first ?? "") ?? 0
    }
    return 0
}

let args = CommandLine.arguments
guard args.count >= 2 else { print("usage: watchpost-bench-plays WORKDIR [ROWS]"); CurrentProcess.exit(64) }
let work = args[1]
let rows = args.count > 2 ? Int(args[2]) ?? 1_051_200 : 1_051_200
let db = "\(work)/watchpost.db"
let start = Instant.parse("2026-01-01T00:00:00+07:00")!
let zone = ZoneOffset.hoChiMinh

do {
    // The schema, through the store (migrations), then a bulk fill on a plain connection.
    _ = try Store(path: db, clock: SystemClock())
    let conn = try SQLiteConnection(path: db)
    _ = try conn.enableWAL()
    let fillStart = now()
    try conn.transaction {
        for i in 0..<24 {
            let month = String(format2: "2026-%02d", i / 2 + 1)
            try conn.run("""
                INSERT INTO broadcast_item (path, name, sha256, size, approved, reason, manifest_id, key_id, approved_at_ms, sequence, title, source, languages, month, kind)
                VALUES (?, ?, ?, ?, 1, '', ?, '4a3fbaddd0389ba3', ?, ?, ?, ?, ?, ?, ?)
                """, "videos/item-\(i).mp4", "item-\(i).mp4", String(repeating: String(i % 10), count: 64), Int64(1_000_000 + i),
                String(repeating: "f", count: 63) + String(i % 10), start.milliseconds + Int64(i / 2) * 2_592_000_000, Int64(i / 2 + 1),
                "Chương trình \(i)", i % 3 == 0 ? "dai-ptth-dien-bien" : (i % 3 == 1 ? "bao-dien-bien-phu" : "songoaivu-dien-bien"),
                i % 2 == 0 ? "vi,lo" : "vi,en,th", month, i % 4 == 0 ? "programme" : "clip")
        }
        var t = start.milliseconds
        for n in 0..<rows {
            let month = min(11, Int((t - start.milliseconds) / 2_629_800_000))
            let item = Int64(month * 2 + n % 2 + 1)
            if n % 5760 == 5759 {
                try conn.run("INSERT INTO broadcast_log (site, player, entry, started_ms, ended_ms, last_seen_ms, gap) VALUES ('tay-trang', 'playing-now', 'gap', ?, ?, ?, 'player-unreachable')",
                             t, t + 30_000, t + 30_000)
            } else {
                try conn.run("INSERT INTO broadcast_log (site, player, entry, started_ms, ended_ms, last_seen_ms, item_id) VALUES ('tay-trang', 'playing-now', 'play', ?, ?, ?, ?)",
                             t, t + 30_000, t + 30_000, item)
            }
            t += 30_000
        }
    }
    let fill = seconds(since: fillStart)
    _ = try conn.query("PRAGMA wal_checkpoint(TRUNCATE)")
    print("rows=\(rows) fill_s=\(fill)")

    let store = try Store(path: db, clock: SystemClock(), readOnly: true)
    let monthFrom = zone.startOf(CivilDate(year: 2026, month: 11, day: 1)), monthTo = zone.startOf(CivilDate(year: 2026, month: 12, day: 1))
    var baseline = rss()
    var t0 = now()
    let month = try await store.broadcastEntries(site: "tay-trang", from: monthFrom, to: monthTo)
    print("query=month rows=\(month.count) s=\(seconds(since: t0)) rss_kb=\(rss() - baseline)")
    t0 = now()
    let totals = try await store.broadcastItemTotals(site: "tay-trang", from: monthFrom, to: monthTo)
    let gaps = try await store.broadcastGapTotals(site: "tay-trang", from: monthFrom, to: monthTo)
    print("query=month_sums items=\(totals.count) gap_kinds=\(gaps.count) s=\(seconds(since: t0))")
    _ = month.count
    let yearTo = zone.startOf(CivilDate(year: 2027, month: 1, day: 1))
    // The year streamed (as `watchpost plays --format csv` and exports read it) …
    baseline = rss()
    t0 = now()
    let streamed = try await store.countBroadcastEntries(site: "tay-trang", from: start, to: yearTo)
    print("query=year_stream rows=\(streamed) s=\(seconds(since: t0)) rss_kb=\(rss() - baseline)")
    // … and collected in memory (as the JSON API would for a whole year).
    baseline = rss()
    t0 = now()
    let year = try await store.broadcastEntries(site: "tay-trang", from: start, to: yearTo)
    print("query=year rows=\(year.count) s=\(seconds(since: t0)) rss_kb=\(rss() - baseline) peak_kb=\(peak())")
    t0 = now()
    let yearTotals = try await store.broadcastItemTotals(site: "tay-trang", from: start, to: zone.startOf(CivilDate(year: 2027, month: 1, day: 1)))
    print("query=year_sums items=\(yearTotals.count) s=\(seconds(since: t0))")
} catch {
    print("error: \(error)")
    CurrentProcess.exit(1)
}

extension Store {
    /// Streams the year through the same reader the CLI uses, keeping only a count.
    func countBroadcastEntries(site: String, from: Instant, to: Instant) throws(WatchpostError) -> Int {
        var n = 0
        try forEachBroadcastEntry(site: site, from: from, to: to) { _ in n += 1 }
        return n
    }
}

extension String {
    init(format2: String, _ n: Int) { self = format2.replacingOccurrences(of: "%02d", with: n < 10 ? "0\(n)" : "\(n)") }
    func replacingOccurrences(of a: String, with b: String) -> String { replacing(a, with: b) }
}

// Issue #19: on a small volume the WAL stays within its 64 KiB limit. Measured in diskfull.sh
// (session 9, an strace of the daemon's WAL writes, one line per commit): SQLite's automatic
// checkpoint ran only after a commit had left 64 pages or more, so a storm's next transaction
// (50-78 pages) began at page 57-64 and the WAL reached 113-170 KiB; and a checkpoint a
// reader's snapshot cut short (the bench's own sqlite3 queries, every 0.2 s) let the next
// transactions append after it instead of starting the WAL again (401 KiB in the s8 review).
import Testing
import WatchpostTestSupport
import WatchpostCore
@testable import WatchpostStore
import SQLite
import Posix
import Synchronization

@Suite("WAL bound on a small volume (#19)", .serialized, .timeLimit(.minutes(2)))
struct WALBoundTests {
    // Before: with `wal_autocheckpoint` at 64 pages, twelve transactions of 30 pages took the
    // WAL to 96 KiB (the third began at page 62).
    @Test func transactionsOfThirtyPagesKeepTheWALWithinItsLimit() async throws {
        let small = try await SmallVolume(size: "2m")
        defer { small.unmount() }
        let path = "\(small.path)/watchpost.db"
        let store = try Store(path: path, clock: ManualClock(now: Instant(seconds: 1_795_481_411)))
        let limit = await store.walLimit
        expectEqual(limit, 65_536)
        try await store.transaction { db in try db.execute("CREATE TABLE wal_test (id INTEGER PRIMARY KEY, data BLOB)") }
        var largest: Int64 = 0
        for _ in 0..<12 {
            try await store.transaction { db in try db.run("INSERT INTO wal_test (data) VALUES (zeroblob(30000))") }
            largest = max(largest, FileSystem.size(of: path + "-wal") ?? 0)
        }
        #expect(largest > 30_000, "the test wrote no WAL (\(largest) bytes)")
        #expect(largest <= limit, "the WAL reached \(largest) bytes (limit \(limit))")
    }

    // A reader's snapshot includes a frame of the WAL, so the checkpoint after the writer's first
    // large transaction cannot copy it all. Without a wait (0 ms, as before: SQLite's own
    // checkpoint never waits) the second transaction is appended after the first and the WAL
    // passes its limit (84 KiB); with the wait, the writer waits for the reader and the second
    // transaction starts the WAL again.
    @Test(arguments: [Int32(0), 30_000])
    func aCheckpointCutShortByAReaderWaitsForIt(waitMilliseconds: Int32) async throws {
        let dir = try makeTemporaryFolder("watchpost-wal-reader")
        defer { FileSystem.removeTree(dir) }
        let path = "\(dir)/t.db"
        do {
            let setup = try SQLiteConnection(path: path)
            try setup.execute("PRAGMA page_size=1024")
            _ = try setup.enableWAL()
            try setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB)")
            try setup.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        let writerReady = Atomic<Bool>(false)
        let readerHolds = Atomic<Bool>(false)
        let reader = try SQLiteConnection(path: path, readOnly: true)
        // The writer and the reader each on a thread of its own (onOwnThread): the writer's wait
        // for the reader blocks its thread in SQLite's busy handler, and in the parallel unit lane
        // Swift's two cooperative threads may both be held by other tests, so a reader polling
        // there could not end its snapshot before the writer's 30 s ran out (#13 review s10: red in
        // 2 of 8 make test runs, WAL 87016 bytes; 10 of 10 green alone).
        let writer = Task.detached { () throws -> Int64 in try await onOwnThread { () throws -> Int64 in
            let w = try SQLiteConnection(path: path)
            try w.execute("PRAGMA journal_size_limit=65536")
            w.setCheckpointPolicy(CheckpointPolicy(afterFrames: 8, waitAboveFrames: 32, waitForReadersMilliseconds: waitMilliseconds))
            try w.run("INSERT INTO t (data) VALUES (x'01')")  // one frame: no checkpoint yet
            writerReady.store(true, ordering: .sequentiallyConsistent)
            try await waitUntil("the reader's snapshot", within: 60, pollMilliseconds: 2) { readerHolds.load(ordering: .sequentiallyConsistent) }
            var largest: Int64 = 0
            for _ in 0..<2 {
                try w.run("INSERT INTO t (data) VALUES (zeroblob(40000))")
                largest = max(largest, FileSystem.size(of: path + "-wal") ?? 0)
            }
            return largest
        } }
        try await onOwnThread {
            try await waitUntil("the writer's first small commit", within: 60, pollMilliseconds: 2) { writerReady.load(ordering: .sequentiallyConsistent) }
            try reader.execute("BEGIN")
            _ = try reader.query("SELECT COUNT(*) FROM t")
            let walBefore = FileSystem.size(of: path + "-wal") ?? 0
            readerHolds.store(true, ordering: .sequentiallyConsistent)
            let largest: Int64
            if waitMilliseconds == 0 {
                // Nothing waits for the reader: it ends its snapshot once the writer is done.
                largest = try await writer.value
                try reader.execute("COMMIT")
                #expect(largest > 65_536, "the defect is not reproduced: the WAL stayed at \(largest) bytes with a reader's snapshot")
            } else {
                // The reader ends its snapshot once the first large transaction is in the WAL; the
                // writer's checkpoint is waiting for it by then (or has not started: then it copies all).
                try await waitUntil("the first large transaction in the WAL", within: 60, pollMilliseconds: 2) { (FileSystem.size(of: path + "-wal") ?? 0) > walBefore + 40_000 }
                try reader.execute("COMMIT")
                largest = try await writer.value
                #expect(largest <= 65_536, "the WAL reached \(largest) bytes with a reader's snapshot cut short")
            }
            #expect(largest > 40_000, "the test wrote no WAL (\(largest) bytes)")
        }
    }

    // Point 4 (#19 review s8): a web request past its deadline is cancelled, but a query it had
    // started on the reader went on to its end. A read-only store's queries stop when their task is.
    @Test func aReadOnlyStoresQueryStopsWhenItsTaskIsCancelled() async throws {
        let dir = try makeTemporaryFolder("watchpost-read-cancel")
        defer { FileSystem.removeTree(dir) }
        let clock = ManualClock(now: Instant(seconds: 1_795_481_411))
        _ = try Store(path: "\(dir)/watchpost.db", clock: clock)
        let reader = try Store(path: "\(dir)/watchpost.db", clock: clock, readOnly: true)
        let started = ContinuousClock.now
        let query = Task { () async -> Result<Int64, WatchpostError> in
            do throws(WatchpostError) {
                // About a minute of work for SQLite if nothing stops it.
                return .success(try await reader.read { db in
                    try db.query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT COUNT(*) FROM c").first?[0].int ?? 0
                })
            } catch { return .failure(error) }
        }
        try await Task.sleep(for: .milliseconds(100))  // the query is under way; cancelled before or during, it must stop
        query.cancel()
        let outcome = await query.value
        let took = ContinuousClock.now - started
        guard case .failure(let error) = outcome else { Issue.record("the query ran to its end after its task was cancelled: \(outcome)"); return }
        #expect(error.description.contains("interrupt"), "\(error)")
        #expect(took < .seconds(20), "the cancelled query went on for \(took)")
    }
}

import Testing
import WatchpostCore
@testable import WatchpostStore
import SQLite
import WatchpostTestSupport
import Glibc

@Suite("Store")
struct StoreTests {
    @Test func migratesAndUsesWAL() async throws {
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let store = try Store(path: path, clock: ManualClock(now: Instant(seconds: 1_800_000_000)))
        await expectEqual(store.schemaVersion, Migrations.latestVersion)
        let mode = try await store.read { db in try db.query("PRAGMA journal_mode").first?[0].string }
        expectEqual(mode, "wal")
        let sync = try await store.read { db in try db.query("PRAGMA synchronous").first?[0].int }
        expectEqual(sync, 2)  // FULL
        #expect(try await store.verify().isEmpty)
    }

    @Test func refusesNewerSchema() throws {
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        do {
            let db = try SQLiteConnection(path: path)
            try db.setUserVersion(Migrations.latestVersion + 1)
        }
        do {
            _ = try Store(path: path, clock: ManualClock(now: Instant(seconds: 0)))
            Issue.record("a newer schema was accepted")
        } catch {
            expectEqual(error.code, .schemaTooNew)
            #expect(error.message.contains("newer than this binary"))
        }
    }

    @Test func historyIsCompact() async throws {
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let t0 = Instant(seconds: 1_800_000_000)
        let store = try Store(path: path, clock: ManualClock(now: t0))
        // 100 results 30 s apart, one status change in the middle; samples every 5 minutes.
        for i in 0..<100 {
            let status: CheckStatus = (40..<60).contains(i) ? .critical : .ok
            let r = CheckResult(status: status, summary: "r\(i)", startedAt: t0 + .seconds(Int64(i) * 30))
            try await store.record(site: "s", checkID: "c", kind: "exec", result: r, sampleInterval: .minutes(5))
        }
        let h = try await store.history(site: "s", checkID: "c", from: t0, to: t0 + .hours(2))
        expectEqual(h.filter(\.change).count, 3)  // first result, OK→CRITICAL, CRITICAL→OK
        #expect(h.count < 30)  // far fewer than 100 rows
        let states = try await store.checkStates()
        expectEqual(states.count, 1)
        expectEqual(states[0].status, .ok)
        expectEqual(states[0].since, t0 + .seconds(60 * 30))
        expectEqual(states[0].result?.summary, "r99")
    }

    @Test func pruneKeepsLastStateBeforeCutoff() async throws {
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let t0 = Instant(seconds: 1_800_000_000)
        let store = try Store(path: path, clock: ManualClock(now: t0))
        for i in 0..<10 {
            let r = CheckResult(status: i % 2 == 0 ? .ok : .warning, summary: "", startedAt: t0 + .hours(Int64(i)))
            try await store.record(site: "s", checkID: "c", kind: "exec", result: r, sampleInterval: .minutes(5))
        }
        let removed = try await store.pruneHistory(before: t0 + .hours(5))
        expectEqual(removed, 4)
        let h = try await store.history(site: "s", from: Instant(seconds: 0), to: t0 + .hours(24))
        expectEqual(h.first?.at, t0 + .hours(4))
    }

    @Test func verifyReportsBrokenInvariant() async throws {
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let store = try Store(path: path, clock: ManualClock(now: Instant(seconds: 1_800_000_000)))
        try await store.beginRun(pid: 42)
        try await store.read { db in try db.run("UPDATE monitor_run SET stopped_ms = started_ms - 1") }
        let problems = try await store.verify()
        #expect(problems.contains { $0.contains("stopped before it started") })
    }

    @Test func outboxEnqueueIsIdempotent() async throws {
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let store = try Store(path: path, clock: ManualClock(now: Instant(seconds: 1_800_000_000)))
        let r = NotificationRequest(key: "inc-1/triggered/1/a@example.org", event: .triggered, site: "s", incidentID: 1,
                                    recipient: NotificationRecipient(address: "a@example.org", displayName: "A", contactID: "a"),
                                    template: "incident", fields: ["site": "S"], createdAt: Instant(seconds: 1_800_000_000))
        try await expectEqual(store.enqueue([r]), 1)
        try await expectEqual(store.enqueue([r]), 0)
    }

    @Test func monitorRunsRecordStartHeartbeatStop() async throws {
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let clock = ManualClock(now: Instant(seconds: 1_800_000_000))
        let store = try Store(path: path, clock: clock)
        try await store.beginRun(pid: 7)
        clock.advance(by: .seconds(60))
        try await store.heartbeat()
        clock.advance(by: .seconds(30))
        try await store.endRun()
        let runs = try await store.monitorRuns(from: Instant(seconds: 0), to: Instant(seconds: 1_900_000_000))
        expectEqual(runs.count, 1)
        expectEqual(runs[0].lastAlive, Instant(seconds: 1_800_000_090))
        expectEqual(runs[0].stopped, Instant(seconds: 1_800_000_090))
    }
}

import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostDaemon
import SQLite
import Posix
import Synchronization

final class CapturedLog: LogSink {
    let lines = Mutex<[String]>([])
    func write(line: String) { lines.withLock { $0.append(line) } }
}

func temporaryFolder(_ name: String) throws -> String { try makeTemporaryFolder("watchpost-incident-\(name)") }

/// The engine with the real store: restart mid-escalation (the store reopened in-process, as after
/// kill -9), acknowledgements from another connection, and the audit chain.
@Suite struct IncidentPersistenceTests {
    typealias F = Fixture

    func processor(_ path: String, clock: ManualClock, settings: EngineSettings) throws -> (Store, IncidentProcessor) {
        let store = try Store(path: path, clock: clock)
        let p = IncidentProcessor(configuration: try F.configuration(), settings: settings, store: store, clock: clock,
                                  logger: Logger(sink: CapturedLog(), clock: clock))
        return (store, p)
    }

    func outboxKeys(_ store: Store) async throws -> [String] {
        try await store.read { db in try db.query("SELECT key FROM outbox ORDER BY id").map { $0[0].string ?? "" } }
    }

    @Test func restartMidEscalationFiresTheOverdueStepOnlyAfterAFreshFailure() async throws {
        let path = try temporaryFolder("restart") + "/watchpost.db"
        let t0 = F.local("2026-11-24T02:00")
        let clock = ManualClock(now: t0)
        let settings = try F.settings([F.content()])
        do {
            let (_, p) = try processor(path, clock: clock, settings: settings)
            await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0))
            clock.advance(to: t0 + .minutes(10))
            await expectEqual(p.tick(), t0 + .minutes(15))
        }
        // Nothing was shut down: the processor and the connection are simply gone. The box stays
        // down past the level-2 deadline (t0 + 15m).
        clock.advance(to: t0 + .minutes(50))
        let (store, p) = try processor(path, clock: clock, settings: settings)
        _ = await p.tick()
        let opened = F.keys(1, "triggered", "r0.L1", F.level1) + F.keys(1, "informed", "r0.I", F.level2)
        // Judged before escalating: nothing fires until a fresh result says the problem is still there.
        try await expectEqual(outboxKeys(store), opened)
        await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0 + .minutes(51)))
        _ = await p.tick()
        let expected = opened + F.keys(1, "escalated", "r0.L2", F.level2) + F.keys(1, "escalationNotice", "r0.L2", F.level1)
        try await expectEqual(outboxKeys(store), expected)
        // A second tick (or a second restart) notifies nothing again.
        _ = await p.tick()
        let (store3, p3) = try processor(path, clock: clock, settings: settings)
        _ = await p3.tick()
        try await expectEqual(outboxKeys(store3), expected)
        try await expectEqual(store3.incident(1)?.level, 2)
        try await expectEqual(store3.verify(), [])
    }

    @Test func restartAfterTheProblemClearedResolvesWithoutEscalating() async throws {
        let path = try temporaryFolder("restart-cleared") + "/watchpost.db"
        let t0 = F.local("2026-11-24T02:00")
        let clock = ManualClock(now: t0)
        let settings = try F.settings([F.content()])
        do {
            let (_, p) = try processor(path, clock: clock, settings: settings)
            await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0))
        }
        // Down for three hours; the unapproved file was removed meanwhile.
        clock.advance(to: t0 + .hours(3))
        let (store, p) = try processor(path, clock: clock, settings: settings)
        _ = await p.tick()
        await p.handle(key: F.key("content"), kind: "content", result: F.result(.ok, at: t0 + .hours(3) + .seconds(5)))
        _ = await p.tick()
        let keys = try await outboxKeys(store)
        #expect(!keys.contains { $0.contains("/escalated/") || $0.contains("/escalationNotice/") || $0.contains("/reminder/") })
        expectEqual(keys.filter { $0.contains("/resolved/") }, F.keys(1, "resolved", "r0", F.level2 + F.level1))
        try await expectEqual(store.incident(1)?.state, .resolved)
    }

    @Test func acknowledgementFromAnotherProcessStopsTheDaemonsEscalation() async throws {
        let path = try temporaryFolder("ack") + "/watchpost.db"
        let t0 = F.local("2026-11-24T02:00")
        let clock = ManualClock(now: t0)
        let (store, p) = try processor(path, clock: clock, settings: try F.settings([F.content()]))
        await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0))
        clock.advance(to: t0 + .minutes(15))
        _ = await p.tick()
        // Another process (own connection) acknowledges at level 2.
        let other = try Store(path: path, clock: clock)
        let acked = try await IncidentService(store: other).acknowledge(incidentID: 1, by: "duty@stttt", via: "email", note: "Đã nhận",
                                                                        from: "<reply-1@example.org>", at: t0 + .minutes(20))
        expectEqual(acked.state, .acknowledged)
        clock.advance(to: t0 + .minutes(45))
        #expect(await p.tick() == nil)
        let keys = try await outboxKeys(store)
        #expect(!keys.contains { $0.contains("/escalated/r0.L3/") })
        expectEqual(keys.filter { $0.contains("/acknowledged/a1/") }.count, (F.level1 + F.level2).count)
        try await expectEqual(store.acknowledgements(incidentID: 1).map(\.by), ["duty@stttt"])
        // The check recovers in the daemon: resolution is told to everyone, with the ack kept.
        await p.handle(key: F.key("content"), kind: "content", result: F.result(.ok, at: t0 + .minutes(50)))
        try await expectEqual(store.incident(1)?.state, .resolved)
        try await expectEqual(outboxKeys(store).filter { $0.contains("/resolved/") }.count, (F.level1 + F.level2).count)
        let kinds = try await store.timeline(incidentID: 1).map(\.event.kind)
        expectEqual(kinds, ["opened", "notified", "informed", "notified", "state", "escalated", "notified", "acknowledged", "notified", "resolved", "notified", "state"])
        try await expectEqual(store.verify(), [])
    }

    @Test func maintenanceStartedByAnotherProcessHoldsTechnicalIncidents() async throws {
        let path = try temporaryFolder("maint") + "/watchpost.db"
        let t0 = F.local("2026-11-24T08:00")
        let clock = ManualClock(now: t0)
        let (store, p) = try processor(path, clock: clock, settings: try F.settings([F.screen(), F.content()]))
        _ = await p.tick()
        let other = IncidentService(store: try Store(path: path, clock: clock))
        let w = try await other.startMaintenance(site: F.tayTrang, from: t0, until: t0 + .hours(1), reason: "thay nguồn / PSU swap", by: "binh")
        await p.handle(key: F.key("screen"), kind: "led", result: F.dark(at: t0 + .minutes(1)))
        await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0 + .minutes(1)))
        var keys = try await outboxKeys(store)
        expectEqual(keys, F.keys(2, "triggered", "r0.L1", F.level1) + F.keys(2, "informed", "r0.I", F.level2))
        // Stopped early: the screen is still dark, so it is notified now.
        clock.advance(to: t0 + .minutes(10))
        try await other.stopMaintenance(id: w.id, by: "binh", at: clock.now())
        _ = await p.tick()
        keys = try await outboxKeys(store)
        expectEqual(keys.filter { $0.hasPrefix("inc-1/") }, F.keys(1, "triggered", "r0.L1", F.operators + F.technicians) + F.keys(1, "informed", "r0.I", F.level2))
    }

    @Test func auditVerifyFindsTheFirstEditedInsertedOrDeletedEntry() async throws {
        let dir = try temporaryFolder("audit")
        let path = dir + "/watchpost.db"
        let t0 = F.local("2026-11-24T02:00")
        let clock = ManualClock(now: t0)
        do {
            let (_, p) = try processor(path, clock: clock, settings: try F.settings([F.content()]))
            await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0))
            clock.advance(to: t0 + .minutes(45))
            _ = await p.tick()
        }
        func verify() async throws -> TimelineVerification { try await Store(path: path, clock: clock, readOnly: true).verifyTimeline() }
        let sqlite3 = try requireTool("sqlite3", debianPackage: "sqlite3")
        func sqlite(_ sql: String) async throws {
            let r = try await runProgram(sqlite3, arguments: [path, sql], timeout: .seconds(60))
            expectEqual(r.exitCode, 0, "sqlite3: \(r.output)")
        }
        let clean = try await verify()
        #expect(clean.isIntact && clean.entries == 7)
        try await sqlite("UPDATE timeline SET text = 'nothing happened' WHERE seq = 3")
        try await expectEqual(verify().problemSeq, 3)
        try await expectEqual(verify().firstProblem?.contains("entry 3 was edited"), true)
        // A deleted entry, in a fresh database.
        let fresh = try temporaryFolder("audit2") + "/watchpost.db"
        do {
            let (_, p) = try processor(fresh, clock: ManualClock(now: t0), settings: try F.settings([F.content()]))
            await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0))
        }
        func verifyFresh() async throws -> TimelineVerification { try await Store(path: fresh, clock: clock, readOnly: true).verifyTimeline() }
        let r = try await runProgram(sqlite3, arguments: [fresh, "DELETE FROM timeline WHERE seq = 2"], timeout: .seconds(60))
        expectEqual(r.exitCode, 0)
        let deleted = try await verifyFresh()
        #expect(deleted.problemSeq == 2 && deleted.firstProblem?.contains("deleted") == true)
        // Deleting the last entry is caught by the recorded head.
        let fresh2 = try temporaryFolder("audit3") + "/watchpost.db"
        do {
            let (_, p) = try processor(fresh2, clock: ManualClock(now: t0), settings: try F.settings([F.content()]))
            await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0))
        }
        // (opening writes five entries: opened, notified, informed, notified, state)
        _ = try await runProgram(sqlite3, arguments: [fresh2, "DELETE FROM timeline WHERE seq = 5"], timeout: .seconds(60))
        let lastGone = try await Store(path: fresh2, clock: clock, readOnly: true).verifyTimeline()
        expectEqual(lastGone.firstProblem?.contains("entry 5 (the last) was deleted"), true)
        // An inserted entry that copies a neighbour's hash does not chain.
        _ = try await runProgram(sqlite3, arguments: [fresh2, "INSERT INTO timeline SELECT 5, at_ms, site, check_id, incident_id, 'note', 'mallory', 'all fine', prev_hash, hash FROM timeline WHERE seq = 4"], timeout: .seconds(60))
        let inserted = try await Store(path: fresh2, clock: clock, readOnly: true).verifyTimeline()
        expectEqual(inserted.problemSeq, 5)
    }
}

/// Responders configured in a site folder, run by the daemon's processor with the real
/// `command` action: once per incident, outcome in the timeline, a failure told to those notified.
@Suite struct ResponderTests {
    typealias F = Fixture

    @Test func respondersRunOnceAndFailuresAreIncidentEvents() async throws {
        let dir = try temporaryFolder("responders")
        try await copyShippedConfiguration(into: dir)
        try FileSystem.writeAtomically("\(dir)/probes/tay-trang/responders.conf", """
            [responder blackout]
            action = command
            command = /bin/echo
            arguments = screen blacked out
            on_findings = content-unapproved
            timeout = 5s

            [responder broken]
            action = command
            command = /bin/false
            on_checks = content
            timeout = 5s
            """)
        let config = try ConfigurationLoader.load(root: dir)
        var settings = EngineSettings(configuration: config)
        let si = try #require(settings.sites.firstIndex { $0.id == F.tayTrang })
        expectEqual(settings.sites[si].responders.map(\.name), ["blackout", "broken"])
        settings.sites[si].checks = [F.content()]
        let t0 = F.local("2026-11-24T02:00")
        let clock = ManualClock(now: t0)
        let store = try Store(path: "\(dir)/watchpost.db", clock: clock)
        let p = IncidentProcessor(configuration: config, settings: settings, store: store, clock: clock, logger: Logger(sink: CapturedLog(), clock: clock))
        await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0))
        await p.waitForResponders()
        for n in 1...3 { await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0 + .seconds(30 * Int64(n)))) }
        await p.waitForResponders()
        let runs = try await store.read { db in
            try db.query("SELECT responder, state, outcome FROM responder_run ORDER BY responder").map { "\($0[0].string ?? "") \($0[1].string ?? ""): \($0[2].string ?? "")" }
        }
        expectEqual(runs.count, 2)
        expectEqual(runs.first, "blackout succeeded: /bin/echo: screen blacked out")
        expectEqual(runs.last?.hasPrefix("broken failed: "), true)
        let kinds = try await store.timeline(incidentID: 1).map(\.event.kind)
        expectEqual(kinds.filter { $0 == "responder-started" }.count, 2)
        #expect(kinds.contains("responder-succeeded") && kinds.contains("responder-failed"))
        let failed = try await store.read { db in try db.query("SELECT key FROM outbox WHERE event = 'responderFailed' ORDER BY id").map { $0[0].string ?? "" } }
        expectEqual(failed, F.keys(1, "responderFailed", "broken", F.level2 + F.level1))
        try await expectEqual(store.verify(), [])
    }

    /// s7 review of #16 (the reviewer's repro through the processor and the database): an
    /// unapproved play → content-blackout runs → the play ends, the incident resolves → an
    /// unapproved play again within the hour → the incident reopens and content-blackout runs a
    /// second time, in a row of its own (round 1), which the broadcast log takes as the newest
    /// blackout. Seen failing before the fix: one run only (the second was never started, and
    /// the table's key (incident, responder) had no room for it).
    /// With ONE OK result between (an approved item for one interval, s7 follow-up): the
    /// responder's outcome moved the database's revision, the processor reloaded the incidents
    /// after `observe` had moved the check to OK and `load` put it back to failing, so the next
    /// unapproved result changed nothing — no reopening, no blackout, nothing logged.
    @Test(arguments: [1, 2]) func aReopenedContentIncidentRunsContentBlackoutAgain(okResults: Int) async throws {
        let dir = try temporaryFolder("responders-reopen")
        try await copyShippedConfiguration(into: dir)
        try FileSystem.writeAtomically("\(dir)/probes/tay-trang/responders.conf", """
            [responder content-blackout]
            action = command
            command = /bin/echo
            arguments = screen blacked out
            on_findings = content-unapproved
            timeout = 5s
            """)
        let config = try ConfigurationLoader.load(root: dir)
        let settings = try F.settings([F.content()], responders: EngineSettings(configuration: config).sites.first { $0.id == F.tayTrang }?.responders ?? [])
        expectEqual(settings.sites.first { $0.id == F.tayTrang }?.responders.map(\.name), ["content-blackout"])
        let t0 = F.local("2026-11-24T02:00")
        let clock = ManualClock(now: t0)
        let store = try Store(path: "\(dir)/watchpost.db", clock: clock)
        let log = CapturedLog()
        let p = IncidentProcessor(configuration: config, settings: settings, store: store, clock: clock, logger: Logger(sink: log, clock: clock))
        await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0))
        await p.waitForResponders()
        // The player check goes on reporting OK every interval once the item is gone.
        for _ in 1...okResults {
            clock.advance(by: .minutes(5))
            await p.handle(key: F.key("content"), kind: "content", result: F.result(.ok, at: clock.now()))
        }
        #expect(try await store.openIncidents().isEmpty, "resolved when the play ended")
        clock.advance(by: .minutes(20))
        let second = clock.now()
        await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: second))
        await p.waitForResponders()
        clock.advance(by: .seconds(30))
        await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: clock.now()))
        await p.waitForResponders()
        let runs = try await store.read { db in
            try db.query("SELECT incident_id, responder, round, state FROM responder_run ORDER BY id").map {
                "#\($0[0].int ?? 0) \($0[1].string ?? "") r\($0[2].int ?? -1) \($0[3].string ?? "")"
            }
        }
        let incidents = try await store.recentIncidents(limit: 5).map { "#\($0.id) \($0.state) round \($0.round) reopened \($0.reopenCount)" }
        expectEqual(incidents, ["#1 triggered round 1 reopened 1"], "the same incident, reopened: \(log.lines.withLock { $0 })")
        expectEqual(runs, ["#1 content-blackout r0 succeeded", "#1 content-blackout r1 succeeded"])
        let kinds = try await store.timeline(incidentID: 1).map(\.event.kind)
        #expect(kinds.filter { $0 == "responder-started" }.count == 2 && kinds.filter { $0 == "responder-succeeded" }.count == 2, "\(kinds)")
        #expect(kinds.contains("reopened"))
        let newest = try await store.latestScreenCommands(site: F.tayTrang, check: "content", blackoutResponders: ["content-blackout"], restoreResponders: [])
        #expect(newest.blackout?.calledBy == second && newest.blackout?.incidentID == 1, "\(String(describing: newest.blackout))")
        try await expectEqual(store.verify(), [])
    }
}

@Suite struct IncidentConfigurationTests {
    typealias F = Fixture

    @Test func maintenanceAndResponderSectionsAreReadAndChecked() async throws {
        let dir = try temporaryFolder("config")
        try await copyShippedConfiguration(into: dir)
        try FileSystem.writeAtomically("\(dir)/probes/tay-trang/maintenance.conf", """
            [maintenance ups-battery]
            start = 2026-12-06T06:00
            end = 2026-12-06T09:00
            checks = ups, led-controller
            reason = Thay ắc quy UPS / UPS battery replacement
            """)
        let good = try ConfigurationLoader.load(root: dir)
        let site = try #require(EngineSettings(configuration: good).sites.first { $0.id == F.tayTrang })
        #expect(site.maintenance == [MaintenanceWindow(id: "profile:tay-trang/ups-battery", site: F.tayTrang, checks: ["ups", "led-controller"],
                                                       start: Instant.parse("2026-12-05T23:00Z")!, end: Instant.parse("2026-12-06T02:00Z")!,
                                                       reason: "Thay ắc quy UPS / UPS battery replacement")])
        // The UPS is the power source and the controller is explained by power (shipped profile).
        expectEqual(site.checks.first { $0.key.check == "ups" }?.isPowerSource, true)
        expectEqual(site.checks.first { $0.key.check == "led-controller" }?.explainedByPower, true)
        try FileSystem.writeAtomically("\(dir)/probes/tay-trang/maintenance.conf", """
            [maintenance backwards]
            start = 2026-12-06T09:00
            end = 2026-12-06T06:00
            checks = upss
            reson = typo
            """)
        let (_, diagnostics) = ConfigurationLoader.validate(root: dir)
        let text = diagnostics.map(\.englishDescription).joined(separator: "\n")
        #expect(text.contains("maintenance.conf:3: end: the window ends (2026-12-06T06:00:00+07:00) before it starts (2026-12-06T09:00:00+07:00)"), "\(text)")
        #expect(text.contains("maintenance.conf:4: checks: no check 'upss' at this site"), "\(text)")
        #expect(text.contains("maintenance.conf:5: reson: unknown key in [maintenance backwards] (did you mean 'reason'?)"), "\(text)")
    }
}

extension IncidentPersistenceTests {
    @Test func softFailuresKeepCountingAcrossARestart() async throws {
        let path = try temporaryFolder("soft") + "/watchpost.db"
        let t0 = F.local("2026-11-24T02:00")
        let clock = ManualClock(now: t0)
        let settings = try F.settings([F.content(failAfter: 3)])
        do {
            let (_, p) = try processor(path, clock: clock, settings: settings)
            await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0))
            await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0 + .seconds(30)))
        }
        let (store, p) = try processor(path, clock: clock, settings: settings)
        try await expectEqual(store.checkStates().first?.attempts, 2)
        await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0 + .seconds(60)))
        try await expectEqual(store.openIncidents().count, 1)
    }
}

extension IncidentPersistenceTests {
    /// Migration versions land in any order: a database at a later version that lacks version 2
    /// (made before the incident tables landed) gets them when opened.
    @Test func aDatabaseMadeBeforeTheIncidentTablesGetsThem() async throws {
        let path = try temporaryFolder("migrate") + "/watchpost.db"
        let clock = ManualClock(now: F.local("2026-11-24T02:00"))
        do {
            let store = try Store(path: path, clock: clock)
            try await store.read { db in
                for t in ["incident_ack", "responder_run", "incident", "maintenance_window", "timeline"] { try db.execute("DROP TABLE \(t)") }
                try db.execute("DELETE FROM meta WHERE key IN ('engine_rev', 'timeline_head')")
            }
        }
        let store = try Store(path: path, clock: clock)
        await expectEqual(store.schemaVersion, Migrations.latestVersion)
        #expect(try await store.openIncidents().isEmpty)
        try await expectEqual(store.engineRevision(), 0)
        try await expectEqual(store.verify(), [])
    }

    /// Migration 22: a database whose responder_run is keyed (incident, responder) — every
    /// database before it, at any later version — gets the round: its rows kept as round 0, a
    /// second round of the same responder recorded beside them, and a run interrupted by a
    /// restart still closed in its own row.
    @Test func responderRunsOfAnOlderDatabaseGetTheirRound() async throws {
        let path = try temporaryFolder("migrate-rounds") + "/watchpost.db"
        let t0 = F.local("2026-11-24T02:00")
        let clock = ManualClock(now: t0)
        let settings = try F.settings([F.content()], responders: [ResponderSpec(name: "content-blackout", site: F.tayTrang, action: "led-blackout", onFindings: ["content-unapproved"])])
        do {
            let (store, p) = try processor(path, clock: clock, settings: settings)
            await p.handle(key: F.key("content"), kind: "content", result: F.unapproved(at: t0))
            await p.waitForResponders()
            // The table as migration 2 made it, with the run still 'running' (the daemon died).
            try await store.read { db in
                try db.execute("""
                    ALTER TABLE responder_run RENAME TO rr;
                    CREATE TABLE responder_run (id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL REFERENCES incident (id), responder TEXT NOT NULL,
                        started_ms INTEGER NOT NULL, finished_ms INTEGER, state TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
                        outcome TEXT, UNIQUE (incident_id, responder));
                    INSERT INTO responder_run (id, incident_id, responder, started_ms, state) SELECT id, incident_id, responder, started_ms, 'running' FROM rr;
                    DROP TABLE rr;
                    """)
            }
        }
        let store = try Store(path: path, clock: clock)
        await expectEqual(store.schemaVersion, Migrations.latestVersion)
        try await expectEqual(store.failInterruptedResponders(at: t0 + .minutes(1)), 1)
        try await store.recordResponderOutcome(incidentID: 1, responder: "content-blackout", round: 1, succeeded: true, outcome: "ok", at: t0 + .minutes(30))
        let rows = try await store.read { db in
            try db.query("SELECT responder, round, state FROM responder_run ORDER BY id").map { "\($0[0].string ?? "") r\($0[1].int ?? -1) \($0[2].string ?? "")" }
        }
        expectEqual(rows, ["content-blackout r0 failed", "content-blackout r1 succeeded"])
        // Opened again, the migration is not repeated (the rows stay as they are).
        let again = try Store(path: path, clock: clock)
        try await expectEqual(again.read { db in try db.query("SELECT COUNT(*) FROM responder_run").first?[0].int }, 2)
    }
}

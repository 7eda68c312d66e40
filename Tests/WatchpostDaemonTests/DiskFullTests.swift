// Issue #19, point 12, on a real 2 MiB tmpfs: the `storage` check warns and then goes critical
// before the volume is full; once it is full, the store gives up its reserve so that an incident
// step is still recorded; and failing commits back off instead of retrying a thousand times a
// second.
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostProbes
@testable import WatchpostDaemon
import Posix
import Glibc

@Suite("Disk full (#19)", .serialized, .timeLimit(.minutes(2)))
struct DiskFullTests {
    static func fill(_ path: String, leaving keep: Int64, volume: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x55, count: 4096)
        while (try FileSystem.space(at: volume).free) > keep {
            if chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) <= 0 { break }
        }
    }

    @Test func smallVolumeWarnsBeforeItFillsAndStillRecordsIncidents() async throws {
        try #require(getuid() == 0, "mounting the 2 MiB tmpfs needs root (CI runs as root)")
        let volume = "/tmp/watchpost-diskfull-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.makeDirectories(volume)
        let mount = try Subprocess.run("/bin/mount", arguments: ["-t", "tmpfs", "-o", "size=2m", "tmpfs", volume], timeout: .seconds(10))
        try #require(mount.exitCode == 0, "mount tmpfs: \(mount.output)")
        defer {
            _ = try? Subprocess.run("/bin/umount", arguments: ["-l", volume], timeout: .seconds(10))
            _ = try? Subprocess.run("/bin/rmdir", arguments: [volume], timeout: .seconds(5))
        }
        let clock = ManualClock(now: Instant(seconds: 1_795_481_411))
        let db = "\(volume)/watchpost.db"
        let store = try Store(path: db, clock: clock)
        #expect(FileSystem.exists(StorageReserve.path(forDatabase: db)), "the reserve is made when the store opens")
        let probe = StorageProbe(database: db, warningFree: 20, criticalFree: 10)
        func status() async -> CheckResult { await probe.run(ProbeContext(clock: clock, deadline: clock.now() + .seconds(10))) }
        #expect(await status().status == .ok)
        let total = try FileSystem.space(at: volume).total
        try Self.fill("\(volume)/filler-a", leaving: total * 15 / 100, volume: volume)
        #expect(await status().status == .warning, "15 % free")
        try Self.fill("\(volume)/filler-b", leaving: total * 5 / 100, volume: volume)
        let almost = await status()
        #expect(almost.status == .critical && almost.findings.contains { $0.code == "storage.almost-full" }, "5 % free: \(almost.summary)")
        try Self.fill("\(volume)/filler-c", leaving: 0, volume: volume)

        // Full: an incident step is still committed, from the reserve.
        var step = EngineOutput()
        step.timeline = (1...20).map { TimelineEvent(at: clock.now(), site: "s", checkID: "c", incidentID: 1, kind: "opened",
                                                     text: "problem while the disk is full \($0) " + String(repeating: "x", count: 400)) }
        let revision = try await store.commitEngineStep(step, expectedRevision: nil)
        #expect(revision != nil)
        #expect(try await store.timeline(incidentID: 1).count == 20)
        #expect(!FileSystem.exists(StorageReserve.path(forDatabase: db)), "the reserve was given up")
        #expect(await store.lowOnSpace)
        let used = await status()
        #expect(used.status == .critical && used.findings.contains { $0.code == "storage.reserve-used" }, "\(used.summary)")
    }

    /// The one back-off the commits wait through (that they do is CommitBackoffTests' subject).
    @Test func failingCommitsBackOff() {
        let b = Backoff(initial: .seconds(1), maximum: .seconds(60))
        #expect(b.delay(afterFailures: 1) == .seconds(1))
        #expect(b.delay(afterFailures: 2) == .seconds(2))
        #expect(b.delay(afterFailures: 4) == .seconds(8))
        #expect(b.delay(afterFailures: 7) == .seconds(60))
        #expect(b.delay(afterFailures: 500) == .seconds(60))
        #expect(Backoff(initial: .hours(876_000), maximum: .hours(876_000)).delay(afterFailures: 500) == .hours(876_000), "no overflow")
    }
}

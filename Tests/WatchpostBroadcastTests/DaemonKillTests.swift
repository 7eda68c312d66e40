// The broadcast log in the real daemon binary: a simulated player loops a signed playlist, the
// daemon is killed with SIGKILL mid-play and restarted, and the log has every play once — the
// open one continued, not doubled — covering the time without holes; `watchpost plays --verify`
// re-proves every play against the archived manifest.
import Testing
import WatchpostCore
import WatchpostContent
import WatchpostStore
import WatchpostSimulators
import WatchpostTestSupport
import Crypto
import Posix

@Suite(.serialized, .timeLimit(.minutes(2))) struct DaemonKillTests {
    @Test func killNineNeitherLosesNorDoublesAPlay() async throws {
        let dir = try makeTemporaryFolder("watchpost-broadcast-daemon")
        defer { removeTree(dir) }
        let root = TestPaths.packageRoot
        #expect(shell("cp -r '\(root)/alerts' '\(dir)/' && mkdir -p '\(dir)/probes/tay-trang' '\(dir)/media/videos' && cp '\(root)/probes/tay-trang/site.conf' '\(dir)/probes/tay-trang/'").status == 0)
        try FileSystem.writeAtomically("\(dir)/probes/tay-trang/schedule.conf", "[weekly]\n" + ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map { "\($0) = 00:00-24:00\n" }.joined())
        try FileSystem.writeAtomically("\(dir)/media/videos/a.mp4", "programme A")
        try FileSystem.writeAtomically("\(dir)/media/videos/b.mp4", "clip B")
        try FileSystem.writeAtomically("\(dir)/side.txt", "videos/a.mp4 | A | dai-ptth-dien-bien | vi, lo | 2026-12 | programme\nvideos/b.mp4 | B | songoaivu-dien-bien | en | | clip\n")
        let bin = try TestPaths.watchpost()
        #expect(shell("cd '\(dir)' && '\(bin)' manifest keygen --out dept >/dev/null && '\(bin)' manifest create media --key dept.key --valid-from 2026-01-01 --valid-to 2030-12-31 --approved-by 'Sở (test)' --sidecar side.txt --sequence 7").status == 0)

        let sim = try PlayerSimulator.Running(config: PlayerSimulatorConfig(mediaFolder: "\(dir)/media",
                                                                          playlist: [PlaylistEntry(path: "videos/a.mp4", seconds: 4), PlaylistEntry(path: "videos/b.mp4", seconds: 4)],
                                                                          origin: SystemClock().now()))
        defer { sim.stop() }
        try FileSystem.writeAtomically("\(dir)/watchpost.conf", "[daemon]\ndatabase = var/watchpost.db\nheartbeat_interval = 5s\n")
        try FileSystem.writeAtomically("\(dir)/probes/tay-trang/checks.conf", """
            [check playing-now]
            kind = player
            address = 127.0.0.1:\(sim.port)
            manifest = media/approved.manifest
            public_key = dept.pub
            log_interval = 1s
            interval = 1m
            timeout = 10s
            """)
        let daemon = try DaemonProcess(configDir: dir)
        try daemon.waitUntilStarted()
        let db = "\(dir)/var/watchpost.db"
        func entries() async throws -> [BroadcastEntry] {
            let store = try Store(path: db, clock: SystemClock(), readOnly: true)
            return try await store.broadcastEntries(site: "tay-trang", from: Instant(milliseconds: 0), to: SystemClock().now() + .hours(1))
        }
        try await waitUntil("three plays logged", within: 30, detail: { daemon.logTail() }) { try await entries().filter { $0.kind == .play }.count >= 3 }
        // Kill in the middle of a play (2 s into an item of 4 s).
        daemon.killNine()
        let before = try await entries()
        let openAtKill = try #require(before.last)
        #expect(openAtKill.isOpen && openAtKill.kind == .play)
        try daemon.restart()
        try daemon.waitUntilStarted()
        try await waitUntil("three more plays after the restart", within: 30, detail: { daemon.logTail() }) {
            try await entries().filter { $0.kind == .play }.count >= before.filter { $0.kind == .play }.count + 3
        }
        daemon.stop()
        let after = try await entries()
        // Every row from before the kill is still there, with the same start (none lost).
        for e in before { #expect(after.contains { $0.id == e.id && $0.started == e.started && $0.item?.path == e.item?.path }, "row \(e.id) lost") }
        // No play twice: starts are distinct, plays never overlap, and the log covers the time
        // without holes (a gap row stands for any time nobody was looking).
        let plays = after.filter { $0.kind == .play }
        #expect(Set(plays.map(\.started)).count == plays.count)
        for (a, b) in zip(after, after.dropFirst()) {
            #expect(b.started >= a.end - .seconds(1), "overlap: \(a) then \(b)")
            #expect(b.started <= a.end + .seconds(3), "hole between \(a.end) and \(b.started)")
        }
        // Plays alternate between the two items (a doubled play would repeat one).
        for (a, b) in zip(plays, plays.dropFirst()) where b.started - a.end < .seconds(2) { #expect(a.item?.path != b.item?.path, "\(a) then \(b)") }
        #expect(plays.allSatisfy { $0.item?.approved == true && $0.item?.sequence == 7 && !($0.item?.manifestID.isEmpty ?? true) })
        #expect(plays.first { $0.item?.path == "videos/a.mp4" }?.item?.languages == ["vi", "lo"])
        // Re-proved by the CLI against the archive.
        let verify = shell("'\(bin)' plays --config '\(dir)' --from 2000-01-01 --to 2100-01-01 --verify --format csv")
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("proven") && !verify.output.contains("mismatch"))
    }
}
